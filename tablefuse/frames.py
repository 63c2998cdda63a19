"""Typed contracts between stages: small frozen objects around polars frames.

Each has ``validate()`` which raises ``ContractError`` when a stage broke the contract. The
store mirrors these (``tuples``, ``pairs``, ``membership`` ...), but only ``tablefuse.store``
knows table names.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from .errors import ContractError

TUPLE_META = ("tid", "source", "source_row", "source_key")


@dataclass(frozen=True)
class InputIssue:
    """Something in the lake that could not be used as-is: recorded, never silently dropped."""

    source: str  # file path relative to the lake root
    kind: str  # stable short name: empty, no_header, ragged, duplicate_header, binary, unreadable ...
    message: str
    row: int | None = None  # 0-based data row, where it applies
    rows_skipped: int = 0
    fatal: bool = False  # the whole file was skipped


@dataclass(frozen=True)
class SourceTable:
    """One lake file, read as text. ``frame`` has one Utf8 column per (deduplicated) header."""

    source: str  # path relative to the lake root, with '/' separators
    path: Path
    format: str  # csv | parquet | json | ndjson
    frame: pl.DataFrame
    column_types: dict[str, str]  # inferred: integer, float, date, boolean, text, empty
    delimiter: str | None = None
    encoding: str | None = None
    source_rows: tuple[int, ...] | None = None  # data-row index of each frame row; None: 0..n-1
    rows_skipped: int = 0

    def row_index(self) -> pl.Series:
        if self.source_rows is None:
            return pl.Series("source_row", range(self.frame.height), dtype=pl.Int64)
        return pl.Series("source_row", self.source_rows, dtype=pl.Int64)

    def validate(self) -> None:
        bad = [c for c, t in self.frame.schema.items() if t != pl.Utf8]
        if bad:
            raise ContractError(f"{self.source}: columns {bad} are not text")
        if self.source_rows is not None and len(self.source_rows) != self.frame.height:
            raise ContractError(f"{self.source}: source_rows length differs from rows")


@dataclass(frozen=True)
class Lake:
    root: Path
    tables: tuple[SourceTable, ...]
    issues: tuple[InputIssue, ...] = ()

    @property
    def rows(self) -> int:
        return sum(t.frame.height for t in self.tables)

    def validate(self) -> None:
        for t in self.tables:
            t.validate()


@dataclass(frozen=True)
class Alignment:
    """Which unified attribute each source column feeds.

    ``frame``: source, source_column, attribute (null for surrogate keys), role
    (``attribute`` | ``key``), method (``mapping`` | ``exact`` | ``fuzzy`` | ``new``), confidence,
    and optionally needs_review (confidence below ``align.review_below``) and evidence (why).
    """

    frame: pl.DataFrame
    attributes: tuple[str, ...]

    def validate(self) -> None:
        need = {"source", "source_column", "attribute", "role", "method", "confidence"}
        if not need <= set(self.frame.columns):
            raise ContractError(f"alignment lacks columns {need - set(self.frame.columns)}")
        used = self.frame.filter(pl.col("role") == "attribute")
        dup = used.group_by("source", "attribute").len().filter(pl.col("len") > 1)
        if dup.height:
            raise ContractError(f"two columns of one source share an attribute: {dup.rows()[:3]}")


@dataclass(frozen=True)
class TupleTable:
    """The outer union: tid, source, source_row, source_key, then one Utf8 column per attribute."""

    frame: pl.DataFrame
    attributes: tuple[str, ...]

    @property
    def height(self) -> int:
        return self.frame.height

    def validate(self) -> None:
        cols = tuple(self.frame.columns)
        if cols != TUPLE_META + self.attributes:
            raise ContractError(f"tuple columns {cols} != {TUPLE_META + self.attributes}")
        if self.frame["tid"].n_unique() != self.frame.height:
            raise ContractError("tids are not unique")


def _check_pairs(frame: pl.DataFrame, what: str) -> None:
    if frame.height == 0:
        return
    if (frame["tid_a"] >= frame["tid_b"]).any():
        raise ContractError(f"{what}: every pair needs tid_a < tid_b")
    if frame.select(pl.struct("tid_a", "tid_b").is_duplicated().any()).item():
        raise ContractError(f"{what}: duplicate pairs")


PAIR_SCHEMA = {"tid_a": pl.Int64, "tid_b": pl.Int64}


@dataclass(frozen=True)
class CandidatePairs:
    """Unique candidate pairs (tid_a < tid_b) and which blocker found each (``blocker``)."""

    frame: pl.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)  # e.g. skipped oversized blocks

    @classmethod
    def empty(cls) -> CandidatePairs:
        return cls(pl.DataFrame(schema={**PAIR_SCHEMA, "blocker": pl.Utf8}))

    def validate(self) -> None:
        _check_pairs(self.frame, "candidate pairs")


@dataclass(frozen=True)
class ScoredPairs:
    """Judged pairs: tid_a, tid_b, score in [0, 1], integrable (score >= threshold)."""

    frame: pl.DataFrame
    threshold: float
    stats: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        _check_pairs(self.frame, "scored pairs")
        if self.frame.height and not self.frame["score"].is_between(0.0, 1.0).all():
            raise ContractError("scores must lie in [0, 1]")


@dataclass(frozen=True)
class LabelledPairs:
    """Pairs a person labelled (``tablefuse.store.record_pair_label``), in this run's tids.

    ``frame``: tid_a, tid_b (tid_a < tid_b), match (True: the two tuples are one entity, False:
    they are not), decision_id. A judge may learn from them (``fit(..., labels=)``); the pipeline
    calibrates the threshold on them, forces their scores and keeps cannot-link pairs apart."""

    frame: pl.DataFrame

    @classmethod
    def empty(cls) -> LabelledPairs:
        return cls(pl.DataFrame(schema={**PAIR_SCHEMA, "match": pl.Boolean, "decision_id": pl.Utf8}))

    @property
    def n_match(self) -> int:
        return int(self.frame["match"].sum()) if self.frame.height else 0

    @property
    def n_no_match(self) -> int:
        return self.frame.height - self.n_match

    def validate(self) -> None:
        _check_pairs(self.frame, "labelled pairs")
        if self.frame["match"].null_count():
            raise ContractError("labelled pairs: every pair needs match True or False")


@dataclass(frozen=True)
class Membership:
    """tid -> set_id; every tuple exactly once (singletons are sets of one).

    ``notes``: optional frame (set_id, note) explaining splits or other post-checks.
    """

    frame: pl.DataFrame
    notes: pl.DataFrame | None = None

    def validate(self, tuples: TupleTable | None = None) -> None:
        if self.frame["tid"].n_unique() != self.frame.height:
            raise ContractError("a tuple appears in more than one set")
        if tuples is not None:
            if set(self.frame["tid"].to_list()) != set(tuples.frame["tid"].to_list()):
                raise ContractError("membership must cover every tuple exactly once")


@dataclass(frozen=True)
class Resolution:
    """Golden records and the story of every cell.

    ``golden``: set_id + one Utf8 column per attribute.
    ``conflicts``: set_id, attribute, candidates (JSON list of {value, tids, sources}), chosen,
    method, confidence, reason.
    ``provenance``: set_id, attribute, value, tids (list of the tuples that supplied the value).
    ``notes``: set_id, attribute, note: golden cells written from a value changed beyond its
    format (a zip restored to five digits ...), stored in ``set_notes``; None: nothing to say.
    """

    golden: pl.DataFrame
    conflicts: pl.DataFrame
    provenance: pl.DataFrame
    notes: pl.DataFrame | None = None


@dataclass(frozen=True)
class StageStats:
    stage: str
    seconds: float
    peak_rss_mb: float
    rows_in: int | None = None
    rows_out: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunResult:
    """Everything one run produced, stage by stage."""

    run_id: str
    lake_root: Path
    config_json: str
    started: str
    finished: str
    lake: Lake
    alignment: Alignment
    tuples: TupleTable
    candidates: CandidatePairs
    scored: ScoredPairs
    membership: Membership
    resolution: Resolution
    stages: tuple[StageStats, ...] = ()

    @property
    def n_sets(self) -> int:
        return self.membership.frame["set_id"].n_unique()

    def summary(self) -> dict[str, Any]:
        out = {
            "run_id": self.run_id,
            "sources": len(self.lake.tables),
            "issues": len(self.lake.issues),
            "tuples": self.tuples.height,
            "attributes": len(self.tuples.attributes),
            "candidate_pairs": self.candidates.frame.height,
            "integrable_pairs": int(self.scored.frame["integrable"].sum()) if self.scored.frame.height else 0,
            "sets": self.n_sets,
            "multi_tuple_sets": int((self.membership.frame.group_by("set_id").len()["len"] > 1).sum()),
            "conflicts": self.resolution.conflicts.height,
            "judge_threshold": self.scored.threshold,
            "seconds": round(sum(s.seconds for s in self.stages), 3),
        }
        labels = self.scored.stats.get("pair_labels")
        if labels:  # only a run that used pair labels says so (a run without is what it always was)
            out["pair_labels_used"] = labels.get("labels")
            out["threshold_calibrated"] = bool(labels.get("calibrated"))
            out["label_free_threshold"] = labels.get("label_free_threshold")
        return out
