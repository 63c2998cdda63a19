"""Store faults: kill -9 at several points of a run over a store holding a good run, two writers
at once, a held lock, read-only paths, a full disk (a real tmpfs where the machine allows
mounting, and a DuckDB write failure injected at the storage seam either way).

The previous run must stay intact and complete, ``runs`` must not show a killed run, and the next
run must work and leave no temporary file behind.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.faults import SCENARIO_GROUPS, SCENARIOS

pytestmark = pytest.mark.faults

# These start child processes (a tablefuse import each, a few seconds on a shared core).
CHILDREN = ("kill_during_ingest", "kill_while_writing", "kill_before_replace", "kill_after_replace",
            "kill_from_outside", "two_writers", "store_in_use")
IN_PROCESS = ("read_only_store_file", "read_only_folder", "full_disk", "disk_write_fails")


@pytest.mark.slow
@pytest.mark.parametrize("name", CHILDREN)
def test_store_survives(name: str, tmp_path: Path) -> None:
    outcome = SCENARIOS[name](tmp_path)
    assert outcome.handled, outcome.detail


@pytest.mark.parametrize("name", IN_PROCESS)
def test_store_write_fault_is_a_store_error_and_keeps_the_previous_run(name: str, tmp_path: Path) -> None:
    outcome = SCENARIOS[name](tmp_path)
    assert outcome.handled, outcome.detail


def test_every_store_scenario_has_a_test() -> None:
    assert {n for n, g in SCENARIO_GROUPS.items() if g == "store"} == set(CHILDREN) | set(IN_PROCESS)
