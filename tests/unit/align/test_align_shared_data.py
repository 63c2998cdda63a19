"""Align real tables from ../shared/data (skipped when the folder is absent)."""
from pathlib import Path

import polars as pl
import pytest

from tablefuse.align import align, union
from tablefuse.frames import Lake, SourceTable

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
D1 = DATA / "ccer" / "D1"


def _read(path: Path, sep: str) -> SourceTable:
    frame = pl.read_csv(path, separator=sep, infer_schema=False, quote_char=None)
    return SourceTable(source=path.name, path=path, format="csv", frame=frame,
                       column_types={c: "text" for c in frame.columns}, delimiter=sep)


@pytest.mark.shared_data
@pytest.mark.skipif(not (D1 / "rest1.csv").is_file(), reason=f"shared data absent: {D1}")
def test_ccer_d1_restaurant_uri_headers_align() -> None:
    lake = Lake(root=D1, tables=(_read(D1 / "rest1.csv", "|"), _read(D1 / "rest2.csv", "|")))
    alignment = align(lake)
    assert alignment.attributes == ("name", "phone_number", "street")
    f = alignment.frame
    for attr in alignment.attributes:
        assert f.filter(pl.col("attribute") == attr)["source"].to_list() == ["rest1.csv", "rest2.csv"]
    keys = f.filter(pl.col("role") == "key")
    assert keys["source_column"].to_list() == ["id", "id"]
    tuples = union(lake, alignment)
    tuples.validate()
    assert tuples.height == lake.rows == 339 + 2256
    # the gold pairs name rows by id, which union keeps as source_key
    assert tuples.frame.filter(pl.col("source") == "rest2.csv")["source_key"][270] == "270"
