"""read_table, export_table and info over a store written from the hand-built run."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tablefuse.errors import StoreError
from tablefuse.store import export_table, info, read_table, write_run


@pytest.fixture
def store(make_result, db) -> Path:
    write_run(db, make_result(run_id="r1"), version="0.1.0")
    return db


def test_read_unknown_table_lists_the_available_ones(store):
    with pytest.raises(StoreError, match="available: .*integrated"):
        read_table(store, "golden")


def test_read_rejects_injection_attempts(store):
    with pytest.raises(StoreError, match="no table"):
        read_table(store, 'tuples"; DROP TABLE tuples; --')
    assert read_table(store, "tuples").height == 5


def test_missing_or_foreign_db_is_a_store_error(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        read_table(tmp_path / "nope.duckdb", "tuples")
    text = tmp_path / "t.duckdb"
    text.write_text("hello world, this is not a database")
    with pytest.raises(StoreError, match="not a DuckDB"):
        info(text)


@pytest.mark.parametrize("name", ["tuples", "integrated", "pairs", "set_notes"])
def test_export_csv_round_trip(store, tmp_path, name):
    out = tmp_path / "exp" / f"{name}.csv"
    n = export_table(store, name, "csv", out)
    expected = read_table(store, name)
    assert n == expected.height
    back = pl.read_csv(out, schema=expected.schema)
    assert back.equals(expected)
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


@pytest.mark.parametrize("name", ["tuples", "provenance", "conflicts", "runs"])
def test_export_parquet_round_trip(store, tmp_path, name):
    out = tmp_path / f"{name}.parquet"
    n = export_table(store, name, "parquet", out)
    expected = read_table(store, name)
    assert n == expected.height
    assert pl.read_parquet(out).equals(expected)


def test_export_rejects_bad_format_and_unknown_table(store, tmp_path):
    with pytest.raises(StoreError, match="csv or parquet"):
        export_table(store, "tuples", "xlsx", tmp_path / "t.xlsx")  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="no table"):
        export_table(store, "nope", "csv", tmp_path / "t.csv")
    assert list(tmp_path.glob("t.*")) == [] and list(tmp_path.glob(".t.*")) == []


def test_info_numbers(store, make_result):
    got = info(store)
    assert got["run_id"] == "r1" and got["status"] == "partial"
    assert got["tablefuse_version"] == "0.1.0" and got["runs"] == 1
    assert (got["sources"], got["sources_ok"], got["sources_partial"], got["sources_skipped"]) == (3, 1, 1, 1)
    assert got["input_issues"] == 2
    assert got["tuples"] == 5 and got["attributes"] == 3
    assert got["candidate_pairs"] == 3 and got["integrable_pairs"] == 1
    assert got["sets"] == 4 and got["multi_tuple_sets"] == 1
    assert got["conflicts"] == 1
    assert got["largest_sets"] == [2, 1, 1, 1]
    summary = make_result(run_id="r1").summary()
    for key in ("tuples", "attributes", "candidate_pairs", "integrable_pairs", "sets",
                "multi_tuple_sets", "conflicts"):
        assert got[key] == summary[key], key


def test_info_follows_the_latest_run(store, make_result):
    write_run(store, make_result(run_id="r2", started="2025-01-01T00:00:00+00:00", n_tuples=8),
              version="0.2.0")
    got = info(store)
    assert got["run_id"] == "r2" and got["runs"] == 2 and got["tuples"] == 8
    assert got["largest_sets"][0] == 2 and len(got["largest_sets"]) == 5
