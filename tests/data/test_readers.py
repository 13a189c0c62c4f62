import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vertune.data import read_table
from vertune.errors import DataError


def test_csv_keeps_text_as_is_and_numbers_lines_of_multiline_rows(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text('text,label\n"first line\nsecond line",pos\nNA,neg\n\n"x, y",0\n', encoding="utf-8")
    table = read_table(path)
    assert table.column("text") == ["first line\nsecond line", "NA", "x, y"]
    assert table.column("label") == ["pos", "neg", "0"]
    assert table.lines == [2, 4, 6]


def test_tsv_jsonl_and_parquet(tmp_path):
    tsv = tmp_path / "d.tsv"
    tsv.write_text("text\tlabel\na, b\tpos\n", encoding="utf-8")
    assert read_table(tsv).column("text") == ["a, b"]

    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text(json.dumps({"text": "a", "label": 1}) + "\n\n" + json.dumps({"text": "b"}) + "\n")
    table = read_table(jsonl)
    assert table.column("label") == [1, None]
    assert table.lines == [1, 3]

    parquet = tmp_path / "d.parquet"
    pq.write_table(pa.table({"text": ["a", "b"], "label": ["x", "y"]}), parquet)
    assert read_table(parquet).column("label") == ["x", "y"]


def test_non_utf8_bytes_name_the_line(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("text,label\nok,pos\ncaf\xe9,neg\n".encode("latin-1"))
    with pytest.raises(DataError) as error:
        read_table(path)
    assert f"{path}:3: not UTF-8 (byte 0xe9 at column 4)" in str(error.value)


def test_wrong_field_count_and_bad_json_name_the_line(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\na,pos\nb,neg,extra\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"d.csv:3: 3 fields but the header has 2"):
        read_table(path)
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text('{"text": "a"}\n{"text": \n[1]\n', encoding="utf-8")
    with pytest.raises(DataError) as error:
        read_table(jsonl)
    assert [p.row for p in error.value.problems] == [2, 3]


def test_empty_missing_and_unsupported_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="the file is empty"):
        read_table(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text("text,label\n", encoding="utf-8")
    with pytest.raises(DataError, match="no data rows"):
        read_table(header_only)
    with pytest.raises(DataError, match="file not found"):
        read_table(tmp_path / "missing.csv")
    xlsx = tmp_path / "d.xlsx"
    xlsx.write_bytes(b"PK")
    with pytest.raises(DataError, match=r"unsupported file type '\.xlsx'"):
        read_table(xlsx)


def test_a_repeated_column_name_is_refused(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("text,text,label\na,b,pos\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"twice.csv:1: column 'text' appears 2 times in the header"):
        read_table(path)
