"""A run's charts as data (Vega-Lite specs) and a static, offline HTML report of a store.

The charts are built here, from the store, so every client shows the same picture: the app
renders the specs (``st.vega_lite_chart``), ``tablefuse report`` draws them as inline SVG in one
HTML file that needs no network and no JavaScript. The tables read are the decided ones (user
decisions applied, edited sets re-resolved by the run's own resolver: ``pipeline.read_table``).

>>> specs = run_charts("demo.duckdb")  # doctest: +SKIP
>>> write_report("demo.duckdb", "run.html")  # doctest: +SKIP
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import StoreError

VEGA_LITE = "https://vega.github.io/schema/vega-lite/v5.json"  # the schema's name, never fetched
SCORE_BINS = 20


@dataclass(frozen=True)
class RunFacts:
    """What one report needs from a store: the latest run's record and the decided tables."""

    run: dict[str, Any]
    pairs: pl.DataFrame
    membership: pl.DataFrame
    conflicts: pl.DataFrame
    integrated: pl.DataFrame

    @property
    def threshold(self) -> float | None:
        value = (self.run.get("summary") or {}).get("judge_threshold")
        return float(value) if value is not None else None


def read_facts(db_path: str | Path) -> RunFacts:
    """The latest run of ``db_path`` (a ``StoreError`` names a missing or run-less store)."""
    from ..pipeline import read_table
    from ..pipeline.decisions import latest_run

    if not Path(db_path).is_file():
        raise StoreError(f"{db_path}: no such store; run `tablefuse integrate LAKE --db {db_path}` first")
    run = dict(latest_run(db_path))
    for key in ("summary", "stages", "config"):
        if isinstance(run.get(key), str):
            run[key] = json.loads(run[key])
    return RunFacts(run, read_table(db_path, "pairs"), read_table(db_path, "membership"),
                    read_table(db_path, "conflicts"), read_table(db_path, "integrated"))


# -- charts as data ------------------------------------------------------------------------------
def _bar(title: str, rows: list[dict[str, Any]], x: str, y: str, *, x_title: str, y_title: str,
         log_y: bool = False, x_type: str = "ordinal", rule: float | None = None) -> dict[str, Any]:
    y_enc: dict[str, Any] = {"field": y, "type": "quantitative", "title": y_title}
    if log_y:
        y_enc["scale"] = {"type": "symlog"}  # symlog: a log scale that keeps empty bins
    x_enc: dict[str, Any] = {"field": x, "type": x_type, "title": x_title, "sort": None}
    encoding: dict[str, Any] = {"x": x_enc, "y": y_enc}
    bars: dict[str, Any] = {"mark": {"type": "bar", "tooltip": True}, "encoding": encoding}
    spec: dict[str, Any] = {"$schema": VEGA_LITE, "title": title, "data": {"values": rows}}
    if rule is None:
        spec.update(bars)
    else:  # the threshold as a vertical rule over the score axis
        spec["layer"] = [bars, {"mark": {"type": "rule", "color": "firebrick", "strokeDash": [4, 3]},
                                "data": {"values": [{x: rule}]},
                                "encoding": {"x": {"field": x, "type": "quantitative"}}}]
        x_enc.update(type="quantitative", bin={"binned": True, "step": 1 / SCORE_BINS}, scale={"domain": [0, 1]})
        encoding["x2"] = {"field": f"{x}_end"}
        bars["transform"] = [{"calculate": f"datum['{x}'] + {1 / SCORE_BINS}", "as": f"{x}_end"}]
    return spec


def score_histogram(facts: RunFacts) -> dict[str, Any]:
    """Judged pairs per score bin (log count axis), the threshold marked."""
    counts = [0] * SCORE_BINS
    for s in facts.pairs["score"].to_list():
        counts[min(int(float(s) * SCORE_BINS), SCORE_BINS - 1)] += 1
    rows = [{"score": round(i / SCORE_BINS, 4), "pairs": c} for i, c in enumerate(counts)]
    return _bar("Judged pairs by score", rows, "score", "pairs", x_title="score", y_title="pairs (log scale)",
                log_y=True, rule=facts.threshold)


def set_sizes(facts: RunFacts) -> dict[str, Any]:
    """How many sets hold 1, 2, 3 ... tuples."""
    sizes = facts.membership.group_by("set_id").len().group_by("len").len(name="sets").sort("len")
    rows = [{"tuples": int(n), "sets": int(k)} for n, k in zip(sizes["len"], sizes["sets"])]
    return _bar("Integrable sets by size", rows, "tuples", "sets", x_title="tuples in the set", y_title="sets")


def conflicts_per_attribute(facts: RunFacts) -> dict[str, Any]:
    """Resolved conflicts per attribute, most first."""
    c = facts.conflicts
    per = (c.group_by("attribute").len(name="conflicts").sort(["conflicts", "attribute"], descending=[True, False])
           if c.height else pl.DataFrame({"attribute": [], "conflicts": []}))
    rows = [{"attribute": a, "conflicts": int(n)} for a, n in zip(per["attribute"], per["conflicts"])]
    return _bar("Conflicts per attribute", rows, "attribute", "conflicts", x_title="attribute", y_title="conflicts",
                x_type="nominal")


def stage_seconds(facts: RunFacts) -> dict[str, Any]:
    """Seconds per pipeline stage, in run order."""
    rows = [{"stage": s["stage"], "seconds": round(float(s["seconds"]), 3)} for s in facts.run.get("stages") or []]
    return _bar("Seconds per stage", rows, "stage", "seconds", x_title="stage", y_title="seconds", x_type="nominal")


def candidates_per_blocker(db_path: str | Path) -> dict[str, Any]:
    """Candidate pairs per blocker (stacked: judged integrable or not): which blocking key found
    the pairs that matched, and which only added work."""
    from ..store import read_table

    cands, pairs = read_table(db_path, "candidates"), read_table(db_path, "pairs")
    joined = cands.join(pairs.select("tid_a", "tid_b", "integrable"), on=["tid_a", "tid_b"], how="left")
    per = (joined.with_columns(pl.col("integrable").fill_null(False))
           .group_by("blocker", "integrable").len(name="pairs").sort("blocker", "integrable"))
    rows = [{"blocker": b, "judged": "integrable" if k else "not integrable", "pairs": int(n)}
            for b, k, n in per.iter_rows()]
    return {"$schema": VEGA_LITE, "title": "Candidate pairs per blocker", "data": {"values": rows},
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {"y": {"field": "blocker", "type": "nominal", "title": "blocker", "sort": "-x"},
                         "x": {"field": "pairs", "type": "quantitative", "title": "candidate pairs"},
                         "color": {"field": "judged", "type": "nominal", "title": None,
                                   "scale": {"domain": ["integrable", "not integrable"],
                                             "range": ["#2a9d8f", "#c9cdd2"]}}}}


def coverage(db_path: str | Path) -> dict[str, Any]:
    """Source × attribute: the share of each source's rows with a value in each unified
    attribute (a heat map): what the alignment gave every attribute, and from where."""
    from ..frames import TUPLE_META
    from ..store import read_table

    tuples = read_table(db_path, "tuples")
    attrs = [c for c in tuples.columns if c not in TUPLE_META]
    rows: list[dict[str, Any]] = []
    if attrs and tuples.height:
        filled = tuples.group_by("source").agg(pl.len().alias("_rows"),
                                               *[pl.col(a).is_not_null().sum().alias(a) for a in attrs])
        for r in filled.sort("source").iter_rows(named=True):
            rows += [{"source": r["source"], "attribute": a, "filled": round(r[a] / r["_rows"], 4),
                      "rows": int(r["_rows"])} for a in attrs]
    return {"$schema": VEGA_LITE, "title": "Values per source and attribute", "data": {"values": rows},
            "mark": {"type": "rect", "tooltip": True},
            "encoding": {"x": {"field": "attribute", "type": "nominal", "sort": attrs, "title": None},
                         "y": {"field": "source", "type": "nominal", "title": None},
                         "color": {"field": "filled", "type": "quantitative", "title": "share filled",
                                   "scale": {"domain": [0, 1], "scheme": "blues"}},
                         "tooltip": [{"field": "source"}, {"field": "attribute"},
                                     {"field": "filled", "format": ".0%"}, {"field": "rows"}]}}


CHARTS = {"scores": score_histogram, "set_sizes": set_sizes, "conflicts": conflicts_per_attribute,
          "stages": stage_seconds}


def run_charts(db_path: str | Path, facts: RunFacts | None = None) -> dict[str, dict[str, Any]]:
    """Every chart of the latest run as a Vega-Lite spec with its data inline."""
    facts = facts or read_facts(db_path)
    return {name: build(facts) for name, build in CHARTS.items()}


from ._html import render_html, write_report  # noqa: E402  (uses the chart builders above)

__all__ = ["CHARTS", "RunFacts", "candidates_per_blocker", "conflicts_per_attribute", "coverage", "read_facts",
           "render_html", "run_charts", "score_histogram", "set_sizes", "stage_seconds", "write_report"]
