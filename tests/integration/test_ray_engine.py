"""The Ray engine reproduces the local engine exactly on a small lake (local cluster on 127.0.0.1)."""
from __future__ import annotations

import os

import numpy as np
import pytest
from polars.testing import assert_frame_equal

from tablefuse.config import TablefuseConfig
from tablefuse.pipeline import Pipeline

ray = pytest.importorskip("ray")
pytestmark = [pytest.mark.ray, pytest.mark.slow]


@pytest.fixture(scope="module")
def ray_cluster():
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


def _frames(result):
    return {
        "scored": result.scored.frame,
        "membership": result.membership.frame,
        "golden": result.resolution.golden,
        "conflicts": result.resolution.conflicts,
        "provenance": result.resolution.provenance,
    }


def test_ray_engine_matches_local(ray_cluster):
    from tests.conftest import EXAMPLE_LAKE

    base = TablefuseConfig().with_overrides(block={"blockers": ["token"]}, judge={"method": "similarity"},
                                            align={"method": "header"}, resolve={"method": "vote"})
    local = Pipeline(base).run(EXAMPLE_LAKE)
    remote = Pipeline(base.with_overrides(engine={"name": "ray", "partitions": 3})).run(EXAMPLE_LAKE)
    assert ray.is_initialized()  # the engine joined the test's cluster and did not stop it
    a, b = _frames(local), _frames(remote)
    assert local.membership.frame["set_id"].n_unique() < local.tuples.height  # some sets merged
    assert remote.scored.stats.get("partitions") == 3  # scoring really was split
    for name in a:
        assert a[name].columns == b[name].columns, name
        assert_frame_equal(a[name], b[name])


def test_engine_seams_split_work(ray_cluster):
    """Partitioned scoring/discovery actually ran as several tasks and still matched."""
    from tablefuse.runtime.engines import make_engine

    engine = make_engine("ray")
    out = engine.map(lambda x, s: (x * s, os.getpid()), [1, 2, 3, 4], shared=10)
    assert [v for v, _ in out] == [10, 20, 30, 40]
    assert out and all(pid != os.getpid() for _, pid in out)  # ran in workers, not here
    class Doubler:  # defined here so cloudpickle ships it by value to the workers
        def run(self, x):
            return x * 2

    vecs = engine.map_actors(Doubler, "run", [np.ones(2), np.zeros(2)])
    assert [v.tolist() for v in vecs] == [[2.0, 2.0], [0.0, 0.0]]
    engine.shutdown()
    assert ray.is_initialized()  # shutdown leaves a cluster it did not start


def test_ssacl_lake_wide_threshold_on_ray_equals_local(ray_cluster):
    """SSACL's otsu cut depends on every score of the lake: on Ray it is chosen once over all
    partitions (it used to raise ContractError), and the decisions equal the local ones."""
    from tablefuse.config import JudgeConfig, SSACLConfig
    from tablefuse.judge import make_judge
    from tablefuse.pipeline.partition import score_partitioned
    from tablefuse.runtime.engines import make_engine
    from tests.conftest import EXAMPLE_LAKE

    cfg = TablefuseConfig().with_overrides(block={"blockers": ["token"]}, align={"method": "header"})
    with Pipeline(cfg) as p:
        p.ingest(EXAMPLE_LAKE)
        tuples = p.align()
        candidates = p.block()
    judge = make_judge(JudgeConfig(seed=1, ssacl=SSACLConfig(epochs=3, self_train=False, max_train_tuples=128,
                                                             threshold_method="otsu")))
    judge.fit(tuples, candidates)
    local = judge.score(tuples, candidates)
    engine = make_engine("ray")
    remote = score_partitioned(engine, judge, tuples, candidates, partitions=3)
    engine.shutdown()
    assert remote.stats["partitions"] == 3
    assert remote.threshold == local.threshold
    assert_frame_equal(remote.frame, local.frame)
