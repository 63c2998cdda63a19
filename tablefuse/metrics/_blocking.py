"""Blocking quality: how many true pairs survive blocking, and how much work it saves."""
from __future__ import annotations

import polars as pl

_PAIR = {"tid_a": pl.Int64, "tid_b": pl.Int64}


def _ordered(pairs: pl.DataFrame) -> pl.DataFrame:
    """Unique (tid_a < tid_b) pairs, so a pair given either way round counts once."""
    a = pl.col("tid_a").cast(pl.Int64)
    b = pl.col("tid_b").cast(pl.Int64)
    return (pairs.select(pl.min_horizontal(a, b).alias("tid_a"), pl.max_horizontal(a, b).alias("tid_b"))
            .filter(pl.col("tid_a") != pl.col("tid_b"))
            .unique())


def pair_completeness(candidates: pl.DataFrame, true_pairs: pl.DataFrame) -> float:
    """Share of true pairs that are among the candidates (recall of blocking).

    Pairs are (tid_a, tid_b) in either order; with no true pairs the answer is 1.0.

    >>> c = pl.DataFrame({"tid_a": [0, 1], "tid_b": [1, 2]})
    >>> t = pl.DataFrame({"tid_a": [1, 0], "tid_b": [0, 3]})
    >>> pair_completeness(c, t)
    0.5
    """
    truth = _ordered(true_pairs.select("tid_a", "tid_b"))
    if truth.height == 0:
        return 1.0
    found = truth.join(_ordered(candidates.select("tid_a", "tid_b")), on=["tid_a", "tid_b"], how="semi")
    return found.height / truth.height


def reduction_ratio(n_candidates: int, n_tuples: int, n_pairs: int | None = None) -> float:
    """1 - candidates / all pairs, where all pairs is n(n-1)/2 unless ``n_pairs`` is given
    (e.g. |A|·|B| for a clean-clean task). With fewer than two tuples the answer is 1.0.

    >>> round(reduction_ratio(45, 100), 4)
    0.9909
    """
    total = n_pairs if n_pairs is not None else n_tuples * (n_tuples - 1) // 2
    if total <= 0:
        return 1.0
    return 1.0 - n_candidates / total
