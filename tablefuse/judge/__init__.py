"""Judge: score candidate pairs with P(integrable).

A judge is estimator-like: ``fit(tuples, candidates) -> self`` (self-supervised, no labels; every
judge also takes optional ``labels=``, pairs a person labelled, and may learn from them), then
``score(tuples, candidates) -> ScoredPairs``, and ``choose_threshold(scores)``: its decision cut
for a set of scores, which a partitioned run calls once over all of them (a lake-wide rule must
not be chosen per partition). ``make_judge(config)`` builds the one named by ``config.method``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..config import JudgeConfig
from ..errors import ConfigError
from ..frames import CandidatePairs, LabelledPairs, ScoredPairs, TupleTable
from ._similarity import SimilarityJudge, parse_number
from .fellegi_sunter import FellegiSunterJudge
from .ssacl import SSACLJudge


@runtime_checkable
class Judge(Protocol):
    def fit(self, tuples: TupleTable, candidates: CandidatePairs, labels: LabelledPairs | None = None) -> Judge: ...

    def score(self, tuples: TupleTable, candidates: CandidatePairs) -> ScoredPairs: ...

    def choose_threshold(self, scores: np.ndarray) -> float: ...


JUDGES: dict[str, Any] = {"similarity": SimilarityJudge, "ssacl": SSACLJudge, "fellegi_sunter": FellegiSunterJudge}


def make_judge(config: JudgeConfig, progress=None, encoder=None) -> Judge:
    """The judge ``config.method`` names; ``progress`` and the run's shared ``encoder`` reach
    judges that take them (SSACL uses the encoder when it is the kind the judge chose)."""
    import inspect

    try:
        cls = JUDGES[config.method]
    except KeyError:
        raise ConfigError(f"judge.method {config.method!r} unknown; choose from {sorted(JUDGES)}") from None
    accepted = inspect.signature(cls.from_config).parameters
    extra = {k: v for k, v in (("progress", progress), ("encoder", encoder)) if v is not None and k in accepted}
    return cls.from_config(config, **extra)


def load_judge(folder: str | Path) -> Judge:
    """A trained judge saved in ``folder`` by its ``save`` (the pipeline saves SSACL beside the store)."""
    return SSACLJudge.load(folder)


__all__ = ["JUDGES", "FellegiSunterJudge", "Judge", "SSACLJudge", "SimilarityJudge", "load_judge", "make_judge",
           "parse_number"]
