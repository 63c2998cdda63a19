"""One case per bad-input class, tried through ``tablefuse integrate`` as a user would.

Each case asserts the exit code, the message (file, row, reason) and that every readable row is
in ``tuples`` and ``membership`` exactly once; a bad file is also tried with ``--skip-bad``, where
the rest of the lake must arrive whole and the file be recorded in ``sources``. The catalogue
lives in ``benchmarks/faults.py`` so the fault table and these tests can never disagree.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.faults import CASES, CONFIG_CASES, Case, run_case, run_config_case

pytestmark = pytest.mark.faults

SLOW = {"thousand_columns", "lake_too_wide"}  # a few seconds each: 1,000 and 5,400 columns


def _param(case: Case):
    return pytest.param(case, id=case.name, marks=[pytest.mark.slow] if case.name in SLOW else [])


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input_has_a_clear_outcome_and_loses_no_row(case: Case, tmp_path: Path) -> None:
    outcome = run_case(case, tmp_path)
    assert outcome.handled, outcome.detail
    assert outcome.rows_lost == 0


@pytest.mark.parametrize("name", [c[0] for c in CONFIG_CASES])
def test_bad_config_exits_2_naming_the_option(name: str, tmp_path: Path) -> None:
    outcome = run_config_case(name, tmp_path)
    assert outcome.handled, outcome.detail


def test_the_catalogue_covers_every_class_the_issue_lists() -> None:
    names = {c.name for c in CASES}
    for needed in ("empty_file", "header_only", "binary_with_nul", "binary_without_nul", "truncated_parquet",
                   "corrupt_parquet", "invalid_json", "invalid_ndjson_line", "ragged_rows", "duplicate_headers",
                   "empty_headers", "utf16_bom", "utf16_le_no_bom", "mixed_encodings", "one_mb_cell",
                   "ten_thousand_columns", "nul_late", "csv_injection_values", "quoted_newlines", "only_nulls",
                   "one_row", "no_tables", "symlink_loops", "symlink_escape_file", "unicode_file_name",
                   "space_file_name", "sql_in_headers"):
        assert needed in names
    assert len(CASES) + len(CONFIG_CASES) >= 40
