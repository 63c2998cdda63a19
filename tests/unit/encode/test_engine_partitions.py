"""The partitioned seams equal one whole call, checked in-process (no Ray needed)."""
from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal

from tablefuse.config import TablefuseConfig
from tablefuse.discover import make_discoverer
from tablefuse.errors import ConfigError
from tablefuse.pipeline.partition import discover_partitioned, resolve_partitioned, score_partitioned
from tablefuse.runtime.engines import LocalEngine, make_engine


class SplittingEngine(LocalEngine):
    """Runs in-process but is not ``local``, so the seams really partition the work."""

    name = "split"

    def map(self, fn, items, shared=None):
        import pickle

        shared = pickle.loads(pickle.dumps(shared))  # what a worker would receive
        return [fn(pickle.loads(pickle.dumps(item)), shared) for item in items]


@pytest.fixture(scope="module")
def run():
    from tablefuse.pipeline import Pipeline
    from tests.conftest import EXAMPLE_LAKE

    cfg = TablefuseConfig().with_overrides(block={"blockers": ["token"]}, judge={"method": "similarity"},
                                           align={"method": "header"})
    return cfg, Pipeline(cfg).run(EXAMPLE_LAKE)


@pytest.mark.parametrize("parts", [2, 5])
def test_partitioned_equals_whole(run, parts):
    cfg, result = run
    engine = SplittingEngine()
    from tablefuse.judge import make_judge

    judge = make_judge(cfg.judge).fit(result.tuples, result.candidates)
    scored = score_partitioned(engine, judge, result.tuples, result.candidates, parts)
    assert scored.stats["partitions"] == parts
    assert_frame_equal(scored.frame, result.scored.frame)
    membership = discover_partitioned(engine, make_discoverer(cfg.discover), result.tuples, scored, parts)
    assert_frame_equal(membership.frame, result.membership.frame)


def test_resolve_partitioned_only_when_per_set(run):
    cfg, result = run
    from tablefuse.resolve import make_resolver

    resolver = make_resolver(cfg.resolve)
    assert resolver.per_set is False  # it learns across sets: resolved on the driver, whole
    whole = resolve_partitioned(SplittingEngine(), resolver, result.tuples, result.membership, partitions=3)
    assert_frame_equal(whole.golden, result.resolution.golden)


def test_make_engine():
    assert make_engine("local").name == "local"
    assert make_engine("ray", address="127.0.0.1:1").name == "ray"  # lazy: nothing started yet
    with pytest.raises(ConfigError):
        make_engine("spark")
