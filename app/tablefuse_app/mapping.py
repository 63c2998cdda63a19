"""Align page logic: the proposed column mapping, edited by a person, saved as a mapping file.

The saved file is a plain ``source,source_column,attribute`` CSV (the format ``align`` reads), so
the person's choices always win in the next run. An empty attribute marks a key column.
"""
from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import polars as pl

from tablefuse.align import align, load_mapping
from tablefuse.config import AlignConfig, IngestConfig
from tablefuse.errors import TablefuseError
from tablefuse.ingest import read_lake

EDITOR_COLUMNS = ("source", "source_column", "attribute", "role", "method", "confidence")
REVIEW_COLUMN = "check"  # "⚠ review" where align flags the mapping (confidence < review_below)


def propose(lake: Path, mapping_file: Path | None = None,
            ingest: IngestConfig | None = None) -> pl.DataFrame:
    """The alignment a run would use now (bad files skipped), one row per source column."""
    lake_obj = read_lake(lake, ingest or IngestConfig(skip_bad=True))
    config = AlignConfig(mapping_file=str(mapping_file) if mapping_file and mapping_file.is_file()
                         else None)
    frame = align(lake_obj, config).frame
    flagged = (pl.col("needs_review").fill_null(False) if "needs_review" in frame.columns
               else pl.lit(False))
    return frame.select(*EDITOR_COLUMNS, pl.when(flagged).then(pl.lit("⚠ review")).otherwise(pl.lit(""))
                        .alias(REVIEW_COLUMN))


def flagged(proposal: pl.DataFrame) -> pl.DataFrame:
    """The mappings align is not sure of (``needs_review``): a person should look at them."""
    if REVIEW_COLUMN not in proposal.columns:
        return proposal.head(0)
    return proposal.filter(pl.col(REVIEW_COLUMN) != "")


def new_attributes(proposal: pl.DataFrame, edited: pl.DataFrame) -> list[tuple[str, str | None]]:
    """Attributes the edit creates that the proposal did not have, each with the closest existing
    attribute when one is close (a typo: ``phnoe`` → ``phone``), else None."""
    from rapidfuzz import fuzz, process

    known = sorted({normalise_attribute(a) for a in proposal["attribute"].to_list()} - {""})
    out: list[tuple[str, str | None]] = []
    for name in sorted({normalise_attribute(a) for a in edited["attribute"].to_list()} - {""}):
        if name in known or name.lower() in {k.lower() for k in known}:
            continue
        best = process.extractOne(name.lower(), [k.lower() for k in known], scorer=fuzz.ratio)
        out.append((name, known[best[2]] if best is not None and best[1] >= 70 else None))
    return out


def normalise_attribute(name: str | None) -> str:
    """The attribute as entered, trimmed; empty (or None) means a key column."""
    return "" if name is None else str(name).strip()


def check_mapping(edited: pl.DataFrame) -> list[str]:
    """Problems that would stop a run, e.g. two columns of one source sent to one attribute.

    Attribute names are normalised exactly as ``align`` will (by reading the CSV back with
    ``tablefuse.align.load_mapping``), so ``Phone Number`` and ``phone_number`` collide here too.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mapping.csv"
        path.write_text(mapping_csv(edited), encoding="utf-8")
        try:
            loaded = load_mapping(path)
        except TablefuseError as exc:
            return [str(exc)]
    dup = (loaded.filter(pl.col("attribute").is_not_null()).group_by("source", "attribute")
           .agg(pl.col("source_column")).filter(pl.col("source_column").list.len() > 1))
    return [f"{r['source']}: columns {', '.join(r['source_column'])} all map to "
            f"{r['attribute']!r}; give each its own attribute"
            for r in dup.sort("source", "attribute").iter_rows(named=True)]


def mapping_csv(edited: pl.DataFrame) -> str:
    """The edited table as mapping-file CSV text (csv module quoting: any header is safe)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["source", "source_column", "attribute"])
    for r in edited.select("source", "source_column", "attribute").iter_rows():
        writer.writerow([r[0], r[1], normalise_attribute(r[2])])
    return out.getvalue()


def save_mapping(edited: pl.DataFrame, path: Path) -> list[str]:
    """Write the mapping when it is consistent; returns the problems (empty when saved)."""
    problems = check_mapping(edited)
    if not problems:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(mapping_csv(edited), encoding="utf-8")
    return problems
