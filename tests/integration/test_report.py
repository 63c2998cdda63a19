"""Charts as data and the static HTML report (``tablefuse report``), read from a real store."""
from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tablefuse.cli import app
from tablefuse.config import TablefuseConfig
from tablefuse.pipeline import Pipeline, read_table
from tablefuse.report import read_facts, run_charts, write_report
from tablefuse.store import record_split
from tests.conftest import EXAMPLE_LAKE

FAST = TablefuseConfig().with_overrides(judge={"method": "similarity"}, block={"blockers": ["token"]},
                                        align={"method": "header"}, resolve={"method": "vote"})


@pytest.fixture
def store(tmp_path):
    db = tmp_path / "run.duckdb"
    Pipeline(FAST).run(EXAMPLE_LAKE, db)
    return db


def _values(spec):
    return spec["data"]["values"]


def test_charts_count_what_the_store_holds(store):
    charts = run_charts(store)
    assert set(charts) == {"scores", "set_sizes", "conflicts", "stages"}
    assert all(spec["$schema"].endswith("vega-lite/v5.json") for spec in charts.values())
    pairs = read_table(store, "pairs")
    assert sum(r["pairs"] for r in _values(charts["scores"])) == pairs.height
    high = sum(r["pairs"] for r in _values(charts["scores"]) if r["score"] >= 0.95)
    assert high == int((pairs["score"] >= 0.95).sum())
    rule = charts["scores"]["layer"][1]["data"]["values"][0]["score"]
    assert rule == pytest.approx(read_facts(store).threshold)
    members = read_table(store, "membership")
    sizes = _values(charts["set_sizes"])
    assert sum(r["sets"] for r in sizes) == members["set_id"].n_unique()
    assert sum(r["sets"] * r["tuples"] for r in sizes) == members.height
    conflicts = read_table(store, "conflicts")
    per = {r["attribute"]: r["conflicts"] for r in _values(charts["conflicts"])}
    assert per == dict(conflicts.group_by("attribute").len().iter_rows())
    assert [r["stage"] for r in _values(charts["stages"])][:2] == ["ingest", "align"]


def test_charts_follow_the_users_decisions(store):
    before = sum(r["sets"] for r in _values(run_charts(store)["set_sizes"]))
    members = read_table(store, "membership")
    big = members.group_by("set_id").len().filter(pl.col("len") >= 2)["set_id"][0]
    tid = members.filter(pl.col("set_id") == big)["tid"][0]
    record_split(store, [tid], note="test")
    assert sum(r["sets"] for r in _values(run_charts(store)["set_sizes"])) == before + 1


def test_html_report_is_offline_and_complete(store, tmp_path):
    out = write_report(store, tmp_path / "run.html")
    text = out.read_text(encoding="utf-8")
    for section in ("summary", "charts", "largest", "uncertain"):
        assert f'id="{section}"' in text
    assert text.count("<svg") == 4
    assert "<script" not in text and "http" not in text  # opens offline: nothing to fetch
    threshold = read_facts(store).threshold
    assert f"threshold {threshold:.4f}" in text
    largest = text.split('id="largest"')[1].split("<h2")[0]
    assert len(re.findall("<tr>", largest)) == 1 + 10  # header + the ten largest sets


def test_cli_report_and_missing_store(store, tmp_path):
    runner = CliRunner()
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", "--db", str(store), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.is_file() and "tablefuse run" in out.read_text(encoding="utf-8")
    res = runner.invoke(app, ["report", "--db", str(tmp_path / "absent.duckdb"), "--out", str(out)])
    assert res.exit_code == 3
    assert "tablefuse integrate" in res.output


def test_blocking_and_coverage_charts_count_what_the_store_holds(tmp_path: Path) -> None:
    import tablefuse
    from tablefuse import store
    from tablefuse.config import TablefuseConfig
    from tablefuse.report import candidates_per_blocker, coverage

    lake = tmp_path / "lake"
    lake.mkdir()
    (lake / "a.csv").write_text("name,city\nBlue Door,Springfield\nRed Fork,\n", encoding="utf-8")
    (lake / "b.csv").write_text("name,phone\nBlue Door,555\nGreen Mill,556\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    tablefuse.integrate(lake, TablefuseConfig().with_overrides(judge={"method": "similarity"}), db_path=db)
    blocking = candidates_per_blocker(db)["data"]["values"]
    assert sum(r["pairs"] for r in blocking) == store.read_table(db, "candidates").height
    integrable = store.read_table(db, "pairs").filter(pl.col("integrable")).height
    assert sum(r["pairs"] for r in blocking if r["judged"] == "integrable") == integrable
    cells = {(r["source"], r["attribute"]): r["filled"] for r in coverage(db)["data"]["values"]}
    assert cells[("a.csv", "name")] == 1.0 and cells[("a.csv", "city")] == 0.5
    assert cells[("a.csv", "phone")] == 0.0 and cells[("b.csv", "phone")] == 1.0
