"""Trainer callbacks: a quiet progress bar, the log.jsonl writer, epoch events, and training-time accounting."""

from __future__ import annotations

import time
from typing import Any

from transformers import TrainerCallback
from transformers.trainer_callback import ProgressCallback

from vertune.events import EpochMetrics, Subscriber
from vertune.run import RunDir


class ProgressBar(ProgressCallback):
    """tqdm bar with ETA that shows the latest loss and the run's selection metric, not every log dict."""

    def __init__(self, metric: str):
        super().__init__()
        self.shown_keys = ("loss", "eval_loss", f"eval_{metric}")

    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.is_world_process_zero and self.training_bar is not None and logs:
            shown = {k: v for k, v in logs.items() if k in self.shown_keys}
            if shown:
                self.training_bar.set_postfix({k: f"{v:.4g}" for k, v in shown.items()}, refresh=False)


class JsonlLog(TrainerCallback):
    """One JSON object per logged step or evaluation, in the run's log.jsonl."""

    def __init__(self, run: RunDir):
        self.run = run

    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.is_world_process_zero and logs:
            self.run.append_log(
                {"step": state.global_step, "epoch": state.epoch, "time": time.time(), **logs}
            )


class EpochEvents(TrainerCallback):
    """Each evaluation (once per epoch) as an EpochMetrics event: the validation scores, `eval_` dropped."""

    TIMINGS = ("runtime", "samples_per_second", "steps_per_second", "epoch")

    def __init__(self, on_event: Subscriber):
        self.on_event = on_event

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if state.is_world_process_zero and metrics:
            scores = {
                k.removeprefix("eval_"): float(v)
                for k, v in metrics.items()
                if isinstance(v, int | float) and k.removeprefix("eval_") not in self.TIMINGS
            }
            self.on_event(EpochMetrics(float(state.epoch or 0.0), state.global_step, scores))


class TrainingClock(TrainerCallback):
    """Seconds spent in training epochs only (not evaluation or checkpointing), and the samples seen."""

    def __init__(self, train_size: int):
        self.train_size = train_size
        self.seconds = 0.0
        self.samples = 0
        self._epoch_start: float | None = None
        self._epoch_start_step = 0

    def on_epoch_begin(self, args, state, control, **kwargs):
        self._epoch_start = time.perf_counter()
        self._epoch_start_step = state.global_step

    def on_epoch_end(self, args, state, control, **kwargs):
        if self._epoch_start is None:
            return
        self.seconds += time.perf_counter() - self._epoch_start
        steps = state.global_step - self._epoch_start_step
        steps_per_epoch = max(state.max_steps / max(args.num_train_epochs, 1e-9), 1)
        # A full epoch saw every example once; a resumed partial epoch saw its share.
        self.samples += round(self.train_size * min(steps / steps_per_epoch, 1.0))
        self._epoch_start = None

    @property
    def samples_per_second(self) -> float:
        return round(self.samples / self.seconds, 2) if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        return {"training_seconds": round(self.seconds, 2), "samples_per_second": self.samples_per_second}
