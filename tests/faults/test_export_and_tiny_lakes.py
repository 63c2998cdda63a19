"""CSV injection on export, and lakes too small to train the default judge on."""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.faults import SCENARIOS, cli, norm

pytestmark = pytest.mark.faults


def test_csv_export_defuses_formulas_and_the_store_keeps_them(tmp_path: Path) -> None:
    outcome = SCENARIOS["csv_injection_export"](tmp_path)
    assert outcome.handled, outcome.detail


def test_an_untrained_judge_is_saved_and_rescores(tmp_path: Path) -> None:
    """One row: SSACL trains nothing, says why, and ``tablefuse judge`` re-scores from the store."""
    lake = tmp_path / "lake"
    lake.mkdir()
    (lake / "one.csv").write_text("name,city\nBlue Door Cafe,Springfield\n")
    db = tmp_path / "store.duckdb"
    code, text, _ = cli(["integrate", str(lake), "--db", str(db)])
    assert code == 0, norm(text)[-400:]
    assert "nothing trained" in text and "1 of 1 tuples" in norm(text)
    code, text, _ = cli(["judge", "--db", str(db)])
    assert code == 0, norm(text)[-400:]
