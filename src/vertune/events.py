"""What the api tells its caller while it works: typed events, not strings (imports no torch).

Every verb takes `on_event`, a `Subscriber` (any callable taking one `Event`). The CLI renders them with
rich (`message(event)` is the line a person reads); a UI, a tracker or a test can subscribe to the same
events and read their fields.

    StageStarted / StageFinished   a stage of a workflow began / ended (with its seconds)
    Info                           a line for a person ("data: train 81 rows, ...")
    Warning                        something the user should look at; the job goes on
    DataProblem                    a row-level data warning (`file:row: what; fix`)
    EpochMetrics                   the validation scores after an epoch (from a TrainerCallback)
    FinalMetrics                   the final scores of one model on one split (fine-tuned or a baseline)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StageStarted:
    stage: str
    detail: str = ""


@dataclass(frozen=True)
class StageFinished:
    stage: str
    seconds: float


@dataclass(frozen=True)
class Info:
    message: str


@dataclass(frozen=True)
class Warning:  # an event, not the exception class: always used as `events.Warning`
    message: str


@dataclass(frozen=True)
class DataProblem:
    """A data warning found by validation; `text` is the problem as `file:row: what; fix`."""

    file: str
    row: int | None
    text: str


@dataclass(frozen=True)
class EpochMetrics:
    epoch: float
    step: int
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class FinalMetrics:
    """The scores of `model` ("fine-tuned", a baseline's name, "compressed", "parent") on `split`."""

    model: str
    split: str
    metrics: dict[str, Any] = field(default_factory=dict)


Event = StageStarted | StageFinished | Info | Warning | DataProblem | EpochMetrics | FinalMetrics
Subscriber = Callable[[Event], None]

log = logging.getLogger("vertune")


def message(event: Event) -> str | None:
    """The line a person reads for `event` (warnings start with "warning: "); None = nothing to print."""
    if isinstance(event, Info):
        return event.message
    if isinstance(event, Warning):
        return f"warning: {event.message}"
    if isinstance(event, DataProblem):
        return f"warning: {event.text}"
    return None


def log_event(event: Event) -> None:
    """The default subscriber: the human lines go to the `vertune` logger."""
    text = message(event)
    if text is not None:
        log.info(text)


def ignore(event: Event) -> None:
    """A subscriber that drops everything."""


def from_notify(notify: Callable[[str], None]) -> Subscriber:
    """A subscriber for a caller that still takes plain lines (`notify(str)`)."""

    def subscriber(event: Event) -> None:
        text = message(event)
        if text is not None:
            notify(text)

    return subscriber
