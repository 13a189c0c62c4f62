"""Errors a user can cause. The CLI prints them in one line each and exits 2, never a traceback.

Internal bugs are not VertuneErrors: they keep their tracebacks.
"""

from __future__ import annotations

from dataclasses import dataclass


class VertuneError(Exception):
    """Base class of every error caused by the user's input (recipe, data, paths, options)."""

    def lines(self) -> list[str]:
        """One printed line each (a message listing several problems, one a line, gives several)."""
        return str(self).splitlines() or [type(self).__name__]


class RecipeError(VertuneError):
    """The recipe (YAML or --set overrides) is invalid."""


class ModelNotFoundError(VertuneError):
    """A model reference resolves to nothing loadable."""


class RunDirError(VertuneError):
    """A run directory is missing or incomplete."""


@dataclass(frozen=True)
class Problem:
    """One row-level data problem, printed as `file:row: what is wrong; how to fix`."""

    file: str
    row: int | None
    message: str
    fix: str
    severity: str = "error"  # "error" stops the job, "warning" is printed and the job goes on

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row is not None else self.file
        return f"{where}: {self.message}; {self.fix}"


class DataError(VertuneError):
    """The data has one or more problems that stop the job."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class ExplainError(VertuneError):
    """`vertune explain` / POST /v1/explain past its bounds (tokens, steps, entities) or on a task it does not
    explain."""
