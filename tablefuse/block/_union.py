"""Union of blockers: each finds pairs the others miss (rare tokens, typos, paraphrases)."""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from ..config import BlockConfig
from ..errors import ConfigError
from ..frames import CandidatePairs, TupleTable
from ._embedding import EmbeddingBlocker
from ._token import QGramBlocker, TokenBlocker

PARTS: dict[str, Any] = {"token": TokenBlocker, "qgram": QGramBlocker, "embedding": EmbeddingBlocker}


def union_candidates(parts: Sequence[CandidatePairs]) -> pl.DataFrame:
    """Unique pairs over ``parts``; ``blocker`` names every blocker that found the pair ("a+b")."""
    frames = [p.frame.select("tid_a", "tid_b", "blocker") for p in parts if p.frame.height]
    if not frames:
        return CandidatePairs.empty().frame
    return (pl.concat(frames)
            .group_by("tid_a", "tid_b")
            .agg(pl.col("blocker").unique().sort().str.join("+"))
            .sort("tid_a", "tid_b"))


@dataclass(frozen=True)
class UnionBlocker:
    """Runs several blockers and unions their candidates.

    >>> UnionBlocker((TokenBlocker(), QGramBlocker())).candidates(tuples)  # doctest: +SKIP
    """

    blockers: tuple[Any, ...]

    name = "union"

    @classmethod
    def from_config(cls, config: BlockConfig, encoder: Any = None) -> UnionBlocker:
        if not config.blockers:
            raise ConfigError("block.blockers is empty; name at least one of "
                              f"{sorted(PARTS)} for method 'union'")
        built = []
        for name in config.blockers:
            if name not in PARTS:
                raise ConfigError(f"block.blockers has {name!r}; choose from {sorted(PARTS)}")
            part = PARTS[name]
            built.append(part.from_config(config, encoder) if name == "embedding" else part.from_config(config))
        return cls(tuple(built))

    def candidates(self, tuples: TupleTable) -> CandidatePairs:
        t0 = time.perf_counter()
        parts = [b.candidates(tuples) for b in self.blockers]
        frame = union_candidates(parts)
        by = frame.group_by("blocker").len().sort("blocker")
        stats = {"blocker": self.name, "tuples": tuples.height, "pairs": frame.height,
                 "parts": {p.stats.get("blocker", str(i)): p.stats for i, p in enumerate(parts)},
                 "pairs_by_blocker": dict(zip(by["blocker"].to_list(), by["len"].to_list())),
                 "seconds": round(time.perf_counter() - t0, 3)}
        return CandidatePairs(frame, stats)
