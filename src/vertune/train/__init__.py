"""Training: the Trainer subclass, its callbacks, and `fit`, which runs one recipe's training stage."""
