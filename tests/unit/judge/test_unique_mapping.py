"""Unique mapping: at most one partner per duplicate-free source, strongest pairs first."""
from __future__ import annotations

import polars as pl
import pytest

from tablefuse.errors import ConfigError
from tablefuse.frames import TUPLE_META, ScoredPairs, TupleTable
from tablefuse.judge.unique import declared_unique, unique_mapping

# tids 0-2 from L, 10-12 from R
SOURCES = {0: "L", 1: "L", 2: "L", 10: "R", 11: "R", 12: "R"}


def _tuples() -> TupleTable:
    tids = list(SOURCES)
    frame = pl.DataFrame({"tid": tids, "source": [SOURCES[t] for t in tids], "source_row": list(range(len(tids))),
                          "source_key": [None] * len(tids), "name": [f"n{t}" for t in tids]},
                         schema_overrides={"source_key": pl.Utf8})
    return TupleTable(frame.select(list(TUPLE_META) + ["name"]), ("name",))


def _scored(pairs: list[tuple[int, int, float]], threshold: float = 0.5) -> ScoredPairs:
    frame = pl.DataFrame({"tid_a": [p[0] for p in pairs], "tid_b": [p[1] for p in pairs],
                          "score": [p[2] for p in pairs]})
    frame = frame.with_columns((pl.col("score") >= threshold).alias("integrable"))
    return ScoredPairs(frame, threshold, {"integrable": int(frame["integrable"].sum())})


def _kept(scored: ScoredPairs) -> set[tuple[int, int]]:
    f = scored.frame.filter(pl.col("integrable"))
    return set(zip(f["tid_a"].to_list(), f["tid_b"].to_list()))


def test_each_tuple_keeps_its_strongest_partner_per_duplicate_free_source() -> None:
    scored = _scored([(0, 10, 0.95), (0, 11, 0.9), (1, 11, 0.8), (1, 10, 0.85), (2, 12, 0.4)])
    out = unique_mapping(scored, _tuples(), {"L", "R"})
    # 0-10 first; 0-11 gives 0 a second R partner, 1-10 gives 10 a second L partner; 1-11 is free
    assert _kept(out) == {(0, 10), (1, 11)}
    assert out.stats["unique_mapping_dropped"] == 2 and out.stats["integrable"] == 2
    assert out.frame["score"].to_list() == scored.frame["score"].to_list()  # only decisions change
    assert out.threshold == scored.threshold


def test_only_declared_sources_are_limited() -> None:
    # R is duplicate-free, L is not: two L rows of one entity may both match r10, but l0 gets one R partner
    scored = _scored([(0, 10, 0.95), (1, 10, 0.9), (0, 11, 0.85)])
    assert _kept(unique_mapping(scored, _tuples(), {"R"})) == {(0, 10), (1, 10)}
    assert _kept(unique_mapping(scored, _tuples(), {"L"})) == {(0, 10), (0, 11)}


def test_two_tuples_of_one_duplicate_free_source_never_pair() -> None:
    scored = _scored([(0, 1, 0.99), (10, 11, 0.98), (0, 10, 0.7)])
    assert _kept(unique_mapping(scored, _tuples(), {"L"})) == {(10, 11), (0, 10)}
    assert _kept(unique_mapping(scored, _tuples(), {"L", "R"})) == {(0, 10)}


def test_ties_break_by_tid_and_below_threshold_pairs_stay_out() -> None:
    scored = _scored([(1, 10, 0.9), (0, 10, 0.9), (2, 11, 0.3)])
    out = unique_mapping(scored, _tuples(), {"L", "R"})
    assert _kept(out) == {(0, 10)}
    assert out.stats["unique_mapping_dropped"] == 1


def test_no_declaration_changes_nothing() -> None:
    scored = _scored([(0, 10, 0.95), (0, 11, 0.9)])
    out = unique_mapping(scored, _tuples(), set())
    assert _kept(out) == _kept(scored) and out.stats["unique_mapping_dropped"] == 0


def test_declared_unique_reads_the_discover_setting() -> None:
    assert declared_unique("all", ["L", "R"]) == {"L", "R"}
    assert declared_unique(("R",), ["L", "R"]) == {"R"}
    for heuristic in ("auto", "judged", "none"):
        assert declared_unique(heuristic, ["L", "R"]) == set()
    with pytest.raises(ConfigError, match="Q"):
        declared_unique(("Q",), ["L", "R"])
