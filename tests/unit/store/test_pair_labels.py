"""Pair labels (must_link / cannot_link / unsure) in the ``decisions`` table: recorded, listed,
superseded, deleted, applied on read, and kept across runs; and the review queue over them.

The hand-built run (conftest): tids 0..4; a.csv rows 0, 1 are tids 0, 1; sub/b.csv rows 0.. are
tids 2..; sets {0, 2}, {1}, {3}, {4}; judged pairs (0, 2) 0.95, (0, 1) 0.2, (1, 3) 0.1 at 0.5.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest

from tablefuse import store
from tablefuse.config import ResolveConfig
from tablefuse.errors import StoreError
from tablefuse.frames import ScoredPairs
from tablefuse.pipeline import review_queue
from tablefuse.resolve import make_resolver


@pytest.fixture
def stored(make_result, db) -> Path:
    store.write_run(db, make_result(run_id="r1"), version="0.1.0")
    return db


def _sets(db: Path) -> dict[int, int]:
    m = store.read_table(db, "membership")
    return dict(zip(m["tid"].to_list(), m["set_id"].to_list(), strict=True))


def test_record_and_list_a_label_names_its_tuples_by_source_row(stored):
    did = store.record_pair_label(stored, 0, 2, "match", note="same place")
    labels = store.pair_labels(stored)
    assert labels.columns == ["decision_id", "created", "label", "source_a", "row_a", "source_b", "row_b",
                              "tid_a", "tid_b"]
    assert labels.select("decision_id", "label", "source_a", "row_a", "source_b", "row_b", "tid_a",
                         "tid_b").row(0) == (did, "match", "a.csv", 0, "sub/b.csv", 0, 0, 2)
    decisions = store.list_decisions(stored)
    assert decisions["kind"].to_list() == ["must_link"] and decisions["note"].to_list() == ["same place"]


def test_no_label_gives_the_empty_frame_with_every_column(stored):
    empty = store.pair_labels(stored)
    assert empty.height == 0 and "tid_b" in empty.columns and "label" in empty.columns
    store.record_split(stored, [2])  # other decisions are not labels
    assert store.pair_labels(stored).height == 0


def test_a_newer_label_for_the_same_pair_replaces_the_older(stored):
    first = store.record_pair_label(stored, 0, 2, "match")
    second = store.record_pair_label(stored, 2, 0, "no_match")  # either order is the same pair
    labels = store.pair_labels(stored)
    assert labels["decision_id"].to_list() == [second] and labels["label"].to_list() == ["no_match"]
    kinds = store.list_decisions(stored)
    assert first not in kinds["decision_id"].to_list() and kinds["kind"].to_list() == ["cannot_link"]
    assert _sets(stored)[0] != _sets(stored)[2]  # the newer label is the one applied


def test_bad_labels_are_refused(stored):
    with pytest.raises(StoreError, match="do not exist"):
        store.record_pair_label(stored, 0, 99, "match")
    with pytest.raises(StoreError, match="two different tuples"):
        store.record_pair_label(stored, 1, 1, "no_match")
    with pytest.raises(StoreError, match="unknown"):
        store.record_pair_label(stored, 0, 1, "yes")  # type: ignore[arg-type]
    assert store.pair_labels(stored).height == 0


def test_delete_decision_removes_a_label(stored):
    did = store.record_pair_label(stored, 0, 2, "no_match")
    assert store.delete_decision(stored, did)
    assert store.pair_labels(stored).height == 0
    assert _sets(stored)[0] == _sets(stored)[2]


def test_cannot_link_moves_the_second_tuple_out_and_nothing_else(stored):
    before = _sets(stored)
    store.record_pair_label(stored, 0, 2, "no_match")
    after = _sets(stored)
    assert after[0] != after[2]
    assert all(after[t] != after[2] for t in after if t != 2)  # tid_b alone in a new set
    assert after[0] == before[0] and {after[t] for t in (1, 3, 4)} == {before[t] for t in (1, 3, 4)}
    # the edited sets are re-resolved by the resolver given: one golden record per decided set
    decided = store.read_table(stored, "integrated", resolver=make_resolver(ResolveConfig(method="vote")))
    assert sorted(decided["set_id"].to_list()) == sorted(set(after.values()))
    with pytest.raises(StoreError, match="resolver"):
        store.read_table(stored, "integrated")


def test_must_link_merges_the_two_sets(stored):
    store.record_pair_label(stored, 1, 3, "match")
    after = _sets(stored)
    assert after[1] == after[3]
    assert after[0] == after[2] != after[1] and after[4] not in (after[0], after[1])
    assert len(set(after.values())) == 3
    golden = store.read_table(stored, "integrated", resolver=make_resolver(ResolveConfig(method="vote")))
    assert golden.height == 3


def test_unsure_and_satisfied_labels_change_nothing(stored):
    raw = store.read_table(stored, "membership", raw=True)
    store.record_pair_label(stored, 0, 1, "unsure")
    store.record_pair_label(stored, 1, 3, "no_match")  # already apart
    store.record_pair_label(stored, 0, 2, "match")  # already together
    assert store.read_table(stored, "membership").equals(raw)
    assert store.read_table(stored, "integrated").equals(store.read_table(stored, "integrated", raw=True))
    assert set(store.list_decisions(stored)["status"].to_list()) == {"applied"}


def test_labels_survive_a_rerun_and_go_stale_with_their_tuples(stored, make_result):
    keep = store.record_pair_label(stored, 0, 2, "no_match")
    gone = store.record_pair_label(stored, 1, 4, "match")  # tid 4: sub/b.csv row 2
    store.write_run(stored, make_result(run_id="r2", started="2024-02-01T00:00:00+00:00"), version="0.1.0")
    assert store.pair_labels(stored)["decision_id"].to_list() == [keep, gone]
    store.write_run(stored, make_result(run_id="r3", started="2024-03-01T00:00:00+00:00", n_tuples=4),
                    version="0.1.0")
    labels = store.pair_labels(stored)
    assert labels.filter(pl.col("decision_id") == gone)["tid_b"].to_list() == [None]
    status = dict(store.list_decisions(stored).select("decision_id", "status").iter_rows())
    assert status[keep] == "applied" and status[gone].startswith("stale")


# -- the review queue ---------------------------------------------------------------------------

@pytest.fixture
def queued(make_result, db) -> Path:
    """Scores with ties on the margin: (0, 1) 0.25, (0, 4) 0.25, (1, 3) 0.75, (0, 2) 0.95 at 0.5."""
    result = make_result(run_id="q1")
    scored = ScoredPairs(pl.DataFrame({"tid_a": [0, 0, 1, 0], "tid_b": [2, 1, 3, 4],
                                       "score": [0.95, 0.25, 0.75, 0.25],
                                       "integrable": [True, False, True, False]}), threshold=0.5)
    store.write_run(db, dataclasses.replace(result, scored=scored), version="0.1.0")
    return db


def test_review_queue_orders_by_margin_then_tids_and_names_near_misses(queued):
    q = review_queue(queued)
    assert q.select("tid_a", "tid_b").rows() == [(0, 1), (0, 4), (1, 3), (0, 2)]
    assert q["kind"].to_list() == ["near_miss", "near_miss", "uncertain", "uncertain"]
    assert q["same_set"].to_list() == [False, False, False, True]
    assert q["threshold"].to_list() == [0.5] * 4
    assert q["margin"].to_list() == [0.25, 0.25, 0.25, pytest.approx(0.45)]
    assert review_queue(queued, limit=2).height == 2


def test_review_queue_leaves_out_labelled_pairs_but_keeps_unsure_ones(queued):
    store.record_pair_label(queued, 1, 0, "no_match")
    store.record_pair_label(queued, 3, 1, "match")
    store.record_pair_label(queued, 0, 4, "unsure")
    assert review_queue(queued).select("tid_a", "tid_b").rows() == [(0, 4), (0, 2)]


def test_review_queue_reads_the_decided_sets(queued):
    sets = _sets(queued)
    store.record_merge(queued, [sets[0], sets[1]])
    q = review_queue(queued)
    row = q.filter((pl.col("tid_a") == 0) & (pl.col("tid_b") == 1))
    assert row["same_set"].to_list() == [True] and row["kind"].to_list() == ["uncertain"]
