import pytest

from helpers import fails_cleanly, vertune, write_recipe

pytestmark = pytest.mark.e2e


def test_redact_a_file_then_check_it(tmp_path):
    source, target = tmp_path / "notes.csv", tmp_path / "clean.csv"
    source.write_text(
        "text,label\nCall 138-1234-5678 or +44 20 7946 0958,a\nID 11010519491231002X,b\nnothing here,a\n"
        "fine,b\n",
        encoding="utf-8",
    )
    result = vertune("data", "redact", str(source), "--output", str(target), "--types", "phone,id_card")
    assert result.returncode == 0, result.stderr
    assert "4 rows, 2 with personal data; phone 2 (line 2), id_card 1 (line 3)" in result.stdout
    assert target.read_text(encoding="utf-8").splitlines()[1:3] == [
        "Call <PHONE_1> or <PHONE_2>,a",
        "ID <ID_CARD_1>,b",
    ]

    before = vertune("data", "check", str(source), "--pii", "--max-length", "32")
    assert before.returncode == 0, before.stderr
    assert "train: personal data: phone 2 (line 2), id_card 1 (line 3)" in before.stdout
    assert "5678" not in before.stdout + before.stderr  # counts and lines only, never the values

    fails_cleanly(
        vertune("data", "redact", str(source), "--output", str(target), "--types", "phones"),
        "unknown PII type 'phones'",
    )


def test_audit_prints_a_summary_and_writes_the_ranked_csv(tmp_path):
    recipe = write_recipe(tmp_path)
    result = vertune("data", "audit", str(recipe), "--output", str(tmp_path / "issues.csv"), "--folds", "3")
    assert result.returncode == 0, result.stderr
    assert "label issues: " in result.stdout and "); train " in result.stdout
    assert "near-duplicates: " in result.stdout
    assert (tmp_path / "issues.csv").read_text(encoding="utf-8").startswith("rank,split,file,line,text,given")
    fails_cleanly(vertune("data", "audit", str(recipe), "--folds", "0"), "--folds 0: use at least 2 folds")
