"""What blocking produced, and against a gold standard how much it kept and saved."""
from __future__ import annotations

from typing import Any

import polars as pl

from ..frames import CandidatePairs, TupleTable


def _pairs_of(true_pairs: pl.DataFrame) -> pl.DataFrame:
    """Gold as (tid_a, tid_b); a (tid, entity) frame is expanded to all pairs within entities."""
    if {"tid_a", "tid_b"} <= set(true_pairs.columns):
        return true_pairs.select(pl.col("tid_a").cast(pl.Int64), pl.col("tid_b").cast(pl.Int64))
    if {"tid", "entity"} <= set(true_pairs.columns):
        t = true_pairs.select(pl.col("tid").cast(pl.Int64), "entity")
        return (t.join(t, on="entity", suffix="_b")
                .filter(pl.col("tid") < pl.col("tid_b"))
                .select(pl.col("tid").alias("tid_a"), "tid_b"))
    raise ValueError("true_pairs needs columns (tid_a, tid_b) or (tid, entity)")


def _blocks(stats: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Largest / oversized blocks from a blocker's stats, over the parts of a union."""
    found = list(stats.get(key, []))
    for name, part in (stats.get("parts") or {}).items():
        found += [{**b, "blocker": name} for b in part.get(key, [])]
    return sorted(found, key=lambda b: -b["size"])[:10]


def report(candidates: CandidatePairs, tuples: TupleTable, true_pairs: pl.DataFrame | None = None
           ) -> dict[str, Any]:
    """Candidates, largest and skipped blocks, reduction ratio; with gold, pair completeness.

    ``true_pairs``: (tid_a, tid_b) or (tid, entity). Reduction ratio is against all n(n-1)/2
    pairs and, where there are several sources, against the cross-source pairs alone.

    >>> report(blocker.candidates(tuples), tuples, gold)["pair_completeness"]  # doctest: +SKIP
    0.995
    """
    from ..metrics._blocking import pair_completeness, reduction_ratio

    n = tuples.height
    cand = candidates.frame
    sizes = tuples.frame.group_by("source").len()["len"].to_list()
    cross_total = (sum(sizes) ** 2 - sum(s * s for s in sizes)) // 2
    src = tuples.frame.select("tid", "source")
    cross = (cand.join(src.rename({"tid": "tid_a", "source": "sa"}), on="tid_a")
             .join(src.rename({"tid": "tid_b", "source": "sb"}), on="tid_b")
             .filter(pl.col("sa") != pl.col("sb")).height) if cand.height else 0
    out: dict[str, Any] = {
        "tuples": n,
        "sources": len(sizes),
        "candidates": cand.height,
        "cross_source_candidates": cross,
        "all_pairs": n * (n - 1) // 2,
        "cross_source_pairs": cross_total,
        "reduction_ratio": reduction_ratio(cand.height, n),
        "largest_blocks": _blocks(candidates.stats, "largest_blocks"),
        "oversized_blocks": candidates.stats.get("oversized_blocks",
                                                 sum(p.get("oversized_blocks", 0) for p in
                                                     (candidates.stats.get("parts") or {}).values())),
        "oversized_largest": _blocks(candidates.stats, "oversized_largest"),
    }
    if len(sizes) >= 2:
        out["cross_source_reduction_ratio"] = reduction_ratio(cross, n, cross_total)
    if cand.height and "blocker" in cand.columns:
        by = cand.group_by("blocker").len().sort("blocker")
        out["pairs_by_blocker"] = dict(zip(by["blocker"].to_list(), by["len"].to_list()))
    if true_pairs is not None:
        gold = _pairs_of(true_pairs)
        out["true_pairs"] = gold.height
        out["pair_completeness"] = pair_completeness(cand, gold)
        if cand.height and "blocker" in cand.columns:
            names = sorted({p for b in cand["blocker"].unique().to_list() for p in b.split("+")})
            if len(names) > 1:
                out["pair_completeness_by_blocker"] = {
                    name: pair_completeness(cand.filter(pl.col("blocker").str.split("+").list.contains(name)), gold)
                    for name in names}
    return out
