"""Real benchmark tables (../shared/data): row counts and delimiters as documented there."""
from __future__ import annotations

from pathlib import Path

import pytest

from tablefuse.config import IngestConfig
from tablefuse.ingest import read_lake

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"benchmark data not found at {DATA}"),
]


@pytest.mark.parametrize(("folder", "expected", "delimiter"), [
    ("ccer/D1", {"rest1.csv": 339, "rest2.csv": 2256, "gt.csv": 89}, "|"),
    ("ccer/D4", {"dblp.csv": 2616, "acm.csv": 2294, "gt.csv": 2224}, "%"),
])
def test_ccer_row_counts_and_delimiters(folder: str, expected: dict[str, int],
                                        delimiter: str) -> None:
    lake = read_lake(DATA / folder)
    assert {t.source: t.frame.height for t in lake.tables} == expected
    assert {t.delimiter for t in lake.tables} == {delimiter}
    assert lake.issues == ()
    assert lake.tables and all(t.rows_skipped == 0 for t in lake.tables)


def test_d4_quoted_field_holds_the_delimiter() -> None:
    lake = read_lake(DATA / "ccer/D4")
    acm = next(t for t in lake.tables if t.source == "acm.csv")
    assert acm.frame.columns == ["id", "title", "authors", "venue", "year"]
    assert acm.frame["authors"].str.contains("%", literal=True).any()


def test_cora_trailing_delimiter_and_headerless_gold() -> None:
    lake = read_lake(DATA / "der/cora", IngestConfig(skip_bad=True))
    (cora,) = lake.tables
    assert (cora.source, cora.frame.height, cora.delimiter) == ("cora.csv", 1295, "|")
    assert "" not in cora.frame.columns and cora.frame.width == 13
    kinds = {(i.source, i.kind, i.fatal) for i in lake.issues}
    assert kinds == {("cora.csv", "empty_column", False), ("cora_gt.csv", "no_header", True)}
