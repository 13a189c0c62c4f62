"""CoNLL reader and writers; JSONL token / span files through the NER row reader."""

import pytest

from helpers import FIXTURES
from vertune.data.conll import write_conll, write_token_jsonl
from vertune.data.readers import read_table
from vertune.errors import DataError
from vertune.recipe import DataConfig
from vertune.tasks.ner_data import read_rows

DATA = DataConfig(train="x")


def test_conll_with_docstart_and_extra_columns():
    table = read_table(FIXTURES / "ner_en.conll")
    assert len(table) == 4
    assert table.column("tokens")[1] == ["Peter", "Blackburn"]
    assert table.column("tags")[0][:3] == ["B-ORG", "O", "B-MISC"]  # the last column
    assert table.lines[0] == 3 and table.column("token_lines")[0][1] == 4


def test_conll_tab_separated(tmp_path):
    path = tmp_path / "t.conll"
    path.write_text("北\tB-LOC\n京\tI-LOC\n\n\n好\tO\n", encoding="utf-8")
    table = read_table(path)
    assert table.column("tokens") == [["北", "京"], ["好"]] and table.lines == [1, 5]


def test_conll_token_without_tag_is_an_error_with_its_line(tmp_path):
    path = tmp_path / "t.conll"
    path.write_text("EU B-ORG\nrejects\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"t.conll:2: token 'rejects' has no tag"):
        read_table(path)


def test_bioes_jsonl_reads_to_iob2():
    rows = read_rows(read_table(FIXTURES / "ner_en_bioes.jsonl"), DATA)
    assert rows.scheme == "BIOES" and not rows.problems
    assert rows.tags[0] == ["B-PER", "I-PER", "O", "B-LOC", "O"]
    assert rows.tags[2] == ["B-PER", "O", "B-ORG"]


def test_text_spans_jsonl_gives_tokens_with_offsets():
    rows = read_rows(read_table(FIXTURES / "ner_en_spans.jsonl"), DATA)
    assert not rows.problems
    sentence, tags = rows.sentences[1], rows.tags[1]
    assert sentence.text == "The European Central Bank met in Frankfurt."
    assert tags[:5] == ["O", "B-ORG", "I-ORG", "I-ORG", "O"]
    assert rows.tags[2] == ["O"] * len(rows.sentences[2])


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"tokens": ["a", "b"], "tags": ["O"]}', "2 tokens but 1 tags"),
        ('{"tokens": ["a"], "tags": ["X-PER"]}', "has no IOB2 prefix"),
        ('{"text": "abc", "spans": [{"start": 1, "end": 9, "label": "A"}]}', "outside the text"),
        (
            '{"text": "abc def", "spans": [{"start": 0, "end": 5, "label": "A"}, {"start": 4, "end": 7, "label": "B"}]}',
            "overlap",
        ),
    ],
)
def test_bad_rows_are_errors_with_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"tokens": ["ok"], "tags": ["O"]}\n' + line + "\n", encoding="utf-8")
    if "text" in line:
        path.write_text('{"text": "ok", "spans": []}\n' + line + "\n", encoding="utf-8")
    problems = read_rows(read_table(path), DATA).problems
    assert problems and all(p.severity == "error" for p in problems)
    assert f"{path}:2: " in str(problems[0]) and message in str(problems[0])


def test_i_after_o_is_a_warning_at_the_token_line():
    rows = read_rows(read_table(FIXTURES / "ner_en_invalid.conll"), DATA)
    [warning] = rows.problems
    assert warning.severity == "warning" and warning.row == 8 and "'I-PER' after 'O'" in warning.message
    assert rows.tags[1] == ["O", "O", "B-PER", "I-PER"]


def test_writers():
    sentences = [(["EU", "rejects"], ["B-ORG", "O"]), (["北"], ["S-LOC"])]
    assert write_conll(sentences) == "EU B-ORG\nrejects O\n\n北 S-LOC\n"
    assert write_token_jsonl(sentences).splitlines()[1] == '{"tokens": ["北"], "tags": ["S-LOC"]}'
