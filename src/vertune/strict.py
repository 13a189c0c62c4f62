"""The base of every recipe model: unknown keys are errors, not silently ignored options.

Its own module so that the method registry (`vertune.methods`) can declare option models without importing
the recipe, which imports the registry.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Unknown keys are errors, not silently ignored options."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
