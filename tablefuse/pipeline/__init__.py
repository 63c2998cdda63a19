"""The orchestrator: the only package that imports every stage.

``Pipeline`` runs ``ingest → align → block → judge → discover → resolve → store`` as public steps
(``steps``); every rule that joins two stages lives in ``policy``; partitioned execution on an
engine in ``partition``; reading a store with its user decisions applied (sets edited by hand
re-resolved by the run's own resolver) in ``decisions``. The CLI, the app and the benchmarks are
clients of this package.
"""
from __future__ import annotations

from .decisions import export_table, read_table, run_resolver, stored_config
from .policy import judge_dir
from .steps import Pipeline, StepKeys, integrate

__all__ = ["Pipeline", "StepKeys", "export_table", "integrate", "judge_dir", "read_table", "run_resolver",
           "stored_config"]
