"""Fellegi-Sunter with EM (tablefuse/judge/fellegi_sunter.py): parameter recovery and the judge."""
from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest

from tablefuse.config import JudgeConfig
from tablefuse.frames import TUPLE_META, CandidatePairs, TupleTable
from tablefuse.judge import make_judge
from tablefuse.judge.fellegi_sunter import N_LEVELS, FellegiSunterJudge, em, parse_date

M_TRUE = np.array([[0.90, 0.06, 0.03, 0.01], [0.70, 0.20, 0.05, 0.05], [0.95, 0.02, 0.02, 0.01]])
U_TRUE = np.array([[0.01, 0.02, 0.07, 0.90], [0.05, 0.05, 0.20, 0.70], [0.20, 0.10, 0.10, 0.60]])


def _mixture(n: int, lam: float, seed: int = 0, null_rate: float = 0.1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    match = rng.random(n) < lam
    levels = np.zeros((n, len(M_TRUE)), dtype=np.int8)
    for k in range(len(M_TRUE)):
        levels[match, k] = rng.choice(N_LEVELS, size=int(match.sum()), p=M_TRUE[k])
        levels[~match, k] = rng.choice(N_LEVELS, size=int((~match).sum()), p=U_TRUE[k])
    levels[rng.random(levels.shape) < null_rate] = -1
    return levels


@pytest.mark.parametrize("lam", [0.05, 0.3])
def test_em_recovers_m_and_lambda_with_u_known(lam):
    levels = _mixture(40_000, lam, seed=1)
    m, u, est, it = em(levels, U_TRUE, fix_u=True)
    assert abs(est - lam) < 0.01
    assert np.abs(m - M_TRUE).max() < 0.03
    assert np.allclose(u, U_TRUE)
    assert it >= 1


def test_em_recovers_m_u_and_lambda_from_rough_u():
    """u starting from a rough guess (as from random pairs) is re-estimated with m and λ."""
    levels = _mixture(60_000, 0.2, seed=2)
    rough = np.tile([0.02, 0.05, 0.13, 0.80], (3, 1))
    m, u, est, _ = em(levels, rough, fix_u=False)
    assert abs(est - 0.2) < 0.02
    assert np.abs(m - M_TRUE).max() < 0.05
    assert np.abs(u - U_TRUE).max() < 0.05


def test_parse_date_formats():
    assert parse_date("19560409") == parse_date("1956-04-09") == parse_date("09/04/1956")
    assert parse_date("1956-13-40") is None
    assert parse_date("hello") is None


NAMES = ["anna", "boris", "chiara", "david", "emil", "fatima", "goran", "helga", "ivan", "julia", "karim", "lotte",
         "mateo", "nora", "otto", "paula", "rahul", "sofia", "tomas", "ursula", "viktor", "wanda", "yusuf", "zoe"]
SURNAMES = ["meyer", "rossi", "kowalczyk", "dubois", "santos", "novak", "lindqvist", "okoye", "tanaka", "horvath",
            "ivanova", "brennan", "costa", "schultz", "petrov", "moreau", "varga", "nilsen", "ferreira", "kaya"]


def _typo(rng: random.Random, s: str) -> str:
    i = rng.randrange(len(s))
    return s[:i] + s[i + 1:] if len(s) > 3 else s + "x"


def febrl_like(n_people: int = 150, seed: int = 0):
    """A generated people lake with known duplicates (one table): each person once, a third of
    them again with a typo or a missing value. Candidates: every pair sharing a postcode or
    surname initial. Returns (tuples, candidates, truth)."""
    rng = random.Random(seed)
    people = []
    for i in range(n_people):
        people.append([rng.choice(NAMES), rng.choice(SURNAMES), str(rng.randint(1, 300)),
                       f"{rng.randint(1930, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
                       str(2000 + rng.randint(0, 60)), str(1_000_000 + i * 7919 % 900_000)])
    rows, truth = [list(p) for p in people], set()
    for i, p in enumerate(people[: n_people // 3]):
        d = list(p)
        j = rng.randrange(len(d))
        d[j] = _typo(rng, d[j]) if rng.random() < 0.7 else None
        truth.add((i, len(rows)))
        rows.append(d)
    attrs = ["given_name", "surname", "street_number", "date_of_birth", "postcode", "soc_sec_id"]
    n = len(rows)
    frame = pl.DataFrame({"tid": pl.Series(range(n), dtype=pl.Int64), "source": ["t"] * n,
                          "source_row": pl.Series(range(n), dtype=pl.Int64),
                          "source_key": pl.Series([None] * n, dtype=pl.Utf8),
                          **{a: pl.Series([r[k] for r in rows], dtype=pl.Utf8) for k, a in enumerate(attrs)}})
    tuples = TupleTable(frame.select(list(TUPLE_META) + attrs), tuple(attrs))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)
             if rows[i][4] == rows[j][4] or (rows[i][1] or "?")[:1] == (rows[j][1] or "!")[:1]]
    cands = CandidatePairs(pl.DataFrame({"tid_a": [a for a, _ in pairs], "tid_b": [b for _, b in pairs],
                                         "blocker": ["t"] * len(pairs)},
                                        schema={"tid_a": pl.Int64, "tid_b": pl.Int64, "blocker": pl.Utf8}))
    return tuples, cands, truth


def _f1(scored, truth):
    f = scored.frame.filter(pl.col("integrable"))
    pred = set(zip(f["tid_a"].to_list(), f["tid_b"].to_list()))
    tp = len(pred & truth)
    p, r = tp / max(len(pred), 1), tp / len(truth)
    return 2 * p * r / max(p + r, 1e-9)


def test_fellegi_sunter_judge_separates_duplicates():
    tuples, cands, truth = febrl_like()
    judge = make_judge(JudgeConfig(method="fellegi_sunter"))
    assert isinstance(judge, FellegiSunterJudge)
    scored = judge.fit(tuples, cands).score(tuples, cands)
    assert scored.stats["method"] == "fellegi_sunter"
    assert _f1(scored, truth) >= 0.95
    true_lam = len(truth) / cands.frame.height
    assert abs(scored.stats["lambda"] - true_lam) < 0.05
    assert judge.choose_threshold(scored.frame["score"].to_numpy()) == 0.5


def test_fellegi_sunter_scores_raw_rows():
    tuples, cands, _ = febrl_like(60)
    judge = FellegiSunterJudge().fit(tuples, cands)
    row = [tuples.frame[a][0] for a in tuples.attributes]
    other = [tuples.frame[a][5] for a in tuples.attributes]
    odds = judge.log_odds_rows([row, row], [list(row), other])
    assert odds[0] > 5 > odds[1]
