"""Checks every registered resolver must pass, on one hand-made lake."""
from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest

from tablefuse.config import ResolveConfig, TablefuseConfig
from tablefuse.resolve import RESOLVERS, make_resolver

Build = Any  # the ``build`` fixture from conftest.py
# The in-process resolvers; LLM-backed ones need an endpoint or a model and have their own tests.
METHODS = ("vote", "truth", "knn", "evidence")

ROWS = [
    (0, "a.csv", 1, {"name": "Acme Inc", "city": "Boston", "zip": None}),
    (1, "b.csv", 1, {"name": "ACME Incorporated", "city": "Bostn", "zip": "02134"}),
    (2, "c.csv", 1, {"name": "acme inc.", "city": "Boston", "zip": None}),
    (3, "a.csv", 2, {"name": "Zeta", "city": "Austin", "zip": "73301"}),
    (4, "b.csv", 2, {"name": "Zeta", "city": "Austin", "zip": "73301"}),
    (5, "c.csv", 3, {"name": "Solo", "city": None, "zip": None}),
]


@pytest.mark.parametrize("method", METHODS)
def test_resolver_contract(method: str, build: Build) -> None:
    t, m = build(ROWS, ["name", "city", "zip"])
    res = make_resolver(ResolveConfig(method=method)).resolve(t, m)
    assert res.golden.columns == ["set_id", "name", "city", "zip"]
    assert res.golden["set_id"].to_list() == [1, 2, 3]
    assert res.golden.row(0) == (1, "ACME Incorporated", "Boston", "02134")
    assert res.golden.row(2) == (3, "Solo", None, None)
    assert res.conflicts.height == 1  # only set 1 / city; 'Acme' spellings are equivalent
    row = res.conflicts.row(0, named=True)
    assert row["method"] == method and row["chosen"] == "Boston"
    assert row["chosen"] in [c["value"] for c in json.loads(row["candidates"])]
    assert 0.0 <= row["confidence"] <= 1.0 and row["reason"]
    prov = {(r["set_id"], r["attribute"]): r["tids"] for r in res.provenance.iter_rows(named=True)}
    assert prov[(1, "city")] == [0, 2] and prov[(1, "name")] == [0, 1, 2] and prov[(1, "zip")] == [1]
    assert (3, "city") not in prov
    assert res.provenance.schema["tids"] == pl.List(pl.Int64)


@pytest.mark.parametrize("method", METHODS)
def test_resolver_is_deterministic(method: str, build: Build) -> None:
    rows = [(i, f"s{i % 3}", i // 5, {"a": f"v{(i * 7) % 4}", "b": f"w{i % 2}"}) for i in range(60)]
    t, m = build(rows, ["a", "b"])
    r1 = make_resolver(ResolveConfig(method=method)).resolve(t, m)
    r2 = make_resolver(ResolveConfig(method=method)).resolve(t, m)
    assert r1.golden.equals(r2.golden) and r1.conflicts.equals(r2.conflicts)
    for row in r1.conflicts.iter_rows(named=True):
        assert row["chosen"] in [c["value"] for c in json.loads(row["candidates"])]
        assert 0.0 <= row["confidence"] <= 1.0


@pytest.mark.parametrize("method", METHODS)
def test_config_round_trip(method: str) -> None:
    cfg = TablefuseConfig().with_overrides(resolve={"method": method, "k": 3})
    again = TablefuseConfig.from_dict(json.loads(cfg.to_json()))
    assert again.resolve == cfg.resolve and again.resolve.k == 3
    assert type(make_resolver(again.resolve)).__name__ == RESOLVERS[method].__name__
