"""The static HTML report: one file, inline CSS and SVG, no script, no network."""
from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import polars as pl

WIDTH, HEIGHT, PAD = 560, 200, 36
SHOWN_SETS = 10


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def svg_bars(spec: dict[str, Any]) -> str:
    """A bar chart of ``spec`` (as ``run_charts`` builds them) drawn as SVG: bars with a tooltip
    each, the y axis log-scaled where the spec says so, and the spec's rule (the threshold)."""
    layers = spec.get("layer") or [spec]
    bars = layers[0]
    enc = bars["encoding"]
    x, y = enc["x"]["field"], enc["y"]["field"]
    rows = spec["data"]["values"]
    log = (enc["y"].get("scale") or {}).get("type") == "symlog"

    def scale(v: float) -> float:
        return math.log1p(v) if log else v

    top = max((scale(float(r[y])) for r in rows), default=0.0) or 1.0
    n = max(len(rows), 1)
    w = (WIDTH - 2 * PAD) / n
    parts = [f'<svg width="{WIDTH}" height="{HEIGHT + PAD}" role="img" '
             f'aria-label="{_esc(spec.get("title"))}">',
             f'<line x1="{PAD}" y1="{HEIGHT}" x2="{WIDTH - PAD}" y2="{HEIGHT}" stroke="#888"/>']
    for i, r in enumerate(rows):
        h = (HEIGHT - PAD) * scale(float(r[y])) / top
        left = PAD + i * w
        parts.append(f'<rect class="bar" x="{left + 1:.1f}" y="{HEIGHT - h:.1f}" width="{max(w - 2, 1):.1f}" '
                     f'height="{h:.1f}" fill="#4c78a8"><title>{_esc(r[x])}: {_esc(r[y])}</title></rect>')
        if n <= 24:
            parts.append(f'<text x="{left + w / 2:.1f}" y="{HEIGHT + 14}" font-size="10" text-anchor="middle">'
                         f'{_esc(r[x])}</text>')
    for layer in layers[1:]:  # the threshold rule, on the score axis [0, 1]
        value = float(layer["data"]["values"][0][x])
        at = PAD + value * (WIDTH - 2 * PAD)
        parts.append(f'<line class="rule" x1="{at:.1f}" y1="{PAD / 2}" x2="{at:.1f}" y2="{HEIGHT}" '
                     f'stroke="firebrick" stroke-dasharray="4 3"><title>threshold {value:.4f}</title></line>')
    parts.append(f'<text x="{PAD}" y="{PAD / 2}" font-size="11">{_esc(enc["y"].get("title"))}</text></svg>')
    return "".join(parts)


def _table(frame: pl.DataFrame) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in row) + "</tr>" for row in frame.rows())
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def largest_sets(facts: Any, n: int = SHOWN_SETS) -> pl.DataFrame:
    """The ``n`` largest sets with their golden record."""
    sizes = facts.membership.group_by("set_id").len(name="tuples")
    return (sizes.join(facts.integrated, on="set_id", how="left")
            .sort(["tuples", "set_id"], descending=[True, False]).head(n))


def least_certain_sets(facts: Any, n: int = SHOWN_SETS) -> pl.DataFrame:
    """The ``n`` sets whose least certain pair inside them scores closest to the threshold."""
    if facts.threshold is None or not facts.pairs.height:
        return pl.DataFrame()
    m = facts.membership.select("tid", "set_id")
    inside = (facts.pairs.join(m.rename({"tid": "tid_a"}), on="tid_a")
              .join(m.rename({"tid": "tid_b", "set_id": "set_b"}), on="tid_b")
              .filter(pl.col("set_id") == pl.col("set_b")))
    closest = (inside.with_columns((pl.col("score") - facts.threshold).abs().alias("margin"))
               .group_by("set_id").agg(pl.col("margin").min(), pl.col("score").sort_by("margin").first()))
    return (closest.join(facts.integrated, on="set_id", how="left")
            .sort(["margin", "set_id"]).head(n).with_columns(pl.col("margin", "score").round(4)))


CSS = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}"
       "table{border-collapse:collapse;display:block;overflow-x:auto;font-size:13px;margin:.5em 0 1.5em}"
       "td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}"
       "th{background:#f3f3f3}h2{margin-top:1.6em}figure{margin:0 0 1em}")


def render_html(facts: Any, charts: dict[str, dict[str, Any]]) -> str:
    """The report of ``facts`` with ``charts`` drawn inline."""
    run = facts.run
    summary = run.get("summary") or {}
    facts_table = pl.DataFrame({"": [str(k) for k in summary], "value": [str(v) for v in summary.values()]})
    figures = "".join(f'<figure id="chart-{_esc(name)}"><figcaption>{_esc(spec.get("title"))}</figcaption>'
                      f"{svg_bars(spec)}</figure>" for name, spec in charts.items())
    uncertain = least_certain_sets(facts)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tablefuse run '
            f'{_esc(run.get("run_id"))}</title><style>{CSS}</style></head><body>'
            f'<h1>tablefuse run {_esc(run.get("run_id"))}</h1>'
            f'<p>Lake <code>{_esc(run.get("lake_path"))}</code>, started {_esc(run.get("started"))}, finished '
            f'{_esc(run.get("finished"))}, status {_esc(run.get("status"))}, tablefuse '
            f'{_esc(run.get("tablefuse_version"))}.</p>'
            f'<h2 id="summary">Summary</h2>{_table(facts_table)}'
            f'<h2 id="charts">Charts</h2>{figures}'
            f'<h2 id="largest">The {SHOWN_SETS} largest sets</h2>{_table(largest_sets(facts))}'
            f'<h2 id="uncertain">The least certain sets</h2>'
            + (_table(uncertain) if uncertain.height else "<p>No judged pair inside any set.</p>")
            + "</body></html>")


def write_report(db_path: str | Path, out: str | Path) -> Path:
    """Writes the HTML report of ``db_path``'s latest run to ``out``; returns the path."""
    from . import read_facts, run_charts

    facts = read_facts(db_path)
    target = Path(out)
    target.write_text(render_html(facts, run_charts(db_path, facts)), encoding="utf-8")
    return target
