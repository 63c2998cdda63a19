"""The same checks for every registered blocker, judge, discoverer and resolver (as
scikit-learn's common estimator checks): output shapes and types, determinism under a seed,
empty and one-row inputs, save/load where supported, and partitioned runs equal to one local
call (in-process here; on a real Ray cluster in ``test_ray_contracts.py``)."""
from __future__ import annotations

import json
import pickle

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tablefuse.block import BLOCKERS, make_blocker
from tablefuse.config import (
    BLOCK_METHODS,
    DISCOVER_METHODS,
    JUDGE_METHODS,
    RESOLVE_METHODS,
    BlockConfig,
    DiscoverConfig,
    JudgeConfig,
    ResolveConfig,
    SSACLConfig,
)
from tablefuse.discover import DISCOVERERS, Discoverer, make_discoverer
from tablefuse.frames import CandidatePairs, Membership, ScoredPairs, TupleTable
from tablefuse.judge import JUDGES, Judge, make_judge
from tablefuse.pipeline.partition import discover_partitioned, resolve_partitioned, score_partitioned
from tablefuse.resolve import RESOLVERS, Resolver, make_resolver
from tablefuse.runtime.engines import LocalEngine


class SplittingEngine(LocalEngine):
    """In-process, but not ``local``: the partitioned paths really split the work, and every
    item and shared input is pickled as it would be for a worker."""

    name = "split"

    @property
    def parallelism(self) -> int:
        return 3

    def map(self, fn, items, shared=None):
        shared = pickle.loads(pickle.dumps(shared))
        return [fn(pickle.loads(pickle.dumps(item)), shared) for item in items]


def test_registries_are_the_configs_method_names():
    """A method name the config accepts is one a registry builds, and the other way round."""
    assert set(BLOCKERS) == set(BLOCK_METHODS)
    assert set(JUDGES) == set(JUDGE_METHODS)
    assert set(DISCOVERERS) == set(DISCOVER_METHODS)
    assert set(RESOLVERS) == set(RESOLVE_METHODS) - {"auto"}


def _pairs(frame: pl.DataFrame) -> set[tuple[int, int]]:
    return set(zip(frame["tid_a"].to_list(), frame["tid_b"].to_list(), strict=True))


def _true_pairs(tuples: TupleTable, membership: Membership) -> set[tuple[int, int]]:
    sets = membership.frame.group_by("set_id").agg("tid")["tid"].to_list()
    return {(min(a, b), max(a, b)) for tids in sets for a in tids for b in tids if a < b}


# -- blockers -------------------------------------------------------------------------------
@pytest.mark.parametrize("method", sorted(BLOCKERS))
def test_blocker_contract(method, lake, one_row, empty):
    tuples, truth = lake
    blocker = make_blocker(BlockConfig(method=method))
    cand = blocker.candidates(tuples)
    cand.validate()  # tid_a < tid_b, unique
    tids = set(tuples.frame["tid"].to_list())
    assert cand.frame.height and {t for p in _pairs(cand.frame) for t in p} <= tids
    found = _pairs(cand.frame) & _true_pairs(tuples, truth)
    assert len(found) >= len(_true_pairs(tuples, truth)) // 2  # it blocks, and on the right tuples
    assert_frame_equal(make_blocker(BlockConfig(method=method)).candidates(tuples).frame, cand.frame)
    assert make_blocker(BlockConfig(method=method)).candidates(one_row).frame.height == 0
    assert make_blocker(BlockConfig(method=method)).candidates(empty).frame.height == 0


# -- judges ---------------------------------------------------------------------------------
FAST_SSACL = SSACLConfig(epochs=3, self_train=False, max_train_tuples=64)


def _judge_config(method: str, **extra) -> JudgeConfig:
    return JudgeConfig(method=method, seed=3, ssacl=FAST_SSACL, **extra)


@pytest.fixture(scope="module")
def candidates(lake) -> CandidatePairs:
    tuples, _ = lake
    return make_blocker(BlockConfig(method="token", top_k=0, min_relative_weight=0.0)).candidates(tuples)


@pytest.mark.parametrize("method", sorted(JUDGES))
def test_judge_contract(method, lake, candidates, one_row, tmp_path):
    if method == "ssacl":
        pytest.importorskip("torch")
    tuples, _ = lake
    judge = make_judge(_judge_config(method))
    assert isinstance(judge, Judge)
    assert judge.fit(tuples, candidates) is judge
    scored = judge.score(tuples, candidates)
    scored.validate()
    f = scored.frame
    assert f.height == candidates.frame.height and _pairs(f) == _pairs(candidates.frame)
    assert f["score"].dtype == pl.Float64 and f["integrable"].dtype == pl.Boolean
    assert f["score"].is_between(0.0, 1.0).all()
    assert (f["integrable"] == (f["score"] >= scored.threshold)).all()
    assert judge.choose_threshold(f["score"].to_numpy()) == pytest.approx(scored.threshold)
    again = make_judge(_judge_config(method)).fit(tuples, candidates).score(tuples, candidates)
    np.testing.assert_allclose(again.frame["score"].to_numpy(), f["score"].to_numpy(), atol=1e-6)  # seeded
    empty_scored = judge.score(tuples, CandidatePairs.empty())
    assert empty_scored.frame.height == 0
    make_judge(_judge_config(method)).fit(one_row, CandidatePairs.empty())  # nothing to learn: no error
    if hasattr(type(judge), "load"):
        judge.save(tmp_path / "judge")
        loaded = type(judge).load(tmp_path / "judge")
        assert_frame_equal(loaded.score(tuples, candidates).frame, f)


@pytest.mark.parametrize("method, threshold_method", [("similarity", "synthetic"), ("ssacl", "synthetic"),
                                                      ("ssacl", "otsu"), ("ssacl", "auto")])
def test_partitioned_scoring_equals_local(method, threshold_method, lake, candidates):
    """A lake-wide threshold (SSACL's otsu/auto) is chosen once over every partition's scores:
    partitioned decisions equal local ones (before, otsu raised a ContractError)."""
    tuples, _ = lake
    cfg = JudgeConfig(method=method, seed=3, ssacl=SSACLConfig(epochs=3, self_train=False, max_train_tuples=64,
                                                               threshold_method=threshold_method))
    judge = make_judge(cfg).fit(tuples, candidates)
    local = judge.score(tuples, candidates)
    parted = score_partitioned(SplittingEngine(), judge, tuples, candidates, partitions=3)
    assert parted.stats["partitions"] == 3
    assert parted.threshold == pytest.approx(local.threshold)
    assert_frame_equal(parted.frame, local.frame)


# -- discoverers ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scored(lake, candidates) -> ScoredPairs:
    tuples, _ = lake
    return make_judge(JudgeConfig(method="similarity")).fit(tuples, candidates).score(tuples, candidates)


@pytest.mark.parametrize("method", sorted(DISCOVERERS))
def test_discoverer_contract(method, lake, scored, one_row):
    tuples, _ = lake
    discoverer = make_discoverer(DiscoverConfig(method=method, seed=1))
    assert isinstance(discoverer, Discoverer)
    assert isinstance(discoverer.settle(tuples), Discoverer)
    membership = discoverer.fit_predict(tuples, scored)
    membership.validate(tuples)  # every tid exactly once
    assert sorted(membership.frame["tid"].to_list()) == sorted(tuples.frame["tid"].to_list())
    assert membership.frame["set_id"].n_unique() < tuples.height  # integrable pairs were joined
    again = make_discoverer(DiscoverConfig(method=method, seed=1)).fit_predict(tuples, scored)
    assert_frame_equal(again.frame, membership.frame)
    nothing = ScoredPairs(scored.frame.head(0), scored.threshold, {})
    alone = make_discoverer(DiscoverConfig(method=method)).fit_predict(tuples, nothing)
    assert alone.frame["set_id"].n_unique() == tuples.height  # no pairs: every tuple its own set
    single = make_discoverer(DiscoverConfig(method=method)).fit_predict(one_row, nothing)
    assert single.frame.height == 1
    parted = discover_partitioned(SplittingEngine(), make_discoverer(DiscoverConfig(method=method, seed=1)),
                                  tuples, scored, partitions=3)
    assert_frame_equal(parted.frame, membership.frame)


# -- resolvers ------------------------------------------------------------------------------
def _resolve_config(method: str) -> ResolveConfig:
    # llm without an endpoint and local without its model: every cell takes the recorded fallback
    return ResolveConfig(method=method, local_model_dir="/nonexistent/tablefuse-model")


@pytest.mark.parametrize("method", sorted(RESOLVERS))
def test_resolver_contract(method, lake, one_row, monkeypatch):
    monkeypatch.delenv("TABLEFUSE_LLM_BASE_URL", raising=False)
    tuples, truth = lake
    resolver = make_resolver(_resolve_config(method))
    assert isinstance(resolver, Resolver) and isinstance(resolver.per_set, bool)
    res = resolver.resolve(tuples, truth)
    sets = truth.frame["set_id"].n_unique()
    assert res.golden.height == sets and res.golden["set_id"].n_unique() == sets
    assert set(res.golden.columns) == {"set_id", *tuples.attributes}
    assert res.conflicts.height  # the lake has conflicting names
    for row in res.conflicts.iter_rows(named=True):
        values = [c["value"] for c in json.loads(row["candidates"])]
        assert row["chosen"] in values, row  # the chosen value is one of the candidates
        assert row["method"] and row["reason"]
    again = make_resolver(_resolve_config(method)).resolve(tuples, truth)
    assert_frame_equal(again.golden, res.golden)
    lone = make_resolver(_resolve_config(method)).resolve(one_row, Membership(truth.frame.head(1)))
    assert lone.golden.height == 1 and lone.conflicts.height == 0
    parted = resolve_partitioned(SplittingEngine(), make_resolver(_resolve_config(method)), tuples, truth,
                                 partitions=3)
    assert_frame_equal(parted.golden, res.golden)


class FirstTupleResolver:
    """A resolver whose answer for a set depends on that set alone (its first tuple's values)."""

    per_set = True

    def resolve(self, tuples: TupleTable, membership: Membership):
        from tablefuse.frames import Resolution

        rows = membership.frame.join(tuples.frame, on="tid").sort("tid")
        golden = rows.group_by("set_id", maintain_order=True).first().select("set_id", *tuples.attributes)
        empty = pl.DataFrame(schema={"set_id": pl.Int64})
        return Resolution(golden.sort("set_id"), empty, empty)


def test_per_set_resolvers_are_resolved_per_partition(lake):
    """``per_set`` resolvers run on several workers, each on whole sets, and agree with one call."""
    tuples, truth = lake
    calls: list[int] = []

    class Counting(SplittingEngine):
        def map(self, fn, items, shared=None):
            calls.append(len(items))
            return super().map(fn, items, shared)

    whole = FirstTupleResolver().resolve(tuples, truth)
    parted = resolve_partitioned(Counting(), FirstTupleResolver(), tuples, truth, partitions=3)
    assert calls == [3]  # split over three partitions
    assert_frame_equal(parted.golden, whole.golden)
