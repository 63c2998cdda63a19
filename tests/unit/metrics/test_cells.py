"""cell_accuracy against hand-computed counts.

Shared example (sets A, B, C, D; entities x, y, z, w):
  A = {1: x, 2: x, 3: y}  -> majority x
  B = {4: y, 5: z}        -> tie, both have values -> smallest id: y
  C = {6: unlabelled}     -> no labelled tuple: not judged
  D = {7: w}              -> w has no true values: not judged
True values: x name "Acme Corp", zip "02139", phone null (not counted);
             y name "Beta", zip "10001"; z name "Zeta", zip "94110".
Golden: A name " acme  corp" (equal after folding), zip "2139" (wrong);
        B name "Beta" (right), zip null (wrong); C, D anything; cuisine is unknown to truth.
=> judged cells: A.name ok, A.zip wrong, B.name ok, B.zip wrong -> 2 / 4.
"""
from __future__ import annotations

import polars as pl
import pytest

from tablefuse.metrics import cell_accuracy

MEMBERSHIP = pl.DataFrame({"tid": [1, 2, 3, 4, 5, 6, 7], "set_id": ["A", "A", "A", "B", "B", "C", "D"]})
TID_ENTITIES = pl.DataFrame({"tid": [1, 2, 3, 4, 5, 7], "entity": ["x", "x", "y", "y", "z", "w"]})
TRUE_VALUES = pl.DataFrame({
    "entity": ["x", "x", "x", "y", "y", "z", "z"],
    "attribute": ["name", "zip", "phone", "name", "zip", "name", "zip"],
    "value": ["Acme Corp", "02139", None, "Beta", "10001", "Zeta", "94110"],
})
GOLDEN = pl.DataFrame({
    "set_id": ["A", "B", "C", "D"],
    "name": [" acme  corp", "Beta", "Foo", "Bar"],
    "zip": ["2139", None, "11111", "22222"],
    "phone": ["1", "2", "3", "4"],
    "cuisine": ["Thai", "Thai", "Thai", "Thai"],
})


def test_counts_follow_the_documented_rules() -> None:
    r = cell_accuracy(GOLDEN, MEMBERSHIP, TID_ENTITIES, TRUE_VALUES)
    assert (r["correct"], r["total"]) == (2, 4)
    assert r["accuracy"] == 0.5
    assert r["per_attribute"] == {"name": 1.0, "zip": 0.0}
    assert r["missing_attributes"] == []


def test_custom_normalise_replaces_the_default() -> None:
    # strips leading zeros but does not collapse inner spaces: A.name " acme  corp" -> "acme  corp"
    # != "acme corp" (wrong now), A.zip "2139" == "2139" (right now); B unchanged: 2 / 4.
    r = cell_accuracy(GOLDEN, MEMBERSHIP, TID_ENTITIES, TRUE_VALUES,
                      normalise=lambda s: s.strip().lstrip("0").lower())
    assert (r["correct"], r["total"]) == (2, 4)
    assert r["per_attribute"] == {"name": 0.5, "zip": 0.5}


def test_a_missing_golden_column_makes_its_cells_wrong() -> None:
    r = cell_accuracy(GOLDEN.drop("zip"), MEMBERSHIP, TID_ENTITIES, TRUE_VALUES)
    assert (r["correct"], r["total"]) == (2, 4)
    assert r["per_attribute"] == {"name": 1.0, "zip": 0.0}
    assert r["missing_attributes"] == ["zip"]


def test_a_set_without_golden_row_is_wrong() -> None:
    # B has no golden row: B.name and B.zip are wrong; A as before: 1 / 4.
    r = cell_accuracy(GOLDEN.filter(pl.col("set_id") != "B"), MEMBERSHIP, TID_ENTITIES, TRUE_VALUES)
    assert (r["correct"], r["total"]) == (1, 4)


def test_majority_and_tie_breaks() -> None:
    # S1 = {y, y, x} -> y; S2 = {w, x}: tie, w has no values -> x; S3 = {z, y}: tie -> y.
    membership = pl.DataFrame({"tid": [1, 2, 3, 4, 5, 6, 7], "set_id": [1, 1, 1, 2, 2, 3, 3]})
    tid_entities = pl.DataFrame({"tid": [1, 2, 3, 4, 5, 6, 7],
                                 "entity": ["y", "y", "x", "w", "x", "z", "y"]})
    golden = pl.DataFrame({"set_id": [1, 2, 3], "name": ["Beta", "Acme Corp", "Beta"]})
    r = cell_accuracy(golden, membership, tid_entities, TRUE_VALUES.filter(pl.col("attribute") == "name"))
    assert (r["correct"], r["total"]) == (3, 3)


def test_split_entity_is_judged_once_per_set() -> None:
    membership = pl.DataFrame({"tid": [1, 2], "set_id": [10, 11]})
    tid_entities = pl.DataFrame({"tid": [1, 2], "entity": ["x", "x"]})
    golden = pl.DataFrame({"set_id": [10, 11], "name": ["Acme Corp", "Acme"]})
    r = cell_accuracy(golden, membership, tid_entities, TRUE_VALUES.filter(pl.col("attribute") == "name"))
    assert (r["correct"], r["total"]) == (1, 2)


def test_nothing_to_judge_is_vacuously_perfect() -> None:
    r = cell_accuracy(GOLDEN, MEMBERSHIP, TID_ENTITIES, TRUE_VALUES.head(0))
    assert (r["accuracy"], r["correct"], r["total"], r["per_attribute"]) == (1.0, 0, 0, {})


def test_two_true_values_for_one_cell_is_an_error() -> None:
    doubled = pl.concat([TRUE_VALUES, TRUE_VALUES.head(1)])
    with pytest.raises(ValueError, match="two values"):
        cell_accuracy(GOLDEN, MEMBERSHIP, TID_ENTITIES, doubled)
