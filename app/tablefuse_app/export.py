"""Export page logic: any store table as CSV/Parquet bytes, and Vega-Lite charts of the run.

Exports go through ``tablefuse.pipeline.export_table``, so decisions win in the files too (sets
edited by hand re-resolved by the run's own resolver).
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal

import polars as pl

from tablefuse import store
from tablefuse.pipeline import export_table

FORMATS: tuple[str, ...] = ("csv", "parquet")
MIME = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}


def export_bytes(db: Path, table: str, fmt: Literal["csv", "parquet"]) -> bytes:
    """The table's file content (written to a private temp file, read back, removed)."""
    with tempfile.TemporaryDirectory(prefix="tablefuse-export-") as tmp:
        out = Path(tmp) / f"{table}.{fmt}"
        export_table(db, table, fmt, out)
        return out.read_bytes()


# the run's own tables, golden first; the store's other tables (user decisions, the embedding
# cache, the runs log, anything a later version keeps there) are not offered for export
USER_TABLES: tuple[str, ...] = ("integrated", "membership", "conflicts", "provenance", "set_notes",
                                "tuples", "pairs", "candidates", "alignment", "sources",
                                "input_issues")


def exportable_tables(db: Path) -> list[str]:
    """The user-facing tables ``db`` holds, in ``USER_TABLES`` order."""
    present = set(store.list_tables(db)) & set(store.TABLES)
    return [t for t in USER_TABLES if t in present]


def file_name(table: str, fmt: str) -> str:
    return f"{'golden' if table == 'integrated' else table}.{fmt}"


def _bar(values: list[dict[str, Any]], x: str, y: str, title: str, x_type: str = "ordinal",
         sort: Any = None) -> dict[str, Any]:
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "title": title,
            "data": {"values": values}, "mark": {"type": "bar", "tooltip": True},
            "encoding": {"x": {"field": x, "type": x_type, **({"sort": sort} if sort else {})},
                         "y": {"field": y, "type": "quantitative"}}}


def set_size_chart(membership: pl.DataFrame) -> dict[str, Any]:
    """How many sets have each size."""
    sizes = (membership.group_by("set_id").len().group_by("len").agg(pl.len().alias("sets"))
             .rename({"len": "set size"}).sort("set size"))
    return _bar(sizes.to_dicts(), "set size", "sets", "Set size distribution")


def score_histogram(pairs: pl.DataFrame, bins: int = 20) -> dict[str, Any]:
    """Judged pair scores in ``bins`` bins, stacked by the integrable decision."""
    binned = (pairs.with_columns((pl.col("score") * bins).floor().clip(0, bins - 1)
                                 .truediv(bins).round(3).alias("score bin"))
              .group_by("score bin", "integrable").agg(pl.len().alias("pairs"))
              .sort("score bin"))
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": "Pair score histogram", "data": {"values": binned.to_dicts()},
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {"x": {"field": "score bin", "type": "quantitative", "bin": {"binned": True,
                                                                                   "step": 1 / bins},
                               "scale": {"domain": [0, 1]}, "title": "score"},
                         "x2": {"field": "score bin end"},
                         "y": {"field": "pairs", "type": "quantitative", "stack": True},
                         "color": {"field": "integrable", "type": "nominal"}},
            "transform": [{"calculate": f"datum['score bin'] + {1 / bins}", "as": "score bin end"}]}


def conflicts_chart(conflicts: pl.DataFrame) -> dict[str, Any]:
    """Conflicts per attribute, most first."""
    per = conflicts.group_by("attribute").agg(pl.len().alias("conflicts")).sort(
        "conflicts", "attribute", descending=[True, False])
    return _bar(per.to_dicts(), "attribute", "conflicts", "Conflicts per attribute", "nominal",
                "-y")
