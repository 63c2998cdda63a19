"""The rules a run applies to pair labels (``tablefuse/pipeline/labels.py``): the calibrated cut,
forced scores, labelled matches added to the candidates, and labels honoured by the sets."""
from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tablefuse.frames import CandidatePairs, LabelledPairs, Membership, ScoredPairs
from tablefuse.pipeline import labels as L


def _labels(rows: list[tuple[int, int, bool]]) -> LabelledPairs:
    return LabelledPairs(pl.DataFrame({"tid_a": [r[0] for r in rows], "tid_b": [r[1] for r in rows],
                                       "match": [r[2] for r in rows],
                                       "decision_id": [f"d{i}" for i in range(len(rows))]},
                                      schema={"tid_a": pl.Int64, "tid_b": pl.Int64, "match": pl.Boolean,
                                              "decision_id": pl.Utf8}))


def test_too_few_labels_of_a_class_keep_the_label_free_cut():
    t, info = L.calibrate_threshold(np.array([0.9, 0.8, 0.3, 0.2, 0.1]), np.array([1, 1, 0, 0, 0], bool), 0.5)
    assert t == 0.5 and info["calibrated"] is False


def test_the_f1_best_cut_is_shrunk_towards_the_label_free_cut():
    # matches score 0.40-0.45, non-matches 0.10-0.30: every cut in (0.30, 0.40] is perfect
    scores = np.array([0.45, 0.42, 0.40, 0.30, 0.20, 0.10])
    match = np.array([1, 1, 1, 0, 0, 0], bool)
    t, info = L.calibrate_threshold(scores, match, 0.6)
    assert info["calibrated"] and info["f1_on_labels"] == 1.0
    assert info["f1_best_cut"] == pytest.approx(0.35)  # the middle of the best interval
    w = 6 / (6 + L.PRIOR_LABELS)
    assert t == pytest.approx(0.6 + w * (0.35 - 0.6))
    many, _ = L.calibrate_threshold(np.repeat(scores, 10), np.repeat(match, 10), 0.6)
    assert abs(many - 0.35) < abs(t - 0.35)  # more labels, nearer the labels' own cut


def test_a_label_free_cut_already_best_on_the_labels_stays():
    scores = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    match = np.array([1, 1, 1, 0, 0, 0], bool)
    t, info = L.calibrate_threshold(scores, match, 0.5)
    assert info["calibrated"] and t == 0.5


def test_calibrated_then_forced_scores():
    scored = ScoredPairs(pl.DataFrame({"tid_a": [0, 0, 1, 2, 3, 4, 5], "tid_b": [1, 2, 2, 3, 4, 5, 6],
                                       "score": [0.45, 0.42, 0.40, 0.30, 0.20, 0.10, 0.41],
                                       "integrable": [False] * 7}), threshold=0.6)
    labels = _labels([(0, 1, True), (0, 2, True), (1, 2, True), (2, 3, False), (3, 4, False), (4, 5, False),
                      (7, 8, True)])  # (7, 8): not scored, a match blocking missed
    out = L.forced(L.calibrated(scored, labels), labels)
    assert out.threshold < 0.6 and out.stats["pair_labels"]["calibrated"]
    f = out.frame
    assert f.filter(pl.col("tid_a") == 5)["integrable"].to_list() == [out.threshold <= 0.41]  # unlabelled: the cut
    got = {(a, b): (s, i) for a, b, s, i in f.iter_rows()}
    assert got[(0, 1)] == (1.0, True) and got[(2, 3)] == (0.0, False) and got[(7, 8)] == (1.0, True)
    assert out.stats["pair_labels"]["forced"] == 7


def test_labelled_matches_blocking_missed_become_candidates():
    cands = CandidatePairs(pl.DataFrame({"tid_a": [0], "tid_b": [1], "blocker": ["token"]}))
    out = L.with_labelled_matches(cands, _labels([(0, 1, True), (2, 3, True), (4, 5, False)]))
    assert out.frame.rows() == [(0, 1, "token"), (2, 3, "label")]
    out.validate()


def _membership(sets: list[list[int]]) -> Membership:
    rows = sorted((t, s) for s, tids in enumerate(sets) for t in tids)
    return Membership(pl.DataFrame({"tid": [r[0] for r in rows], "set_id": [r[1] for r in rows]},
                                   schema={"tid": pl.Int64, "set_id": pl.Int64}))


def _pairs(edges: list[tuple[int, int, float]]) -> ScoredPairs:
    return ScoredPairs(pl.DataFrame({"tid_a": [e[0] for e in edges], "tid_b": [e[1] for e in edges],
                                     "score": [e[2] for e in edges], "integrable": [True] * len(edges)}), 0.5)


def _groups(m: Membership) -> set[frozenset[int]]:
    return {frozenset(g) for g in m.frame.group_by("set_id").agg("tid")["tid"].to_list()}


def test_a_set_holding_a_cannot_link_is_cut_where_it_is_weakest():
    # 0-1 and 2-3 strongly linked, 1-2 a weak bridge; (0, 3) labelled no match
    m = _membership([[0, 1, 2, 3], [4]])
    scored = _pairs([(0, 1, 0.9), (2, 3, 0.9), (1, 2, 0.6)])
    out = L.enforce_on_sets(m, scored, _labels([(0, 3, False)]))
    assert _groups(out) == {frozenset({0, 1}), frozenset({2, 3}), frozenset({4})}
    assert out.notes is not None and out.notes["note"].str.contains("no match").all()
    assert out.frame["set_id"].to_list() == [0, 0, 1, 1, 2]  # numbered by smallest tid


def test_no_set_keeps_a_labelled_non_match_even_a_dense_one():
    m = _membership([[0, 1, 2, 3, 4]])
    scored = _pairs([(a, b, 0.9) for a in range(5) for b in range(a + 1, 5)])
    labels = _labels([(0, 1, False), (1, 2, False), (0, 2, False)])
    out = L.enforce_on_sets(m, scored, labels)
    set_of = dict(out.frame.iter_rows())
    assert len({set_of[0], set_of[1], set_of[2]}) == 3


def test_must_links_merge_sets_unless_a_cannot_link_forbids_it():
    m = _membership([[0, 1], [2, 3], [4]])
    scored = _pairs([(0, 1, 0.9), (2, 3, 0.9)])
    out = L.enforce_on_sets(m, scored, _labels([(1, 2, True), (3, 4, True), (0, 4, False)]))
    assert _groups(out) == {frozenset({0, 1, 2, 3}), frozenset({4})}


def test_satisfied_labels_leave_the_membership_as_it_was():
    m = _membership([[0, 1], [2]])
    out = L.enforce_on_sets(m, _pairs([(0, 1, 0.9)]), _labels([(0, 1, True), (1, 2, False)]))
    assert out is m
