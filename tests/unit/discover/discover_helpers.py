"""Tiny tuple tables and judged pairs for discover tests."""
from __future__ import annotations

import polars as pl

from tablefuse.frames import ScoredPairs, TupleTable


def tuples_of(tids: list[int]) -> TupleTable:
    frame = pl.DataFrame({"tid": tids, "source": ["s"] * len(tids), "source_row": list(range(len(tids))),
                          "source_key": [None] * len(tids), "name": [str(t) for t in tids]},
                         schema={"tid": pl.Int64, "source": pl.Utf8, "source_row": pl.Int64,
                                 "source_key": pl.Utf8, "name": pl.Utf8})
    return TupleTable(frame, ("name",))


def scored_of(pairs: list[tuple[int, int, float]], threshold: float = 0.5) -> ScoredPairs:
    frame = pl.DataFrame({"tid_a": [min(a, b) for a, b, _ in pairs], "tid_b": [max(a, b) for a, b, _ in pairs],
                          "score": [s for _, _, s in pairs]},
                         schema={"tid_a": pl.Int64, "tid_b": pl.Int64, "score": pl.Float64})
    return ScoredPairs(frame.with_columns((pl.col("score") >= threshold).alias("integrable")), threshold)


def sets_of(membership_frame: pl.DataFrame) -> set[frozenset[int]]:
    return {frozenset(g["tid"].to_list()) for _, g in membership_frame.group_by("set_id")}


def clique(tids: list[int], score: float) -> list[tuple[int, int, float]]:
    return [(a, b, score) for i, a in enumerate(tids) for b in tids[i + 1:]]
