"""The source rule: tuples of one source share a set only on the judge's own word."""
from __future__ import annotations

import random

import polars as pl
import pytest

from tablefuse.config import BlockConfig, DiscoverConfig, TablefuseConfig
from tablefuse.discover import DISCOVERERS, make_discoverer
from tablefuse.errors import ConfigError
from tablefuse.frames import ScoredPairs, TupleTable
from tablefuse.pipeline.policy import discover_config

from discover_helpers import clique, scored_of, sets_of, tuples_of


def lake(sources: dict[int, str]) -> TupleTable:
    base = tuples_of(sorted(sources))
    return TupleTable(base.frame.with_columns(pl.Series("source", [sources[t] for t in sorted(sources)])),
                      base.attributes)


def run(method: str, tuples: TupleTable, scored: ScoredPairs, **options):
    membership = make_discoverer(DiscoverConfig(method=method, **options)).fit_predict(tuples, scored)
    membership.validate(tuples)
    return membership


# a1 (1) and a2 (3) come from one table, b (2) from another; the judge links both a's to b, never to
# each other: a chain, not a duplicate
CHAIN = lake({1: "a.csv", 2: "b.csv", 3: "a.csv"})
CHAIN_PAIRS = [(1, 2, 0.95), (2, 3, 0.8)]


@pytest.mark.parametrize("method", ["leiden", "components", "label_propagation"])
def test_a_chain_through_another_source_is_cut_at_its_weaker_link(method: str) -> None:
    plain = run(method, CHAIN, scored_of(CHAIN_PAIRS), unique_sources="none", postcheck="never")
    assert sets_of(plain.frame) == {frozenset({1, 2, 3})}
    ruled = run(method, CHAIN, scored_of(CHAIN_PAIRS), postcheck="never")  # default: auto
    assert sets_of(ruled.frame) == {frozenset({1, 2}), frozenset({3})}
    notes = ruled.notes["note"].to_list()
    assert notes and all("source rule" in n and "'a.csv'" in n for n in notes)


def test_duplicates_the_judge_linked_directly_stay_together_unless_the_source_is_declared_clean() -> None:
    pairs = CHAIN_PAIRS + [(1, 3, 0.9)]  # now the judge calls a1 and a2 the same entity
    assert sets_of(run("leiden", CHAIN, scored_of(pairs)).frame) == {frozenset({1, 2, 3})}
    declared = run("leiden", CHAIN, scored_of(pairs), unique_sources="all")
    assert sets_of(declared.frame) == {frozenset({1, 2}), frozenset({3})}  # strongest pair (1, 2) first
    named = run("leiden", CHAIN, scored_of(pairs), unique_sources=("a.csv",))
    assert sets_of(named.frame) == {frozenset({1, 2}), frozenset({3})}
    other = run("leiden", CHAIN, scored_of(pairs), unique_sources=("b.csv",))  # a.csv follows auto
    assert sets_of(other.frame) == {frozenset({1, 2, 3})}


def test_a_group_joins_only_if_every_same_source_pair_was_judged() -> None:
    # a1, a2 (source a) judged duplicates; a3 (source a) linked to a1 only, through b
    tuples = lake({1: "a.csv", 2: "a.csv", 3: "a.csv", 4: "b.csv"})
    pairs = [(1, 2, 0.97), (1, 4, 0.96), (2, 4, 0.95), (3, 4, 0.9), (1, 3, 0.6)]  # (2, 3) never judged
    m = run("components", tuples, scored_of(pairs))
    assert sets_of(m.frame) == {frozenset({1, 2, 4}), frozenset({3})}


def test_single_source_lakes_are_left_alone_by_auto_but_not_by_judged() -> None:
    one = tuples_of([1, 2, 3])
    pairs = [(1, 2, 0.9), (2, 3, 0.9)]  # a dirty table: 1 and 3 never compared
    assert sets_of(run("leiden", one, scored_of(pairs)).frame) == {frozenset({1, 2, 3})}
    assert sets_of(run("leiden", one, scored_of(pairs), unique_sources="judged").frame) == {
        frozenset({1, 2}), frozenset({3})}


@pytest.mark.parametrize("method", sorted(DISCOVERERS))
def test_no_method_puts_two_tuples_of_a_declared_clean_source_in_one_set(method: str) -> None:
    rng = random.Random(7)
    sources = {t: ("left.csv" if t % 2 else "right.csv") for t in range(1, 41)}
    pairs = clique(list(range(1, 11)), 0.9) + [(a, b, rng.uniform(0.5, 1.0))
                                               for a in range(11, 41) for b in range(a + 1, 41) if rng.random() < 0.15]
    m = run(method, lake(sources), scored_of(pairs), unique_sources="all")
    per_set = m.frame.join(pl.DataFrame({"tid": list(sources), "source": list(sources.values())}), on="tid")
    assert per_set.group_by("set_id", "source").len()["len"].max() == 1
    assert m.frame["set_id"].n_unique() < 40  # it still forms cross-source sets


def test_regrouping_does_not_depend_on_pair_order_and_breaks_ties_by_tid() -> None:
    tuples = lake({1: "a.csv", 2: "b.csv", 3: "a.csv", 4: "b.csv", 5: "a.csv"})
    pairs = [(1, 2, 0.9), (2, 3, 0.9), (3, 4, 0.9), (4, 5, 0.9)]  # a chain of equal scores
    expected = sets_of(run("components", tuples, scored_of(pairs)).frame)
    assert expected == {frozenset({1, 2}), frozenset({3, 4}), frozenset({5})}
    for seed in range(5):
        shuffled = pairs[:]
        random.Random(seed).shuffle(shuffled)
        assert sets_of(run("components", tuples, scored_of(shuffled)).frame) == expected


def test_bad_settings_raise_clear_errors() -> None:
    with pytest.raises(ConfigError, match="unique_sources"):
        run("leiden", CHAIN, scored_of(CHAIN_PAIRS), unique_sources="sometimes")
    with pytest.raises(ConfigError, match="not in the lake.*c.csv"):
        make_discoverer(DiscoverConfig(unique_sources=("a.csv", "c.csv"))).settle(CHAIN)


def test_settle_fixes_the_rule_on_the_whole_lake() -> None:
    d = make_discoverer(DiscoverConfig())
    assert d.settle(CHAIN).unique_sources == "judged" and d.unique_sources == "auto"
    assert d.settle(tuples_of([1, 2])).unique_sources == "none"
    # a partition holding one source of a multi-source lake still follows the lake's rule
    part = lake({1: "a.csv", 3: "a.csv", 5: "a.csv"})
    pairs = [(1, 3, 0.9), (3, 5, 0.9)]
    assert sets_of(d.fit_predict(part, scored_of(pairs)).frame) == {frozenset({1, 3, 5})}
    assert sets_of(d.settle(CHAIN).fit_predict(part, scored_of(pairs)).frame) == {frozenset({1, 3}), frozenset({5})}


def test_config_files_and_clean_clean_blocking_reach_the_rule() -> None:
    cfg = TablefuseConfig.from_dict({"discover": {"unique_sources": ["a.csv", "b.csv"]}})
    assert cfg.discover.unique_sources == ("a.csv", "b.csv")
    assert discover_config(TablefuseConfig()).unique_sources == "auto"
    clean_clean = TablefuseConfig(block=BlockConfig(cross_source_only=True))
    assert discover_config(clean_clean).unique_sources == "all"  # blocking was told no source has duplicates
    explicit = TablefuseConfig(block=BlockConfig(cross_source_only=True),
                               discover=DiscoverConfig(unique_sources="none"))
    assert discover_config(explicit).unique_sources == "none"
