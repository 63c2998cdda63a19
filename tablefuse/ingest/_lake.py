"""Read a lake folder (or one file) into ``SourceTable``s of text columns.

Every value stays text exactly as written; only null tokens (and, when ``""`` is a null token,
whitespace-only cells) become null. Whatever cannot be used is raised as ``InputError`` or,
with ``skip_bad``, recorded as an ``InputIssue`` with the rows it cost: never dropped silently.
"""
from __future__ import annotations

import fnmatch
import logging
import os
from pathlib import Path

import polars as pl

from ..config import IngestConfig
from ..errors import InputError
from ..frames import TUPLE_META, InputIssue, Lake, SourceTable
from ._readers import Parsed, read_delimited, read_json, read_parquet
from ._sniff import MIXED
from ._types import infer_types

log = logging.getLogger("tablefuse")

_PARQUET = (".parquet", ".pq")
_JSON = (".json", ".jsonl", ".ndjson")
_MAX_LISTED_ROWS = 20
# Column names the store gives its own columns (tuples: tid, source ...; integrated: set_id): a
# header of that name (in any case, as DuckDB names are case-insensitive) is renamed ``name_2``.
RESERVED = frozenset(TUPLE_META + ("set_id",))


def _source_name(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def read_table(path: Path, root: Path,
               config: IngestConfig | None = None) -> tuple[SourceTable, list[InputIssue]]:
    """Read one lake file as text columns.

    Raises ``InputError`` when the whole file is unusable (even with ``skip_bad``: the caller
    decides whether to record it); bad rows are skipped and reported when ``skip_bad``.
    """
    config = config or IngestConfig()
    path, root = Path(path), Path(root)
    source = _source_name(path, root)
    ext = path.suffix.lower()
    if ext not in config.extensions:
        raise InputError(source, f"extension {ext or '(none)'!r} is not a table format "
                                 f"read by ingest ({', '.join(config.extensions)})",
                         kind="unsupported")
    if ext in _PARQUET:
        if not os.access(path, os.R_OK) or not path.is_file():
            raise InputError(source, "cannot be read (missing, a folder, or no permission)",
                             kind="unreadable")
        if path.stat().st_size == 0:
            raise InputError(source, "is empty (0 bytes); nothing to read", kind="empty")
        parsed = read_parquet(source, path)
    else:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(source, f"cannot be read: {exc.strerror or exc}",
                             kind="unreadable") from exc
        if ext in _JSON:
            parsed = read_json(source, raw, ext, config.sniff_bytes, config.skip_bad)
        else:
            parsed = read_delimited(source, raw, ext, config.sniff_bytes, config.skip_bad)
    return _finish(source, path, parsed, config)


def _check_width(source: str, n: int, config: IngestConfig, what: str = "has", lake: int | None = None) -> None:
    """Refuse a table wider than ``ingest.max_columns`` (or a lake whose tables together hold more
    than ``ingest.max_lake_columns``) before any stage pays for its width."""
    limit, name = (config.max_columns, "max_columns") if lake is None else (lake, "max_lake_columns")
    if limit and n > limit:
        raise InputError(source, f"{what} {n:,} columns, more than ingest.{name} ({limit:,}); alignment "
                                 "time grows with the square of the columns: raise the limit (0: none), or "
                                 "exclude tables", kind="too_wide")


def _finish(source: str, path: Path, parsed: Parsed,
            config: IngestConfig) -> tuple[SourceTable, list[InputIssue]]:
    _check_width(source, len(parsed.names), config)
    if parsed.bad_rows and not parsed.source_rows:
        raise InputError(source, f"none of its {len(parsed.bad_rows)} data rows can be used: "
                                 f"{parsed.bad_reason}", row=parsed.bad_rows[0],
                         kind=parsed.bad_kind)
    issues: list[InputIssue] = []
    names: list[str] = []
    columns: list[pl.Series] = []
    for i, (name, column) in enumerate(zip(parsed.names, parsed.columns, strict=True)):
        if name:
            names.append(name)
            columns.append(column)
        elif column.str.strip_chars().fill_null("").eq("").all():
            issues.append(InputIssue(source, "empty_column",
                                     f"{source}: column {i + 1} has no header and no values "
                                     "(a trailing delimiter?); dropped"))
        else:
            names.append(f"column_{i + 1}")
            columns.append(column)
            issues.append(InputIssue(source, "unnamed_column",
                                     f"{source}: column {i + 1} has values but no header; "
                                     f"named 'column_{i + 1}'"))
    names, renamed = _dedupe(names)
    reserved = [(a, b) for a, b in renamed if a.lower() in RESERVED]
    repeated = [(a, b) for a, b in renamed if a.lower() not in RESERVED]
    if repeated:
        shown = ", ".join(f"{a!r} -> {b!r}" for a, b in repeated)
        issues.append(InputIssue(source, "duplicate_header",
                                 f"{source}: repeated column names renamed: {shown}"))
    if reserved:
        shown = ", ".join(f"{a!r} -> {b!r}" for a, b in reserved)
        issues.append(InputIssue(source, "reserved_header",
                                 f"{source}: column names the store uses for its own columns renamed: {shown}"))
    if parsed.encoding and parsed.encoding.startswith(MIXED):
        other = parsed.encoding[len(MIXED):]
        issues.append(InputIssue(source, "mixed_encoding",
                                 f"{source}: lines in two encodings; each line read as UTF-8 where valid, "
                                 f"else as {other}"))
    if parsed.trimmed_rows:
        issues.append(InputIssue(source, "trailing_delimiter",
                                 f"{source}: {parsed.trimmed_rows} rows end in extra empty "
                                 "fields beyond the header; the empty fields were ignored"))
    if parsed.bad_rows:
        listed = ", ".join(str(r) for r in parsed.bad_rows[:_MAX_LISTED_ROWS])
        more = "" if len(parsed.bad_rows) <= _MAX_LISTED_ROWS else ", ..."
        issues.append(InputIssue(source, parsed.bad_kind,
                                 f"{source}: skipped {len(parsed.bad_rows)} rows, "
                                 f"{parsed.bad_reason} (0-based data rows {listed}{more})",
                                 row=parsed.bad_rows[0], rows_skipped=len(parsed.bad_rows)))
    frame = pl.DataFrame([c.rename(n) for n, c in zip(names, columns, strict=True)])
    if frame.width:
        tokens = pl.Series(list(config.null_tokens), dtype=pl.Utf8).implode()
        frame = frame.with_columns(
            pl.when(pl.col(n).str.strip_chars().is_in(tokens)).then(None).otherwise(pl.col(n))
            .alias(n) for n in names)
    contiguous = parsed.source_rows == list(range(len(parsed.source_rows)))
    table = SourceTable(source=source, path=path, format=parsed.format, frame=frame,
                        column_types=infer_types(frame), delimiter=parsed.delimiter,
                        encoding=parsed.encoding,
                        source_rows=None if contiguous else tuple(parsed.source_rows),
                        rows_skipped=len(parsed.bad_rows))
    table.validate()
    for issue in issues:
        log.warning(issue.message)
    return table, issues


def _dedupe(names: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """``name, name`` -> ``name, name_2``; a suffix never collides with another header. A
    ``RESERVED`` name (any case) is renamed the same way, as if the store's column came first."""
    taken = set(names) | RESERVED
    seen: set[str] = set(RESERVED)
    out: list[str] = []
    renamed: list[tuple[str, str]] = []
    for name in names:
        if name not in seen and name.lower() not in RESERVED:
            seen.add(name)
            out.append(name)
            continue
        n = 2
        while f"{name}_{n}" in taken:
            n += 1
        new = f"{name}_{n}"
        taken.add(new)
        seen.add(new)
        out.append(new)
        renamed.append((name, new))
    return out, renamed


def _inside(target: str, real_root: str) -> bool:
    return target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep)


def _lake_files(root: Path, config: IngestConfig | None = None) -> tuple[list[Path], list[InputIssue]]:
    """Every non-hidden file under root, sorted by relative path for a deterministic order, and
    an issue for every symbolic link not followed.

    A link is followed only where it leaves the lake and ``ingest.follow_symlinks`` says so: a
    link within the lake would read its target twice, and a broken or looping link reads nothing.
    """
    config = config or IngestConfig()
    real_root = os.path.realpath(root)
    found: list[Path] = []
    issues: list[InputIssue] = []
    visited = {real_root}

    def skip(entry: Path, kind: str, why: str, fatal: bool) -> None:
        source = _source_name(entry, root)
        if not _excluded(source, config.exclude):
            issues.append(InputIssue(source, kind, f"{source}: {why}; not followed", fatal=fatal))
            log.warning(issues[-1].message)

    def walk(folder: Path) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            skip(folder, "unreadable", f"folder cannot be listed ({exc.strerror or exc})", True)
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if entry.is_symlink():
                target = os.path.realpath(path)
                if not os.path.exists(target):
                    skip(path, "symlink_broken", "a symbolic link that is broken or loops", True)
                    continue
                if _inside(target, real_root):
                    skip(path, "symlink", f"a symbolic link to {_source_name(Path(target), Path(real_root))} "
                                          "inside the lake, which is read under its own path", False)
                    continue
                if not config.follow_symlinks:
                    skip(path, "symlink_escape", f"a symbolic link leaving the lake (to {target}); set "
                                                 "ingest.follow_symlinks = true to read it", True)
                    continue
                if os.path.isdir(target):
                    if target in visited:
                        skip(path, "symlink_broken", "a symbolic link back into a folder already read", True)
                        continue
                    visited.add(target)
                    walk(path)
                else:
                    found.append(path)
            elif entry.is_dir(follow_symlinks=False):
                walk(path)
            elif entry.is_file(follow_symlinks=False):
                found.append(path)

    walk(root)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix()), issues


def _data_lines(path: Path, kind: str) -> int:
    """Rows a skipped text file held (non-blank lines after the header); 0 when not countable."""
    ext = path.suffix.lower()
    if ext in _PARQUET or ext == ".json" or kind == "binary":
        return 0
    try:
        raw = path.read_bytes()
    except OSError:
        return 0
    if b"\x00" in raw:
        return 0
    lines = sum(1 for line in raw.splitlines() if line.strip())
    return lines if ext in (".jsonl", ".ndjson") else max(lines - 1, 0)


def _excluded(source: str, patterns: tuple[str, ...]) -> bool:
    """True when ``source`` (relative path) or its file name matches a glob in ``patterns``."""
    name = source.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(source, p) or fnmatch.fnmatchcase(name, p) for p in patterns)


def read_lake(root: str | Path, config: IngestConfig | None = None) -> Lake:
    """Read every table under ``root`` (recursively, hidden files skipped)."""
    config = config or IngestConfig()
    root = Path(root)
    if not root.is_dir():
        raise InputError(str(root), "is not a folder; give the lake folder holding the tables",
                         kind="not_found")
    tables: list[SourceTable] = []
    paths, issues = _lake_files(root, config)
    for path in paths:
        source = _source_name(path, root)
        if _excluded(source, config.exclude):
            issues.append(InputIssue(source, "excluded", f"{source}: excluded by ingest.exclude; not used"))
            log.info(issues[-1].message)
            continue
        if path.suffix.lower() not in config.extensions:
            issues.append(InputIssue(source, "unsupported",
                                     f"{source}: not a table format read by ingest "
                                     f"({', '.join(config.extensions)}); not used", fatal=True))
            log.warning(issues[-1].message)
            continue
        try:
            table, found = read_table(path, root, config)
        except InputError as exc:
            if not config.skip_bad:
                raise
            issues.append(InputIssue(source, exc.kind, f"{exc}; file skipped", row=exc.row,
                                     rows_skipped=_data_lines(path, exc.kind), fatal=True))
            log.warning(issues[-1].message)
            continue
        tables.append(table)
        issues.extend(found)
    _check_width(str(root), sum(t.frame.width for t in tables), config, "its tables hold", config.max_lake_columns)
    if not tables:
        detail = "; ".join(i.message for i in issues[:5])
        raise InputError(str(root), "holds no readable table" + (f" ({detail})" if detail else ""),
                         kind="no_tables")
    log.info("ingest: %d tables, %d rows, %d issues", len(tables),
             sum(t.frame.height for t in tables), len(issues))
    return Lake(root=root, tables=tuple(tables), issues=tuple(issues))
