"""The review queue: the judged pairs a person should label first.

Uncertainty first: the store's latest run's judged pairs ordered by how close their score lies to
the run's threshold (``|score - threshold|``, ascending; ties by tid_a, then tid_b), so the pairs
the judge was least sure of come first. That ordering holds both kinds a label helps most:
``near_miss`` — a pair scored below the threshold whose tuples ended in different sets (a
match the run may have missed) — and ``uncertain`` — every other pair near the cut, such as a
weak link inside a set or a pair above the cut that discovery kept apart. ``same_set`` is read
on the decided membership (the user's decisions applied). Pairs already labelled match or
no match are left out (``unsure`` ones stay: they are still open).

>>> review_queue("demo.duckdb", limit=20)  # doctest: +SKIP
"""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl

QUEUE_SCHEMA = pl.Schema({
    "tid_a": pl.Int64(), "tid_b": pl.Int64(), "score": pl.Float64(), "threshold": pl.Float64(),
    "margin": pl.Float64(), "integrable": pl.Boolean(), "same_set": pl.Boolean(), "kind": pl.Utf8()})


def run_threshold(db_path: str | Path) -> float:
    """The judge's threshold of the store's latest run (``runs.summary.judge_threshold``; for a
    store written before it was recorded, the lowest integrable score)."""
    from .. import store
    from .decisions import latest_run

    threshold = json.loads(latest_run(db_path)["summary"] or "{}").get("judge_threshold")
    if threshold is None:
        integrable = store.read_table(db_path, "pairs").filter(pl.col("integrable"))["score"]
        threshold = float(integrable.min()) if integrable.len() else 1.0  # type: ignore[arg-type]
    return float(threshold)


def review_queue(db_path: str | Path, limit: int = 50) -> pl.DataFrame:
    """The ``limit`` pairs to label first (see the module docstring): tid_a, tid_b, score,
    threshold, margin, integrable, same_set, kind (``uncertain`` or ``near_miss``)."""
    from .. import store

    threshold = run_threshold(db_path)
    pairs = store.read_table(db_path, "pairs")
    if pairs.height == 0 or limit <= 0:
        return pl.DataFrame(schema=QUEUE_SCHEMA)
    members = store.read_table(db_path, "membership").select(pl.col("tid").cast(pl.Int64), "set_id")
    labelled = store.pair_labels(db_path).filter(pl.col("label").is_in(["match", "no_match"])
                                                 & pl.col("tid_a").is_not_null() & pl.col("tid_b").is_not_null())
    done = labelled.select(pl.min_horizontal("tid_a", "tid_b").alias("tid_a"),
                           pl.max_horizontal("tid_a", "tid_b").alias("tid_b"))
    queue = (pairs.select(pl.col("tid_a").cast(pl.Int64), pl.col("tid_b").cast(pl.Int64), "score", "integrable")
             .join(done, on=["tid_a", "tid_b"], how="anti")
             .join(members.rename({"tid": "tid_a", "set_id": "set_a"}), on="tid_a", how="left")
             .join(members.rename({"tid": "tid_b", "set_id": "set_b"}), on="tid_b", how="left")
             .with_columns(pl.lit(threshold, pl.Float64).alias("threshold"),
                           (pl.col("score") - threshold).abs().alias("margin"),
                           (pl.col("set_a") == pl.col("set_b")).fill_null(False).alias("same_set")))
    queue = queue.with_columns(
        pl.when(~pl.col("same_set") & (pl.col("score") < threshold)).then(pl.lit("near_miss"))
        .otherwise(pl.lit("uncertain")).alias("kind"))
    return queue.sort("margin", "tid_a", "tid_b").head(limit).select(QUEUE_SCHEMA.names()).cast(QUEUE_SCHEMA)


__all__ = ["QUEUE_SCHEMA", "review_queue", "run_threshold"]
