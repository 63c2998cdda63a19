"""tablefuse: integrate a folder of messy tables into one deduplicated, conflict-resolved table.

``import tablefuse`` stays cheap: stages (and heavy libraries) load on first use.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from .config import TablefuseConfig, load_config
from .errors import (
    AlignmentError,
    ConfigError,
    ContractError,
    InputError,
    LLMError,
    ModelError,
    NotFittedError,
    StoreError,
    TablefuseError,
)

if TYPE_CHECKING:
    from .pipeline import Pipeline, integrate


def __getattr__(name: str) -> Any:
    if name in ("Pipeline", "integrate"):
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'tablefuse' has no attribute {name!r}")


__all__ = ["AlignmentError", "ConfigError", "ContractError", "InputError", "LLMError",
           "ModelError", "NotFittedError", "Pipeline", "StoreError", "TablefuseConfig",
           "TablefuseError", "__version__", "integrate", "load_config"]
