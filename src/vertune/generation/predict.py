"""`vertune predict` and `vertune chat` for generation runs: completions of prompts and files, and an
interactive conversation that streams the answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from vertune.data.readers import Table
from vertune.run import RunDir


def is_generation_run(run: RunDir) -> bool:
    return run.recipe_path.is_file() and run.load_recipe().task == "generation"


def complete_texts(run: RunDir, texts: Sequence[str]) -> list[dict[str, Any]]:
    """[{"completion": ...}] per prompt, with the run's generation settings."""
    from vertune.generation.engine import Engine

    engine = Engine.from_run(run.path)
    return [{"completion": text} for text in engine.generate(list(texts))]


def complete_table(run: RunDir, table: Table, data: Any, quiet: bool) -> list[dict[str, Any]]:
    """[{"completion": ...}] per row of a file (`messages`, alpaca or the prompt column)."""
    from vertune.generation.data import parse_or_raise
    from vertune.generation.engine import Engine

    prompts = [row.prompt for row in parse_or_raise(table, data, labelled=False)]
    engine = Engine.from_run(run.path)
    if quiet:
        return [{"completion": text} for text in engine.generate(prompts)]
    from tqdm.auto import tqdm

    with tqdm(total=len(prompts), desc="generating", unit="row") as bar:
        completions = engine.complete(prompts, progress=bar.update)
    return [{"completion": c.text} for c in completions]


class Chat:
    """A conversation with a run: each `say` streams the answer and keeps both turns in the history."""

    def __init__(self, run_path: str | Path):
        from vertune.generation.engine import Engine

        self.engine = Engine.from_run(run_path)
        self.history: list[dict[str, str]] = []

    def say(self, text: str) -> Iterator[str]:
        self.history.append({"role": "user", "content": text})
        answer = ""
        for piece in self.engine.stream(self.history):
            answer += piece
            yield piece
        self.history.append({"role": "assistant", "content": answer})

    def reset(self) -> None:
        self.history.clear()


def chat_loop(run_path: str | Path, read: Callable[[], str | None], write: Callable[[str], None]) -> int:
    """Read a line, stream the answer, until end of input or `/exit`; `/reset` forgets the conversation.
    Returns the number of answers given."""
    chat = Chat(run_path)
    answers = 0
    while True:
        line = read()
        if line is None or line.strip() in ("/exit", "/quit"):
            return answers
        if line.strip() == "/reset":
            chat.reset()
            continue
        if not line.strip():
            continue
        for piece in chat.say(line):
            write(piece)
        write("\n")
        answers += 1
