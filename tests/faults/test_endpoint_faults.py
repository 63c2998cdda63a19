"""LLM endpoint faults against real HTTP servers on 127.0.0.1: refused, hanging, HTTP 500,
garbage (on chat completions and on ``/models``), wrong JSON shape, off-candidate and
prompt-injection answers. The run completes, every conflicting cell records the fallback and
why, its value is one of the cell's candidates, and the whole run stays under
``LLM_BOUND_S`` = 15 s + ``llm_timeout`` × (``llm_max_retries`` + 1) × 2 + backoff (timeout 1 s,
1 retry): once the endpoint is down no further request is made.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.faults import LLM_BOUND_S, LLM_RETRIES, LLM_TIMEOUT, SCENARIO_GROUPS, SCENARIOS

pytestmark = pytest.mark.faults

ENDPOINT = sorted(n for n, g in SCENARIO_GROUPS.items() if g == "endpoint")


def test_the_bound_is_stated_from_the_retry_budget() -> None:
    assert LLM_BOUND_S >= LLM_TIMEOUT * (LLM_RETRIES + 1)
    assert len(ENDPOINT) == 8


@pytest.mark.parametrize("name", ENDPOINT)
def test_endpoint_fault_falls_back_per_cell_and_says_why(name: str, tmp_path: Path) -> None:
    outcome = SCENARIOS[name](tmp_path)
    assert outcome.handled, outcome.detail

