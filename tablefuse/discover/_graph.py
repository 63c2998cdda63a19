"""Shared plumbing for discoverers: kept edges as dense-index arrays, and canonical set ids.

Every discoverer works on dense node indices ``0..n-1`` (position of a tid in ascending tid
order) so results never depend on how tids are numbered or on the order of the pair frame.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ..errors import ContractError
from ..frames import Membership, ScoredPairs, TupleTable


@dataclass(frozen=True)
class EdgeList:
    """The tuple graph: ``tids`` ascending; edges ``(src[k], dst[k])`` with ``src < dst``.

    ``weight`` is the judged score of each kept edge. ``low_*`` hold the pairs judged clearly
    non-integrable (score below ``split_below``), for the post-check; empty when not asked for.
    """

    tids: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    low_src: np.ndarray
    low_dst: np.ndarray

    @property
    def n(self) -> int:
        return int(self.tids.shape[0])


def build_edges(tuples: TupleTable, scored: ScoredPairs, min_score: float | None,
                split_below: float | None = None) -> EdgeList:
    """Keep integrable pairs (or ``score >= min_score`` when set) as weighted edges.

    Pairs naming a tid that is not in ``tuples`` are a contract breach, so they raise.
    """
    tids = np.sort(tuples.frame["tid"].cast(pl.Int64).to_numpy())
    frame = scored.frame
    empty = np.zeros(0, dtype=np.int64)
    if frame.height == 0:
        return EdgeList(tids, empty, empty, np.zeros(0), empty, empty)
    raw_a = frame["tid_a"].cast(pl.Int64).to_numpy()
    raw_b = frame["tid_b"].cast(pl.Int64).to_numpy()
    if tids.size == 0:
        raise ContractError("scored pairs name tids that are not in the tuple table")
    a = np.minimum(np.searchsorted(tids, raw_a), tids.size - 1)
    b = np.minimum(np.searchsorted(tids, raw_b), tids.size - 1)
    if not ((tids[a] == raw_a).all() and (tids[b] == raw_b).all()):
        raise ContractError("scored pairs name tids that are not in the tuple table")
    score = frame["score"].cast(pl.Float64).fill_null(0.0).to_numpy()
    if min_score is None:
        keep = frame["integrable"].fill_null(False).to_numpy().astype(bool)
    else:
        keep = score >= min_score
    if split_below is not None:
        low = score < split_below
        low_src, low_dst = a[low].astype(np.int64), b[low].astype(np.int64)
    else:
        low_src, low_dst = empty, empty
    src, dst = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    return EdgeList(tids, src.astype(np.int64), dst.astype(np.int64), score[keep], low_src, low_dst)


def component_labels(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Connected-component label of every node (scipy: linear time, no Python loop)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if n == 0:
        return np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def canonical_labels(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 0..k-1 in order of each set's smallest node (= smallest tid).

    Makes set ids independent of the algorithm's arbitrary numbering, hence deterministic.
    """
    if labels.size == 0:
        return labels.astype(np.int64)
    uniq, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(uniq.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(uniq.size, dtype=np.int64)
    return rank[inverse.reshape(-1)]


def to_membership(tids: np.ndarray, labels: np.ndarray, notes: pl.DataFrame | None = None) -> Membership:
    """A ``Membership`` with canonical set ids (``tids`` must be ascending)."""
    set_id = canonical_labels(labels)
    frame = pl.DataFrame({"tid": pl.Series(tids, dtype=pl.Int64),
                          "set_id": pl.Series(set_id, dtype=pl.Int64)})
    return Membership(frame, notes)
