"""Pair completeness and reduction ratio on hand-computed values."""
from __future__ import annotations

import polars as pl
import pytest

from tablefuse.metrics import pair_completeness, reduction_ratio


def _pairs(rows):
    return pl.DataFrame({"tid_a": [a for a, _ in rows], "tid_b": [b for _, b in rows]},
                        schema={"tid_a": pl.Int64, "tid_b": pl.Int64})


def test_pair_completeness_counts_true_pairs_found_in_either_order():
    cand = _pairs([(0, 1), (2, 3), (4, 5), (1, 9)])
    truth = _pairs([(1, 0), (3, 2), (6, 7), (8, 9)])
    assert pair_completeness(cand, truth) == 0.5
    assert pair_completeness(cand, _pairs([(0, 1), (0, 1)])) == 1.0  # duplicates count once
    assert pair_completeness(_pairs([]), truth) == 0.0
    assert pair_completeness(cand, _pairs([])) == 1.0


def test_reduction_ratio_against_all_pairs_or_a_given_total():
    assert reduction_ratio(0, 10) == 1.0
    assert reduction_ratio(45, 10) == 0.0
    assert reduction_ratio(9, 10) == pytest.approx(0.8)
    assert reduction_ratio(5, 10, n_pairs=25) == pytest.approx(0.8)  # |A|·|B| = 5·5
    assert reduction_ratio(0, 1) == 1.0
