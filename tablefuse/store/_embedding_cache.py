"""The persisted embedding cache: ``embedding_cache(model, text, vector FLOAT[])``.

A preserved table (``PRESERVED_TABLES``): ``write_run`` carries it over, so a re-run or an
incremental run encodes only texts it has never seen. Keyed by the encoder's ``model_id``
(weights fingerprint + variant), so int8 or static vectors never mix with full-precision ones.
Load before a run (``load_embedding_cache``), save after ``write_run`` (``save_embedding_cache``).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from ..errors import StoreError
from ._duckdb import _connect, _is_duckdb_file, _table_names
from ._schema import literal

__all__ = ["EMBEDDING_CACHE", "load_embedding_cache", "save_embedding_cache"]

EMBEDDING_CACHE = "embedding_cache"
_DDL = (f"CREATE TABLE IF NOT EXISTS {EMBEDDING_CACHE} (model VARCHAR NOT NULL, text VARCHAR NOT NULL, "
        "vector FLOAT[] NOT NULL, PRIMARY KEY (model, text))")


def load_embedding_cache(db_path: str | Path, model_id: str,
                         texts: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """Cached vectors of ``model_id`` (only those of ``texts`` when given); {} without a store.

    >>> enc.preload(load_embedding_cache("demo.duckdb", enc.model_id))  # doctest: +SKIP
    """
    path = Path(db_path)
    if not path.is_file() or path.stat().st_size == 0 or not _is_duckdb_file(path):
        return {}
    with _connect(path, read_only=True) as con:
        if EMBEDDING_CACHE not in _table_names(con):
            return {}
        try:
            where = f"model = {literal(model_id)}"
            if texts is None:
                frame = con.sql(f"SELECT text, vector FROM {EMBEDDING_CACHE} WHERE {where}").pl()
            else:
                wanted = pl.DataFrame({"text": pl.Series(list(dict.fromkeys(texts)), dtype=pl.Utf8)})
                con.register("tf_wanted", wanted.to_arrow())
                frame = con.sql(f"SELECT c.text, c.vector FROM {EMBEDDING_CACHE} c JOIN tf_wanted w "
                                f"ON c.text = w.text WHERE c.{where}").pl()
                con.unregister("tf_wanted")
        except duckdb.Error as exc:
            raise StoreError(f"reading the embedding cache of {path} failed: {exc}") from exc
    if frame.height == 0:
        return {}
    lengths = frame["vector"].list.len()
    if lengths.n_unique() != 1:  # ragged: a corrupt row; skip the cache rather than fail the run
        return {}
    dim = int(lengths[0])
    vectors = frame["vector"].cast(pl.Array(pl.Float32, dim)).to_numpy().astype(np.float32, copy=False)
    return dict(zip(frame["text"].to_list(), vectors))


def save_embedding_cache(db_path: str | Path, model_id: str, entries: Mapping[str, np.ndarray]) -> int:
    """Add ``entries`` (text -> vector) for ``model_id``; existing keys are kept. Returns rows added.

    Call after ``write_run`` (which replaces the file and carries this table over).

    >>> save_embedding_cache("demo.duckdb", enc.model_id, enc.new_entries())  # doctest: +SKIP
    """
    if not entries:
        return 0
    path = Path(db_path)
    if path.exists() and path.stat().st_size and not _is_duckdb_file(path):
        raise StoreError(f"{path} is not a DuckDB database; not writing an embedding cache into it")
    texts = list(entries)
    matrix = np.stack([np.asarray(entries[t], dtype=np.float32) for t in texts])
    frame = pl.DataFrame({"model": pl.Series([model_id] * len(texts), dtype=pl.Utf8),
                          "text": pl.Series(texts, dtype=pl.Utf8),
                          "vector": pl.Series(matrix, dtype=pl.Array(pl.Float32, matrix.shape[1]))})
    frame = frame.with_columns(pl.col("vector").cast(pl.List(pl.Float32)))
    with _connect(path, read_only=False) as con:
        try:
            con.execute(_DDL)
            before = con.execute(f"SELECT count(*) FROM {EMBEDDING_CACHE}").fetchall()[0][0]
            con.register("tf_new", frame.to_arrow())
            con.execute(f"INSERT INTO {EMBEDDING_CACHE} SELECT model, text, vector FROM tf_new "
                        "ON CONFLICT DO NOTHING")
            con.unregister("tf_new")
            after = con.execute(f"SELECT count(*) FROM {EMBEDDING_CACHE}").fetchall()[0][0]
            con.execute("CHECKPOINT")
        except duckdb.Error as exc:
            raise StoreError(f"writing the embedding cache of {path} failed: {exc}") from exc
    return int(after - before)
