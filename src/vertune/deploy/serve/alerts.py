"""Alert rules of `vertune serve` (`--alert-drift 0.2 --alert-error-rate 0.05 [--alert-window 200]
[--alert-webhook URL]`): when to go back to training.

- drift: a served model's PSI (predicted labels or input lengths, deploy/serve/drift.py) over the last
  `--alert-window` inputs is above `--alert-drift`;
- error rate: the share of failed prediction requests (HTTP 5xx and 429 "busy"; a client's malformed
  request is its own error, not the server's) among the last `--alert-window` requests to `/v1/...` is above
  `--alert-error-rate` (evaluated once 20 requests, or the whole window if smaller, were seen).

An alert that starts or stops firing sets the gauge `vertune_alert{alert, model, run}` (1 / 0) on /metrics, logs a
warning that names the run and suggests the `vertune continue` command, and POSTs the same as JSON to the
webhook (in a thread, 5 s timeout, failures logged). docs/prometheus-alerts.yml has the same rules for teams
whose Prometheus evaluates them (and one that forwards this gauge).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from vertune.deploy.serve.extensions import ServeContext
from vertune.deploy.serve.metrics import multiprocess

log = logging.getLogger("vertune.serve")
#: Requests an error rate needs before it can fire (or the whole window when that is smaller).
MIN_REQUESTS = 20
WEBHOOK_TIMEOUT = 5.0
#: Statuses that count as the server failing a request.
FAILED = (429,)


@dataclass(frozen=True)
class Alert:
    """One alert's state change, as logged and posted to the webhook."""

    status: str  # firing | resolved
    alert: str  # drift | error_rate
    model: str
    run: str
    value: float
    threshold: float
    window: int
    detail: str
    suggestion: str
    time: str

    @property
    def message(self) -> str:
        what = (
            f"{self.alert} {self.value:.3f} > {self.threshold:g}" if self.status == "firing" else self.alert
        )
        return f"alert {self.status}: {what} on model {self.model} (run {self.run}; {self.detail})" + (
            f"; to learn the new data: {self.suggestion}" if self.status == "firing" else ""
        )


def continue_command(run: str, data: str | None) -> str:
    """The command that trains the run on what the server now sees (the request log when one is kept)."""
    return f"vertune continue {run} --data {data or 'NEW_LABELLED_DATA.csv'}"


class AlertRules:
    """The alert state of one server process: request outcomes in a sliding window, and the change of each
    (alert, model) between firing and not."""

    def __init__(
        self,
        drift: float | None,
        error_rate: float | None,
        window: int,
        runs: dict[str, str],
        request_log: str | None = None,
    ):
        self.drift, self.error_rate, self.window = drift, error_rate, window
        self.runs = runs  # model name -> run directory
        self.request_log = request_log
        self.outcomes: deque[bool] = deque(maxlen=window)  # True = the request failed
        self.firing: set[tuple[str, str]] = set()

    def record(self, status: int) -> None:
        self.outcomes.append(status >= 500 or status in FAILED)

    def evaluate(self, drift_values: dict[str, dict[str, float]]) -> list[Alert]:
        """The alerts whose state changed, given each model's current drift PSI per signal."""
        changes = []
        if self.drift is not None:
            for model, values in drift_values.items():
                signal, value = max(values.items(), key=lambda kv: kv[1], default=("-", 0.0))
                detail = f"{signal} distribution PSI over the last {self.window} inputs"
                changes += self._update("drift", model, value, self.drift, value > self.drift, detail)
        if self.error_rate is not None:
            seen = len(self.outcomes)
            rate = sum(self.outcomes) / seen if seen else 0.0
            enough = seen >= min(MIN_REQUESTS, self.window)
            detail = f"{sum(self.outcomes)} of the last {seen} requests failed"
            changes += self._update(
                "error_rate", "all", rate, self.error_rate, enough and rate > self.error_rate, detail
            )
        return changes

    def _update(
        self, alert: str, model: str, value: float, threshold: float, firing: bool, detail: str
    ) -> list[Alert]:
        key = (alert, model)
        if firing == (key in self.firing):
            return []
        (self.firing.add if firing else self.firing.discard)(key)
        run = self.runs.get(model) or ", ".join(self.runs.values())
        first_run = self.runs.get(model) or next(iter(self.runs.values()), "RUN")
        return [
            Alert(
                status="firing" if firing else "resolved",
                alert=alert,
                model=model,
                run=run,
                value=round(value, 4),
                threshold=threshold,
                window=self.window,
                detail=detail,
                suggestion=continue_command(first_run, self.request_log),
                time=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            )
        ]


def post_webhook(url: str, alert: Alert) -> threading.Thread:
    """POST the alert as JSON to `url` in a daemon thread (the request being answered never waits)."""

    def send() -> None:
        body = json.dumps({**asdict(alert), "message": alert.message}).encode()
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT):
                pass
        except OSError as error:
            log.warning("alert webhook %s failed: %s", url, error)

    thread = threading.Thread(target=send, name="vertune-alert-webhook", daemon=True)
    thread.start()
    return thread


def notify(alert: Alert, webhook: str | None, set_gauge: Callable[[str, str, float], None]) -> None:
    set_gauge(alert.alert, alert.model, 1.0 if alert.status == "firing" else 0.0)
    (log.warning if alert.status == "firing" else log.info)("%s", alert.message)
    if webhook:
        post_webhook(webhook, alert)


def drift_values(models: Iterable[Any]) -> dict[str, dict[str, float]]:
    """Each served model's drift PSI (models without a drift monitor, e.g. generation, are skipped)."""
    return {m.name: m.drift.values() for m in models if getattr(m, "drift", None) is not None}


def check_options(
    drift: float | None, error_rate: float | None, window: int | None, webhook: str | None
) -> None:
    """`vertune serve`'s alert options, refused in one line each before anything loads."""
    from vertune.errors import VertuneError

    if drift is not None and drift <= 0:
        raise VertuneError(f"--alert-drift {drift}: give a PSI above 0 (0.2 = a significant shift)")
    if error_rate is not None and not 0 < error_rate < 1:
        raise VertuneError(f"--alert-error-rate {error_rate}: give a share between 0 and 1, e.g. 0.05")
    if window is not None and window < 1:
        raise VertuneError(f"--alert-window {window}: give at least 1 request")
    if webhook is not None and not webhook.startswith(("http://", "https://")):
        raise VertuneError(f"--alert-webhook {webhook}: give an http:// or https:// URL")
    if webhook is not None and drift is None and error_rate is None:
        raise VertuneError("--alert-webhook needs a rule: --alert-drift and / or --alert-error-rate")


def add_routes(app: Any, context: ServeContext) -> None:
    """Watch every /v1/ request when an alert rule is set (nothing is added otherwise)."""
    config = context.config
    if config.alert_drift is None and config.alert_error_rate is None:
        return
    from prometheus_client import Gauge

    gauge = Gauge(
        "vertune_alert",
        "1 while an alert rule fires (alert: drift, error_rate), else 0; run: the run directory served.",
        ["alert", "model", "run"],
        multiprocess_mode="max",
        registry=None if multiprocess() else context.metrics.registry,
    )
    runs = dict(zip(config.model_names(), config.runs, strict=True))
    # A request log (when serving keeps one) is the data the `continue` suggestion names.
    rules = AlertRules(
        config.alert_drift,
        config.alert_error_rate,
        config.alert_window,
        runs,
        getattr(config, "request_log", None),
    )

    def set_gauge(alert: str, model: str, value: float) -> None:
        gauge.labels(alert, model, runs.get(model) or ", ".join(runs.values())).set(value)

    for name in runs:  # every rule shows on /metrics from the start, at 0
        if config.alert_drift is not None:
            set_gauge("drift", name, 0.0)
    if config.alert_error_rate is not None:
        set_gauge("error_rate", "all", 0.0)

    @app.middleware("http")
    async def watch(request: Any, call_next: Any) -> Any:
        if not request.url.path.startswith("/v1/") or request.method != "POST":
            return await call_next(request)
        try:
            response = await call_next(request)
        except Exception:
            rules.record(500)
            raise
        rules.record(response.status_code)
        for alert in rules.evaluate(drift_values(context.state["models"].values())):
            notify(alert, config.alert_webhook, set_gauge)
        return response
