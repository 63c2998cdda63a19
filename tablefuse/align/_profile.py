"""Column profiles: the evidence holistic alignment compares, computed once per column.

A header says what a column is *called*; its values say what it *is*. ``region`` holding
``CA, NY, WA`` is a state column whatever its name, and ``score`` holding ``90, 87`` is not a zip
code although both are integers. Each profile therefore keeps:

* header tokens (normalised, synonyms canonicalised);
* a bottom-k MinHash sketch of the column's normalised distinct values (lower case, letters and
  digits only, so ``415.555.0123`` and ``(415) 555-0123`` meet), giving Jaccard and containment
  estimates between any two columns without keeping their value sets;
* a format profile: the fraction of sampled values that look like an integer, decimal, date,
  year, phone, zip, url, email, code, short upper-case code or free text, plus length and
  character statistics, and one coarse ``kind`` for people to read;
* a deterministic sample of distinct values (at most ``sample_size``) whose mean embedding the
  scorer uses; the embedding itself is filled in later, in one batch for all columns.

Everything is deterministic: samples are chosen by hash order, not at random.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from hashlib import blake2b

import numpy as np
import polars as pl

from ._headers import header_tokens, normalize_header
from ._match import canonical

# Format detectors: each is a regular expression matched against the stripped value.
FORMATS: tuple[tuple[str, str], ...] = (
    ("integer", r"^[+-]?\d+$"),
    ("decimal", r"^[+-]?[$€£]?\s?(\d{1,3}(,\d{3})+|\d+)?[.,]\d+$"),
    ("date", r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})([ T]\d{1,2}:\d{2}(:\d{2})?)?$"),
    ("year", r"^(1[5-9]|20)\d{2}$"),
    ("phone", r"^\+?[\d\s().\-/]{7,20}$"),
    ("zip", r"^\d{4,5}(-\d{4})?$"),
    ("url", r"(?i)^(https?://|www\.)\S+$|^\S+\.(com|org|net|edu|gov|io|co|de|uk|fr)(/\S*)?$"),
    ("email", r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"),
    ("code", r"^[A-Za-z0-9\-_./]*(\d[A-Za-z0-9\-_./]*[A-Za-z]|[A-Za-z][A-Za-z0-9\-_./]*\d)[A-Za-z0-9\-_./]*$"),
    ("upper_code", r"^[A-Z]{2,3}$"),
    ("text", r"^\S+(\s+\S+){2,}$"),
)
FORMAT_NAMES: tuple[str, ...] = tuple(n for n, _ in FORMATS)
# statistics appended to the format fractions, each scaled to [0, 1]
STAT_NAMES: tuple[str, ...] = ("length", "tokens", "digits", "letters", "upper", "distinct_ratio")
_NORMALISE = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class ColumnProfile:
    """What alignment knows about one source column (see the module docstring)."""

    source: str
    column: str
    position: int  # column index in its table
    tokens: tuple[str, ...]  # canonical header tokens
    n_values: int  # non-null values
    n_distinct: int  # distinct non-null (normalised) values
    sketch: np.ndarray  # sorted uint64: the bottom-k hashes of normalised distinct values
    formats: np.ndarray  # float64, FORMAT_NAMES fractions then STAT_NAMES statistics
    kind: str  # numeric | date | year | phone | zip | url | email | id | categorical | free_text | text | empty
    sample: tuple[str, ...] = field(default=())  # distinct raw values, for embeddings
    aliases: tuple[tuple[str, ...], ...] = ()  # other names it answers to (a mapped attribute)
    normalized: str = ""  # the normalised header (``tel_no``), before synonyms

    @property
    def header(self) -> str:
        return "_".join(self.tokens)

    @property
    def names(self) -> tuple[tuple[str, ...], ...]:
        return (self.tokens, *self.aliases)

    @property
    def plain_names(self) -> tuple[str, ...]:
        """Normalised header and aliases, before synonyms (``similarity`` applies its own)."""
        return (self.normalized or self.header, *("_".join(a) for a in self.aliases))


def canonical_tokens(header: str) -> tuple[str, ...]:
    """Header tokens with known synonyms canonicalised (``tel_no`` -> ``phone no``)."""
    return tuple(t for t in canonical("_".join(header_tokens(header))).split("_") if t)


def _stable_hashes(values: pl.Series) -> np.ndarray:
    """64-bit hashes that stay the same across runs, machines and library versions."""
    return np.fromiter((int.from_bytes(blake2b(v.encode("utf-8"), digest_size=8).digest(), "little")
                        for v in values.to_list()), dtype=np.uint64, count=values.len())


def profile_column(source: str, column: str, position: int, values: pl.Series,
                   sample_size: int = 200, sketch_size: int = 256) -> ColumnProfile:
    """Profile one column of text values (nulls and blanks ignored)."""
    raw = values.cast(pl.Utf8).str.strip_chars()
    raw = raw.filter(raw.is_not_null() & (raw.str.len_chars() > 0))
    n_values = raw.len()
    frame = pl.DataFrame({"raw": raw}).with_columns(
        pl.col("raw").str.to_lowercase().str.replace_all(_NORMALISE.pattern, "").alias("norm"))
    frame = frame.filter(pl.col("norm").str.len_chars() > 0)
    norm = frame["norm"].unique()
    n_distinct = norm.len()
    hashes = np.unique(_stable_hashes(norm)) if n_distinct else np.zeros(0, dtype=np.uint64)
    sketch = hashes[:sketch_size]
    # the sample: distinct raw values, in hash order (deterministic, unbiased by row order)
    distinct_raw = frame.unique("raw", keep="first", maintain_order=True)["raw"]
    if distinct_raw.len():
        order = np.argsort(_stable_hashes(distinct_raw), kind="stable")[:sample_size]
        sample = tuple(distinct_raw.gather(order).to_list())
    else:
        sample = ()
    formats = format_profile(sample, n_distinct / n_values if n_values else 0.0)
    return ColumnProfile(
        source=source, column=column, position=position, tokens=canonical_tokens(column),
        n_values=n_values, n_distinct=n_distinct, sketch=sketch, formats=formats,
        kind=_kind(formats, n_values, n_distinct), sample=sample, normalized=normalize_header(column))


def format_profile(sample: tuple[str, ...] | list[str], distinct_ratio: float) -> np.ndarray:
    """Fractions of ``sample`` matching each format, then scaled length/character statistics."""
    out = np.zeros(len(FORMAT_NAMES) + len(STAT_NAMES), dtype=np.float64)
    if not sample:
        return out
    s = pl.Series("v", list(sample), dtype=pl.Utf8)
    fr = pl.DataFrame({"v": s}).select(
        *[pl.col("v").str.contains(p).mean().alias(n) for n, p in FORMATS],
        pl.col("v").str.len_chars().mean().alias("length"),
        pl.col("v").str.split(" ").list.len().mean().alias("tokens"),
        pl.col("v").str.count_matches(r"\d").sum().alias("digits"),
        pl.col("v").str.count_matches(r"[^\W\d_]").sum().alias("letters"),
        pl.col("v").str.count_matches(r"[A-Z]").sum().alias("upper"),
        pl.col("v").str.len_chars().sum().alias("chars"),
    ).row(0, named=True)
    chars = max(fr["chars"], 1)
    out[:len(FORMAT_NAMES)] = [fr[n] for n in FORMAT_NAMES]
    letters = max(fr["letters"], 1)
    out[len(FORMAT_NAMES):] = [
        min(np.log1p(fr["length"]) / np.log1p(200.0), 1.0),
        min(np.log1p(fr["tokens"]) / np.log1p(40.0), 1.0),
        fr["digits"] / chars,
        fr["letters"] / chars,
        fr["upper"] / letters if fr["letters"] else 0.0,
        distinct_ratio,
    ]
    return out


def _kind(formats: np.ndarray, n_values: int, n_distinct: int) -> str:
    """One coarse label for people (the scorer uses the whole profile)."""
    if n_values == 0:
        return "empty"
    f = dict(zip(FORMAT_NAMES, formats[:len(FORMAT_NAMES)]))
    stats = dict(zip(STAT_NAMES, formats[len(FORMAT_NAMES):]))
    for name, label in (("email", "email"), ("url", "url"), ("date", "date"), ("year", "year"),
                        ("zip", "zip")):
        if f[name] >= 0.8:
            return label
    if f["phone"] >= 0.8 and (f["integer"] < 0.5 or stats["length"] >= 0.45):
        return "phone"  # written with separators, or bare numbers of 10+ digits
    if f["integer"] + f["decimal"] >= 0.8:
        return "numeric"
    if f["code"] >= 0.8:
        return "id"
    if n_values >= 10 and n_distinct <= max(2, 0.2 * n_values) or f["upper_code"] >= 0.8:
        return "categorical"
    if f["text"] >= 0.5 and stats["tokens"] > 0.5:
        return "free_text"
    return "text"


def sketch_overlap(a: np.ndarray, b: np.ndarray, n_a: int, n_b: int) -> tuple[float, float]:
    """(Jaccard, containment of the smaller set) estimated from two bottom-k sketches.

    Exact when both sets fit in their sketches. Containment is |A ∩ B| / min(|A|, |B|): a small
    table whose values all occur in a large one scores 1 although their Jaccard is small.
    """
    if not len(a) or not len(b):
        return 0.0, 0.0
    both = np.intersect1d(a, b, assume_unique=True)
    if len(a) >= n_a and len(b) >= n_b:  # the sketches hold the whole sets: exact
        jaccard = len(both) / len(np.union1d(a, b))
    else:
        union_k = np.union1d(a, b)[:min(len(a), len(b))]
        jaccard = float(np.isin(union_k, both, assume_unique=True).sum()) / len(union_k)
    inter = jaccard * (n_a + n_b) / (1.0 + jaccard)
    containment = min(1.0, inter / max(1, min(n_a, n_b)))
    return jaccard, containment
