"""The CLI end to end on small lakes written by the tests: exit codes, store, export, info."""
from __future__ import annotations

import json

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from tablefuse.cli import app

runner = CliRunner()


# These tests are about the command line, so they use the fast string-similarity judge; the
# default SSACL judge is exercised by tests/e2e and test_judge_command_rescores_without_training.


def _write_lake(root):
    root.mkdir()
    (root / "a.csv").write_text(
        "name,city,phone\n"
        "Blue Door Cafe,Springfield,555-0100\n"
        "Golden Dragon,Shelbyville,555-0101\n"
        "Harbor Grill,Ogdenville,555-0102\n")
    (root / "b.tsv").write_text(
        "Name\tCity\n"
        "Blue Door Cafe\tSpringfield\n"
        "Harbour Grill\tOgdenville\n"
        "Pine Tavern\tCapital City\n")
    return root


def test_integrate_writes_store_and_prints_summary(tmp_path):
    lake = _write_lake(tmp_path / "lake")
    db = tmp_path / "out.duckdb"
    res = runner.invoke(app, ["integrate", str(lake), "--judge", "similarity", "--db", str(db), "--profile"])
    assert res.exit_code == 0, res.output
    assert "tuples" in res.output and "profile" in res.output
    con = duckdb.connect(str(db), read_only=True)
    tuples = con.sql("SELECT * FROM tuples ORDER BY tid").pl()
    assert tuples.height == 6
    assert tuples.filter(pl.col("source") == "b.tsv")["source_row"].to_list() == [0, 1, 2]
    membership = con.sql("SELECT * FROM membership").pl()
    assert sorted(membership["tid"].to_list()) == tuples["tid"].to_list()
    # The two "Blue Door Cafe" rows describe one restaurant and must land in one set.
    blue = tuples.filter(pl.col("name") == "Blue Door Cafe")["tid"].to_list()
    sets = membership.filter(pl.col("tid").is_in(blue))["set_id"].unique()
    assert sets.len() == 1
    con.close()


def test_info_and_export(tmp_path):
    lake = _write_lake(tmp_path / "lake")
    db = tmp_path / "out.duckdb"
    assert runner.invoke(app, ["integrate", str(lake), "--judge", "similarity", "--db", str(db), "-q"]).exit_code == 0
    res = runner.invoke(app, ["info", "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert json.dumps(summary)  # serialisable
    for fmt in ("csv", "parquet"):
        out = tmp_path / f"golden.{fmt}"
        res = runner.invoke(app, ["export", "--db", str(db), "--table", "integrated", "--format", fmt,
                                  "--out", str(out)])
        assert res.exit_code == 0, res.output
        frame = pl.read_csv(out) if fmt == "csv" else pl.read_parquet(out)
        con = duckdb.connect(str(db), read_only=True)
        n_sets = con.sql("SELECT count(DISTINCT set_id) AS n FROM membership").pl()["n"][0]
        con.close()
        assert frame.height == n_sets
        assert "set_id" in frame.columns and "name" in frame.columns


def test_bad_file_stops_with_exit_2_and_writes_nothing(tmp_path):
    lake = _write_lake(tmp_path / "lake")
    (lake / "broken.csv").write_text("name,city\nx,y,z,w\n")
    db = tmp_path / "out.duckdb"
    res = runner.invoke(app, ["integrate", str(lake), "--judge", "similarity", "--db", str(db)])
    assert res.exit_code == 2
    assert "broken.csv" in res.output
    assert not db.exists()


def test_skip_bad_continues_and_records_the_skipped_file(tmp_path):
    lake = _write_lake(tmp_path / "lake")
    (lake / "empty.csv").write_text("")
    db = tmp_path / "out.duckdb"
    res = runner.invoke(app, ["integrate", str(lake), "--judge", "similarity", "--db", str(db), "--skip-bad"])
    assert res.exit_code == 0, res.output
    assert "empty.csv" in res.output
    con = duckdb.connect(str(db), read_only=True)
    sources = con.sql("SELECT source, status FROM sources ORDER BY source").pl()
    con.close()
    assert dict(sources.iter_rows()) == {"a.csv": "ok", "b.tsv": "ok", "empty.csv": "skipped"}


def test_config_errors_exit_2(tmp_path):
    lake = _write_lake(tmp_path / "lake")
    cfg = tmp_path / "c.toml"
    cfg.write_text("[judge]\nmethod = 'nonsense'\n")
    res = runner.invoke(app, ["integrate", str(lake), "--db", str(tmp_path / "x.duckdb"), "--config", str(cfg)])
    assert res.exit_code == 2
    assert "nonsense" in res.output


def test_missing_store_exit_3(tmp_path):
    res = runner.invoke(app, ["info", "--db", str(tmp_path / "absent.duckdb")])
    assert res.exit_code == 3


def test_mapping_file_overrides_alignment(tmp_path):
    lake = _write_lake(tmp_path / "lake")
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("source,source_column,attribute\nb.tsv,City,town\na.csv,city,town\n")
    db = tmp_path / "out.duckdb"
    res = runner.invoke(app, ["integrate", str(lake), "--judge", "similarity", "--db", str(db),
                              "--mapping", str(mapping), "-q"])
    assert res.exit_code == 0, res.output
    con = duckdb.connect(str(db), read_only=True)
    cols = [r[0] for r in con.sql("DESCRIBE tuples").fetchall()]
    con.close()
    assert "town" in cols and "city" not in cols


@pytest.mark.parametrize("args", [["--help"], ["integrate", "--help"], ["export", "--help"], ["info", "--help"]])
def test_help_texts(args):
    res = runner.invoke(app, args)
    assert res.exit_code == 0
    assert "Usage" in res.output


def test_align_command_reports_the_stored_alignment(tmp_path):
    lake = _write_lake(tmp_path / "lake")
    db = tmp_path / "out.duckdb"
    assert runner.invoke(app, ["integrate", str(lake), "--judge", "similarity", "--db", str(db), "-q"]).exit_code == 0
    res = runner.invoke(app, ["align", "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "b.tsv" in res.output and "a.csv" in res.output
    assert "5 columns" in res.output


def test_block_command_reports_pair_completeness_against_truth(tmp_path):
    lake = _write_lake(tmp_path / "lake")
    db = tmp_path / "out.duckdb"
    assert runner.invoke(app, ["integrate", str(lake), "--judge", "similarity", "--db", str(db), "-q"]).exit_code == 0
    truth = tmp_path / "truth"
    truth.mkdir()
    (truth / "entities.csv").write_text(
        "source,source_row,entity\na.csv,0,blue\na.csv,1,dragon\na.csv,2,harbor\n"
        "b.tsv,0,blue\nb.tsv,1,harbor\nb.tsv,2,pine\n")
    res = runner.invoke(app, ["block", "--db", str(db), "--method", "token", "--truth", str(truth), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["pair_completeness"] == 1.0
    assert out["candidates"] >= 2


def test_judge_command_rescores_without_training(tmp_path):
    lake = _write_lake(tmp_path / "lake")
    db = tmp_path / "out.duckdb"
    res = runner.invoke(app, ["integrate", str(lake), "--db", str(db), "-q", "--judge", "ssacl"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out.duckdb.judge").is_dir()
    res = runner.invoke(app, ["judge", "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["decisions_changed"] == 0 and out["max_score_difference"] < 1e-5
    res = runner.invoke(app, ["judge", "--db", str(db), "--json", "--threshold", "0.0"])
    assert json.loads(res.output)["integrable"] == out["pairs"]


def test_declared_duplicate_free_sources_limit_pairs_and_rescoring_agrees(tmp_path):
    """``--unique-sources all``: each tuple keeps at most one integrable partner per source, in
    the stored pairs and again when ``tablefuse judge`` re-scores (it reads the run's config)."""
    lake = _write_lake(tmp_path / "lake")
    db = tmp_path / "out.duckdb"
    res = runner.invoke(app, ["integrate", str(lake), "--db", str(db), "-q", "--judge", "ssacl",
                              "--unique-sources", "all"])
    assert res.exit_code == 0, res.output
    with duckdb.connect(str(db)) as con:
        rows = con.sql("SELECT p.tid_a, p.tid_b, ta.source AS sa, tb.source AS sb FROM pairs p "
                       "JOIN tuples ta ON ta.tid = p.tid_a JOIN tuples tb ON tb.tid = p.tid_b "
                       "WHERE p.integrable").fetchall()
    partners: dict[tuple[int, str], int] = {}
    for a, b, sa, sb in rows:
        assert sa != sb
        partners[(a, sb)] = partners.get((a, sb), 0) + 1
        partners[(b, sa)] = partners.get((b, sa), 0) + 1
    assert rows and max(partners.values()) == 1
    res = runner.invoke(app, ["judge", "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["decisions_changed"] == 0
    res = runner.invoke(app, ["judge", "--db", str(db), "--json", "--threshold", "0.0"])
    out = json.loads(res.output)  # every pair clears the cut, yet one partner per source remains
    assert out["integrable"] <= 3 < out["pairs"]


def test_judge_command_without_saved_judge_exits_3(tmp_path):
    lake = _write_lake(tmp_path / "lake")
    db = tmp_path / "out.duckdb"
    assert runner.invoke(app, ["integrate", str(lake), "--judge", "similarity", "--db", str(db), "-q"]).exit_code == 0
    res = runner.invoke(app, ["judge", "--db", str(db)])
    assert res.exit_code == 3
    assert "no saved judge" in res.output


def test_set_reaches_any_config_option_and_bad_ones_exit_2(tmp_path):
    from tablefuse.cli import parse_settings

    assert parse_settings(["block.top_k=30", "block.cross_source_only=true", "block.blockers=['token']",
                           "discover.unique_sources=a.csv", "judge.threshold=0.7"]) == {
        "block": {"top_k": 30, "cross_source_only": True, "blockers": ["token"]},
        "discover": {"unique_sources": "a.csv"}, "judge": {"threshold": 0.7}}
    lake = _write_lake(tmp_path / "lake")
    db = tmp_path / "out.duckdb"
    res = runner.invoke(app, ["integrate", str(lake), "--judge", "similarity", "--db", str(db), "-q",
                              "--set", "block.cross_source_only=true", "--set", "discover.method=components"])
    assert res.exit_code == 0, res.output
    con = duckdb.connect(str(db), read_only=True)
    config = json.loads(con.sql("SELECT config FROM runs").fetchall()[0][0])
    pairs = con.sql("SELECT a.source AS sa, b.source AS sb FROM candidates c JOIN tuples a ON a.tid = c.tid_a "
                    "JOIN tuples b ON b.tid = c.tid_b").pl()
    con.close()
    assert config["block"]["cross_source_only"] is True and config["discover"]["method"] == "components"
    assert pairs.height > 0 and (pairs["sa"] != pairs["sb"]).all()  # the setting reached the blocker
    for bad, named in ((["--set", "block.top_k=many"], "block.top_k"), (["--set", "block.nope=1"], "nope"),
                       (["--set", "top_k=3"], "section.option=value")):
        res = runner.invoke(app, ["integrate", str(lake), "--judge", "similarity", "--db", str(tmp_path / "x.duckdb"),
                                  *bad])
        assert res.exit_code == 2 and named in res.output, res.output


def test_unique_sources_all_keeps_each_table_once_per_set(tmp_path):
    lake = tmp_path / "lake"
    lake.mkdir()
    # a.csv lists two different cafes that look alike; b.csv lists one of them
    (lake / "a.csv").write_text("name,city\nBlue Door Cafe,Springfield\nBlue Door Cafe II,Springfield\n")
    (lake / "b.csv").write_text("name,city\nBlue Door Cafe,Springfield\n")
    db = tmp_path / "out.duckdb"
    res = runner.invoke(app, ["integrate", str(lake), "--judge", "similarity", "--threshold", "0.3",
                              "--db", str(db), "-q", "--unique-sources", "all"])
    assert res.exit_code == 0, res.output
    con = duckdb.connect(str(db), read_only=True)
    per_set = con.sql("SELECT m.set_id, t.source, count(*) AS n FROM membership m JOIN tuples t USING (tid) "
                      "GROUP BY ALL").pl()
    linked = con.sql("SELECT count(*) FROM pairs WHERE integrable").fetchall()[0][0]
    above = con.sql("SELECT count(*) FROM pairs WHERE score >= 0.3").fetchall()[0][0]
    con.close()
    # the judge scored both look-alikes above the cut; unique mapping kept only the stronger pair ...
    assert above >= 2 and linked == 1
    assert per_set["n"].max() == 1  # ... and no set holds two rows of one table
    assert per_set.filter(pl.col("source") == "b.csv")["set_id"].item() in per_set.filter(
        pl.col("source") == "a.csv")["set_id"].to_list()  # and b's cafe still joined one of a's
