"""``Pipeline`` as steps: the same result as ``run``, resumable from a store, shareable between
configurations, and one runtime (engine, encoder) for several pipelines."""
from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal

from tablefuse.config import TablefuseConfig
from tablefuse.errors import ContractError
from tablefuse.pipeline import Pipeline, StepKeys
from tablefuse.runtime import Runtime
from tests.conftest import EXAMPLE_LAKE

FAST = TablefuseConfig().with_overrides(judge={"method": "similarity"}, block={"blockers": ["token"]},
                                        align={"method": "header"}, resolve={"method": "vote"})


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    db = tmp_path_factory.mktemp("steps") / "run.duckdb"
    return db, Pipeline(FAST).run(EXAMPLE_LAKE, db)


def test_steps_one_by_one_equal_run(stored):
    _, whole = stored
    with Pipeline(FAST) as p:
        p.ingest(EXAMPLE_LAKE)
        p.align()
        p.block()
        p.judge()
        p.discover()
        p.resolve()
        result = p.result()
    assert_frame_equal(result.scored.frame, whole.scored.frame)
    assert_frame_equal(result.membership.frame, whole.membership.frame)
    assert_frame_equal(result.resolution.golden, whole.resolution.golden)
    assert [s.stage for s in result.stages] == ["ingest", "align", "union", "block", "judge", "discover", "resolve"]


def test_a_step_without_its_inputs_says_what_it_needs():
    with pytest.raises(ContractError, match="discover needs tuples"):
        Pipeline(FAST).discover()


def test_from_store_reruns_one_stage_on_the_stored_run(stored):
    db, whole = stored
    with Pipeline.from_store(db) as p:
        assert p.config == FAST  # the stored run's configuration
        assert p.tuples is not None and p.tuples.height == whole.tuples.height
        again = p.block()
        assert_frame_equal(again.frame.sort("tid_a", "tid_b"), whole.candidates.frame.sort("tid_a", "tid_b"))
        membership = p.discover()
    assert_frame_equal(membership.frame, whole.membership.frame)


def test_branch_shares_the_steps_two_configurations_agree_on():
    leiden = FAST.with_overrides(discover={"method": "components"})
    with Pipeline(FAST) as first:
        first.complete(EXAMPLE_LAKE)
        assert first.shared_steps(leiden) == 4  # ingest, align, block, judge
        second = first.branch(leiden)
        assert second.runtime is first.runtime and second.scored is first.scored
        second.complete()
        assert {"ingest", "align", "union", "block", "judge"} == second.shared
        assert second.membership is not first.membership
    # a different block config invalidates the block step and everything after it
    other = StepKeys.of(FAST.with_overrides(block={"top_k": 5}))
    mine = StepKeys.of(FAST)
    assert (other.ingest, other.align) == (mine.ingest, mine.align) and other.block != mine.block
    assert other.judge != mine.judge and other.resolve != mine.resolve


def test_one_runtime_serves_several_pipelines_and_is_closed_by_its_owner():
    with Runtime.resolve(FAST.engine, n_texts=100) as runtime:
        for cfg in (FAST, FAST.with_overrides(discover={"method": "components"})):
            with Pipeline(cfg, runtime=runtime) as p:
                p.ingest(EXAMPLE_LAKE)
                p.align()
            assert p.runtime is runtime  # a given runtime is the caller's: the pipeline does not close it
        assert runtime.describe()["threads"] >= 1


def test_golden_cells_changed_beyond_their_format_are_noted_in_the_store(stored):
    """A zip read as the integer 4106 from a Parquet source is restored to '04106' in the golden
    record, and the store's set_notes says so (the provenance keeps the value as read)."""
    import duckdb

    db, result = stored
    assert result.resolution.notes is not None and result.resolution.notes.height
    with duckdb.connect(str(db), read_only=True) as con:
        notes = [n for (n,) in con.sql("SELECT note FROM set_notes").fetchall()]
    restored = [n for n in notes if n.startswith("zip: ") and "restored to" in n]
    assert restored, notes[:5]


def test_a_run_whose_judge_saves_nothing_removes_an_earlier_runs_judge(tmp_path):
    """An earlier run's saved judge must not re-score a later run's pairs (``tablefuse judge``)."""
    db = tmp_path / "r.duckdb"
    stale = tmp_path / "r.duckdb.judge"
    stale.mkdir()
    (stale / "meta.json").write_text("{}")
    Pipeline(FAST).run(EXAMPLE_LAKE, db)  # the similarity judge has nothing to save
    assert not stale.exists()
    assert Pipeline.from_store(db).fitted_judge is None
