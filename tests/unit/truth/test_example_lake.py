"""The committed example lake is what its generator writes, and its truth covers it exactly."""
from __future__ import annotations

import csv
import importlib.util
import io
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import polars as pl
import pyarrow.parquet as pq
import pytest

from tablefuse.truth import load_truth

REPO = Path(__file__).resolve().parents[3]
LAKE, TRUTH = REPO / "examples" / "lake", REPO / "examples" / "truth"


@pytest.fixture(scope="module")
def generator() -> Iterator[ModuleType]:
    """examples/ is not a package: load the script by path (dataclasses need it in sys.modules)."""
    name = "_tablefuse_example_make_lake"
    spec = importlib.util.spec_from_file_location(name, REPO / "examples" / "make_lake.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(name, None)


def _files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def test_committed_files_match_a_fresh_run(generator: ModuleType, tmp_path: Path) -> None:
    generator.make_lake(tmp_path / "lake", tmp_path / "truth")
    for name, committed, fresh in (("lake", LAKE, tmp_path / "lake"), ("truth", TRUTH, tmp_path / "truth")):
        ours, theirs = _files(committed), _files(fresh)
        assert sorted(ours) == sorted(theirs), f"{name}: file lists differ"
        for rel, path in ours.items():
            if rel.endswith(".parquet"):
                # the writer stamps its own version into the file: compare content and schema
                assert pq.read_table(path).equals(pq.read_table(theirs[rel])), rel
            else:
                same = path.read_bytes() == theirs[rel].read_bytes()
                assert same, f"{name}/{rel} differs: rerun examples/make_lake.py"


def test_generator_is_byte_deterministic(generator: ModuleType, tmp_path: Path) -> None:
    generator.make_lake(tmp_path / "l1", tmp_path / "t1", seed=5)
    generator.make_lake(tmp_path / "l2", tmp_path / "t2", seed=5)
    for a, b in (("l1", "l2"), ("t1", "t2")):
        one, two = _files(tmp_path / a), _files(tmp_path / b)
        assert {k: v.read_bytes() for k, v in one.items()} == {k: v.read_bytes() for k, v in two.items()}
    other = _files(tmp_path / "t1")["entities.csv"].read_bytes()
    assert other != (TRUTH / "entities.csv").read_bytes()  # the seed matters


def _csv_rows(delimiter: str, encoding: str) -> Callable[[Path], int]:
    def count(path: Path) -> int:
        with io.open(path, encoding=encoding, newline="") as fh:
            rows = list(csv.reader(fh, delimiter=delimiter))
        widths = {len(r) for r in rows}
        assert len(widths) == 1, f"{path}: ragged rows"
        return len(rows) - 1
    return count


def _ndjson_rows(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines and all(isinstance(json.loads(line), dict) for line in lines)
    return len(lines)


COUNTERS: dict[str, Callable[[Path], int]] = {
    "city_open_data/restaurants.csv": _csv_rows(",", "utf-8-sig"),
    "guide_export.tsv": _csv_rows("\t", "utf-8"),
    "health/inspections.csv": _csv_rows(";", "latin-1"),
    "yelpish.psv": _csv_rows("|", "utf-8"),
    "directory.parquet": lambda p: pq.ParquetFile(p).metadata.num_rows,
    "listings.ndjson": _ndjson_rows,
}


def test_truth_covers_every_lake_row_exactly_once() -> None:
    truth = load_truth(TRUTH)
    lake = _files(LAKE)
    assert sorted(lake) == sorted(COUNTERS)
    expected = {(rel, i) for rel, path in lake.items() for i in range(COUNTERS[rel](path))}
    listed = set(truth.entities.select("source", "source_row").iter_rows())
    assert listed == expected
    assert truth.entities.height == len(expected)  # no row twice
    assert 300 <= len(expected) <= 400


def test_truth_values_and_conflicts_are_consistent() -> None:
    truth = load_truth(TRUTH)
    assert truth.values is not None
    entities = set(truth.entities["entity"])
    assert 120 <= len(entities) <= 150
    assert set(truth.values["entity"]) == entities
    named = truth.values.filter(pl.col("attribute") == "name")
    assert named.height == len(entities)  # every entity has a true name
    assert set(truth.values["attribute"]) <= {"name", "address", "city", "state", "zip", "phone",
                                              "cuisine", "website", "year_opened"}
    phones = truth.values.filter(pl.col("attribute") == "phone")["value"]
    assert phones.str.contains(r"^\d{3}-555-01\d{2}$").all()
    states = truth.values.filter(pl.col("attribute") == "state")["value"]
    assert states.str.contains(r"^[A-Z]{2}$").all()
    # every conflict names a real truth row of the same entity, with a true value from values.csv
    conflicts = pl.read_csv(TRUTH / "conflicts.csv", infer_schema=False).with_columns(
        pl.col("source_row").cast(pl.Int64))
    assert conflicts.height >= 10
    joined = conflicts.join(truth.entities, on=["source", "source_row"], how="left", suffix="_t")
    assert (joined["entity"] == joined["entity_t"]).all()
    with_true = conflicts.join(truth.values, on=["entity", "attribute"], how="left")
    assert (with_true["true_value"] == with_true["value"]).all()
    assert (conflicts["true_value"] != conflicts["wrong_value"]).all()


def test_some_entities_repeat_inside_one_source() -> None:
    ent = load_truth(TRUTH).entities
    repeats = ent.group_by("source", "entity").len().filter(pl.col("len") > 1)
    assert repeats.height >= 10
    spread = ent.group_by("entity").agg(pl.col("source").n_unique().alias("n"))["n"]
    assert spread.min() == 1 and spread.max() == 4
