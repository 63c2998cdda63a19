"""RunResult -> one polars frame per store table, with exactly the contract columns.

Kept apart from DuckDB I/O so the mapping from stage contracts to rows is easy to read and test.
Frames only need the right column names here; DuckDB casts each column to its declared type.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict
from typing import Any

import polars as pl

from ..errors import ContractError
from ..frames import InputIssue, RunResult
from ._schema import OPTIONAL_COLUMNS, Columns


def run_row(result: RunResult, version: str) -> pl.DataFrame:
    """The new ``runs`` row (marked latest)."""
    stages = [asdict(s) for s in result.stages]
    return pl.DataFrame([{
        "run_id": result.run_id,
        "lake_path": str(result.lake_root),
        "started": result.started,
        "finished": result.finished,
        "status": run_status(result),
        "config": result.config_json,
        "tablefuse_version": version,
        "summary": json.dumps(result.summary(), default=str),
        "stages": json.dumps(stages, default=str),
        "latest": True,
    }], schema={c: (pl.Boolean if c == "latest" else pl.Utf8) for c in (
        "run_id", "lake_path", "started", "finished", "status", "config", "tablefuse_version",
        "summary", "stages", "latest")})


def run_status(result: RunResult) -> str:
    """``ok`` when every input was used; ``partial`` when files or rows were skipped."""
    skipped = any(i.fatal or i.rows_skipped for i in result.lake.issues)
    skipped = skipped or any(t.rows_skipped for t in result.lake.tables)
    return "partial" if skipped else "ok"


def sources_frame(result: RunResult) -> pl.DataFrame:
    """One row per lake table, plus one per file skipped by a fatal issue."""
    by_source: dict[str, list[InputIssue]] = defaultdict(list)
    for issue in result.lake.issues:
        by_source[issue.source].append(issue)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for t in result.lake.tables:
        issues = by_source.get(t.source, [])
        skipped = max(t.rows_skipped, sum(i.rows_skipped for i in issues))
        rows.append({
            "source": t.source, "path": str(t.path), "format": t.format,
            "delimiter": t.delimiter, "encoding": t.encoding, "rows_read": t.frame.height,
            "rows_skipped": skipped, "status": "partial" if skipped or issues else "ok",
            "error": "; ".join(i.message for i in issues) or None,
        })
        seen.add(t.source)
    for source, issues in by_source.items():
        fatal = [i for i in issues if i.fatal]
        if source in seen or not fatal:
            continue
        rows.append({
            "source": source, "path": str(result.lake_root / source), "format": None,
            "delimiter": None, "encoding": None, "rows_read": 0,
            "rows_skipped": sum(i.rows_skipped for i in issues), "status": "skipped",
            "error": "; ".join(i.message for i in fatal),
        })
    schema = {"source": pl.Utf8, "path": pl.Utf8, "format": pl.Utf8, "delimiter": pl.Utf8,
              "encoding": pl.Utf8, "rows_read": pl.Int64, "rows_skipped": pl.Int64,
              "status": pl.Utf8, "error": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)


def issues_frame(result: RunResult) -> pl.DataFrame:
    rows = [{"source": i.source, "kind": i.kind, "row": i.row, "message": i.message,
             "rows_skipped": i.rows_skipped, "fatal": i.fatal} for i in result.lake.issues]
    schema = {"source": pl.Utf8, "kind": pl.Utf8, "row": pl.Int64, "message": pl.Utf8,
              "rows_skipped": pl.Int64, "fatal": pl.Boolean}
    return pl.DataFrame(rows, schema=schema)


def conform(frame: pl.DataFrame | None, table: str, cols: Columns) -> pl.DataFrame:
    """Exactly ``cols`` in order: extra columns dropped; missing ones allowed only when empty."""
    names = [c for c, _ in cols]
    if frame is None:
        frame = pl.DataFrame()
    missing = [c for c in names if c not in frame.columns]
    required = [c for c in missing if c not in OPTIONAL_COLUMNS.get(table, ())]
    if required and frame.height:
        raise ContractError(f"{table}: the stage output lacks columns {required}")
    frame = frame.with_columns(pl.lit(None).alias(c) for c in missing)
    out = frame.select(names)
    if table == "conflicts" and out.height and out.schema["candidates"] != pl.Utf8:
        # The contract says JSON text; accept a native list/struct column and encode it.
        out = out.with_columns(pl.Series("candidates", [
            None if v is None else json.dumps(v, default=str)
            for v in out["candidates"].to_list()], dtype=pl.Utf8))
    return out


def table_frames(result: RunResult, attribute_cols: dict[str, Columns]) -> dict[str, pl.DataFrame]:
    """Frames for every contract table of the latest run except ``runs``."""
    res = result.resolution
    sources = {
        "sources": sources_frame(result),
        "input_issues": issues_frame(result),
        "alignment": result.alignment.frame,
        "tuples": result.tuples.frame,
        "candidates": result.candidates.frame,
        "pairs": result.scored.frame,
        "membership": result.membership.frame,
        "integrated": res.golden,
        "conflicts": res.conflicts,
        "provenance": res.provenance,
        "set_notes": set_notes(result),
    }
    return {name: conform(frame, name, attribute_cols[name]) for name, frame in sources.items()}


def set_notes(result: RunResult) -> pl.DataFrame | None:
    """What discovery said about a set (a post-check split ...) and what resolution said about a
    golden cell ("zip: '4106' restored to '04106' ..."), one row per note."""
    frames = []
    if result.membership.notes is not None:
        frames.append(result.membership.notes.select(pl.col("set_id").cast(pl.Int64), pl.col("note").cast(pl.Utf8)))
    notes = result.resolution.notes
    if notes is not None and notes.height:
        frames.append(notes.select(pl.col("set_id").cast(pl.Int64),
                                   (pl.col("attribute") + pl.lit(": ") + pl.col("note")).alias("note")))
    return pl.concat(frames).sort("set_id", maintain_order=True) if frames else None
