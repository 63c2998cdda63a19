"""Store: the DuckDB contract. Only this package knows table names and DDL.

Public: ``write_run(db_path, result, version)`` (atomic, under ``store_lock``), ``read_table(db_path,
name)``, ``export_table(db_path, name, fmt, out)``, ``info(db_path)``, ``list_tables(db_path)``,
``check_writable(db_path)`` (fail early on a read-only store path), ``store_lock(db_path)`` (one
writer at a time; a second waits, then ``StoreInUseError``), ``TABLES`` (the contract tables, in
order) and ``PRESERVED_TABLES`` (tables a run carries over untouched, such as user ``decisions``),
``load_embedding_cache`` / ``save_embedding_cache`` (the persisted ``embedding_cache``: text
vectors per encoder ``model_id``).

User decisions (``record_override``, ``record_accept``, ``record_split``, ``record_merge``,
``record_pair_label``, ``delete_decision``, ``list_decisions``, ``pair_labels``) win on read:
``read_table`` and ``export_table`` apply them to ``membership``, ``integrated``, ``conflicts`` and
``provenance`` (``raw=True`` does not). CSV exports are spreadsheet-safe by default (``csv_safe``);
the store keeps every value as read.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

from . import _decisions, _embedding_cache
from ._decisions import (
    DECIDED_TABLES,
    DECISION_KINDS,
    PAIR_LABEL_KINDS,
    SetResolver,
    list_decisions,
    pair_labels,
    read_table,
)
from ._duckdb import (
    PRESERVED_TABLES,
    TABLES,
    StoreInUseError,
    check_writable,
    export_frame,
    info,
    list_tables,
    store_lock,
    write_run,
)
from ._duckdb import export_table as _export_stored
from ._embedding_cache import load_embedding_cache

F = TypeVar("F", bound=Callable[..., Any])


def _locked(fn: F) -> F:
    """``fn(db_path, ...)`` under the store's write lock, so it never races a run's ``write_run``."""
    @functools.wraps(fn)
    def run(db_path: str | Path, *args: Any, **kwargs: Any) -> Any:
        with store_lock(db_path):
            return fn(db_path, *args, **kwargs)
    return run  # type: ignore[return-value]


record_override = _locked(_decisions.record_override)
record_accept = _locked(_decisions.record_accept)
record_split = _locked(_decisions.record_split)
record_merge = _locked(_decisions.record_merge)
record_pair_label = _locked(_decisions.record_pair_label)
delete_decision = _locked(_decisions.delete_decision)
save_embedding_cache = _locked(_embedding_cache.save_embedding_cache)


def export_table(db_path: str | Path, name: str, fmt: Literal["csv", "parquet"], out: Path,
                 raw: bool = False, csv_safe: bool = True, resolver: SetResolver | None = None) -> int:
    """Write one store table (decisions applied unless ``raw``) to ``out`` as CSV or Parquet.

    ``csv_safe`` (CSV only, on by default): a text value starting with ``=``, ``+``, ``-``,
    ``@``, tab or CR that is not a plain number is written with a leading ``'``, so a spreadsheet
    shows it rather than running it as a formula; the store keeps the original value.

    >>> export_table("demo.duckdb", "integrated", "csv", Path("golden.csv"))  # doctest: +SKIP
    """
    if raw or name not in DECIDED_TABLES or not _decisions._has_decisions(db_path):
        return _export_stored(db_path, name, fmt, out, csv_safe=csv_safe)
    return export_frame(read_table(db_path, name, resolver=resolver), repr(name), fmt, out, csv_safe=csv_safe)


__all__ = ["DECIDED_TABLES", "DECISION_KINDS", "PAIR_LABEL_KINDS", "PRESERVED_TABLES", "SetResolver", "TABLES",
           "StoreInUseError", "check_writable", "delete_decision", "export_table", "info", "list_decisions",
           "list_tables", "load_embedding_cache", "pair_labels", "read_table", "record_accept", "record_merge",
           "record_override", "record_pair_label", "record_split", "save_embedding_cache", "store_lock", "write_run"]
