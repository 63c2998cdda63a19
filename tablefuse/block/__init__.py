"""Block: candidate pairs without comparing all n² tuples.

A blocker has ``candidates(tuples: TupleTable) -> CandidatePairs``; ``make_blocker(config)``
builds the one named by ``config.method``.
"""
from __future__ import annotations

from typing import Protocol

from ..config import BlockConfig
from ..errors import ConfigError
from ..frames import CandidatePairs, TupleTable
from ._token import TokenBlocker


class Blocker(Protocol):
    def candidates(self, tuples: TupleTable) -> CandidatePairs: ...


BLOCKERS = {"token": TokenBlocker}


def make_blocker(config: BlockConfig) -> Blocker:
    try:
        cls = BLOCKERS[config.method]
    except KeyError:
        raise ConfigError(f"block.method {config.method!r} unknown; choose from {sorted(BLOCKERS)}") from None
    return cls.from_config(config)


__all__ = ["BLOCKERS", "Blocker", "TokenBlocker", "make_blocker"]
