"""Source rule: two tuples of one source share a set only on the judge's own word.

A table of a lake rarely lists one entity twice, and when it does the two rows look alike, so the
judge links them directly. Chaining is the other way two rows of one table end up in one set: a1
matches b, b matches a2, yet a1 and a2 were never judged integrable (on DBLP-ACM, 551 of SSACL's
integrable pairs join two papers of one table, all wrong, and such chains cost Leiden about 0.3 of
its pairwise precision). The rule regroups every set that holds two tuples of one source:

* ``auto`` (default; lakes of several sources only): such a set is rebuilt greedily along its
  integrable pairs, strongest first (ties by tid), and two groups merge only if every pair of
  same-source tuples they would bring together was itself judged integrable. A source's own
  duplicates, judged directly, stay together; chains through other sources' tuples are cut.
  ``judged`` applies this to single-source lakes too (where it tears apart large entities whose
  pairs blocking never proposed, so ``auto`` leaves those alone).
* ``all``: every source is declared duplicate-free (clean-clean linking, Splink's ``link_only``):
  no set holds two tuples of one source. A tuple of source names declares just those sources.
* ``none``: off.

Deterministic (the order is fixed by score, then tids), local to each set (so a partitioned run
gives the same sets), and free on output that obeys the rule: only sets holding two tuples of one
source are touched. Every regrouped set gets a note naming the source and the reason.
"""
from __future__ import annotations

import numpy as np

from ._graph import EdgeList, SetSlices

UNIQUE_SOURCE_MODES = ("auto", "judged", "all", "none")
PAIR_CHECK_LIMIT = 10_000  # auto: same-source pairs checked per merge at most; above it the merge is refused


def regroup_same_source(edges: EdgeList, labels: np.ndarray, source: np.ndarray, strict: np.ndarray,
                        source_names: list[str], notes: list[tuple[int, str]]) -> np.ndarray:
    """Labels with every set that breaks the source rule regrouped; appends (node, note) to ``notes``.

    ``source`` is each node's source code; ``strict[code]`` marks the sources declared
    duplicate-free (never two tuples in one set); the others follow the ``auto`` rule.
    """
    if labels.size == 0:
        return labels
    n_src = int(source.max()) + 1
    key = labels.astype(np.int64) * n_src + source
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    crowded = counts[inverse.reshape(-1)] > 1
    if not crowded.any():
        return labels
    bad_sets = np.unique(labels[crowded])
    # edges of the sets to regroup, strongest first, ties by the node pair: the same input always
    # regroups the same way (SetSlices keeps this order inside each set)
    pool = np.flatnonzero(np.isin(labels[edges.src], bad_sets))
    pool = pool[np.lexsort((edges.dst[pool], edges.src[pool], -edges.weight[pool]))]
    sets = SetSlices(edges, labels, pool)
    out = labels.copy()
    next_label = int(labels.max()) + 1
    for set_label in bad_sets.tolist():
        members, e = sets.members(set_label), sets.edges(set_label)
        part = _regroup(members, edges.src[e], edges.dst[e], source, strict)
        n_parts = int(part.max()) + 1
        if n_parts == 1:
            continue
        for p in range(1, n_parts):
            out[members[part == p]] = next_label
            next_label += 1
        text = _note(members, source, strict, source_names, n_parts)
        _, first = np.unique(part, return_index=True)
        notes.extend((int(members[i]), text) for i in first.tolist())
    return out


def _regroup(members: np.ndarray, src: np.ndarray, dst: np.ndarray, source: np.ndarray,
             strict: np.ndarray) -> np.ndarray:
    """Part number (0..k-1, by smallest member) of each member: greedy merging along the given
    edges (already strongest first) under the source rule."""
    position = {int(node): i for i, node in enumerate(members.tolist())}
    judged = {(int(a), int(b)) for a, b in zip(src.tolist(), dst.tolist())}  # src < dst
    parent = list(range(members.size))
    # per group root: source code -> its member nodes
    by_source: list[dict[int, list[int]]] = [{int(source[node]): [int(node)]} for node in members.tolist()]

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in zip(src.tolist(), dst.tolist()):
        ra, rb = find(position[a]), find(position[b])
        if ra == rb or not _may_merge(by_source[ra], by_source[rb], strict, judged):
            continue
        if len(by_source[ra]) < len(by_source[rb]):
            ra, rb = rb, ra
        parent[rb] = ra
        for code, nodes in by_source[rb].items():
            by_source[ra].setdefault(code, []).extend(nodes)
        by_source[rb] = {}
    roots = np.array([find(i) for i in range(members.size)], dtype=np.int64)
    _, first, inverse = np.unique(roots, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[inverse.reshape(-1)]


def _may_merge(left: dict[int, list[int]], right: dict[int, list[int]], strict: np.ndarray,
               judged: set[tuple[int, int]]) -> bool:
    """Whether two groups may become one: no shared strict source, and every pair of their
    same-source tuples judged integrable itself."""
    if len(left) > len(right):
        left, right = right, left
    for code, nodes in left.items():
        others = right.get(code)
        if others is None:
            continue
        if strict[code] or len(nodes) * len(others) > PAIR_CHECK_LIMIT:
            return False
        for x in nodes:
            for y in others:
                if (min(x, y), max(x, y)) not in judged:
                    return False
    return True


def _note(members: np.ndarray, source: np.ndarray, strict: np.ndarray, names: list[str], n_parts: int) -> str:
    codes, counts = np.unique(source[members], return_counts=True)
    crowded = codes[counts > 1]
    shown = ", ".join(repr(names[c]) for c in crowded[:3].tolist()) + (" ..." if crowded.size > 3 else "")
    declared = [c for c in crowded.tolist() if strict[c]]
    why = ("declared duplicate-free (discover.unique_sources)" if len(declared) == crowded.size else
           "whose tuples the judge never linked to each other directly")
    return (f"source rule: a set of {members.size} tuples held several tuples of {shown}, {why}; "
            f"regrouped along its strongest integrable pairs into {n_parts} sets")
