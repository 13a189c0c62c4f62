"""Raw text for pre-training: the three file kinds, de-duplication, the held-out split, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vertune.errors import DataError
from vertune.pretrain.texts import deduplicate, load_corpus, read_documents


def test_txt_is_one_document_a_line_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "domain.txt"
    path.write_text("first document\n\n  second one  \n", encoding="utf-8")
    assert read_documents(path, "text") == (["first document", "second one"], 1)


def test_jsonl_and_csv_read_their_text_column(tmp_path: Path) -> None:
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text("\n".join(json.dumps({"text": t, "id": i}) for i, t in enumerate(["a b", "c d"])))
    csv = tmp_path / "a.csv"
    csv.write_text("body,label\nhello there,x\nsecond row,y\n", encoding="utf-8")
    assert read_documents(jsonl, "text")[0] == ["a b", "c d"]
    assert read_documents(csv, "body")[0] == ["hello there", "second row"]


def test_duplicates_up_to_case_and_whitespace_are_dropped_keeping_the_first() -> None:
    assert deduplicate(["The  pill", "the pill", "Other", "OTHER "]) == ["The  pill", "Other"]


def test_the_held_out_split_never_overlaps_train(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_text("\n".join(f"document number {i}" for i in range(40)) + "\ndocument number 3\n")
    corpus = load_corpus(path, None, "text", 0.1, dedup=True, seed=1)
    assert corpus.stats["duplicates_removed"] == 1
    assert len(corpus.held_out) == 4 and len(corpus.train) == 36
    assert not set(corpus.held_out) & set(corpus.train)
    again = load_corpus(path, None, "text", 0.1, dedup=True, seed=1)
    assert again.held_out == corpus.held_out  # seeded


def test_a_held_out_file_removes_its_documents_from_train(tmp_path: Path) -> None:
    train, held = tmp_path / "t.txt", tmp_path / "h.txt"
    train.write_text("a one\nb two\nc three\n")
    held.write_text("B TWO\n")
    corpus = load_corpus(train, held, "text", 0.1, dedup=True, seed=1)
    assert corpus.train == ["a one", "c three"] and corpus.stats["held_out_overlap_removed"] == 1


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("missing.txt", None, "file not found"),
        ("empty.txt", "\n\n", "no text in the file"),
        ("one.txt", "only one document\n", "a held-out split needs at least 2"),
        ("cols.csv", "body\nx\n", "no column 'text' (columns: body)"),
        ("latin.txt", b"caf\xe9\n", "not UTF-8 text"),
    ],
)
def test_bad_input_is_one_data_error_naming_the_file(
    tmp_path: Path, name: str, content: str | bytes | None, expected: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as error:
        load_corpus(path, None, "text", 0.1, dedup=True, seed=1)
    assert str(path) in str(error.value) and expected in str(error.value)
