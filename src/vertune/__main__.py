"""`python -m vertune` (and `accelerate launch -m vertune`) run the CLI."""

from vertune.cli import main

if __name__ == "__main__":
    main()
