"""Surrogate key detection: row ids of a source carry no evidence about the entity.

Two tables' ``id`` columns both count 0, 1, 2 ...; treating them as an attribute would make row 5
of one source "agree" with row 5 of another. Such columns are kept as provenance
(``source_key``) and never used as matching evidence.

A column is a surrogate key when it has no nulls, all its values are distinct, and either

* its normalised header is a generic id name (``id``, ``_id``, ``rowid``, ``index``, ``key``,
  ``Unnamed: 0``, ``entity_id`` ...), whatever the values look like (``acm_123`` too), or
* its values are plain integers that run from 0 or 1 and are nearly contiguous (at most 10%
  gaps), the signature of a row counter, whatever its header (needs at least 3 rows), or
* its values are plain integers forming such a nearly contiguous run starting anywhere
  (``inspection_id`` 5001, 5002 ...) and its header is id-like (``*_id``, ``*id``).

Phone numbers, zip codes, years and prices fail these tests: they repeat, or are not named like
ids and do not run from 0/1.
"""
from __future__ import annotations

import re

import polars as pl

from ._headers import normalize_header

_ID_NAMES = frozenset({
    "id", "ids", "rowid", "row_id", "row", "row_number", "row_num", "rownum", "row_no", "index",
    "idx", "key", "pk", "uid", "oid", "entity_id", "record_id", "rec_id", "tuple_id", "tid",
    "unnamed", "level_0", "object_id",
})
_UNNAMED = re.compile(r"^unnamed(_[0-9]+)*$")
_INT = r"^(0|-?[1-9][0-9]*)$"
_MAX_GAP_RATIO = 1.1
_MIN_ROWS_FOR_VALUE_RULE = 3


def is_id_header(header: str) -> bool:
    """A generic row-id header, as opposed to a natural identifier such as ``isbn``."""
    name = normalize_header(header)
    return name in _ID_NAMES or bool(_UNNAMED.match(name))


def is_id_like_header(header: str) -> bool:
    """``inspection_id``, ``listingId``, ``userid``: a header naming some kind of id."""
    name = normalize_header(header)
    return is_id_header(header) or name.endswith("_id") or (len(name) > 2 and name.endswith("id"))


def detect_keys(frame: pl.DataFrame) -> list[str]:
    """Columns of one source table that are surrogate keys, in frame order."""
    height = frame.height
    if height == 0 or frame.width == 0:
        return []
    exprs: list[pl.Expr] = []
    for i, col in enumerate(frame.columns):
        v = pl.col(col).str.strip_chars()
        as_int = pl.when(v.str.contains(_INT)).then(v.cast(pl.Int64, strict=False))
        exprs += [
            v.null_count().alias(f"n{i}"),
            v.n_unique().alias(f"u{i}"),
            as_int.null_count().alias(f"ni{i}"),
            as_int.min().alias(f"lo{i}"),
            as_int.max().alias(f"hi{i}"),
        ]
    stats = frame.select(exprs).row(0, named=True)
    keys = []
    for i, col in enumerate(frame.columns):
        if stats[f"n{i}"] or stats[f"u{i}"] != height:
            continue  # nulls or repeats: not a key
        if is_id_header(col):
            keys.append(col)
            continue
        if height < _MIN_ROWS_FOR_VALUE_RULE or stats[f"ni{i}"]:
            continue  # too few rows to tell, or some value is not a plain integer
        lo, hi = stats[f"lo{i}"], stats[f"hi{i}"]
        contiguous = hi - lo + 1 <= _MAX_GAP_RATIO * height
        if contiguous and (lo in (0, 1) or is_id_like_header(col)):
            keys.append(col)
    return keys
