"""Reading a store with its user decisions applied, sets changed by hand re-resolved by the run's
own resolver (built from the run's stored config, as the pipeline built it).

The store imports no stage, so it is handed the resolver here; the CLI and the app read and
export decided tables through these functions.

>>> read_table("demo.duckdb", "integrated")  # doctest: +SKIP
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import polars as pl

from ..config import TablefuseConfig
from ..errors import StoreError
from ..resolve import Resolver, make_resolver
from . import policy


def latest_run(db_path: str | Path) -> dict[str, Any]:
    """The ``runs`` row of the store's latest run (``config`` and ``summary`` as JSON text)."""
    from ..store import read_table as read_stored

    runs = read_stored(db_path, "runs").filter(pl.col("latest"))
    if runs.height == 0:
        raise StoreError(f"{db_path} holds no run")
    return runs.row(0, named=True)


def stored_config(db_path: str | Path) -> TablefuseConfig:
    """The configuration of the store's latest run."""
    return TablefuseConfig.from_dict(json.loads(latest_run(db_path)["config"]))


def run_resolver(db_path: str | Path) -> Resolver:
    """The resolver the store's latest run used (``auto`` settled, its LLM cache beside the store)."""
    return make_resolver(policy.resolve_config(stored_config(db_path), db_path))


def read_table(db_path: str | Path, name: str, raw: bool = False) -> pl.DataFrame:
    """One store table with decisions applied (unless ``raw``), as every client should see it."""
    from .. import store

    if raw or name not in store.DECIDED_TABLES:
        return store.read_table(db_path, name, raw=raw)
    return store.read_table(db_path, name, resolver=run_resolver(db_path))


def export_table(db_path: str | Path, name: str, fmt: Literal["csv", "parquet"], out: Path,
                 raw: bool = False, csv_safe: bool = True) -> int:
    """Write one store table (decisions applied unless ``raw``) to ``out`` as CSV or Parquet."""
    from .. import store

    resolver = None if raw or name not in store.DECIDED_TABLES else run_resolver(db_path)
    return store.export_table(db_path, name, fmt, out, raw=raw, csv_safe=csv_safe, resolver=resolver)


__all__ = ["export_table", "latest_run", "read_table", "run_resolver", "stored_config"]
