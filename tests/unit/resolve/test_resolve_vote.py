"""Vote resolver and the shared conflict machinery, on hand-made sets."""
from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest

from tablefuse.config import ResolveConfig
from tablefuse.errors import ConfigError, ContractError
from tablefuse.resolve import RESOLVERS, make_resolver
from tablefuse.resolve._conflicts import Choice, resolve_with, source_reliability

Build = Any  # the ``build`` fixture from conftest.py


def _cell(res, set_id: int, attribute: str) -> str | None:
    return res.golden.filter(pl.col("set_id") == set_id)[attribute].item()


def test_majority_wins_with_reason_and_confidence(build: Build) -> None:
    t, m = build([(0, "a.csv", 7, {"city": "Boston"}), (1, "b.csv", 7, {"city": "Bostn"}),
                  (2, "c.csv", 7, {"city": "boston"})], ["city"])
    res = make_resolver(ResolveConfig(method="vote")).resolve(t, m)
    assert _cell(res, 7, "city") == "Boston"  # 'Boston'/'boston' tie 1-1: longest equal, then lexicographic
    row = res.conflicts.row(0, named=True)
    assert row["chosen"] == "Boston" and row["method"] == "vote"
    assert row["confidence"] == pytest.approx(2 / 3)
    assert row["reason"] == "2 of 3 tuples (sources a.csv, c.csv) say 'Boston'"
    cands = json.loads(row["candidates"])
    assert cands == [{"value": "Boston", "tids": [0, 2], "sources": ["a.csv", "c.csv"], "count": 2},
                     {"value": "Bostn", "tids": [1], "sources": ["b.csv"], "count": 1}]
    prov = res.provenance.filter(pl.col("attribute") == "city").row(0, named=True)
    assert prov["tids"] == [0, 2] and prov["value"] == "Boston"


def test_equivalent_values_are_not_a_conflict_and_take_most_frequent_form(build: Build) -> None:
    t, m = build([(0, "a", 1, {"name": "Acme Inc", "country": "USA"}),
                  (1, "b", 1, {"name": "ACME Incorporated", "country": "United States"}),
                  (2, "c", 1, {"name": "acme inc.", "country": "USA"}),
                  (3, "d", 1, {"name": "Acme Inc", "country": "U.S."})], ["name", "country"])
    res = make_resolver(ResolveConfig(method="vote")).resolve(t, m)
    assert res.conflicts.height == 0
    assert _cell(res, 1, "name") == "Acme Inc"  # 2 of 4 spell it so
    assert _cell(res, 1, "country") == "USA"
    prov = res.provenance.filter(pl.col("attribute") == "name")["tids"].to_list()
    assert prov == [[0, 1, 2, 3]]


def test_surface_form_tie_goes_to_longest(build: Build) -> None:
    t, m = build([(0, "a", 1, {"street": "12 Main St"}), (1, "b", 1, {"street": "12 main street"})],
                 ["street"])
    res = make_resolver(ResolveConfig(method="vote", format="original")).resolve(t, m)
    assert res.conflicts.height == 0 and _cell(res, 1, "street") == "12 main street"


def test_nulls_complement_and_singletons_and_all_null_sets_kept(build: Build) -> None:
    t, m = build([(0, "a", 1, {"x": "1", "y": None}), (1, "b", 1, {"x": None, "y": "z"}),
                  (2, "a", 2, {"x": "  ", "y": None}), (3, "a", 3, {"x": "q", "y": "r"})],
                 ["x", "y"])
    res = make_resolver(ResolveConfig(method="vote")).resolve(t, m)
    assert res.golden.columns == ["set_id", "x", "y"]
    assert res.golden.rows() == [(1, "1", "z"), (2, None, None), (3, "q", "r")]
    assert res.conflicts.height == 0
    assert res.provenance.height == 4  # non-null golden cells only
    assert all(dt == pl.Utf8 for dt in res.golden.schema.values() if dt != pl.Int64)


def test_numbers_in_different_formats_agree(build: Build) -> None:
    t, m = build([(0, "a", 1, {"n": "1,000"}), (1, "b", 1, {"n": "1000.0"}), (2, "c", 1, {"n": "1000"})],
                 ["n"])
    res = make_resolver(ResolveConfig(method="vote", format="original")).resolve(t, m)
    assert res.conflicts.height == 0
    assert _cell(res, 1, "n") == "1000.0"  # all once, as written: longest form


def test_tie_broken_by_source_reliability(build: Build) -> None:
    # Sources a and b agree on set 1; c disagrees with both there. On set 2, a and c tie 1-1.
    rows = [(0, "a", 1, {"v": "x"}), (1, "b", 1, {"v": "x"}), (2, "c", 1, {"v": "y"}),
            (3, "a", 2, {"v": "p"}), (4, "c", 2, {"v": "q"})]
    t, m = build(rows, ["v"])
    res = make_resolver(ResolveConfig(method="vote")).resolve(t, m)
    assert _cell(res, 2, "v") == "p"
    row = res.conflicts.filter(pl.col("set_id") == 2).row(0, named=True)
    assert row["confidence"] == pytest.approx(0.5)
    assert "broken by source reliability" in row["reason"]


def test_reliability_is_smoothed_agreement_rate(build: Build) -> None:
    rows = [(0, "a", 1, {"v": "x"}), (1, "b", 1, {"v": "x"}), (2, "c", 1, {"v": "y"})]
    t, m = build(rows, ["v"])
    from tablefuse.resolve._conflicts import long_cells
    rel = source_reliability(long_cells(t, m))
    # a: compared with b (agree) and c (disagree): (1 + 1) / (2 + 2); c: (0 + 1) / (2 + 2)
    assert rel == {"a": pytest.approx(0.5), "b": pytest.approx(0.5), "c": pytest.approx(0.25)}


def test_full_tie_same_reliability_is_deterministic(build: Build) -> None:
    t, m = build([(0, "a", 1, {"v": "beta"}), (1, "a", 1, {"v": "alpha"})], ["v"])
    res1 = make_resolver(ResolveConfig(method="vote")).resolve(t, m)
    assert _cell(res1, 1, "v") == "beta"  # no value order: the row read first
    assert "row read first" in res1.conflicts["reason"][0]


def test_chosen_value_is_always_a_candidate(build: Build) -> None:
    rows = [(i, f"s{i % 3}", i // 4, {"a": f"v{(i * 7) % 3}", "b": f"w{i % 2}"}) for i in range(40)]
    t, m = build(rows, ["a", "b"])
    res = make_resolver(ResolveConfig(method="vote")).resolve(t, m)
    assert res.conflicts.height > 0
    for row in res.conflicts.iter_rows(named=True):
        values = [c["value"] for c in json.loads(row["candidates"])]
        assert row["chosen"] in values and 0.0 <= row["confidence"] <= 1.0
    assert res.golden.height == 10 and res.provenance.height == 20


def test_bad_chooser_is_a_contract_error(build: Build) -> None:
    class Bad:
        def choose(self, conflicts, lake):  # type: ignore[no-untyped-def]
            return [Choice(5, 1.0, "out of range") for _ in conflicts]

    t, m = build([(0, "a", 1, {"v": "x"}), (1, "b", 1, {"v": "y"})], ["v"])
    with pytest.raises(ContractError):
        resolve_with(t, m, Bad(), "bad")


def test_registry_and_unknown_method() -> None:
    assert "vote" in RESOLVERS
    with pytest.raises(ConfigError):
        make_resolver(ResolveConfig(method="nope"))


def test_auto_picks_llm_only_when_an_endpoint_is_configured(monkeypatch):
    from tablefuse.resolve import effective_method

    monkeypatch.delenv("TABLEFUSE_LLM_BASE_URL", raising=False)
    assert effective_method(ResolveConfig()) == "evidence"
    assert effective_method(ResolveConfig(llm_base_url="http://127.0.0.1:9/v1")) == "llm"
    monkeypatch.setenv("TABLEFUSE_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    assert effective_method(ResolveConfig()) == "llm"
    assert effective_method(ResolveConfig(method="truth")) == "truth"
