"""Export page logic: any store table as CSV/Parquet bytes, and Vega-Lite charts of the run.

Exports go through ``tablefuse.pipeline.export_table``, so decisions win in the files too (sets
edited by hand re-resolved by the run's own resolver).
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal

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


def run_charts(db: Path) -> dict[str, dict[str, Any]]:
    """The run's charts as Vega-Lite specs, built by the library (``tablefuse.report``) from the
    decided tables, so the app and ``tablefuse report`` show the same picture."""
    from tablefuse.report import run_charts as build

    return build(db)


def report_bytes(db: Path) -> bytes:
    """The static HTML report of ``db``'s latest run (what ``tablefuse report`` writes)."""
    from tablefuse.report import write_report

    with tempfile.TemporaryDirectory() as tmp:
        return write_report(db, Path(tmp) / "run.html").read_bytes()
