"""Generation data: rows of any supported format as conversations, with file:line validation.

A row is one of
- OpenAI chat: `{"messages": [{"role": "system" | "user" | "assistant", "content": ...}, ...]}`, ending on
  the assistant turn that is the answer;
- alpaca: `instruction`, optional `input`, `output`;
- two columns: `data.prompt_column` / `data.response_column` (`prompt` / `completion` also read).
Each becomes (messages before the answer, answer). `data.system_prompt` is added to every conversation
without a system message. Torch-free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vertune.data.readers import Table
from vertune.data.validate import DataReport, check_columns, is_missing
from vertune.errors import DataError, Problem
from vertune.recipe import DataConfig

Message = dict[str, str]
ROLES = ("system", "user", "assistant")
ERRORS_SHOWN = 20  # per file; the rest are summed up in one line


@dataclass(frozen=True)
class Row:
    line: int
    prompt: list[Message]  # the conversation up to the answer (system prompt included)
    response: str | None  # the answer; None for unlabelled rows (predict)


def table_format(table: Table, data: DataConfig) -> str:
    columns = set(table.columns)
    if "messages" in columns:
        return "messages"
    if "instruction" in columns:
        return "alpaca"
    return "columns"


def response_column(table: Table, data: DataConfig) -> str:
    """`data.response_column`, or `completion` in a prompt / completion file that kept the default."""
    if data.response_column not in table.columns and "completion" in table.columns:
        return "completion"
    return data.response_column


def read_rows(table: Table, data: DataConfig, labelled: bool = True) -> tuple[list[Row], list[Problem]]:
    """Every row as a conversation, and the problems (file:line) of those that are not one."""
    kind = table_format(table, data)
    where = str(table.path)
    if kind == "columns":
        wanted = {"data.prompt_column": data.prompt_column}
        if labelled:
            wanted["data.response_column"] = response_column(table, data)
        missing = check_columns(table, wanted)
        if missing:
            hint = " (or give `messages`, or alpaca `instruction` / `output` rows)"
            return [], [Problem(p.file, p.row, p.message, p.fix + hint) for p in missing]
    if kind == "alpaca" and labelled:
        missing = check_columns(table, {"output (alpaca)": "output"})
        if missing:
            return [], missing
    rows: list[Row] = []
    problems: list[Problem] = []
    for index, line in enumerate(table.lines):
        values = {column: table.values[column][index] for column in table.columns}
        try:
            prompt, response = _parse(kind, values, table, data, labelled)
        except ValueError as exc:
            message, _, fix = str(exc).partition("|")
            problems.append(Problem(where, line, message, fix or "fix or delete the row"))
            continue
        if data.system_prompt and not any(m["role"] == "system" for m in prompt):
            prompt = [{"role": "system", "content": data.system_prompt}, *prompt]
        rows.append(Row(line, prompt, response))
    if len(problems) > ERRORS_SHOWN:
        rest = len(problems) - ERRORS_SHOWN
        problems = [
            *problems[:ERRORS_SHOWN],
            Problem(where, None, f"{rest} more rows like these", "fix them"),
        ]
    return rows, problems


def _parse(
    kind: str, values: dict[str, Any], table: Table, data: DataConfig, labelled: bool
) -> tuple[list[Message], str | None]:
    if kind == "messages":
        return _parse_messages(values["messages"], labelled)
    if kind == "alpaca":
        instruction = values.get("instruction")
        if is_missing(instruction):
            raise ValueError("empty instruction|fill in the instruction or delete the row")
        extra = values.get("input")
        prompt = str(instruction).strip() + ("" if is_missing(extra) else "\n\n" + str(extra).strip())
        return [{"role": "user", "content": prompt}], _answer(values.get("output"), labelled, "output")
    text = values.get(data.prompt_column)
    if is_missing(text):
        raise ValueError(f"empty prompt ({data.prompt_column})|fill in the prompt or delete the row")
    column = response_column(table, data)
    return [{"role": "user", "content": str(text)}], _answer(values.get(column), labelled, column)


def _answer(value: Any, labelled: bool, column: str) -> str | None:
    if not labelled:
        return None
    if is_missing(value):
        raise ValueError(f"empty answer ({column})|fill in the answer or delete the row")
    return str(value)


def _parse_messages(value: Any, labelled: bool) -> tuple[list[Message], str | None]:
    if not isinstance(value, list) or not value:
        raise ValueError("messages is not a non-empty list|write messages as [{role, content}, ...]")
    messages: list[Message] = []
    for turn, message in enumerate(value, 1):
        if not isinstance(message, dict) or "role" not in message or "content" not in message:
            raise ValueError(
                f"message {turn} is not {{role, content}}|give each message a role and a content"
            )
        role, content = message["role"], message["content"]
        if role not in ROLES:
            raise ValueError(f"message {turn}: unknown role {role!r}|use one of {', '.join(ROLES)}")
        if not isinstance(content, str):
            raise ValueError(f"message {turn}: content is not text|write the content as a string")
        if role == "assistant" and not content.strip():
            raise ValueError(f"message {turn}: empty assistant message|write the answer or delete the turn")
        messages.append({"role": role, "content": content})
    if not labelled:
        if messages[-1]["role"] == "assistant":
            messages = messages[:-1]
        return messages, None
    if messages[-1]["role"] != "assistant":
        raise ValueError(
            f"the conversation ends on a {messages[-1]['role']} turn|end it with the assistant's answer"
        )
    if not any(m["role"] == "user" for m in messages[:-1]):
        raise ValueError("no user turn before the answer|add the user's message")
    return messages[:-1], messages[-1]["content"]


def prompt_text(prompt: list[Message]) -> str:
    """The conversation's text without the template (length statistics, baselines, reports)."""
    return "\n".join(m["content"] for m in prompt if m["role"] != "system")


def validate_generation(
    splits: dict[str, Table],
    data: DataConfig,
    count_tokens: Callable[[list[str]], list[int]] | None,
    max_length: int | None,
) -> DataReport:
    """Problems of every file (errors stop the run), the share of examples longer than max_length."""
    report = DataReport()
    for role, table in splits.items():
        rows, problems = read_rows(table, data)
        report.problems += problems
        stats: dict[str, Any] = {"rows": len(table)}
        if not rows and not problems:
            report.problems.append(Problem(str(table.path), None, "no rows", "add examples"))
        if rows and count_tokens is not None and max_length is not None:
            lengths = count_tokens([prompt_text(r.prompt) + "\n" + (r.response or "") for r in rows])
            # the chat template adds a few tokens per turn: counted roughly, 5 per message and the answer
            lengths = [n + 5 * (len(r.prompt) + 1) for n, r in zip(lengths, rows, strict=True)]
            long = sum(n > max_length for n in lengths)
            stats["longer_than_max_length"] = round(long / len(rows), 4)
            stats["median_tokens"] = float(sorted(lengths)[len(lengths) // 2])
            if long:
                report.problems.append(
                    Problem(
                        str(table.path),
                        None,
                        f"{long} of {len(rows)} examples ({long / len(rows):.0%}) are longer than "
                        f"training.max_length ({max_length} tokens): the prompt is cut from the left and "
                        "the answer from the right (its end-of-turn token lost)",
                        "raise training.max_length or shorten the examples",
                        severity="warning",
                    )
                )
        report.stats[role] = stats
    return report


def parse_or_raise(table: Table, data: DataConfig, labelled: bool) -> list[Row]:
    rows, problems = read_rows(table, data, labelled)
    if problems:
        raise DataError(problems)
    return rows
