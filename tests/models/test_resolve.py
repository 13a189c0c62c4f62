import pytest

from vertune.errors import ModelNotFoundError
from vertune.models import resolve_model
from vertune.models.loading import load_tokenizer
from vertune.recipe import ModelConfig


def test_builtin_alias_resolves_to_the_shipped_weights(minilm_dir):
    assert (minilm_dir / "config.json").is_file()
    assert (minilm_dir / "model.safetensors").is_file()


def test_local_directories_and_hub_ids(tmp_path, minilm_dir):
    assert resolve_model(str(minilm_dir)) == str(minilm_dir.resolve())
    assert resolve_model("sentence-transformers/all-MiniLM-L6-v2") == "sentence-transformers/all-MiniLM-L6-v2"
    with pytest.raises(ModelNotFoundError, match="not a Hugging Face model directory"):
        resolve_model(str(tmp_path))
    with pytest.raises(ModelNotFoundError, match="no such model directory"):
        resolve_model("./missing/model")


def test_an_unreachable_hub_id_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotFoundError, match="cannot load model 'nobody/no-such-model'"):
        load_tokenizer(ModelConfig(name="nobody/no-such-model"))
