"""Union of blockers and the blocking report."""
from __future__ import annotations

import polars as pl
import pytest

from tablefuse.block import QGramBlocker, TokenBlocker, UnionBlocker, make_blocker, report
from tablefuse.block._union import union_candidates
from tablefuse.config import BlockConfig
from tablefuse.frames import CandidatePairs

from block_helpers import make_tuples, pairs_of


def _cp(pairs: list[tuple[int, int]], name: str) -> CandidatePairs:
    return CandidatePairs(pl.DataFrame({"tid_a": [a for a, _ in pairs], "tid_b": [b for _, b in pairs],
                                        "blocker": [name] * len(pairs)},
                                       schema={"tid_a": pl.Int64, "tid_b": pl.Int64, "blocker": pl.Utf8}))


def test_union_dedupes_and_names_every_blocker():
    out = union_candidates([_cp([(0, 1), (2, 5)], "token"), _cp([(0, 1), (3, 4)], "qgram"),
                            CandidatePairs.empty()])
    CandidatePairs(out).validate()
    assert out.rows() == [(0, 1, "qgram+token"), (2, 5, "token"), (3, 4, "qgram")]
    assert union_candidates([]).height == 0


def test_union_blocker_finds_what_either_finds(people, typos):
    tuples, truth = typos
    ub = UnionBlocker((TokenBlocker(top_k=None), QGramBlocker(top_k=5, max_block_size=50)))
    cand = ub.candidates(tuples)
    cand.validate()
    assert (cand.frame["tid_a"] < cand.frame["tid_b"]).all()
    assert len(truth & pairs_of(cand.frame)) / len(truth) >= 0.95
    assert set(cand.stats["parts"]) == {"token", "qgram"}
    assert sum(cand.stats["pairs_by_blocker"].values()) == cand.frame.height


def test_union_from_config_without_embedding_loads_no_model(people):
    tuples, truth = people
    b = make_blocker(BlockConfig(method="union", blockers=("token", "qgram"), max_block_size=50, top_k=10))
    cand = b.candidates(tuples)
    cand.validate()
    assert truth <= pairs_of(cand.frame)


def test_report_counts_pair_completeness_and_reduction():
    rows = [{"source": "a", "name": "x"}, {"source": "a", "name": "y"},
            {"source": "b", "name": "x"}, {"source": "b", "name": "z"}]
    tuples = make_tuples(rows, ("name",))
    cand = _cp([(0, 2), (0, 1)], "token")
    gold = pl.DataFrame({"tid_a": [0, 1], "tid_b": [2, 3]})
    r = report(cand, tuples, gold)
    assert r["candidates"] == 2 and r["tuples"] == 4 and r["all_pairs"] == 6
    assert r["pair_completeness"] == 0.5
    assert r["reduction_ratio"] == pytest.approx(1 - 2 / 6)
    assert r["cross_source_pairs"] == 4 and r["cross_source_candidates"] == 1
    assert r["cross_source_reduction_ratio"] == pytest.approx(1 - 1 / 4)
    # gold as (tid, entity) gives the same completeness
    ent = pl.DataFrame({"tid": [0, 2, 1, 3], "entity": ["e1", "e1", "e2", "e2"]})
    assert report(cand, tuples, ent)["pair_completeness"] == 0.5
    assert "pair_completeness" not in report(cand, tuples)


def test_report_lists_skipped_blocks_of_union_parts(people):
    tuples, truth = people
    cand = UnionBlocker((TokenBlocker(max_block_size=50, top_k=10),)).candidates(tuples)
    r = report(cand, tuples, pl.DataFrame({"tid_a": [a for a, _ in truth], "tid_b": [b for _, b in truth]}))
    assert r["pair_completeness"] == 1.0
    assert r["oversized_blocks"] >= 1
    assert any(b["key"] == "inc" and b["blocker"] == "token" for b in r["oversized_largest"])
    assert r["reduction_ratio"] > 0.5
