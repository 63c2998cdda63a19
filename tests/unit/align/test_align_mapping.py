import json
from pathlib import Path

import polars as pl
import pytest

from tablefuse.align import align, load_mapping
from tablefuse.config import AlignConfig
from tablefuse.errors import AlignmentError

YAML = """
"*":
  tel: contact
  rowno: null
rest2.csv:
  nm: name
"""


def _row(alignment, source: str, column: str) -> dict:
    return alignment.frame.filter(
        (pl.col("source") == source) & (pl.col("source_column") == column)).row(0, named=True)


def _tables(table, lake):
    return lake(
        table("rest1.csv", {"name": ["a", "b", "c"], "tel": ["1", "2", "3"], "rowno": ["x", "y", "z"]}),
        table("dir/rest2.csv", {"nm": ["d", "e", "f"], "phone": ["4", "5", "6"], "name": ["g", "h", "i"]}),
    )


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("fmt", ["yaml", "json", "json_records", "csv"])
def test_mapping_formats_load_the_same(tmp_path: Path, fmt: str) -> None:
    entries = [("*", "tel", "contact"), ("*", "rowno", None), ("rest2.csv", "nm", "name")]
    if fmt == "yaml":
        path = _write(tmp_path, "m.yaml", YAML)
    elif fmt == "json":
        path = _write(tmp_path, "m.json", json.dumps({"*": {"tel": "contact", "rowno": None},
                                                      "rest2.csv": {"nm": "name"}}))
    elif fmt == "json_records":
        path = _write(tmp_path, "m.json", json.dumps(
            [{"source": s, "source_column": c, "attribute": a} for s, c, a in entries]))
    else:
        path = _write(tmp_path, "m.csv",
                      "source,source_column,attribute\n*,tel,contact\n*,rowno,_key\nrest2.csv,nm,name\n")
    frame = load_mapping(path)
    assert frame.columns == ["source", "source_column", "attribute"]
    assert frame.rows() == entries


def test_mapping_overrides_automatic_matching(tmp_path: Path, table, lake) -> None:
    a = align(_tables(table, lake), AlignConfig(mapping_file=_write(tmp_path, "m.yaml", YAML)))
    assert _row(a, "rest1.csv", "tel") == {
        "source": "rest1.csv", "source_column": "tel", "attribute": "contact", "role": "attribute",
        "method": "mapping", "confidence": 1.0, "needs_review": False, "evidence": "mapping file"}
    assert _row(a, "rest1.csv", "rowno")["role"] == "key"
    assert _row(a, "rest1.csv", "rowno")["attribute"] is None
    # "nm" is mapped to name, so the source's own "name" column must take another attribute
    assert _row(a, "dir/rest2.csv", "nm")["attribute"] == "name"
    assert _row(a, "dir/rest2.csv", "name")["attribute"] == "name_2"
    # phone is left to automatic matching: it joins "contact" through its mapped alias "tel"
    assert _row(a, "dir/rest2.csv", "phone")["attribute"] == "contact"
    assert _row(a, "dir/rest2.csv", "phone")["method"] == "fuzzy"
    assert a.attributes == ("name", "contact", "name_2")
    a.validate()


def test_mapping_attribute_names_are_normalised_and_columns_match_by_normal_form(tmp_path, table, lake) -> None:
    uri = "http://www.okkam.org/ontology_restaurant1.owl#phone_number"
    tables = lake(table("r.csv", {uri: ["1"]}))
    a = align(tables, AlignConfig(mapping_file=_write(tmp_path, "m.yaml", '"*":\n  phone_number: Phone Number\n')))
    assert _row(a, "r.csv", uri)["attribute"] == "phone_number"
    assert _row(a, "r.csv", uri)["method"] == "mapping"


def test_exact_source_beats_a_pattern(tmp_path, table, lake) -> None:
    text = '"*":\n  tel: contact\nrest1.csv:\n  tel: phone\n'
    a = align(_tables(table, lake), AlignConfig(mapping_file=_write(tmp_path, "m.yaml", text)))
    assert _row(a, "rest1.csv", "tel")["attribute"] == "phone"


@pytest.mark.parametrize(("text", "needle"), [
    ('"*":\n  telefon: phone\n', "telefon"),
    ('nosuch.csv:\n  tel: phone\n', "nosuch.csv"),
])
def test_a_mapping_entry_that_matches_nothing_is_an_error(tmp_path, table, lake, text, needle) -> None:
    with pytest.raises(AlignmentError, match=needle):
        align(_tables(table, lake), AlignConfig(mapping_file=_write(tmp_path, "m.yaml", text)))


def test_mapping_two_columns_of_one_source_to_one_attribute_is_an_error(tmp_path, table, lake) -> None:
    text = '"rest1.csv":\n  tel: name\n'
    with pytest.raises(AlignmentError, match="same attribute"):
        align(_tables(table, lake), AlignConfig(mapping_file=_write(tmp_path, "m.yaml", text + "  name: name\n")))


@pytest.mark.parametrize(("name", "text"), [
    ("m.txt", "x"),
    ("m.yaml", "- just\n- a list of strings\n"),
    ("m.yaml", '"*": [a, b]\n'),
    ("m.json", "{not json"),
    ("m.csv", "a,b\n1,2\n"),
])
def test_bad_mapping_files_are_clear_errors(tmp_path: Path, name: str, text: str) -> None:
    with pytest.raises(AlignmentError, match="mapping file"):
        load_mapping(_write(tmp_path, name, text))


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(AlignmentError, match="does not exist"):
        load_mapping(tmp_path / "absent.yaml")
