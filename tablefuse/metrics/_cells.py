"""Golden-record quality: how many resolved cells hold the true value.

What counts (so numbers from different runs mean the same thing):

- Each predicted set is mapped to its *majority entity*: the entity most of its labelled tuples
  belong to (``tid_entities``); ties go to an entity that has true values, then to the smallest
  entity id. Tuples absent from ``tid_entities`` take no part in the vote; a set with no
  labelled tuple is not scored.
- A cell is judged for every (set, attribute) where the set's entity has a non-null true value
  for that attribute. Attributes of the golden frame the truth does not know are ignored; true
  values with a null ``value`` are not counted.
- A judged cell is correct when the golden value is non-null and equal to the true value after
  normalising both (default: trim, collapse inner whitespace, lower-case). A null golden cell,
  a missing golden column (``missing_attributes``) or a set without a golden row is wrong.
- Several sets mapped to one entity (a split) are each judged; an entity whose tuples are all in
  minority positions gets no golden record and is not judged (set metrics capture that).
- With nothing to judge, accuracy is 1.0 (the package's zero-division convention).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl


def _default_normalise(expr: pl.Expr) -> pl.Expr:
    return expr.str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase()


def _majority_entity(membership: pl.DataFrame, tid_entities: pl.DataFrame,
                     with_values: pl.Series) -> pl.DataFrame:
    """(set_id, entity): each set's majority entity, ties broken as the module docstring says."""
    m = membership.select(pl.col("tid").cast(pl.Int64), pl.col("set_id").cast(pl.Utf8))
    te = tid_entities.select(pl.col("tid").cast(pl.Int64), pl.col("entity").cast(pl.Utf8))
    votes = (m.join(te, on="tid", how="inner").group_by("set_id", "entity").len()
             .with_columns(pl.col("entity").is_in(with_values.implode()).alias("known")))
    return (votes.sort(["set_id", "len", "known", "entity"], descending=[False, True, True, False])
            .unique("set_id", keep="first", maintain_order=True).select("set_id", "entity"))


def cell_accuracy(golden: pl.DataFrame, membership: pl.DataFrame, tid_entities: pl.DataFrame,
                  true_values: pl.DataFrame,
                  normalise: Callable[[str], str] | None = None) -> dict[str, Any]:
    """Share of golden cells equal to the true value of their set's majority entity.

    ``golden``: set_id + one column per attribute; ``membership``: (tid, set_id);
    ``tid_entities``: (tid, entity); ``true_values``: (entity, attribute, value).
    ``normalise`` (applied to both sides) replaces the default case/whitespace folding.
    Returns ``accuracy``, ``correct``, ``total``, ``per_attribute`` {attribute: accuracy} and
    ``missing_attributes`` (true attributes the golden frame has no column for).

    >>> golden = pl.DataFrame({"set_id": [0], "name": ["ACME "], "zip": [None]})
    >>> r = cell_accuracy(golden, pl.DataFrame({"tid": [1, 2], "set_id": [0, 0]}),
    ...                   pl.DataFrame({"tid": [1, 2], "entity": ["e", "e"]}),
    ...                   pl.DataFrame({"entity": ["e", "e"], "attribute": ["name", "zip"],
    ...                                 "value": ["Acme", "02139"]}))
    >>> (r["correct"], r["total"], r["per_attribute"])
    (1, 2, {'name': 1.0, 'zip': 0.0})
    """
    tv = (true_values.select(pl.col("entity").cast(pl.Utf8), pl.col("attribute").cast(pl.Utf8),
                             pl.col("value").cast(pl.Utf8))
          .drop_nulls())
    if tv.select(pl.struct("entity", "attribute").is_duplicated().any()).item():
        raise ValueError("true_values holds two values for one (entity, attribute)")
    attrs = [c for c in golden.columns if c != "set_id"]
    long = (golden.select(pl.col("set_id").cast(pl.Utf8), *[pl.col(a).cast(pl.Utf8) for a in attrs])
            .unpivot(index="set_id", variable_name="attribute", value_name="golden")
            if attrs else pl.DataFrame(schema={"set_id": pl.Utf8, "attribute": pl.Utf8, "golden": pl.Utf8}))
    judged = (_majority_entity(membership, tid_entities, tv["entity"].unique())
              .join(tv, on="entity", how="inner")
              .join(long, on=["set_id", "attribute"], how="left"))
    if normalise is None:
        g, t = _default_normalise(pl.col("golden")), _default_normalise(pl.col("value"))
    else:  # a plain Python loop: map_elements would warn on every lambda
        g_values = pl.Series([None if v is None else normalise(v) for v in judged["golden"]], dtype=pl.Utf8)
        t_values = pl.Series([normalise(v) for v in judged["value"]], dtype=pl.Utf8)
        g, t = pl.lit(g_values), pl.lit(t_values)
    judged = judged.with_columns((g.is_not_null() & (g == t)).fill_null(False).alias("ok"))
    per = (judged.group_by("attribute").agg(pl.col("ok").sum().alias("correct"), pl.len().alias("total"))
           .sort("attribute"))
    correct, total = int(judged["ok"].sum()), judged.height
    return {
        "accuracy": correct / total if total else 1.0,
        "correct": correct,
        "total": total,
        "per_attribute": {a: c / n for a, c, n in per.select("attribute", "correct", "total").iter_rows()},
        "missing_attributes": sorted(set(tv["attribute"].unique().to_list()) - set(attrs)),
    }
