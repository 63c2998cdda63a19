"""Cheap per-attribute similarity features and the tuple -> value-index layout.

SSACL represents a tuple as one embedding per attribute (the paper's per-attribute encoding), so
each distinct value is encoded once, however many rows and augmented copies repeat it. The head
also sees string features per attribute; these are computed here, in plain Python with rapidfuzz.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._similarity import normalise, numeric_similarity, parse_number

FEATURE_NAMES: tuple[str, ...] = (
    "both_present", "one_null", "equal", "token_jaccard", "edit_sim", "token_set", "numeric_close",
    "both_numeric", "length_ratio",
)
N_FEATURES = len(FEATURE_NAMES)


@dataclass(frozen=True)
class Prepared:
    """A value ready for comparison: normalised text, its token set, its number if it is one."""

    text: str
    tokens: frozenset[str]
    number: float | None


def prepare(raw: str | None) -> Prepared | None:
    if raw is None:
        return None
    text = normalise(raw)
    if not text:
        return None
    return Prepared(text, frozenset(text.split()), parse_number(raw))


def value_features(a: Prepared | None, b: Prepared | None) -> tuple[float, ...]:
    """The ``FEATURE_NAMES`` vector for one attribute of one pair (symmetric in a, b)."""
    from rapidfuzz import fuzz

    if a is None or b is None:
        one = 1.0 if (a is None) != (b is None) else 0.0
        return (0.0, one, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    if a.text == b.text:
        return (1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, float(a.number is not None and b.number is not None), 1.0)
    inter = len(a.tokens & b.tokens)
    union = len(a.tokens | b.tokens)
    jacc = inter / union if union else 0.0
    both_num = a.number is not None and b.number is not None
    num = numeric_similarity(a.number, b.number) if both_num else 0.0
    la, lb = len(a.text), len(b.text)
    return (1.0, 0.0, 0.0, jacc, fuzz.ratio(a.text, b.text) / 100.0,
            fuzz.token_set_ratio(a.text, b.text) / 100.0, num, float(both_num), min(la, lb) / max(la, lb))


class PairFeaturizer:
    """Features for many pairs of rows (each row a sequence of raw attribute values).

    Prepared values and per-value-pair features are memoised: lakes repeat values a lot.
    """

    def __init__(self) -> None:
        self._prepared: dict[str | None, Prepared | None] = {None: None}
        self._memo: dict[tuple[str | None, str | None], tuple[float, ...]] = {}

    def _prep(self, raw: str | None) -> Prepared | None:
        p = self._prepared.get(raw, False)
        if p is False:
            p = prepare(raw)
            self._prepared[raw] = p
        return p  # type: ignore[return-value]

    def features(self, rows_a: Sequence[Sequence[str | None]],
                 rows_b: Sequence[Sequence[str | None]]) -> np.ndarray:
        """float32 array (n_pairs, n_attributes, N_FEATURES)."""
        n = len(rows_a)
        k = len(rows_a[0]) if n else 0
        out = np.zeros((n, k, N_FEATURES), dtype=np.float32)
        memo = self._memo
        for i, (ra, rb) in enumerate(zip(rows_a, rows_b)):
            for j in range(k):
                va, vb = ra[j], rb[j]
                key = (va, vb) if (va or "") <= (vb or "") else (vb, va)
                f = memo.get(key)
                if f is None:
                    f = value_features(self._prep(va), self._prep(vb))
                    if len(memo) < 2_000_000:
                        memo[key] = f
                out[i, j] = f
        return out


__all__ = ["FEATURE_NAMES", "N_FEATURES", "PairFeaturizer", "Prepared", "prepare", "value_features"]
