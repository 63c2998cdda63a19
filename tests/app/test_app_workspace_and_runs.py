"""Issue 19 #1, #2 and #7 below the browser: workspaces, the background worker's status file,
the Align page's flags and new-attribute check, entity names in the pickers, the graph spec."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import polars as pl
import pytest

from tablefuse import store
from tablefuse.config import TablefuseConfig
from tablefuse_app import background, conflicts, explore, mapping
from tablefuse_app.settings import Session
from tablefuse_app.workspace import Workspaces


def test_workspaces_reopen_the_last_one_and_refuse_unknown_names(tmp_path: Path, run_db: Path) -> None:
    ws = Workspaces(tmp_path / "work")
    assert ws.entries() == [] and ws.last() is None
    first = ws.open_or_create(None)  # nothing yet: a new one
    assert ws.last() == first and ws.open_or_create(None) == first  # a reload reopens it
    second = ws.create()
    assert ws.open_or_create(None) == second
    assert ws.open_or_create(first.root.name) == first  # the URL's name wins
    assert ws.last() == first
    for bad in ("../etc", "session-../../x", "other", "", None, "session-nope"):
        assert ws.get(bad) is None, bad
    (first.lake / "a.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    import shutil

    shutil.copyfile(run_db, first.default_db)
    entries = {e.name: e for e in ws.entries()}
    assert set(entries) == {first.root.name, second.root.name}
    one = entries[first.root.name]
    info = store.info(run_db)
    assert one.files == 1 and one.sources == ("a.csv",) and one.has_store
    assert (one.tuples, one.sets) == (info["tuples"], info["sets"])
    assert f"{info['tuples']} rows → {info['sets']} sets" in one.label()
    assert "not integrated yet" in entries[second.root.name].label()


def test_the_worker_runs_the_pipeline_and_reports_every_stage(tiny_lake: Path, tmp_path: Path,
                                                              fast_config: TablefuseConfig) -> None:
    db = tmp_path / "s.duckdb"
    started = background.start_run(tiny_lake, fast_config, db)
    assert started.active and started.pid
    with pytest.raises(background.RunInProgress):
        background.start_run(tiny_lake, fast_config, db)  # one run per store at a time
    status = background.wait_for(db, timeout=120)
    assert status.state == "done", (status.error, background.log_path(db).read_text())
    assert [line.stage for line in status.stages][-1] == "store" and status.fraction == 1.0
    info = store.info(db)
    assert status.summary is not None and status.summary["run_id"] == info["run_id"]
    assert status.finished is not None and status.finished >= status.started


def test_a_failed_run_says_why_and_a_dead_worker_reads_as_lost(tmp_path: Path,
                                                               fast_config: TablefuseConfig) -> None:
    db = tmp_path / "s.duckdb"
    background.start_run(tmp_path / "no-such-lake", fast_config, db)
    status = background.wait_for(db, timeout=120)
    assert status.state == "failed" and "no-such-lake" in (status.error or ""), status
    # a status left "running" by a process that is gone (killed, machine restarted)
    gone = background.RunStatus(state="running", db=str(db), lake="x", pid=2 ** 22 + 12345,
                                started=time.time(), updated=time.time())
    background.write_status(gone)
    lost = background.read_status(db)
    assert lost is not None and lost.state == "lost" and "previous run" in (lost.error or "")
    # alive but silent for too long: lost as well
    silent = background.RunStatus(state="running", db=str(db), lake="x", pid=os.getpid(),
                                  started=0.0, updated=time.time() - background.STALE_AFTER_S - 5)
    background.write_status(silent)
    assert background.read_status(db).state == "lost"  # type: ignore[union-attr]
    fresh = background.RunStatus(state="running", db=str(db), lake="x", pid=os.getpid(),
                                 started=0.0, updated=time.time())
    background.write_status(fresh)
    assert background.read_status(db).state == "running"  # type: ignore[union-attr]
    assert json.loads(background.status_path(db).read_text())["pid"] == os.getpid()


def test_stop_ends_a_run_and_keeps_the_previous_store(tmp_path: Path, run_db: Path) -> None:
    import shutil

    from tablefuse_app.settings import REPO

    db = tmp_path / "s.duckdb"
    shutil.copyfile(run_db, db)
    before = store.info(db)["run_id"]
    background.start_run(REPO / "examples" / "lake", TablefuseConfig(), db)  # SSACL: long enough
    deadline = time.monotonic() + 60
    while (s := background.read_status(db)) is not None and s.stage in (None, "ingest"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert background.stop_run(db)
    status = background.wait_for(db, timeout=120)
    assert status.state == "stopped", status
    assert store.info(db)["run_id"] == before
    assert not background.stop_run(db)


def test_align_flags_doubtful_mappings_and_catches_a_typo(tiny_lake: Path) -> None:
    proposal = mapping.propose(tiny_lake)
    assert mapping.REVIEW_COLUMN in proposal.columns
    doubt = proposal.with_columns(pl.when(pl.col("source_column") == "city").then(pl.lit("⚠ review"))
                                  .otherwise(pl.lit("")).alias(mapping.REVIEW_COLUMN))
    assert mapping.flagged(doubt)["source_column"].to_list() == ["city", "city"]
    assert mapping.new_attributes(proposal, proposal) == []
    typo = proposal.with_columns(pl.when((pl.col("attribute") == "phone") & (pl.col("source") == "b.csv"))
                                 .then(pl.lit("phnoe")).otherwise(pl.col("attribute")).alias("attribute"))
    assert mapping.new_attributes(proposal, typo) == [("phnoe", "phone")]
    fresh = proposal.with_columns(pl.when(pl.col("attribute") == "city").then(pl.lit("municipality"))
                                  .otherwise(pl.col("attribute")).alias("attribute"))
    assert mapping.new_attributes(proposal, fresh) == [("municipality", None)]
    same = proposal.with_columns(pl.col("attribute").str.to_uppercase())
    assert mapping.new_attributes(proposal, same) == []


def test_pickers_name_the_entity_not_a_number() -> None:
    golden = pl.DataFrame({"set_id": [1, 2], "phone": ["555", None], "name": ["Blue Door Cafe", None]})
    names = conflicts.set_names(golden)
    assert names == {1: "Blue Door Cafe"}
    assert conflicts.label(1, "phone", names.get(1)) == "Blue Door Cafe (set 1) · phone"
    assert conflicts.label(2, "phone", names.get(2)) == "set 2 · phone"
    line = conflicts.decision_label({"decision_id": "ab12", "kind": "override", "set_id": 1,
                                     "attribute": "phone", "value": "555-0100",
                                     "created": "2026-12-04T21:05:33+00:00"}, names)
    assert line == "override · Blue Door Cafe (set 1) · phone → '555-0100' · 2026-12-04 21:05"
    assert "ab12" not in line


def test_graph_names_nodes_labels_edges_and_keeps_every_source_in_the_legend() -> None:
    tids = list(range(8))
    pairs = pl.DataFrame({"tid_a": tids[:-1], "tid_b": tids[1:], "score": [0.9] * 7,
                          "integrable": [True] * 7})
    nodes, edges = explore.graph_layout(tids, pairs)
    sources = {t: f"source_{t}.csv" for t in tids}  # eight sources: the legend cut at five
    spec = explore.graph_spec(nodes, edges, sources, {0: "Blue Door Cafe"})
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks.count("text") == 2 and "circle" in marks and "square" in marks
    circle = spec["layer"][marks.index("circle")]
    legend = circle["encoding"]["color"]["legend"]
    assert legend["symbolLimit"] == 0 and legend["labelLimit"] == 0 and legend["orient"] == "bottom"
    assert {v["source"] for v in circle["data"]["values"]} == set(sources.values())
    names = [v["name"] for v in spec["layer"][-1]["data"]["values"]]
    assert names[0] == "0 · Blue Door Cafe" and names[1] == "1"
    square = spec["layer"][marks.index("square")]
    assert {t["field"] for t in square["encoding"]["tooltip"]} >= {"tid_a", "tid_b", "score"}
    assert square["data"]["values"][0]["label"] == "0.90"


def test_a_session_folder_is_a_workspace(tmp_path: Path) -> None:
    s = Session.create(tmp_path)
    assert Workspaces(tmp_path).get(s.root.name) == s
