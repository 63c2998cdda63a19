"""load_truth: a round trip of a small truth folder and a clear error for each broken input."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tablefuse.errors import InputError, TablefuseError
from tablefuse.truth import Truth, load_truth

ENTITIES = "source,source_row,entity\na.csv,0,E1\na.csv,1,E2\nsub/b.tsv,0,E1\n"
VALUES = "entity,attribute,value\nE1,name,Acme\nE1,zip,02139\nE2,name,Beta\nE2,zip,\n"


def _folder(tmp_path: Path, entities: str | None = ENTITIES, values: str | None = VALUES) -> Path:
    if entities is not None:
        (tmp_path / "entities.csv").write_text(entities, encoding="utf-8")
    if values is not None:
        (tmp_path / "values.csv").write_text(values, encoding="utf-8")
    return tmp_path


def test_round_trip(tmp_path: Path) -> None:
    truth = load_truth(_folder(tmp_path))
    assert isinstance(truth, Truth)
    assert truth.entities.schema == {"source": pl.Utf8, "source_row": pl.Int64, "entity": pl.Utf8}
    assert truth.entities.rows() == [("a.csv", 0, "E1"), ("a.csv", 1, "E2"), ("sub/b.tsv", 0, "E1")]
    assert truth.values is not None
    # leading zeros survive (no type inference) and an empty value is null
    assert truth.values.rows() == [("E1", "name", "Acme"), ("E1", "zip", "02139"),
                                   ("E2", "name", "Beta"), ("E2", "zip", None)]


def test_values_are_optional(tmp_path: Path) -> None:
    assert load_truth(_folder(tmp_path, values=None)).values is None


def test_extra_columns_are_ignored(tmp_path: Path) -> None:
    truth = load_truth(_folder(tmp_path, entities="note,source,source_row,entity\nhi,a.csv,3,E9\n"))
    assert truth.entities.rows() == [("a.csv", 3, "E9")]


@pytest.mark.parametrize(("entities", "values", "match", "row"), [
    ("source,entity\na.csv,E1\n", VALUES, r"missing column\(s\) \['source_row'\]", None),
    ("source,source_row,entity\na.csv,first,E1\n", VALUES, "'first' is not an integer", 0),
    ("source,source_row,entity\na.csv,0,E1\na.csv,0,E2\n", VALUES, "listed twice", 1),
    ("source,source_row,entity\na.csv,0,E1\na.csv,1,\n", VALUES, "empty source, source_row or entity", 1),
    ("source,source_row,entity\na.csv,-1,E1\n", VALUES, ">= 0", None),
    (ENTITIES, "entity,value\nE1,x\n", r"missing column\(s\) \['attribute'\]", None),
    (ENTITIES, "entity,attribute,value\nE1,name,A\nE1,name,B\n", "two values", 1),
])
def test_malformed_files_raise_input_error(tmp_path: Path, entities: str, values: str, match: str,
                                           row: int | None) -> None:
    with pytest.raises(InputError, match=match) as info:
        load_truth(_folder(tmp_path, entities, values))
    assert info.value.kind == "truth"
    assert info.value.row == row


def test_missing_folder_and_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="truth folder not found"):
        load_truth(tmp_path / "nope")
    with pytest.raises(TablefuseError, match="needs entities.csv"):
        load_truth(_folder(tmp_path, entities=None))


def test_unreadable_csv(tmp_path: Path) -> None:
    (tmp_path / "entities.csv").write_bytes(b"source,source_row,entity\n\xff\xfe\x00garbage,1\n")
    with pytest.raises(InputError, match="entities.csv"):
        load_truth(tmp_path)
