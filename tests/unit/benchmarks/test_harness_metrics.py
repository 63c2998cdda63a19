"""The harness's scoring of one run, against values computed by hand (see each test)."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from benchmarks.harness import attribute_map, conflict_accuracy, golden_in_truth_terms, score, usable_methods
from tablefuse.frames import Alignment, CandidatePairs, Lake, Membership, Resolution, RunResult, ScoredPairs, TupleTable


def _run(golden: pl.DataFrame, alignment: pl.DataFrame | None = None) -> RunResult:
    """4 tuples: tid 0=(a.csv,0) 1=(a.csv,1) 2=(b.csv,0) 3=(b.csv,1); sets {0,2} and {1,3}."""
    attrs = tuple(c for c in golden.columns if c != "set_id")
    tuples = pl.DataFrame({"tid": [0, 1, 2, 3], "source": ["a.csv", "a.csv", "b.csv", "b.csv"],
                           "source_row": [0, 1, 0, 1], "source_key": [None] * 4,
                           **{a: [None] * 4 for a in attrs}},
                          schema={"tid": pl.Int64, "source": pl.Utf8, "source_row": pl.Int64,
                                  "source_key": pl.Utf8, **{a: pl.Utf8 for a in attrs}})
    cands = pl.DataFrame({"tid_a": [0, 1, 0], "tid_b": [2, 3, 1], "blocker": ["t"] * 3})
    scored = pl.DataFrame({"tid_a": [0, 1, 0], "tid_b": [2, 3, 1], "score": [0.9, 0.8, 0.1],
                           "integrable": [True, True, False]})
    members = pl.DataFrame({"tid": [0, 1, 2, 3], "set_id": [0, 1, 0, 1]})
    align = alignment if alignment is not None else pl.DataFrame(
        schema={"source": pl.Utf8, "source_column": pl.Utf8, "attribute": pl.Utf8, "role": pl.Utf8,
                "method": pl.Utf8, "confidence": pl.Float64})
    empty = pl.DataFrame()
    return RunResult("r", Path("."), "{}", "", "", Lake(Path("."), ()), Alignment(align, attrs),
                     TupleTable(tuples, attrs), CandidatePairs(cands), ScoredPairs(scored, 0.5),
                     Membership(members), Resolution(golden, empty, empty))


def _truth(tmp_path: Path, columns: bool = False) -> Path:
    """Entities E1={a0,b0}, E2={a1}, E3={b1}; true values; two injected conflicts."""
    (tmp_path / "entities.csv").write_text(
        "source,source_row,entity\na.csv,0,E1\na.csv,1,E2\nb.csv,0,E1\nb.csv,1,E3\n")
    (tmp_path / "values.csv").write_text(
        "entity,attribute,value\nE1,name,Acme\nE1,city,Boston\nE2,name,Fu\nE3,city,Paris\n")
    (tmp_path / "conflicts.csv").write_text(
        "source,source_row,entity,attribute,true_value,wrong_value\n"
        "a.csv,0,E1,city,Boston,Bostn\nb.csv,1,E3,city,Paris,Denver\n")
    if columns:
        (tmp_path / "columns.csv").write_text(
            "source,source_column,attribute\na.csv,title,name\na.csv,town,city\nb.csv,Name,name\n")
    return tmp_path


def test_score_against_hand_computed_values(tmp_path: Path) -> None:
    golden = pl.DataFrame({"set_id": [0, 1], "name": ["Acme", "Foo"], "city": ["Boston", "Denver"]})
    m = score(_run(golden), _truth(tmp_path))
    # true pairs: (0,2) only. candidates (0,2),(1,3),(0,1): PC 1/1, RR 1 - 3/6
    assert m["blocking"]["pair_completeness"] == 1.0
    assert m["blocking"]["reduction_ratio"] == pytest.approx(0.5)
    # integrable (0,2),(1,3): P 1/2, R 1/1, F1 2/3
    assert (m["judge"]["precision"], m["judge"]["recall"]) == (0.5, 1.0)
    assert m["judge"]["f1"] == pytest.approx(2 / 3)
    # sets {0,2},{1,3} vs {0,2},{1},{3}: same pairs as the judge
    assert m["sets"]["f1"] == pytest.approx(2 / 3)
    # set similarity: Jaccard 1 ({0,2}~E1) + 1/2 ({1,3}~E2) over max(2, 3) sets
    assert m["sets"]["set_similarity"] == pytest.approx(0.5)
    # ARI: n=4, tp=1, fp=1, fn=0, tn=4 -> 2(1*4 - 0)/((1)(4) + (2)(5)) = 8/14
    assert m["sets"]["ari"] == pytest.approx(8 / 14)
    # cells: set 0 -> E1 (name ok, city ok); set 1 -> E2 by tie-break (name Foo != Fu): 2/3
    assert (m["cells"]["correct"], m["cells"]["total"]) == (2, 3)
    # conflicts: (a.csv,0) city -> set 0 Boston: right; (b.csv,1) -> set 1 Denver: the wrong value
    assert m["conflicts"] == {"accuracy": 0.5, "correct": 1, "kept_wrong": 1, "total": 2,
                              "accuracy_equiv": 0.5}


def test_golden_columns_are_mapped_to_truth_attributes(tmp_path: Path) -> None:
    """Align kept ``title`` and ``name`` apart: both carry the truth's ``name`` and are coalesced."""
    align = pl.DataFrame({"source": ["a.csv", "a.csv", "b.csv"], "source_column": ["title", "town", "Name"],
                          "attribute": ["title", "town", "name"], "role": ["attribute"] * 3,
                          "method": ["new"] * 3, "confidence": [1.0] * 3})
    golden = pl.DataFrame({"set_id": [0, 1], "title": ["Acme", None], "name": [None, "Fu"],
                           "town": ["boston ", "Paris"]})
    m = score(_run(golden, align), _truth(tmp_path, columns=True))
    assert (m["cells"]["correct"], m["cells"]["total"]) == (3, 3)
    # conflicts: set 0's city "boston " folds to Boston; set 1's Paris is (b.csv,1)'s true value
    assert (m["conflicts"]["correct"], m["conflicts"]["total"]) == (2, 2)


def test_attribute_map_majority_and_order() -> None:
    align = pl.DataFrame({"source": ["a", "b", "c", "c"], "source_column": ["n", "t", "n2", "k"],
                          "attribute": ["name", "title", "name", None],
                          "role": ["attribute", "attribute", "attribute", "key"]})
    cols = pl.DataFrame({"source": ["a", "b", "c", "c"], "source_column": ["n", "t", "n2", "k"],
                         "attribute": ["name", "name", "name", "id"]})
    assert attribute_map(align, cols) == {"name": ["name", "title"]}  # 2 columns before 1
    golden = pl.DataFrame({"set_id": [0, 1], "name": [None, "x"], "title": ["y", "z"]})
    assert golden_in_truth_terms(golden, {"name": ["name", "title"]}).rows() == [(0, "y"), (1, "x")]


def test_conflict_accuracy_counts_missing_rows_as_wrong() -> None:
    golden = pl.DataFrame({"set_id": [0], "city": [None]})
    members = pl.DataFrame({"tid": [0], "set_id": [0]})
    tuples = pl.DataFrame({"tid": [0], "source": ["a"], "source_row": [0]})
    conflicts = pl.DataFrame({"source": ["a", "zz"], "source_row": [0, 9], "attribute": ["city", "city"],
                              "true_value": ["x", "y"], "wrong_value": ["w", "v"]})
    assert conflict_accuracy(golden, members, tuples, conflicts) == {
        "accuracy": 0.0, "correct": 0, "kept_wrong": 0, "total": 2}
    empty = conflicts.head(0)
    assert conflict_accuracy(golden, members, tuples, empty)["accuracy"] == 1.0


def test_unregistered_methods_are_skipped_with_a_note(monkeypatch) -> None:
    from benchmarks import harness
    from benchmarks.harness import Method

    ghost = Method("ghost", "a judge no registry has", {"judge": {"method": "nope"}}, (("judge", "nope"),))
    monkeypatch.setattr(harness, "METHODS", (*harness.METHODS, ghost))
    chosen, notes = usable_methods(quick=False)
    names = {m.name for m in chosen}
    assert "baseline" in names and "ghost" not in names
    assert any("ghost" in n and "judge=nope not registered" in n for n in notes)
    chosen_quick, _ = usable_methods(quick=True)
    assert "ssacl" not in {m.name for m in chosen_quick}
