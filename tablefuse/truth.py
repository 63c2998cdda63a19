"""Ground truth for a lake, and scoring a run against it.

A truth folder holds ``entities.csv`` (source, source_row, entity): which lake rows describe the
same real-world entity, and optionally ``values.csv`` (entity, attribute, value): each entity's
true attribute values. ``source`` is the file path relative to the lake root with ``/``
separators, ``source_row`` the 0-based data-row index in that file; so truth keys on the lake,
not on tids, and survives any run. ``examples/truth/`` is one (see its README).

>>> truth = load_truth("examples/truth")  # doctest: +SKIP
>>> evaluate(integrate("examples/lake"), truth)["sets"]["f1"]  # doctest: +SKIP
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from .errors import InputError
from .frames import RunResult, TupleTable

log = logging.getLogger(__name__)

ENTITIES_FILE = "entities.csv"
VALUES_FILE = "values.csv"
ENTITY_COLUMNS = ("source", "source_row", "entity")
VALUE_COLUMNS = ("entity", "attribute", "value")
UNLABELLED = "__unlabelled__:"  # prefix of the singleton entity given to a tuple without truth

_PAIRS = pl.Schema({"tid_a": pl.Int64, "tid_b": pl.Int64})


def _frame(tuples: TupleTable | pl.DataFrame) -> pl.DataFrame:
    return tuples.frame if isinstance(tuples, TupleTable) else tuples


@dataclass(frozen=True)
class Truth:
    """Which lake rows are one entity (``entities``), and optionally their true ``values``."""

    entities: pl.DataFrame  # source Utf8, source_row Int64, entity Utf8
    values: pl.DataFrame | None = None  # entity, attribute, value (all Utf8)

    def validate(self) -> None:
        """Raise ``InputError`` when a frame lacks columns, has nulls or repeats a key."""
        _check_columns(self.entities, ENTITY_COLUMNS, ENTITIES_FILE)
        nulls = self.entities.select(pl.any_horizontal(pl.col(c).is_null() for c in ENTITY_COLUMNS)
                                     .arg_true().first()).item()
        if nulls is not None:
            raise InputError(ENTITIES_FILE, "empty source, source_row or entity", row=nulls, kind="truth")
        if self.entities.height and self.entities["source_row"].min() < 0:  # type: ignore[operator]
            raise InputError(ENTITIES_FILE, "source_row must be a 0-based row index (>= 0)", kind="truth")
        dup = _first_repeat(self.entities, "source", "source_row")
        if dup is not None:
            raise InputError(ENTITIES_FILE, "the same (source, source_row) is listed twice", row=dup,
                             kind="truth")
        if self.values is not None:
            _check_columns(self.values, VALUE_COLUMNS, VALUES_FILE)
            dup = _first_repeat(self.values, "entity", "attribute")
            if dup is not None:
                raise InputError(VALUES_FILE, "two values for one (entity, attribute)", row=dup, kind="truth")

    def _joined(self, tuples: TupleTable | pl.DataFrame) -> pl.DataFrame:
        t = _frame(tuples).select(pl.col("tid").cast(pl.Int64), pl.col("source").cast(pl.Utf8),
                                  pl.col("source_row").cast(pl.Int64))
        e = self.entities.select(pl.col("source").cast(pl.Utf8), pl.col("source_row").cast(pl.Int64),
                                 pl.col("entity").cast(pl.Utf8))
        return t.join(e, on=["source", "source_row"], how="left")

    def coverage(self, tuples: TupleTable | pl.DataFrame) -> dict[str, int]:
        """How well tuples and truth line up: labelled/unlabelled tuples, truth rows not in the run."""
        joined = self._joined(tuples)
        unlabelled = int(joined["entity"].is_null().sum())
        seen = joined.drop_nulls("entity").height
        return {"tuples": joined.height, "labelled": seen, "unlabelled": unlabelled,
                "truth_rows_not_in_run": self.entities.height - seen}

    def tid_entities(self, tuples: TupleTable | pl.DataFrame) -> pl.DataFrame:
        """(tid, entity) for every tuple; a tuple without truth gets its own singleton entity.

        Singletons are named ``__unlabelled__:<tid>`` and logged as a warning (their count is in
        ``coverage``), so metrics treat them as unmatched rather than dropping them silently.
        """
        joined = self._joined(tuples)
        missing = int(joined["entity"].is_null().sum())
        if missing:
            log.warning("%d of %d tuples have no truth row; each counts as its own entity",
                        missing, joined.height)
        return joined.select(
            "tid",
            pl.coalesce(pl.col("entity"), pl.lit(UNLABELLED) + pl.col("tid").cast(pl.Utf8)).alias("entity"),
        ).sort("tid")

    def true_pairs(self, tuples: TupleTable | pl.DataFrame) -> pl.DataFrame:
        """All (tid_a < tid_b) pairs of tuples of one entity: quadratic per entity, fine for
        moderate sizes (use ``metrics.set_pair_prf`` for set metrics on large data)."""
        te = self.tid_entities(tuples).filter(~pl.col("entity").str.starts_with(UNLABELLED))
        pairs = (te.join(te, on="entity", suffix="_b").filter(pl.col("tid") < pl.col("tid_b"))
                 .select(pl.col("tid").alias("tid_a"), "tid_b").sort("tid_a", "tid_b"))
        return pairs.cast(_PAIRS) if pairs.height else pl.DataFrame(schema=_PAIRS)


def _first_repeat(frame: pl.DataFrame, *key: str) -> int | None:
    """Index of the first row whose key an earlier row already has."""
    return frame.select(pl.struct(*key).is_first_distinct().not_().arg_true().first()).item()


def _check_columns(frame: pl.DataFrame, need: tuple[str, ...], name: str) -> None:
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise InputError(name, f"missing column(s) {missing}; need {list(need)}", kind="truth")


def _read(path: Path, need: tuple[str, ...]) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except Exception as exc:  # polars raises several kinds for a broken CSV
        raise InputError(str(path), f"cannot be read as CSV: {exc}", kind="truth") from exc
    _check_columns(frame, need, str(path))
    return frame.select(need)


def load_truth(directory: str | Path) -> Truth:
    """Read ``entities.csv`` (required) and ``values.csv`` (optional) from a truth folder.

    Raises ``InputError`` (kind ``truth``) for a missing folder or file, missing columns, a
    non-integer ``source_row``, empty keys or duplicate keys.
    """
    root = Path(directory)
    if not root.is_dir():
        raise InputError(str(root), "truth folder not found; pass the folder holding entities.csv",
                         kind="truth")
    ent_path = root / ENTITIES_FILE
    if not ent_path.is_file():
        raise InputError(str(ent_path), "truth file not found: a truth folder needs entities.csv "
                         "(source, source_row, entity)", kind="truth")
    entities = _read(ent_path, ENTITY_COLUMNS)
    rows = entities["source_row"].str.strip_chars().cast(pl.Int64, strict=False)
    bad = (rows.is_null() & entities["source_row"].is_not_null()).arg_true()
    if bad.len():
        i = int(bad[0])
        raise InputError(str(ent_path), f"source_row {entities['source_row'][i]!r} is not an integer",
                         row=i, kind="truth")
    entities = entities.with_columns(rows.alias("source_row"))
    values = None
    val_path = root / VALUES_FILE
    if val_path.is_file():
        values = _read(val_path, VALUE_COLUMNS)
    truth = Truth(entities, values)
    truth.validate()
    return truth


def evaluate(result: RunResult, truth: Truth) -> dict[str, Any]:
    """Score every stage of a run against the truth.

    Returns a nested dict: counts (``tuples``, ``true_sets``, ``predicted_sets``, ``true_pairs``,
    ``coverage``), ``blocking`` (pair completeness, reduction ratio), ``judge`` (P/R/F1 of the
    integrable pairs vs all true pairs, plus recall among the true pairs blocking kept), ``sets``
    (pairwise P/R/F1, set similarity, ARI), ``cells`` (golden-record accuracy; ``None``
    without ``values.csv``) and ``cells_equivalent`` (the same, counting a value equivalent to
    the truth under ``tablefuse.equivalence.canonical`` as right).
    """
    from .metrics import (
        adjusted_rand_index,
        cell_accuracy,
        pair_completeness,
        pair_prf,
        reduction_ratio,
        set_pair_prf,
        set_similarity,
    )

    tuples = result.tuples
    te = truth.tid_entities(tuples)
    tp = truth.true_pairs(tuples)
    cands = result.candidates.frame.select("tid_a", "tid_b")
    scored = result.scored.frame
    integrable = (scored.filter(pl.col("integrable")).select("tid_a", "tid_b") if scored.height
                  else pl.DataFrame(schema=_PAIRS))
    judge = pair_prf(integrable, tp)
    reachable = tp.join(cands.cast(_PAIRS), on=["tid_a", "tid_b"], how="semi").height
    members = result.membership.frame.select("tid", "set_id")
    sets = set_pair_prf(members, te)
    cells = cells_equivalent = None
    if truth.values is not None:
        from .equivalence import canonical

        cells = cell_accuracy(result.resolution.golden, members, te, truth.values)
        # The golden record keeps one surface form of equivalent values ("(415) 555-0123",
        # "CA"); this also counts a cell right when it is equivalent to the true value.
        equivalent = cell_accuracy(result.resolution.golden, members, te, truth.values, normalise=canonical)
        cells_equivalent = {"accuracy": equivalent["accuracy"], "correct": equivalent["correct"],
                            "total": equivalent["total"]}
    return {
        "tuples": tuples.height,
        "true_sets": te["entity"].n_unique(),
        "predicted_sets": members["set_id"].n_unique(),
        "true_pairs": tp.height,
        "coverage": truth.coverage(tuples),
        "blocking": {
            "candidate_pairs": cands.height,
            "pair_completeness": pair_completeness(cands, tp),
            "reduction_ratio": reduction_ratio(cands.height, tuples.height),
        },
        "judge": {
            "threshold": result.scored.threshold,
            "integrable_pairs": integrable.height,
            "precision": judge.precision, "recall": judge.recall, "f1": judge.f1,
            "recall_within_candidates": judge.tp / reachable if reachable else 1.0,
        },
        "sets": {
            "precision": sets.precision, "recall": sets.recall, "f1": sets.f1,
            "set_similarity": set_similarity(members, te),
            "ari": adjusted_rand_index(members, te),
        },
        "cells": cells,
        "cells_equivalent": cells_equivalent,
    }
