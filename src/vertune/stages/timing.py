"""`with stage("fit", on_event):` wraps a stage in StageStarted / StageFinished events."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from vertune.events import StageFinished, StageStarted, Subscriber


@contextmanager
def stage(name: str, on_event: Subscriber, detail: str = "") -> Iterator[None]:
    """StageStarted now, StageFinished with the seconds when the block ends without an exception."""
    on_event(StageStarted(name, detail))
    started = time.perf_counter()
    yield
    on_event(StageFinished(name, round(time.perf_counter() - started, 3)))
