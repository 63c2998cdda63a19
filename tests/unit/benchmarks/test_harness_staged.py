"""The harness runs a dataset's methods in one process with shared stages, and Splink as a
benchmark-only baseline judge: the shared path must give what the pipeline gives."""
from __future__ import annotations

import polars as pl
import pytest

from benchmarks import harness, splink_baseline
from benchmarks.harness import METHODS, StagedRuns, score, usable_methods
from benchmarks.join import Preset, generate
from tablefuse.config import TablefuseConfig

from join_seed import seed_table

CLEAN = Preset("clean", typo_rate=0.0, synonym_rate=0.0, conflict_rate=0.05, header_rate=0.0)


def _method(name: str):
    return next(m for m in METHODS if m.name == name)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory):
    return generate(seed_table(20), tmp_path_factory.mktemp("staged") / "gen", preset=CLEAN, n_tables=2,
                    seed_value=3)


def _sets(frame: pl.DataFrame) -> set[frozenset[int]]:
    return {frozenset(g) for g in frame.group_by("set_id").agg("tid")["tid"].to_list()}


@pytest.mark.slow
def test_staged_runs_give_the_pipeline_result_and_share_stages(bench) -> None:
    import tablefuse

    baseline, leiden = _method("baseline"), _method("leiden")
    runs = StagedRuns(bench.lake_dir)
    try:
        cfg = TablefuseConfig().with_overrides(**baseline.overrides)
        staged, stats = runs.run(cfg)
        _, stats2 = runs.run(TablefuseConfig().with_overrides(**leiden.overrides))
    finally:
        runs.close()
    piped = tablefuse.integrate(bench.lake_dir, cfg)
    assert staged.candidates.frame.sort("tid_a", "tid_b").equals(piped.candidates.frame.sort("tid_a", "tid_b"))
    assert _sets(staged.membership.frame) == _sets(piped.membership.frame)
    assert staged.resolution.golden.height == piped.resolution.golden.height
    assert [s["stage"] for s in stats] == ["ingest", "align", "union", "block", "judge", "discover", "resolve"]
    assert not any(s["shared"] for s in stats)
    # leiden differs from the baseline only from discovery on: everything before is reused
    assert {s["stage"]: s["shared"] for s in stats2} == {
        "ingest": True, "align": True, "union": True, "block": True, "judge": True, "discover": False,
        "resolve": False}


@pytest.mark.slow
def test_splink_method_scores_the_candidates_and_makes_sets(bench) -> None:
    pytest.importorskip("splink")
    splink = _method("splink")
    assert splink.bench_judge == "splink" and splink.overrides["discover"]["method"] == "components"
    runs = StagedRuns(bench.lake_dir)
    try:
        result, stats = runs.run(TablefuseConfig().with_overrides(**splink.overrides), splink.bench_judge)
    finally:
        runs.close()
    result.membership.validate(result.tuples)
    scored = result.scored.frame
    assert scored.select("tid_a", "tid_b").sort("tid_a", "tid_b").equals(
        result.candidates.frame.select("tid_a", "tid_b").sort("tid_a", "tid_b"))  # exactly the candidates
    assert result.scored.stats["method"] == "splink"
    assert scored["score"].is_between(0.0, 1.0).all()
    assert scored["integrable"].to_list() == (scored["score"] >= 0.5).to_list()
    metrics = score(result, bench.truth_dir)
    # the clean lake's duplicates agree on every value: Splink must find some of them
    assert metrics["judge"]["recall"] > 0
    assert metrics["sets"]["f1"] > 0


def test_splink_is_skipped_with_a_note_when_not_installed(monkeypatch) -> None:
    monkeypatch.setattr(splink_baseline, "available", lambda: "splink not installed (test); pip install -e '.[bench]'")
    chosen, notes = usable_methods(quick=False)
    assert "splink" not in [m.name for m in chosen]
    assert any(n.startswith("method splink skipped: splink not installed") for n in notes)
    monkeypatch.setattr(splink_baseline, "available", lambda: None)
    chosen, notes = usable_methods(quick=False, names=("splink",))
    assert [m.name for m in chosen] == ["splink"]


def test_an_unknown_benchmark_judge_is_named() -> None:
    assert "unknown" in harness.bench_judge_missing("nope")


def test_methods_with_the_same_pipeline_run_once() -> None:
    chosen, notes = usable_methods(quick=False)
    names = [m.name for m in chosen]
    assert len(names) == len(set(names))
    # splink keeps the default judge section but replaces the judge: it is not a duplicate
    assert "splink" in names or any("splink" in n for n in notes)


@pytest.mark.slow
def test_a_benchmark_run_applies_the_same_cross_stage_rules_as_integrate(bench, tmp_path) -> None:
    """With ``block.cross_source_only`` (which declares the sources duplicate-free) the harness's
    pairs and sets equal the ones ``tablefuse integrate`` stores: unique mapping and the source
    rule apply in both (the harness used to skip them)."""
    import duckdb
    from typer.testing import CliRunner

    from tablefuse.cli import app

    cfg = TablefuseConfig().with_overrides(judge={"method": "similarity", "threshold": 0.3},
                                           block={"cross_source_only": True, "blockers": ["token"]},
                                           align={"method": "header"}, resolve={"method": "vote"})
    runs = StagedRuns(bench.lake_dir)
    try:
        staged, _ = runs.run(cfg)
    finally:
        runs.close()
    db = tmp_path / "run.duckdb"
    res = CliRunner().invoke(app, ["integrate", str(bench.lake_dir), "--db", str(db), "-q",
                                   "--judge", "similarity", "--threshold", "0.3",
                                   "--set", "block.cross_source_only=true",
                                   "--set", "block.blockers=['token']", "--set", "align.method='header'",
                                   "--resolve", "vote"])
    assert res.exit_code == 0, res.output
    with duckdb.connect(str(db), read_only=True) as con:
        pairs = con.sql("SELECT tid_a, tid_b, integrable FROM pairs").pl().sort("tid_a", "tid_b")
        membership = con.sql("SELECT tid, set_id FROM membership").pl()
    mine = staged.scored.frame.select("tid_a", "tid_b", "integrable").sort("tid_a", "tid_b")
    assert staged.scored.stats.get("unique_mapping_dropped", 0) > 0  # the rule really changed decisions
    assert mine.equals(pairs)
    assert _sets(staged.membership.frame) == _sets(membership)
