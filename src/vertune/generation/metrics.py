"""Scores of generated texts against references, all in [0, 1]: exact match and token F1 (SQuAD-style
normalisation), ROUGE-L (rouge-score), chrF and BLEU (sacrebleu). HF `evaluate` is not used: it fetches
metric scripts from the hub and breaks offline. CJK text is compared character by character (one token per
character for token F1 and ROUGE-L, sacrebleu's `zh` tokenizer for BLEU)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence

from vertune.tasks.sentences import is_cjk

TEXT_METRICS = ("exact_match", "rouge_l", "token_f1", "chrf", "bleu")
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower case, punctuation removed, whitespace collapsed."""
    text = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text.lower())
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    """Words of the normalised text, each CJK character a token of its own."""
    out: list[str] = []
    for word in _WORD.findall(normalise(text)):
        if any(is_cjk(c) for c in word):
            out += list(word)
        else:
            out.append(word)
    return out


def exact_match(prediction: str, reference: str) -> float:
    return float(normalise(prediction) == normalise(reference))


def token_f1(prediction: str, reference: str) -> float:
    pred, ref = tokens(prediction), tokens(reference)
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


class _Tokenizer:
    """rouge-score's tokenizer interface, with vertune's CJK-aware tokens (its default drops non-ASCII)."""

    def tokenize(self, text: str) -> list[str]:
        return tokens(text)


def rouge_l(predictions: Sequence[str], references: Sequence[str]) -> list[float]:
    from rouge_score.rouge_scorer import RougeScorer

    scorer = RougeScorer(["rougeL"], tokenizer=_Tokenizer())
    return [scorer.score(r, p)["rougeL"].fmeasure for p, r in zip(predictions, references, strict=True)]


def _has_cjk(texts: Sequence[str]) -> bool:
    return any(is_cjk(c) for t in texts for c in t)


def corpus_scores(
    predictions: Sequence[str], references: Sequence[str], names: Sequence[str] = TEXT_METRICS
) -> dict[str, float]:
    """The named metrics over the whole split (means of the per-row scores; corpus chrF and BLEU)."""
    import sacrebleu

    if not predictions:
        return {}
    n = len(predictions)
    per_row: dict[str, Callable[[str, str], float]] = {"exact_match": exact_match, "token_f1": token_f1}
    scores: dict[str, float] = {}
    for name in names:
        if name in per_row:
            scores[name] = sum(per_row[name](p, r) for p, r in zip(predictions, references, strict=True)) / n
        elif name == "rouge_l":
            scores[name] = sum(rouge_l(predictions, references)) / n
        elif name == "chrf":
            scores[name] = sacrebleu.corpus_chrf(list(predictions), [list(references)]).score / 100
        elif name == "bleu":
            tokenize = "zh" if _has_cjk(references) else "13a"
            bleu = sacrebleu.corpus_bleu(list(predictions), [list(references)], tokenize=tokenize)
            scores[name] = bleu.score / 100
    return {k: round(v, 4) for k, v in scores.items()}


def label_scores(
    predicted: Sequence[str], references: Sequence[str], labels: Sequence[str]
) -> dict[str, float]:
    """Accuracy and macro-F1 of picked labels (classification by generation)."""
    from sklearn.metrics import accuracy_score, f1_score

    return {
        "accuracy": round(float(accuracy_score(references, predicted)), 4),
        "macro_f1": round(
            float(f1_score(references, predicted, labels=list(labels), average="macro", zero_division=0)), 4
        ),
    }
