"""Token and q-gram blocking: right pairs found, stop tokens contained, ids ignored."""
from __future__ import annotations

import polars as pl
import pytest

from tablefuse.block import QGramBlocker, TokenBlocker, make_blocker
from tablefuse.block._normalise import normalise, qgrams, tokens
from tablefuse.config import BlockConfig, TablefuseConfig
from tablefuse.errors import ConfigError

from block_helpers import make_tuples, pairs_of


def test_normalise_strips_case_accents_and_punctuation():
    out = pl.DataFrame({"v": ["Café-Ünion, Inc.", "  Ärger!!  "]}).select(normalise(pl.col("v")))
    assert out["v"].to_list() == ["cafe union inc", "arger"]


def test_token_blocker_finds_every_cross_schema_pair(people):
    tuples, truth = people
    cand = TokenBlocker(max_block_size=50, top_k=10).candidates(tuples)
    cand.validate()
    assert truth <= pairs_of(cand.frame)
    assert set(cand.frame["blocker"].unique()) == {"token"}
    # far fewer than all 180*179/2 pairs
    assert cand.frame.height < 0.2 * tuples.height * (tuples.height - 1) / 2


def test_frequent_token_block_is_skipped_and_reported(people):
    tuples, truth = people
    cand = TokenBlocker(max_block_size=50, top_k=None).candidates(tuples)
    stats = cand.stats
    assert stats["oversized_blocks"] >= 1
    skipped = {b["key"]: b["size"] for b in stats["oversized_largest"]}
    assert skipped["inc"] == 60  # every b tuple has "Inc"; a 60-block is over 50
    # no pair comes only from "inc": b tuples whose names share nothing are not paired
    b_tids = tuples.frame.filter(pl.col("source") == "b.csv")["tid"].to_list()
    b_pairs = cand.frame.filter(pl.col("tid_a").is_in(b_tids) & pl.col("tid_b").is_in(b_tids))
    assert b_pairs.height < 60 * 59 / 2 / 4
    assert stats["comparisons"] >= stats["pairs"]


def test_surrogate_ids_never_pair_tuples():
    rows = [{"source": "a.csv", "source_key": "1001", "name": "alpha beta"},
            {"source": "b.csv", "source_key": "1001", "name": "gamma delta"},
            {"source": "b.csv", "source_key": "7", "name": "alpha beta"}]
    cand = TokenBlocker(top_k=None).candidates(make_tuples(rows, ("name",)))
    assert pairs_of(cand.frame) == {(0, 2)}


def test_qgram_blocker_survives_typos_that_token_blocking_misses(typos):
    tuples, truth = typos
    tok = pairs_of(TokenBlocker(top_k=None).candidates(tuples).frame)
    qg = QGramBlocker(q=3, max_block_size=50, top_k=5).candidates(tuples)
    qg.validate()
    assert len(truth & tok) == 0
    assert len(truth & pairs_of(qg.frame)) / len(truth) >= 0.95
    assert set(qg.frame["blocker"].unique()) == {"qgram"}


def test_qgrams_of_short_tokens_stay_whole():
    t = make_tuples([{"source": "s", "name": "ab abcd"}], ("name",))
    assert sorted(qgrams(t, 3)["key"].to_list()) == ["ab", "abc", "bcd"]
    assert sorted(tokens(t, 3)["key"].to_list()) == ["abcd"]


def test_cross_source_only_drops_same_source_pairs(people):
    tuples, truth = people
    cand = TokenBlocker(max_block_size=50, top_k=10, cross_source_only=True).candidates(tuples)
    src = dict(zip(tuples.frame["tid"].to_list(), tuples.frame["source"].to_list()))
    assert cand.frame.height and all(src[a] != src[b] for a, b in pairs_of(cand.frame))
    assert truth <= pairs_of(cand.frame)


def test_top_k_bounds_pairs_per_tuple(people):
    tuples, _ = people
    full = TokenBlocker(max_block_size=200, top_k=None).candidates(tuples).frame
    # shared-neighbour completion (test_adaptive_blocking) may add pairs beyond top_k: off here
    pruned = TokenBlocker(max_block_size=200, top_k=2, shared_k=0).candidates(tuples).frame
    assert pruned.height <= 2 * tuples.height
    assert pairs_of(pruned) <= pairs_of(full)


def test_relative_weight_and_budget_prune_further(people):
    tuples, truth = people
    base = TokenBlocker(max_block_size=50, top_k=20).candidates(tuples).frame
    rel = TokenBlocker(max_block_size=50, top_k=20, min_relative_weight=0.5).candidates(tuples).frame
    capped = TokenBlocker(max_block_size=50, top_k=20, pairs_per_tuple=0.5).candidates(tuples).frame
    assert rel.height < base.height and pairs_of(rel) <= pairs_of(base)
    assert capped.height == int(0.5 * tuples.height)
    assert len(truth & pairs_of(rel)) / len(truth) >= 0.95


def test_chunking_does_not_change_the_result(people):
    tuples, _ = people
    one = TokenBlocker(max_block_size=50, top_k=5, chunk_size=1_000_000).candidates(tuples).frame
    many = TokenBlocker(max_block_size=50, top_k=5, chunk_size=7).candidates(tuples).frame
    assert pairs_of(one) == pairs_of(many)


def test_empty_and_tiny_inputs_give_valid_empty_candidates():
    one = make_tuples([{"source": "s", "name": "solo"}], ("name",))
    nulls = make_tuples([{"source": "s", "name": None}, {"source": "s", "name": None}], ("name",))
    for t in (one, nulls):
        cand = TokenBlocker().candidates(t)
        cand.validate()
        assert cand.frame.height == 0
        assert cand.frame.columns == ["tid_a", "tid_b", "blocker"]


def test_make_blocker_builds_from_config_and_rejects_unknown_methods():
    assert isinstance(make_blocker(BlockConfig(method="token")), TokenBlocker)
    qb = make_blocker(BlockConfig(method="qgram", q=4, max_block_size=99))
    assert isinstance(qb, QGramBlocker) and qb.q == 4 and qb.max_block_size == 99
    with pytest.raises(ConfigError):
        make_blocker(BlockConfig(method="nope"))
    cfg = TablefuseConfig().with_overrides(block={"method": "union", "blockers": ["token", "qgram"],
                                                  "cross_source_only": True})
    assert TablefuseConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError):
        make_blocker(BlockConfig(method="union", blockers=("token", "bogus")))
