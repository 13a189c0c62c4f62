"""`vertune promote`: the retention gate, the promotion record and the alias registry. Torch-free.

The gate reads the run's metrics.json: no earlier test set may drop more than `max_drop` points (100 x the
task's metric) from the parent to the child, and the child must gain at least `min_gain` points on the new
test set where the parent could predict it. A run without a parent passes (its first version).

A promotion appends to RUN/promotion.json (who, when, the gate's values and rows, the alias, the version) and moves
the alias in the registry: REGISTRY/aliases/<alias>.json = {alias, version, run, promoted_at, promoted_by,
history}, written atomically, which `vertune serve --alias` watches.
"""

from __future__ import annotations

import getpass
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vertune.continual.retention import drop
from vertune.errors import RunDirError, VertuneError
from vertune.run import RunDir, read_json, write_json_atomic

PROMOTION_FILE = "promotion.json"


@dataclass
class GateRow:
    test_set: str
    role: str  # "earlier" or "new"
    parent: float | None
    child: float
    change_points: float | None  # child - parent in points, signed so that positive = better
    limit: str
    passed: bool

    def line(self, metric: str) -> str:
        parent = "n/a" if self.parent is None else f"{self.parent:.4f}"
        change = "n/a" if self.change_points is None else f"{self.change_points:+.2f} points"
        verdict = "ok" if self.passed else "FAIL"
        return (
            f"{verdict}: {self.role} test set {self.test_set}: {metric} {parent} -> {self.child:.4f} "
            f"({change}; {self.limit})"
        )


def gate(metrics: dict[str, Any], max_drop: float, min_gain: float) -> list[GateRow]:
    """One row per test set of the run's retention table."""
    retention = metrics.get("retention") or {}
    continual = metrics.get("continual") or {}
    metric = metrics["recipe"]["metric"]
    new = continual.get("new_test_set")
    rows = []
    for name, row in retention.items():
        d = drop(metric, row.get("parent"), row.get("child"))
        change = None if d is None else -100.0 * d
        if name == new:
            passed = change is None or change >= min_gain
            rows.append(
                GateRow(name, "new", row.get("parent"), row["child"], change, f"gain >= {min_gain:g}", passed)
            )
        else:
            passed = change is None or -change <= max_drop
            rows.append(
                GateRow(
                    name, "earlier", row.get("parent"), row["child"], change, f"drop <= {max_drop:g}", passed
                )
            )
    return rows


def default_registry(run: RunDir) -> Path:
    """The folder that holds the run (runs/), where aliases live unless --registry says otherwise."""
    return run.path.resolve().parent


def alias_path(registry: str | Path, alias: str) -> Path:
    if not alias or "/" in alias or alias.startswith("."):
        raise VertuneError(f"--alias {alias!r}: use a plain name such as production or staging")
    return Path(registry) / "aliases" / f"{alias}.json"


def read_alias(registry: str | Path, alias: str) -> dict[str, Any]:
    """The alias record; a RunDirError when the alias was never promoted in this registry."""
    path = alias_path(registry, alias)
    if not path.is_file():
        raise RunDirError(
            f"{path}: no run is promoted as {alias!r} in {registry}; run `vertune promote RUN --alias {alias}` "
            "or pass --registry DIR"
        )
    record: dict[str, Any] = read_json(path)
    return record


def record_promotion(
    run: RunDir,
    alias: str,
    registry: str | Path,
    metric: str,
    max_drop: float,
    min_gain: float,
    rows: list[GateRow],
    mlflow: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Move the alias to `run` (version + 1) and write the promotion record into the run; returns it."""
    path = alias_path(registry, alias)
    previous = read_json(path) if path.is_file() else {}
    version = int(previous.get("version", 0)) + 1
    record = {
        "alias": alias,
        "version": version,
        "run": str(run.path.resolve()),
        "registry": str(Path(registry).resolve()),
        "promoted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "promoted_by": f"{getpass.getuser()}@{socket.gethostname()}",
        "gate": {
            "metric": metric,
            "max_drop": max_drop,
            "min_gain": min_gain,
            "rows": [asdict(r) for r in rows],
        },
        "replaces": previous.get("run"),
        "mlflow": mlflow,  # the registry version `vertune.tracking.register_promotion` made, if tracking is on
    }
    history = [
        *previous.get("history", []),
        {k: record[k] for k in ("version", "run", "promoted_at", "promoted_by")},
    ]
    promotions = run.path / PROMOTION_FILE
    earlier = read_json(promotions).get("promotions", []) if promotions.is_file() else []
    write_json_atomic(promotions, {"promotions": [*earlier, record]})
    write_json_atomic(path, {**record, "history": history})  # last: serve --alias reloads on this write
    return record
