"""vertune.events: typed events, the line a person reads, and the shims for code that speaks in lines."""

import subprocess
import sys

from vertune import events


def test_each_event_has_its_line_or_none():
    assert events.message(events.Info("data: 3 rows")) == "data: 3 rows"
    assert events.message(events.Warning("baseline x skipped")) == "warning: baseline x skipped"
    assert (
        events.message(events.DataProblem("a.csv", 3, "a.csv:3: empty text"))
        == "warning: a.csv:3: empty text"
    )
    assert events.message(events.StageStarted("fit")) is None
    assert events.message(events.EpochMetrics(1.0, 6, {"macro_f1": 0.5})) is None


def test_a_line_callback_receives_the_lines():
    lines: list[str] = []
    subscriber = events.from_notify(lines.append)
    for event in (events.Warning("seed 2 failed"), events.StageStarted("fit"), events.Info("done")):
        subscriber(event)
    assert lines == ["warning: seed 2 failed", "done"]


def test_events_import_no_torch():
    code = "import sys, vertune.events, vertune.results; print('torch' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    )
