"""Shared resolution machinery: find true conflicts, build golden records and provenance.

Resolvers only implement ``Chooser.choose`` ("pick one candidate per conflicting cell"); the rest
is here, so every resolver treats nulls, equivalents, formats, typos and provenance the same:

* Nulls (and blank strings) complement: they are never candidates.
* Each attribute's domain (phone, URL, zip, date, person name, free text, ...) is detected from
  all its values (``tablefuse.resolve.domains``); values with the same domain key are one
  candidate with summed support, not a conflict.
* The value written for a candidate (and an unconflicted cell) is rendered in the lake's majority
  format for the attribute (``resolve.format``: ``majority``; ``original``: as written;
  ``canonical``: the domain's canonical form): the most frequent rendering among its tuples, a
  value already written that way first, then the longest (the most complete), then the one with
  more accented letters ("Crêperie" over "Creperie"), then the lexicographically smallest. The
  original values stay behind the tids of the provenance.
* A candidate that is a near variant of a better-supported one (``_typos``) counts for it.
* Only (set, attribute) cells with two or more keys reach Python; the bulk stays in polars.
* Provenance: one row per non-null golden cell with the tids whose value (or an equivalent one)
  was written. The resolver's ``notes_`` (set_id, attribute, note) keeps what changed a value
  beyond its format (a zip restored to five digits).
* Formats and lake-wide token support are learned from every tuple of the ``TupleTable``, also
  those outside ``membership``: resolving a subset of sets with the whole lake's tuples gives
  the same values as resolving the whole lake, wherever a decision depends only on the set.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import polars as pl

from ..errors import ContractError
from ..frames import Membership, Resolution, TupleTable
from .domains import FORMATS, AttributeFormat, learn_formats, value_table

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
    support: int = 0  # tuples of other sets in the lake holding this key (value frequency)


@dataclass(frozen=True)
class ConflictCell:
    """A (set, attribute) whose non-null values fall into two or more equivalence groups."""

    set_id: int
    attribute: str
    candidates: tuple[Candidate, ...]  # by count desc, then value
    domain: str = "text"  # the attribute's domain (tablefuse.resolve.domains)
    sharing: float = 1.0  # share of the attribute's unconflicted set values also held by another set

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
    two or more keys), vkey (the key the tuple votes for: its own, or for a typo the key of the
    candidate it is a variant of). ``reliability``: per-source agreement rate with other sources.
    ``formats``: each attribute's domain and majority style.
    """

    cells: pl.DataFrame
    attributes: tuple[str, ...]
    reliability: dict[str, float]
    formats: Mapping[str, AttributeFormat] = field(default_factory=dict)


class Chooser(Protocol):
    def choose(self, conflicts: Sequence[ConflictCell], lake: LakeCells) -> list[Choice]: ...


_LONG_SCHEMA = {"set_id": pl.Int64, "attribute": pl.Utf8, "tid": pl.Int64, "source": pl.Utf8,
                "value": pl.Utf8, "key": pl.Utf8, "rendered": pl.Utf8, "native": pl.Boolean, "note": pl.Utf8,
                "folded": pl.Utf8}


def lake_formats(tuples: TupleTable) -> dict[str, AttributeFormat]:
    """Each attribute's domain and majority style, learned from every tuple."""
    return learn_formats(tuples.frame, tuples.attributes)


def _unpivot(frame: pl.DataFrame, attrs: list[str], index: list[str]) -> pl.DataFrame:
    return (frame.select(*index, *[pl.col(a).cast(pl.Utf8) for a in attrs])
            .unpivot(index=index, on=attrs, variable_name="attribute", value_name="value")
            .with_columns(pl.col("value").str.strip_chars(), pl.col("source").cast(pl.Utf8))
            .filter(pl.col("value").is_not_null() & (pl.col("value") != "")))


def long_cells(tuples: TupleTable, membership: Membership, format: str = "majority",
               formats: Mapping[str, AttributeFormat] | None = None,
               values: pl.DataFrame | None = None) -> pl.DataFrame:
    """set_id, attribute, tid, source, value, key, rendered, native, note, folded for every non-blank cell.

    ``formats`` (default: learned from ``tuples``) and ``values`` (``value_table`` output) may be
    passed in when the caller already has them."""
    if format not in FORMATS:
        raise ContractError(f"resolve.format {format!r} unknown; choose from {', '.join(FORMATS)}")
    attrs = list(tuples.attributes)
    if not attrs:
        return pl.DataFrame(schema=_LONG_SCHEMA)
    base = tuples.frame.select("tid", "source", *attrs).join(
        membership.frame.select(pl.col("tid").cast(pl.Int64), pl.col("set_id").cast(pl.Int64)),
        on="tid", how="inner")
    long = _unpivot(base, attrs, ["tid", "source", "set_id"])
    if values is None:
        formats = formats if formats is not None else lake_formats(tuples)
        values = value_table(tuples.frame, attrs, formats, format)
    return (long.join(values, on=["attribute", "source", "value"], how="left")
            .select(*_LONG_SCHEMA).cast(_LONG_SCHEMA))  # type: ignore[arg-type]


def source_reliability(cells: pl.DataFrame) -> dict[str, float]:
    """Per source: how often its values agree with other sources' values in the same cell.

    Over every (set, attribute) filled by two or more sources, each tuple of source s is compared
    with the tuples of other sources: agree / compared, Laplace-smoothed ((a + 1) / (n + 2)), so
    a source never compared gets 0.5. (Counting only unconflicted cells would give every source
    1.0, so conflicted cells count too.) A tuple agrees with another when its key equals the
    other's ``vkey``: a typo variant votes for the spelling it varies, so the correct source gains
    agreement from it and the typo source gains none (with no ``vkey`` column, ``vkey = key``).
    """
    if cells.height == 0:
        return {}
    if "vkey" not in cells.columns:
        cells = cells.with_columns(pl.col("key").alias("vkey"))
    g = cells.group_by("set_id", "attribute", "key", "source").agg(pl.len().alias("n"))
    votes = cells.group_by("set_id", "attribute", "vkey", "source").agg(pl.len().alias("nv"))
    g = g.join(votes.rename({"vkey": "key"}), on=["set_id", "attribute", "key", "source"], how="left")
    same = votes.group_by("set_id", "attribute", "vkey").agg(pl.col("nv").sum().alias("same_all"))
    g = (g.join(same.rename({"vkey": "key"}), on=["set_id", "attribute", "key"], how="left")
         .with_columns(pl.col("nv").fill_null(0), pl.col("same_all").fill_null(0)))
    g = g.with_columns(
        pl.col("n").sum().over("set_id", "attribute").alias("total"),
        pl.col("n").sum().over("set_id", "attribute", "source").alias("own"),
    ).with_columns(
        (pl.col("n") * (pl.col("same_all") - pl.col("nv"))).alias("agree"),
        (pl.col("n") * (pl.col("total") - pl.col("own"))).alias("compared"),
    )
    per = g.group_by("source").agg(pl.col("agree").sum(), pl.col("compared").sum()).sort("source")
    return {s: (a + 1.0) / (c + 2.0) for s, a, c in per.iter_rows()}


def _surface_forms(cells: pl.DataFrame) -> pl.DataFrame:
    """set_id, attribute, key -> value (the rendering written), count, tids, sources."""
    forms = (cells.group_by("set_id", "attribute", "key", "rendered")
             .agg(pl.len().alias("n"), pl.col("native").any())
             .sort(["n", "native", pl.col("rendered").str.len_chars(),
                    pl.col("rendered").str.count_matches(r"[^\x00-\x7F]"), "rendered"],
                   descending=[True, True, True, True, False])
             .group_by("set_id", "attribute", "key", maintain_order=True)
             .agg(pl.col("rendered").first().alias("value")))
    groups = cells.group_by("set_id", "attribute", "key").agg(
        pl.len().alias("count"), pl.col("tid").sort().alias("tids"),
        pl.col("source").unique().sort().alias("sources"))
    return groups.join(forms, on=["set_id", "attribute", "key"], how="left")


def conflict_cells(groups: pl.DataFrame, domains: Mapping[str, str] | None = None,
                   sharing: Mapping[str, float] | None = None) -> list[ConflictCell]:
    """ConflictCells from the multi-key rows of ``_surface_forms`` output, in set/attribute order
    (``support`` from a ``support`` column when there is one)."""
    domains = domains or {}
    sharing = sharing or {}
    if "support" not in groups.columns:
        groups = groups.with_columns(pl.lit(0).alias("support"))
    rows = groups.sort(["set_id", "attribute", "count", "value"],
                       descending=[False, False, True, False]).select(
        "set_id", "attribute", "value", "key", "tids", "sources", "count", "support").iter_rows()
    out: list[ConflictCell] = []
    current: tuple[int, str] | None = None
    cands: list[Candidate] = []
    for set_id, attribute, value, key, tids, sources, count, support in rows:
        ident = (set_id, attribute)
        if ident != current and current is not None:
            out.append(ConflictCell(current[0], current[1], tuple(cands), domains.get(current[1], "text"),
                                    sharing.get(current[1], 1.0)))
            cands = []
        current = ident
        cands.append(Candidate(value, key, tuple(tids), tuple(sources), int(count), int(support or 0)))
    if current is not None:
        out.append(ConflictCell(current[0], current[1], tuple(cands), domains.get(current[1], "text"),
                                sharing.get(current[1], 1.0)))
    return out


def _lake_counts(tuples: TupleTable, values: pl.DataFrame) -> pl.DataFrame:
    """attribute, key, folded, n: tuples of the whole lake per key and spelling (also tuples
    outside any set)."""
    attrs = list(tuples.attributes)
    long = _unpivot(tuples.frame.select("source", *attrs), attrs, ["source"])
    return (long.join(values.select("attribute", "source", "value", "key", "folded"),
                      on=["attribute", "source", "value"], how="left")
            .group_by("attribute", "key", "folded").agg(pl.len().alias("n")))


def _typo_pass(conflicts: list[ConflictCell], cells: pl.DataFrame, lake_counts: pl.DataFrame
               ) -> tuple[list[tuple[ConflictCell, list[int], list[str]]], pl.DataFrame]:
    """Per conflict: (the cell with typos folded in, original index of each candidate, typo
    sentences), and ``cells`` with ``vkey``."""
    from ._typos import find_typos, merge, token_support

    support = {(a, t): int(n) for a, t, n in token_support(lake_counts).iter_rows()}
    key_support = {(a, t): int(n) for a, t, n in token_support(lake_counts, "key").iter_rows()}
    conflict_sets = pl.DataFrame({"set_id": [c.set_id for c in conflicts],
                                  "attribute": [c.attribute for c in conflicts]},
                                 schema={"set_id": pl.Int64, "attribute": pl.Utf8})
    mine = cells.join(conflict_sets, on=["set_id", "attribute"], how="semi")

    def own_tokens(column: str) -> dict[tuple[int, str, str], int]:
        counts = mine.group_by("set_id", "attribute", column).agg(pl.len().alias("n"))
        toks = (counts.with_columns(pl.col(column).str.split(" ").list.unique().alias("token"))
                .explode("token").group_by("set_id", "attribute", "token").agg(pl.col("n").sum()))
        return {(s, a, t): int(n) for s, a, t, n in toks.iter_rows()}

    own, key_own = own_tokens("folded"), own_tokens("key")
    out: list[tuple[ConflictCell, list[int], list[str]]] = []
    remap: list[tuple[int, str, str, str]] = []
    for cell in conflicts:
        typos = find_typos(cell, support, own, key_support, key_own)
        if not typos:
            out.append((cell, list(range(len(cell.candidates))), []))
            continue
        merged, index = merge(cell, typos)
        out.append((merged, index, [t.reason for t in typos]))
        remap += [(cell.set_id, cell.attribute, cell.candidates[t.loser].key, cell.candidates[t.winner].key)
                  for t in typos]
    cells = cells.with_columns(pl.col("key").alias("vkey"))
    if remap:
        rm = pl.DataFrame(remap, schema={"set_id": pl.Int64, "attribute": pl.Utf8, "key": pl.Utf8,
                                         "to": pl.Utf8}, orient="row")
        cells = (cells.join(rm, on=["set_id", "attribute", "key"], how="left")
                 .with_columns(pl.coalesce("to", "vkey").alias("vkey")).drop("to"))
    return out, cells


def resolve_with(tuples: TupleTable, membership: Membership, chooser: Chooser,
                 method: str, format: str | None = None,
                 formats: Mapping[str, AttributeFormat] | None = None) -> Resolution:
    """The whole resolve stage around one chooser: golden, conflicts and provenance frames.

    ``format`` defaults to the chooser's ``format`` attribute (else ``majority``); ``formats``
    (default: learned from ``tuples``, or the chooser's ``formats``) fixes each attribute's
    domain and style, e.g. to re-resolve a few sets exactly as in the whole-lake run."""
    attrs = tuples.attributes
    format = format or getattr(chooser, "format", None) or "majority"
    formats = formats if formats is not None else getattr(chooser, "formats", None)
    if formats is None:
        formats = lake_formats(tuples)
    missing = [a for a in attrs if a not in formats]
    if missing:  # fixed formats for some attributes only: learn the others from these tuples
        formats = {**formats, **learn_formats(tuples.frame, missing)}
    values = value_table(tuples.frame, attrs, formats, format)
    cells = long_cells(tuples, membership, format, formats, values if attrs else None)
    groups = _surface_forms(cells)
    groups = groups.with_columns(pl.len().over("set_id", "attribute").alias("n_keys"))
    conflicted = groups.filter(pl.col("n_keys") > 1)
    cells = cells.join(conflicted.select("set_id", "attribute").unique()
                       .with_columns(pl.lit(True).alias("conflict")),
                       on=["set_id", "attribute"], how="left").with_columns(
        pl.col("conflict").fill_null(False))
    counts = _lake_counts(tuples, values) if attrs else pl.DataFrame(
        schema={"attribute": pl.Utf8, "key": pl.Utf8, "folded": pl.Utf8, "n": pl.UInt32})
    key_counts = counts.group_by("attribute", "key").agg(pl.col("n").sum().alias("lake_n"))
    conflicted = (conflicted.join(key_counts, on=["attribute", "key"], how="left")
                  .with_columns((pl.col("lake_n").fill_null(0) - pl.col("count")).clip(lower_bound=0)
                                .alias("support")).drop("lake_n"))
    domains = {a: f.domain.name for a, f in formats.items()}
    plain_keys = groups.filter(pl.col("n_keys") == 1).group_by("attribute", "key").agg(pl.len().alias("sets"))
    sharing = {a: float(s) for a, s in plain_keys.group_by("attribute").agg(
        (pl.col("sets") > 1).mean()).iter_rows()}
    conflicts = conflict_cells(conflicted, domains, sharing)
    if conflicts and getattr(chooser, "typo_aware", True):
        passes, cells = _typo_pass(conflicts, cells, counts)
    else:  # no typo rule (an ablation): every candidate stands on its own
        passes = [(c, list(range(len(c.candidates))), []) for c in conflicts]
        cells = cells.with_columns(pl.col("key").alias("vkey"))
    lake = LakeCells(cells, attrs, source_reliability(cells), formats)
    # cells a typo pass leaves with one candidate are decided by it; the rest go to the chooser
    open_cells = [p[0] for p in passes if len(p[0].candidates) > 1]
    picked = chooser.choose(open_cells, lake) if open_cells else []
    if len(picked) != len(open_cells):
        raise ContractError(f"{method}: {len(picked)} choices for {len(open_cells)} conflicts")
    it = iter(picked)
    choices: list[Choice] = []
    for merged, index, typo_reasons in passes:
        if len(merged.candidates) == 1:
            win = merged.candidates[0]
            choices.append(Choice(index[0], round(win.count / merged.total, 9) if merged.total else 1.0,
                                  "typo-aware choice: " + "; ".join(typo_reasons)))
            continue
        ch = next(it)
        if not 0 <= ch.index < len(merged.candidates):
            raise ContractError(f"{method}: chose candidate {ch.index} of {len(merged.candidates)}")
        reason = ch.reason + ("; typo-aware: " + "; ".join(typo_reasons) if typo_reasons else "")
        choices.append(Choice(index[ch.index], ch.confidence, reason))

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
    conflicted = conflicted.drop("support")
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
    notes = _notes(cells, provenance)  # what changed a value beyond its format (stored in set_notes)
    try:  # and, on the resolver, the source reliabilities
        chooser.notes_ = notes  # type: ignore[attr-defined]
        chooser.reliability_ = lake.reliability  # type: ignore[attr-defined]
    except AttributeError:
        pass
    return Resolution(golden=golden, conflicts=conflict_frame, provenance=provenance,
                      notes=notes if notes.height else None)


NOTE_SCHEMA = {"set_id": pl.Int64, "attribute": pl.Utf8, "note": pl.Utf8}


def _notes(cells: pl.DataFrame, provenance: pl.DataFrame) -> pl.DataFrame:
    """set_id, attribute, note for golden cells written from a value changed beyond its format."""
    noted = cells.filter(pl.col("note").is_not_null())
    if noted.height == 0:
        return pl.DataFrame(schema=NOTE_SCHEMA)
    used = provenance.select("set_id", "attribute", pl.col("value").alias("rendered"))
    return (noted.join(used, on=["set_id", "attribute", "rendered"], how="semi")
            .group_by("set_id", "attribute").agg(pl.col("note").unique().sort().str.join("; "))
            .sort("set_id", "attribute").cast(NOTE_SCHEMA))  # type: ignore[arg-type]


def _golden(membership: Membership, attrs: tuple[str, ...], provenance: pl.DataFrame) -> pl.DataFrame:
    sets = membership.frame.select(pl.col("set_id").cast(pl.Int64)).unique().sort("set_id")
    if provenance.height:
        wide = provenance.select("set_id", "attribute", "value").pivot(
            on="attribute", index="set_id", values="value")
        sets = sets.join(wide, on="set_id", how="left")
    return sets.select("set_id", *[
        (pl.col(a) if a in sets.columns else pl.lit(None)).cast(pl.Utf8).alias(a) for a in attrs])


__all__ = [
    "NOTE_SCHEMA",
    "Candidate",
    "Choice",
    "Chooser",
    "ConflictCell",
    "LakeCells",
    "conflict_cells",
    "lake_formats",
    "long_cells",
    "resolve_with",
    "source_reliability",
]
