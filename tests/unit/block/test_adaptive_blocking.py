"""Shared-neighbour completion (large dirty entities) and approximate kNN search."""
from __future__ import annotations

import random

import numpy as np
import polars as pl
import torch

from tablefuse.block import EmbeddingBlocker, TokenBlocker
from tablefuse.block._embedding import exact_knn, ivf_knn, knn_pairs

from block_helpers import make_tuples, pairs_of


def _big_entity_lake(seed: int = 5):
    """60 records of one entity, each 8 of the entity's 40 words (records differ a lot, as
    citations of one paper do), and 600 singletons paired by one shared rare word."""
    rng = random.Random(seed)
    words = [f"w{i}x" for i in range(40)]
    rows = [{"source": "t.csv", "text": " ".join(rng.sample(words, 8))} for _ in range(60)]
    for i in range(600):
        rows.append({"source": "t.csv", "text": f"u{i}a u{i}b u{i}c link{i // 2}"})
    group = {(a, b) for a in range(60) for b in range(a + 1, 60)}
    return make_tuples(rows, ("text",)), group


def test_shared_neighbours_recover_a_large_group_that_top_k_misses():
    tuples, group = _big_entity_lake()
    plain = pairs_of(TokenBlocker(top_k=5, shared_k=0).candidates(tuples).frame)
    cand = TokenBlocker(top_k=5, shared_k=30, min_shared=5).candidates(tuples)
    cand.validate()
    full = pairs_of(cand.frame)
    assert len(plain & group) / len(group) < 0.5
    assert len(full & group) / len(group) >= 0.95
    assert plain <= full and cand.stats["shared_pairs"] > 0
    # singletons gain nothing: their pairs are the same with and without completion
    single = {p for p in full if p[1] >= 60}
    assert single == {p for p in plain if p[1] >= 60}
    assert single and all(p[0] >= 60 and (p[0] - 60) // 2 == (p[1] - 60) // 2 for p in single)


def test_shared_neighbour_completion_is_skipped_over_its_budget():
    tuples, group = _big_entity_lake()
    cand = TokenBlocker(top_k=5, shared_k=30, min_shared=5, shared_budget=10).candidates(tuples)
    assert "budget" in cand.stats["shared_skipped"] and cand.stats["shared_pairs"] == 0
    assert cand.stats["shared_cost"] > 10
    assert pairs_of(cand.frame) == pairs_of(TokenBlocker(top_k=5, shared_k=0).candidates(tuples).frame)


def test_shared_neighbour_completion_is_deterministic():
    tuples, _ = _big_entity_lake(seed=11)
    runs = [TokenBlocker(top_k=5, shared_k=30, min_shared=5, chunk_size=c).candidates(tuples).frame
            for c in (1000, 17)]
    assert runs[0].equals(runs[1])


def _clustered(n: int = 3000, d: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n // 10, d))
    x = centres[rng.integers(0, len(centres), n)] + 0.4 * rng.normal(size=(n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_ivf_recall_against_exact_search():
    x = torch.from_numpy(_clustered())
    k = 5
    _, exact = exact_knn(x, k)
    _, approx = ivf_knn(x, k, nprobe=8)
    recall = np.mean([len(set(a) & set(b)) / k for a, b in zip(approx.tolist(), exact.tolist())])
    assert recall >= 0.95
    assert not (approx == torch.arange(len(x))[:, None]).any()  # never yourself
    # one list probed out of many finds less than many probed
    _, narrow = ivf_knn(x, k, nlist=64, nprobe=1)
    narrow_recall = np.mean([len(set(a) & set(b)) / k for a, b in zip(narrow.tolist(), exact.tolist())])
    assert narrow_recall < recall


def test_ivf_is_deterministic_and_honours_sources():
    v = _clustered(1200)
    tids = np.arange(1200) * 3
    sids = np.arange(1200) % 2
    one = knn_pairs(tids, sids, v, 4, search="ivf", nprobe=4, seed=1)
    two = knn_pairs(tids, sids, v, 4, search="ivf", nprobe=4, seed=1)
    assert one.equals(two) and one.height > 0
    cross = knn_pairs(tids, sids, v, 4, cross_source_only=True, search="ivf", nprobe=4)
    assert cross.height > 0
    assert ((cross["tid_a"] // 3 % 2) != (cross["tid_b"] // 3 % 2)).all()


class _VectorEncoder:
    def __init__(self, table: dict[str, np.ndarray]):
        self.table = table

    def encode(self, texts):
        return np.stack([self.table[t] for t in texts])


def test_embedding_blocker_switches_to_ivf_above_its_threshold():
    v = _clustered(600)
    texts = [f"r{i}" for i in range(600)]
    tuples = make_tuples([{"source": "s", "name": t} for t in texts], ("name",))
    enc = _VectorEncoder(dict(zip(texts, v)))
    exact = EmbeddingBlocker(knn=3, encoder=enc).candidates(tuples)
    approx = EmbeddingBlocker(knn=3, encoder=enc, approx_above=100, nprobe=6).candidates(tuples)
    assert exact.stats["search"] == "exact" and approx.stats["search"] == "ivf"
    found = pairs_of(approx.frame)
    assert len(found & pairs_of(exact.frame)) / exact.frame.height >= 0.95
    assert pl.Series([a < b for a, b in found]).all()


def _common_keys_lake():
    """400 tuples: a first name out of 40, a city out of 30, "mail com" everywhere and two
    words of their own. Tuples i and j share both first name and city exactly when
    i ≡ j (mod 120): those pairs share only keys that are too common to block on alone."""
    rows = [{"source": "s.csv", "text": f"first{i % 40}x city{i % 30}y mail com own{i}a own{i}b"}
            for i in range(400)]
    truth = {(i, j) for i in range(400) for j in range(i + 1, 400) if (j - i) % 120 == 0}
    return make_tuples(rows, ("text",)), truth


def test_sub_blocks_of_oversized_blocks_keep_the_true_pairs():
    tuples, truth = _common_keys_lake()
    skip = TokenBlocker(max_block_size=5, sub_block_keys=0, shared_k=0).candidates(tuples)
    cand = TokenBlocker(max_block_size=5, sub_block_keys=6, shared_k=0).candidates(tuples)
    cand.validate()
    assert skip.frame.height == 0 and skip.stats["oversized_blocks"] == 72  # 40 + 30 + mail + com
    assert pairs_of(cand.frame) == truth
    # first×city sub-blocks of 3-4 tuples are kept; "mail"/"com" (in every tuple) are never
    # combined, so no sub-block is itself oversized
    assert cand.stats["sub_blocks"] == 120 and cand.stats["sub_blocks_oversized"] == 0


def test_sub_blocks_that_are_still_oversized_are_skipped_and_counted():
    tuples, _ = _common_keys_lake()
    cand = TokenBlocker(max_block_size=5, sub_block_keys=6, sub_block_max_fraction=1.0,
                        shared_k=0).candidates(tuples)
    # now "mail"/"com" pair with everything: mail×com (400), first×mail (10), city×com (13) ...
    assert cand.stats["sub_blocks_oversized"] > 0
    assert cand.frame.height < 400 * 399 / 2 / 20


def test_duckdb_settings_are_applied_and_bad_settings_rejected():
    import pytest

    from tablefuse.block import make_blocker
    from tablefuse.config import BlockConfig
    from tablefuse.errors import ConfigError

    tuples, truth = _common_keys_lake()
    base = TokenBlocker(max_block_size=5).candidates(tuples).frame
    limited = make_blocker(BlockConfig(method="token", max_block_size=5, duckdb_threads=1,
                                       duckdb_memory_limit="512MB")).candidates(tuples).frame
    assert limited.equals(base)
    with pytest.raises(ConfigError, match="memory_limit"):
        TokenBlocker(memory_limit="lots'; DROP").candidates(tuples)
    with pytest.raises(ConfigError, match="shared_mode"):
        TokenBlocker(shared_mode="sometimes").candidates(tuples)


def test_shared_neighbour_completion_runs_on_single_source_lakes_unless_forced():
    tuples, group = _big_entity_lake()
    frame = tuples.frame.with_columns(
        source=pl.when(pl.col("tid") % 2 == 0).then(pl.lit("a.csv")).otherwise(pl.lit("b.csv")))
    two = type(tuples)(frame, tuples.attributes)
    auto = TokenBlocker(top_k=5, shared_k=30, min_shared=5).candidates(two)
    forced = TokenBlocker(top_k=5, shared_k=30, min_shared=5, shared_mode="always").candidates(two)
    assert "several sources" in auto.stats["shared_skipped"] and auto.stats["shared_pairs"] == 0
    assert forced.stats["shared_pairs"] > 0
    assert len(pairs_of(forced.frame) & group) > len(pairs_of(auto.frame) & group)
