"""Why two tuples match: the per-attribute evidence of a pair, as a Splink-style waterfall.

The default judge fuses SSACL with a Fellegi–Sunter model; the neural half has no per-attribute
story, the Fellegi–Sunter half has one. So a pair's explanation is the Fellegi–Sunter reading of
it, fitted (with EM, no labels, seconds) on the stored run's tuples and candidates: the prior
(the lake's estimated match rate λ), then each attribute's comparison level and its weight in
bits (log2 of m/u, term-frequency adjusted on exact agreement: a rare shared value weighs more
than a common one; a null or junk value weighs nothing), summing to the posterior. The judge's
own score and cut for the pair are shown beside it, since they decided.

>>> model = EvidenceModel.from_store("demo.duckdb")  # doctest: +SKIP
>>> model.explain(3, 17).frame  # doctest: +SKIP
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ..errors import StoreError
from ..frames import TUPLE_META, CandidatePairs, TupleTable

LN2 = math.log(2.0)

EVIDENCE_COLUMNS = ("attribute", "value_a", "value_b", "level", "weight", "m", "u")
"""One row per attribute: ``level`` exact | close | near | else | None (no evidence: a null or
junk value), ``weight`` in bits (log2 Bayes factor), ``m`` / ``u`` the level's probability among
matches / non-matches."""


@dataclass(frozen=True)
class PairEvidence:
    """One pair's evidence: ``frame`` (``EVIDENCE_COLUMNS``), the prior and the posterior."""

    tid_a: int
    tid_b: int
    frame: pl.DataFrame
    prior_weight: float  # bits: log2(λ / (1 − λ))
    probability: float  # the Fellegi–Sunter posterior P(match)
    judge_score: float | None  # the run's judge, when it scored this pair
    threshold: float | None
    same_set: bool | None

    @property
    def total_weight(self) -> float:
        return self.prior_weight + float(self.frame["weight"].sum())

    def steps(self) -> list[dict[str, Any]]:
        """The waterfall's bars: prior, each attribute with evidence, then the total, each with
        where it starts and ends (bits), for a chart or a table."""
        out: list[dict[str, Any]] = [{"step": "prior (λ)", "weight": self.prior_weight,
                                      "start": 0.0, "end": self.prior_weight, "kind": "prior",
                                      "detail": f"λ = {1 / (1 + 2 ** -self.prior_weight):.4g}"}]
        at = self.prior_weight
        for row in self.frame.iter_rows(named=True):
            if row["level"] is None:
                continue
            out.append({"step": row["attribute"], "weight": row["weight"], "start": at,
                        "end": at + row["weight"], "kind": "for" if row["weight"] >= 0 else "against",
                        "detail": f"{row['level']}: {row['value_a']!s} | {row['value_b']!s}"})
            at += row["weight"]
        out.append({"step": "total", "weight": at, "start": 0.0, "end": at, "kind": "total",
                    "detail": f"P(match) = {self.probability:.3f}"})
        return out

    def chart(self) -> dict[str, Any]:
        """A Vega-Lite waterfall (bars from ``start`` to ``end``; green for, red against)."""
        steps = self.steps()
        order = [s["step"] for s in steps]
        return {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": f"Evidence for tuples {self.tid_a} and {self.tid_b} (bits)",
            "data": {"values": steps},
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "y": {"field": "step", "type": "nominal", "sort": order, "title": None},
                "x": {"field": "start", "type": "quantitative", "title": "match weight (bits)"},
                "x2": {"field": "end"},
                "color": {"field": "kind", "type": "nominal", "title": None,
                          "scale": {"domain": ["prior", "for", "against", "total"],
                                    "range": ["#8d99ae", "#2a9d8f", "#e63946", "#264653"]}},
                "tooltip": [{"field": "step"}, {"field": "weight", "format": ".2f"},
                            {"field": "detail"}],
            },
        }


class EvidenceModel:
    """The Fellegi–Sunter reading of a stored run, fitted once, asked per pair."""

    def __init__(self, tuples: TupleTable, candidates: CandidatePairs, seed: int = 0,
                 pairs: pl.DataFrame | None = None, membership: pl.DataFrame | None = None,
                 threshold: float | None = None) -> None:
        from ..judge.fellegi_sunter import FellegiSunterJudge

        self.tuples = tuples
        self.judge = FellegiSunterJudge(seed=seed).fit(tuples, candidates)
        self.threshold = threshold
        self._values = {row["tid"]: row for row in tuples.frame.iter_rows(named=True)}
        self._scores: dict[tuple[int, int], float] = {}
        if pairs is not None and pairs.height:
            self._scores = {(min(a, b), max(a, b)): s for a, b, s in
                            pairs.select("tid_a", "tid_b", "score").iter_rows()}
        self._set_of: dict[int, int] = {}
        if membership is not None:
            self._set_of = dict(membership.select("tid", "set_id").iter_rows())

    @classmethod
    def from_store(cls, db_path: str | Path) -> EvidenceModel:
        """Fit on the store's latest run (its tuples and candidate pairs); the membership is the
        decided one (splits, merges and labels applied)."""
        from ..store import read_table
        from .decisions import latest_run
        from .decisions import read_table as decided_table

        run = latest_run(db_path)
        frame = read_table(db_path, "tuples").sort("tid")
        tuples = TupleTable(frame, tuple(c for c in frame.columns if c not in TUPLE_META))
        candidates = CandidatePairs(read_table(db_path, "candidates"))
        config = json.loads(run.get("config") or "{}")
        threshold = json.loads(run.get("summary") or "{}").get("judge_threshold")
        return cls(tuples, candidates, seed=int(config.get("judge", {}).get("seed", 0)),
                   pairs=read_table(db_path, "pairs"), membership=decided_table(db_path, "membership"),
                   threshold=None if threshold is None else float(threshold))

    def explain(self, tid_a: int, tid_b: int) -> PairEvidence:
        """The evidence of the pair (any two tuples of the run, candidates or not)."""
        try:
            ia, ib = self.judge.position_of(tid_a), self.judge.position_of(tid_b)
        except KeyError as exc:
            raise StoreError(f"cannot explain pair ({tid_a}, {tid_b}): {exc.args[0]}") from None
        terms = self.judge.explain_positions(ia, ib)
        row_a, row_b = self._values[int(tid_a)], self._values[int(tid_b)]
        frame = pl.DataFrame(
            {"attribute": [t["attribute"] for t in terms],
             "value_a": [row_a.get(t["attribute"]) for t in terms],
             "value_b": [row_b.get(t["attribute"]) for t in terms],
             "level": [t["level"] for t in terms],
             "weight": [t["log_bayes"] / LN2 for t in terms],
             "m": [t["m"] for t in terms], "u": [t["u"] for t in terms]},
            schema={"attribute": pl.String, "value_a": pl.String, "value_b": pl.String,
                    "level": pl.String, "weight": pl.Float64, "m": pl.Float64, "u": pl.Float64})
        model = self.judge.model_
        assert model is not None
        prior = (math.log(model.lam) - math.log(1 - model.lam)) / LN2
        probability = float(self.judge.score_positions(np.array([ia]), np.array([ib]))[0])
        key = (min(int(tid_a), int(tid_b)), max(int(tid_a), int(tid_b)))
        sa, sb = self._set_of.get(int(tid_a)), self._set_of.get(int(tid_b))
        return PairEvidence(int(tid_a), int(tid_b), frame, prior, probability, self._scores.get(key),
                            self.threshold, None if sa is None or sb is None else sa == sb)
