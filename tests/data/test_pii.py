from collections import Counter
from pathlib import Path

import pytest

from fake_pii import ORDINARY, corpus
from helpers import FIXTURES
from vertune.data.pii import PII_TYPES, Redactor, id_card_valid, luhn_valid, parse_types, redact_splits
from vertune.data.readers import read_table
from vertune.errors import RecipeError, VertuneError
from vertune.recipe import DataConfig
from vertune.tasks.base import Examples


def test_every_type_is_found_in_fake_checksum_valid_data():
    found, total = Counter(), Counter()
    redactor = Redactor()
    for kind, value, text in corpus(per_type=150, seed=5):
        total[kind] += 1
        found[kind] += any(m.type == kind and text[m.start : m.end] == value for m in redactor.find(text))
    assert set(total) == set(PII_TYPES)
    for kind in PII_TYPES:
        assert found[kind] / total[kind] >= 0.99, kind


def test_ordinary_numbers_are_left_alone():
    redactor = Redactor(phone_region="US")
    for text in ORDINARY:
        assert redactor.find(text) == [], text


def test_real_data_rows_are_rarely_flagged():
    # fixture copies of the repo's real datasets: reviews with doses, dates and amounts; news; Chinese titles
    flagged = rows = 0
    redactor = Redactor(phone_region="US")
    for name in ("reviews_train.csv", "bbc_train.csv", "headlines_train.csv", "conditions_train.csv"):
        table = read_table(FIXTURES / name)
        for text in table.column("text"):
            rows += 1
            flagged += any(m.type not in ("url", "email") for m in redactor.find(text))
    assert flagged <= 0.01 * rows


def test_checksums():
    assert id_card_valid("11010519491231002X")
    assert not id_card_valid("110105194912310021")  # wrong check character
    assert not id_card_valid("110105194913310028")  # month 13
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    redactor = Redactor(["iban", "bank_card", "id_card"])
    assert redactor.find("IBAN DE89 3704 0044 0532 0130 00 paid")[0].value == "DE89 3704 0044 0532 0130 00"
    assert redactor.find("IBAN DE88 3704 0044 0532 0130 00 paid") == []  # check digits wrong
    assert redactor.find("card 4111 1111 1111 1112") == []


def test_placeholders_are_typed_numbered_and_consistent_within_a_document():
    redactor = Redactor()
    doc = redactor.document()
    first = doc.redact("Call 138-1234-5678 or +44 20 7946 0958, mail a.b@example.com")
    second = doc.redact("again: +86 13812345678 (same person)")
    assert first == "Call <PHONE_1> or <PHONE_2>, mail <EMAIL_1>"
    assert second == "again: <PHONE_1> (same person)"
    assert redactor.counts == {"phone": 3, "email": 1}
    assert redactor.redact(first) == first  # placeholders are never found again
    assert redactor.redact("another row: +44 20 7946 0958") == "another row: <PHONE_1>"


def test_chinese_text_and_token_lists():
    redactor = Redactor()
    assert (
        redactor.redact("身份证号11010519491231002X，电话13812345678。")
        == "身份证号<ID_CARD_1>，电话<PHONE_1>。"
    )
    tokens = list("电话13812345678谢谢")
    redacted = redactor.document().redact_tokens(tokens)
    assert len(redacted) == len(tokens)
    assert redacted[:2] == ["电", "话"] and redacted[-2:] == ["谢", "谢"]
    assert set(redacted[2:-2]) == {"<PHONE_1>"}
    english = redactor.document().redact_tokens(["mail", "me", "at", "a.b@example.com", "."])
    assert english == ["mail", "me", "at", "<EMAIL_1>", "."]


def test_only_the_chosen_types_and_clear_errors():
    assert Redactor(["email"]).redact("a@example.com 13812345678") == "<EMAIL_1> 13812345678"
    assert parse_types("email, phone") == ["email", "phone"]
    assert parse_types(None) == list(PII_TYPES)
    with pytest.raises(VertuneError, match=r"unknown PII type 'phones'; .* did you mean 'phone'"):
        parse_types("phones")
    with pytest.raises(RecipeError, match=r"data.redact: unknown PII type 'mail'; did you mean 'email'"):
        from vertune.recipe import recipe_from_dict

        recipe_from_dict({"model": "minilm", "data": {"train": "t.csv", "redact": ["mail"]}})
    with pytest.raises(RecipeError, match="unknown phone region 'XX'"):
        recipe_from_dict({"model": "minilm", "data": {"train": "t.csv", "redact_phone_region": "xx"}})


def test_the_data_stage_redacts_every_split_and_refuses_ner():
    data = DataConfig(train=Path("t.csv"), redact=["phone", "email"])
    splits = [Examples(None, ["call 13812345678", ("a@example.com", "b@example.com")], ["x", "y"])]
    assert redact_splits(splits, "pair", data) == {"phone": 1, "email": 2}
    assert splits[0].inputs == ["call <PHONE_1>", ("<EMAIL_1>", "<EMAIL_2>")]
    assert redact_splits(splits, "classification", DataConfig(train=Path("t.csv"))) == {}
    with pytest.raises(RecipeError, match="vertune data redact"):
        redact_splits(splits, "ner", data)


def test_text_tasks_encode_redacted_inputs(minilm_dir):
    from transformers import AutoTokenizer

    from vertune.tasks import get_task

    tokenizer = AutoTokenizer.from_pretrained(str(minilm_dir))
    task = get_task("classification", DataConfig(train=Path("t.csv"), redact=["phone"]))
    plain = get_task("classification", DataConfig(train=Path("t.csv")))
    redacting = task.encode(["call 13812345678 now"], tokenizer, 32)
    assert redacting[0]["input_ids"] == plain.encode(["call <PHONE_1> now"], tokenizer, 32)[0]["input_ids"]
