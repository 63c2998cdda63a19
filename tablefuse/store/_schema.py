"""Every persisted table and its columns, in one place, so DDL and readers never drift apart.

``tuples`` and ``integrated`` have one VARCHAR column per unified attribute after their fixed
columns; the attribute list differs per run, so their DDL is built from it.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..errors import StoreError

Columns = tuple[tuple[str, str], ...]

RUNS: Columns = (
    ("run_id", "VARCHAR"), ("lake_path", "VARCHAR"), ("started", "VARCHAR"),
    ("finished", "VARCHAR"), ("status", "VARCHAR"), ("config", "JSON"),
    ("tablefuse_version", "VARCHAR"), ("summary", "JSON"), ("stages", "JSON"),
    ("latest", "BOOLEAN"),
)

# Fixed-shape tables of the latest run (``tuples``/``integrated`` add attribute columns).
FIXED: dict[str, Columns] = {
    "runs": RUNS,
    "sources": (
        ("source", "VARCHAR"), ("path", "VARCHAR"), ("format", "VARCHAR"),
        ("delimiter", "VARCHAR"), ("encoding", "VARCHAR"), ("rows_read", "BIGINT"),
        ("rows_skipped", "BIGINT"), ("status", "VARCHAR"), ("error", "VARCHAR"),
    ),
    "input_issues": (
        ("source", "VARCHAR"), ("kind", "VARCHAR"), ("row", "BIGINT"), ("message", "VARCHAR"),
        ("rows_skipped", "BIGINT"), ("fatal", "BOOLEAN"),
    ),
    "alignment": (
        ("source", "VARCHAR"), ("source_column", "VARCHAR"), ("attribute", "VARCHAR"),
        ("role", "VARCHAR"), ("method", "VARCHAR"), ("confidence", "DOUBLE"),
        ("needs_review", "BOOLEAN"), ("evidence", "VARCHAR"),
    ),
    "tuples": (
        ("tid", "BIGINT"), ("source", "VARCHAR"), ("source_row", "BIGINT"),
        ("source_key", "VARCHAR"),
    ),
    "candidates": (("tid_a", "BIGINT"), ("tid_b", "BIGINT"), ("blocker", "VARCHAR")),
    "pairs": (("tid_a", "BIGINT"), ("tid_b", "BIGINT"), ("score", "DOUBLE"),
              ("integrable", "BOOLEAN")),
    "membership": (("tid", "BIGINT"), ("set_id", "BIGINT")),
    "integrated": (("set_id", "BIGINT"),),
    "conflicts": (
        ("set_id", "BIGINT"), ("attribute", "VARCHAR"), ("candidates", "JSON"),
        ("chosen", "VARCHAR"), ("method", "VARCHAR"), ("confidence", "DOUBLE"),
        ("reason", "VARCHAR"),
    ),
    "provenance": (("set_id", "BIGINT"), ("attribute", "VARCHAR"), ("value", "VARCHAR"),
                   ("tids", "BIGINT[]")),
    "set_notes": (("set_id", "BIGINT"), ("note", "VARCHAR")),
}

TABLES: tuple[str, ...] = tuple(FIXED)
"""The contract tables, in order. Every one exists after a run, even when empty."""

WITH_ATTRIBUTES = frozenset({"tuples", "integrated"})

PRESERVED_TABLES: tuple[str, ...] = ("decisions", "embedding_cache")
"""Tables a run never owns (user overrides, caches): carried over unchanged by ``write_run``."""


def quote(name: str) -> str:
    """A DuckDB identifier literal; doubling quotes makes any attribute name safe."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A DuckDB string literal (for paths in ATTACH/COPY, which take no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def columns_for(table: str, attributes: Sequence[str]) -> Columns:
    """The full column list of ``table`` for a run with these attributes."""
    cols = FIXED[table]
    if table in WITH_ATTRIBUTES:
        cols = cols + tuple((a, "VARCHAR") for a in attributes)
        _check_unique(table, [c for c, _ in cols])
    return cols


def create_sql(table: str, cols: Columns) -> str:
    body = ", ".join(f"{quote(c)} {t}" for c, t in cols)
    return f"CREATE TABLE {quote(table)} ({body})"


def _check_unique(table: str, names: list[str]) -> None:
    # DuckDB identifiers are case-insensitive: "Name" and "name" cannot both be columns.
    seen: dict[str, str] = {}
    for n in names:
        other = seen.setdefault(n.lower(), n)
        if other != n or names.count(n) > 1:
            raise StoreError(
                f"table {table!r} cannot hold columns {other!r} and {n!r}: DuckDB column names "
                "are case-insensitive; rename one attribute (for example with align.mapping_file)")

# Columns a stage may leave out even in a non-empty frame (filled with null): added later to
# the contract, so older stage outputs and hand-built results still store.
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {"alignment": ("needs_review", "evidence")}
