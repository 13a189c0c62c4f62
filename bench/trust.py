"""Trust in the numbers on real data: the drug-review demo (examples/drug_reviews) and an MSRA NER run,
each trained once, then: the test intervals and the verdict against the best baseline, calibration (ECE
before / after temperature scaling), and the robustness probes (`evaluate --robustness`).

Prints one JSON line per run. Progress goes to stderr.

    .venv/bin/python bench/trust.py --which demo
    .venv/bin/python bench/trust.py --which ner --train-rows 1000 --test-rows 500
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ner_msra import DATA_DIR, SEED, sample_conll

DEMO = Path(__file__).resolve().parents[1] / "examples" / "drug_reviews" / "recipe.yaml"


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def trust_numbers(recipe: dict[str, Any], work: Path, name: str) -> dict[str, Any]:
    from vertune import api
    from vertune.events import from_notify
    from vertune.recipe import recipe_from_dict

    recipe = {**recipe, "output": str(work / "run")}
    start = time.perf_counter()
    trained = api.train(recipe_from_dict(recipe), quiet=True, overwrite=True, on_event=from_notify(_say))
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    probed = api.evaluate(trained.run.path, None, quiet=True, robustness=True, on_event=from_notify(_say))
    test = probed.metrics["test"]
    metric = probed.metrics["recipe"]["metric"]
    return {
        "bench": "trust",
        "run": name,
        "metric": metric,
        "test": test[metric],
        "interval": test.get("intervals", {}).get(metric),
        "comparisons": probed.metrics.get("comparisons"),
        "ece_uncalibrated": test.get("ece_uncalibrated"),
        "ece": test.get("ece"),
        "temperature": test.get("temperature"),
        "robustness": test["robustness"]["perturbations"],
        "explained_errors": len(test.get("explanations") or []),
        "train_seconds": round(train_seconds, 1),
        "robustness_seconds": round(time.perf_counter() - start, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--which", choices=["demo", "ner"], required=True)
    parser.add_argument("--train-rows", type=int, default=1000, help="ner: MSRA training sentences sampled")
    parser.add_argument("--test-rows", type=int, default=500, help="ner: MSRA test sentences sampled")
    parser.add_argument("--epochs", type=float, default=None, help="default: the recipe's (ner: 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.which == "demo":
            recipe = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
            for role in ("train", "test"):
                recipe["data"][role] = str(DEMO.parent / recipe["data"][role])
            if args.epochs is not None:
                recipe.setdefault("training", {})["epochs"] = args.epochs
            result = trust_numbers(recipe, work, "drug_reviews demo")
        else:
            train = sample_conll(DATA_DIR / "msra_ner_train.conll", args.train_rows, work / "train.conll")
            test = sample_conll(DATA_DIR / "msra_ner_test.conll", args.test_rows, work / "test.conll")
            recipe = {
                "model": {"name": "minilm", "extend_vocab": "from_data"},
                "task": "ner",
                "data": {"train": str(work / "train.conll"), "test": str(work / "test.conll")},
                "training": {
                    "epochs": args.epochs or 3,
                    "max_length": 128,
                    "metric_for_best": "f1",
                    "seed": SEED,
                },
                "evaluation": {"baselines": ["most_frequent_tag"]},
            }
            result = trust_numbers(recipe, work, f"msra ner ({train} train / {test} test sentences)")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
