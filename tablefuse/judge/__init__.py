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
from .ssacl import SSACLJudge


class Judge(Protocol):
    def fit(self, tuples: TupleTable, candidates: CandidatePairs) -> Judge: ...

    def score(self, tuples: TupleTable, candidates: CandidatePairs) -> ScoredPairs: ...


JUDGES = {"similarity": SimilarityJudge, "ssacl": SSACLJudge}


def make_judge(config: JudgeConfig, progress=None) -> Judge:
    """The judge ``config.method`` names; ``progress`` reaches judges that train (SSACL)."""
    import inspect

    try:
        cls = JUDGES[config.method]
    except KeyError:
        raise ConfigError(f"judge.method {config.method!r} unknown; choose from {sorted(JUDGES)}") from None
    if progress is not None and "progress" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(config, progress=progress)
    return cls.from_config(config)


__all__ = ["JUDGES", "Judge", "SSACLJudge", "SimilarityJudge", "make_judge"]
