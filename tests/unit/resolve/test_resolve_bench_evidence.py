"""The resolve benchmark's definition of "a conflict with evidence", on a hand-made lake."""
from __future__ import annotations

from typing import Any

import polars as pl

from benchmarks.resolve_llm import Lake, cell_evidence, clean_fds, scopes

Build = Any  # the ``build`` fixture from conftest.py
ATTRS = ["name", "city", "state"]
TRUE = {1: ("h1", "Austin", "TX"), 2: ("h2", "Austin", "TX"), 3: ("h3", "Boston", "MA"),
        4: ("h4", "Boston", "MA"), 5: ("h5", "Austin", "TX"), 6: ("h6", "Dallas", "TX"),
        7: ("h7", "Reno", "NV")}


def _lake(build: Build) -> Lake:
    rows: list[tuple[int, str, int, dict[str, str | None]]] = []
    lake_values = {s: dict(zip(ATTRS, v)) for s, v in TRUE.items()}
    lake_values[5] = {"name": "h5", "city": "Austin", "state": "MA"}  # 1-1 with TX below
    lake_values[6] = {"name": "h6", "city": "Dallas", "state": "NV"}  # Dallas: no other set
    lake_values[7] = {"name": "h1", "city": "Reno", "state": "NV"}  # h1 copied from set 1
    for s, values in lake_values.items():
        rows.append((2 * s, "a", s, values))
        rows.append((2 * s + 1, "b", s, dict(zip(ATTRS, TRUE[s]))))
    rows.append((100, "c", 4, {"name": "h4", "city": "Boston", "state": "MX"}))  # a lone tuple
    t, m = build(rows, ATTRS)
    values = pl.DataFrame([(s, a, v) for s, vs in TRUE.items() for a, v in zip(ATTRS, vs)],
                          schema={"set_id": pl.Int64, "attribute": pl.Utf8, "true_value": pl.Utf8},
                          orient="row")
    truth = values.filter(pl.struct("set_id", "attribute").is_in(
        [{"set_id": 5, "attribute": "state"}, {"set_id": 6, "attribute": "state"},
         {"set_id": 7, "attribute": "name"}, {"set_id": 1, "attribute": "city"}]))
    return Lake(t, m, truth, values)


def test_clean_fds_and_keys() -> None:
    values = pl.DataFrame([(s, a, v) for s, vs in TRUE.items() for a, v in zip(ATTRS, vs)],
                          schema={"set_id": pl.Int64, "attribute": pl.Utf8, "true_value": pl.Utf8},
                          orient="row")
    fds, keys = clean_fds(values)
    assert ("city", "state") in fds and ("state", "city") not in fds
    assert ("name", "state") not in fds  # names are never shared: no dependency shown
    assert keys == {"name"}


def test_each_kind_of_cell(build: Build) -> None:
    lake = _lake(build)
    ev = cell_evidence(lake)
    assert ev[(5, "state")] == "determinant city"  # sets 1 and 2: Austin, TX, unconflicted
    assert ev[(6, "state")] == "none"  # no other Dallas set: only the set's own tuples
    assert ev[(7, "name")] == "ownership"  # the wrong 'h1' is set 1's, unconflicted there
    assert ev[(1, "city")] == "not a conflict"
    sc = scopes(ev)
    assert sc["evidence"] == {(5, "state"), (7, "name")}
    assert sc["reachable"] == sc["conflicts"] == {(5, "state"), (6, "state"), (7, "name")}
