"""Uploads: safe file names inside the session lake, and per-file previews.

Uploaded bytes are only written and parsed as tables, never executed. A name is reduced to a
plain file name (no folders, no ``..``, no glob characters that a mapping pattern would read),
so nothing can land outside the session's lake folder. Letters and digits of every script are
kept (``данные.psv``, ``数据.tsv``), and so is the extension. A file whose content is already in
the lake (same SHA-256) is not stored again, so one table is never integrated twice.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tablefuse.config import IngestConfig
from tablefuse.errors import TablefuseError
from tablefuse.ingest import read_table

# anything but a letter or digit of any script, ``_``, ``.`` or ``-`` (``\w`` is Unicode-aware)
_UNSAFE = re.compile(r"[^\w.-]+")
MAX_NAME = 120  # characters
MAX_NAME_BYTES = 240  # UTF-8 bytes: file systems allow 255


class UploadRejected(ValueError):
    """An upload that is not written: too big, or an extension ingest does not read."""


def _fit(stem: str, ext: str) -> str:
    """``stem`` cut so that ``stem.ext`` stays within MAX_NAME characters and MAX_NAME_BYTES."""
    room = MAX_NAME - len(ext) - 1
    stem = stem[:room]
    while stem and len(f"{stem}.{ext}".encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem.strip("._-") or "upload"


def sanitise_filename(name: str) -> str:
    """A plain, safe file name: the last path part; letters and digits (any script), ``._-``.

    The extension is kept; glob and shell characters, spaces and controls become ``_``.

    >>> sanitise_filename("../../etc/passwd.csv")
    'passwd.csv'
    >>> sanitise_filename("данные.psv"), sanitise_filename("数据 (1).tsv")
    ('данные.psv', '数据_1.tsv')
    """
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")  # controls, bidi marks
    base = _UNSAFE.sub("_", base).strip("._- ")
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem:
        stem, ext = base, ""
    ext = re.sub(r"[^A-Za-z0-9]", "", ext)[:16]
    stem = stem.strip("._-") or "upload"
    return f"{_fit(stem, ext)}.{ext}" if ext else _fit(stem, "")[:MAX_NAME]


def unique_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/stem_2.ext`` ... when taken."""
    path = folder / name
    stem, ext = Path(name).stem, Path(name).suffix
    i = 2
    while path.exists():
        path = folder / f"{stem}_{i}{ext}"
        i += 1
    return path


_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_digest(path: Path) -> str:
    """SHA-256 of a file, remembered per (path, mtime, size) so a rerun does not read it again."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _DIGESTS:
        if len(_DIGESTS) > 4096:
            _DIGESTS.clear()
        with path.open("rb") as fh:
            _DIGESTS[key] = hashlib.file_digest(fh, "sha256").hexdigest()
    return _DIGESTS[key]


def find_same_content(lake: Path, data: bytes,
                      extensions: tuple[str, ...] = IngestConfig().extensions) -> Path | None:
    """The lake file holding exactly ``data`` (SHA-256), if any."""
    digest = hashlib.sha256(data).hexdigest()
    return next((p for p in lake_files(lake, extensions)
                 if p.stat().st_size == len(data) and file_digest(p) == digest), None)


@dataclass(frozen=True)
class SavedUpload:
    """What became of one upload: its original name, the lake file, and whether it was new."""

    original: str
    path: Path
    duplicate: bool = False  # the content was already in the lake as ``path``; nothing written

    @property
    def renamed(self) -> bool:
        return self.path.name != self.original

    def message(self) -> str:
        if self.duplicate:
            return (f"{self.original}: the same content is already in the lake as "
                    f"{self.path.name}; not added again")
        return f"{self.original} → saved as {self.path.name}"


def save_upload(lake: Path, name: str, data: bytes, max_bytes: int,
                extensions: tuple[str, ...] = IngestConfig().extensions) -> Path:
    """Write one uploaded file into ``lake`` under a safe, unused name; returns its path."""
    return store_upload(lake, name, data, max_bytes, extensions, dedupe=False).path


def store_upload(lake: Path, name: str, data: bytes, max_bytes: int,
                 extensions: tuple[str, ...] = IngestConfig().extensions,
                 dedupe: bool = True) -> SavedUpload:
    """Like ``save_upload``; with ``dedupe`` a content already in the lake is not written again."""
    if len(data) > max_bytes:
        raise UploadRejected(f"{name}: {len(data) / 1e6:.1f} MB is over the upload limit of "
                             f"{max_bytes / 1e6:.1f} MB")
    safe = sanitise_filename(name)
    if Path(safe).suffix.lower() not in extensions:
        raise UploadRejected(f"{name}: not a table file ingest reads ({', '.join(extensions)})")
    lake.mkdir(parents=True, exist_ok=True)
    if dedupe:
        same = find_same_content(lake, data, extensions)
        if same is not None:
            return SavedUpload(name, same, duplicate=True)
    path = unique_path(lake, safe)
    if path.resolve().parent != lake.resolve():  # belt and braces: never outside the lake
        raise UploadRejected(f"{name}: unsafe file name")
    path.write_bytes(data)
    return SavedUpload(name, path)


def lake_files(lake: Path, extensions: tuple[str, ...] = IngestConfig().extensions) -> list[Path]:
    """Table files under the lake, sorted by their lake-relative path."""
    if not lake.is_dir():
        return []
    return sorted((p for p in lake.rglob("*") if p.is_file() and p.suffix.lower() in extensions),
                  key=lambda p: p.relative_to(lake).as_posix())


def copy_example(example: Path, lake: Path) -> int:
    """Copy the bundled example lake into the session lake; returns files copied.

    A file whose content the lake already holds (under any name) is not copied again.
    """
    n = 0
    for src in lake_files(example):
        dst = lake / src.relative_to(example)
        if find_same_content(lake, src.read_bytes()) is not None:
            continue
        dst = unique_path(dst.parent, dst.name)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        n += 1
    return n


def remove_file(lake: Path, source: str) -> bool:
    """Remove one lake file by its lake-relative name; refuses anything outside the lake."""
    path = (lake / source).resolve()
    if lake.resolve() not in path.parents or not path.is_file():
        return False
    path.unlink()
    return True


@dataclass(frozen=True)
class FilePreview:
    """What ingest made of one file: format, delimiter, encoding, types, nulls, first rows."""

    source: str
    size_bytes: int
    error: str | None = None
    format: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    rows: int = 0
    columns: pl.DataFrame = field(default_factory=pl.DataFrame)  # column, type, nulls
    head: pl.DataFrame = field(default_factory=pl.DataFrame)
    issues: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def delimiter_label(self) -> str:
        names = {",": "comma (,)", "\t": "tab", ";": "semicolon (;)", "|": "pipe (|)",
                 " ": "space"}
        if self.delimiter is None:
            return "n/a"
        return names.get(self.delimiter, repr(self.delimiter))


def preview_file(path: Path, lake: Path, config: IngestConfig | None = None,
                 head_rows: int = 5) -> FilePreview:
    """Read one file the way a run will (``tablefuse.ingest.read_table``); errors are returned."""
    config = config or IngestConfig(skip_bad=True)
    source = path.relative_to(lake).as_posix() if lake in path.parents else path.name
    size = path.stat().st_size if path.exists() else 0
    try:
        table, issues = read_table(path, lake, config)
    except TablefuseError as exc:
        return FilePreview(source, size, error=str(exc))
    frame = table.frame
    columns = pl.DataFrame({
        "column": frame.columns,
        "type": [table.column_types.get(c, "text") for c in frame.columns],
        "nulls": [frame[c].null_count() for c in frame.columns],
    }, schema={"column": pl.Utf8, "type": pl.Utf8, "nulls": pl.Int64})
    return FilePreview(source, size, format=table.format, delimiter=table.delimiter,
                       encoding=table.encoding, rows=frame.height, columns=columns,
                       head=frame.head(head_rows),
                       issues=tuple(f"{i.kind}: {i.message}" for i in issues))
