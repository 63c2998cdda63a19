"""kNN resolution on hand-made lakes: other sets vouch for a candidate."""
from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest

from tablefuse.config import ResolveConfig
from tablefuse.errors import ConfigError
from tablefuse.resolve import KnnResolver, VoteResolver, make_resolver
from tablefuse.resolve._knn import attribute_weights

Build = Any  # the ``build`` fixture from conftest.py


def _city_state_lake() -> list[tuple[int, str, int, dict[str, str | None]]]:
    rows = []
    tid = 0
    for s, (city, state) in enumerate([("Boston", "MA")] * 3 + [("Austin", "TX")] * 3, start=1):
        rows.append((tid, "a", s, {"name": f"h{s}", "city": city, "state": state}))
        tid += 1
    # set 9: Austin, sources disagree 1-1 on the state; alphabetical order would pick MA
    rows += [(tid, "a", 9, {"name": "h9", "city": "Austin", "state": "MA"}),
             (tid + 1, "b", 9, {"name": "h9", "city": "Austin", "state": "TX"})]
    return rows


def test_neighbours_break_a_tie(build: Build) -> None:
    t, m = build(_city_state_lake(), ["name", "city", "state"])
    vote = VoteResolver().resolve(t, m)
    knn = make_resolver(ResolveConfig(method="knn", k=10)).resolve(t, m)
    assert vote.golden.filter(pl.col("set_id") == 9)["state"].item() == "MA"
    assert knn.golden.filter(pl.col("set_id") == 9)["state"].item() == "TX"
    row = knn.conflicts.row(0, named=True)
    # NMI(city, state) = 1; NMI(name, state) = ln2 / mean(ln6, ln2) (names are unique, never
    # match); similarity of each Austin neighbour = 1 / (1 + w_name); TX gets 1 + 3 sims, MA 1
    w_name = math.log(2) / ((math.log(6) + math.log(2)) / 2)
    sim = 1 / (1 + w_name)
    assert row["confidence"] == pytest.approx((1 + 3 * sim) / (2 + 3 * sim))
    assert "3 of 3 similar sets agree (matched on city)" in row["reason"]


def test_k_limits_the_neighbours(build: Build) -> None:
    t, m = build(_city_state_lake(), ["name", "city", "state"])
    knn = make_resolver(ResolveConfig(method="knn", k=1)).resolve(t, m)
    sim = 1 / (1 + math.log(2) / ((math.log(6) + math.log(2)) / 2))
    assert knn.conflicts["confidence"].item() == pytest.approx((1 + sim) / (2 + sim))


def test_without_similar_sets_it_is_a_vote(build: Build) -> None:
    rows = [(0, "a", 1, {"v": "x", "w": "p"}), (1, "b", 1, {"v": "y", "w": "p"}),
            (2, "a", 1, {"v": "x", "w": "p"})]
    t, m = build(rows, ["v", "w"])
    res = KnnResolver().resolve(t, m)
    assert res.golden["v"].item() == "x"
    assert res.conflicts["confidence"].item() == pytest.approx(2 / 3)
    assert res.conflicts["reason"].item().endswith("no similar set to consult")


def test_attribute_weights_are_normalised_mutual_information() -> None:
    keys = pl.DataFrame({
        "set_id": [1, 2, 3, 4] * 3,
        "attribute": ["t"] * 4 + ["same"] * 4 + ["indep"] * 4,
        "key": ["p", "p", "q", "q", "a", "a", "b", "b", "a", "b", "a", "b"],
        "conflict": [False] * 12})
    w = attribute_weights(keys, ["t"], 0.1)
    assert w.rows() == [("t", "same", pytest.approx(1.0))]
    w0 = attribute_weights(keys, ["t"], 0.0)
    assert dict(zip(w0["attribute"], w0["weight"])) == {"indep": pytest.approx(0.0, abs=1e-12),
                                                        "same": pytest.approx(1.0)}
    assert math.isfinite(w0["weight"].sum())


@pytest.mark.parametrize("bad", [{"k": 0}, {"min_mi": 1.5}])
def test_bad_config(bad: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        make_resolver(ResolveConfig(method="knn", **bad))  # type: ignore[arg-type]


def test_zero_information_attributes_do_not_break_the_similarity(build: Build) -> None:
    # min_mi = 0 keeps a constant attribute (NMI 0): its weights sum to 0, which must not give NaN
    rows = [(0, "a", 1, {"v": "x", "w": "p"}), (1, "a", 2, {"v": "x", "w": "p"}),
            (2, "a", 3, {"v": "x", "w": "p"}), (3, "b", 3, {"v": "y", "w": "p"})]
    t, m = build(rows, ["v", "w"])
    res = KnnResolver(k=3, min_mi=0.0).resolve(t, m)
    conf = res.conflicts["confidence"].item()
    assert math.isfinite(conf) and 0.0 < conf <= 1.0
