"""Pair scores between columns of different sources: header evidence blended with value evidence.

``score = (1 - value_weight * r) * H + value_weight * r * V`` (or, for a strong header that
values contradict, ``H * (1 - header_veto * r * (1 - V))`` when higher) where

* ``H`` (header) is the best of: string/synonym similarity (``_match.similarity``), token
  containment (``restaurant_name`` holds ``name``: ``containment``, below the fuzzy
  threshold so it needs values to agree), and the encoder's similarity of the two headers
  (``url`` ~ ``website``, ``town`` ~ ``city``), rescaled so unrelated headers score 0;
* ``V`` (values) blends the estimated containment of one column's distinct values in the other's,
  the cosine of their mean value embeddings (rescaled) and the similarity of their format
  profiles;
* ``r`` is how much the values can be trusted: 0 for a column of one value, 1 from
  ``reliable_distinct`` distinct values up. With no value evidence the score is the header score
  alone, so tiny tables align exactly as by header (and ``fuzzy_threshold`` keeps its meaning).

The constants (``ScoreWeights``) were chosen by measurement (``benchmarks/align.py fit``: a grid
search of value_weight, linkage_max, header_veto and ``AlignConfig.match_threshold`` against
column-mapping F1 on the example lake, the ccer lakes and 4-table Join lakes; the 8-table Join
lakes of ``benchmarks/align.py run`` are held out), not by guess.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._match import similarity
from ._profile import FORMAT_NAMES, ColumnProfile, sketch_overlap


@dataclass(frozen=True)
class ScoreWeights:
    """The scorer's constants (defaults chosen by ``benchmarks/align.py fit``)."""

    value_weight: float = 0.9  # weight of the value evidence when it is fully reliable
    reliable_distinct: int = 10  # distinct values from which value evidence is fully reliable
    containment: float = 0.75  # header score when one header's tokens hold the other's
    header_embed_floor: float = 0.35  # header-embedding cosine at or below this is no evidence
    value_embed_floor: float = 0.35  # mean-value-embedding cosine at or below this is no evidence
    w_overlap: float = 0.35
    w_embed: float = 0.35
    w_format: float = 0.30
    format_floor: float = 0.5  # format similarity at or below this is no evidence
    header_veto: float = 0.4  # how much contradicting values can lower a strong header score
    distinctive: float = 0.9  # value score of two columns sharing a rare format (url, phone ...)
    linkage_max: float = 1.0  # clustering: weight of the best pair in a cluster linkage (rest: mean)


DEFAULT_WEIGHTS = ScoreWeights()
# formats rare enough that two columns sharing one is evidence on its own
DISTINCTIVE_KINDS = frozenset({"url", "email", "phone", "date"})

# Header qualifiers that leave the meaning of the head word unchanged (``state_code``).
# Kept apart from qualifiers that change it (``first``, ``min``, ``home`` ...), which are not here.
_GENERIC = frozenset({"type", "code", "line", "no", "num", "number", "nr", "contact", "value", "text",
                      "full", "info", "data", "field", "label", "str", "string", "txt", "desc", "main",
                      "primary", "official", "short", "long", "the", "of", "its"})


@dataclass(frozen=True)
class PairEvidence:
    """The separate pieces of evidence for one column pair, and the blended score."""

    header: float
    header_string: float
    header_tokens: float
    header_embedding: float
    overlap: float
    value_embedding: float | None
    format: float
    reliability: float
    score: float

    def describe(self) -> str:
        emb = "-" if self.value_embedding is None else f"{self.value_embedding:.2f}"
        return (f"score {self.score:.2f}: header {self.header:.2f}, values {self.overlap:.2f} overlap / "
                f"{emb} embedding / {self.format:.2f} format, reliability {self.reliability:.2f}")


def token_score(a: tuple[str, ...], b: tuple[str, ...], containment: float = 0.75) -> float:
    """``containment`` when one header's tokens hold the other's (``cuisine_type`` ⊇
    ``cuisine``), a bit more when the extra tokens are generic qualifiers; else 0 (identical
    tokens are a synonym match, which ``similarity`` scores)."""
    if not a or not b or a == b:
        return 0.0
    sa, sb = set(a), set(b)
    small, large = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    if not small <= large:
        # abbreviations: every token of the shorter header abbreviates one of the longer (``st``
        # ~ ``state``, ``addr_ln`` ~ ``address_line``); values then decide ``st`` ~ ``street``
        short, long_ = (a, b) if len(a) <= len(b) else (b, a)
        if len(short) == len(long_) and all(x == y or is_abbreviation(x, y) or is_abbreviation(y, x)
                                            for x, y in zip(short, long_)):
            return containment
        return 0.0
    if any(t.isdigit() for t in large - small):
        return 0.0  # address vs address_2
    if (large - small) <= _GENERIC:
        return min(1.0, containment + 0.1)
    return containment


def is_abbreviation(short: str, word: str) -> bool:
    """``short`` (2-4 letters) starts like ``word`` and its letters appear in order in it."""
    if not 2 <= len(short) <= 4 or len(word) <= len(short) or short[0] != word[0] or not short.isalpha():
        return False
    rest = iter(word[1:])
    return all(ch in rest for ch in short[1:])


def format_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """1 - mean absolute difference of two format profiles (fractions and scaled statistics)."""
    n = len(FORMAT_NAMES)
    fmt = 1.0 - float(np.abs(a[:n] - b[:n]).sum()) / max(1.0, float(max(a[:n].sum(), b[:n].sum())))
    stats = 1.0 - float(np.abs(a[n:] - b[n:]).mean())
    return max(0.0, 0.6 * fmt + 0.4 * stats)


def _rescale(x: float, floor: float) -> float:
    return float(min(1.0, max(0.0, (x - floor) / (1.0 - floor))))


def reliability(a: ColumnProfile, b: ColumnProfile, reliable_distinct: int = 10) -> float:
    """0 for a column of one value, 1 from ``reliable_distinct`` distinct values up."""
    n = min(a.n_distinct, b.n_distinct)
    return min(1.0, (n - 1) / max(1, reliable_distinct - 1)) if n > 1 else 0.0


def pair_evidence(a: ColumnProfile, b: ColumnProfile, header_cos: float | None,
                  value_cos: float | None, weights: ScoreWeights = DEFAULT_WEIGHTS) -> PairEvidence:
    """Evidence that columns ``a`` and ``b`` (of different sources) hold the same attribute.

    ``header_cos`` / ``value_cos``: cosine of the header / mean value embeddings, or None when
    not computed (a missing header embedding adds nothing; a missing value embedding is left out
    of the value blend, whose other weights then count for it).
    """
    w = weights
    hs = max(similarity(x, y)[0] for x in a.plain_names for y in b.plain_names)
    ht = max(token_score(x, y, w.containment) for x in a.names for y in b.names)
    he = _rescale(header_cos, w.header_embed_floor) if header_cos is not None else 0.0
    header = max(hs, ht, he * 0.9)
    _, overlap = sketch_overlap(a.sketch, b.sketch, a.n_distinct, b.n_distinct)
    ve = _rescale(value_cos, w.value_embed_floor) if value_cos is not None else 0.0
    fm = _rescale(format_similarity(a.formats, b.formats), w.format_floor)
    if value_cos is None:  # not computed: no evidence either way, so leave it out of the blend
        blend = (w.w_overlap * overlap + w.w_format * fm) / max(w.w_overlap + w.w_format, 1e-9)
    else:
        blend = w.w_overlap * overlap + w.w_embed * ve + w.w_format * fm
    values = max(blend, overlap)
    if a.kind == b.kind and a.kind in DISTINCTIVE_KINDS:
        values = max(values, w.distinctive * fm)
    r = reliability(a, b, w.reliable_distinct)
    vw = w.value_weight * r
    # values can confirm a weak header, but only dent a strong one (two ``State`` columns, one
    # holding codes, one full names, are still one attribute)
    score = max((1.0 - vw) * header + vw * values, header * (1.0 - w.header_veto * r * (1.0 - values)))
    return PairEvidence(round(header, 4), round(hs, 4), round(ht, 4), round(he, 4), round(overlap, 4),
                        None if value_cos is None else round(ve, 4), round(fm, 4), round(r, 4),
                        round(float(score), 4))
