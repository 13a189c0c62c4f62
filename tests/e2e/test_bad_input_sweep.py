"""A sweep of malformed inputs across every verb, as a new user would try them: each exits 2 with one clear
line per problem (a VertuneError's `error: ...`, or the CLI parser's usage error for a wrong flag), never a traceback.
Nothing here trains: verbs that need a run reuse the session's `trained_run`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from helpers import TEST_CSV, TRAIN_CSV, fails_cleanly, vertune, write_recipe

pytestmark = pytest.mark.e2e


@dataclass
class Place:
    """Where a case builds its inputs; `run` trains (once per session) only for the cases that ask for it."""

    tmp: Path
    request: pytest.FixtureRequest

    @property
    def run(self) -> Path:
        return Path(self.request.getfixturevalue("trained_run"))

    def recipe(self, **changes: object) -> str:
        return str(write_recipe(self.tmp, **changes))

    def training(self, **changes: object) -> str:
        from helpers import FAST_TRAINING

        return self.recipe(training={**FAST_TRAINING, **changes})

    def file(self, name: str, content: str | bytes) -> str:
        path = self.tmp / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return str(path)

    def raw_recipe(self, content: str) -> str:
        return self.file("raw.yaml", content)

    def not_a_run(self) -> str:
        directory = self.tmp / "not_a_run"
        directory.mkdir(exist_ok=True)
        (directory / "notes.txt").write_text("hello", encoding="utf-8")
        return str(directory)


Case = Callable[[Place], list[str]]
GOOD_CSV = "text,label\ngood,pos\nbad,neg\n"

# (id, arguments, a text the one-line error must contain)
VERTUNE_ERRORS: list[tuple[str, Case, str]] = [
    # train: recipes
    ("train-no-recipe-file", lambda p: ["train", str(p.tmp / "missing.yaml")], "missing.yaml"),
    ("train-recipe-not-yaml", lambda p: ["train", p.raw_recipe("model: [minilm\ntask: :")], "raw.yaml"),
    ("train-recipe-is-a-list", lambda p: ["train", p.raw_recipe("- model\n- task\n")], "raw.yaml"),
    ("train-recipe-empty", lambda p: ["train", p.raw_recipe("")], "raw.yaml"),
    ("train-epochs-not-number", lambda p: ["train", p.training(epochs="many")], "epochs"),
    ("train-negative-lr", lambda p: ["train", p.training(learning_rate=-1)], "learning_rate"),
    ("train-batch-size-list", lambda p: ["train", p.training(batch_size=[16])], "batch_size"),
    ("train-unknown-task", lambda p: ["train", p.recipe(task="sentiment")], "task"),
    ("train-unknown-method", lambda p: ["train", p.recipe(method={"name": "lorra"})], "lorra"),
    ("train-model-number", lambda p: ["train", p.recipe(model=42)], "model"),
    ("train-data-not-mapping", lambda p: ["train", p.recipe(data="train.csv")], "data"),
    ("train-missing-train-file", lambda p: ["train", p.recipe(data={"train": "nope.csv"})], "nope.csv"),
    (
        "train-xlsx-data",
        lambda p: ["train", p.recipe(data={"train": p.file("train.xlsx", GOOD_CSV)})],
        "unsupported file type",
    ),
    (
        "train-data-is-directory",
        lambda p: ["train", p.recipe(data={"train": str(p.tmp)})],
        "file not found",
    ),
    (
        "train-binary-csv",
        lambda p: ["train", p.recipe(data={"train": p.file("bin.csv", bytes(range(256)))})],
        "not UTF-8",
    ),
    (
        "train-header-only-csv",
        lambda p: ["train", p.recipe(data={"train": p.file("empty.csv", "text,label\n")})],
        "no data rows",
    ),
    (
        "train-jsonl-not-objects",
        lambda p: ["train", p.recipe(data={"train": p.file("rows.jsonl", "[1, 2]\n3\n")})],
        "not a JSON object",
    ),
    ("train-set-without-equals", lambda p: ["train", p.recipe(), "--set", "training.epochs"], "--set"),
    ("train-set-bad-value", lambda p: ["train", p.recipe(), "--set", "training.epochs=lots"], "epochs"),
    ("train-max-length-past-model", lambda p: ["train", p.training(max_length=1000)], "512 positions"),
    ("train-set-unknown-section", lambda p: ["train", p.recipe(), "--set", "trainng.epochs=1"], "trainng"),
    # evaluate
    ("evaluate-missing-run", lambda p: ["evaluate", str(p.tmp / "gone"), "--data", str(TEST_CSV)], "gone"),
    ("evaluate-no-data", lambda p: ["evaluate", str(p.tmp)], "give --data FILE"),
    ("evaluate-not-a-run", lambda p: ["evaluate", p.not_a_run(), "--data", str(TEST_CSV)], "not_a_run"),
    (
        "evaluate-missing-data",
        lambda p: ["evaluate", str(p.run), "--data", str(p.tmp / "nope.csv")],
        "nope.csv",
    ),
    (
        "evaluate-wrong-format",
        lambda p: ["evaluate", str(p.run), "--data", p.file("data.txt", GOOD_CSV)],
        "unsupported file type",
    ),
    (
        "evaluate-wrong-columns",
        lambda p: ["evaluate", str(p.run), "--data", p.file("cols.csv", "review,stars\ngood,5\n")],
        "column 'text' not found",
    ),
    # predict
    ("predict-missing-run", lambda p: ["predict", str(p.tmp / "gone"), "hello"], "gone"),
    ("predict-not-a-run", lambda p: ["predict", p.not_a_run(), "hello"], "not_a_run"),
    (
        "predict-missing-file",
        lambda p: ["predict", str(p.run), "--file", str(p.tmp / "in.csv"), "--output", str(p.tmp / "o.csv")],
        "in.csv",
    ),
    (
        "predict-file-and-texts",
        lambda p: ["predict", str(p.run), "hi", "--file", str(TEST_CSV), "--output", str(p.tmp / "o.csv")],
        "not both",
    ),
    ("predict-file-no-output", lambda p: ["predict", str(p.run), "--file", str(TEST_CSV)], "--output"),
    (
        "predict-pair-on-single-text-run",
        lambda p: ["predict", str(p.run), "hi", "--text-pair", "there"],
        "pair",
    ),
    # compare / tune
    ("compare-missing-recipe", lambda p: ["compare", str(p.tmp / "r.yaml")], "r.yaml"),
    ("compare-unknown-method", lambda p: ["compare", p.recipe(), "--methods", "full,nope"], "nope"),
    ("tune-missing-recipe", lambda p: ["tune", str(p.tmp / "r.yaml")], "r.yaml"),
    # export / compress
    ("export-missing-run", lambda p: ["export", str(p.tmp / "gone")], "gone"),
    ("export-unknown-format", lambda p: ["export", str(p.run), "--format", "tflite"], "tflite"),
    ("compress-nothing-asked", lambda p: ["compress", str(p.run)], "--"),
    ("compress-missing-run", lambda p: ["compress", str(p.tmp / "gone"), "--quantize", "int8"], "gone"),
    ("compress-prune-above-one", lambda p: ["compress", str(p.run), "--prune", "1.5"], "prune"),
    ("compress-unknown-quantize", lambda p: ["compress", str(p.run), "--quantize", "int3"], "int3"),
    (
        "compress-unknown-runtime",
        lambda p: ["compress", str(p.run), "--quantize", "int8", "--runtime", "tensorrt"],
        "tensorrt",
    ),
    # serve (each fails before a socket is opened)
    ("serve-missing-run", lambda p: ["serve", str(p.tmp / "gone")], "gone"),
    ("serve-not-a-run", lambda p: ["serve", p.not_a_run()], "not_a_run"),
    ("serve-zero-workers", lambda p: ["serve", str(p.run), "--workers", "0"], "workers"),
    ("serve-unknown-backend", lambda p: ["serve", str(p.run), "--backend", "tpu"], "tpu"),
    # data check
    ("check-missing-file", lambda p: ["data", "check", str(p.tmp / "nope.csv")], "nope.csv"),
    ("check-no-file", lambda p: ["data", "check"], "training file"),
    ("check-unknown-task", lambda p: ["data", "check", str(TRAIN_CSV), "--task", "sentiment"], "sentiment"),
    ("check-fix-no-output", lambda p: ["data", "check", str(TRAIN_CSV), "--fix"], "--output"),
    ("check-binary-jsonl", lambda p: ["data", "check", p.file("b.jsonl", b"\xff\xfe\x00")], "not UTF-8"),
    (
        "check-ragged-csv",
        lambda p: ["data", "check", p.file("r.csv", "text,label\na,b,c\n")],
        "3 fields but the header has 2",
    ),
    ("check-bad-tag-scheme", lambda p: ["data", "check", str(TRAIN_CSV), "--tag-scheme", "XYZ"], "XYZ"),
    ("check-recipe-missing", lambda p: ["data", "check", "--recipe", str(p.tmp / "r.yaml")], "r.yaml"),
]


def cases(table: list[tuple[str, Case, str]]) -> list[object]:
    return [pytest.param(case, expected, id=name) for name, case, expected in table]


# Wrong flags and values the parser refuses: exit 2 and one line, no traceback.
USAGE_ERRORS: list[tuple[str, Case, str]] = [
    ("unknown-verb", lambda p: ["frobnicate"], "No such command"),
    ("train-unknown-flag", lambda p: ["train", p.recipe(), "--epochs", "3"], "No such option"),
    ("train-no-recipe", lambda p: ["train"], "Missing argument"),
    ("compare-seeds-not-number", lambda p: ["compare", p.recipe(), "--seeds", "three"], "--seeds"),
    ("serve-port-not-number", lambda p: ["serve", str(p.tmp), "--port", "http"], "--port"),
    (
        "check-max-length-not-number",
        lambda p: ["data", "check", "x.csv", "--max-length", "lots"],
        "--max-length",
    ),
]


@pytest.mark.parametrize(("case", "expected"), cases(VERTUNE_ERRORS))
def test_one_line_error(case: Case, expected: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    place = Place(tmp_path, request)
    stderr = fails_cleanly(vertune(*case(place)), expected)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("error: ") for line in lines), stderr


@pytest.mark.parametrize(("case", "expected"), cases(USAGE_ERRORS))
def test_usage_error(case: Case, expected: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    stderr = fails_cleanly(vertune(*case(Place(tmp_path, request))), expected)
    assert [line for line in stderr.splitlines() if line.strip()] == [stderr.strip()], stderr
    assert stderr.startswith("error: ") and "(see --help)" in stderr


def test_recipe_helper_writes_yaml(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The sweep's recipes are real YAML mappings (so each case fails for its own reason)."""
    loaded = yaml.safe_load(Path(Place(tmp_path, request).training(epochs="many")).read_text())
    assert loaded["training"]["epochs"] == "many"
