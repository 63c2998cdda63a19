"""Per-component dispatch shared by every graph discoverer.

The tuple graph is split into connected components once (scipy, linear time); each component
of three or more tuples is handed to the method on its own igraph graph, so cost follows the
component sizes and a component's result never depends on the rest of the graph. Components of
one or two tuples are already final (an isolated tuple, or one integrable pair) and skip the
algorithm. Afterwards the post-check (when ``split_below`` is set) splits sets holding a clearly
non-integrable pair.

Randomised igraph methods are seeded per component: igraph draws from a Python generator that
we swap in (``random.Random(seed)``, reseeded before each component) and swap back to the
default (the ``random`` module) afterwards, so the global ``random`` state is never touched.
igraph has no getter for its generator, so a caller who installed a custom one gets the default
back; and two threads running discovery at once would share igraph's generator (results stay
valid, not reproducible).
"""
from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from ..config import DiscoverConfig
from ..errors import ConfigError
from ..frames import Membership, ScoredPairs, TupleTable
from ._graph import (
    LEIDEN_ITERATIONS,
    RELATIVE_RESOLUTION,
    EdgeList,
    build_edges,
    component_labels,
    make_graph,
    seeded_igraph,
    to_membership,
)
from ._postcheck import RULES, notes_frame, split_conflicts
from ._sources import UNIQUE_SOURCE_MODES, regroup_same_source

POSTCHECK_MODES = ("auto", "always", "never")  # auto: lakes of several sources only (see _split_below)

if TYPE_CHECKING:
    import igraph

Note = tuple[int, str]  # (a node of the set the note is about, text)


class GraphDiscoverer:
    """Base: subclasses implement ``_partition`` for one connected component.

    Constructor parameters are stored unchanged (scikit-learn style); ``from_config`` maps
    the ``[discover]`` section onto them.
    """

    uses_rng = True
    resolution_is_cpm = True  # False where ``resolution`` is a modularity resolution

    def __init__(self, min_score: float | None = None, seed: int = 0, resolution: float | None = None,
                 split_below: float | None = 0.1, max_clique_component: int = 300,
                 iterations: int = LEIDEN_ITERATIONS, split_rule: str = "cheaper",
                 pair_penalty: float | None = 0.02, postcheck: str = "never",
                 unique_sources: str | tuple[str, ...] = "auto"):
        self.min_score = min_score
        self.seed = seed
        self.resolution = resolution
        self.split_below = split_below
        self.max_clique_component = max_clique_component
        self.iterations = iterations
        self.split_rule = split_rule
        self.pair_penalty = pair_penalty
        self.postcheck = postcheck
        self.unique_sources = unique_sources

    @classmethod
    def from_config(cls, config: DiscoverConfig) -> Any:
        return cls(min_score=config.min_score, seed=config.seed, resolution=config.resolution,
                   split_below=config.split_below, max_clique_component=config.max_clique_component,
                   iterations=config.iterations, split_rule=config.split_rule, pair_penalty=config.pair_penalty,
                   postcheck=config.postcheck, unique_sources=config.unique_sources)

    @property
    def cpm_resolution(self) -> float:
        """The CPM resolution of the last ``fit_predict`` (Leiden and the post-check)."""
        return self.resolution_ if hasattr(self, "resolution_") else self._resolve_resolution(None)

    def _resolve_resolution(self, scored: ScoredPairs | None) -> float:
        """``resolution`` when set, else RELATIVE_RESOLUTION x the score scale (min_score or
        the judge's threshold; 0.5 when neither is known)."""
        if self.resolution is not None and self.resolution_is_cpm:
            return self.resolution
        scale = self.min_score if self.min_score is not None else (scored.threshold if scored else 0.5)
        return RELATIVE_RESOLUTION * min(max(scale, 1e-6), 1.0)

    def _partition(self, graph: igraph.Graph, notes: list[str]) -> list[int]:
        """Community label of each vertex of one connected component (3+ vertices).

        Append to ``notes`` to explain something about every set of this component.
        """
        raise NotImplementedError

    def _check_params(self) -> None:
        if self.resolution is not None and not self.resolution > 0:
            raise ConfigError(f"discover.resolution must be > 0, got {self.resolution}")
        if self.split_below is not None and not 0.0 <= self.split_below <= 1.0:
            raise ConfigError(f"discover.split_below must lie in [0, 1] or be unset, got {self.split_below}")
        if self.pair_penalty is not None and not 0.0 <= self.pair_penalty <= 1.0:
            raise ConfigError(f"discover.pair_penalty must lie in [0, 1] or be unset, got {self.pair_penalty}")
        if self.postcheck not in POSTCHECK_MODES:
            raise ConfigError(f"discover.postcheck must be one of {POSTCHECK_MODES}, got {self.postcheck!r}")
        if self.split_rule not in RULES:
            raise ConfigError(f"discover.split_rule must be one of {RULES}, got {self.split_rule!r}")
        if isinstance(self.unique_sources, str) and self.unique_sources not in UNIQUE_SOURCE_MODES:
            raise ConfigError(f"discover.unique_sources must be one of {UNIQUE_SOURCE_MODES} or a list of source "
                              f"names, got {self.unique_sources!r}")
        if self.iterations == 0:
            raise ConfigError("discover.iterations must be positive, or negative for 'until stable'")
        if self.max_clique_component < 3:
            raise ConfigError(f"discover.max_clique_component must be >= 3, got {self.max_clique_component}")

    def fit_predict(self, tuples: TupleTable, scored: ScoredPairs) -> Membership:
        """One set per tuple: integrable pairs -> graph -> per-component method -> post-check."""
        self._check_params()
        self.resolution_ = self._resolve_resolution(scored)
        split_below = self._split_below(tuples)
        edges = build_edges(tuples, scored, self.min_score, split_below)
        notes: list[Note] = []
        labels = self._labels(edges, notes)
        if split_below is not None:
            labels = split_conflicts(edges, labels, split_below, notes, self.cpm_resolution,
                                     self.seed, self.iterations, self.split_rule)
        rule = self._source_rule(tuples)
        if rule is not None:
            labels = regroup_same_source(edges, labels, *rule, notes)
        membership = to_membership(edges.tids, labels)
        if notes:
            membership = Membership(membership.frame, notes_frame(membership.frame, notes))
        return membership

    def settle(self, tuples: TupleTable) -> GraphDiscoverer:
        """A copy whose post-check no longer depends on the tuples it is given.

        A partitioned run (the Ray engine) hands each worker part of the lake, which may hold
        fewer sources than the lake; settling ``auto`` on the whole lake first keeps the result
        equal to one call on the whole graph.
        """
        self._check_params()
        twin = copy.copy(self)
        if self.postcheck == "auto":
            twin.postcheck = "never" if self._split_below(tuples) is None else "always"
        if self.unique_sources == "auto":
            twin.unique_sources = "none" if tuples.frame["source"].n_unique() < 2 else "judged"
        elif not isinstance(self.unique_sources, str):
            unknown = sorted(set(self.unique_sources) - set(tuples.frame["source"].unique().to_list()))
            if unknown:
                raise ConfigError(f"discover.unique_sources names source(s) not in the lake: {unknown}")
        return twin

    def _source_rule(self, tuples: TupleTable) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
        """(source code per node in tid order, strict flag per code, source names), or None when
        the source rule is off for this lake (see ``_sources.py``).

        ``auto`` applies to lakes of several sources only: in a single-source (dirty) lake every
        tuple shares its source, and the rule would demand that the judge link every pair of a
        set directly, tearing apart large entities whose pairs blocking never proposed (cora).
        ``judged`` applies the same rule to any lake (``auto`` settles to it on a multi-source lake).
        """
        mode = self.unique_sources
        if mode == "none" or tuples.height == 0:
            return None
        sources = tuples.frame.sort("tid")["source"]
        names = sorted(sources.unique().to_list())
        if mode == "auto" and len(names) < 2:
            return None
        codes = sources.replace_strict(names, list(range(len(names))), return_dtype=pl.Int64).to_numpy()
        if mode == "all":
            strict = np.ones(len(names), dtype=bool)
        elif isinstance(mode, str):  # auto / judged
            strict = np.zeros(len(names), dtype=bool)
        else:
            declared = set(mode)
            strict = np.array([name in declared for name in names], dtype=bool)
        return codes, strict, names

    def _split_below(self, tuples: TupleTable) -> float | None:
        """The post-check's cut for this lake, or None when it is off.

        Off by default (``never``). ``auto`` runs it on lakes of several sources only, with the
        rule ``cheaper`` (cut a set only where its min cut weighs less than overruling the low
        pair): a single-source (dirty) lake holds large sets whose many low-scored true pairs it
        tears apart (cora). Across sources it used to remove chained non-matches (D4 pair F1
        0.707 -> 0.728), but the source rule (``unique_sources``) now cuts those chains where they
        start, and on top of it the post-check gains little and loses more (SSACL scores, pair F1
        / set similarity with vs without it: D4 +0.002 / +0.002, D2 -0.018 / -0.017, D3 -0.014 /
        +0.006, the example lake -0.005 / -0.015; benchmarks/results/discovery.md).
        """
        if self.split_below is None or self.postcheck == "never":
            return None
        if self.postcheck == "auto" and tuples.frame["source"].n_unique() < 2:
            return None
        return self.split_below

    def _labels(self, edges: EdgeList, notes: list[Note]) -> np.ndarray:
        comp = component_labels(edges.n, edges.src, edges.dst)
        if edges.n == 0:
            return comp
        sizes = np.bincount(comp)
        big = np.flatnonzero(sizes > 2)
        if big.size == 0:
            return comp
        labels = comp.copy()
        next_label = int(sizes.size)
        node_order = np.argsort(comp, kind="stable")  # ascending node (tid) order inside each
        node_start = np.concatenate([[0], np.cumsum(sizes)])
        local = np.empty(edges.n, dtype=np.int64)
        local[node_order] = np.arange(edges.n) - node_start[comp[node_order]]
        edge_comp = comp[edges.src]
        edge_order = np.argsort(edge_comp, kind="stable")
        edge_start = np.concatenate([[0], np.cumsum(np.bincount(edge_comp, minlength=sizes.size))])
        context = seeded_igraph(self.seed) if self.uses_rng else _no_rng()
        with context as rng:
            for c in big.tolist():
                nodes = node_order[node_start[c]:node_start[c + 1]]
                e = edge_order[edge_start[c]:edge_start[c + 1]]
                graph = make_graph(nodes.size, local[edges.src[e]], local[edges.dst[e]], edges.weight[e])
                if rng is not None:
                    rng.seed(self.seed)
                comp_notes: list[str] = []
                sub = np.asarray(self._partition(graph, comp_notes), dtype=np.int64)
                labels[nodes] = next_label + sub
                next_label += int(sub.max()) + 1
                for text in comp_notes:  # one note per resulting set: name its smallest node
                    _, first = np.unique(sub, return_index=True)
                    notes.extend((int(nodes[i]), text) for i in first.tolist())
        return labels


@contextmanager
def _no_rng() -> Iterator[None]:
    yield None
