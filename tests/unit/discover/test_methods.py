"""Every discover method on small graphs with known communities, plus guards and post-check."""
from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest

from tablefuse.config import DiscoverConfig
from tablefuse.discover import DISCOVERERS, MaximalCliques, make_discoverer
from tablefuse.errors import ConfigError
from tablefuse.frames import ScoredPairs, TupleTable

from discover_helpers import clique, scored_of, sets_of, tuples_of

METHODS = sorted(DISCOVERERS)
COMMUNITY = [m for m in METHODS if m != "components"]


def run(method: str, tuples, scored: ScoredPairs, **options):
    membership = make_discoverer(DiscoverConfig(method=method, **options)).fit_predict(tuples, scored)
    membership.validate(tuples)
    return membership


def two_cliques_weak_bridge() -> ScoredPairs:
    """Cliques {1..5} and {6..10} at 0.9, bridged by one integrable but weak edge 4-6 (0.55)."""
    return scored_of(clique([1, 2, 3, 4, 5], 0.9) + clique([6, 7, 8, 9, 10], 0.9) + [(4, 6, 0.55)])


def test_components_merge_two_cliques_joined_by_a_weak_edge() -> None:
    m = run("components", tuples_of(list(range(1, 11))), two_cliques_weak_bridge())
    assert sets_of(m.frame) == {frozenset(range(1, 11))}


@pytest.mark.parametrize("method", COMMUNITY)
def test_community_methods_separate_the_two_cliques(method: str) -> None:
    m = run(method, tuples_of(list(range(1, 11))), two_cliques_weak_bridge())
    assert sets_of(m.frame) == {frozenset(range(1, 6)), frozenset(range(6, 11))}


@pytest.mark.parametrize("method", METHODS)
def test_every_tuple_exactly_once_with_isolated_tuples(method: str) -> None:
    tids = [3, 7, 11, 15, 19, 23, 100, 200]  # 100, 200: no pair at all; 19-23 non-integrable
    scored = scored_of(clique([3, 7, 11], 0.95) + [(15, 19, 0.8), (19, 23, 0.3)])
    m = run(method, tuples_of(tids), scored)
    assert sorted(m.frame["tid"].to_list()) == tids
    assert sets_of(m.frame) == {frozenset({3, 7, 11}), frozenset({15, 19}), frozenset({23}),
                                frozenset({100}), frozenset({200})}
    # canonical ids: 0..k-1 in order of each set's smallest tid
    firsts = m.frame.group_by("set_id").agg(pl.col("tid").min()).sort("set_id")
    assert firsts["set_id"].to_list() == list(range(5))
    assert firsts["tid"].to_list() == [3, 15, 23, 100, 200]


def noisy_planted(seed: int, groups: int = 30, size: int = 6, noise: int = 80, density: float = 0.8,
                  lowest: float = 0.6) -> tuple[list[int], ScoredPairs]:
    """Planted groups (each inner pair present with ``density``, score in [lowest, 1]) + noise."""
    rng = np.random.default_rng(seed)
    n = groups * size
    pairs: dict[tuple[int, int], float] = {}
    for g in range(groups):
        members = list(range(g * size, (g + 1) * size))
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if rng.random() < density:
                    pairs[(a, b)] = float(rng.uniform(lowest, 1.0))
    for _ in range(noise):
        a, b = sorted(rng.choice(n, 2, replace=False).tolist())
        pairs.setdefault((a, b), float(rng.uniform(0.0, 0.7)))
    return list(range(n)), scored_of([(a, b, s) for (a, b), s in pairs.items()])


@pytest.mark.parametrize("method", METHODS)
def test_deterministic_under_a_seed_without_touching_global_random(method: str) -> None:
    tids, scored = noisy_planted(0)
    random.seed(123)
    before = random.getstate()
    first = run(method, tuples_of(tids), scored, seed=7)
    assert random.getstate() == before  # the global generator was neither drawn from nor reseeded
    shuffled = ScoredPairs(scored.frame.sample(fraction=1.0, shuffle=True, seed=1), scored.threshold)
    second = run(method, tuples_of(list(reversed(tids))), shuffled, seed=7)
    assert first.frame.sort("tid").equals(second.frame.sort("tid"))


def test_igraph_generator_is_restored_to_the_random_module() -> None:
    import igraph

    tids, scored = noisy_planted(1)
    run("leiden", tuples_of(tids), scored)
    random.seed(5)
    g = igraph.Graph.Erdos_Renyi(n=30, m=60)
    random.seed(5)
    assert igraph.Graph.Erdos_Renyi(n=30, m=60).get_edgelist() == g.get_edgelist()


@pytest.mark.parametrize("method", COMMUNITY)
def test_a_component_does_not_depend_on_unrelated_components(method: str) -> None:
    tids, scored = noisy_planted(2)
    alone = run(method, tuples_of(tids), scored)
    other = scored_of(clique([1000, 1001, 1002, 1003], 0.7) + [(1003, 1004, 0.9)])
    both = run(method, tuples_of(tids + [1000, 1001, 1002, 1003, 1004]),
               ScoredPairs(pl.concat([other.frame, scored.frame]), 0.5))
    kept = both.frame.filter(pl.col("tid") < 1000)
    assert sets_of(kept) == sets_of(alone.frame)


def test_leiden_recovers_planted_sets_better_than_components() -> None:
    from tablefuse.metrics import set_pair_prf

    # inner pairs: 90% present at 0.7-1.0; 150 noise pairs at 0-0.7 (those >= 0.5 integrable)
    tids, scored = noisy_planted(3, noise=150, density=0.9, lowest=0.7)
    truth = pl.DataFrame({"tid": tids, "entity": [t // 6 for t in tids]})
    f1 = {m: set_pair_prf(run(m, tuples_of(tids), scored, split_below=None).frame, truth).f1
          for m in ("components", "leiden")}
    assert f1["leiden"] > 0.9 > f1["components"]


def test_cpm_resolution_is_the_density_a_set_must_exceed() -> None:
    # path 1-2-3 at 0.9: adding 3 to {1, 2} gains 0.9 (its score to the set) - resolution * 2 pairs
    scored = scored_of([(1, 2, 0.9), (2, 3, 0.9)])
    # (classic CPM: pair_penalty=None charges the resolution on every node pair)
    assert sets_of(run("leiden", tuples_of([1, 2, 3]), scored, resolution=0.4,
                       pair_penalty=None).frame) == {frozenset({1, 2, 3})}
    split = sets_of(run("leiden", tuples_of([1, 2, 3]), scored, resolution=0.5, pair_penalty=None).frame)
    assert len(split) == 2 and frozenset({2}) not in split


def test_cliques_are_strict_and_assigned_largest_first() -> None:
    # 4-clique {1,2,3,4} shares tuple 4 with triangle {4,5,6}; path 7-8-9 has no 7-9 pair
    scored = scored_of(clique([1, 2, 3, 4], 0.9) + clique([4, 5, 6], 0.99) + [(7, 8, 0.8), (8, 9, 0.95)])
    m = run("cliques", tuples_of(list(range(1, 10))), scored)
    assert sets_of(m.frame) == {frozenset({1, 2, 3, 4}), frozenset({5, 6}), frozenset({8, 9}),
                                frozenset({7})}
    assert m.notes is None


def test_clique_guard_falls_back_to_leiden_with_a_note() -> None:
    scored = two_cliques_weak_bridge()
    guarded = MaximalCliques(max_clique_component=9).fit_predict(tuples_of(list(range(1, 11))), scored)
    assert sets_of(guarded.frame) == {frozenset(range(1, 6)), frozenset(range(6, 11))}
    assert guarded.notes is not None and guarded.notes["set_id"].to_list() == [0, 1]
    assert guarded.notes.height and all("exceeds max_clique_component 9" in n and "leiden" in n
                                        for n in guarded.notes["note"])
    with pytest.raises(ConfigError, match="max_clique_component"):
        MaximalCliques(max_clique_component=2).fit_predict(tuples_of([1, 2]), scored_of([]))


def test_post_check_auto_runs_on_multi_source_lakes_only() -> None:
    # the same judged pairs as below: a dense set of 4 holding one pair scored 0.02
    pairs = clique([1, 2, 3], 0.9) + [(1, 4, 0.8), (2, 4, 0.8), (3, 4, 0.02)]
    one_source = tuples_of([1, 2, 3, 4])
    two_sources = TupleTable(one_source.frame.with_columns(
        pl.Series("source", ["a.csv", "b.csv", "a.csv", "b.csv"])), one_source.attributes)
    # postcheck="auto": a dirty single-source lake keeps the set, a multi-source lake splits it
    # cut whatever the min cut weighs (the default rule weighs it)
    rule = {"split_rule": "always", "postcheck": "auto", "unique_sources": "none"}
    assert sets_of(run("leiden", one_source, scored_of(pairs), **rule).frame) == {frozenset({1, 2, 3, 4})}
    assert sets_of(run("leiden", two_sources, scored_of(pairs), **rule).frame) == {
        frozenset({1, 2, 3}), frozenset({4})}
    assert sets_of(run("leiden", two_sources, scored_of(pairs), **{**rule, "postcheck": "never"}).frame) == {
        frozenset({1, 2, 3, 4})}
    assert sets_of(run("leiden", two_sources, scored_of(pairs), unique_sources="none").frame) == {
        frozenset({1, 2, 3, 4})}  # the default: no post-check
    assert sets_of(run("leiden", one_source, scored_of(pairs), **{**rule, "postcheck": "always"}).frame) == {
        frozenset({1, 2, 3}), frozenset({4})}
    # the default rule "cheaper": 4 is held by two 0.8 edges (cut 1.6) against one 0.02 pair
    # (1 - 0.02 = 0.98 to overrule it), so the set stays whole even across sources
    assert sets_of(run("leiden", two_sources, scored_of(pairs)).frame) == {frozenset({1, 2, 3, 4})}
    with pytest.raises(ConfigError, match="postcheck"):
        run("leiden", one_source, scored_of(pairs), postcheck="sometimes")


def test_settle_fixes_the_post_check_on_the_whole_lake() -> None:
    # a partition (Ray) may hold tuples of one source only; settled on the two-source lake, the
    # post-check still runs there, as it would in one call on the whole lake
    pairs = clique([1, 2, 3], 0.9) + [(1, 4, 0.8), (2, 4, 0.8), (3, 4, 0.02)]
    part = tuples_of([1, 2, 3, 4])  # one source
    lake = TupleTable(pl.concat([part.frame, tuples_of([5]).frame.with_columns(pl.lit("b.csv").alias("source"))]),
                      part.attributes)
    d = make_discoverer(DiscoverConfig(method="leiden", split_rule="always", postcheck="auto"))
    assert sets_of(d.fit_predict(part, scored_of(pairs)).frame) == {frozenset({1, 2, 3, 4})}
    settled = d.settle(lake)
    assert settled.postcheck == "always" and d.postcheck == "auto"  # a copy; the original is untouched
    assert sets_of(settled.fit_predict(part, scored_of(pairs)).frame) == {frozenset({1, 2, 3}), frozenset({4})}
    assert d.settle(part).postcheck == "never"


def test_post_check_splits_a_set_holding_a_clearly_different_pair() -> None:
    # {1,2,3} strong; 4 joins via 1 and 2 (0.8 each) so Leiden keeps one dense set of 4,
    # but the judge scored 3-4 at 0.02: rule "always" cuts 4 off (min cut 1.6 < 1.8 around 3).
    pairs = clique([1, 2, 3], 0.9) + [(1, 4, 0.8), (2, 4, 0.8), (3, 4, 0.02)]
    tuples = tuples_of([1, 2, 3, 4])
    assert sets_of(run("leiden", tuples, scored_of(pairs), split_below=None).frame) == {frozenset({1, 2, 3, 4})}
    # default rule: "always"
    m = run("leiden", tuples, scored_of(pairs), split_below=0.1, postcheck="always", split_rule="always")
    assert sets_of(m.frame) == {frozenset({1, 2, 3}), frozenset({4})}
    assert m.notes is not None and m.notes["set_id"].to_list() == [0, 1]
    note = m.notes["note"][0]
    assert "tids 3 and 4" in note and "0.020 < split_below 0.1" in note and "2 integrable edge(s)" in note


def test_post_check_keeps_a_pair_the_integrable_judgements_outweigh() -> None:
    # rule "cheaper": parting 3 and 4 would overrule 1.6 of integrable score, more than the 0.98
    # it costs to overrule their own 0.02: one set, no note.
    pairs = clique([1, 2, 3], 0.9) + [(1, 4, 0.8), (2, 4, 0.8), (3, 4, 0.02)]
    kept = run("leiden", tuples_of([1, 2, 3, 4]), scored_of(pairs), split_below=0.1, split_rule="cheaper",
               postcheck="always")
    assert sets_of(kept.frame) == {frozenset({1, 2, 3, 4})} and kept.notes is None
    # 4 hangs on one 0.8 edge: overruling it (0.8) is cheaper than overruling 0.02 (0.98): cut
    pairs = clique([1, 2, 3], 0.9) + [(1, 4, 0.8), (3, 4, 0.02)]
    cut = run("components", tuples_of([1, 2, 3, 4]), scored_of(pairs), split_below=0.1, split_rule="cheaper",
              postcheck="always")
    assert sets_of(cut.frame) == {frozenset({1, 2, 3}), frozenset({4})}
    assert cut.notes is not None and "tids 3 and 4" in cut.notes["note"][0]
    # the default ("always") cuts in both cases
    pairs = clique([1, 2, 3], 0.9) + [(1, 4, 0.8), (2, 4, 0.8), (3, 4, 0.02)]
    always = run("components", tuples_of([1, 2, 3, 4]), scored_of(pairs), split_below=0.1, postcheck="always",
                 split_rule="always")
    assert len(sets_of(always.frame)) == 2


def test_post_check_splits_components_and_repeats_until_clean() -> None:
    # a chain of three cliques; the two ends are judged different and so are the middle and the end
    pairs = (clique([1, 2, 3], 0.9) + clique([4, 5, 6], 0.9) + clique([7, 8, 9], 0.9)
             + [(3, 4, 0.6), (6, 7, 0.6), (1, 9, 0.01), (5, 9, 0.05)])
    m = run("components", tuples_of(list(range(1, 10))), scored_of(pairs), split_below=0.1, postcheck="always",
            split_rule="always")
    assert sets_of(m.frame) == {frozenset({1, 2, 3, 4, 5, 6}), frozenset({7, 8, 9})} or \
        sets_of(m.frame) == {frozenset({1, 2, 3}), frozenset({4, 5, 6}), frozenset({7, 8, 9})}
    for a, b in ((1, 9), (5, 9)):
        ids = m.frame.filter(pl.col("tid").is_in([a, b]))["set_id"].to_list()
        assert ids[0] != ids[1]
    assert m.notes is not None and m.notes.height >= 2


@pytest.mark.parametrize("bad", [{"resolution": 0.0}, {"split_below": 1.5}, {"split_rule": "sometimes"},
                                 {"pair_penalty": -0.1}])
def test_invalid_options_raise_config_error(bad: dict) -> None:
    with pytest.raises(ConfigError):
        run("leiden", tuples_of([1, 2]), scored_of([]), **bad)


def test_post_check_repartitions_a_large_set_by_leiden(monkeypatch: pytest.MonkeyPatch) -> None:
    import tablefuse.discover._postcheck as postcheck

    monkeypatch.setattr(postcheck, "CUT_LIMIT", 4)  # the 10-tuple component counts as large
    scored = ScoredPairs(pl.concat([two_cliques_weak_bridge().frame, scored_of([(1, 10, 0.01)]).frame]), 0.5)
    m = run("components", tuples_of(list(range(1, 11))), scored, split_below=0.1, postcheck="always",
            split_rule="always")
    assert sets_of(m.frame) == {frozenset(range(1, 6)), frozenset(range(6, 11))}
    assert m.notes is not None and m.notes["set_id"].to_list() == [0, 1]
    assert m.notes.height and all("re-partitioned by leiden (CPM, resolution 0.2) into 2 sets" in n
                                  for n in m.notes["note"])


def test_default_resolution_follows_the_judge_threshold() -> None:
    # path 1-2-3 at 0.3, all integrable under a judge threshold of 0.25: an absolute resolution
    # of 0.5 would refuse to build any set; the default (0.4 x 0.25 = 0.1) builds one.
    scored = scored_of([(1, 2, 0.3), (2, 3, 0.3)], threshold=0.25)
    leiden = make_discoverer(DiscoverConfig(method="leiden"))
    assert sets_of(leiden.fit_predict(tuples_of([1, 2, 3]), scored).frame) == {frozenset({1, 2, 3})}
    assert leiden.resolution_ == pytest.approx(0.1)
    absolute = run("leiden", tuples_of([1, 2, 3]), scored, resolution=0.5)
    assert len(sets_of(absolute.frame)) == 3
    louvain = make_discoverer(DiscoverConfig(method="louvain", resolution=1.0))
    louvain.fit_predict(tuples_of([1, 2, 3]), scored)
    assert louvain.resolution_ == pytest.approx(0.1)  # modularity resolution does not leak into CPM


def sparse_true_set(seed: int, n: int = 60, links: int = 8, score: float = 0.9) -> list[tuple[int, int, float]]:
    """One true set of ``n`` tuples as blocking sees it: each linked to ~``links`` random others."""
    rng = np.random.default_rng(seed)
    pairs = {(i, i + 1) for i in range(n - 1)}  # a path keeps it connected
    while len(pairs) < n * links // 2:
        a, b = sorted(rng.choice(n, 2, replace=False).tolist())
        pairs.add((a, b))
    return [(a, b, score) for a, b in sorted(pairs)]


def test_default_leiden_keeps_a_large_sparse_true_set_whole() -> None:
    # 60 tuples, ~8 judged pairs each (density 0.14): classic CPM at 0.4 x 0.5 = 0.2 per node
    # pair splits it; charging the resolution on judged pairs only keeps it one set.
    tids = list(range(60))
    scored = scored_of(sparse_true_set(4))
    m = run("leiden", tuples_of(tids), scored)
    assert sets_of(m.frame) == {frozenset(tids)}
    classic = run("leiden", tuples_of(tids), scored, pair_penalty=None)
    assert len(sets_of(classic.frame)) > 1


def test_two_sparse_sets_joined_by_weak_edges_are_kept_apart() -> None:
    # two sparse 40-tuple sets bridged by three integrable 0.55 edges: components merge them,
    # default leiden does not (the bridge gains 3 x 0.35, the merge costs ~1600 x 0.02)
    left = sparse_true_set(5, n=40)
    right = [(a + 40, b + 40, s) for a, b, s in sparse_true_set(6, n=40)]
    scored = scored_of(left + right + [(0, 40, 0.55), (10, 55, 0.55), (20, 70, 0.55)])
    tids = list(range(80))
    assert len(sets_of(run("components", tuples_of(tids), scored).frame)) == 1
    assert sets_of(run("leiden", tuples_of(tids), scored).frame) == {frozenset(range(40)), frozenset(range(40, 80))}


def test_pair_penalty_is_what_separates_a_weak_bridge() -> None:
    # without a charge on unjudged pairs the objective is components-like: the 0.55 bridge
    # gains 0.55 - 0.2 > 0 and merges the cliques; the default 0.02 x 24 unjudged pairs does not
    tuples = tuples_of(list(range(1, 11)))
    whole = run("leiden", tuples, two_cliques_weak_bridge(), pair_penalty=0.0)
    assert sets_of(whole.frame) == {frozenset(range(1, 11))}
    assert len(sets_of(run("leiden", tuples, two_cliques_weak_bridge()).frame)) == 2


def test_default_has_no_post_check() -> None:
    # a set held by strong judgements keeps a pair scored 0.02 (post-check is opt-in: split_below)
    pairs = clique([1, 2, 3], 0.9) + [(1, 4, 0.8), (2, 4, 0.8), (3, 4, 0.02)]
    m = make_discoverer(DiscoverConfig()).fit_predict(tuples_of([1, 2, 3, 4]), scored_of(pairs))
    assert sets_of(m.frame) == {frozenset({1, 2, 3, 4})} and m.notes is None
