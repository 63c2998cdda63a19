"""Truth joined to a run's tuples: tid -> entity, true pairs, and evaluate() on a hand example."""
from __future__ import annotations

import logging
from pathlib import Path

import polars as pl
import pytest

from tablefuse.frames import Alignment, CandidatePairs, Lake, Membership, Resolution, RunResult, ScoredPairs, TupleTable
from tablefuse.truth import Truth, evaluate

# tids 0..5; tid 5 (c.csv, 0) has no truth row; truth row (b.csv, 9) has no tuple.
TUPLES = TupleTable(pl.DataFrame({
    "tid": [0, 1, 2, 3, 4, 5],
    "source": ["a.csv", "a.csv", "b.csv", "b.csv", "b.csv", "c.csv"],
    "source_row": [0, 1, 0, 1, 2, 0],
    "source_key": [None] * 6,
    "name": ["Acme", "Beta", "ACME", "beta", "Gamma", "Delta"],
}, schema_overrides={"source_key": pl.Utf8}), ("name",))
TRUTH = Truth(
    pl.DataFrame({"source": ["a.csv", "a.csv", "b.csv", "b.csv", "b.csv", "b.csv"],
                  "source_row": [0, 1, 0, 1, 2, 9],
                  "entity": ["E1", "E2", "E1", "E2", "E3", "E1"]}),
    pl.DataFrame({"entity": ["E1", "E2", "E3"], "attribute": ["name"] * 3,
                  "value": ["Acme", "Beta", "Gamma"]}),
)


def test_tid_entities_gives_unlabelled_tuples_their_own_entity(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="tablefuse.truth"):
        te = TRUTH.tid_entities(TUPLES)
    assert te.rows() == [(0, "E1"), (1, "E2"), (2, "E1"), (3, "E2"), (4, "E3"), (5, "__unlabelled__:5")]
    assert "1 of 6 tuples have no truth row" in caplog.text


def test_coverage_counts_both_directions() -> None:
    assert TRUTH.coverage(TUPLES) == {"tuples": 6, "labelled": 5, "unlabelled": 1, "truth_rows_not_in_run": 1}


def test_true_pairs_per_entity() -> None:
    pairs = TRUTH.true_pairs(TUPLES)
    assert pairs.schema == {"tid_a": pl.Int64, "tid_b": pl.Int64}
    assert pairs.rows() == [(0, 2), (1, 3)]


def test_true_pairs_of_a_three_tuple_entity_and_none() -> None:
    truth = Truth(pl.DataFrame({"source": ["b.csv"] * 3, "source_row": [0, 1, 2], "entity": ["E"] * 3}))
    assert truth.true_pairs(TUPLES).rows() == [(2, 3), (2, 4), (3, 4)]
    lonely = Truth(pl.DataFrame({"source": ["a.csv"], "source_row": [0], "entity": ["E"]}))
    assert lonely.true_pairs(TUPLES).height == 0


def _run(tuples: TupleTable) -> RunResult:
    """Candidates (0,2) (0,1) (2,3) (0,5); integrable (0,2) (0,1); sets {0,1,2} {3} {4} {5}."""
    cands = pl.DataFrame({"tid_a": [0, 0, 2, 0], "tid_b": [2, 1, 3, 5], "blocker": ["token"] * 4})
    scored = pl.DataFrame({"tid_a": [0, 0, 2, 0], "tid_b": [2, 1, 3, 5], "score": [0.9, 0.7, 0.4, 0.1],
                           "integrable": [True, True, False, False]})
    members = pl.DataFrame({"tid": [0, 1, 2, 3, 4, 5], "set_id": [0, 0, 0, 1, 2, 3]})
    golden = pl.DataFrame({"set_id": [0, 1, 2, 3], "name": ["acme", "Beta", None, "Delta"]})
    empty = pl.DataFrame()
    return RunResult(
        run_id="t", lake_root=Path("."), config_json="{}", started="", finished="",
        lake=Lake(Path("."), ()), alignment=Alignment(empty, ("name",)), tuples=tuples,
        candidates=CandidatePairs(cands), scored=ScoredPairs(scored, 0.5),
        membership=Membership(members), resolution=Resolution(golden, empty, empty),
    )


def test_evaluate_on_a_hand_example() -> None:
    r = evaluate(_run(TUPLES), TRUTH)
    # entities E1 {0,2}, E2 {1,3}, E3 {4}, unlabelled {5}: 4 true sets, 2 true pairs.
    assert (r["tuples"], r["true_sets"], r["predicted_sets"], r["true_pairs"]) == (6, 4, 4, 2)
    assert r["coverage"]["unlabelled"] == 1
    # blocking: (0,2) found, (1,3) not -> 1/2; 4 of C(6,2)=15 pairs -> 1 - 4/15.
    assert r["blocking"]["candidate_pairs"] == 4
    assert r["blocking"]["pair_completeness"] == pytest.approx(0.5)
    assert r["blocking"]["reduction_ratio"] == pytest.approx(11 / 15)
    # judge: integrable (0,2) right, (0,1) wrong; (1,3) missed -> P 1/2, R 1/2; the only true
    # pair among the candidates, (0,2), was found -> recall within candidates 1.
    j = r["judge"]
    assert (j["precision"], j["recall"], j["f1"]) == pytest.approx((0.5, 0.5, 0.5))
    assert j["recall_within_candidates"] == pytest.approx(1.0)
    assert (j["threshold"], j["integrable_pairs"]) == (0.5, 2)
    # sets {0,1,2} {3} {4} {5}: pairs (0,1) (0,2) (1,2); true (0,2) (1,3): tp 1, fp 2, fn 1.
    s = r["sets"]
    assert (s["precision"], s["recall"], s["f1"]) == pytest.approx((1 / 3, 1 / 2, 0.4))
    # Jaccard matching: {0,1,2}-E1 2/3, {3}-E2 1/2, {4}-E3 1, {5}-unlabelled 1 -> (2/3+1/2+2)/4
    assert s["set_similarity"] == pytest.approx((2 / 3 + 1 / 2 + 2) / 4)
    # ARI: n 6, 15 pairs, tp 1, fp 2, fn 1, tn 11 -> 2(1*11 - 1*2) / ((2)(12) + (3)(13)) = 18/63
    assert s["ari"] == pytest.approx(18 / 63)
    # cells: set 0 -> E1 "acme" ok; set 1 -> E2 "Beta" ok; set 2 -> E3 null wrong; set 3 unlabelled
    c = r["cells"]
    assert (c["correct"], c["total"]) == (2, 3)


def test_evaluate_without_values_skips_cells() -> None:
    r = evaluate(_run(TUPLES), Truth(TRUTH.entities))
    assert r["cells"] is None
