"""DuckDB I/O for the store: atomic run writes, table reads, exports and a run summary.

A run is built in a temporary file next to the target and moved over it with ``os.replace``, so
readers (the app, a second CLI) see either the old database or the new one, never half of each.
A process killed while writing leaves the previous run as it was (its temporary file is removed by
the next write). Writers take ``store_lock``: a second one waits for the first (up to
``TABLEFUSE_STORE_LOCK_WAIT`` seconds, default 600) and then fails with "store is in use".
CSV exports defuse spreadsheet formulas (``csv_safe``): a text cell starting with ``=``, ``+``,
``-``, ``@``, tab or carriage return (and not a plain number) is written with a leading ``'``.
"""
from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import duckdb
import polars as pl

from ..errors import StoreError
from ..frames import RunResult
from ._rows import run_row, table_frames
from ._schema import FIXED, PRESERVED_TABLES, RUNS, TABLES, Columns, columns_for, create_sql, literal, quote

__all__ = ["PRESERVED_TABLES", "TABLES", "StoreInUseError", "check_writable", "export_frame", "export_table",
           "info", "list_tables", "read_table", "store_lock", "write_run"]

log = logging.getLogger("tablefuse")

_MAGIC = b"DUCK"  # DuckDB files carry this at byte offset 8
_OLD = "tf_old"  # catalog alias of the previous database while carrying tables over
ENV_LOCK_WAIT = "TABLEFUSE_STORE_LOCK_WAIT"
_LOCK_WAIT = 600.0  # seconds a second writer waits for the first
_TMP = re.compile(r"\.(?P<name>.+)\.tmp-(?P<pid>[0-9]+)(\.wal)?$")


class StoreInUseError(StoreError):
    """Another process holds the store's write lock for longer than this one may wait."""


def _lock_file(target: Path) -> Path:
    return target.with_name(f".{target.name}.lock")


_held: dict[str, tuple[int, int]] = {}  # lock path -> (fd, depth): re-entrant within one process


@contextlib.contextmanager
def store_lock(db_path: str | Path, wait: float | None = None) -> Iterator[None]:
    """Hold the store's exclusive write lock (a ``flock`` on ``.NAME.lock`` beside it).

    A second writer waits up to ``wait`` seconds (default: ``TABLEFUSE_STORE_LOCK_WAIT``, else
    600), then raises ``StoreInUseError``. Re-entrant within one process, so a caller may hold it
    around a whole run while ``write_run`` takes it again. The kernel drops it when a holder dies;
    the file is removed when the lock is let go, so a store folder keeps no trace of it.
    """
    import fcntl

    target = Path(db_path)
    key = str(_lock_file(target.absolute()))
    if key in _held:
        fd, depth = _held[key]
        _held[key] = (fd, depth + 1)
        try:
            yield
        finally:
            fd, depth = _held[key]
            _held[key] = (fd, depth - 1)
        return
    check_writable(target)
    if wait is None:
        try:
            wait = float(os.environ.get(ENV_LOCK_WAIT, _LOCK_WAIT))
        except ValueError:
            wait = _LOCK_WAIT
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot lock store {target}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise StoreInUseError(f"store is in use: another tablefuse process is writing {target} "
                                      f"(waited {wait:g} s); try again when it has finished") from None
            if not told:
                log.warning("store %s is in use by another tablefuse process; waiting up to %g s", target, wait)
                told = True
            time.sleep(0.1)
            continue
        # The holder before us removes the file as it lets go: a lock on a removed file is no lock.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(key))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    _held[key] = (fd, 1)
    try:
        yield
    finally:
        fd, depth = _held[key]
        if depth <= 1:
            del _held[key]
            with contextlib.suppress(OSError):
                os.unlink(key)  # still locked: a newcomer creates a fresh file and waits on no one
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _marked_read_only(path: Path) -> bool:
    """No write permission for us, or (as root, who may write anyway) no write bit at all."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not os.access(path, os.W_OK) or not mode & 0o222


def check_writable(db_path: str | Path) -> None:
    """Raise ``StoreError`` early when a run could not be written to ``db_path``: a read-only
    store file, or a folder that is read-only or cannot be created."""
    target = Path(db_path)
    if target.is_file() and _marked_read_only(target):
        raise StoreError(f"store {target} is read-only; make it writable or choose another --db")
    folder = target.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or _marked_read_only(folder):
        raise StoreError(f"cannot write store {target}: folder {folder} is read-only or not a folder; "
                         "choose another --db")


def _remove_stale_tmp(target: Path) -> None:
    """Temporary files of writers that died (kill -9, power loss) before their replace."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            m = _TMP.match(entry.name)
            if not m or m["name"] != target.name or int(m["pid"]) == os.getpid():
                continue
            try:
                os.kill(int(m["pid"]), 0)
                continue  # still running (it cannot be writing: it would hold the lock)
            except ProcessLookupError:
                pass
            except PermissionError:
                continue
            _remove(Path(entry.path))
            log.info("removed %s, left by a writer that did not finish", entry.name)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _is_duckdb_file(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc}") from exc
    return len(head) >= 12 and head[8:12] == _MAGIC


def _remove(*paths: Path) -> None:
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


@contextlib.contextmanager
def _connect(path: Path, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(f"cannot open store {path}: {exc}") from exc
    try:
        yield con
    finally:
        con.close()


def _table_names(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    where = "schema_name = 'main'" + (f" AND database_name = {literal(catalog)}" if catalog else
                                      " AND database_name = current_database()")
    rows = con.sql(f"SELECT table_name FROM duckdb_tables() WHERE {where} ORDER BY table_name")
    return [r[0] for r in rows.fetchall()]


def _first(con: duckdb.DuckDBPyConnection, q: str) -> tuple[Any, ...] | None:
    """The first row of ``q`` (DuckDB 2 relations have no ``fetchone``)."""
    rows = con.sql(q).limit(1).fetchall()
    return rows[0] if rows else None


def _inspect_target(target: Path) -> bool:
    """True when ``target`` is a tablefuse store to carry history from.

    Raises ``StoreError`` rather than overwrite anything that is not ours: a non-DuckDB file or
    a DuckDB database holding other tables. An empty file or empty database may be replaced.
    """
    if not target.exists():
        return False
    if not target.is_file():
        raise StoreError(f"{target} exists and is not a file; choose another store path")
    if target.stat().st_size == 0:
        return False
    if not _is_duckdb_file(target):
        raise StoreError(f"{target} exists and is not a DuckDB database; refusing to overwrite it. "
                         "Choose another store path or remove the file.")
    if _wal(target).exists():
        # Fold a leftover write-ahead log into the old file: after the replace it would be
        # replayed onto the new database.
        with _connect(target, read_only=False) as con:
            con.execute("CHECKPOINT")
    with _connect(target, read_only=True) as con:
        tables = _table_names(con)
    if "runs" in tables:
        return True
    if tables:
        raise StoreError(f"{target} is a DuckDB database but not a tablefuse store (tables: "
                         f"{', '.join(tables)}); refusing to overwrite it. Choose another path.")
    return False


def _copy_table_ddl(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Recreate ``tf_old.name`` here with its own DDL (keys, defaults), falling back to CTAS."""
    ddl = _first(con, f"SELECT sql FROM duckdb_tables() WHERE database_name = {literal(_OLD)} "
                      f"AND schema_name = 'main' AND table_name = {literal(name)}")
    src = f"{_OLD}.main.{quote(name)}"
    try:
        if ddl is None or not ddl[0]:
            raise duckdb.Error("no DDL")
        con.execute(ddl[0])
    except duckdb.Error:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS {quote(name)}")
        con.execute(f"CREATE TABLE {quote(name)} AS SELECT * FROM {src}")
        return
    con.execute(f"INSERT INTO {quote(name)} SELECT * FROM {src}")


def _carry_over(con: duckdb.DuckDBPyConnection, old: Path) -> None:
    """Copy the ``runs`` history (no longer latest) and every preserved table from ``old``."""
    con.execute(f"ATTACH {literal(str(old))} AS {_OLD} (READ_ONLY)")
    try:
        old_tables = set(_table_names(con, _OLD))
        old_cols = {r[0] for r in con.sql(
            f"SELECT column_name FROM duckdb_columns() WHERE database_name = {literal(_OLD)} "
            "AND schema_name = 'main' AND table_name = 'runs'").fetchall()}
        keep = [c for c, _ in RUNS if c in old_cols]
        if keep:
            cols = ", ".join(quote(c) for c in keep)
            con.execute(f"INSERT INTO runs ({cols}) SELECT {cols} FROM {_OLD}.main.runs")
            con.execute("UPDATE runs SET latest = false")
        for name in PRESERVED_TABLES:
            if name in old_tables:
                _copy_table_ddl(con, name)
    finally:
        con.execute(f"DETACH {_OLD}")


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, cols: Columns) -> None:
    """Insert ``frame`` into ``table``, casting each column to its declared type."""
    if frame.height == 0:
        return
    view = "tf_frame"
    con.register(view, frame.to_arrow())
    try:
        select = ", ".join(f"CAST({quote(c)} AS {t})" for c, t in cols)
        con.execute(f"INSERT INTO {quote(table)} SELECT {select} FROM {view}")
    finally:
        con.unregister(view)


def _fill(con: duckdb.DuckDBPyConnection, result: RunResult, version: str, old: Path | None) -> None:
    attrs = result.tuples.attributes
    cols = {name: columns_for(name, attrs) for name in TABLES}
    for name in TABLES:
        con.execute(create_sql(name, cols[name]))
    if old is not None:
        _carry_over(con, old)
    _insert(con, "runs", run_row(result, version), cols["runs"])
    for name, frame in table_frames(result, cols).items():
        _insert(con, name, frame, cols[name])


def write_run(db_path: str | Path, result: RunResult, version: str) -> None:
    """Write ``result`` as the latest run of the store at ``db_path``, atomically.

    The previous run's tables are replaced; its ``runs`` rows and ``PRESERVED_TABLES`` survive.
    On any error the old database is left untouched and no temporary file remains.

    >>> write_run("demo.duckdb", result, version="0.1.0")  # doctest: +SKIP
    """
    target = Path(db_path)
    with store_lock(target):
        carry = _inspect_target(target)
        _remove_stale_tmp(target)
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        _remove(tmp, _wal(tmp))
        try:
            with _connect(tmp, read_only=False) as con:
                _fill(con, result, version, target if carry else None)
                con.execute("CHECKPOINT")  # fold the WAL into the file so only one file moves
            _remove(_wal(tmp))
            _fsync(tmp)
            os.replace(tmp, target)
        except (duckdb.Error, OSError) as exc:
            _remove(tmp, _wal(tmp))
            raise StoreError(f"writing store {target} failed{_disk_hint(exc)}: {_why(exc)}; "
                             "the previous run is unchanged") from exc
        except BaseException:
            _remove(tmp, _wal(tmp))
            raise
        _fsync(target.parent)


def _why(exc: BaseException) -> str:
    return (getattr(exc, "strerror", None) or str(exc)) if isinstance(exc, OSError) else str(exc)


def _disk_hint(exc: BaseException) -> str:
    full = getattr(exc, "errno", None) == errno.ENOSPC or "space left" in str(exc).lower()
    return " (the disk is full)" if full else ""


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _reader(db_path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path = Path(db_path)
    if not path.is_file():
        raise StoreError(f"store {path} does not exist; `tablefuse integrate LAKE --db {path}` creates it")
    if not _is_duckdb_file(path):
        raise StoreError(f"{path} is not a DuckDB database")
    with _connect(path, read_only=True) as con:
        yield con


def _checked_name(con: duckdb.DuckDBPyConnection, path: str | Path, name: str) -> str:
    tables = _table_names(con)
    if name not in tables:
        raise StoreError(f"store {path} has no table {name!r}; available: {', '.join(tables)}")
    return quote(name)


def list_tables(db_path: str | Path) -> list[str]:
    """Names of every table in the store (contract tables and preserved ones), sorted."""
    with _reader(db_path) as con:
        return _table_names(con)


def read_table(db_path: str | Path, name: str) -> pl.DataFrame:
    """One store table as a polars frame.

    >>> read_table("demo.duckdb", "integrated")  # doctest: +SKIP
    """
    with _reader(db_path) as con:
        q = _checked_name(con, db_path, name)
        try:
            return con.sql(f"SELECT * FROM {q}").pl()
        except duckdb.Error as exc:
            raise StoreError(f"reading {name!r} from {db_path} failed: {exc}") from exc


_FORMULA = r"^[=+\-@\t\r]"  # what a spreadsheet reads as the start of a formula (OWASP's list)
_PLAIN_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"  # -5, +1.5e3: never a formula


def _safe_select(con: duckdb.DuckDBPyConnection, relation: str, csv_safe: bool) -> str:
    """``SELECT`` of every column of ``relation``; with ``csv_safe`` each text column's
    formula-like values get a leading ``'`` (the store keeps the original)."""
    if not csv_safe:
        return f"SELECT * FROM {relation}"
    rel = con.sql(f"SELECT * FROM {relation}")
    cols = []
    for name, dtype in zip(rel.columns, rel.types, strict=True):
        q = quote(name)
        if str(dtype) == "VARCHAR":
            cols.append(f"CASE WHEN regexp_matches({q}, {literal(_FORMULA)}) AND NOT regexp_matches("
                        f"{q}, {literal(_PLAIN_NUMBER)}) THEN {literal(chr(39))} || {q} ELSE {q} END AS {q}")
        else:
            cols.append(q)
    return f"SELECT {', '.join(cols)} FROM {relation}"


def _copy_out(con: duckdb.DuckDBPyConnection, relation: str, what: str, fmt: str, out: Path,
              csv_safe: bool) -> int:
    options = {"csv": "FORMAT csv, HEADER true", "parquet": "FORMAT parquet"}
    if fmt not in options:
        raise StoreError(f"export format {fmt!r} unknown; choose csv or parquet")
    out = Path(out)
    if out.is_dir():
        raise StoreError(f"export target {out} is a directory; give a file path")
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        select = _safe_select(con, relation, csv_safe and fmt == "csv")
        row = con.execute(f"COPY ({select}) TO {literal(str(tmp))} ({options[fmt]})").fetchone()
        os.replace(tmp, out)
    except (duckdb.Error, OSError) as exc:
        _remove(tmp)
        raise StoreError(f"exporting {what} to {out} failed{_disk_hint(exc)}: {_why(exc)}") from exc
    except BaseException:
        _remove(tmp)
        raise
    return int(row[0]) if row else 0


def export_table(db_path: str | Path, name: str, fmt: Literal["csv", "parquet"], out: Path,
                 csv_safe: bool = True) -> int:
    """Write one store table to ``out`` as CSV (with header) or Parquet; returns rows written.

    ``csv_safe`` (CSV only): text starting with ``=``, ``+``, ``-``, ``@``, tab or CR that is not
    a plain number is prefixed with ``'`` so a spreadsheet shows it instead of running it.

    >>> export_table("demo.duckdb", "integrated", "csv", Path("golden.csv"))  # doctest: +SKIP
    """
    with _reader(db_path) as con:
        q = _checked_name(con, db_path, name)
        return _copy_out(con, q, repr(name), fmt, out, csv_safe)


def export_frame(frame: pl.DataFrame, what: str, fmt: Literal["csv", "parquet"], out: Path,
                 csv_safe: bool = True) -> int:
    """``export_table`` for a table already in memory (a store table with decisions applied)."""
    con = duckdb.connect()
    try:
        con.register("tf_frame", frame.to_arrow())
        _copy_out(con, "tf_frame", what, fmt, out, csv_safe)
    finally:
        con.close()
    return frame.height


def info(db_path: str | Path) -> dict[str, Any]:
    """Headline numbers of the latest run (for ``tablefuse info`` and the app).

    >>> info("demo.duckdb")["sets"]  # doctest: +SKIP
    """
    with _reader(db_path) as con:
        tables = set(_table_names(con))
        missing = [t for t in TABLES if t not in tables]
        if missing:
            raise StoreError(f"{db_path} is not a complete tablefuse store; missing {missing}")

        def one(q: str) -> Any:
            row = _first(con, q)
            return row[0] if row else None

        run = _first(con, "SELECT run_id, status, started, finished, tablefuse_version FROM runs "
                          "ORDER BY latest DESC, started DESC LIMIT 1")
        run_id, status, started, finished, version = run if run else (None,) * 5
        n_tuple_cols = one("SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'main' "
                           "AND database_name = current_database() AND table_name = 'tuples'")
        sizes = [r[0] for r in con.sql(
            "SELECT count(*) AS n FROM membership GROUP BY set_id ORDER BY n DESC LIMIT 5"
        ).fetchall()]
        by_status = dict(con.sql("SELECT status, count(*) FROM sources GROUP BY status").fetchall())
        return {
            "run_id": run_id,
            "status": status,
            "started": started,
            "finished": finished,
            "tablefuse_version": version,
            "runs": one("SELECT count(*) FROM runs"),
            "sources": one("SELECT count(*) FROM sources"),
            "sources_ok": by_status.get("ok", 0),
            "sources_partial": by_status.get("partial", 0),
            "sources_skipped": by_status.get("skipped", 0),
            "input_issues": one("SELECT count(*) FROM input_issues"),
            "tuples": one("SELECT count(*) FROM tuples"),
            "attributes": int(n_tuple_cols) - len(FIXED["tuples"]),
            "candidate_pairs": one("SELECT count(*) FROM candidates"),
            "integrable_pairs": one("SELECT count(*) FROM pairs WHERE integrable"),
            "sets": one("SELECT count(DISTINCT set_id) FROM membership"),
            "multi_tuple_sets": one("SELECT count(*) FROM (SELECT set_id FROM membership "
                                    "GROUP BY set_id HAVING count(*) > 1)"),
            "conflicts": one("SELECT count(*) FROM conflicts"),
            "largest_sets": sizes,
        }

