"""Cheap per-attribute similarity features and the tuple -> value-index layout.

SSACL represents a tuple as one embedding per attribute (the paper's per-attribute encoding), so
each distinct value is encoded once, however many rows and augmented copies repeat it. The head
also sees string features per attribute; these are computed here, in plain Python with rapidfuzz.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._similarity import Prepared, numeric_similarity, prepare
from .lakestats import LakeStats, code_tokens

# per attribute, from the two values alone
BASE_FEATURES: tuple[str, ...] = (
    "both_present", "one_null", "equal", "token_jaccard", "edit_sim", "token_set", "numeric_close",
    "both_numeric", "length_ratio",
)
# per attribute, weighted by lake frequencies (LakeStats): an equal rare value is strong evidence,
# an equal frequent one ("new york") weak. equal_idf: normalised IDF of the value when both are
# equal, else 0; idf_cosine: cosine of the two token sets weighted by token IDF.
IDF_FEATURES: tuple[str, ...] = ("equal_idf", "idf_cosine")
# per tuple, the same for every attribute (product facts move between title, description and
# manufacturer across sources): IDF-weighted token cosine of the whole tuples; code tokens
# (model numbers such as "KDL-40V4100", see lakestats.code_tokens) shared (count / 3, capped),
# any shared, the IDF of the rarest shared one, and conflict (both have codes, none shared).
# equal_evidence: sigmoid of LakeStats.agreement_log_odds over the attributes whose values are
# equal (Splink-style term-frequency evidence: one equal frequent value is weak, two rare strong).
TUPLE_FEATURES: tuple[str, ...] = ("tuple_idf_cosine", "code_shared", "code_match", "code_match_idf",
                                   "code_conflict", "equal_evidence", "pair_informative")
# pair_informative: sigmoid of the larger of the two tuples' own agreement log-odds (all their
# values): low only when neither tuple identifies an entity (one value, or frequent values only,
# as in the flattened RDF rows of ccer D1: "american", "570 4th st.")
FEATURE_NAMES: tuple[str, ...] = BASE_FEATURES + IDF_FEATURES + TUPLE_FEATURES
N_FEATURES = len(FEATURE_NAMES)
N_BASE = len(BASE_FEATURES)


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
    num = numeric_similarity(a.number, b.number) if a.number is not None and b.number is not None else 0.0
    la, lb = len(a.text), len(b.text)
    return (1.0, 0.0, 0.0, jacc, fuzz.ratio(a.text, b.text) / 100.0,
            fuzz.token_set_ratio(a.text, b.text) / 100.0, num, float(both_num), min(la, lb) / max(la, lb))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


def _cosine(wa: dict[str, float], na: float, wb: dict[str, float], nb: float) -> float:
    if not na or not nb:
        return 0.0
    small, big = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    dot = sum(w * w for t, w in small.items() if t in big)
    return min(1.0, dot / (na * nb))


class PairFeaturizer:
    """Features for many pairs of rows (each row a sequence of raw attribute values).

    ``stats``: the lake's frequencies (``LakeStats``); without them every token counts as rare.
    Prepared values, per-value-pair features and per-row token/code summaries are memoised:
    lakes repeat values a lot.
    """

    def __init__(self, stats: LakeStats | None = None) -> None:
        self.stats = stats if stats is not None else LakeStats()
        self._prepared: dict[str | None, Prepared | None] = {None: None}
        self._memo: dict[tuple[str | None, str | None], tuple[float, ...]] = {}
        self._weights: dict[frozenset[str], tuple[dict[str, float], float]] = {}
        self._rows: dict[tuple, tuple[dict[str, float], float, frozenset[str], float]] = {}

    def clear(self) -> None:
        """Drops the memos (they only save time; at 1M tuples they hold gigabytes)."""
        self._prepared = {None: None}
        self._memo = {}
        self._weights = {}
        self._rows = {}

    def _prep(self, raw: str | None) -> Prepared | None:
        p = self._prepared.get(raw, False)
        if p is False:
            p = prepare(raw)
            self._prepared[raw] = p
        return p  # type: ignore[return-value]

    def _token_weights(self, tokens: frozenset[str]) -> tuple[dict[str, float], float]:
        got = self._weights.get(tokens)
        if got is None:
            w = {t: self.stats.token_idf(t) for t in sorted(tokens)}  # sorted: float sums independent of hash seed
            got = (w, math.sqrt(sum(x * x for x in w.values())))
            if len(self._weights) < 1_000_000:
                self._weights[tokens] = got
        return got

    def _value_pair(self, va: str | None, vb: str | None) -> tuple[float, ...]:
        a, b = self._prep(va), self._prep(vb)
        base = value_features(a, b)
        if a is None or b is None:
            return base + (0.0, 0.0)
        if a.text == b.text:
            return base + (self.stats.value_idf(a.text), 1.0)
        wa, na = self._token_weights(a.tokens)
        wb, nb = self._token_weights(b.tokens)
        return base + (0.0, _cosine(wa, na, wb, nb))

    def _row(self, row: Sequence[str | None]) -> tuple[dict[str, float], float, frozenset[str], float]:
        """(token IDF weights, their norm, code tokens, own agreement log-odds) of a row."""
        key = tuple(row)
        got = self._rows.get(key)
        if got is None:
            tokens: set[str] = set()
            codes: set[str] = set()
            texts: list[str] = []
            for raw in row:
                p = self._prep(raw)
                if p is not None:
                    tokens |= p.tokens
                    codes |= code_tokens(raw)
                    texts.append(p.text)
            w, n = self._token_weights(frozenset(tokens))
            got = (w, n, frozenset(codes), self.stats.agreement_log_odds(texts) if texts else -30.0)
            if len(self._rows) < 500_000:
                self._rows[key] = got
        return got

    def tuple_features(self, ra: Sequence[str | None], rb: Sequence[str | None]) -> tuple[float, ...]:
        """The ``TUPLE_FEATURES`` of one pair of rows (symmetric)."""
        wa, na, ca, la = self._row(ra)
        wb, nb, cb, lb = self._row(rb)
        shared = ca & cb
        equal = []
        for va, vb in zip(ra, rb):
            pa, pb = self._prep(va), self._prep(vb)
            if pa is not None and pb is not None and pa.text == pb.text:
                equal.append(pa.text)
        odds = self.stats.agreement_log_odds(equal) if equal else -30.0
        return (_cosine(wa, na, wb, nb), min(len(shared), 3) / 3.0, float(bool(shared)),
                max((self.stats.code_idf(c) for c in shared), default=0.0), float(bool(ca and cb and not shared)),
                _sigmoid(odds), _sigmoid(max(la, lb)))

    def informative(self, row: Sequence[str | None]) -> bool:
        """Whether an exact copy of ``row`` elsewhere would be strong evidence of one entity."""
        return self._row(row)[3] >= 0

    def features(self, rows_a: Sequence[Sequence[str | None]],
                 rows_b: Sequence[Sequence[str | None]]) -> np.ndarray:
        """float32 array (n_pairs, n_attributes, N_FEATURES)."""
        n = len(rows_a)
        k = len(rows_a[0]) if n else 0
        out = np.zeros((n, k, N_FEATURES), dtype=np.float32)
        n_val = N_BASE + len(IDF_FEATURES)
        memo = self._memo
        for i, (ra, rb) in enumerate(zip(rows_a, rows_b)):
            for j in range(k):
                va, vb = ra[j], rb[j]
                key = (va, vb) if (va or "") <= (vb or "") else (vb, va)
                f = memo.get(key)
                if f is None:
                    f = self._value_pair(*key)
                    if len(memo) < 2_000_000:
                        memo[key] = f
                out[i, j, :n_val] = f
            out[i, :, n_val:] = self.tuple_features(ra, rb)
        return out


__all__ = ["BASE_FEATURES", "FEATURE_NAMES", "IDF_FEATURES", "N_FEATURES", "TUPLE_FEATURES", "PairFeaturizer",
           "Prepared", "prepare", "value_features"]
