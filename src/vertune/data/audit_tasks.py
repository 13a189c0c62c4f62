"""Label issues of label sets and entity tags for `vertune data audit` (cleanlab's `multilabel_classification`
and `token_classification`), from K-fold out-of-sample probabilities like the single-label audit.

- multilabel: TF-IDF + one-vs-rest logistic regression per label; an issue is a row whose label set looks
  wrong; `suggested` is the set of labels the model gives a probability of at least 0.5.
- ner: each word's tag probabilities from a logistic regression on the word's own features and its
  neighbours' (a CRF-free stand-in: sklearn has no sequence model and no CRF package is installed; it is
  strong enough to flag a tag that disagrees with how the same word is tagged elsewhere). Folds keep
  sentences whole. An issue is a word; `text` is its sentence with the word in [[ ]].
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from vertune.data.audit import AuditResult, Folds, Row, issue, near_duplicates, tfidf_logistic
from vertune.errors import VertuneError
from vertune.events import Info, Subscriber, ignore

SUGGEST_AT = 0.5


def audit_multilabel(
    rows: Sequence[Row], folds: Folds, delimiter: str, on_event: Subscriber = ignore
) -> AuditResult:
    from cleanlab.multilabel_classification.filter import find_label_issues
    from cleanlab.multilabel_classification.rank import get_label_quality_scores
    from sklearn.model_selection import cross_val_predict
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    labels = sorted({label for r in rows for label in r.target})
    if len(labels) < 2:
        raise VertuneError("data audit needs at least two labels in the labelled rows")
    y = MultiLabelBinarizer(classes=labels).fit_transform([r.target for r in rows])
    count = folds.splitter.get_n_splits()
    on_event(Info(f"audit: {count}-fold TF-IDF + one-vs-rest logistic regression on {len(rows)} rows"))
    model = tfidf_logistic()
    model.steps[-1] = (model.steps[-1][0], OneVsRestClassifier(model.steps[-1][1]))
    probabilities = np.asarray(
        cross_val_predict(
            model, [r.text for r in rows], y, cv=folds.splitter, groups=folds.groups, method="predict_proba"
        )
    )
    given = [[labels.index(label) for label in r.target] for r in rows]
    quality = get_label_quality_scores(given, probabilities)
    ranked = find_label_issues(given, probabilities, return_indices_ranked_by="self_confidence")
    result = AuditResult(
        Counter(r.split for r in rows), labels, count, scorer="TF-IDF + one-vs-rest logistic"
    )
    result.issues = [
        issue(
            rank,
            rows[i],
            rows[i].text,
            rows[i].label,
            delimiter.join(labels[j] for j in np.flatnonzero(probabilities[i] >= SUGGEST_AT)),
            quality[i],
        )
        for rank, i in enumerate(ranked, start=1)
    ]
    result.duplicates = near_duplicates(rows)
    return result


def word_features(tokens: Sequence[str], i: int) -> dict[str, Any]:
    """One word's features: itself, its shape and affixes, and its neighbours."""
    word = tokens[i]
    features: dict[str, Any] = {
        "w=" + word.lower(): 1,
        "pre=" + word[:3].lower(): 1,
        "suf=" + word[-3:].lower(): 1,
        "title": word[:1].isupper(),
        "upper": word.isupper(),
        "digit": any(c.isdigit() for c in word),
        "first": i == 0,
    }
    for offset in (-2, -1, 1, 2):
        j = i + offset
        neighbour = tokens[j].lower() if 0 <= j < len(tokens) else "<edge>"
        features[f"w{offset:+d}={neighbour}"] = 1
        if 0 <= j < len(tokens):
            features[f"title{offset:+d}"] = tokens[j][:1].isupper()
    return features


def token_probabilities(rows: Sequence[Row], tags: Sequence[str], folds: Folds) -> list[np.ndarray]:
    """Per sentence, a (words x tags) matrix of out-of-sample probabilities."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    sentence_key = np.array([any(t != "O" for t in r.target) for r in rows]).astype(int)
    out = [np.zeros((len(r.target), len(tags))) for r in rows]
    for train_index, held_index in folds.split(sentence_key):
        x = [word_features(rows[s].item.tokens, i) for s in train_index for i in range(len(rows[s].target))]
        y = [rows[s].target[i] for s in train_index for i in range(len(rows[s].target))]
        model = make_pipeline(DictVectorizer(), LogisticRegression(max_iter=1000)).fit(x, y)
        columns = [tags.index(t) for t in model.classes_]
        for s in held_index:
            tokens = rows[s].item.tokens
            if len(tokens):
                out[s][:, columns] = model.predict_proba(
                    [word_features(tokens, i) for i in range(len(tokens))]
                )
    return out


def audit_ner(rows: Sequence[Row], folds: Folds, on_event: Subscriber = ignore) -> AuditResult:
    from cleanlab.token_classification.filter import find_label_issues
    from cleanlab.token_classification.rank import get_label_quality_scores

    tags = sorted({t for r in rows for t in r.target})
    if len(tags) < 2:
        raise VertuneError("data audit needs at least two tags (O and an entity type) in the labelled rows")
    count = folds.splitter.get_n_splits()
    on_event(Info(f"audit: {count}-fold word-feature logistic regression on {len(rows)} sentences"))
    probabilities = token_probabilities(rows, tags, folds)
    given = [[tags.index(t) for t in r.target] for r in rows]
    _, token_scores = get_label_quality_scores(given, probabilities)
    ranked = find_label_issues(given, probabilities, return_indices_ranked_by="self_confidence")
    result = AuditResult(
        Counter(r.split for r in rows), tags, count, scorer="word-feature logistic regression"
    )
    for rank, (s, i) in enumerate(ranked, start=1):
        tokens = list(rows[s].item.tokens)
        marked = " ".join(f"[[{t}]]" if j == i else t for j, t in enumerate(tokens))
        suggested = tags[int(probabilities[s][i].argmax())]
        result.issues.append(
            issue(rank, rows[s], marked, rows[s].target[i], suggested, float(np.asarray(token_scores[s])[i]))
        )
    result.duplicates = near_duplicates(rows)
    return result
