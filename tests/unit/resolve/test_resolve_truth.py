"""Truth discovery (ACCU-style) on hand-made lakes."""
from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from tablefuse.config import ResolveConfig
from tablefuse.errors import ConfigError
from tablefuse.resolve import TruthResolver, VoteResolver, make_resolver
from tablefuse.resolve._conflicts import LakeCells, long_cells

Build = Any  # the ``build`` fixture from conftest.py


def _lake_with_unreliable_pair() -> list[tuple[int, str, int, dict[str, str | None]]]:
    """a and b agree on sets 1-4; c and d each say something else there. On set 5, c and d
    outnumber a (2 to 1)."""
    rows = []
    tid = 0
    for s in range(1, 5):
        for src, val in (("a", f"x{s}"), ("b", f"x{s}"), ("c", f"y{s}"), ("d", f"z{s}")):
            rows.append((tid, src, s, {"v": val}))
            tid += 1
    rows += [(tid, "a", 5, {"v": "right"}), (tid + 1, "c", 5, {"v": "wrong"}),
             (tid + 2, "d", 5, {"v": "wrong"})]
    return rows


def test_truth_trusts_sources_that_agree_elsewhere(build: Build) -> None:
    t, m = build(_lake_with_unreliable_pair(), ["v"])
    vote = VoteResolver().resolve(t, m)
    truth = make_resolver(ResolveConfig(method="truth")).resolve(t, m)

    def pick(r: Any) -> Any:
        return r.golden.filter(pl.col("set_id") == 5)["v"].item()

    assert pick(vote) == "wrong"
    assert pick(truth) == "right"
    row = truth.conflicts.filter(pl.col("set_id") == 5).row(0, named=True)
    assert 0.5 < row["confidence"] <= 1.0 and row["method"] == "truth"
    assert "'right' is the most probable value" in row["reason"]


def test_accuracies_order_sources_and_stay_in_bounds(build: Build) -> None:
    t, m = build(_lake_with_unreliable_pair(), ["v"])
    cells = long_cells(t, m)
    n_keys = cells.group_by("set_id", "attribute").agg(pl.col("key").n_unique().alias("nk"))
    cells = cells.join(n_keys, on=["set_id", "attribute"]).with_columns(
        (pl.col("nk") > 1).alias("conflict")).drop("nk")
    acc, probs, iterations = TruthResolver().accuracies(LakeCells(cells, ("v",), {}))
    assert acc["a"] > acc["c"] and acc["b"] > acc["d"]
    assert len(acc) == 4 and all(0.01 <= a <= 0.99 for a in acc.values())
    assert 1 <= iterations <= 20
    sums = probs.group_by("set_id", "attribute").agg(pl.col("p").sum())["p"].to_list()
    assert sums == pytest.approx([1.0] * len(sums))


def test_single_source_is_majority(build: Build) -> None:
    rows = [(0, "only", 1, {"v": "x"}), (1, "only", 1, {"v": "x"}), (2, "only", 1, {"v": "y"})]
    t, m = build(rows, ["v"])
    res = TruthResolver().resolve(t, m)
    assert res.golden["v"].item() == "x"
    # one step: C(x) = 2w, C(y) = w with w = ln(10 * 0.8 / 0.2); P(x) = 1 / (1 + e^-w), then
    # accuracy = (2 P(x) + P(y)) / 3 and so on; the answer stays x with P(x) > 0.9
    assert res.conflicts["confidence"].item() > 0.9


def test_equal_support_tie_is_deterministic(build: Build) -> None:
    t, m = build([(0, "s", 1, {"v": "beta"}), (1, "s", 1, {"v": "alpha"})], ["v"])
    res = TruthResolver().resolve(t, m)
    assert res.golden["v"].item() == "beta"  # the row read first, not value order
    assert res.conflicts["confidence"].item() == pytest.approx(0.5)


@pytest.mark.parametrize("bad", [{"max_iter": 0}, {"prior_accuracy": 1.0}, {"false_values": 0},
                                 {"tol": 0.0}])
def test_bad_config(bad: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        make_resolver(ResolveConfig(method="truth", **bad))  # type: ignore[arg-type]
