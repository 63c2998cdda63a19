"""Fellegi-Sunter with EM: the classical unsupervised record-linkage model, estimated on the lake.

Per attribute a pair falls into one comparison level (``LEVELS``): ``exact`` (equal normalised
values), ``close`` and ``near`` (text: Jaro-Winkler >= 0.92 / >= 0.80, or a token-set ratio >= 0.9
for reordered words; numbers: within 1% / 10% relative, or one typo; dates: within a day or day
and month swapped / within a year), ``else``; a null on either side, or a junk value
(``information.is_junk``: "unknown", "xxxx", mojibake), is no evidence at all (Splink's null
level). Each level has m = P(level | match) and u = P(level | non-match):

* u from random pairs of tuples (a random pair is almost never a match), fixed afterwards;
* m and the match prior λ among the candidate pairs by EM (distinct level patterns are grouped,
  so an iteration costs the number of patterns, not of pairs);
* exact agreement is term-frequency adjusted when scoring: its u is the value's own frequency in
  the attribute (an equal rare surname is strong evidence, an equal "smith" weak), as Splink does.

The posterior P(match | levels) = λ Π m / (λ Π m + (1 - λ) Π u) is the score; integrable at
``threshold`` (default 0.5). String similarities are computed once per distinct value pair with
``rapidfuzz.process.cpdist`` (C++, vectorised), never in a Python loop per pair.

``FellegiSunterJudge`` is a judge on its own (``judge.method = fellegi_sunter``) and the second
view SSACL can use (``judge.ssacl.fs_evidence``).
"""
from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from ..config import JudgeConfig
from ..errors import NotFittedError
from ..frames import CandidatePairs, LabelledPairs, ScoredPairs, TupleTable
from ._similarity import normalise, parse_number
from .information import is_junk

logger = logging.getLogger("tablefuse")

LEVELS = ("exact", "close", "near", "else")
N_LEVELS = len(LEVELS)
NULL = -1
_DATE_YMD = re.compile(r"^\s*(\d{4})[-/.]?(\d{2})[-/.]?(\d{2})\s*$")
_DATE_DMY = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$")


def parse_date(raw: str) -> float | None:
    """Days since 1970 for YYYYMMDD / YYYY-MM-DD / DD/MM/YYYY (or MM/DD/YYYY when the first
    part cannot be a day-of-month order), else None."""
    m = _DATE_YMD.match(raw)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _DATE_DMY.match(raw)
        if not m:
            return None
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if mo > 12 and d <= 12:
            d, mo = mo, d
    if not (1 <= mo <= 12 and 1 <= d <= 31 and 1000 <= y <= 2999):
        return None
    try:
        return float(np.datetime64(f"{y:04d}-{mo:02d}-{d:02d}", "D").astype(np.int64))
    except ValueError:
        return None


@dataclass
class Column:
    """One attribute's distinct normalised values (``uniques``), their numbers / dates, and
    each row's code into them (-1: null or junk)."""

    kind: str  # text | code | numeric | date
    uniques: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    numbers: list[float] = field(default_factory=list)
    days: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)  # lake rows holding each value
    n_filled: int = 0
    junk_is_null: bool = True  # information weighting: a junk value is no evidence (as a null)

    def code(self, raw: str | None, count: bool = False) -> int:
        if raw is None:
            return NULL
        text = normalise(raw)
        if not text or (self.junk_is_null and (is_junk(text) or is_junk(raw))):
            return NULL
        i = self.index.get(text)
        if i is None:
            i = len(self.uniques)
            self.index[text] = i
            self.uniques.append(text)
            num = parse_number(raw)
            self.numbers.append(np.nan if num is None else num)
            day = parse_date(raw)
            self.days.append(np.nan if day is None else day)
            self.counts.append(0)
        if count:
            self.counts[i] += 1
            self.n_filled += 1
        return i


def _kind(values: Sequence[str]) -> str:
    """date when >= 80% of the (sampled) values parse as dates; when >= 90% parse as numbers, code
    (whole numbers: years, postcodes) or numeric (measures: prices); else text."""
    vals = [v for v in values if v is not None][:2000]
    if not vals:
        return "text"
    if sum(parse_date(v) is not None for v in vals) >= 0.8 * len(vals):
        return "date"
    nums = [parse_number(v) for v in vals]
    if sum(x is not None for x in nums) >= 0.9 * len(vals):
        whole = all(x is None or float(x).is_integer() for x in nums) and not any("." in v for v in vals)
        return "code" if whole else "numeric"
    return "text"


def _similar_levels(kind: str, sa: list[str], sb: list[str], na: np.ndarray, nb: np.ndarray,
                    da: np.ndarray, db: np.ndarray, workers: int = 1) -> np.ndarray:
    """Levels 1-3 (close, near, else) for distinct non-equal value pairs (vectorised)."""
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import JaroWinkler, Levenshtein

    n = len(sa)
    out = np.full(n, 3, dtype=np.int8)
    if n == 0:
        return out
    jw = process.cpdist(sa, sb, scorer=JaroWinkler.normalized_similarity, workers=workers)
    if kind == "text":
        tset = process.cpdist(sa, sb, scorer=fuzz.token_set_ratio, workers=workers) / 100.0
        multi = np.fromiter((" " in a or " " in b for a, b in zip(sa, sb)), dtype=bool, count=n)
        out[jw >= 0.80] = 2
        out[(jw >= 0.92) | (multi & (tset >= 0.9))] = 1
        return out
    lev = process.cpdist(sa, sb, scorer=Levenshtein.distance, workers=workers)
    if kind == "code":  # whole numbers (years, postcodes, ids): closeness is a typo, not a distance
        out[jw >= 0.88] = 2
        out[lev <= 1] = 1
        return out
    if kind == "numeric":
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.abs(na - nb) / np.maximum(np.maximum(np.abs(na), np.abs(nb)), 1e-12)
        rel = np.where(np.isnan(rel), np.inf, rel)
        out[(rel <= 0.10) | (jw >= 0.88)] = 2
        out[(rel <= 0.01) | (lev <= 1)] = 1
        return out
    diff = np.abs(da - db)
    diff = np.where(np.isnan(diff), np.inf, diff)
    swapped = np.fromiter((len(a) == len(b) == 8 and a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6]
                           for a, b in zip(sa, sb)), dtype=bool, count=n)
    out[(diff <= 365) | (jw >= 0.88)] = 2
    out[(diff <= 1) | swapped | (lev <= 1)] = 1
    return out


class LevelComputer:
    """Comparison levels of pairs of rows; distinct value pairs are compared once per attribute."""

    def __init__(self, columns: list[Column], workers: int = 1):
        self.columns = columns
        self.workers = workers

    def levels(self, codes_a: np.ndarray, codes_b: np.ndarray) -> np.ndarray:
        """(n, K) int8 levels from (n, K) value codes of both sides."""
        n, k = codes_a.shape
        out = np.full((n, k), NULL, dtype=np.int8)
        for j, col in enumerate(self.columns):
            ca, cb = codes_a[:, j].astype(np.int64), codes_b[:, j].astype(np.int64)
            filled = (ca >= 0) & (cb >= 0)
            exact = filled & (ca == cb)
            out[exact, j] = 0
            other = np.flatnonzero(filled & ~exact)
            if not len(other):
                continue
            lo, hi = np.minimum(ca[other], cb[other]), np.maximum(ca[other], cb[other])
            span = max(len(col.uniques), 1)
            keys, inverse = np.unique(lo * span + hi, return_inverse=True)
            ua, ub = keys // span, keys % span
            uniq = col.uniques
            nums = np.asarray(col.numbers, dtype=np.float64)
            days = np.asarray(col.days, dtype=np.float64)
            lv = _similar_levels(col.kind, [uniq[i] for i in ua], [uniq[i] for i in ub], nums[ua], nums[ub],
                                 days[ua], days[ub], self.workers)
            out[other, j] = lv[inverse.reshape(-1)]
        return out


def em(levels: np.ndarray, u: np.ndarray, m0: np.ndarray | None = None, lam0: float = 0.1,
       max_iter: int = 200, tol: float = 1e-6, fix_u: bool = True) -> tuple[np.ndarray, np.ndarray, float, int]:
    """EM for the two-class mixture over comparison levels (-1 = no evidence). Returns
    (m, u, λ, iterations); ``u`` is kept fixed unless ``fix_u`` is False. Distinct level patterns
    are grouped first, so an iteration costs their number, not the pairs'."""
    k = levels.shape[1]
    if len(levels) == 0:
        return (m0 if m0 is not None else np.full((k, N_LEVELS), 1.0 / N_LEVELS)), u, lam0, 0
    patterns, counts = np.unique(levels, axis=0, return_counts=True)
    counts = counts.astype(np.float64)
    onehot = np.zeros((len(patterns), k, N_LEVELS), dtype=np.float64)
    pi, ki = np.nonzero(patterns >= 0)
    onehot[pi, ki, patterns[pi, ki]] = 1.0
    if m0 is None:
        m0 = np.tile(np.array([0.85, 0.08, 0.04, 0.03]), (k, 1))
    m, uu, lam = m0.astype(np.float64).copy(), u.astype(np.float64).copy(), float(lam0)
    it = 0
    for step in range(1, max_iter + 1):
        it = step
        lm = np.einsum("pkl,kl->p", onehot, np.log(np.clip(m, 1e-12, 1)))
        lu = np.einsum("pkl,kl->p", onehot, np.log(np.clip(uu, 1e-12, 1)))
        logit = math.log(max(lam, 1e-12)) - math.log(max(1 - lam, 1e-12)) + lm - lu
        w = 1.0 / (1.0 + np.exp(-np.clip(logit, -60, 60)))
        cw = counts * w
        new_lam = float(cw.sum() / counts.sum())
        num = np.einsum("p,pkl->kl", cw, onehot) + 1e-3
        new_m = num / num.sum(1, keepdims=True)
        if not fix_u:
            numu = np.einsum("p,pkl->kl", counts * (1 - w), onehot) + 1e-3
            uu = numu / numu.sum(1, keepdims=True)
        delta = max(float(np.abs(new_m - m).max()), abs(new_lam - lam))
        m, lam = new_m, min(max(new_lam, 1e-9), 1 - 1e-9)
        if delta < tol:
            break
    return m, uu, lam, it


@dataclass
class FSModel:
    """A fitted model: per attribute m and u over ``LEVELS``, λ, and term frequencies."""

    columns: list[Column]
    m: np.ndarray
    u: np.ndarray
    lam: float
    iterations: int = 0
    tf: bool = True

    def log_bayes(self, levels: np.ndarray, codes_a: np.ndarray) -> np.ndarray:
        """Natural-log Bayes factor per pair: sum over attributes with evidence of log(m/u);
        exact agreement uses the value's own frequency as u (term-frequency adjustment)."""
        k = levels.shape[1]
        w = np.log(np.clip(self.m, 1e-12, 1)) - np.log(np.clip(self.u, 1e-12, 1))
        out = np.zeros(len(levels), dtype=np.float64)
        for j in range(k):
            lv = levels[:, j]
            has = lv >= 0
            out[has] += w[j, lv[has]]
            if self.tf:
                col = self.columns[j]
                ex = np.flatnonzero(lv == 0)
                if len(ex) and col.n_filled:
                    counts = np.asarray(col.counts + [0], dtype=np.float64)
                    ca = codes_a[ex, j]
                    # both tuples hold the value, so it is counted at least twice
                    freq = np.maximum(counts[np.clip(ca, 0, len(counts) - 1)], 2.0) / max(col.n_filled, 2)
                    # u of an exact match on this value is its frequency: rare strong, frequent weak
                    out[ex] += np.log(max(self.u[j, 0], 1e-12)) - np.log(np.maximum(freq, 1e-12))
        return out

    def probability(self, log_bayes: np.ndarray) -> np.ndarray:
        logit = math.log(self.lam) - math.log(1 - self.lam) + log_bayes
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -60, 60)))


def _sample_pairs(n: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, size=size)
    b = rng.integers(0, n - 1, size=size)
    b = b + (b >= a)  # never a tuple with itself
    return a, b


class FellegiSunterJudge:
    """Fellegi-Sunter with EM, zero labels (see the module docstring).

    >>> judge = FellegiSunterJudge()
    >>> judge.threshold is None
    True
    """

    def __init__(self, threshold: float | None = None, seed: int = 0, u_pairs: int = 200_000,
                 max_iter: int = 200, tf_adjust: bool = True, fix_u: bool = False, information: bool = True):
        self.threshold = threshold
        self.seed = seed
        self.u_pairs = u_pairs
        self.max_iter = max_iter
        self.tf_adjust = tf_adjust
        self.fix_u = fix_u
        self.information = information  # False: no term-frequency adjustment, junk values compared as any other
        self.model_: FSModel | None = None
        self.attributes_: tuple[str, ...] | None = None
        self.stats_: dict[str, Any] = {}

    @classmethod
    def from_config(cls, config: JudgeConfig) -> FellegiSunterJudge:
        return cls(threshold=config.threshold, seed=config.seed)

    # -- values ----------------------------------------------------------------------------
    def _codes(self, rows: Sequence[Sequence[str | None]], count: bool = False) -> np.ndarray:
        assert self.model_ is not None or count
        cols = self.columns_
        out = np.full((len(rows), len(cols)), NULL, dtype=np.int64)
        for i, r in enumerate(rows):
            for j, col in enumerate(cols):
                out[i, j] = col.code(r[j], count)
        return out

    def fit(self, tuples: TupleTable, candidates: CandidatePairs,
            labels: LabelledPairs | None = None) -> FellegiSunterJudge:
        """m, u and λ by EM on the candidates, no labels; ``labels`` (pairs a person labelled) are
        taken and not learnt from: EM stays unsupervised, the pipeline calibrates the cut on them."""
        from ..runtime.threads import choose_threads

        t0 = time.perf_counter()
        self.attributes_ = tuple(tuples.attributes)
        frame = tuples.frame
        raw_cols = [frame[a].to_list() for a in self.attributes_]
        self.columns_ = [Column(_kind(vals), junk_is_null=self.information) for vals in raw_cols]
        rows = [list(r) for r in zip(*raw_cols)] if raw_cols else []
        self.codes_ = self._codes(rows, count=True)
        self.tids_ = frame["tid"].to_numpy().astype(np.int64)
        self.computer_ = LevelComputer(self.columns_, workers=choose_threads().threads)
        n = len(rows)
        k = len(self.columns_)
        if n < 2 or k == 0:
            self.model_ = FSModel(self.columns_, np.full((k, N_LEVELS), 0.25), np.full((k, N_LEVELS), 0.25), 1e-6)
            self.stats_ = {"em_iterations": 0, "lambda": 1e-6, "seconds_fit": 0.0}
            return self
        size = int(min(self.u_pairs, n * (n - 1) // 2))
        ra, rb = _sample_pairs(n, size, self.seed)
        u_levels = self.computer_.levels(self.codes_[ra], self.codes_[rb])
        u = np.zeros((k, N_LEVELS))
        for j in range(k):
            lv = u_levels[:, j]
            lv = lv[lv >= 0]
            u[j] = (np.bincount(lv, minlength=N_LEVELS)[:N_LEVELS] + 0.5) / (len(lv) + 0.5 * N_LEVELS)
        ia, ib = self._positions(candidates)
        levels = self.computer_.levels(self.codes_[ia], self.codes_[ib])
        m, u, lam, it = em(levels, u, max_iter=self.max_iter, fix_u=self.fix_u)
        self.model_ = FSModel(self.columns_, m, u, lam, it, self.tf_adjust and self.information)
        self.stats_ = {"em_iterations": it, "lambda": round(lam, 6), "u_pairs": size,
                       "seconds_fit": round(time.perf_counter() - t0, 3),
                       "m_exact": [round(float(x), 4) for x in m[:, 0]],
                       "u_exact": [round(float(x), 6) for x in u[:, 0]]}
        logger.info("fellegi-sunter fit: λ=%.4g after %d EM iterations", lam, it)
        return self

    def _positions(self, candidates: CandidatePairs) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.tids_, kind="stable")
        sorted_tids = self.tids_[order]

        def pos(t: np.ndarray) -> np.ndarray:
            at = np.clip(np.searchsorted(sorted_tids, t), 0, len(sorted_tids) - 1)
            if not (sorted_tids[at] == t).all():
                raise KeyError("a candidate tid is not in the tuples")
            return order[at]

        cf = candidates.frame
        return (pos(cf["tid_a"].to_numpy().astype(np.int64)), pos(cf["tid_b"].to_numpy().astype(np.int64)))

    # -- scoring ---------------------------------------------------------------------------
    def log_odds_rows(self, rows_a: Sequence[Sequence[str | None]],
                      rows_b: Sequence[Sequence[str | None]]) -> np.ndarray:
        """Posterior log-odds of a match for aligned pairs of raw rows (any rows: SSACL's
        synthetic training pairs too; unseen values count as rare)."""
        if self.model_ is None:
            raise NotFittedError("FellegiSunterJudge used before fit")
        ca, cb = self._codes(rows_a), self._codes(rows_b)
        lb = self.model_.log_bayes(self.computer_.levels(ca, cb), ca)
        return math.log(self.model_.lam) - math.log(1 - self.model_.lam) + lb

    def score_positions(self, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
        """Posterior P(match) for row positions of the fitted tuples."""
        if self.model_ is None:
            raise NotFittedError("FellegiSunterJudge.score called before fit")
        ca, cb = self.codes_[ia], self.codes_[ib]
        return self.model_.probability(self.model_.log_bayes(self.computer_.levels(ca, cb), ca))

    def explain_positions(self, ia: int, ib: int) -> list[dict[str, Any]]:
        """Why the model scores rows ``ia`` and ``ib`` as it does: per attribute its comparison
        level and the evidence (natural-log Bayes factor, term-frequency adjusted on exact
        agreement) it adds; ``None`` level: no evidence (a null or junk value on either side).
        The terms sum to ``log_bayes`` of the pair."""
        if self.model_ is None:
            raise NotFittedError("FellegiSunterJudge.explain_positions called before fit")
        ca, cb = self.codes_[[ia]], self.codes_[[ib]]
        levels = self.computer_.levels(ca, cb)[0]
        out = []
        for j, attribute in enumerate(self.attributes_ or ()):
            lv = int(levels[j])
            one = np.full((1, len(self.columns_)), NULL, dtype=np.int8)
            one[0, j] = lv
            evidence = float(self.model_.log_bayes(one, ca)[0]) if lv >= 0 else 0.0
            out.append({"attribute": attribute, "kind": self.columns_[j].kind,
                        "level": LEVELS[lv] if lv >= 0 else None, "log_bayes": evidence,
                        "m": float(self.model_.m[j, lv]) if lv >= 0 else None,
                        "u": float(self.model_.u[j, lv]) if lv >= 0 else None})
        return out

    def position_of(self, tid: int) -> int:
        """The row position of tuple ``tid`` in the fitted tuples."""
        hit = np.flatnonzero(self.tids_ == int(tid))
        if not len(hit):
            raise KeyError(f"tuple {tid} is not in the fitted tuples")
        return int(hit[0])

    def choose_threshold(self, scores: np.ndarray) -> float:
        return 0.5 if self.threshold is None else float(self.threshold)

    def score(self, tuples: TupleTable, candidates: CandidatePairs) -> ScoredPairs:
        if self.model_ is None or self.attributes_ != tuple(tuples.attributes):
            raise NotFittedError("FellegiSunterJudge.score called before fit(tuples, candidates) on these tuples")
        t0 = time.perf_counter()
        cf = candidates.frame
        ia, ib = self._positions(candidates)
        scores = self.score_positions(ia, ib)
        thr = self.choose_threshold(scores)
        frame = pl.DataFrame({"tid_a": pl.Series(cf["tid_a"].to_numpy(), dtype=pl.Int64),
                              "tid_b": pl.Series(cf["tid_b"].to_numpy(), dtype=pl.Int64),
                              "score": pl.Series(scores, dtype=pl.Float64)})
        frame = frame.with_columns((pl.col("score") >= thr).alias("integrable"))
        stats: dict[str, Any] = {"method": "fellegi_sunter", "integrable": int(frame["integrable"].sum()),
                                 "threshold_source": "config" if self.threshold is not None else "posterior 0.5",
                                 "seconds_score": round(time.perf_counter() - t0, 3), **self.stats_}
        return ScoredPairs(frame, thr, stats)


__all__ = ["FSModel", "FellegiSunterJudge", "LEVELS", "LevelComputer", "em", "parse_date"]
