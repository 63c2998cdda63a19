"""Shared plumbing for discoverers: kept edges as dense-index arrays, and canonical set ids.

Every discoverer works on dense node indices ``0..n-1`` (position of a tid in ascending tid
order) so results never depend on how tids are numbered or on the order of the pair frame.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from ..errors import ContractError
from ..frames import Membership, ScoredPairs, TupleTable

if TYPE_CHECKING:
    import igraph

# Default CPM resolution as a fraction of the score scale (the judge's threshold, or min_score).
# Default leiden charges it per judged integrable pair (a pair adds score - 0.4 x threshold);
# classic CPM (pair_penalty=None) per node pair: a tuple joins a set when its scores to the set
# exceed 0.4 x threshold x the set's size, i.e. links at threshold strength to 40% of the set.
# Relative, because judges put their thresholds anywhere (0.25 ... 0.9) and an absolute 0.5
# would forbid sets joined by integrable scores below 0.5. Chosen by measurement: benchmarks/results/discovery.md.
RELATIVE_RESOLUTION = 0.4
LEIDEN_ITERATIONS = 2  # default passes; -1 (until stable) was 30x slower on a 100k-node graph


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
    low_score: np.ndarray

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
        return EdgeList(tids, empty, empty, np.zeros(0), empty, empty, np.zeros(0))
    raw_a = frame["tid_a"].cast(pl.Int64).to_numpy()
    raw_b = frame["tid_b"].cast(pl.Int64).to_numpy()
    if tids.size == 0:
        raise ContractError("scored pairs name tids that are not in the tuple table")
    a, b = _positions(tids, raw_a), _positions(tids, raw_b)
    if not ((tids[a] == raw_a).all() and (tids[b] == raw_b).all()):
        raise ContractError("scored pairs name tids that are not in the tuple table")
    score = frame["score"].cast(pl.Float64).fill_null(0.0).to_numpy()
    if min_score is None:
        keep = frame["integrable"].fill_null(False).to_numpy().astype(bool)
    else:
        keep = score >= min_score
    if split_below is not None:
        low = score < split_below
        low_src, low_dst, low_score = a[low].astype(np.int64), b[low].astype(np.int64), score[low]
    else:
        low_src, low_dst, low_score = empty, empty, np.zeros(0)
    src, dst = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    return EdgeList(tids, src.astype(np.int64), dst.astype(np.int64), score[keep], low_src, low_dst,
                    low_score)


def _positions(tids: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Index of each value in ascending ``tids`` (clipped; the caller checks membership).

    Contiguous tids (the usual 0..n-1) map by subtraction: 15x faster than a binary search.
    """
    if tids[-1] - tids[0] == tids.size - 1:
        return np.clip(values - tids[0], 0, tids.size - 1)
    return np.minimum(np.searchsorted(tids, values), tids.size - 1)


class SetSlices:
    """Each set's member nodes and the edges inside it, cut from one sort of each.

    ``edge_order`` limits and orders the edges considered (default: every edge, in list order);
    a set's edges keep that order (the grouping sort is stable).
    """

    def __init__(self, edges: EdgeList, labels: np.ndarray, edge_order: np.ndarray | None = None):
        self.node_order = np.argsort(labels, kind="stable")
        self.sorted_labels = labels[self.node_order]
        pool = np.arange(edges.src.size) if edge_order is None else edge_order
        inside = pool[labels[edges.src[pool]] == labels[edges.dst[pool]]]
        self.inside = inside[np.argsort(labels[edges.src[inside]], kind="stable")]
        self.inside_labels = labels[edges.src[self.inside]]

    def members(self, label: int) -> np.ndarray:
        """Nodes of set ``label``, ascending."""
        return self.node_order[np.searchsorted(self.sorted_labels, label):
                               np.searchsorted(self.sorted_labels, label, side="right")]

    def edges(self, label: int) -> np.ndarray:
        """Indices (into the edge list) of the edges inside set ``label``."""
        return self.inside[np.searchsorted(self.inside_labels, label):
                           np.searchsorted(self.inside_labels, label, side="right")]


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


@contextmanager
def seeded_igraph(seed: int) -> Iterator[random.Random]:
    """igraph draws from the yielded ``random.Random(seed)`` inside the block (reseed it before
    each component for locality); igraph's default generator (the ``random`` module) is
    restored after, so the global ``random`` state is neither read nor changed."""
    import igraph

    rng = random.Random(seed)
    igraph.set_random_number_generator(rng)
    try:
        yield rng
    finally:
        igraph.set_random_number_generator(random)


def make_graph(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> igraph.Graph:
    """An undirected igraph graph on ``0..n-1`` with edge attribute ``weight``."""
    import igraph

    graph = igraph.Graph(n=n, directed=False)
    graph.add_edges(np.column_stack([src, dst]))  # 3x faster than Graph(edges=...) for big graphs
    graph.es["weight"] = np.asarray(weight, dtype=np.float64)
    return graph


def leiden_cpm(graph: igraph.Graph, resolution: float, iterations: int = LEIDEN_ITERATIONS) -> list[int]:
    """Leiden with the CPM objective on edge ``weight`` (igraph's C implementation)."""
    part = graph.community_leiden(objective_function="CPM", weights="weight", resolution=resolution,
                                  beta=0.01, n_iterations=iterations)
    return list(part.membership)
