"""The string-similarity baseline judge, kept forever as the benchmark baseline.

Per attribute where both tuples have a value, a similarity in [0, 1] on normalised text (numbers
are compared numerically); the pair's score is the mean over those shared attributes. Nulls
complement, they never conflict: a null on either side simply drops that attribute from the mean.
A pair with no shared non-null attribute has nothing in common and scores 0.

``source_key`` (a surrogate id) is never looked at: it is not evidence that two rows match.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from ..config import JudgeConfig
from ..errors import NotFittedError
from ..frames import CandidatePairs, LabelledPairs, ScoredPairs, TupleTable

logger = logging.getLogger("tablefuse")

# Chosen on the magellan DeepMatcher test splits (thresholds 0.5-0.9 in steps of 0.05): the mean F1
# over the seven sets peaks at 0.75 (0.619; 0.592 at 0.70); per set the F1-best value ranges from
# 0.60 (Walmart-Amazon) to 0.80. It is fixed, never tuned per lake.
DEFAULT_THRESHOLD = 0.75

_NUMBER = re.compile(r"^[\s$€£¥]*[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*$|^[\s$€£¥]*[-+]?\.\d+\s*$")
_NON_WORD = re.compile(r"[^\w.]+|(?<!\d)\.|\.(?!\d)")
_SPACES = re.compile(r"\s+")
_APOSTROPHES = re.compile(r"['\u2019`]")


def normalise(value: str) -> str:
    """Lower case, accents folded, apostrophes dropped (Joe's = Joes), other punctuation (except
    decimal points) to spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    return _SPACES.sub(" ", text).strip()


def parse_number(value: str) -> float | None:
    """A number written as ``1,000``, ``$19.99``, ``-3`` or ``.5``; None for anything else."""
    if not _NUMBER.match(value):
        return None
    try:
        return float(re.sub(r"[\s$€£¥,]", "", value))
    except ValueError:
        return None


def numeric_similarity(a: float, b: float) -> float:
    """1 when equal, falling linearly to 0 at a 20% relative difference."""
    if a == b:
        return 1.0
    rel = abs(a - b) / max(abs(a), abs(b))
    return max(0.0, 1.0 - 5.0 * rel)


def text_similarity(a: str, b: str) -> float:
    """Mean of rapidfuzz token-set ratio (word order and subsets forgiven) and normalised
    Indel similarity (typos), both on normalised text, in [0, 1]."""
    from rapidfuzz import fuzz

    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return 0.005 * (fuzz.token_set_ratio(a, b) + fuzz.ratio(a, b))


@dataclass(frozen=True)
class Prepared:
    """A value ready for comparison: normalised text, its token set, its number if it is one."""

    text: str
    tokens: frozenset[str]
    number: float | None


def prepare(raw: str | None) -> Prepared | None:
    """None for a null or a value that normalises to nothing (nulls complement, never conflict)."""
    if raw is None:
        return None
    text = normalise(raw)
    if not text:
        return None
    return Prepared(text, frozenset(text.split()), parse_number(raw))


def value_similarity(a: Prepared, b: Prepared) -> float:
    if a.number is not None and b.number is not None:
        return numeric_similarity(a.number, b.number)
    return text_similarity(a.text, b.text)


class SimilarityJudge:
    """Mean per-attribute string similarity over the attributes both tuples fill.

    >>> judge = SimilarityJudge()
    >>> judge.threshold
    0.75
    """

    def __init__(self, threshold: float | None = None, seed: int = 0):
        self.threshold_source = "default" if threshold is None else "config"
        self.threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
        self.seed = seed  # unused: nothing is random; kept so every judge takes the same config
        self.attributes_: tuple[str, ...] | None = None

    @classmethod
    def from_config(cls, config: JudgeConfig) -> SimilarityJudge:
        return cls(threshold=config.threshold, seed=config.seed)

    def fit(self, tuples: TupleTable, candidates: CandidatePairs,
            labels: LabelledPairs | None = None) -> SimilarityJudge:
        """Nothing to learn (``labels`` too: its cut is fixed; the pipeline calibrates a run's cut on
        labels); records the attributes so ``score`` can check it was fitted."""
        self.attributes_ = tuple(tuples.attributes)
        return self

    def score_pairs(self, tuples: TupleTable, tid_a: Sequence[int], tid_b: Sequence[int]) -> list[float]:
        """Scores for aligned sequences of tids (the raw numbers behind ``score``)."""
        frame = tuples.frame
        index = {tid: i for i, tid in enumerate(frame["tid"].to_list())}
        columns: list[list[Prepared | None]] = []
        for attr in tuples.attributes:
            cache: dict[str | None, Prepared | None] = {}
            col = []
            for raw in frame[attr].to_list():
                if raw not in cache:
                    cache[raw] = prepare(raw)
                col.append(cache[raw])
            columns.append(col)
        scores: list[float] = []
        memo: dict[tuple[Prepared, Prepared], float] = {}
        for a, b in zip(tid_a, tid_b):
            ia, ib = index[a], index[b]
            total, shared = 0.0, 0
            for col in columns:
                va, vb = col[ia], col[ib]
                if va is None or vb is None:
                    continue
                key = (va, vb)
                sim = memo.get(key)
                if sim is None:
                    sim = value_similarity(va, vb)
                    memo[key] = sim
                total += sim
                shared += 1
            scores.append(total / shared if shared else 0.0)
        return scores

    def choose_threshold(self, scores: np.ndarray) -> float:
        """The fixed cut (configured, or the default chosen on the magellan splits)."""
        return float(self.threshold)

    def score(self, tuples: TupleTable, candidates: CandidatePairs) -> ScoredPairs:
        if self.attributes_ is None:
            raise NotFittedError("SimilarityJudge.score called before fit(tuples, candidates)")
        pairs = candidates.frame
        tid_a = pairs["tid_a"].to_list()
        tid_b = pairs["tid_b"].to_list()
        scores = self.score_pairs(tuples, tid_a, tid_b)
        frame = pl.DataFrame(
            {"tid_a": pl.Series(tid_a, dtype=pl.Int64), "tid_b": pl.Series(tid_b, dtype=pl.Int64),
             "score": pl.Series(scores, dtype=pl.Float64)}
        ).with_columns((pl.col("score") >= self.threshold).alias("integrable"))
        n_int = int(frame["integrable"].sum()) if frame.height else 0
        logger.info("similarity judge: %d of %d pairs integrable at %.2f", n_int, frame.height, self.threshold)
        return ScoredPairs(frame, self.threshold, {"method": "similarity", "integrable": n_int,
                                                   "threshold_source": self.threshold_source})


__all__ = ["DEFAULT_THRESHOLD", "Prepared", "SimilarityJudge", "normalise", "numeric_similarity", "parse_number",
           "prepare", "text_similarity"]
