"""``union``: the outer union of all source tables over the unified attributes.

Every source row becomes one tuple: ``tid`` (0..N-1 in lake, table, row order), ``source``,
``source_row`` (the row's data-row index in its file), ``source_key`` (the values of the table's
key columns joined with ``|``, null when it has none) and one Utf8 column per attribute, null
where the source lacks the attribute. Built with column selects and one diagonal concat, so it
stays vectorised for millions of rows.
"""
from __future__ import annotations

import logging

import polars as pl

from ..errors import AlignmentError
from ..frames import TUPLE_META, Alignment, Lake, SourceTable, TupleTable

__all__ = ["union"]

log = logging.getLogger("tablefuse")

KEY_SEPARATOR = "|"


def union(lake: Lake, alignment: Alignment) -> TupleTable:
    """Stack every source table into one ``TupleTable`` with the alignment's attributes.

    >>> tuples = union(lake, align(lake))  # doctest: +SKIP
    >>> tuples.frame.columns[:4]  # doctest: +SKIP
    ['tid', 'source', 'source_row', 'source_key']
    """
    by_source: dict[str, list[tuple[str, str | None, str]]] = {}
    for source, column, attribute, role in alignment.frame.select(
            "source", "source_column", "attribute", "role").iter_rows():
        by_source.setdefault(source, []).append((column, attribute, role))
    unknown = set(by_source) - {t.source for t in lake.tables}
    if unknown:
        raise AlignmentError(f"alignment names sources not in the lake: {sorted(unknown)[:5]}")
    parts = [_table_part(t, by_source.get(t.source, []), set(alignment.attributes)) for t in lake.tables]
    meta_schema = {"source": pl.Utf8, "source_row": pl.Int64, "source_key": pl.Utf8}
    empty = pl.DataFrame(schema={**meta_schema, **{a: pl.Utf8 for a in alignment.attributes}})
    stacked = pl.concat([empty, *parts], how="diagonal") if parts else empty
    frame = stacked.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("tid"),
        pl.col("source"), pl.col("source_row"), pl.col("source_key"),
        *[pl.col(a).cast(pl.Utf8) for a in alignment.attributes],
    )
    tuples = TupleTable(frame, tuple(alignment.attributes))
    log.info("union: %d tuples x %d attributes from %d sources", frame.height,
             len(alignment.attributes), len(lake.tables))
    return tuples


def _table_part(table: SourceTable, rows: list[tuple[str, str | None, str]], attributes: set[str]) -> pl.DataFrame:
    """One table's rows, renamed onto attributes, with its provenance columns."""
    present = set(table.frame.columns)
    described = {c for c, _, _ in rows}
    missing = [c for c in table.frame.columns if c not in described]
    if missing:
        raise AlignmentError(f"{table.source}: columns {missing} are not in the alignment; "
                             "every column must feed an attribute or be a key")
    ghost = sorted(described - present)
    if ghost:
        raise AlignmentError(f"{table.source}: the alignment names columns {ghost} the table lacks")
    keys = [c for c, _, role in rows if role == "key"]
    feeds: list[tuple[str, str]] = []
    for c, a, role in rows:
        if role != "attribute":
            continue
        if a is None or a not in attributes or a in TUPLE_META:
            raise AlignmentError(f"{table.source}: column {c!r} feeds an unknown attribute {a!r}")
        feeds.append((c, a))
    f = table.frame
    if keys:
        key = pl.concat_str([pl.col(k).fill_null("") for k in keys], separator=KEY_SEPARATOR)
        key = pl.when(pl.any_horizontal(pl.col(k).is_not_null() for k in keys)).then(key)
        key_series = f.select(key.alias("source_key")).to_series()
    else:
        key_series = pl.repeat(None, f.height, dtype=pl.Utf8, eager=True).alias("source_key")
    cols = [
        pl.repeat(table.source, f.height, dtype=pl.Utf8, eager=True).alias("source"),
        table.row_index().alias("source_row"),
        key_series.cast(pl.Utf8),
        *[f.get_column(c).cast(pl.Utf8).alias(a) for c, a in feeds],
    ]
    return pl.DataFrame(cols)
