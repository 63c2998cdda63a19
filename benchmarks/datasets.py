"""Real benchmark lakes with gold, as TupleTables and true pairs of tids (shared by benchmarks).

The data lives outside the repo in ``<repo>/../shared/data`` (never copied in); every loader
raises ``DataUnavailable`` when it is absent, so callers can skip with a message.

>>> tuples, truth = load_ccer("D2")  # doctest: +SKIP
>>> truth.columns  # doctest: +SKIP
['tid_a', 'tid_b']
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

import polars as pl

from tablefuse.frames import TUPLE_META, TupleTable

log = logging.getLogger("tablefuse")

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# the gold's first column refers to the first table, the second to the second
CCER: dict[str, tuple[str, str]] = {
    "D1": ("rest1.csv", "rest2.csv"),
    "D2": ("abt.csv", "buy.csv"),
    "D3": ("amazon.csv", "gp.csv"),
    "D4": ("dblp.csv", "acm.csv"),
    "D8": ("walmart.csv", "amazon.csv"),
}
DER: dict[str, tuple[str, str, bool]] = {  # table, gold file, gold has a header
    "cora": ("cora.csv", "cora_gt.csv", False),
    "abtbuy": ("abtbuy.csv", "gt.csv", True),
}


class DataUnavailable(RuntimeError):
    """The shared benchmark data folder (or one dataset in it) is not there."""


def data_root() -> Path:
    return DATA


def available(kind: str = "ccer", name: str | None = None) -> bool:
    path = DATA / kind / name if name else DATA / kind
    return path.is_dir()


def _sniff(path: Path) -> str:
    header = path.open(encoding="utf-8", errors="replace").readline()
    counts = {d: header.count(d) for d in "|#%\t;,"}
    return max(counts, key=lambda d: counts[d])


def read_csv(path: Path) -> pl.DataFrame:
    """Every column as text; quotes only honoured for comma files (others hold stray quotes)."""
    sep = _sniff(path)
    frame = pl.read_csv(path, separator=sep, infer_schema=False, quote_char='"' if sep == "," else None,
                        truncate_ragged_lines=True, encoding="utf8-lossy")
    keep = [c for c in frame.columns if c.strip() and not c.startswith("_duplicated")]
    frame = frame.select(keep)
    return frame.with_columns(pl.all().str.strip_chars().replace("", None))


def _attribute(column: str) -> str:
    """``http://.../restaurant1.owl#phone_number`` → ``phone_number``; lowercase, snake case."""
    name = column.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_") or "column"


def _id_column(frame: pl.DataFrame) -> str:
    for c in frame.columns:
        if _attribute(c) in ("id", "entity_id"):
            return c
    raise DataUnavailable(f"no id column among {frame.columns}")


def tuples_from_frames(tables: list[tuple[str, pl.DataFrame]]) -> TupleTable:
    """Outer union of (source, frame) with the ``id`` column as ``source_key`` (polars only)."""
    parts = []
    attributes: list[str] = []
    offset = 0
    for source, frame in tables:
        idc = _id_column(frame)
        renamed = {c: _attribute(c) for c in frame.columns if c != idc}
        body = frame.rename(renamed)
        for a in renamed.values():
            if a not in attributes:
                attributes.append(a)
        parts.append(body.select(
            (pl.int_range(0, pl.len(), dtype=pl.Int64) + offset).alias("tid"),
            pl.lit(source).alias("source"),
            pl.int_range(0, pl.len(), dtype=pl.Int64).alias("source_row"),
            pl.col(idc).alias("source_key"),
            *[pl.col(a) for a in renamed.values()]))
        offset += frame.height
    frame = pl.concat(parts, how="diagonal_relaxed")
    frame = frame.select(*TUPLE_META, *[pl.col(a).cast(pl.Utf8) for a in attributes])
    table = TupleTable(frame, tuple(attributes))
    table.validate()
    return table


def _pipeline_tuples(folder: Path, files: list[str]) -> TupleTable | None:
    """The project's own ingest + align + union over ``files``; None when they are not usable."""
    try:
        from tablefuse.align import align, union
        from tablefuse.config import TablefuseConfig
        from tablefuse.frames import Lake
        from tablefuse.ingest import read_table

        cfg = TablefuseConfig()
        read = [read_table(folder / f, folder, cfg.ingest) for f in files]
        lake = Lake(folder, tuple(t for t, _ in read), tuple(i for _, issues in read for i in issues))
        tuples = union(lake, align(lake, cfg.align))
        tuples.validate()
    except Exception as exc:  # the stages are being written alongside; fall back, but say so
        log.warning("pipeline ingest/align unusable for %s (%s); reading with polars", folder, exc)
        return None
    if tuples.frame["source_key"].null_count():
        log.warning("pipeline found no surrogate key in %s; reading with polars", folder)
        return None
    return tuples


def _tid_map(tuples: TupleTable) -> pl.DataFrame:
    return tuples.frame.select("tid", pl.col("source").str.split("/").list.last().alias("file"),
                               pl.col("source_key").alias("key"))


def _to_tids(gold: pl.DataFrame, ids: pl.DataFrame, file_a: str, file_b: str) -> pl.DataFrame:
    """Gold ids (a, b) → (tid_a < tid_b) via (file, source_key)."""
    a = ids.filter(pl.col("file") == file_a).select(pl.col("key").alias("a"), pl.col("tid").alias("ta"))
    b = ids.filter(pl.col("file") == file_b).select(pl.col("key").alias("b"), pl.col("tid").alias("tb"))
    joined = gold.join(a, on="a", how="inner").join(b, on="b", how="inner")
    if joined.height < gold.height:
        log.warning("%d of %d gold pairs name unknown ids", gold.height - joined.height, gold.height)
    return (joined.select(pl.min_horizontal("ta", "tb").alias("tid_a"), pl.max_horizontal("ta", "tb").alias("tid_b"))
            .filter(pl.col("tid_a") != pl.col("tid_b")).unique().sort("tid_a", "tid_b"))


def _gold(path: Path, header: bool) -> pl.DataFrame:
    sep = _sniff(path)
    g = pl.read_csv(path, separator=sep, has_header=header, infer_schema=False, quote_char=None)
    return g.select(pl.nth(0).str.strip_chars().alias("a"), pl.nth(1).str.strip_chars().alias("b"))


def load_ccer(name: str, loader: str = "auto") -> tuple[TupleTable, pl.DataFrame]:
    """A clean-clean lake (two tables) and its gold as (tid_a, tid_b).

    ``loader``: ``pipeline`` (the project's ingest/align/union), ``polars`` (read directly) or
    ``auto`` (pipeline when it works, else polars).
    """
    folder = DATA / "ccer" / name
    if name not in CCER or not folder.is_dir():
        raise DataUnavailable(f"ccer/{name} not found under {DATA}")
    files = list(CCER[name])
    tuples = _pipeline_tuples(folder, files) if loader in ("auto", "pipeline") else None
    if tuples is None:
        if loader == "pipeline":
            raise DataUnavailable("the pipeline loader failed (see the log)")
        tuples = tuples_from_frames([(f, read_csv(folder / f)) for f in files])
    return tuples, _to_tids(_gold(folder / "gt.csv", True), _tid_map(tuples), *files)


def load_der(name: str, loader: str = "auto") -> tuple[TupleTable, pl.DataFrame]:
    """A dirty lake (one table with duplicates inside) and its gold as (tid_a, tid_b)."""
    folder = DATA / "der" / name
    if name not in DER or not folder.is_dir():
        raise DataUnavailable(f"der/{name} not found under {DATA}")
    table, gold_file, header = DER[name]
    tuples = _pipeline_tuples(folder, [table]) if loader in ("auto", "pipeline") else None
    if tuples is None:
        if loader == "pipeline":
            raise DataUnavailable("the pipeline loader failed (see the log)")
        tuples = tuples_from_frames([(table, read_csv(folder / table))])
    return tuples, _to_tids(_gold(folder / gold_file, header), _tid_map(tuples), table, table)


def load(name: str, loader: str = "auto") -> tuple[TupleTable, pl.DataFrame]:
    """``D1``…``D8`` (ccer) or ``cora`` / ``abtbuy`` (der)."""
    return load_ccer(name, loader) if name in CCER else load_der(name, loader)


DATASETS: tuple[str, ...] = (*CCER, *DER)
