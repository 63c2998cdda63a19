"""--jobs: datasets of a suite run at once (each in its own process) and give the same results."""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.harness import run_suite


@pytest.mark.slow
def test_jobs_run_datasets_at_once_with_the_same_results(tmp_path: Path) -> None:
    def run(jobs: int) -> dict:
        return run_suite("join", quick=True, out_dir=tmp_path / f"out{jobs}", work_dir=tmp_path / f"work{jobs}",
                         methods=("baseline",), datasets=("restaurants",), jobs=jobs)["join"]

    def outcome(payload: dict) -> list[tuple]:
        return [(r["dataset"], r["method"], r["status"], r["metrics"]["sets"]["f1"], r["metrics"]["judge"]["f1"],
                 r["metrics"]["cells"]["accuracy"]) for r in payload["runs"]]

    one, two = run(1), run(2)
    assert len(one["runs"]) == 3 and all(r["status"] == "ok" for r in one["runs"])  # the 3 restaurant lakes
    assert outcome(two) == outcome(one)  # same lakes, same order, same numbers
    assert [d["name"] for d in two["datasets"]] == [d["name"] for d in one["datasets"]]
    assert two["jobs"] == 2 and two["command"].endswith("--jobs 2") and "--jobs" not in one["command"]
    assert (tmp_path / "out2" / "join.json").is_file()
