"""Post-check: no set may hold two tuples the judge called clearly different.

Opt-in (``split_below`` set; off by default since SSACL scores many true pairs near 0, see
benchmarks/results/discovery.md). A set holding a pair scored below ``split_below`` is split
along its integrable edges:

* small parts (up to ``CUT_LIMIT`` tuples): an s-t minimum cut (capacity = score) between the two
  tuples, i.e. the cheapest set of integrable judgements to overrule so that they part; the side
  holding the second tuple becomes a new set, and the remaining conflicts are checked again.
  ``rule="always"`` (the default rule) cuts every such pair apart. ``rule="cheaper"`` cuts only when
  that is cheaper than overruling the low judgement itself (cut value < 1 - score), for judges
  that score some true matches near 0: SSACL scores a quarter of cora's true candidate pairs
  below 0.1, and there "cheaper" lifts Leiden's set similarity from 0.23 to 0.41; on DBLP-ACM
  (D4), whose low pairs are real non-matches, it costs 0.04 pair F1 (see
  benchmarks/results/discovery.md);
* large parts (e.g. a giant connected component): Leiden CPM re-partitions the part, at the
  discoverer's resolution first and, if that leaves it whole, at resolutions closer to 1
  (``1 - (1 - r) / 2^k``), since one min cut per conflict would cost O(conflicts x edges).

Every split is noted on the resulting sets. Sets are handled one by one on their own subgraph
(nodes and edges grouped by set once), and only conflicted sets are touched, so the check costs
nothing on clean output and its result for a set does not depend on other sets.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from ._graph import EdgeList, SetSlices, leiden_cpm, make_graph, seeded_igraph

CUT_LIMIT = 200  # parts above this size are re-partitioned by Leiden instead of min cut
ESCALATIONS = 4  # Leiden resolutions tried on a large part before falling back to min cut


RULES = ("always", "cheaper")


def split_conflicts(edges: EdgeList, labels: np.ndarray, split_below: float, notes: list[tuple[int, str]],
                    resolution: float, seed: int, iterations: int, rule: str = "always") -> np.ndarray:
    """Labels with every conflicting set cut apart; appends (node, note) to ``notes``."""
    if edges.low_src.size == 0:
        return labels
    same = labels[edges.low_src] == labels[edges.low_dst]
    if not same.any():
        return labels
    low_a, low_b, low_s = edges.low_src[same], edges.low_dst[same], edges.low_score[same]
    order = np.lexsort((low_b, low_a, labels[low_a]))  # by set, then by tid pair: deterministic
    low_a, low_b, low_s = low_a[order], low_b[order], low_s[order]
    conflict_set = labels[low_a]

    sets = SetSlices(edges, labels)

    out = labels.copy()
    next_label = int(labels.max()) + 1
    local = np.full(edges.n, -1, dtype=np.int64)
    bounds = np.flatnonzero(np.diff(conflict_set)) + 1
    starts = np.concatenate([[0], bounds]).tolist()
    ends = np.concatenate([bounds, [conflict_set.size]]).tolist()
    with seeded_igraph(seed) as rng:
        for lo, hi in zip(starts, ends):
            set_label = int(conflict_set[lo])
            members, e = sets.members(set_label), sets.edges(set_label)
            local[members] = np.arange(members.size)
            splitter = _SetSplitter(members.size, local[edges.src[e]], local[edges.dst[e]], edges.weight[e],
                                    split_below, resolution, iterations, lambda: rng.seed(seed), rule)
            conflicts = list(zip(local[low_a[lo:hi]].tolist(), local[low_b[lo:hi]].tolist(),
                                 low_s[lo:hi].tolist()))
            part, set_notes = splitter.split(conflicts, edges.tids[members])
            for p in range(1, int(part.max()) + 1):
                out[members[part == p]] = next_label
                next_label += 1
            notes.extend((int(members[node]), text) for node, text in set_notes)
            local[members] = -1
    return out


Conflict = tuple[int, int, float]  # (node, node, score), node ids local to the part


class _SetSplitter:
    """Splits one set until no conflicting pair shares a part, one part (own subgraph) at a time."""

    def __init__(self, n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, split_below: float,
                 resolution: float, iterations: int, reseed: Callable[[], None], rule: str = "always"):
        self.n, self.src, self.dst, self.weight = n, src, dst, weight
        self.split_below, self.resolution, self.iterations = split_below, resolution, iterations
        self.reseed, self.rule = reseed, rule

    def split(self, conflicts: list[Conflict], tids: np.ndarray) -> tuple[np.ndarray, list[tuple[int, str]]]:
        """Part number of each node (0 keeps the set's label) and (node, note) pairs."""
        part = np.zeros(self.n, dtype=np.int64)
        notes: list[tuple[int, str]] = []
        n_parts = 0
        work = [(np.arange(self.n), self.src, self.dst, self.weight, conflicts, 0)]
        while work:
            nodes, src, dst, w, conf, level = work.pop()
            if not conf:
                part[nodes] = n_parts
                n_parts += 1
                continue
            graph = make_graph(nodes.size, src, dst, w)
            if nodes.size > CUT_LIMIT and level < ESCALATIONS:
                gamma = 1.0 - (1.0 - self.resolution) / 2 ** level
                self.reseed()
                sub = np.asarray(leiden_cpm(graph, gamma, self.iterations), dtype=np.int64)
                if sub.max() == 0:  # left whole: try a higher resolution
                    work.append((nodes, src, dst, w, conf, level + 1))
                    continue
                text = (f"split: a set of {nodes.size} tuples held {len(conf)} pair(s) judged different "
                        f"(score < split_below {self.split_below:g}); re-partitioned by leiden "
                        f"(CPM, resolution {gamma:.3g}) into {int(sub.max()) + 1} sets")
                _, first = np.unique(sub, return_index=True)
                notes += [(int(nodes[i]), text) for i in first.tolist()]
                work += _children(sub, nodes, src, dst, w, conf, level + 1)
                continue
            cut = None
            while conf:  # "cheaper": keep the pairs the integrable judgements outweigh
                s, t, score = conf[0]
                cut = graph.st_mincut(s, t, capacity="weight")
                if self.rule == "always" or cut.value < 1.0 - score:
                    break
                conf = conf[1:]
            if not conf:
                part[nodes] = n_parts
                n_parts += 1
                continue
            assert cut is not None  # conf is left non-empty only by the break, after a cut
            sub = np.zeros(nodes.size, dtype=np.int64)
            sub[np.asarray(cut.partition[1] if t in set(cut.partition[1]) else cut.partition[0], dtype=np.int64)] = 1
            text = (f"split: tids {int(tids[nodes[s]])} and {int(tids[nodes[t]])} were judged different "
                    f"(score {score:.3f} < split_below {self.split_below:g}) in a set of {nodes.size} tuples; "
                    f"a minimum cut removed {len(cut.cut)} integrable edge(s) of total score {cut.value:.3f}")
            notes += [(int(nodes[s]), text), (int(nodes[t]), text)]
            work += _children(sub, nodes, src, dst, w, conf, level)
        return part, notes


def _children(sub: np.ndarray, nodes: np.ndarray, src: np.ndarray, dst: np.ndarray, w: np.ndarray,
              conf: list[Conflict], level: int) -> list[tuple]:
    """Split a part by ``sub`` into work items, each with its own nodes, edges and conflicts."""
    k = int(sub.max()) + 1
    order = np.argsort(sub, kind="stable")
    starts = np.concatenate([[0], np.cumsum(np.bincount(sub, minlength=k))])
    local = np.empty(sub.size, dtype=np.int64)
    local[order] = np.arange(sub.size) - starts[sub[order]]
    es = np.flatnonzero(sub[src] == sub[dst])
    es = es[np.argsort(sub[src[es]], kind="stable")]
    e_starts = np.concatenate([[0], np.cumsum(np.bincount(sub[src[es]], minlength=k))])
    child_conf: list[list[Conflict]] = [[] for _ in range(k)]
    for s, t, score in conf:
        if sub[s] == sub[t]:
            child_conf[sub[s]].append((int(local[s]), int(local[t]), score))
    items = []
    for q in range(k):
        e = es[e_starts[q]:e_starts[q + 1]]
        items.append((nodes[order[starts[q]:starts[q + 1]]], local[src[e]], local[dst[e]], w[e], child_conf[q], level))
    return items[::-1]  # popped in order q = 0, 1, ...


def notes_frame(membership: pl.DataFrame, notes: list[tuple[int, str]]) -> pl.DataFrame:
    """(set_id, note) for notes keyed by a member node (position in ascending tid order)."""
    set_ids = membership["set_id"].to_numpy()
    rows = sorted({(int(set_ids[node]), text) for node, text in notes})
    return pl.DataFrame({"set_id": [r[0] for r in rows], "note": [r[1] for r in rows]},
                        schema={"set_id": pl.Int64, "note": pl.Utf8})
