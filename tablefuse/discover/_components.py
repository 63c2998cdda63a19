"""Connected components of the integrable-pair graph: the transitive-closure baseline.

Cheap and parameter-free, but one wrong edge merges two entities, which is why the community
methods exist. Set ids are numbered by each set's smallest tid, so output is deterministic.
The post-check applies only when ``split_below`` is set (off by default: the raw closure).
"""
from __future__ import annotations

import numpy as np

from ._base import GraphDiscoverer, Note
from ._graph import EdgeList, component_labels


class ConnectedComponents(GraphDiscoverer):
    """Every connected component of kept edges is one set; isolated tuples are singletons.

    >>> ConnectedComponents(min_score=0.8).fit_predict(tuples, scored)  # doctest: +SKIP
    """

    uses_rng = False

    def _labels(self, edges: EdgeList, notes: list[Note]) -> np.ndarray:
        return component_labels(edges.n, edges.src, edges.dst)
