"""Quality of pairs and sets against the truth: pairwise P/R/F1, set similarity, ARI.

Set metrics work from the contingency table (predicted set x true entity counts), never from
materialised pairs, so they scale to millions of tuples. A tuple missing from one side counts
as a singleton there: an unlabeled tuple is its own entity, an unassigned tuple its own set.

Zero-division convention: precision is 1.0 when nothing is predicted (no false positives),
recall is 1.0 when there is nothing to find; F1 is 0.0 when both are 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl


@dataclass(frozen=True)
class PRF:
    """Precision, recall, F1 and the counts they come from."""

    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int

    @classmethod
    def from_counts(cls, tp: int, fp: int, fn: int) -> PRF:
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision, recall, f1, int(tp), int(fp), int(fn))


def _norm_pairs(pairs: pl.DataFrame) -> pl.DataFrame:
    a, b = pl.col("tid_a"), pl.col("tid_b")
    return (pairs.select(pl.min_horizontal(a, b).alias("tid_a"), pl.max_horizontal(a, b).alias("tid_b"))
            .filter(pl.col("tid_a") != pl.col("tid_b")).unique())


def pairs_from_sets(sets: pl.DataFrame) -> pl.DataFrame:
    """All pairs (tid_a < tid_b) inside each set of a (tid, set_id) frame.

    Quadratic in set size: for metrics use ``set_pair_prf``, which never builds the pairs.

    >>> pairs_from_sets(pl.DataFrame({"tid": [1, 2, 3], "set_id": [0, 0, 1]})).rows()
    [(1, 2)]
    """
    s = sets.select(pl.col("tid").cast(pl.Int64), "set_id")
    out = (s.join(s, on="set_id", suffix="_b").filter(pl.col("tid") < pl.col("tid_b"))
           .select(pl.col("tid").alias("tid_a"), "tid_b").sort("tid_a", "tid_b"))
    return out


def pair_prf(predicted_pairs: pl.DataFrame, true_pairs: pl.DataFrame) -> PRF:
    """Pairwise P/R/F1 of two pair frames (order inside a pair and duplicates do not matter).

    >>> pair_prf(pl.DataFrame({"tid_a": [1, 1], "tid_b": [2, 3]}),
    ...          pl.DataFrame({"tid_a": [1], "tid_b": [2]})).precision
    0.5
    """
    pred = _norm_pairs(predicted_pairs)
    true = _norm_pairs(true_pairs)
    tp = pred.join(true, on=["tid_a", "tid_b"], how="inner").height
    return PRF.from_counts(tp, pred.height - tp, true.height - tp)


@dataclass(frozen=True)
class _Contingency:
    n: int
    pred_sizes: np.ndarray  # size of each predicted set
    true_sizes: np.ndarray  # size of each true entity
    row: np.ndarray  # predicted-set index of each nonzero cell
    col: np.ndarray  # true-entity index of each nonzero cell
    count: np.ndarray  # tuples in both


def _codes(frame: pl.DataFrame, label: str, out: str) -> pl.DataFrame:
    return frame.select(pl.col("tid").cast(pl.Int64), pl.col(label).alias(out))


def _contingency(pred: pl.DataFrame, truth: pl.DataFrame) -> _Contingency:
    """Outer join on tid; a tuple absent from one side gets its own label there."""
    p = _codes(pred, "set_id", "p")
    t = _codes(truth, "entity", "t")
    if p["tid"].n_unique() != p.height or t["tid"].n_unique() != t.height:
        raise ValueError("each tid must appear once in the sets and once in the truth")
    joined = p.join(t, on="tid", how="full", coalesce=True)
    # dense integer codes; nulls (missing on that side) become singleton codes.
    p_code = pl.col("p").rank("dense").cast(pl.Int64) - 1
    t_code = pl.col("t").rank("dense").cast(pl.Int64) - 1
    joined = joined.with_columns(p_code.alias("pc"), t_code.alias("tc"))
    pc_max, tc_max = joined["pc"].max(), joined["tc"].max()  # Int64 columns: an int, or None when empty
    p_max = (pc_max if isinstance(pc_max, int) else 0) + 1
    t_max = (tc_max if isinstance(tc_max, int) else 0) + 1
    idx = pl.int_range(pl.len(), dtype=pl.Int64)
    joined = joined.with_columns(
        pl.when(pl.col("pc").is_null()).then(p_max + idx).otherwise(pl.col("pc")).alias("pc"),
        pl.when(pl.col("tc").is_null()).then(t_max + idx).otherwise(pl.col("tc")).alias("tc"),
    ).with_columns(pl.col("pc").rank("dense").cast(pl.Int64) - 1, pl.col("tc").rank("dense").cast(pl.Int64) - 1)
    cells = joined.group_by("pc", "tc").len()
    pred_sizes = joined.group_by("pc").len().sort("pc")["len"].to_numpy().astype(np.int64)
    true_sizes = joined.group_by("tc").len().sort("tc")["len"].to_numpy().astype(np.int64)
    return _Contingency(joined.height, pred_sizes, true_sizes, cells["pc"].to_numpy().astype(np.int64),
                        cells["tc"].to_numpy().astype(np.int64), cells["len"].to_numpy().astype(np.int64))


def _comb2(x: np.ndarray) -> int:
    """Sum of C(x, 2), exact (Python int) so 1M-tuple sets cannot overflow."""
    return int((x * (x - 1) // 2).sum(dtype=np.int64))


def set_pair_prf(pred: pl.DataFrame, truth: pl.DataFrame) -> PRF:
    """Pairwise P/R/F1 of the pairs implied by sets (tid, set_id) vs entities (tid, entity).

    >>> set_pair_prf(pl.DataFrame({"tid": [1, 2, 3], "set_id": [0, 0, 0]}),
    ...              pl.DataFrame({"tid": [1, 2, 3], "entity": ["x", "x", "y"]})).tp
    1
    """
    c = _contingency(pred, truth)
    tp = _comb2(c.count)
    return PRF.from_counts(tp, _comb2(c.pred_sizes) - tp, _comb2(c.true_sizes) - tp)


def adjusted_rand_index(pred: pl.DataFrame, truth: pl.DataFrame) -> float:
    """Adjusted Rand index (Hubert & Arabie), equal to sklearn's ``adjusted_rand_score``.

    Uses the pair confusion matrix, like sklearn, with exact integer arithmetic; 1.0 when both
    partitions agree on every pair (including the all-singletons corner case).
    """
    c = _contingency(pred, truth)
    tp = _comb2(c.count)
    fp = _comb2(c.pred_sizes) - tp
    fn = _comb2(c.true_sizes) - tp
    tn = c.n * (c.n - 1) // 2 - tp - fp - fn
    if fp == 0 and fn == 0:
        return 1.0
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))


_DENSE_LIMIT = 250_000  # cells; larger overlap blocks use the sparse matching


def set_similarity(pred: pl.DataFrame, truth: pl.DataFrame) -> float:
    """Sum of Jaccard over an optimal one-to-one matching of predicted and true sets, / max(#sets).

    Only overlapping sets have Jaccard > 0, so the matching splits into the connected blocks of
    the overlap graph; 1x1 blocks (the common case) and one-sided blocks are solved in closed
    form, small blocks by ``linear_sum_assignment``, large ones by a sparse min-cost matching.
    Singletons are sets too. 1.0 iff the partitions are identical.

    >>> set_similarity(pl.DataFrame({"tid": [1, 2, 3], "set_id": [0, 0, 0]}),
    ...                pl.DataFrame({"tid": [1, 2, 3], "entity": ["x", "x", "y"]}))
    0.3333333333333333
    """
    c = _contingency(pred, truth)
    n_pred, n_true = c.pred_sizes.size, c.true_sizes.size
    if max(n_pred, n_true) == 0:
        return 1.0
    jac = c.count / (c.pred_sizes[c.row] + c.true_sizes[c.col] - c.count)
    return _max_matching(c.row, c.col, jac, n_pred, n_true) / max(n_pred, n_true)


def _max_matching(row: np.ndarray, col: np.ndarray, w: np.ndarray, n_row: int, n_col: int) -> float:
    """Weight of a maximum-weight (not necessarily perfect) bipartite matching, block by block."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nodes = n_row + n_col
    graph = coo_matrix((np.ones(row.size, dtype=np.int8), (row, col + n_row)), shape=(nodes, nodes))
    _, label = connected_components(graph, directed=False)
    block = label[row]
    rows_per = np.bincount(label[:n_row], minlength=label.max() + 1)
    cols_per = np.bincount(label[n_row:], minlength=label.max() + 1)
    easy = (rows_per[block] == 1) | (cols_per[block] == 1)
    total = 0.0
    if easy.any():  # one side has a single set: the best single edge of the block
        best = np.zeros(label.max() + 1)
        np.maximum.at(best, block[easy], w[easy])
        total += float(best.sum())
    hard = ~easy
    if hard.any():
        order = np.argsort(block[hard], kind="stable")
        hb, hr, hc, hw = block[hard][order], row[hard][order], col[hard][order], w[hard][order]
        cuts = np.flatnonzero(np.diff(hb)) + 1
        for r, c_, ww in zip(np.split(hr, cuts), np.split(hc, cuts), np.split(hw, cuts)):
            total += _block_matching(r, c_, ww)
    return total


def _block_matching(row: np.ndarray, col: np.ndarray, w: np.ndarray) -> float:
    from scipy.optimize import linear_sum_assignment

    ur, ri = np.unique(row, return_inverse=True)
    uc, ci = np.unique(col, return_inverse=True)
    if ur.size * uc.size <= _DENSE_LIMIT:
        dense = np.zeros((ur.size, uc.size))
        dense[ri, ci] = w
        r, c = linear_sum_assignment(dense, maximize=True)
        return float(dense[r, c].sum())
    return _sparse_matching(ri, ci, w, ur.size, uc.size)


def _sparse_matching(row: np.ndarray, col: np.ndarray, w: np.ndarray, m: int, n: int) -> float:
    """Max-weight matching as a min-cost perfect matching of the doubled graph (stays sparse).

    Left = rows + copies of columns, right = columns + copies of rows. Real edge (r, c) and its
    mirror (c', r') let r-c be matched; (r, r') and (c', c) leave a node unmatched. Every perfect
    matching has m + n edges, so shifting all costs by a constant (to keep them positive, as
    explicit zeros would read as missing edges) does not change the optimum.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    k = 2.0
    ar_m, ar_n = np.arange(m), np.arange(n)
    left = np.concatenate([row, m + col, ar_m, m + ar_n])
    right = np.concatenate([col, n + row, n + ar_m, ar_n])
    cost = np.concatenate([k - w, np.full(row.size, k), np.full(m + n, k)])
    graph = coo_matrix((cost, (left, right)), shape=(m + n, n + m)).tocsr()
    r, c = min_weight_full_bipartite_matching(graph)
    matched_cost = np.asarray(graph[r, c]).ravel()
    return float((k * (m + n)) - matched_cost.sum())
