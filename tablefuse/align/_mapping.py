"""The mapping file: a person's say on which source column feeds which attribute.

Automatic matching guesses; a mapping file decides. Its entries always win (method
``mapping``, confidence 1.0). Three equivalent formats, chosen by the file suffix:

YAML (``.yaml``/``.yml``) or JSON (``.json``), a table of source patterns::

    "*":                      # every source
      telephone: phone        # column "telephone" feeds attribute "phone"
      "Unnamed: 0": null      # a key: kept as provenance (source_key), not an attribute
    "shops/b*.csv":           # fnmatch pattern on the lake-relative path
      nm: name
    rest2.csv:                # a pattern without '/' may also match the file name alone
      "http://www.okkam.org/ontology_restaurant2.owl#street": address

  or a list of records ``[{source: ..., source_column: ..., attribute: ...}, ...]``.

CSV (``.csv``) with the header ``source,source_column,attribute`` (one entry a row).

Rules:

* ``source_column`` is the header as read; when no header is equal, the entry also matches the
  one column whose normalised header equals the normalised entry (``name`` for a URI header).
* ``attribute`` is normalised like a header (``Phone Number`` -> ``phone_number``). An empty
  attribute, ``null``/``~`` or ``_key`` marks the column as a key: its values are kept as the
  row's ``source_key`` (provenance) and never used as matching evidence. Nothing is dropped.
* When several entries name one column, an exact source name beats a pattern, and among
  patterns the first entry in the file wins.
* An entry that matches no column of any source is an ``AlignmentError`` naming the entry: a
  typo in a mapping file should stop the run, not silently change the result. So is a mapping
  that sends two columns of one source to the same attribute.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import AlignmentError
from ..frames import SourceTable
from ._headers import normalize_header, safe_attribute

KEY_MARKERS = frozenset({"", "_key", "~", "null"})
MAPPING_SCHEMA = {"source": pl.Utf8, "source_column": pl.Utf8, "attribute": pl.Utf8}


def load_mapping(path: str | Path) -> pl.DataFrame:
    """Read a mapping file into ``source, source_column, attribute`` (null attribute: a key).

    ``source`` holds the pattern as written; ``attribute`` is already normalised.

    >>> load_mapping("mapping.yaml")  # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise AlignmentError(f"mapping file {path} does not exist")
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
        if suffix == ".csv":
            records = _csv_records(text, path)
        elif suffix in (".yaml", ".yml"):
            import yaml

            records = _records(yaml.safe_load(text), path)
        elif suffix == ".json":
            records = _records(json.loads(text), path)
        else:
            raise AlignmentError(f"mapping file {path} must end in .yaml, .yml, .json or .csv")
    except AlignmentError:
        raise
    except Exception as exc:  # parse errors of any format
        raise AlignmentError(f"mapping file {path} cannot be parsed: {exc}") from exc
    rows = [(s, c, _attribute(a, path, s, c)) for s, c, a in records]
    return pl.DataFrame(rows, schema=MAPPING_SCHEMA, orient="row")


def _csv_records(text: str, path: Path) -> list[tuple[str, str, Any]]:
    reader = csv.DictReader(text.splitlines())
    need = {"source", "source_column", "attribute"}
    if reader.fieldnames is None or not need <= {f.strip() for f in reader.fieldnames}:
        raise AlignmentError(f"mapping file {path} needs the CSV header source,source_column,attribute")
    out = []
    for line, row in enumerate(reader, start=2):
        row = {k.strip(): v for k, v in row.items() if k is not None}
        if not row.get("source") or not row.get("source_column"):
            raise AlignmentError(f"mapping file {path}, line {line}: source and source_column are required")
        out.append((row["source"].strip(), row["source_column"], row.get("attribute")))
    return out


def _records(data: Any, path: Path) -> list[tuple[str, str, Any]]:
    if data is None:
        return []
    if isinstance(data, list):
        out = []
        for i, rec in enumerate(data):
            if not isinstance(rec, dict) or not {"source", "source_column"} <= set(rec):
                raise AlignmentError(
                    f"mapping file {path}, entry {i}: each record needs source, source_column, attribute")
            out.append((str(rec["source"]), str(rec["source_column"]), rec.get("attribute")))
        return out
    if isinstance(data, dict):
        out = []
        for source, columns in data.items():
            if not isinstance(columns, dict):
                raise AlignmentError(
                    f"mapping file {path}, source {source!r}: expected a table column -> attribute, "
                    f"got {type(columns).__name__}")
            out += [(str(source), str(col), attr) for col, attr in columns.items()]
        return out
    raise AlignmentError(f"mapping file {path} must hold a table of sources or a list of records")


def _attribute(value: Any, path: Path, source: str, column: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise AlignmentError(f"mapping file {path}, {source}:{column}: attribute must be text, got {value!r}")
    text = str(value).strip()
    if text.lower() in KEY_MARKERS:
        return None
    name = normalize_header(text)
    if not name:
        raise AlignmentError(f"mapping file {path}, {source}:{column}: attribute {text!r} has no letters or digits")
    return safe_attribute(name)


@dataclass(frozen=True)
class MappedColumn:
    """A mapping decision for one column: ``attribute`` None means the column is a key."""

    attribute: str | None
    exact_source: bool
    order: int


def _source_matches(pattern: str, source: str) -> tuple[bool, bool]:
    """(matches, exactly) for one entry's source pattern against a lake-relative path."""
    if pattern == source:
        return True, True
    if fnmatchcase(source, pattern):
        return True, False
    if "/" not in pattern and fnmatchcase(source.rsplit("/", 1)[-1], pattern):
        return True, pattern == source.rsplit("/", 1)[-1]
    return False, False


def _entry_columns(entry_column: str, table: SourceTable) -> list[str]:
    if entry_column in table.frame.columns:
        return [entry_column]
    norm = normalize_header(entry_column)
    hits = [c for c in table.frame.columns if norm and normalize_header(c) == norm]
    return hits if len(hits) == 1 else []


def resolve_mapping(mapping: pl.DataFrame, tables: tuple[SourceTable, ...]) -> dict[tuple[str, str], MappedColumn]:
    """Which (source, column) each mapping entry decides; errors for entries that match nothing."""
    decided: dict[tuple[str, str], MappedColumn] = {}
    for order, (pattern, column, attribute) in enumerate(mapping.iter_rows()):
        hit = False
        for table in tables:
            matches, exact = _source_matches(pattern, table.source)
            if not matches:
                continue
            for col in _entry_columns(column, table):
                hit = True
                new = MappedColumn(attribute, exact, order)
                old = decided.get((table.source, col))
                if old is None or (new.exact_source and not old.exact_source):
                    decided[(table.source, col)] = new
        if not hit:
            raise AlignmentError(
                f"mapping entry {pattern}:{column} -> {attribute or '_key'} names no column of any "
                f"source; sources are {[t.source for t in tables][:10]}. Fix or remove the entry.")
    for table in tables:
        seen: dict[str, str] = {}
        for col in table.frame.columns:
            m = decided.get((table.source, col))
            if m is None or m.attribute is None:
                continue
            if m.attribute in seen:
                raise AlignmentError(
                    f"mapping sends columns {seen[m.attribute]!r} and {col!r} of {table.source} to "
                    f"the same attribute {m.attribute!r}; one source column per attribute")
            seen[m.attribute] = col
    return decided
