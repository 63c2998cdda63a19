"""SimilarityJudge: the string-similarity baseline."""
from __future__ import annotations

import polars as pl
import pytest

from tablefuse.config import JudgeConfig
from tablefuse.errors import NotFittedError
from tablefuse.frames import TUPLE_META, CandidatePairs, TupleTable
from tablefuse.judge import JUDGES, SimilarityJudge, make_judge
from tablefuse.judge._similarity import DEFAULT_THRESHOLD, normalise, parse_number


def _tuples(rows: list[dict[str, str | None]], keys: list[str] | None = None) -> TupleTable:
    attrs = list(dict.fromkeys(a for r in rows for a in r))
    n = len(rows)
    frame = pl.DataFrame({
        "tid": pl.Series(range(n), dtype=pl.Int64), "source": ["s"] * n,
        "source_row": pl.Series(range(n), dtype=pl.Int64),
        "source_key": pl.Series(keys or [None] * n, dtype=pl.Utf8),
        **{a: pl.Series([r.get(a) for r in rows], dtype=pl.Utf8) for a in attrs},
    })
    return TupleTable(frame.select(list(TUPLE_META) + attrs), tuple(attrs))


def _pairs(pairs: list[tuple[int, int]]) -> CandidatePairs:
    return CandidatePairs(pl.DataFrame({"tid_a": [a for a, _ in pairs], "tid_b": [b for _, b in pairs],
                                        "blocker": ["t"] * len(pairs)},
                                       schema={"tid_a": pl.Int64, "tid_b": pl.Int64, "blocker": pl.Utf8}))


ROWS = [
    {"name": "Joe's Diner", "city": "Boston", "price": "1,000"},
    {"name": "joes diner", "city": "Boston", "price": "1000"},
    {"name": "Golden Dragon Palace", "city": "Seattle", "price": "25"},
    {"name": "Joe's Diner", "city": None, "price": None},
    {"name": None, "city": None, "price": None},
    {"name": "Jo's Diner", "city": "Boston", "price": "1000"},
]


def test_registered_and_built_from_config() -> None:
    assert JUDGES["similarity"] is SimilarityJudge
    judge = make_judge(JudgeConfig(method="similarity", threshold=0.6))
    assert isinstance(judge, SimilarityJudge) and judge.threshold == 0.6
    assert SimilarityJudge.from_config(JudgeConfig()).threshold == DEFAULT_THRESHOLD


def test_normalise_and_numbers() -> None:
    assert normalise("  Joe's  DINER, Café ") == "joes diner cafe"
    assert normalise("v2.5 (beta)") == "v2.5 beta"
    assert parse_number("1,000") == parse_number("1000") == 1000.0
    assert parse_number("$19.99") == 19.99
    assert parse_number("12 Main St") is None and parse_number("2024-01-05") is None


def test_duplicates_score_above_threshold_and_distinct_below() -> None:
    tuples = _tuples(ROWS)
    cands = _pairs([(0, 1), (0, 2), (1, 5)])
    scored = SimilarityJudge().fit(tuples, cands).score(tuples, cands)
    scored.validate()
    s = dict(zip(zip(scored.frame["tid_a"], scored.frame["tid_b"]), scored.frame["score"]))
    assert s[(0, 1)] == pytest.approx(1.0)  # punctuation/case/thousands separator only
    assert s[(0, 2)] < 0.5
    assert s[(0, 1)] > s[(1, 5)] > DEFAULT_THRESHOLD  # one typo still integrable
    assert scored.frame["integrable"].to_list() == [True, False, True]
    assert scored.threshold == DEFAULT_THRESHOLD


def test_nulls_complement_and_no_shared_attribute_scores_low() -> None:
    tuples = _tuples(ROWS)
    cands = _pairs([(0, 3), (0, 4), (3, 4)])
    scored = SimilarityJudge().fit(tuples, cands).score(tuples, cands)
    scores = scored.frame["score"].to_list()
    assert scores[0] == pytest.approx(1.0)  # only name shared and equal: nulls never conflict
    assert scores[1] == 0.0 and scores[2] == 0.0


def test_numbers_compared_numerically() -> None:
    tuples = _tuples([{"price": "100"}, {"price": "101"}, {"price": "200"}, {"price": "100.0"}])
    cands = _pairs([(0, 1), (0, 2), (0, 3)])
    s = SimilarityJudge().fit(tuples, cands).score(tuples, cands).frame["score"].to_list()
    assert s[0] > 0.9 and s[1] == 0.0 and s[2] == 1.0


def test_surrogate_key_is_not_evidence() -> None:
    rows = [{"name": "alpha"}, {"name": "omega"}]
    cands = _pairs([(0, 1)])
    same = _tuples(rows, keys=["k1", "k1"])
    diff = _tuples(rows, keys=["k1", "k2"])
    j = SimilarityJudge().fit(same, cands)
    assert j.score(same, cands).frame["score"][0] == j.score(diff, cands).frame["score"][0]


def test_score_before_fit_raises_and_empty_candidates() -> None:
    tuples = _tuples(ROWS)
    with pytest.raises(NotFittedError):
        SimilarityJudge().score(tuples, _pairs([(0, 1)]))
    scored = SimilarityJudge().fit(tuples, CandidatePairs.empty()).score(tuples, CandidatePairs.empty())
    scored.validate()
    assert scored.frame.height == 0 and set(scored.frame.columns) >= {"tid_a", "tid_b", "score", "integrable"}
