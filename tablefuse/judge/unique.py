"""Unique mapping: a tuple is integrable with at most one tuple of a duplicate-free source.

When the user declares sources duplicate-free (``discover.unique_sources = all`` or a list of
names, or ``block.cross_source_only``), a tuple can describe the same entity as at most one tuple
of each such source. The judge scores every candidate on its own, so a product and its accessory
("battery for camera X") can both clear the cut against camera X. Unique mapping keeps, greedily
by score (ties by tid), only the pairs that leave every tuple with at most one partner per
duplicate-free source, and never pairs two tuples of one such source: JedAI's unique mapping
clustering, applied to the judge's decisions. On the magellan test splits (SSACL, zero labels)
it lifts F1 by 0-9.5 points and lowers none (benchmarks/results/judge.md).

Only decisions change; scores stay, so the integrable pairs are still a subset of the pairs at
or above the threshold.
"""
from __future__ import annotations

import numpy as np
import polars as pl

from ..errors import ConfigError
from ..frames import ScoredPairs, TupleTable
from .ssacl.judge import _positions


def declared_unique(unique_sources: str | tuple[str, ...] | list[str], sources: list[str]) -> set[str]:
    """The sources a ``unique_sources`` setting declares duplicate-free: all of them for
    ``all``, the named ones for a list, none for ``auto`` / ``judged`` / ``none`` (those are the
    discover stage's own heuristics, not a declaration)."""
    if isinstance(unique_sources, str):
        return set(sources) if unique_sources == "all" else set()
    unknown = sorted(set(unique_sources) - set(sources))
    if unknown:
        raise ConfigError(f"unique_sources names source(s) not in the lake: {unknown}")
    return set(unique_sources)


def unique_mapping(scored: ScoredPairs, tuples: TupleTable, unique: set[str]) -> ScoredPairs:
    """``scored`` with integrable pairs dropped, strongest first, wherever they would give a tuple
    a second partner from one duplicate-free source (or join two tuples of one such source)."""
    frame = scored.frame
    if not unique or frame.height == 0 or not frame["integrable"].any():
        return ScoredPairs(frame, scored.threshold, {**scored.stats, "unique_mapping_dropped": 0})
    names = tuples.frame["source"].cast(pl.Utf8).to_list()
    codes = {s: i for i, s in enumerate(sorted(set(names)))}
    n_src = len(codes)
    strict = np.zeros(n_src, dtype=bool)
    for s in unique:
        if s in codes:
            strict[codes[s]] = True
    src_of = np.array([codes[s] for s in names], dtype=np.int64)
    rows = np.flatnonzero(frame["integrable"].to_numpy())
    a = _positions(tuples, frame["tid_a"].to_numpy()[rows])
    b = _positions(tuples, frame["tid_b"].to_numpy()[rows])
    score = frame["score"].to_numpy()[rows]
    order = np.lexsort((frame["tid_b"].to_numpy()[rows], frame["tid_a"].to_numpy()[rows], -score))
    sa, sb = src_of[a], src_of[b]
    taken: set[int] = set()  # tuple position * n_src + source code: that tuple has its partner there
    keep = np.ones(len(rows), dtype=bool)
    for i in order.tolist():
        x, y, sx, sy = int(a[i]), int(b[i]), int(sa[i]), int(sb[i])
        if sx == sy and strict[sx]:
            keep[i] = False
            continue
        kx, ky = x * n_src + sy, y * n_src + sx
        if (strict[sy] and kx in taken) or (strict[sx] and ky in taken):
            keep[i] = False
            continue
        if strict[sy]:
            taken.add(kx)
        if strict[sx]:
            taken.add(ky)
    integrable = frame["integrable"].to_numpy().copy()
    integrable[rows[~keep]] = False
    out = frame.with_columns(pl.Series("integrable", integrable))
    dropped = int((~keep).sum())
    return ScoredPairs(out, scored.threshold,
                       {**scored.stats, "integrable": int(integrable.sum()), "unique_mapping_dropped": dropped})
