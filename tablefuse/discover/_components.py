"""Connected components of the integrable-pair graph: the transitive-closure baseline.

Cheap and parameter-free, but one wrong edge merges two entities, which is why the community
methods exist. Set ids are numbered by each set's smallest tid, so output is deterministic.
"""
from __future__ import annotations

from ..config import DiscoverConfig
from ..frames import Membership, ScoredPairs, TupleTable
from ._graph import build_edges, component_labels, to_membership


class ConnectedComponents:
    """Every connected component of kept edges is one set; isolated tuples are singletons.

    >>> ConnectedComponents(min_score=0.8).fit_predict(tuples, scored)  # doctest: +SKIP
    """

    def __init__(self, min_score: float | None = None):
        self.min_score = min_score

    @classmethod
    def from_config(cls, config: DiscoverConfig) -> ConnectedComponents:
        return cls(min_score=config.min_score)

    def fit_predict(self, tuples: TupleTable, scored: ScoredPairs) -> Membership:
        edges = build_edges(tuples, scored, self.min_score)
        labels = component_labels(edges.n, edges.src, edges.dst)
        return to_membership(edges.tids, labels)
