"""``alignment_report``: the alignment as people review it, weakest mappings first.

Works on an ``Alignment`` or on its frame as stored (the store may lack ``needs_review`` and
``evidence``; ``needs_review`` is then recomputed from ``confidence`` and ``review_below``).
"""
from __future__ import annotations

import polars as pl

from ..config import AlignConfig
from ..frames import Alignment

REPORT_COLUMNS = ("attribute", "source", "source_column", "role", "method", "confidence",
                  "needs_review", "evidence", "columns_in_attribute")


def alignment_report(alignment: Alignment | pl.DataFrame, review_below: float | None = None,
                     only_review: bool = False) -> pl.DataFrame:
    """One row per source column: attribute, source, column, method, confidence, needs_review,
    evidence, and how many columns feed the attribute; flagged rows first, then by attribute.

    >>> alignment_report(align(lake)).filter(pl.col("needs_review"))  # doctest: +SKIP
    """
    frame = alignment.frame if isinstance(alignment, Alignment) else alignment
    threshold = AlignConfig().review_below if review_below is None else review_below
    if "needs_review" not in frame.columns or review_below is not None:
        frame = frame.with_columns(
            ((pl.col("role") == "attribute") & (pl.col("method") != "mapping")
             & (pl.col("confidence") < threshold)).alias("needs_review"))
    if "evidence" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias("evidence"))
    frame = frame.with_columns(
        pl.when(pl.col("attribute").is_not_null())
        .then(pl.len().over("attribute")).otherwise(0).cast(pl.Int64).alias("columns_in_attribute"))
    out = frame.select(REPORT_COLUMNS).sort(
        [pl.col("needs_review"), pl.col("attribute").is_null(), "attribute", "confidence"],
        descending=[True, False, False, False], nulls_last=True, maintain_order=True)
    return out.filter(pl.col("needs_review")) if only_review else out
