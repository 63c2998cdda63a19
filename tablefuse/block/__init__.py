"""Block: candidate pairs without comparing all n² tuples.

A blocker has ``candidates(tuples: TupleTable) -> CandidatePairs``; ``make_blocker(config)``
builds the one named by ``config.method`` (``union`` combines ``config.blockers``).
``report(candidates, tuples, true_pairs)`` says what blocking produced and, against gold, what
it kept (pair completeness) and saved (reduction ratio).
"""
from __future__ import annotations

from typing import Any, Protocol

from ..config import BlockConfig
from ..errors import ConfigError
from ..frames import CandidatePairs, TupleTable
from ._embedding import EmbeddingBlocker, exact_knn, ivf_knn, knn_pairs
from ._report import report
from ._token import QGramBlocker, TokenBlocker
from ._union import UnionBlocker


class Blocker(Protocol):
    def candidates(self, tuples: TupleTable) -> CandidatePairs: ...


BLOCKERS: dict[str, Any] = {"token": TokenBlocker, "qgram": QGramBlocker, "embedding": EmbeddingBlocker,
                            "union": UnionBlocker}


def make_blocker(config: BlockConfig, encoder: Any = None) -> Blocker:
    """The blocker ``config.method`` names; ``encoder`` (a TextEncoder) is shared when given."""
    try:
        cls = BLOCKERS[config.method]
    except KeyError:
        raise ConfigError(f"block.method {config.method!r} unknown; choose from {sorted(BLOCKERS)}") from None
    if config.method in ("embedding", "union"):
        return cls.from_config(config, encoder)
    return cls.from_config(config)


__all__ = ["BLOCKERS", "Blocker", "EmbeddingBlocker", "exact_knn", "ivf_knn", "knn_pairs", "QGramBlocker",
           "TokenBlocker", "UnionBlocker", "make_blocker", "report"]
