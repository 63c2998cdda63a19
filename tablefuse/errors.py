"""One error family, so callers can catch ``TablefuseError`` and the CLI can map kinds to exit codes.

Messages name what went wrong and what to do next; ``InputError`` also names the file and row.
"""
from __future__ import annotations


class TablefuseError(Exception):
    """Base of every error tablefuse raises on purpose."""


class ConfigError(TablefuseError):
    """A configuration value or file is invalid."""


class InputError(TablefuseError):
    """A lake file cannot be used. ``kind`` is a stable short name (``empty``, ``ragged`` ...)."""

    kind = "input"

    def __init__(self, source: str, reason: str, row: int | None = None, kind: str | None = None):
        self.source = source
        self.row = row
        self.reason = reason
        if kind is not None:
            self.kind = kind
        where = f"{source}" + (f", row {row}" if row is not None else "")
        super().__init__(f"{where}: {reason}")


class AlignmentError(TablefuseError):
    """Columns could not be aligned (for example a mapping file names an unknown source)."""


class NotFittedError(TablefuseError):
    """A learned stage was used before ``fit``."""


class ModelError(TablefuseError):
    """A model folder or weights could not be loaded."""


class LLMError(TablefuseError):
    """An LLM endpoint failed or answered badly; resolve catches it and records a fallback."""


class StoreError(TablefuseError):
    """The DuckDB store could not be read or written."""


class ContractError(TablefuseError):
    """A stage produced data that breaks the contract between stages: a bug, not bad input."""
