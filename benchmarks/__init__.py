"""Benchmarks for tablefuse: the Real and Join suites (``python -m benchmarks run --suite ...``).

``run_suite(suite, quick, out_dir)`` is the entry point the CLI (``tablefuse bench``) calls;
stage benchmarks (blocking, judge, discovery, resolve, align) live beside it as scripts.
"""
from __future__ import annotations

from typing import Any


def run_suite(suite: str, quick: bool = False, out_dir: str = "benchmarks/results", **kwargs: Any) -> dict[str, Any]:
    """Run the ``real``, ``join`` or ``all`` suite; see ``benchmarks.harness.run_suite``."""
    from .harness import run_suite as _run

    return _run(suite, quick, out_dir, **kwargs)


__all__ = ["run_suite"]
