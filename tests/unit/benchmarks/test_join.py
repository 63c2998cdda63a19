"""The Join generator: truth agrees with the generated tables; presets change the mix."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from benchmarks.join import PRESETS, JoinSpec, Preset, generate, seed_from_frame, typo
from tablefuse.equivalence import canonical
from tablefuse.truth import load_truth

from join_seed import seed_table as _seed


def _read_lake(bench) -> dict[tuple[str, int, str], str | None]:
    """(source, source_row, attribute) → lake cell, headers mapped back through columns.csv."""
    cols = pl.read_csv(bench.truth_dir / "columns.csv", infer_schema=False)
    header = {(s, c): a for s, c, a in cols.iter_rows()}
    cells = {}
    for path in sorted(bench.lake_dir.glob("*.csv")):
        frame = pl.read_csv(path, infer_schema=False)
        for r, row in enumerate(frame.iter_rows(named=True)):
            for h, v in row.items():
                cells[(path.name, r, header[(path.name, h)])] = v
    return cells


def test_truth_is_consistent_with_the_tables(tmp_path: Path) -> None:
    seed = _seed()
    bench = generate(seed, tmp_path, name="s", preset="balanced", n_tables=6, seed_value=7)
    truth = load_truth(bench.truth_dir)
    cells = _read_lake(bench)
    ent = {(s, int(r)): e for s, r, e in truth.entities.iter_rows()}
    values = {(e, a): v for e, a, v in truth.values.iter_rows()}
    inj = pl.read_csv(bench.truth_dir / "injections.csv", infer_schema=False)
    injected = {(s, int(r), a): (k, tv, lv) for s, r, e, a, k, tv, lv in inj.iter_rows()}
    assert len(list(bench.lake_dir.glob("*.csv"))) == 6
    assert truth.entities.height == len({(s, r) for s, r, _ in cells}) == bench.counts["rows"]
    assert set(ent.values()) == {f"s:{i}" for i in range(seed.height)}  # every seed row appears
    assert {a for _, _, a in cells} == set(seed.columns)  # every attribute appears
    for (source, row, attr), lake_value in cells.items():
        true = values[(ent[(source, row)], attr)]
        if (source, row, attr) in injected:
            kind, tv, lv = injected[(source, row, attr)]
            assert (tv, lv) == (true, lake_value) and lake_value != true
            if kind == "synonym":
                assert canonical(lake_value) == canonical(true)
            if kind == "conflict":
                assert canonical(lake_value) != canonical(true)
                assert lake_value in seed[attr].to_list()
        else:
            assert lake_value == true
    conflicts = pl.read_csv(bench.truth_dir / "conflicts.csv", infer_schema=False)
    assert conflicts.height == bench.counts["conflict"] == inj.filter(pl.col("kind") == "conflict").height
    for key in ("typo", "synonym"):
        assert inj.filter(pl.col("kind") == key).height == bench.counts[key]


def test_key_column_is_in_every_table(tmp_path: Path) -> None:
    bench = generate(_seed(), tmp_path, preset="balanced", spec=JoinSpec(n_tables=5, key_columns=("phone",)),
                     seed_value=1)
    cols = pl.read_csv(bench.truth_dir / "columns.csv", infer_schema=False)
    assert cols.filter(pl.col("attribute") == "phone")["source"].n_unique() == 5


def test_deterministic_under_a_seed(tmp_path: Path) -> None:
    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.csv"))}

    a = generate(_seed(), tmp_path / "a", preset="typo-heavy", n_tables=4, seed_value=3)
    b = generate(_seed(), tmp_path / "b", preset="typo-heavy", n_tables=4, seed_value=3)
    c = generate(_seed(), tmp_path / "c", preset="typo-heavy", n_tables=4, seed_value=4)
    assert files(a.root) == files(b.root)
    assert files(a.root) != files(c.root)


def test_presets_change_the_injected_mix(tmp_path: Path) -> None:
    seed = _seed(60)
    counts = {p: generate(seed, tmp_path / p, preset=p, n_tables=6, seed_value=5).counts for p in PRESETS}
    assert counts["typo-heavy"]["typo"] > 3 * counts["typo-heavy"]["synonym"]
    assert counts["synonym-heavy"]["synonym"] > 3 * counts["synonym-heavy"]["typo"]
    assert counts["typo-heavy"]["typo"] > counts["balanced"]["typo"] > counts["synonym-heavy"]["typo"]
    assert counts["synonym-heavy"]["synonym"] > counts["balanced"]["synonym"] > counts["typo-heavy"]["synonym"]


def test_zero_rates_leave_the_values_clean(tmp_path: Path) -> None:
    clean = Preset("clean", typo_rate=0.0, synonym_rate=0.0, conflict_rate=0.0, header_rate=0.0)
    bench = generate(_seed(10), tmp_path, preset=clean, n_tables=2, seed_value=0)
    assert (bench.counts["typo"], bench.counts["synonym"], bench.counts["conflict"]) == (0, 0, 0)
    frame = pl.read_csv(next(bench.lake_dir.glob("*.csv")), infer_schema=False)
    assert set(frame.columns) <= {"name", "address", "state", "phone"}


@pytest.mark.parametrize("k", [1, 21])
def test_table_count_is_bounded(tmp_path: Path, k: int) -> None:
    with pytest.raises(ValueError, match="between 2 and 20"):
        generate(_seed(), tmp_path, n_tables=k)


def test_typo_changes_one_letter_but_not_the_first() -> None:
    import random

    rng = random.Random(0)
    for word in ("Boston", "Cedar Street", "Oregon"):
        out = typo(word, rng)
        assert out != word and out[0] == word[0] and abs(len(out) - len(word)) <= 1
    assert typo("1234", rng) == "1234"


def test_seed_from_frame_normalises_headers_and_drops_ids() -> None:
    frame = pl.DataFrame({"id": ["1", "2", "2"], "http://x.org/o#Phone Number": ["1", " ", " "],
                          "Name": ["a", "b", "b"]})
    seed = seed_from_frame(frame)
    assert seed.columns == ["phone_number", "name"]
    assert seed.rows() == [("1", "a"), (None, "b")]
