from dataclasses import replace

import polars as pl
import pytest

from tablefuse.align import align, union
from tablefuse.errors import AlignmentError
from tablefuse.frames import TUPLE_META, Alignment


def test_union_shape_order_and_provenance(table, lake) -> None:
    lk = lake(
        table("a.csv", {"id": ["0", "1", "2"], "Name": ["ann", "bob", None], "phone": ["555-1", "555-2", "555-3"]}),
        table("b.csv", {"name": ["cy", "di"], "city": ["x", "y"]}, source_rows=(4, 9)),
    )
    tuples = union(lk, align(lk))
    tuples.validate()
    f = tuples.frame
    assert tuple(f.columns) == TUPLE_META + ("name", "phone", "city")
    assert tuples.attributes == ("name", "phone", "city")
    assert f.schema["tid"] == pl.Int64 and f.schema["source_row"] == pl.Int64
    assert all(f.schema[c] == pl.Utf8 for c in ("source", "source_key", "name", "phone", "city"))
    assert f["tid"].to_list() == [0, 1, 2, 3, 4]
    assert f["source"].to_list() == ["a.csv"] * 3 + ["b.csv"] * 2
    assert f["source_row"].to_list() == [0, 1, 2, 4, 9]
    assert f["source_key"].to_list() == ["0", "1", "2", None, None]
    assert f["name"].to_list() == ["ann", "bob", None, "cy", "di"]  # a null value stays null
    assert f["phone"].to_list() == ["555-1", "555-2", "555-3", None, None]  # missing attribute: null
    assert f["city"].to_list() == [None, None, None, "x", "y"]


def test_several_key_columns_are_joined(table, lake) -> None:
    lk = lake(table("a.csv", {"Unnamed: 0": ["0", "1", "2"], "id": ["p", "q", "r"], "x": ["u", "v", "u"]}))
    f = union(lk, align(lk)).frame
    assert f["source_key"].to_list() == ["0|p", "1|q", "2|r"]


def test_empty_tables_and_empty_lake(table, lake) -> None:
    lk = lake(table("a.csv", {"name": []}), table("b.csv", {"name": ["z"]}))
    tuples = union(lk, align(lk))
    tuples.validate()
    assert tuples.frame["tid"].to_list() == [0]
    empty = union(lake(), align(lake()))
    empty.validate()
    assert empty.height == 0 and tuple(empty.frame.columns) == TUPLE_META


def test_union_refuses_an_alignment_that_would_drop_columns(table, lake) -> None:
    lk = lake(table("a.csv", {"name": ["a"], "city": ["b"]}))
    full = align(lk)
    partial = Alignment(full.frame.filter(pl.col("source_column") == "name"), ("name",))
    with pytest.raises(AlignmentError, match="city"):
        union(lk, partial)
    other = lake(table("z.csv", {"name": ["a"]}))
    with pytest.raises(AlignmentError, match="a.csv"):
        union(other, full)


def test_union_is_vectorised_enough_for_large_tables(table, lake) -> None:
    n = 200_000
    big = pl.DataFrame({"name": pl.int_range(0, n, eager=True).cast(pl.Utf8)})
    lk = lake(table("a.csv", {"name": ["x"]}))
    lk = replace(lk, tables=(replace(lk.tables[0], frame=big),))
    tuples = union(lk, align(lk))
    assert tuples.height == n and tuples.frame["tid"][-1] == n - 1
