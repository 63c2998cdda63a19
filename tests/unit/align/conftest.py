"""Builders for align tests: Lake and SourceTable objects made directly, all columns text."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from tablefuse.frames import Lake, SourceTable

TableFactory = Callable[..., SourceTable]


def make_table(source: str, data: dict[str, list[str | None]],
               source_rows: tuple[int, ...] | None = None) -> SourceTable:
    frame = pl.DataFrame({k: pl.Series(k, v, dtype=pl.Utf8) for k, v in data.items()})
    return SourceTable(source=source, path=Path(source), format="csv", frame=frame,
                       column_types={c: "text" for c in frame.columns}, source_rows=source_rows)


def make_lake(*tables: SourceTable) -> Lake:
    return Lake(root=Path("lake"), tables=tuple(tables))


@pytest.fixture
def table() -> TableFactory:
    return make_table


@pytest.fixture
def lake() -> Callable[..., Lake]:
    return make_lake
