"""Discover: turn judged pairs into integrable sets (every tuple in exactly one set).

A discoverer has ``fit_predict(tuples, scored) -> Membership``, ``settle(tuples)`` (a copy with
its lake-wide choices made, so parts of the lake can be discovered apart) and ``min_score`` (the
lowest score it may join besides integrable pairs; None: integrable pairs only).
``make_discoverer(config)`` builds the one named by ``config.method``.
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..config import DiscoverConfig
from ..errors import ConfigError
from ..frames import Membership, ScoredPairs, TupleTable
from ._cliques import MaximalCliques
from ._community import LabelPropagation, Leiden, LeidenModularity, Louvain
from ._components import ConnectedComponents
from ._graph import canonical_labels
from ._sources import UNIQUE_SOURCE_MODES


@runtime_checkable
class Discoverer(Protocol):
    min_score: float | None

    def fit_predict(self, tuples: TupleTable, scored: ScoredPairs) -> Membership: ...

    def settle(self, tuples: TupleTable) -> Discoverer: ...


DISCOVERERS = {"leiden": Leiden, "leiden_modularity": LeidenModularity, "louvain": Louvain,
               "components": ConnectedComponents, "cliques": MaximalCliques,
               "label_propagation": LabelPropagation}


def make_discoverer(config: DiscoverConfig) -> Discoverer:
    try:
        cls = DISCOVERERS[config.method]
    except KeyError:
        raise ConfigError(f"discover.method {config.method!r} unknown; choose from {sorted(DISCOVERERS)}") from None
    return cls.from_config(config)


__all__ = ["DISCOVERERS", "ConnectedComponents", "Discoverer", "LabelPropagation", "Leiden",
           "LeidenModularity", "Louvain", "MaximalCliques", "UNIQUE_SOURCE_MODES", "canonical_labels",
           "make_discoverer"]
