"""write_run: every contract table, replacement of the latest run, history, preservation, atomicity."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tablefuse.config import TablefuseConfig
from tablefuse.errors import StoreError
from tablefuse.frames import TUPLE_META
from tablefuse.store import PRESERVED_TABLES, TABLES, _duckdb, list_tables, read_table, write_run

ATTRS = ("name", "city", "Zip Code")  # the attributes conftest.build_result uses

EXPECTED_COLUMNS = {
    "runs": ["run_id", "lake_path", "started", "finished", "status", "config",
             "tablefuse_version", "summary", "stages", "latest"],
    "sources": ["source", "path", "format", "delimiter", "encoding", "rows_read", "rows_skipped",
                "status", "error"],
    "input_issues": ["source", "kind", "row", "message", "rows_skipped", "fatal"],
    "alignment": ["source", "source_column", "attribute", "role", "method", "confidence",
                  "needs_review", "evidence"],
    "tuples": [*TUPLE_META, *ATTRS],
    "candidates": ["tid_a", "tid_b", "blocker"],
    "pairs": ["tid_a", "tid_b", "score", "integrable"],
    "membership": ["tid", "set_id"],
    "integrated": ["set_id", *ATTRS],
    "conflicts": ["set_id", "attribute", "candidates", "chosen", "method", "confidence", "reason"],
    "provenance": ["set_id", "attribute", "value", "tids"],
    "set_notes": ["set_id", "note"],
}
EXPECTED_ROWS = {"runs": 1, "sources": 3, "input_issues": 2, "alignment": 5, "tuples": 5,
                 "candidates": 3, "pairs": 3, "membership": 5, "integrated": 4, "conflicts": 1,
                 "provenance": 2, "set_notes": 1}


def _leftovers(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir() if p.name != db.name)


def test_every_contract_table_has_its_columns_and_rows(make_result, db):
    write_run(db, make_result(), version="9.9")
    assert TABLES == tuple(EXPECTED_COLUMNS)
    assert set(list_tables(db)) == set(TABLES)
    for name in TABLES:
        frame = read_table(db, name)
        assert frame.columns == EXPECTED_COLUMNS[name], name
        assert frame.height == EXPECTED_ROWS[name], name
    assert _leftovers(db) == []  # no temp file, no .wal


def test_types_and_values_survive(make_result, db):
    write_run(db, make_result(), version="9.9")
    tuples = read_table(db, "tuples")
    assert tuples.schema["tid"] == pl.Int64 and tuples.schema["source_row"] == pl.Int64
    assert all(tuples.schema[a] == pl.Utf8 for a in ATTRS)
    assert tuples.filter(pl.col("tid") == 0)["Zip Code"].item() == "0150"
    pairs = read_table(db, "pairs")
    assert pairs.schema["score"] == pl.Float64 and pairs.schema["integrable"] == pl.Boolean
    prov = read_table(db, "provenance").sort("attribute")
    assert prov["tids"].to_list() == [[0, 2], [0]]
    conflict = read_table(db, "conflicts").row(0, named=True)
    assert json.loads(conflict["candidates"])[1]["value"] == "ann"
    run = read_table(db, "runs").row(0, named=True)
    assert run["tablefuse_version"] == "9.9" and run["latest"] is True
    assert run["status"] == "partial"  # one file skipped, one row skipped
    assert json.loads(run["summary"])["tuples"] == 5
    assert [s["stage"] for s in json.loads(run["stages"])] == ["ingest", "align"]
    assert json.loads(run["config"]) == TablefuseConfig().to_dict()


def test_sources_record_fatal_files_and_partial_tables(make_result, db):
    write_run(db, make_result(), version="1")
    src = {r["source"]: r for r in read_table(db, "sources").iter_rows(named=True)}
    assert src["a.csv"]["status"] == "partial" and src["a.csv"]["rows_skipped"] == 1
    assert src["a.csv"]["rows_read"] == 2
    assert src["sub/b.csv"]["status"] == "ok" and src["sub/b.csv"]["error"] is None
    assert src["bad.csv"]["status"] == "skipped" and src["bad.csv"]["error"] == "file is binary"
    issues = read_table(db, "input_issues")
    assert issues.filter(pl.col("fatal"))["source"].to_list() == ["bad.csv"]


def test_membership_covers_every_tid_once(make_result, db):
    write_run(db, make_result(), version="1")
    tids = read_table(db, "membership")["tid"]
    assert tids.is_unique().all()
    assert set(tids) == set(read_table(db, "tuples")["tid"])


def test_empty_stage_outputs_still_create_every_table(make_result, db):
    from dataclasses import replace

    from tablefuse.frames import CandidatePairs, ScoredPairs

    r = make_result()
    r = replace(r, candidates=CandidatePairs.empty(),
                scored=ScoredPairs(pl.DataFrame(), threshold=0.5),
                membership=replace(r.membership, notes=None),
                resolution=replace(r.resolution, conflicts=pl.DataFrame(),
                                   provenance=pl.DataFrame()))
    write_run(db, r, version="1")
    for name in ("candidates", "pairs", "conflicts", "provenance", "set_notes"):
        frame = read_table(db, name)
        assert frame.height == 0 and frame.columns == EXPECTED_COLUMNS[name], name


def test_rerun_replaces_latest_tables_and_appends_history(make_result, db):
    write_run(db, make_result(run_id="r1", started="2024-01-01T00:00:00+00:00"), version="1")
    write_run(db, make_result(run_id="r2", started="2024-02-01T00:00:00+00:00", n_tuples=7),
              version="2")
    assert read_table(db, "tuples").height == 7
    assert read_table(db, "membership").height == 7
    runs = read_table(db, "runs").sort("started")
    assert runs["run_id"].to_list() == ["r1", "r2"]
    assert runs["latest"].to_list() == [False, True]
    assert _leftovers(db) == []


def test_preserved_tables_survive_a_rerun(make_result, db):
    assert "decisions" in PRESERVED_TABLES
    write_run(db, make_result(run_id="r1"), version="1")
    con = duckdb.connect(str(db))
    con.sql("CREATE TABLE decisions (set_id BIGINT PRIMARY KEY, attribute VARCHAR, value VARCHAR)")
    con.sql("INSERT INTO decisions VALUES (0, 'city', 'Oslo'), (1, 'name', 'Robert')")
    con.sql("CREATE TABLE scratch (x INT)")  # not preserved: a run owns the store
    con.close()
    write_run(db, make_result(run_id="r2"), version="1")
    decisions = read_table(db, "decisions").sort("set_id")
    assert decisions.rows() == [(0, "city", "Oslo"), (1, "name", "Robert")]
    assert "scratch" not in list_tables(db)
    con = duckdb.connect(str(db), read_only=True)  # the primary key came along
    ddl = con.sql("SELECT sql FROM duckdb_tables() WHERE table_name = 'decisions'").fetchall()[0][0]
    con.close()
    assert "PRIMARY KEY" in ddl.upper()


def test_crash_mid_write_leaves_old_database_and_no_temp_file(make_result, db, monkeypatch):
    write_run(db, make_result(run_id="r1"), version="1")
    before = db.read_bytes()
    real_insert = _duckdb._insert

    def failing_insert(con, table, frame, cols):
        if table == "pairs":
            assert [p.name for p in db.parent.glob(f".{db.name}.tmp-*")], "builds next to target"
            raise RuntimeError("disk on fire")
        real_insert(con, table, frame, cols)

    monkeypatch.setattr(_duckdb, "_insert", failing_insert)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_run(db, make_result(run_id="r2", n_tuples=9), version="1")
    assert db.read_bytes() == before
    assert _leftovers(db) == []
    assert read_table(db, "runs")["run_id"].to_list() == ["r1"]


def test_duckdb_failure_becomes_store_error_and_cleans_up(make_result, db):
    from dataclasses import replace

    r = make_result()
    bad = replace(r, membership=replace(
        r.membership, frame=r.membership.frame.with_columns(pl.lit("not-a-number").alias("set_id"))))
    with pytest.raises(StoreError, match="writing store"):
        write_run(db, bad, version="1")
    assert not db.exists()
    assert _leftovers(db) == []


def test_non_duckdb_target_is_refused_and_unchanged(make_result, tmp_path):
    target = tmp_path / "notes.duckdb"
    target.write_text("my precious notes\n" * 10)
    with pytest.raises(StoreError, match="not a DuckDB database"):
        write_run(target, make_result(), version="1")
    assert target.read_text() == "my precious notes\n" * 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.duckdb"]


def test_foreign_duckdb_database_is_refused(make_result, tmp_path):
    target = tmp_path / "other.duckdb"
    con = duckdb.connect(str(target))
    con.sql("CREATE TABLE invoices (id INT)")
    con.close()
    with pytest.raises(StoreError, match="not a tablefuse store"):
        write_run(target, make_result(), version="1")
    assert list_tables(target) == ["invoices"]


def test_case_insensitive_attribute_clash_is_a_clear_store_error(make_result, db):
    from dataclasses import replace

    from tablefuse.frames import TupleTable

    r = make_result()
    frame = r.tuples.frame.with_columns(pl.col("name").alias("NAME"))
    r = replace(r, tuples=TupleTable(frame, (*ATTRS, "NAME")))
    with pytest.raises(StoreError, match="case-insensitive"):
        write_run(db, r, version="1")
    assert not db.parent.exists() or _leftovers(db) == []


def test_leftover_wal_of_old_store_is_folded_in_not_replayed(make_result, db):
    import subprocess
    import sys

    write_run(db, make_result(run_id="r1"), version="1")
    # A process that dies without closing leaves its last writes only in store.duckdb.wal.
    script = ("import duckdb, os, sys; con = duckdb.connect(sys.argv[1]); "
              "con.execute('CREATE TABLE decisions (set_id BIGINT, note VARCHAR)'); "
              "con.execute(\"INSERT INTO decisions VALUES (3, 'keep me')\"); os._exit(0)")
    subprocess.run([sys.executable, "-c", script, str(db)], check=True, timeout=60)
    assert (db.parent / (db.name + ".wal")).exists()
    write_run(db, make_result(run_id="r2"), version="1")
    assert _leftovers(db) == []
    assert read_table(db, "decisions").rows() == [(3, "keep me")]
    assert read_table(db, "runs").height == 2
