"""Explore page logic: sets ranked by size or uncertainty, a set's tuples side by side, the set's
tuple graph as a Vega-Lite spec, and search by value.

*Uncertainty* of a set is ``1 - mean score`` of the judged pairs inside it: a set held together
by weak pairs deserves a look first. Sets with no judged pair inside (singletons) score 0.
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

import polars as pl

META = ("tid", "source", "source_row", "source_key")
SORTS = ("size", "uncertainty", "conflicts")
MAX_GRAPH_NODES = 150


def set_overview(membership: pl.DataFrame, pairs: pl.DataFrame, conflicts: pl.DataFrame,
                 integrated: pl.DataFrame | None = None, sort: str = "size") -> pl.DataFrame:
    """One row per set: set_id, size, pairs, mean_score, uncertainty, conflicts, label."""
    if sort not in SORTS:
        raise ValueError(f"sort by one of {SORTS}, not {sort!r}")
    sizes = membership.group_by("set_id").agg(pl.len().cast(pl.Int64).alias("size"))
    inside = (pairs.join(membership.rename({"tid": "tid_a", "set_id": "set_a"}), on="tid_a")
              .join(membership.rename({"tid": "tid_b", "set_id": "set_b"}), on="tid_b")
              .filter(pl.col("set_a") == pl.col("set_b"))
              .group_by("set_a").agg(pl.len().cast(pl.Int64).alias("pairs"),
                                     pl.col("score").mean().alias("mean_score"))
              .rename({"set_a": "set_id"}))
    n_conf = conflicts.group_by("set_id").agg(pl.len().cast(pl.Int64).alias("conflicts"))
    out = (sizes.join(inside, on="set_id", how="left").join(n_conf, on="set_id", how="left")
           .with_columns(pl.col("pairs").fill_null(0), pl.col("conflicts").fill_null(0),
                         (1.0 - pl.col("mean_score")).fill_null(0.0).alias("uncertainty")))
    out = out.with_columns(pl.lit(None, dtype=pl.Utf8).alias("label"))
    if integrated is not None and integrated.width > 1:
        label = _labels(integrated)
        out = out.drop("label").join(label, on="set_id", how="left")
    order = {"size": ["size", "uncertainty"], "uncertainty": ["uncertainty", "size"],
             "conflicts": ["conflicts", "size"]}[sort]
    return (out.select("set_id", "size", "pairs", "mean_score", "uncertainty", "conflicts", "label")
            .sort([*order, "set_id"], descending=[True, True, False]))


def _labels(integrated: pl.DataFrame) -> pl.DataFrame:
    """A short name per set: the first non-null golden value, preferring name-like columns."""
    attrs = [c for c in integrated.columns if c != "set_id"]
    named = [a for a in attrs if "name" in a.lower()] + [a for a in attrs if "name" not in a.lower()]
    return integrated.select("set_id", pl.coalesce([pl.col(a) for a in named]).alias("label"))


def tuple_labels(tuples: pl.DataFrame, tids: list[int]) -> dict[int, str]:
    """A short name per tuple (as ``_labels`` names a set): for graph nodes and pair pickers."""
    attrs = [c for c in tuples.columns if c not in META]
    named = [a for a in attrs if "name" in a.lower()] + [a for a in attrs if "name" not in a.lower()]
    if not named:
        return {}
    rows = tuples.filter(pl.col("tid").is_in(tids)).select(
        "tid", pl.coalesce([pl.col(a) for a in named]).alias("label"))
    return {int(t): str(v) for t, v in rows.iter_rows() if v is not None}


def set_pairs(pairs: pl.DataFrame, tids: list[int]) -> pl.DataFrame:
    """The judged pairs inside a set, weakest first: where a wrong merge would show."""
    return (pairs.filter(pl.col("tid_a").is_in(tids) & pl.col("tid_b").is_in(tids))
            .sort("score", "tid_a", "tid_b"))


def side_by_side(tuples: pl.DataFrame, tids: list[int], drop_empty: bool = True) -> pl.DataFrame:
    """The set's tuples as columns (``tid 12``), attributes as rows; ``field`` names each row."""
    rows = tuples.filter(pl.col("tid").is_in(tids)).sort("tid")
    attrs = [c for c in rows.columns if c not in META]
    if drop_empty:
        attrs = [a for a in attrs if rows[a].null_count() < rows.height]
    fields = ["source", "source_row", *attrs]
    data: dict[str, Sequence[str | None]] = {"field": fields}
    for r in rows.iter_rows(named=True):
        data[f"tid {r['tid']}"] = [None if r[f] is None else str(r[f]) for f in fields]
    return pl.DataFrame(data, schema={k: pl.Utf8 for k in data})


def differing(frame: pl.DataFrame) -> dict[str, list[bool]]:
    """For each attribute row of ``side_by_side``: which cells differ from the row's majority.

    Rows ``source``/``source_row`` are provenance, never marked. Returns field -> flags per tuple.
    """
    cols = [c for c in frame.columns if c != "field"]
    out: dict[str, list[bool]] = {}
    for r in frame.iter_rows(named=True):
        values = [r[c] for c in cols]
        present = [v.strip() for v in values if v is not None and v.strip()]
        if r["field"] in ("source", "source_row") or len(set(present)) < 2:
            out[r["field"]] = [False] * len(cols)
            continue
        majority = sorted(Counter(present).items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        out[r["field"]] = [v is not None and v.strip() != majority for v in values]
    return out


def search(tuples: pl.DataFrame, membership: pl.DataFrame, text: str,
           limit: int = 200) -> pl.DataFrame:
    """Tuples with any attribute containing ``text`` (case-insensitive, literal), with set ids."""
    text = text.strip().lower()
    attrs = [c for c in tuples.columns if c not in META]
    if not text or not attrs:
        return tuples.head(0).join(membership, on="tid").select("set_id", *tuples.columns)
    hit = pl.any_horizontal([pl.col(a).str.to_lowercase().str.contains(text, literal=True)
                             .fill_null(False) for a in attrs])
    return (tuples.filter(hit).join(membership, on="tid").select("set_id", *tuples.columns)
            .sort("set_id", "tid").head(limit))


def graph_layout(tids: list[int], pairs: pl.DataFrame, seed: int = 0,
                 max_nodes: int = MAX_GRAPH_NODES) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Node positions (Kamada-Kawai from seeded starts: deterministic) and the pairs among ``tids``.

    Returns (nodes: tid, x, y), (edges: tid_a, tid_b, score, integrable, x, y, x2, y2).
    Larger sets are cut to their first ``max_nodes`` tuples so the chart stays readable.
    """
    import igraph as ig

    tids = sorted(tids)[:max_nodes]
    index = {t: i for i, t in enumerate(tids)}
    inner = pairs.filter(pl.col("tid_a").is_in(tids) & pl.col("tid_b").is_in(tids))
    edges = [(index[a], index[b]) for a, b in zip(inner["tid_a"], inner["tid_b"], strict=True)]
    g = ig.Graph(n=len(tids), edges=edges)
    rng = random.Random(seed)
    start = [[rng.random(), rng.random()] for _ in tids]
    weights = [max(float(s), 1e-3) for s in inner["score"]] if edges else None
    coords = (g.layout_kamada_kawai(seed=start, weights=_lengths(weights)).coords
              if len(tids) > 1 else [[0.0, 0.0] for _ in tids])
    nodes = [{"tid": t, "x": round(coords[i][0], 4), "y": round(coords[i][1], 4)}
             for t, i in index.items()]
    out_edges = [{"tid_a": int(a), "tid_b": int(b), "score": round(float(s), 4),
                  "integrable": bool(k),
                  "x": nodes[index[a]]["x"], "y": nodes[index[a]]["y"],
                  "x2": nodes[index[b]]["x"], "y2": nodes[index[b]]["y"]}
                 for a, b, s, k in inner.select("tid_a", "tid_b", "score", "integrable").iter_rows()]
    return nodes, out_edges


def _short(text: str, width: int = 18) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _lengths(weights: list[float] | None) -> list[float] | None:
    """Kamada-Kawai reads weights as edge lengths: strong pairs sit close."""
    return None if weights is None else [1.5 - w for w in weights]


def graph_spec(nodes: list[dict[str, Any]], edges: list[dict[str, Any]],
               sources: dict[int, str] | None = None,
               labels: dict[int, str] | None = None) -> dict[str, Any]:
    """A Vega-Lite layer chart: edges coloured by score (red low, green high) with the score at
    their middle, nodes coloured by source and named (tuple id and ``labels``, e.g. its name),
    the source legend below in columns (a lake may have many sources)."""
    sources, labels = sources or {}, labels or {}
    node_values = [{**n, "source": sources.get(n["tid"], ""), "label": labels.get(n["tid"], ""),
                    "name": f"{n['tid']} · {_short(labels.get(n['tid'], ''))}".rstrip(" ·")}
                   for n in nodes]
    axis = {"axis": None}
    mids = [{**e, "mx": (e["x"] + e["x2"]) / 2, "my": (e["y"] + e["y2"]) / 2,
             "label": f"{e['score']:.2f}"} for e in edges]
    xy = {"x": {"field": "x", "type": "quantitative", **axis},
          "y": {"field": "y", "type": "quantitative", **axis}}
    mid_xy = {"x": {"field": "mx", "type": "quantitative", **axis},
              "y": {"field": "my", "type": "quantitative", **axis}}
    edge_tip = [{"field": "tid_a", "title": "tuple a"}, {"field": "tid_b", "title": "tuple b"},
                {"field": "score", "format": ".3f"}, {"field": "integrable"}]
    score_colour = {"field": "score", "type": "quantitative", "title": "pair score",
                    "scale": {"domain": [0, 1], "scheme": "redyellowgreen"}}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "height": 420,
        "layer": [
            {"data": {"values": edges}, "mark": {"type": "rule", "strokeWidth": 3, "opacity": 0.85},
             "encoding": {**xy, "x2": {"field": "x2"}, "y2": {"field": "y2"}, "color": score_colour,
                          "tooltip": edge_tip}},
            # each edge's score at its middle: readable without hovering, and a target to hover
            {"data": {"values": mids}, "mark": {"type": "square", "size": 90, "opacity": 0.9},
             "encoding": {**mid_xy, "color": {**score_colour, "legend": None}, "tooltip": edge_tip}},
            {"data": {"values": mids}, "mark": {"type": "text", "dy": -9, "fontSize": 10,
                                                "color": "#333"},
             "encoding": {**mid_xy, "text": {"field": "label"}, "tooltip": edge_tip}},
            {"data": {"values": node_values},
             "mark": {"type": "circle", "size": 220, "stroke": "white", "strokeWidth": 1.5, "opacity": 1},
             "encoding": {**xy,
                          "color": {"field": "source", "type": "nominal", "title": "source",
                                    "scale": {"scheme": "tableau20"},
                                    # below the chart, in columns, never cut: a lake may have many sources
                                    "legend": {"orient": "bottom", "columns": 3, "labelLimit": 0,
                                               "symbolLimit": 0}},
                          "tooltip": [{"field": "tid", "title": "tuple"}, {"field": "source"},
                                      {"field": "label", "title": "value"}]}},
            {"data": {"values": node_values}, "mark": {"type": "text", "dy": 16, "fontSize": 11},
             "encoding": {**xy, "text": {"field": "name"}}},
        ],
        "resolve": {"scale": {"color": "independent"}},
    }
