"""The report's generation part (task: generation): the fine-tuned model against the base model prompted
zero-shot and few-shot on the same test split, sample answers side by side, and tokens/s in training and
generation."""

from __future__ import annotations

from collections.abc import Sequence

from vertune.evaluate.blocks import Block, Heading, Paragraph, Table
from vertune.evaluate.formatting import metric_name, score
from vertune.evaluate.sections import ReportContext, for_tasks, register_section
from vertune.run import RunDir

GENERATION = for_tasks("generation")
SAMPLE_CHARS = 160


def _clip(text: object) -> str:
    value = "" if text is None else " ".join(str(text).split())
    return value if len(value) <= SAMPLE_CHARS else value[: SAMPLE_CHARS - 1] + "…"


def _samples(run: RunDir) -> list[dict[str, object]]:
    from vertune.stages.generation import read_samples

    return read_samples(run)


@register_section("generation", order=12, applies_to=GENERATION)
def generation_section(context: ReportContext) -> Sequence[Block] | None:
    metrics = context.metrics
    test = metrics.test
    if test is None:
        return None
    names = [n for n in test.metrics() if n not in ("examples",)]
    models = [("fine-tuned", test)] + [(name, scores) for name, scores in (metrics.baselines or {}).items()]
    rows = [[label] + [score(s.value(n)) for n in names] for label, s in models]
    blocks: list[Block] = [
        Heading("Generation: fine-tuned vs the base model"),
        Paragraph(
            "Answers generated for the test prompts (greedy unless the recipe's `generation:` says otherwise); "
            "zero_shot / few_shot are the base model prompted without / with training examples. Perplexity "
            "is on the reference answers (lower is better)."
        ),
        Table(["model", *[metric_name(n) for n in names]], rows),
    ]
    train = metrics.train
    if train is not None:
        speed = [
            ("training tokens/s", train.get("tokens_per_second")),
            ("generation tokens/s (fine-tuned, test split)", train.get("generation_tokens_per_second")),
        ]
        shown = [[what, f"{value:,.1f}"] for what, value in speed if isinstance(value, (int, float))]
        if shown:
            blocks.append(Table(["speed", "value"], shown))
    samples = _samples(context.run)
    if samples:
        kind = next((s.get("base_kind") for s in samples if s.get("base_kind")), None)
        base = f"base ({kind})" if kind else "base"
        blocks += [
            Heading("Sample answers", level=3),
            Table(
                ["prompt", "reference", base, "fine-tuned"],
                [[_clip(s.get(k)) for k in ("prompt", "reference", "base", "fine_tuned")] for s in samples],
            ),
        ]
    return blocks
