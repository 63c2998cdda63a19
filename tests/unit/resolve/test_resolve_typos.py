"""The typo-aware rule (a near variant counts for the better-supported spelling), the typo-aware
reliability estimate and the stated tie rules."""
from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from tablefuse.config import ResolveConfig
from tablefuse.resolve import TruthResolver, make_resolver
from tablefuse.resolve._conflicts import Candidate, ConflictCell, LakeCells, source_reliability
from tablefuse.resolve._typos import find_typos, merge, near_variant

Build = Any  # the ``build`` fixture from conftest.py
METHODS = ("vote", "truth", "knn", "evidence")


def _cell(res: Any, set_id: int, attr: str) -> Any:
    return res.golden.filter(pl.col("set_id") == set_id)[attr].item()


def test_near_variants() -> None:
    assert near_variant("East of Eden", "East of EEden")
    assert near_variant("Wild Pearl Pizzeria", "Wild Paerl Pizzeria")  # a swap is one edit
    assert not near_variant("East of Eden", "West of Eden Road")  # token counts differ
    assert not near_variant("Blue Door", "Red Door")  # too far apart
    assert not near_variant("An Bar", "Ab Bar")  # words under three letters are left alone
    assert not near_variant("10006", "10007") and not near_variant("Unit 12 Oak", "Unit 13 Oak")  # digits
    assert not near_variant("Oak Pine Elm", "Oak Pone Elk")  # two tokens differ


def _books(typo_source: str = "shop3") -> list[tuple[int, str, int, dict[str, Any]]]:
    """Three shops; the words of each title also occur in other titles of the lake, and shop3
    misspells one word of every title it lists; shop1 and shop2 tie shop3 one-to-one."""
    titles = ["East of Eden", "Brave New World", "The Grapes of Wrath", "Of Mice and Men",
              "Eden Rising", "New World Order", "Wrath of Mice", "Grapes and Men"]
    typos = {"East of Eden": "East of EEden", "Brave New World": "Brave New Wordl",
             "The Grapes of Wrath": "The Grapes of Wrqth", "Of Mice and Men": "Of Mcie and Men"}
    rows: list[tuple[int, str, int, dict[str, Any]]] = []
    tid = 0
    for i, title in enumerate(titles):
        if title in typos:  # a 1-1 conflict: one correct shop, one typo shop
            good = "shop1" if i % 2 else "shop2"
            rows.append((tid, good, i, {"title": title, "price": f"{10 + i}.00"}))
            rows.append((tid + 1, typo_source, i, {"title": typos[title], "price": f"{10 + i}.00"}))
            tid += 2
        else:
            rows.append((tid, "shop1", i, {"title": title, "price": f"{10 + i}.00"}))
            rows.append((tid + 1, "shop2", i, {"title": title, "price": f"{10 + i}.00"}))
            tid += 2
    return rows


@pytest.mark.parametrize("method", METHODS)
def test_the_correct_spelling_wins_a_one_to_one_tie(method: str, build: Build) -> None:
    t, m = build(_books(), ["title", "price"])
    res = make_resolver(ResolveConfig(method=method)).resolve(t, m)
    assert [_cell(res, i, "title") for i in range(4)] == [
        "East of Eden", "Brave New World", "The Grapes of Wrath", "Of Mice and Men"]
    reasons = res.conflicts.filter(pl.col("attribute") == "title")["reason"].to_list()
    assert len(reasons) == 4 and all("near variant of" in r and "supports more" in r for r in reasons)


def test_without_the_typo_rule_the_one_to_one_ties_are_coin_flips(build: Build) -> None:
    t, m = build(_books(), ["title", "price"])
    resolver = make_resolver(ResolveConfig(method="vote"))
    resolver.typo_aware = False  # type: ignore[attr-defined]
    reasons = resolver.resolve(t, m).conflicts["reason"].to_list()
    assert reasons and not any("near variant" in r for r in reasons)


def test_a_typo_counts_for_the_spelling_it_varies(build: Build) -> None:
    # set 0: 'Market' 1, 'Maarket' 1, 'Other Road' 2 -> with the typo counted for 'Market' it is 2-2
    rows = [(0, "a", 0, {"street": "Market Street"}), (1, "b", 0, {"street": "Maarket Street"}),
            (2, "c", 0, {"street": "Other Road"}), (3, "c", 0, {"street": "Other Road"})]
    rows += [(10 + i, "a", 1 + i, {"street": f"{i} Market Street"}) for i in range(4)]
    t, m = build(rows, ["street"])
    cell = make_resolver(ResolveConfig(method="vote")).resolve(t, m).conflicts.filter(pl.col("set_id") == 0)
    assert "its 1 tuple counts for 'Market Street'" in cell["reason"].item()


def test_the_rule_needs_clearly_more_support() -> None:
    cell = ConflictCell(0, "title", (Candidate("Lemon Tree", "lemon tree", (0,), ("a",), 1),
                                     Candidate("Lemon Trea", "lemon trea", (1,), ("b",), 1)))
    support = {("title", "tree"): 2, ("title", "trea"): 1, ("title", "lemon"): 9}
    assert find_typos(cell, support, {}) == []  # 2 < 2 * 1 + 1: 'trea' is not clearly the typo
    support[("title", "tree")] = 4
    typos = find_typos(cell, support, {})
    assert [(t.loser, t.winner) for t in typos] == [(1, 0)]
    merged, index = merge(cell, typos)
    assert [c.count for c in merged.candidates] == [2] and index == [0]
    # the set's own tuples never vouch for it
    own = {(0, "title", "tree"): 4, (0, "title", "trea"): 1}  # all of it from set 0 itself
    assert find_typos(cell, support, own) == []


def test_reliability_penalises_the_typo_source_only(build: Build) -> None:
    t, m = build(_books(), ["title", "price"])
    resolver = make_resolver(ResolveConfig(method="vote"))
    resolver.resolve(t, m)
    aware = resolver.reliability_  # type: ignore[attr-defined]
    blind = make_resolver(ResolveConfig(method="vote"))
    blind.typo_aware = False  # type: ignore[attr-defined]
    blind.resolve(t, m)
    plain = blind.reliability_  # type: ignore[attr-defined]
    assert aware["shop3"] < min(aware["shop1"], aware["shop2"])
    assert aware["shop1"] > plain["shop1"] and aware["shop2"] > plain["shop2"]  # typos no longer count against them
    assert aware["shop3"] == pytest.approx(plain["shop3"])


def test_reliability_with_vkey_matches_the_plain_rate_without_typos() -> None:
    cells = pl.DataFrame({"set_id": [1, 1, 1], "attribute": ["v"] * 3, "tid": [0, 1, 2],
                          "source": ["a", "b", "c"], "value": ["x", "x", "y"], "key": ["x", "x", "y"]})
    plain = source_reliability(cells)
    with_vkey = source_reliability(cells.with_columns(pl.col("key").alias("vkey")))
    assert plain == with_vkey == {"a": pytest.approx(0.5), "b": pytest.approx(0.5), "c": pytest.approx(0.25)}
    typo = source_reliability(cells.with_columns(pl.Series("vkey", ["x", "x", "x"])))  # c's 'y' varies 'x'
    assert typo["a"] > plain["a"] and typo["c"] == pytest.approx(plain["c"])


def test_truth_discovery_scores_a_typo_source_on_its_own_values() -> None:
    # two 1-1 conflicts between a and c; c's values are typo variants (vkey: a's key)
    cells = pl.DataFrame({"set_id": [1, 1, 2, 2], "attribute": ["v"] * 4, "tid": [0, 1, 2, 3],
                          "source": ["a", "c", "a", "c"], "value": ["x", "xx", "y", "yy"],
                          "key": ["x", "xx", "y", "yy"], "conflict": [True] * 4})
    truth = TruthResolver()
    blind, _, _ = truth.accuracies(LakeCells(cells, ("v",), {}))
    aware, probs, _ = truth.accuracies(LakeCells(cells.with_columns(pl.Series("vkey", ["x", "x", "y", "y"])),
                                                 ("v",), {}))
    assert blind["a"] == pytest.approx(blind["c"])  # without the typo rule: indistinguishable
    assert aware["c"] < blind["c"] < aware["a"]
    assert set(probs["key"].to_list()) == {"x", "y"}  # the typo keys get no probability of their own


def test_date_ties_go_to_the_most_recent(build: Build) -> None:
    rows = [(0, "insp", 1, {"inspected": "2023-01-03"}), (1, "insp", 1, {"inspected": "2023-07-06"}),
            (2, "insp", 2, {"inspected": "2023-02-01"})]
    t, m = build(rows, ["inspected"])
    row = make_resolver(ResolveConfig(method="vote")).resolve(t, m).conflicts.row(0, named=True)
    assert row["chosen"] == "2023-07-06" and "the more recent date wins" in row["reason"]
    assert "value order" not in row["reason"]


def test_shared_attribute_ties_go_to_the_more_common_value(build: Build) -> None:
    # city is shared by sets: in a 1-1 tie the value more other sets hold wins
    rows = [(0, "a", 1, {"city": "Austin"}), (1, "b", 1, {"city": "Boston"})]
    rows += [(10 + i, "a", 2 + i, {"city": "Boston"}) for i in range(3)] + [(20, "a", 9, {"city": "Austin"})]
    rows += [(21, "b", 10, {"city": "Austin"})]
    t, m = build(rows, ["city"])
    row = make_resolver(ResolveConfig(method="vote")).resolve(t, m).conflicts.row(0, named=True)
    assert row["chosen"] == "Boston" and "more common elsewhere" in row["reason"]
