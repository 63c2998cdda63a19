"""Cheap column type inference: regexes over a sample of the non-null text values.

Types are hints for later stages (similarity functions, conflict resolution), so a sample is
enough; values themselves always stay text.
"""
from __future__ import annotations

import re

import polars as pl

SAMPLE = 1000

_BOOLEAN = r"(?i)^(true|false|yes|no|t|f|y|n)$"
# Leading zeros ("007", zip codes) mark identifiers, not numbers.
_INTEGER = r"^[+-]?(0|[1-9][0-9]*)$"
_FLOAT = r"^[+-]?((0|[1-9][0-9]*)(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"  # leading zeros too
_DATE = (r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
         r"([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?"
         r"|[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}"
         r"|[0-9]{1,2}[/.-][0-9]{1,2}[/.-]([0-9]{2}|[0-9]{4}))$")
_GROUPED = r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$"  # 1,234.5
# Checked in this order: the first pattern every sampled value matches wins.
_ORDER: tuple[tuple[str, str], ...] = (("boolean", _BOOLEAN), ("integer", _INTEGER),
                                       ("float", _FLOAT), ("date", _DATE))


def infer_type(values: pl.Series) -> str:
    """integer, float, date, boolean, text, or empty (no non-null value)."""
    sample = values.drop_nulls().head(SAMPLE).str.strip_chars()
    if sample.len() == 0:
        return "empty"
    for name, pattern in _ORDER:
        if sample.str.contains(pattern).all():
            return name
    return "text"


def infer_types(frame: pl.DataFrame) -> dict[str, str]:
    return {name: infer_type(frame[name]) for name in frame.columns}


def looks_numeric(text: str) -> bool:
    """A header cell that is a number or a date: the first line is probably data."""
    cell = text.strip()
    return any(re.match(p, cell) for p in (_NUMBER, _DATE, _GROUPED))
