"""Partitioned execution of judge, discover and resolve on an engine, equal to one local call.

Typed on the stage protocols: a fitted judge scores contiguous slices of the candidate pairs and
its threshold is chosen once over all scores (``Judge.choose_threshold``), so a lake-wide rule
(SSACL's ``otsu``/``auto``) gives the same answer as on the whole; a discoverer settles its
lake-wide choices (``Discoverer.settle``) and then runs per group of whole connected components
(set ids numbered canonically, by smallest tid); a resolver runs per group of whole sets only
when its answer for a set depends on that set alone (``Resolver.per_set``). Frames travel as
Arrow tables.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ..discover import Discoverer, canonical_labels
from ..frames import CandidatePairs, Membership, Resolution, ScoredPairs, TupleTable
from ..judge import Judge
from ..resolve import Resolver
from ..runtime.engines import Engine

#: rows per partition at least when the number of partitions is left to the engine
MIN_PART_ROWS = 1000


def _parts(engine: Engine, partitions: int | None, rows: int) -> int:
    """``partitions`` when given, else one per worker but no fewer than ``MIN_PART_ROWS`` rows each."""
    if engine.name == "local":
        return 1
    if partitions:
        return max(1, min(partitions, rows))
    return max(1, min(engine.parallelism, rows // MIN_PART_ROWS))


def _to_arrow(frame: pl.DataFrame) -> Any:
    return frame.to_arrow()


def _from_arrow(table: Any) -> pl.DataFrame:
    out = pl.from_arrow(table)
    assert isinstance(out, pl.DataFrame)
    return out


def _score_part(part: Any, shared: Any) -> tuple[Any, dict[str, Any]]:
    judge, tuples_arrow, attributes = shared
    tuples = TupleTable(_from_arrow(tuples_arrow), attributes)
    scored = judge.score(tuples, CandidatePairs(_from_arrow(part)))
    return _to_arrow(scored.frame), scored.stats


def score_partitioned(engine: Engine, judge: Judge, tuples: TupleTable, candidates: CandidatePairs,
                      partitions: int | None = None) -> ScoredPairs:
    """``judge.score`` (already fitted) over contiguous slices of the candidates; the threshold is
    ``judge.choose_threshold`` of all the scores at once, so the answer matches one call on the whole."""
    n = candidates.frame.height
    parts = _parts(engine, partitions, n)
    if parts == 1 or engine.name == "local":
        return judge.score(tuples, candidates)
    step = -(-n // parts)
    slices = [_to_arrow(candidates.frame.slice(i, step)) for i in range(0, n, step)]
    shared = (judge, _to_arrow(tuples.frame), tuple(tuples.attributes))
    results = engine.map(_score_part, slices, shared=shared)
    frame = pl.concat([_from_arrow(r[0]) for r in results])
    threshold = float(judge.choose_threshold(frame["score"].to_numpy()))
    frame = frame.with_columns((pl.col("score") >= threshold).alias("integrable"))
    stats = dict(results[0][1])
    stats.update({"integrable": int(frame["integrable"].sum()), "partitions": len(slices)})
    return ScoredPairs(frame, threshold, stats)


def _components(tuples: TupleTable, scored: ScoredPairs, min_score: float | None) -> pl.DataFrame:
    """(tid, comp): connected components of the pairs a discoverer may join (coarse is safe)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    tids = tuples.frame["tid"].to_numpy()
    edges = scored.frame
    keep = pl.col("integrable")
    if min_score is not None:
        keep = keep | (pl.col("score") >= min_score)
    edges = edges.filter(keep) if edges.height else edges
    order = np.argsort(tids)
    pos_a = order[np.searchsorted(tids, edges["tid_a"].to_numpy(), sorter=order)]
    pos_b = order[np.searchsorted(tids, edges["tid_b"].to_numpy(), sorter=order)]
    n = len(tids)
    graph = coo_matrix((np.ones(len(pos_a)), (pos_a, pos_b)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    return pl.DataFrame({"tid": pl.Series(tids, dtype=pl.Int64), "comp": pl.Series(comp, dtype=pl.Int64)})


PART, PART_B = "__tf_part", "__tf_part_b"  # never an attribute name


def _balanced(groups: pl.DataFrame, key: str, parts: int) -> pl.DataFrame:
    """(key, part): groups assigned greedily, largest first, to the lightest partition."""
    sizes = groups.group_by(key).len().sort(["len", key], descending=[True, False])
    load = np.zeros(parts, dtype=np.int64)
    assign = np.empty(sizes.height, dtype=np.int64)
    for i, size in enumerate(sizes["len"].to_list()):
        p = int(np.argmin(load))
        assign[i] = p
        load[p] += size
    return pl.DataFrame({key: sizes[key], PART: pl.Series(assign, dtype=pl.Int64)})


def _discover_part(item, shared):
    discoverer, attributes = shared
    tuples_arrow, scored_arrow, threshold = item
    tuples = TupleTable(_from_arrow(tuples_arrow), attributes)
    membership = discoverer.fit_predict(tuples, ScoredPairs(_from_arrow(scored_arrow), threshold, {}))
    notes = membership.notes
    return _to_arrow(membership.frame), None if notes is None else _to_arrow(notes)


def _split(tuples: TupleTable, owner: pl.DataFrame, parts: int):
    """Per partition: the tuples frame (tid order kept) with a ``part`` column dropped."""
    framed = tuples.frame.join(owner, on="tid", how="left", maintain_order="left")
    return [framed.filter(pl.col(PART) == p).drop(PART) for p in range(parts)]


def discover_partitioned(engine: Engine, discoverer: Discoverer, tuples: TupleTable, scored: ScoredPairs,
                         partitions: int | None = None) -> Membership:
    """``discoverer.fit_predict`` per group of whole connected components, set ids canonical
    (numbered by smallest tid), so the result equals one call on the whole graph."""
    parts = _parts(engine, partitions, tuples.height)
    if parts == 1 or engine.name == "local":
        return discoverer.fit_predict(tuples, scored)
    discoverer = discoverer.settle(tuples)  # lake-wide choices (post-check by source count) made once
    comp = _components(tuples, scored, discoverer.min_score)
    owner = comp.join(_balanced(comp, "comp", parts), on="comp").select("tid", PART)
    frames = _split(tuples, owner, parts)
    # a pair across partitions joins two components: never an edge, never inside one set
    pair_part = (scored.frame
                 .join(owner.rename({"tid": "tid_a"}), on="tid_a", how="left", maintain_order="left")
                 .join(owner.rename({"tid": "tid_b", PART: PART_B}), on="tid_b", how="left",
                       maintain_order="left")
                 .filter(pl.col(PART) == pl.col(PART_B)).drop(PART_B))
    items = []
    for p, frame in enumerate(frames):
        if frame.height:
            sub = pair_part.filter(pl.col(PART) == p).drop(PART)
            items.append((p, (_to_arrow(frame), _to_arrow(sub), scored.threshold)))
    results = engine.map(_discover_part, [it for _, it in items],
                         shared=(discoverer, tuple(tuples.attributes)))
    members, notes = [], []
    for (p, _), (m_arrow, n_arrow) in zip(items, results):
        members.append(_from_arrow(m_arrow).with_columns(pl.lit(p, pl.Int64).alias(PART)))
        if n_arrow is not None:
            notes.append(_from_arrow(n_arrow).with_columns(pl.lit(p, pl.Int64).alias(PART)))
    merged = pl.concat(members).sort("tid")
    local = merged.select(pl.struct(PART, "set_id").rank("dense").alias("key"))["key"].to_numpy()
    merged = merged.with_columns(pl.Series("global", canonical_labels(local), dtype=pl.Int64))
    frame = merged.select("tid", pl.col("global").alias("set_id"))
    note_frame = None
    if notes:
        ids = merged.select(PART, "set_id", "global").unique()
        note_frame = (pl.concat(notes).join(ids, on=[PART, "set_id"], how="left", maintain_order="left")
                      .select(pl.col("global").alias("set_id"), pl.exclude(PART, "set_id", "global"))
                      .sort("set_id", maintain_order=True))
    return Membership(frame, note_frame)


def _resolve_part(item, shared):
    resolver, attributes = shared
    tuples_arrow, membership_arrow = item
    res = resolver.resolve(TupleTable(_from_arrow(tuples_arrow), attributes),
                           Membership(_from_arrow(membership_arrow)))
    return _to_arrow(res.golden), _to_arrow(res.conflicts), _to_arrow(res.provenance)


def resolve_partitioned(engine: Engine, resolver: Resolver, tuples: TupleTable, membership: Membership,
                        partitions: int | None = None) -> Resolution:
    """``resolver.resolve`` per group of whole sets when ``resolver.per_set`` (its answer for a set
    depends on that set alone); otherwise on the driver, since it learns across sets."""
    parts = _parts(engine, partitions, tuples.height)
    if parts == 1 or engine.name == "local" or not resolver.per_set:
        return resolver.resolve(tuples, membership)
    owner = membership.frame.join(_balanced(membership.frame, "set_id", parts), on="set_id")
    frames = _split(tuples, owner.select("tid", PART), parts)
    items = []
    for p, frame in enumerate(frames):
        if frame.height:
            sub = membership.frame.join(owner.filter(pl.col(PART) == p).select("tid"), on="tid",
                                        how="semi", maintain_order="left")
            items.append((_to_arrow(frame), _to_arrow(sub)))
    results = engine.map(_resolve_part, items, shared=(resolver, tuple(tuples.attributes)))

    def cat(i: int) -> pl.DataFrame:
        return pl.concat([_from_arrow(r[i]) for r in results], how="vertical_relaxed").sort(
            "set_id", maintain_order=True)

    return Resolution(cat(0), cat(1), cat(2))


__all__ = ["discover_partitioned", "resolve_partitioned", "score_partitioned"]
