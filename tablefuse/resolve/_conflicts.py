"""Shared resolution machinery: find true conflicts, build golden records and provenance.

Resolvers only implement ``Chooser.choose`` ("pick one candidate per conflicting cell"); the rest
is here, so every resolver treats nulls, equivalents, canonical forms and provenance the same:

* Nulls (and blank strings) complement: they are never candidates.
* Values with the same ``tablefuse.equivalence.canonical`` key are one candidate, not a conflict.
* The surface form written for a candidate (and for an unconflicted cell) is the most frequent
  surface form among its tuples; ties go to the longest (the most complete), then the
  lexicographically smallest. Outer whitespace is stripped.
* Only (set, attribute) cells with two or more keys reach Python; the bulk stays in polars.
* Provenance: one row per non-null golden cell with the tids whose value (or an equivalent one)
  was written.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import polars as pl

from ..equivalence import canonical
from ..errors import ContractError
from ..frames import Membership, Resolution, TupleTable

CONFLICT_SCHEMA = {"set_id": pl.Int64, "attribute": pl.Utf8, "candidates": pl.Utf8,
                   "chosen": pl.Utf8, "method": pl.Utf8, "confidence": pl.Float64,
                   "reason": pl.Utf8}


@dataclass(frozen=True)
class Candidate:
    """One equivalence group of values inside a conflicting cell."""

    value: str  # canonical surface form (see module doc)
    key: str  # equivalence key shared by every member
    tids: tuple[int, ...]  # sorted
    sources: tuple[str, ...]  # distinct, sorted
    count: int  # supporting tuples


@dataclass(frozen=True)
class ConflictCell:
    """A (set, attribute) whose non-null values fall into two or more equivalence groups."""

    set_id: int
    attribute: str
    candidates: tuple[Candidate, ...]  # by count desc, then value

    @property
    def total(self) -> int:
        return sum(c.count for c in self.candidates)


@dataclass(frozen=True)
class Choice:
    """A chooser's answer: index into ``cell.candidates``, confidence in [0, 1], a sentence."""

    index: int
    confidence: float
    reason: str


@dataclass(frozen=True)
class LakeCells:
    """What choosers may learn from: every non-null cell of the lake, in long form.

    ``cells``: set_id, attribute, tid, source, value, key, conflict (the cell's set/attribute has
    two or more keys). ``reliability``: per-source agreement rate with other sources.
    """

    cells: pl.DataFrame
    attributes: tuple[str, ...]
    reliability: dict[str, float]


class Chooser(Protocol):
    def choose(self, conflicts: Sequence[ConflictCell], lake: LakeCells) -> list[Choice]: ...


def long_cells(tuples: TupleTable, membership: Membership) -> pl.DataFrame:
    """set_id, attribute, tid, source, value, key for every non-blank cell."""
    attrs = list(tuples.attributes)
    base = tuples.frame.select("tid", "source", *attrs).join(
        membership.frame.select(pl.col("tid").cast(pl.Int64), pl.col("set_id").cast(pl.Int64)),
        on="tid", how="inner")
    if not attrs:
        return pl.DataFrame(schema={"set_id": pl.Int64, "attribute": pl.Utf8, "tid": pl.Int64,
                                    "source": pl.Utf8, "value": pl.Utf8, "key": pl.Utf8})
    long = (base.unpivot(index=["tid", "source", "set_id"], on=attrs, variable_name="attribute",
                         value_name="value")
            .with_columns(pl.col("value").cast(pl.Utf8).str.strip_chars())
            .filter(pl.col("value").is_not_null() & (pl.col("value") != "")))
    # canonical() is case- and spacing-insensitive: run it once per lower-cased, space-collapsed form
    long = long.with_columns(pl.col("value").str.to_lowercase()
                             .str.replace_all(r"\s+", " ").alias("_pre"))
    uniq = long.select("_pre").unique()
    keys = uniq.with_columns(pl.Series("key", [canonical(v) for v in uniq["_pre"].to_list()],
                                       dtype=pl.Utf8))
    return (long.join(keys, on="_pre", how="left")
            .select("set_id", "attribute", "tid", pl.col("source").cast(pl.Utf8), "value", "key"))


def source_reliability(cells: pl.DataFrame) -> dict[str, float]:
    """Per source: how often its values agree with other sources' values in the same cell.

    Over every (set, attribute) filled by two or more sources, each tuple of source s is compared
    with the tuples of other sources: agree / compared, Laplace-smoothed ((a + 1) / (n + 2)), so
    a source never compared gets 0.5. (Counting only unconflicted cells would give every source
    1.0, so conflicted cells count too.)
    """
    if cells.height == 0:
        return {}
    g = cells.group_by("set_id", "attribute", "key", "source").agg(pl.len().alias("n"))
    g = g.with_columns(
        pl.col("n").sum().over("set_id", "attribute").alias("total"),
        pl.col("n").sum().over("set_id", "attribute", "source").alias("own"),
        pl.col("n").sum().over("set_id", "attribute", "key").alias("same"),
    ).with_columns(
        (pl.col("n") * (pl.col("same") - pl.col("n"))).alias("agree"),
        (pl.col("n") * (pl.col("total") - pl.col("own"))).alias("compared"),
    )
    per = g.group_by("source").agg(pl.col("agree").sum(), pl.col("compared").sum())
    return {s: (a + 1.0) / (c + 2.0) for s, a, c in per.iter_rows()}


def _surface_forms(cells: pl.DataFrame) -> pl.DataFrame:
    """set_id, attribute, key -> value (canonical surface form), count, tids, sources."""
    forms = (cells.group_by("set_id", "attribute", "key", "value").agg(pl.len().alias("n"))
             .sort(["n", pl.col("value").str.len_chars(), "value"],
                   descending=[True, True, False])
             .group_by("set_id", "attribute", "key", maintain_order=True)
             .agg(pl.col("value").first()))
    groups = cells.group_by("set_id", "attribute", "key").agg(
        pl.len().alias("count"), pl.col("tid").sort().alias("tids"),
        pl.col("source").unique().sort().alias("sources"))
    return groups.join(forms, on=["set_id", "attribute", "key"], how="left")


def conflict_cells(groups: pl.DataFrame) -> list[ConflictCell]:
    """ConflictCells from the multi-key rows of ``_surface_forms`` output, in set/attribute order."""
    rows = groups.sort(["set_id", "attribute", "count", "value"],
                       descending=[False, False, True, False]).select(
        "set_id", "attribute", "value", "key", "tids", "sources", "count").iter_rows()
    out: list[ConflictCell] = []
    current: tuple[int, str] | None = None
    cands: list[Candidate] = []
    for set_id, attribute, value, key, tids, sources, count in rows:
        ident = (set_id, attribute)
        if ident != current and current is not None:
            out.append(ConflictCell(current[0], current[1], tuple(cands)))
            cands = []
        current = ident
        cands.append(Candidate(value, key, tuple(tids), tuple(sources), int(count)))
    if current is not None:
        out.append(ConflictCell(current[0], current[1], tuple(cands)))
    return out


def resolve_with(tuples: TupleTable, membership: Membership, chooser: Chooser,
                 method: str) -> Resolution:
    """The whole resolve stage around one chooser: golden, conflicts and provenance frames."""
    attrs = tuples.attributes
    cells = long_cells(tuples, membership)
    groups = _surface_forms(cells)
    groups = groups.with_columns(pl.len().over("set_id", "attribute").alias("n_keys"))
    conflicted = groups.filter(pl.col("n_keys") > 1)
    cells = cells.join(conflicted.select("set_id", "attribute").unique()
                       .with_columns(pl.lit(True).alias("conflict")),
                       on=["set_id", "attribute"], how="left").with_columns(
        pl.col("conflict").fill_null(False))
    lake = LakeCells(cells, attrs, source_reliability(cells))
    conflicts = conflict_cells(conflicted)
    choices = chooser.choose(conflicts, lake) if conflicts else []
    if len(choices) != len(conflicts):
        raise ContractError(f"{method}: {len(choices)} choices for {len(conflicts)} conflicts")

    keys: list[str] = []
    for cell, choice in zip(conflicts, choices):
        if not 0 <= choice.index < len(cell.candidates):
            raise ContractError(f"{method}: chose candidate {choice.index} of {len(cell.candidates)}")
        if not 0.0 <= choice.confidence <= 1.0:
            raise ContractError(f"{method}: confidence {choice.confidence} outside [0, 1]")
        keys.append(cell.candidates[choice.index].key)
    chosen = pl.DataFrame({
        "set_id": [c.set_id for c in conflicts], "attribute": [c.attribute for c in conflicts],
        "key": keys, "confidence": [float(c.confidence) for c in choices],
        "reason": [c.reason for c in choices]},
        schema={"set_id": pl.Int64, "attribute": pl.Utf8, "key": pl.Utf8,
                "confidence": pl.Float64, "reason": pl.Utf8})
    resolved = chosen.join(conflicted, on=["set_id", "attribute", "key"], how="left")
    as_json = (conflicted.sort(["set_id", "attribute", "count", "value"],
                               descending=[False, False, True, False])
               .group_by("set_id", "attribute", maintain_order=True)
               .agg(pl.struct("value", "tids", "sources", "count").struct.json_encode()
                    .str.join(",").alias("candidates"))
               .with_columns(("[" + pl.col("candidates") + "]").alias("candidates")))
    conflict_frame = (resolved.join(as_json, on=["set_id", "attribute"], how="left")
                      .select("set_id", "attribute", "candidates", pl.col("value").alias("chosen"),
                              pl.lit(method).alias("method"), "confidence", "reason")
                      .cast(CONFLICT_SCHEMA)  # type: ignore[arg-type]
                      .sort("set_id", "attribute"))
    plain = groups.filter(pl.col("n_keys") == 1).select(
        "set_id", "attribute", "value", pl.col("tids").cast(pl.List(pl.Int64)))
    resolved = resolved.select("set_id", "attribute", "value",
                               pl.col("tids").cast(pl.List(pl.Int64)))
    provenance = pl.concat([plain, resolved]).sort("set_id", "attribute")
    golden = _golden(membership, attrs, provenance)
    return Resolution(golden=golden, conflicts=conflict_frame, provenance=provenance)


def _golden(membership: Membership, attrs: tuple[str, ...], provenance: pl.DataFrame) -> pl.DataFrame:
    sets = membership.frame.select(pl.col("set_id").cast(pl.Int64)).unique().sort("set_id")
    if provenance.height:
        wide = provenance.select("set_id", "attribute", "value").pivot(
            on="attribute", index="set_id", values="value")
        sets = sets.join(wide, on="set_id", how="left")
    return sets.select("set_id", *[
        (pl.col(a) if a in sets.columns else pl.lit(None)).cast(pl.Utf8).alias(a) for a in attrs])


__all__ = ["Candidate", "Choice", "Chooser", "ConflictCell", "LakeCells", "conflict_cells",
           "long_cells", "resolve_with", "source_reliability"]
