"""A re-run against a store holding pair labels: the labels calibrate the cut, force their scores,
add a labelled match blocking missed, and bind the sets; zero labels change nothing at all.

The string-similarity judge on the bundled example lake keeps each run under a second."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tablefuse import store
from tablefuse.config import TablefuseConfig
from tablefuse.judge import SimilarityJudge
from tablefuse.pipeline import Pipeline, review_queue
from tablefuse.pipeline.labels import calibrate_threshold
from tablefuse.truth import evaluate, load_truth
from tests.conftest import EXAMPLE_LAKE, EXAMPLE_TRUTH

FAST = TablefuseConfig().with_overrides(judge={"method": "similarity"}, block={"blockers": ["token"]},
                                        align={"method": "header"}, resolve={"method": "vote"})


def _same(a, b) -> None:
    assert_frame_equal(a.candidates.frame, b.candidates.frame)
    assert_frame_equal(a.scored.frame, b.scored.frame)
    assert a.scored.threshold == b.scored.threshold
    assert_frame_equal(a.membership.frame, b.membership.frame)
    assert (a.membership.notes is None) == (b.membership.notes is None)
    if a.membership.notes is not None:
        assert_frame_equal(a.membership.notes, b.membership.notes)
    assert_frame_equal(a.resolution.golden, b.resolution.golden)
    assert_frame_equal(a.resolution.conflicts, b.resolution.conflicts)
    drop = {"run_id", "seconds"}
    assert {k: v for k, v in a.summary().items() if k not in drop} == \
        {k: v for k, v in b.summary().items() if k not in drop}


def test_zero_labels_give_the_same_run_as_before(tmp_path: Path):
    plain = Pipeline(FAST).run(EXAMPLE_LAKE)
    db = tmp_path / "run.duckdb"
    first = Pipeline(FAST).run(EXAMPLE_LAKE, db)
    _same(plain, first)
    # a store holding decisions but no match / no-match label: still the same run
    m = store.read_table(db, "membership")
    big = m.group_by("set_id").len().filter(pl.col("len") > 1)["set_id"][0]
    store.record_split(db, m.filter(pl.col("set_id") == big)["tid"].head(1).to_list())
    store.record_pair_label(db, *review_queue(db, 1).select("tid_a", "tid_b").row(0), "unsure")
    again = Pipeline(FAST).run(EXAMPLE_LAKE, db)
    _same(plain, again)
    stages = json.loads(store.read_table(db, "runs").filter(pl.col("latest"))["stages"][0])
    assert next(s for s in stages if s["stage"] == "judge")["detail"] == {}


@pytest.fixture(scope="module")
def labelled_rerun(tmp_path_factory):
    """The 0-label run, the labels chosen from its errors (answered from the truth), the re-run."""
    db = tmp_path_factory.mktemp("labels") / "run.duckdb"
    r0 = Pipeline(FAST).run(EXAMPLE_LAKE, db)
    truth = load_truth(EXAMPLE_TRUTH)
    ent = dict(truth.tid_entities(r0.tuples).select("tid", "entity").iter_rows())
    set_of = dict(r0.membership.frame.iter_rows())
    keys = r0.scored.frame.select("tid_a", "tid_b").rows()
    pairs = r0.scored.frame.with_columns(pl.Series("same_entity", [ent[a] == ent[b] for a, b in keys]),
                                         pl.Series("same_set", [set_of[a] == set_of[b] for a, b in keys]))
    # no match: the strongest wrong links inside sets; match: true pairs the run left apart
    wrong = pairs.filter(pl.col("same_set") & ~pl.col("same_entity")).sort("score", descending=True).head(4)
    missed = pairs.filter(~pl.col("same_set") & pl.col("same_entity")).sort("score", descending=True).head(3)
    assert wrong.height == 4 and missed.height == 3, "the example lake's baseline run should make both errors"
    scored_keys = {(a, b) for a, b in pairs.select("tid_a", "tid_b").iter_rows()}
    true_pairs = truth.true_pairs(r0.tuples).select("tid_a", "tid_b").rows()
    unblocked = next(((a, b) for a, b in true_pairs if (a, b) not in scored_keys and set_of[a] != set_of[b]), None)
    labels: list[tuple[int, int, bool]] = [(a, b, False) for a, b in wrong.select("tid_a", "tid_b").iter_rows()]
    labels += [(a, b, True) for a, b in missed.select("tid_a", "tid_b").iter_rows()]
    if unblocked is not None:
        labels.append((unblocked[0], unblocked[1], True))
    taken = {(a, b) for a, b, _ in labels}  # and the 30 pairs nearest the cut, as a reviewer sees them
    labels += [(a, b, ent[a] == ent[b]) for a, b in review_queue(db, 40).select("tid_a", "tid_b").iter_rows()
               if (a, b) not in taken][:30]
    for a, b, match in labels:
        store.record_pair_label(db, b, a, "match" if match else "no_match")  # either order
    r1 = Pipeline(FAST, db_path=db).run(EXAMPLE_LAKE)
    return db, r0, r1, labels, unblocked, truth


def test_the_rerun_binds_the_sets_to_the_labels(labelled_rerun):
    db, r0, r1, labels, _, truth = labelled_rerun
    set_of = dict(r1.membership.frame.iter_rows())
    for a, b, match in labels:
        assert (set_of[a] == set_of[b]) is match, (a, b, match)
    before = dict(r0.membership.frame.iter_rows())
    assert any(before[a] == before[b] for a, b, m in labels if not m)  # the run had joined them
    assert any(before[a] != before[b] for a, b, m in labels if m)  # ... and kept these apart
    # the stored sets already honour the labels: reading them applies nothing more
    assert_frame_equal(store.read_table(db, "membership"), store.read_table(db, "membership", raw=True))
    assert set(store.list_decisions(db)["status"].to_list()) == {"applied"}
    assert evaluate(r1, truth)["sets"]["f1"] > evaluate(r0, truth)["sets"]["f1"]


def test_the_rerun_calibrates_the_cut_on_the_labels_and_forces_their_scores(labelled_rerun):
    db, r0, r1, labels, unblocked, _ = labelled_rerun
    judge = SimilarityJudge().fit(r0.tuples, r0.candidates)
    raw = judge.score_pairs(r0.tuples, [a for a, _, _ in labels], [b for _, b, _ in labels])
    expected, _ = calibrate_threshold(np.asarray(raw), np.asarray([m for *_, m in labels]), 0.75)
    summary = r1.summary()
    assert summary["pair_labels_used"] == len(labels) and summary["threshold_calibrated"]
    assert summary["judge_threshold"] == pytest.approx(expected) and expected != 0.75
    assert summary["label_free_threshold"] == 0.75
    stored = store.read_table(db, "pairs")
    got = {(a, b): (s, i) for a, b, s, i in stored.iter_rows()}
    for a, b, match in labels:
        assert got[(a, b)] == ((1.0, True) if match else (0.0, False))
    unlabelled = stored.join(pl.DataFrame({"tid_a": [a for a, *_ in labels], "tid_b": [b for _, b, _ in labels]}),
                             on=["tid_a", "tid_b"], how="anti")
    assert (unlabelled["integrable"] == (unlabelled["score"] >= expected)).all()
    if unblocked is not None:  # a labelled match blocking missed is a candidate now
        cands = store.read_table(db, "candidates")
        row = cands.filter((pl.col("tid_a") == unblocked[0]) & (pl.col("tid_b") == unblocked[1]))
        assert row["blocker"].to_list() == ["label"]
    stages = json.loads(store.read_table(db, "runs").filter(pl.col("latest"))["stages"][0])
    detail = next(s for s in stages if s["stage"] == "judge")["detail"]["pair_labels"]
    assert detail["labels"] == len(labels) and detail["calibrated"] and detail["threshold"] == pytest.approx(expected)


def test_labelled_pairs_leave_the_review_queue_after_the_rerun(labelled_rerun):
    db, _, _, labels, _, _ = labelled_rerun
    queue = review_queue(db, limit=10_000)
    done = {(a, b) for a, b, _ in labels}
    assert not done & set(queue.select("tid_a", "tid_b").rows())
    assert queue["threshold"].unique().to_list() == [pytest.approx(json.loads(
        store.read_table(db, "runs").filter(pl.col("latest"))["summary"][0])["judge_threshold"])]
