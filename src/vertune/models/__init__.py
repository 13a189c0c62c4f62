"""Resolve a model reference (builtin alias, local directory, hub id) to something transformers loads."""

from vertune.models.resolve import BUILTIN_MODELS, resolve_model

__all__ = ["BUILTIN_MODELS", "resolve_model"]
