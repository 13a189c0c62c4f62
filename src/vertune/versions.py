"""Installed package versions, and the method / version pairs known not to work together.

Recipe validation consults `KNOWN_BROKEN`, so a method that cannot run on the installed versions fails
before any model is loaded, with one line naming the versions, instead of a traceback mid-training.
Imports no torch.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass


def version_of(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def installed_versions(*packages: str) -> str:
    """'transformers 5.24.0, peft 0.21.2' for error messages."""
    return ", ".join(f"{name} {version_of(name) or 'not installed'}" for name in packages)


@dataclass(frozen=True)
class Incompatibility:
    method: str
    package: str
    specifier: str  # PEP 440, e.g. ">=5.24,<5.26"
    why: str


# Add an entry when `make test-latest` shows a method broken on versions the pyproject range admits and
# no shim fits yet. Prefix tuning on transformers >= 5.24 is not here: methods.peft_methods shims it.
KNOWN_BROKEN: list[Incompatibility] = []


def broken_combination(method: str) -> Incompatibility | None:
    """The first known incompatibility of `method` with the installed versions, or None."""
    from packaging.specifiers import SpecifierSet

    for entry in KNOWN_BROKEN:
        installed = version_of(entry.package)
        if entry.method == method and installed is not None and installed in SpecifierSet(entry.specifier):
            return entry
    return None
