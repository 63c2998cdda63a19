"""Set and pair metrics against hand-computed values (and sklearn / brute force where cheap)."""
from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from tablefuse.metrics import PRF, adjusted_rand_index, pair_prf, pairs_from_sets, set_pair_prf, set_similarity


def _sets(groups: list[list[int]]) -> pl.DataFrame:
    return pl.DataFrame({"tid": [t for g in groups for t in g],
                         "set_id": [i for i, g in enumerate(groups) for _ in g]})


def _truth(groups: list[list[int]]) -> pl.DataFrame:
    return pl.DataFrame({"tid": [t for g in groups for t in g],
                         "entity": [f"e{i}" for i, g in enumerate(groups) for _ in g]})


# pred {1,2,3} {4,5} {6}; truth {1,2} {3,4,5} {6}
PRED = _sets([[1, 2, 3], [4, 5], [6]])
TRUTH = _truth([[1, 2], [3, 4, 5], [6]])


def test_pairs_from_sets_lists_every_pair_once() -> None:
    assert pairs_from_sets(PRED).rows() == [(1, 2), (1, 3), (2, 3), (4, 5)]


def test_pair_prf_ignores_order_and_duplicates() -> None:
    pred = pl.DataFrame({"tid_a": [2, 1, 1, 4], "tid_b": [1, 2, 3, 5]})
    true = pl.DataFrame({"tid_a": [1, 4, 3], "tid_b": [2, 5, 4]})
    # pred {12, 13, 45}; true {12, 45, 34}: tp 2, fp 1, fn 1
    assert pair_prf(pred, true) == PRF(2 / 3, 2 / 3, 2 / 3, 2, 1, 1)


def test_prf_zero_division_convention() -> None:
    empty = pl.DataFrame(schema={"tid_a": pl.Int64, "tid_b": pl.Int64})
    assert pair_prf(empty, empty) == PRF(1.0, 1.0, 1.0, 0, 0, 0)
    one = pl.DataFrame({"tid_a": [1], "tid_b": [2]})
    assert pair_prf(empty, one) == PRF(1.0, 0.0, 0.0, 0, 0, 1)
    assert pair_prf(one, empty) == PRF(0.0, 1.0, 0.0, 0, 1, 0)


def test_set_pair_prf_by_hand() -> None:
    # pred pairs 12 13 23 45; true pairs 12 34 35 45: tp 2, fp 2, fn 2
    assert set_pair_prf(PRED, TRUTH) == PRF(0.5, 0.5, 0.5, 2, 2, 2)
    assert set_pair_prf(PRED, TRUTH) == pair_prf(pairs_from_sets(PRED),
                                                 pairs_from_sets(TRUTH.rename({"entity": "set_id"})))


def test_missing_tids_are_singletons() -> None:
    pred = _sets([[1, 2, 7]])  # tid 7 unknown to the truth: its own entity
    truth = _truth([[1, 2], [3]])  # tid 3 not predicted: its own set
    assert set_pair_prf(pred, truth) == PRF(1 / 3, 1.0, 0.5, 1, 2, 0)


def test_adjusted_rand_index_by_hand() -> None:
    # index = 2, sum_a = 4, sum_b = 4, C(6,2) = 15: (2 - 16/15) / (4 - 16/15) = 14/44
    assert adjusted_rand_index(PRED, TRUTH) == pytest.approx(14 / 44)
    assert adjusted_rand_index(PRED, PRED.rename({"set_id": "entity"})) == 1.0
    singletons = _sets([[1], [2], [3]])
    assert adjusted_rand_index(singletons, _truth([[1], [2], [3]])) == 1.0


def test_adjusted_rand_index_matches_sklearn() -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(2, 60))
        p, t = rng.integers(0, 8, n), rng.integers(0, 5, n)
        pred = pl.DataFrame({"tid": np.arange(n), "set_id": p})
        truth = pl.DataFrame({"tid": np.arange(n), "entity": t})
        assert adjusted_rand_index(pred, truth) == pytest.approx(sklearn_metrics.adjusted_rand_score(t, p))


def test_set_similarity_by_hand() -> None:
    # Jaccard P0-T0 2/3, P0-T1 1/5, P1-T1 2/3, P2-T2 1: best matching 2/3 + 2/3 + 1 over 3 sets
    assert set_similarity(PRED, TRUTH) == pytest.approx(7 / 9)
    assert set_similarity(PRED, PRED.rename({"set_id": "entity"})) == 1.0
    # one big set against two true sets: only one can be matched; divide by the larger count (2)
    assert set_similarity(_sets([[1, 2, 3, 4]]), _truth([[1, 2, 3], [4]])) == pytest.approx(0.75 / 2)


def _brute_force(pred: pl.DataFrame, truth: pl.DataFrame) -> float:
    ps = [set(g["tid"]) for _, g in pred.group_by("set_id")]
    ts = [set(g["tid"]) for _, g in truth.group_by("entity")]
    jac = np.array([[len(a & b) / len(a | b) for b in ts] for a in ps])
    small, big = (jac, len(ts)) if len(ps) <= len(ts) else (jac.T, len(ps))
    best = max(sum(small[i, perm[i]] for i in range(small.shape[0]))
               for perm in itertools.permutations(range(small.shape[1]), small.shape[0]))
    return best / big


def test_set_similarity_is_the_optimal_matching() -> None:
    rng = np.random.default_rng(1)
    for _ in range(15):
        n = 9
        pred = pl.DataFrame({"tid": np.arange(n), "set_id": rng.integers(0, 4, n)})
        truth = pl.DataFrame({"tid": np.arange(n), "entity": rng.integers(0, 4, n)})
        assert set_similarity(pred, truth) == pytest.approx(_brute_force(pred, truth))


def test_set_similarity_sparse_path_equals_dense(monkeypatch: pytest.MonkeyPatch) -> None:
    import tablefuse.metrics._sets as sets_module

    rng = np.random.default_rng(2)
    n = 400
    pred = pl.DataFrame({"tid": np.arange(n), "set_id": rng.integers(0, 60, n)})
    truth = pl.DataFrame({"tid": np.arange(n), "entity": rng.integers(0, 80, n)})
    dense = set_similarity(pred, truth)
    monkeypatch.setattr(sets_module, "_DENSE_LIMIT", 0)
    assert set_similarity(pred, truth) == pytest.approx(dense)
