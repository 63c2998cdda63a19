"""Holistic clustering of columns into attributes, never putting two columns of one source together.

Greedy agglomerative clustering over a matrix of pair *margins* (score minus the pair's
threshold). The linkage of two clusters blends the best margin of their member pairs with the mean
one (``linkage_max``: 1 is single linkage, 0 average linkage); the two clusters with the highest
linkage merge, as long as it is at least 0, their sources are disjoint (ALITE's constraint: one
table never feeds an attribute twice) and they do not carry two different fixed names (columns a
mapping file already placed). Single linkage lets a column join an attribute through the one
member it resembles (``State`` full names join ``st`` codes through ``region``, which holds both);
the same-source constraint is what stops it from chaining everything together. The default
weight was chosen by measurement (``benchmarks/align.py fit``). Ties go to the pair that comes first
in lake order, so results are deterministic.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

FORBIDDEN = -1e9


def cluster_columns(margins: np.ndarray, sources: Sequence[int], initial: Sequence[int] | None = None,
                    names: Sequence[str | None] | None = None, linkage_max: float = 0.0) -> list[int]:
    """A cluster label per column (labels are the smallest member index).

    ``margins``: symmetric (n, n) pair margins; pairs of one source are ignored whatever their value.
    ``sources``: the source id of each column. ``initial``: optional starting cluster label per
    column (columns a mapping already grouped). ``names``: optional fixed attribute per column
    (None: free); clusters with different fixed names never merge. ``linkage_max``: weight of the
    best member pair in the linkage (0: average linkage; 1: single linkage).
    """
    n = len(sources)
    if n == 0:
        return []
    start = list(initial) if initial is not None else list(range(n))
    labels = sorted(set(start), key=lambda lab: min(i for i in range(n) if start[i] == lab))
    members = [[i for i in range(n) if start[i] == lab] for lab in labels]
    k = len(members)
    src = np.zeros((k, max(sources) + 1), dtype=bool)
    fixed: list[str | None] = []
    for c, mem in enumerate(members):
        src[c, [sources[i] for i in mem]] = True
        given = {nm for nm in (names[i] for i in mem) if nm is not None} if names is not None else set()
        fixed.append(min(given) if given else None)
    m = np.where(np.equal.outer(np.asarray(sources), np.asarray(sources)), 0.0, margins)
    # summed margins between clusters and their sizes: linkage = sum / (|A| |B|)
    onehot = np.zeros((k, n))
    for c, mem in enumerate(members):
        onehot[c, mem] = 1.0
    total = onehot @ m @ onehot.T
    big = np.where(np.equal.outer(np.asarray(sources), np.asarray(sources)), FORBIDDEN, margins)
    if k == n:  # all singletons (members[c] == [c])
        best_pair = big.copy()
    else:
        best_pair = np.array([[big[np.ix_(ma, mb)].max() for mb in members] for ma in members])
    size = onehot.sum(1)
    alive = np.ones(k, dtype=bool)
    names_seen: dict[str, int] = {}
    while True:
        link = (1.0 - linkage_max) * total / np.outer(size, size) + linkage_max * best_pair
        clash = (src.astype(np.int32) @ src.T.astype(np.int32)) > 0
        bad = clash | ~np.outer(alive, alive) | np.eye(k, dtype=bool)
        fid = np.array([-1 if f is None else names_seen.setdefault(f, len(names_seen)) for f in fixed])
        bad |= (fid[:, None] != fid[None, :]) & (fid[:, None] >= 0) & (fid[None, :] >= 0)
        link = np.where(bad, FORBIDDEN, link)
        best = int(np.argmax(link))
        a, b = divmod(best, k)
        if link[a, b] < 0.0:
            break
        a, b = min(a, b), max(a, b)
        members[a] += members[b]
        src[a] |= src[b]
        fixed[a] = fixed[a] or fixed[b]
        total[a, :] += total[b, :]
        total[:, a] += total[:, b]
        size[a] += size[b]
        best_pair[a, :] = np.maximum(best_pair[a, :], best_pair[b, :])
        best_pair[:, a] = np.maximum(best_pair[:, a], best_pair[:, b])
        alive[b] = False
        total[b, :] = 0.0
        total[:, b] = 0.0
    out = [0] * n
    for c in range(k):
        if alive[c]:
            label = min(members[c])
            for i in members[c]:
                out[i] = label
    return out
