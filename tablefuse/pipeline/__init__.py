"""The orchestrator: the only package that imports every stage.

``Pipeline`` runs ``ingest → align → block → judge → discover → resolve → store`` as public steps
(``steps``); every rule that joins two stages lives in ``policy``; partitioned execution on an
engine in ``partition``; reading a store with its user decisions applied (sets edited by hand
re-resolved by the run's own resolver) in ``decisions``; pair labels a person gave, used by the
next run, in ``labels``, and the pairs to label first in ``review`` (``review_queue``). The CLI,
the app and the benchmarks are clients of this package.
"""
from __future__ import annotations

from .decisions import export_table, read_table, run_resolver, stored_config
from .evidence import EvidenceModel, PairEvidence
from .policy import judge_dir
from .review import review_queue
from .steps import Pipeline, StepKeys, integrate

__all__ = ["EvidenceModel", "PairEvidence", "Pipeline", "StepKeys", "export_table", "integrate", "judge_dir",
           "read_table", "review_queue", "run_resolver", "stored_config"]
