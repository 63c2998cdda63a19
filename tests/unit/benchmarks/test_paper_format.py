"""The paper's file format: our writer and loader round-trip; the authors' layout loads."""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from benchmarks.join import generate
from benchmarks.paper_format import load_paper, to_lake, write_paper
from tablefuse.truth import load_truth

from join_seed import seed_table as _seed


def test_round_trip_of_a_generated_benchmark(tmp_path: Path) -> None:
    bench = generate(_seed(30), tmp_path / "gen", preset="balanced", n_tables=4, seed_value=2)
    out = write_paper(bench.lake_dir, bench.truth_dir, tmp_path / "paper")
    ds = load_paper(out)
    truth = load_truth(bench.truth_dir)
    assert ds.table.height == truth.entities.height
    assert set(ds.attributes) == {"name", "address", "state", "phone"}
    # sets: one per entity, tuple ids grouped exactly as the truth groups rows
    key = {(s, r): t for t, s, r in ds.table.select("tid", "source").with_columns(
        pl.int_range(pl.len()).over("source").alias("r")).iter_rows()}
    by_entity: dict[str, set[int]] = {}
    for s, r, e in truth.entities.iter_rows():
        by_entity.setdefault(e, set()).add(key[(s, r)])
    assert sorted(map(sorted, by_entity.values())) == sorted(map(sorted, ds.sets))
    assert ds.pairs.height == sum(len(s) * (len(s) - 1) // 2 for s in ds.sets)
    # conflicts: one per (entity, attribute), the answer is the true value, the wrong value a candidate
    conf = pl.read_csv(bench.truth_dir / "conflicts.csv", infer_schema=False)
    values = {(e, a): v for e, a, v in truth.values.iter_rows()}
    assert len(ds.conflicts) == conf.select("entity", "attribute").unique().height
    entity_of = {t: e for e, ts in by_entity.items() for t in ts}
    for c in ds.conflicts:
        e = entity_of[c.tids[0]]
        assert c.answer == values[(e, c.attribute)]
        wrong = conf.filter((pl.col("entity") == e) & (pl.col("attribute") == c.attribute))["wrong_value"]
        assert set(wrong.to_list()) <= set(c.candidates)
        assert c.attribute not in dict(c.partial)
    # and back to a lake + truth the harness can run
    lake, tdir = to_lake(ds, tmp_path / "back")
    back = load_truth(tdir)
    assert back.entities["entity"].n_unique() == len(ds.sets)
    assert back.values.height == len(ds.conflicts)
    assert pl.read_csv(lake / "T.csv", infer_schema=False).height == ds.table.height


def test_authors_layout_with_other_names_and_no_tids(tmp_path: Path) -> None:
    """Files named differently, sets in brackets, conflicts tied to a set by the partial tuple."""
    (tmp_path / "T.csv").write_text("tid,name,city\n0,Acme,Boston\n1,ACME,Bostn\n2,Zeta,Denver\n3,Acme,\n")
    (tmp_path / "integrable_sets.txt").write_text("[0, 1, 3]\n")
    (tmp_path / "gold_pairs.csv").write_text("0,1\n1,3\n0,3\n")
    (tmp_path / "fd_conflicts.json").write_text(json.dumps([
        {"tuple": {"name": "Acme"}, "attribute": "city", "candidates": ["Boston", "Bostn"], "answer": "Boston"}]))
    ds = load_paper(tmp_path)
    assert ds.sets == ((0, 1, 3), (2,))
    assert ds.pairs.rows() == [(0, 1), (0, 3), (1, 3)]
    assert ds.conflicts[0].tids == (0, 1, 3)
    _, tdir = to_lake(ds, tmp_path / "out")
    truth = load_truth(tdir)
    assert truth.entities.rows() == [("T.csv", 0, "s0"), ("T.csv", 1, "s0"), ("T.csv", 2, "s1"), ("T.csv", 3, "s0")]
    assert truth.values.rows() == [("s0", "city", "Boston")]
    wrong = pl.read_csv(tdir / "conflicts.csv", infer_schema=False)
    assert wrong.select("source_row", "wrong_value").rows() == [("1", "Bostn")]


def test_sets_from_pairs_when_there_is_no_sets_file(tmp_path: Path) -> None:
    (tmp_path / "T.csv").write_text("name\na\nb\nc\nd\n")  # no tid column: row order
    (tmp_path / "pairs.csv").write_text("tid_a,tid_b\n0,2\n2,3\n")
    ds = load_paper(tmp_path)
    assert ds.sets == ((0, 2, 3), (1,))
    assert ds.conflicts == ()


def test_paper_suite_prepares_each_dataset_folder(tmp_path: Path) -> None:
    from benchmarks.suites import dataset_facts, prepare_paper

    bench = generate(_seed(10), tmp_path / "gen", preset="balanced", n_tables=3, seed_value=4)
    write_paper(bench.lake_dir, bench.truth_dir, tmp_path / "paper" / "set01")
    (tmp_path / "paper" / "empty").mkdir()
    prepared, notes = prepare_paper(tmp_path / "work", tmp_path / "paper")
    assert [d.name for d in prepared] == ["set01"] and notes == []
    facts = dataset_facts(prepared[0])
    assert facts["rows"] == bench.counts["rows"] and facts["true_sets"] == 10
