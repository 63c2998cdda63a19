"""One real run through the harness: a spawned process runs the library API and is scored."""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.harness import METHODS, run_isolated
from benchmarks.join import Preset, generate

from join_seed import seed_table


@pytest.mark.slow
def test_a_run_in_its_own_process_is_scored(tmp_path: Path) -> None:
    clean = Preset("clean", typo_rate=0.0, synonym_rate=0.0, conflict_rate=0.05, header_rate=0.0)
    bench = generate(seed_table(12), tmp_path / "gen", preset=clean, n_tables=2, seed_value=1)
    baseline = next(m for m in METHODS if m.name == "baseline")
    record = run_isolated(bench.lake_dir, bench.truth_dir, baseline, timeout_s=300, scratch=tmp_path)
    assert record["status"] == "ok", record.get("error")
    m = record["metrics"]
    assert m["tuples"] == bench.counts["rows"]
    assert m["coverage"]["unlabelled"] == 0  # truth keys on exactly the rows the run read
    assert m["conflicts"]["total"] == bench.counts["conflict"]
    assert 0.0 <= m["sets"]["f1"] <= 1.0 and m["cells"]["total"] > 0
    assert [s["stage"] for s in record["stages"]][:2] == ["ingest", "align"]
    assert record["peak_rss_mb"] > 0


def test_a_run_past_its_time_is_stopped(tmp_path: Path) -> None:
    bench = generate(seed_table(12), tmp_path / "gen", n_tables=2, seed_value=1)
    record = run_isolated(bench.lake_dir, bench.truth_dir, METHODS[0], timeout_s=0.01, scratch=tmp_path)
    assert record["status"] == "timeout"
