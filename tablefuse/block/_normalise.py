"""Tuple text and blocking keys (tokens, q-grams) from attribute values only.

Surrogate ids (``tid``, ``source_row``, ``source_key``) never feed a key: two tuples that share
only an id share no block. Values are normalised so that case, accents and punctuation do not
split a block: ``"Café-Ünion, Inc."`` → ``cafe union inc``.
"""
from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from ..frames import TupleTable


def normalise(expr: pl.Expr) -> pl.Expr:
    """Lowercase, strip accents (NFKD minus combining marks), punctuation → single spaces."""
    return (expr.str.normalize("NFKD")
            .str.replace_all(r"\p{M}", "")
            .str.to_lowercase()
            .str.replace_all(r"[^\p{L}\p{N}]+", " ")
            .str.strip_chars())


def blocking_attributes(tuples: TupleTable, attributes: Sequence[str] = ()) -> list[str]:
    """The attribute columns keys come from: ``attributes`` if given (those that exist), else all."""
    if attributes:
        return [a for a in attributes if a in tuples.attributes]
    return list(tuples.attributes)


def tuple_text(tuples: TupleTable, attributes: Sequence[str] = (), normalised: bool = True) -> pl.DataFrame:
    """(tid, text): the tuple's non-null attribute values joined by spaces, in attribute order."""
    cols = blocking_attributes(tuples, attributes)
    if not cols:
        return tuples.frame.select("tid", pl.lit("").alias("text"))
    text = pl.concat_str([pl.col(c) for c in cols], separator=" ", ignore_nulls=True)
    if normalised:
        text = normalise(text)
    return tuples.frame.select("tid", text.fill_null("").alias("text"))


def tokens(tuples: TupleTable, min_length: int = 2, attributes: Sequence[str] = ()) -> pl.DataFrame:
    """(tid, key): distinct normalised word tokens of each tuple, at least ``min_length`` long."""
    text = tuple_text(tuples, attributes)
    return (text.select("tid", pl.col("text").str.split(" ").alias("key"))
            .explode("key")
            .filter(pl.col("key").str.len_chars() >= max(min_length, 1))
            .unique(["tid", "key"]))


def qgrams(tuples: TupleTable, q: int = 3, min_length: int = 2,
           attributes: Sequence[str] = ()) -> pl.DataFrame:
    """(tid, key): distinct character q-grams of each token; tokens shorter than ``q`` stay whole.

    Q-grams survive typos that split a word token (``"jonathan"`` / ``"jonathn"`` share 4 of 6).
    """
    if q < 1:
        raise ValueError("q must be at least 1")
    tok = tokens(tuples, min_length, attributes)
    n = (pl.col("key").str.len_chars() - q + 1).clip(lower_bound=1)
    return (tok.with_columns(pl.int_ranges(0, n).alias("start"))
            .explode("start")
            .select("tid", pl.col("key").str.slice(pl.col("start"), q).alias("key"))
            .unique(["tid", "key"]))
