import json

import pytest

from vertune.data.pii import Redactor
from vertune.data.pii_files import redact_file, scan_file
from vertune.errors import DataError, VertuneError

ROWS = (
    'text,label,note\n"Call 138-1234-5678, or mail a.b@example.com",pos,"same: 13812345678"\nfine,neg,none\n'
)


def test_csv_copy_keeps_columns_and_numbers_placeholders_per_row(tmp_path):
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text(ROWS, encoding="utf-8")
    report = redact_file(source, target, Redactor())
    assert target.read_text(encoding="utf-8").splitlines() == [
        "text,label,note",
        '"Call <PHONE_1>, or mail <EMAIL_1>",pos,same: <PHONE_1>',
        "fine,neg,none",
    ]
    assert report.counts == {"phone": 2, "email": 1}
    assert report.lines == {"phone": [2], "email": [2]}
    assert (report.rows, report.rows_with_pii) == (2, 1)
    assert report.summary() == "phone 2 (line 2), email 1 (line 2)"
    only_note = redact_file(source, tmp_path / "note.csv", Redactor(["phone"]), columns=["note"])
    assert only_note.counts == {"phone": 1}


def test_tsv_jsonl_and_conll_keep_their_shape(tmp_path):
    tsv = tmp_path / "in.tsv"
    tsv.write_text("text\tlabel\nip 10.0.0.1 here\tx\n", encoding="utf-8")
    redact_file(tsv, tmp_path / "out.tsv", Redactor())
    assert (tmp_path / "out.tsv").read_text(encoding="utf-8") == "text\tlabel\nip <IP_1> here\tx\n"

    jsonl = tmp_path / "in.jsonl"
    rows = [
        {"text": "www.example.com/a", "label": 1},
        {"tokens": ["mail", "x@example.org"], "tags": ["O", "O"]},
    ]
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    redact_file(jsonl, tmp_path / "out.jsonl", Redactor())
    written = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert written == [{"text": "<URL_1>", "label": 1}, {"tokens": ["mail", "<EMAIL_1>"], "tags": ["O", "O"]}]

    conll = tmp_path / "in.conll"
    conll.write_text(
        "-DOCSTART- O\n\n电 O\n话 O\n1 O\n3 O\n8 O\n1 O\n2 O\n3 O\n4 O\n5 O\n6 O\n7 O\n8 O\n\n张 B-PER\n",
        "utf-8",
    )
    report = redact_file(conll, tmp_path / "out.conll", Redactor())
    lines = (tmp_path / "out.conll").read_text(encoding="utf-8").splitlines()
    assert lines[:4] == ["-DOCSTART- O", "", "电 O", "话 O"]
    assert lines[4:15] == ["<PHONE_1> O"] * 11 and lines[15:] == ["", "张 B-PER"]
    assert report.lines == {"phone": [3]}


def test_scan_counts_without_writing_and_clear_errors(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(ROWS, encoding="utf-8")
    assert scan_file(source, Redactor()).counts == {"phone": 2, "email": 1}
    with pytest.raises(VertuneError, match="no column 'body'; the file's columns are text, label, note"):
        scan_file(source, Redactor(), columns=["body"])
    with pytest.raises(VertuneError, match="in the input's format"):
        redact_file(source, tmp_path / "out.jsonl", Redactor())
    with pytest.raises(VertuneError, match="is the input file"):
        redact_file(source, source, Redactor())
    with pytest.raises(VertuneError, match="reads csv, tsv, jsonl, conll files"):
        scan_file(tmp_path / "in.parquet", Redactor())
    with pytest.raises(DataError, match="file not found"):
        scan_file(tmp_path / "missing.csv", Redactor())
