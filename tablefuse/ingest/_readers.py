"""One reader per format. Each turns a file into header names plus text columns and reports
every row it could not use, so ``_lake`` can build the frame the same way for all formats.

A reader raises ``InputError`` for a problem that makes the whole file unusable. For a bad row
it raises too, unless ``skip_bad``: then the row is left out and its index listed in
``Parsed.bad_rows``.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import InputError
from ._sniff import decode, sniff_delimiter
from ._types import looks_numeric

# A cell may be large (a 1 MB description, an embedded document): csv's default 128 KiB cap would
# refuse the whole file. 256 MiB still stops a runaway field (memory is the real bound).
csv.field_size_limit(min(sys.maxsize, 2**28))


@dataclass
class Parsed:
    """What a reader found; ``columns[i]`` holds the text values of ``names[i]``."""

    format: str
    names: list[str]
    columns: list[pl.Series]
    source_rows: list[int]  # data-row index of each kept row
    bad_rows: list[int] = field(default_factory=list)
    bad_kind: str = "ragged"
    bad_reason: str = ""
    trimmed_rows: int = 0  # rows whose extra trailing fields were all empty
    delimiter: str | None = None
    encoding: str | None = None
    last_start: int | None = None  # first physical line (1-based) of the last data record
    last_index: int | None = None  # its data-row index


def _text_series(name: str, values: list[str | None]) -> pl.Series:
    return pl.Series(name, values, dtype=pl.Utf8)


def _columns(names: list[str], rows: list[list[str]]) -> list[pl.Series]:
    if not rows:
        return [_text_series(n, []) for n in names]
    return [pl.Series(str(i), col, dtype=pl.Utf8) for i, col in enumerate(zip(*rows, strict=True))]


# --- delimited text -------------------------------------------------------------------------

def read_delimited(source: str, raw: bytes, ext: str, sniff_bytes: int, skip_bad: bool) -> Parsed:
    text, encoding = decode(raw, source, sniff_bytes)
    delimiter = sniff_delimiter(text, ext, sniff_bytes)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        parsed = _parse_records(source, reader, delimiter, encoding, skip_bad)
        _check_closed_quotes(source, text, delimiter, reader.line_num, parsed)
        return parsed
    except csv.Error as exc:
        raise InputError(source, f"cannot be parsed near line {reader.line_num} "
                                 f"(delimiter {delimiter!r}): {exc}", kind="unreadable") from exc


def _check_closed_quotes(source: str, text: str, delimiter: str, lines_read: int,
                         parsed: Parsed) -> None:
    """An unclosed quote swallows the rest of the file into one field: refuse it.

    The lenient reader accepts that silently, so the last record is re-read strictly whenever
    it spans several lines (the only case where it can happen at the end of the file).
    """
    if parsed.last_start is None or parsed.last_start >= lines_read:
        return
    tail = "".join(io.StringIO(text, newline="").readlines()[parsed.last_start - 1:])
    try:
        for _ in csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        if "end of data" in str(exc):
            raise InputError(source, f"a quote opened on line {parsed.last_start} is never "
                                     "closed, so the rest of the file would be one value",
                             row=parsed.last_index, kind="unclosed_quote") from exc


def _blank(record: list[str]) -> bool:
    return not record or (len(record) == 1 and not record[0].strip())


def _parse_records(source: str, reader: Any, delimiter: str, encoding: str,
                   skip_bad: bool) -> Parsed:
    header: list[str] | None = None
    for record in reader:
        if not _blank(record):
            header = [h.strip() for h in record]
            break
    if header is None:
        raise InputError(source, "holds no header and no rows", kind="empty")
    _check_header(source, header)
    k = len(header)
    named = [i for i, h in enumerate(header) if h]
    required = named[-1] + 1  # rows may lack trailing unnamed (empty-header) fields
    rows: list[list[str]] = []
    kept: list[int] = []
    bad: list[int] = []
    nul = 0  # of the bad rows, those holding NUL bytes
    trimmed = 0
    index = 0
    end = reader.line_num
    last_start: int | None = None
    for record in reader:
        start, end = end + 1, reader.line_num
        if not record or (k > 1 and _blank(record)):
            continue  # a blank line holds no value: not a data row
        last_start = start
        n = len(record)
        if any("\x00" in f for f in record):  # binary data inside a text table (past the sniffed start)
            if not skip_bad:
                raise InputError(source, f"holds NUL bytes on line {start}: binary data, not text; fix the "
                                         "row or set ingest.skip_bad to skip such rows", row=index,
                                 kind="nul_bytes")
            bad.append(index)
            nul += 1
            index += 1
            continue
        if n == k:
            rows.append(record)
        elif n > k and not "".join(record[k:]).strip():
            rows.append(record[:k])
            trimmed += 1
        elif required <= n < k:
            rows.append(record + [""] * (k - n))
        elif skip_bad:
            bad.append(index)
            index += 1
            continue
        else:
            raise InputError(source, f"has {n} fields but the header has {k} "
                                     f"(delimiter {delimiter!r}); fix the row or set "
                                     "ingest.skip_bad to skip such rows", row=index, kind="ragged")
        kept.append(index)
        index += 1
    ragged = f"field count differs from the header's {k} (delimiter {delimiter!r})"
    reason = ("they hold NUL bytes" if nul == len(bad) else
              ragged if not nul else f"{ragged}, or (in {nul} of them) they hold NUL bytes")
    return Parsed("csv", header, _columns(header, rows), kept, bad, "nul_bytes" if bad and nul == len(bad)
                  else "ragged", reason, trimmed, delimiter, encoding, last_start, index - 1)


def _check_header(source: str, header: list[str]) -> None:
    cells = [h for h in header if h]
    if not cells:
        raise InputError(source, "the header cells are all empty; the first line must name "
                                 "the columns", kind="no_header")
    if all(looks_numeric(h) for h in cells):
        shown = ", ".join(repr(h) for h in header[:5])
        raise InputError(source, f"the first line ({shown}) looks like data, not a header; "
                                 "add a header line naming the columns", kind="no_header")


# --- parquet --------------------------------------------------------------------------------

def read_parquet(source: str, path: Path) -> Parsed:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several types for corrupt files
        raise InputError(source, f"is not a readable Parquet file: {exc}",
                         kind="unreadable") from exc
    if frame.width == 0:
        raise InputError(source, "Parquet file has no columns", kind="empty")
    columns = [_as_text(frame[name]) for name in frame.columns]
    return Parsed("parquet", list(frame.columns), columns, list(range(frame.height)))


def _compact(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _as_text(s: pl.Series) -> pl.Series:
    """Any Parquet column as text: dates/times ISO, nested values as compact JSON."""
    dtype = s.dtype
    if dtype == pl.Utf8:
        return s
    if isinstance(dtype, pl.Datetime):
        fmt = "%Y-%m-%dT%H:%M:%S%.f" + ("%:z" if dtype.time_zone else "")
        return s.dt.to_string(fmt)
    if isinstance(dtype, (pl.List, pl.Array, pl.Struct)):
        return _text_series(s.name, [_compact(v) for v in s.to_list()])
    if dtype == pl.Binary:
        return _text_series(s.name, [None if v is None else _bytes_text(v) for v in s.to_list()])
    try:
        return s.cast(pl.Utf8)
    except Exception:  # exotic types (Object ...): Python's text form
        return _text_series(s.name, [None if v is None else str(v) for v in s.to_list()])


def _bytes_text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.hex()


# --- JSON / NDJSON --------------------------------------------------------------------------

def _cell(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return _compact(value)  # numbers as written by json, nested values as compact JSON


def read_json(source: str, raw: bytes, ext: str, sniff_bytes: int, skip_bad: bool) -> Parsed:
    text, encoding = decode(raw, source, sniff_bytes)
    bad: list[int] = []
    if ext in (".jsonl", ".ndjson"):
        fmt = "ndjson"
        records = _ndjson(source, text, skip_bad, bad)
    else:
        try:
            doc = json.loads(text)
            fmt = "json"
            records = list(enumerate(_records_of(source, doc)))
        except json.JSONDecodeError as exc:
            if not _looks_line_delimited(text):
                raise InputError(source, f"is not valid JSON: {exc.msg} at line {exc.lineno} "
                                         f"column {exc.colno}", kind="unreadable") from exc
            fmt = "ndjson"
            records = _ndjson(source, text, skip_bad, bad)
    if not records and not bad:
        raise InputError(source, "holds no records", kind="empty")
    names: dict[str, None] = {}
    good: list[tuple[int, dict[str, Any]]] = []
    for index, record in records:
        if not isinstance(record, dict):
            if not skip_bad:
                raise InputError(source, f"record is a {type(record).__name__}, not an object; "
                                         "expected one JSON object per record", row=index,
                                 kind="bad_record")
            bad.append(index)
            continue
        names.update(dict.fromkeys(record))
        good.append((index, record))
    if not names:
        raise InputError(source, "records hold no fields", kind="empty")
    header = list(names)
    columns = [_text_series(str(i), [_cell(r.get(name)) for _, r in good])
               for i, name in enumerate(header)]
    bad.sort()
    return Parsed(fmt, header, columns, [i for i, _ in good], bad, "bad_record",
                  "not a valid JSON object", encoding=encoding)


def _records_of(source: str, doc: Any) -> list[Any]:
    """An array of records, or an object holding exactly one list of records."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        lists = [k for k, v in doc.items()
                 if isinstance(v, list) and all(isinstance(x, dict) for x in v)]
        if len(lists) == 1:
            return doc[lists[0]]
        if len(lists) > 1:
            raise InputError(source, f"JSON object holds several lists of records {lists}; "
                                     "expected one", kind="unreadable")
        return [doc]  # a single record
    raise InputError(source, f"JSON document is a {type(doc).__name__}; expected an array of "
                             "objects or an object with one list of records", kind="unreadable")


def _looks_line_delimited(text: str) -> bool:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < 2:
        return False
    try:
        return isinstance(json.loads(lines[0]), dict)
    except json.JSONDecodeError:
        return False


def _ndjson(source: str, text: str, skip_bad: bool, bad: list[int]) -> list[tuple[int, Any]]:
    out: list[tuple[int, Any]] = []
    lines = [ln for ln in text.splitlines() if ln.strip()]
    for index, line in enumerate(lines):
        try:
            out.append((index, json.loads(line)))
        except json.JSONDecodeError as exc:
            if not skip_bad:
                raise InputError(source, f"line is not valid JSON: {exc.msg} at column "
                                         f"{exc.colno}", row=index, kind="bad_record") from exc
            bad.append(index)
    return out
