"""The train workflow in-process: the stages in order as events, epoch and final metrics as events, the
final test and baseline scores handed to the Trainer's callbacks (where the trackers listen)."""

import pytest
from transformers import TrainerCallback

from helpers import write_recipe
from vertune import api, events
from vertune.results import TrainResult

pytestmark = pytest.mark.e2e

STAGES = [
    "data",
    "open run",
    "fit",
    "save",
    "score",
    "baselines",
    "uncertainty",
    "explanations",
    "metrics",
    "track",
]


class Recorder(TrainerCallback):
    def __init__(self):
        self.logged: list[dict] = []

    def on_log(self, args, state, control, logs=None, **kwargs):
        self.logged.append(dict(logs or {}))


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("workflow")
    recipe = write_recipe(
        directory,
        training={"epochs": 1, "max_length": 32, "batch_size": 16, "seed": 7},
        evaluation={"baselines": ["tfidf_logreg", "most_frequent_tag"]},
    )
    received: list[events.Event] = []
    recorder = Recorder()
    result = api.train(recipe, quiet=True, on_event=received.append, callbacks=[recorder])
    return result, received, recorder


def test_the_stages_run_in_order_and_each_finishes(tiny_run):
    result, received, _ = tiny_run
    assert isinstance(result, TrainResult) and result.metrics["schema"] == 1
    started = [e.stage for e in received if isinstance(e, events.StageStarted)]
    finished = [e.stage for e in received if isinstance(e, events.StageFinished)]
    assert started == finished == STAGES
    assert (
        events.Warning("baseline most_frequent_tag does not apply to task classification; skipped")
        in received
    )
    assert any(isinstance(e, events.DataProblem) and "max_length=32" in e.text for e in received)


def test_epoch_and_final_metrics_are_events(tiny_run):
    result, received, _ = tiny_run
    (epoch,) = [e for e in received if isinstance(e, events.EpochMetrics)]
    assert epoch.epoch == 1.0 and 0 <= epoch.metrics["macro_f1"] <= 1 and "runtime" not in epoch.metrics
    final = {e.model: e.metrics for e in received if isinstance(e, events.FinalMetrics)}
    assert final["fine-tuned"]["macro_f1"] == result.metrics["test"]["macro_f1"]
    assert final["tfidf_logreg"]["macro_f1"] == result.metrics["baselines"]["tfidf_logreg"]["macro_f1"]


def test_final_scores_reach_the_trainer_callbacks(tiny_run):
    result, _, recorder = tiny_run
    last = recorder.logged[-1]
    assert last["test/macro_f1"] == pytest.approx(result.metrics["test"]["macro_f1"])
    assert last["baseline/tfidf_logreg/macro_f1"] == pytest.approx(
        result.metrics["baselines"]["tfidf_logreg"]["macro_f1"]
    )
    assert "test/macro_f1" in result.run.read_log()[-1]  # and log.jsonl keeps them
