"""A GGUF checkpoint converted once to a Hugging Face directory (fp32 safetensors) in the user's cache.

transformers reads GGUF (`from_pretrained(dir, gguf_file=name)`, dequantising) but refuses to
`save_pretrained` such a model and takes ~16 s per load; the converted directory reloads in a fraction of a
second and trains like any checkpoint. The cache is keyed by the file's sha256, written into a temporary
directory and renamed into place under a file lock, so concurrent processes (test workers) convert once.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from vertune.errors import ModelNotFoundError

MARKER = ".vertune-converted"  # written last: a directory without it is an interrupted conversion


def cache_root() -> Path:
    """`$VERTUNE_CACHE`, else `$XDG_CACHE_HOME/vertune`, else `~/.cache/vertune`."""
    if os.environ.get("VERTUNE_CACHE"):
        return Path(os.environ["VERTUNE_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "vertune"


def converted_dir(gguf_path: Path) -> Path:
    """The Hugging Face directory of `gguf_path`, converting it on first use."""
    from filelock import FileLock

    from vertune.run import sha256_file

    if not gguf_path.is_file():
        raise ModelNotFoundError(f"{gguf_path}: no such GGUF file")
    digest = sha256_file(gguf_path)
    root = cache_root() / "gguf"
    target = root / f"{gguf_path.stem}-{digest[:16]}"
    if (target / MARKER).is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / f"{target.name}.lock")):
        if (target / MARKER).is_file():  # another process converted it while we waited
            return target
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=root))
        try:
            convert(gguf_path, staging)
            (staging / MARKER).write_text(digest + "\n", encoding="utf-8")
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def convert(gguf_path: Path, out: Path) -> None:
    """Dequantise `gguf_path` into an fp32 safetensors directory with its tokenizer (chat template kept)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
    config = loaded.config
    # save_pretrained refuses a GGUF-loaded model: rebuild it as a plain one from its config and weights
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(loaded.state_dict(), strict=False)
    model.tie_weights()
    model.save_pretrained(str(out), safe_serialization=True)
    if model.generation_config is not None and tokenizer.eos_token_id is not None:
        model.generation_config.eos_token_id = tokenizer.eos_token_id
        model.generation_config.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
