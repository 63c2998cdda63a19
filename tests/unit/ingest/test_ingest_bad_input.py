"""Bad lake files: raised by default with file/row/reason, recorded and counted with skip_bad."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tablefuse.config import IngestConfig
from tablefuse.errors import InputError
from tablefuse.ingest import read_lake, read_table

SKIP = IngestConfig(skip_bad=True)


def _write(root: Path, rel: str, data: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


BAD_FILES: list[tuple[str, str | bytes, str, int]] = [
    # name, content, kind, data lines counted when skipped
    ("zero.csv", b"", "empty", 0),
    ("blank.csv", "  \n\t\n", "empty", 0),
    ("numbers.csv", "1,2,3\n4,5,6\n", "no_header", 1),
    ("noname.csv", ",,\n1,2,3\n", "no_header", 1),
    ("nul.csv", b"id,name\n1,\x00\x00\x00\n", "binary", 0),
    ("junk.dat", bytes(range(1, 32)) * 20, "binary", 0),
    ("broken.parquet", b"PAR1 this is not parquet", "unreadable", 0),
    ("broken.json", '[{"a": 1}, {"a": ', "unreadable", 0),
    ("none.json", "[]", "empty", 0),
]


@pytest.mark.parametrize(("name", "content", "kind", "lines"), BAD_FILES,
                         ids=[f[0] for f in BAD_FILES])
def test_bad_file_raises_by_default(tmp_path: Path, name: str, content: str | bytes, kind: str,
                                    lines: int) -> None:
    _write(tmp_path, name, content)
    with pytest.raises(InputError) as info:
        read_table(tmp_path / name, tmp_path, IngestConfig())
    assert info.value.kind == kind
    assert name in str(info.value)
    _write(tmp_path, "good.csv", "a,b\n1,2\n")
    with pytest.raises(InputError) as info:
        read_lake(tmp_path)
    assert info.value.kind == kind


@pytest.mark.parametrize(("name", "content", "kind", "lines"), BAD_FILES,
                         ids=[f[0] for f in BAD_FILES])
def test_bad_file_recorded_with_skip_bad(tmp_path: Path, name: str, content: str | bytes,
                                         kind: str, lines: int) -> None:
    _write(tmp_path, name, content)
    _write(tmp_path, "good.csv", "a,b\n1,2\n")
    lake = read_lake(tmp_path, SKIP)
    assert [t.source for t in lake.tables] == ["good.csv"]
    (issue,) = lake.issues
    assert (issue.source, issue.kind, issue.fatal, issue.rows_skipped) == (name, kind, True, lines)
    assert name in issue.message


def test_unreadable_path(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(InputError) as info:
        read_table(tmp_path / "dir.csv", tmp_path, IngestConfig())
    assert info.value.kind == "unreadable"
    assert "dir.csv" in str(info.value)


def test_unsupported_extension_in_read_table(tmp_path: Path) -> None:
    _write(tmp_path, "x.xlsx", b"PK\x03\x04")
    with pytest.raises(InputError) as info:
        read_table(tmp_path / "x.xlsx", tmp_path, IngestConfig())
    assert info.value.kind == "unsupported"


RAGGED = "id|name|city\n0|a|x\n1|b\n2|c|y\n3|d|z|extra\n4|e|w\n"


def test_ragged_row_raises_with_row_number(tmp_path: Path) -> None:
    _write(tmp_path, "sub/r.csv", RAGGED)
    with pytest.raises(InputError) as info:
        read_lake(tmp_path)
    err = info.value
    assert (err.kind, err.row, err.source) == ("ragged", 1, "sub/r.csv")
    assert "sub/r.csv" in str(err) and "row 1" in str(err)


def test_ragged_rows_skipped_and_counted(tmp_path: Path) -> None:
    _write(tmp_path, "r.csv", RAGGED)
    lake = read_lake(tmp_path, SKIP)
    (table,) = lake.tables
    assert table.frame["id"].to_list() == ["0", "2", "4"]
    assert table.source_rows == (0, 2, 4)
    assert table.row_index().to_list() == [0, 2, 4]
    assert table.rows_skipped == 2
    (issue,) = lake.issues
    assert (issue.kind, issue.row, issue.rows_skipped, issue.fatal) == ("ragged", 1, 2, False)
    assert "1, 3" in issue.message


def test_all_rows_ragged_skips_the_file(tmp_path: Path) -> None:
    _write(tmp_path, "r.csv", "a,b,c\n1\n2\n")
    _write(tmp_path, "ok.csv", "a,b\n1,2\n")
    lake = read_lake(tmp_path, SKIP)
    assert [t.source for t in lake.tables] == ["ok.csv"]
    (issue,) = lake.issues
    assert (issue.kind, issue.fatal, issue.rows_skipped) == ("ragged", True, 2)


def test_bad_ndjson_line(tmp_path: Path) -> None:
    _write(tmp_path, "n.jsonl", '{"a": 1}\n{"a": \n[1, 2]\n{"a": 3}\n')
    with pytest.raises(InputError) as info:
        read_table(tmp_path / "n.jsonl", tmp_path, IngestConfig())
    assert (info.value.kind, info.value.row) == ("bad_record", 1)
    table, issues = read_table(tmp_path / "n.jsonl", tmp_path, SKIP)
    assert table.frame["a"].to_list() == ["1", "3"]
    assert table.source_rows == (0, 3)
    assert [(i.kind, i.rows_skipped) for i in issues] == [("bad_record", 2)]


def test_json_array_with_non_object_record(tmp_path: Path) -> None:
    _write(tmp_path, "j.json", json.dumps([{"a": 1}, 5, {"a": 2}]))
    with pytest.raises(InputError) as info:
        read_table(tmp_path / "j.json", tmp_path, IngestConfig())
    assert (info.value.kind, info.value.row) == ("bad_record", 1)
    table, _ = read_table(tmp_path / "j.json", tmp_path, SKIP)
    assert table.source_rows == (0, 2)


def test_duplicate_header_is_deduplicated(tmp_path: Path) -> None:
    _write(tmp_path, "d.csv", "name,name,name_2,name\na,b,c,d\n")
    table, issues = read_table(tmp_path / "d.csv", tmp_path, IngestConfig())
    assert table.frame.columns == ["name", "name_3", "name_2", "name_4"]
    assert table.frame.row(0) == ("a", "b", "c", "d")
    (issue,) = issues
    assert (issue.kind, issue.fatal) == ("duplicate_header", False)
    assert "d.csv" in issue.message


def test_trailing_delimiter_empty_column_dropped(tmp_path: Path) -> None:
    _write(tmp_path, "cora.csv", "id|title|\n0|a|\n1|b|\n")
    table, issues = read_table(tmp_path / "cora.csv", tmp_path, IngestConfig())
    assert table.delimiter == "|"
    assert table.frame.columns == ["id", "title"]
    assert table.frame.rows() == [("0", "a"), ("1", "b")]
    assert [(i.kind, i.fatal) for i in issues] == [("empty_column", False)]


def test_trailing_delimiter_on_data_rows_only(tmp_path: Path) -> None:
    _write(tmp_path, "t.csv", "id;title\n0;a;\n1;b\n")
    table, issues = read_table(tmp_path / "t.csv", tmp_path, IngestConfig())
    assert table.frame.rows() == [("0", "a"), ("1", "b")]
    assert [i.kind for i in issues] == ["trailing_delimiter"]


def test_unnamed_column_with_values_is_kept(tmp_path: Path) -> None:
    _write(tmp_path, "u.csv", "id,,name\n1,x,a\n")
    table, issues = read_table(tmp_path / "u.csv", tmp_path, IngestConfig())
    assert table.frame.columns == ["id", "column_2", "name"]
    assert [i.kind for i in issues] == ["unnamed_column"]


def test_lake_root_must_be_a_folder_with_tables(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_lake(tmp_path / "missing")
    assert "missing" in str(info.value)
    _write(tmp_path, "readme.md", "hi")
    with pytest.raises(InputError) as info:
        read_lake(tmp_path)
    assert info.value.kind == "no_tables"


def test_unclosed_quote_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "q.csv", 'a,b\n1,x\n2,"abc\n3,def\n4,x\n')
    with pytest.raises(InputError) as info:
        read_table(tmp_path / "q.csv", tmp_path, IngestConfig())
    assert (info.value.kind, info.value.row) == ("unclosed_quote", 1)
    assert "line 3" in str(info.value)
