"""Judge: score candidate pairs with P(integrable).

A judge is estimator-like: ``fit(tuples, candidates) -> self`` (self-supervised, no labels), then
``score(tuples, candidates) -> ScoredPairs``. ``make_judge(config)`` builds the one named by
``config.method``.
"""
from __future__ import annotations

from typing import Protocol

from ..config import JudgeConfig
from ..errors import ConfigError
from ..frames import CandidatePairs, ScoredPairs, TupleTable
from ._similarity import SimilarityJudge


class Judge(Protocol):
    def fit(self, tuples: TupleTable, candidates: CandidatePairs) -> Judge: ...

    def score(self, tuples: TupleTable, candidates: CandidatePairs) -> ScoredPairs: ...


JUDGES = {"similarity": SimilarityJudge}


def make_judge(config: JudgeConfig) -> Judge:
    try:
        cls = JUDGES[config.method]
    except KeyError:
        raise ConfigError(f"judge.method {config.method!r} unknown; choose from {sorted(JUDGES)}") from None
    return cls.from_config(config)


__all__ = ["JUDGES", "Judge", "SimilarityJudge", "make_judge"]
