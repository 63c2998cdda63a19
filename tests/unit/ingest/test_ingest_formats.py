"""Ingest reads every supported format and encoding into text columns."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from tablefuse.config import DEFAULT_NULL_TOKENS, IngestConfig
from tablefuse.ingest import read_lake, read_table


def _write(root: Path, rel: str, data: str | bytes, encoding: str = "utf-8") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def _read(root: Path, rel: str, config: IngestConfig | None = None):
    return read_table(root / rel, root, config or IngestConfig())


@pytest.mark.parametrize("delimiter", [",", ";", "|", "#", "%", "\t"])
def test_each_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    d = delimiter
    text = (f"id{d}name{d}city\n1{d}Ann Lee{d}Paris, France\n2{d}Bob{d}Oslo\n"
            f"3{d}Cy D. 5%{d}Rome\n")
    if d in (",", "%"):  # the delimiter itself inside a value must be quoted
        text = text.replace("Paris, France", '"Paris, France"').replace("Cy D. 5%", '"Cy D. 5%"')
    _write(tmp_path, "t.csv", text)
    table, issues = _read(tmp_path, "t.csv")
    assert table.delimiter == d
    assert table.frame.columns == ["id", "name", "city"]
    assert table.frame["city"].to_list() == ["Paris, France", "Oslo", "Rome"]
    assert table.frame["name"].to_list() == ["Ann Lee", "Bob", "Cy D. 5%"]
    assert table.format == "csv"
    assert issues == []


def test_quoted_fields_with_delimiter_newline_and_quotes(tmp_path: Path) -> None:
    _write(tmp_path, "q.csv", 'id,text,n\r\n1,"a, b\r\nsecond line",x\r\n2,"say ""hi""",y\r\n')
    table, _ = _read(tmp_path, "q.csv")
    assert table.frame["text"].to_list() == ["a, b\r\nsecond line", 'say "hi"']
    assert table.frame["n"].to_list() == ["x", "y"]
    assert table.frame.height == 2


def test_values_stay_raw_text(tmp_path: Path) -> None:
    _write(tmp_path, "r.csv", "code,price\n007, 1.50 \n010,2\n")
    table, _ = _read(tmp_path, "r.csv")
    assert table.frame.schema == {"code": pl.Utf8, "price": pl.Utf8}
    assert table.frame["code"].to_list() == ["007", "010"]
    assert table.frame["price"].to_list() == [" 1.50 ", "2"]


@pytest.mark.parametrize("token", DEFAULT_NULL_TOKENS)
def test_every_null_token_becomes_null(tmp_path: Path, token: str) -> None:
    _write(tmp_path, "n.csv", f"a,b\n {token} ,keep\n")
    table, _ = _read(tmp_path, "n.csv")
    assert table.frame.row(0) == (None, "keep")


def test_whitespace_only_is_null_and_custom_tokens(tmp_path: Path) -> None:
    _write(tmp_path, "w.csv", "a,b\n   ,missing\nNA,x\n")
    table, _ = _read(tmp_path, "w.csv", IngestConfig(null_tokens=("", "missing")))
    assert table.frame["a"].to_list() == [None, "NA"]
    assert table.frame["b"].to_list() == [None, "x"]


def test_type_inference(tmp_path: Path) -> None:
    _write(tmp_path, "t.csv",
           "i,f,d,b,s,e,z\n1,1.5,2020-01-31,true,abc,,007\n-20,3,31/01/2020,No,12x,NA,12\n"
           "3,2e3,2021-02-01T10:00:00,F,x,,1\n")
    table, _ = _read(tmp_path, "t.csv")
    assert table.column_types == {"i": "integer", "f": "float", "d": "date", "b": "boolean",
                                  "s": "text", "e": "empty", "z": "text"}


def test_utf8_bom_is_stripped_from_first_header(tmp_path: Path) -> None:
    _write(tmp_path, "bom.csv", b"\xef\xbb\xbfid,name\n1,Zo\xc3\xab\n")
    table, _ = _read(tmp_path, "bom.csv")
    assert table.frame.columns == ["id", "name"]
    assert table.frame["name"].to_list() == ["Zoë"]
    assert table.encoding == "utf-8-sig"


def test_latin1_fallback(tmp_path: Path) -> None:
    _write(tmp_path, "l.csv", "name;city\nCafé;Zürich\n", encoding="latin-1")
    table, _ = _read(tmp_path, "l.csv")
    assert table.frame.row(0) == ("Café", "Zürich")
    assert table.encoding == "latin-1"
    assert table.delimiter == ";"


def test_utf8_encoding_recorded(tmp_path: Path) -> None:
    _write(tmp_path, "u.csv", "name\tcity\nCafé\tZürich\n")
    table, _ = _read(tmp_path, "u.csv")
    assert table.encoding == "utf-8"
    assert table.delimiter == "\t"


def test_parquet_is_cast_to_text_with_iso_dates(tmp_path: Path) -> None:
    frame = pl.DataFrame({
        "id": [1, 2], "price": [1.5, None], "day": [dt.date(2020, 1, 31), None],
        "at": [dt.datetime(2020, 1, 31, 10, 5), None], "ok": [True, False],
        "tags": [["a", "b"], []], "name": ["x", "NA"]})
    frame.write_parquet(tmp_path / "p.parquet")
    table, issues = _read(tmp_path, "p.parquet")
    assert table.format == "parquet"
    assert table.frame.width and all(t == pl.Utf8 for t in table.frame.schema.values())
    assert table.frame.row(0) == ("1", "1.5", "2020-01-31", "2020-01-31T10:05:00", "true",
                                  '["a","b"]', "x")
    assert table.frame.row(1) == ("2", None, None, None, "false", "[]", None)
    assert table.column_types["id"] == "integer"
    assert table.column_types["day"] == "date"
    assert issues == []


def test_json_array_with_nested_values(tmp_path: Path) -> None:
    records = [{"id": 1, "name": "Ann", "tags": ["a", 1], "meta": {"k": "v"}, "ok": True},
               {"id": 2.5, "name": None, "extra": "late column"}]
    _write(tmp_path, "a.json", json.dumps(records))
    table, _ = _read(tmp_path, "a.json")
    assert table.format == "json"
    assert table.frame.columns == ["id", "name", "tags", "meta", "ok", "extra"]
    assert table.frame.row(0) == ("1", "Ann", '["a",1]', '{"k":"v"}', "true", None)
    assert table.frame.row(1) == ("2.5", None, None, None, None, "late column")


def test_json_object_with_one_list_of_records(tmp_path: Path) -> None:
    _write(tmp_path, "o.json", json.dumps({"count": 2, "data": [{"a": "x"}, {"a": "y"}]}))
    table, _ = _read(tmp_path, "o.json")
    assert table.frame["a"].to_list() == ["x", "y"]


@pytest.mark.parametrize("name", ["n.jsonl", "n.ndjson", "n.json"])
def test_ndjson(tmp_path: Path, name: str) -> None:
    _write(tmp_path, name, '{"a": 1, "b": "x"}\n\n{"a": 2, "b": [1, 2]}\n')
    table, _ = _read(tmp_path, name)
    assert table.format == "ndjson"
    assert table.frame.rows() == [("1", "x"), ("2", "[1,2]")]


def test_lake_recurses_in_sorted_order_and_skips_hidden(tmp_path: Path) -> None:
    _write(tmp_path, "b.csv", "x,y\n1,2\n")
    _write(tmp_path, "a/z.csv", "x,y\n1,2\n")
    _write(tmp_path, "a/b/c.tsv", "x\ty\n1\t2\n")
    _write(tmp_path, ".git/config.csv", "x,y\n1,2\n")
    _write(tmp_path, ".DS_Store", b"\x00\x01")
    _write(tmp_path, "a/.hidden.csv", "x,y\n1,2\n")
    _write(tmp_path, "notes.md", "# notes\n")
    lake = read_lake(tmp_path)
    assert [t.source for t in lake.tables] == ["a/b/c.tsv", "a/z.csv", "b.csv"]
    assert lake.rows == 3
    assert [(i.source, i.kind, i.fatal) for i in lake.issues] == [("notes.md", "unsupported", True)]
    assert lake.tables[0].path == tmp_path / "a" / "b" / "c.tsv"
    lake.validate()


def test_single_column_and_blank_lines(tmp_path: Path) -> None:
    _write(tmp_path, "one.csv", "name\nAnn\n\nBob\n\n")
    table, issues = _read(tmp_path, "one.csv")
    assert table.frame.rows() == [("Ann",), ("Bob",)]
    assert table.source_rows is None and issues == []


def test_header_only_file_gives_empty_table(tmp_path: Path) -> None:
    _write(tmp_path, "h.csv", "a,b\n")
    table, _ = _read(tmp_path, "h.csv")
    assert table.frame.columns == ["a", "b"] and table.frame.height == 0
    assert table.column_types == {"a": "empty", "b": "empty"}
