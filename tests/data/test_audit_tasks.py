import random

from vertune.data.audit import Row, fold_splitter
from vertune.data.audit_tasks import audit_multilabel, audit_ner
from vertune.tasks.sentences import from_tokens

TOPICS = {
    "sleep": "insomnia sleep night awake tired rest",
    "pain": "pain ache headache sore hurt joint",
    "skin": "acne rash skin itch spots cream",
}


def test_wrong_label_sets_rank_first():
    rng = random.Random(0)
    rows = []
    for i in range(90):
        topics = rng.sample(sorted(TOPICS), k=rng.choice((1, 2)))
        words = [w for t in topics for w in rng.choices(TOPICS[t].split(), k=5)]
        rows.append(Row("train", "m.csv", i + 2, " ".join(words), "|".join(topics), target=topics))
    wrong = rng.sample(range(len(rows)), 6)
    for i in wrong:
        missing = sorted(set(TOPICS) - set(rows[i].target))[0]
        rows[i].target = [missing]
        rows[i].label = missing
    result = audit_multilabel(rows, fold_splitter(5, 0, [None] * len(rows), stratified=False), "|")
    top = {issue["line"] for issue in result.issues[:6]}
    assert len(top & {rows[i].line for i in wrong}) >= 5
    first = result.issues[0]
    assert first["given"] != first["suggested"] and set(first["suggested"].split("|")) <= set(TOPICS)


PEOPLE = ["Mary Smith", "John Brown", "Anna Lee", "Peter Clark", "Laura King", "David Hall"]
PLACES = ["Paris", "London", "Berlin", "Madrid", "Boston", "Dublin"]


def test_a_mistagged_word_is_flagged_with_its_sentence():
    rng = random.Random(1)
    rows = []
    for n in range(120):
        person, place = rng.choice(PEOPLE).split(), rng.choice(PLACES)
        tokens = [*person, "flew", "to", place, "on", "Monday", "."]
        tags = ["B-PER", "I-PER", "O", "O", "B-LOC", "O", "O", "O"]
        rows.append(
            Row("train", "n.conll", 10 * n + 1, " ".join(tokens), "", target=tags, item=from_tokens(tokens))
        )
    wrong = rng.sample(range(len(rows)), 5)
    for s in wrong:
        rows[s].target = [*rows[s].target[:4], "O", *rows[s].target[5:]]  # the place left untagged
    result = audit_ner(rows, fold_splitter(4, 0, [None] * len(rows)))
    flagged = {issue["line"] for issue in result.issues}
    assert flagged <= {rows[s].line for s in wrong} and len(flagged) >= 3  # no false alarm, most found
    first = result.issues[0]
    assert (first["given"], first["suggested"]) == ("O", "B-LOC") and "to [[" in first["text"]
