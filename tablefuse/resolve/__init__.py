"""Resolve: one golden record per integrable set, every conflict recorded with its story.

A resolver has ``resolve(tuples, membership) -> Resolution`` and ``per_set``: True when its
answer for a set depends on that set alone (then sets may be resolved apart, on several
workers); ``make_resolver(config)`` builds the one named by ``config.method``.

Every in-process resolver also has ``format`` (``resolve.format``: majority | original | canonical),
``formats`` (None: each attribute's domain and majority style learned from the tuples given; set it
to ``tablefuse.resolve._conflicts.lake_formats(whole_lake_tuples)`` to render a subset exactly as
the whole lake) and ``typo_aware`` (default True); after ``resolve`` it holds ``notes_`` (set_id,
attribute, note: what changed a golden value beyond its format, e.g. a zip restored to five
digits) and ``reliability_`` (source -> agreement rate, typo-aware).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol, runtime_checkable

from ..config import ResolveConfig
from ..errors import ConfigError
from ..frames import Membership, Resolution, TupleTable
from ._conflicts import long_cells
from ._evidence import EvidenceResolver
from ._knn import KnnResolver
from ._truth import TruthResolver
from ._vote import VoteResolver


@runtime_checkable
class Resolver(Protocol):
    per_set: bool

    def resolve(self, tuples: TupleTable, membership: Membership) -> Resolution: ...


class _LazyResolver:
    """A registry entry that imports its resolver only when built (keeps this import cheap)."""

    def __init__(self, module: str, name: str, method: str) -> None:
        self.module, self.name, self.method = module, name, method

    def load(self) -> Any:
        import importlib

        return getattr(importlib.import_module(self.module, __name__), self.name)

    def from_config(self, config: ResolveConfig) -> Resolver:
        return self.load().from_config(config)


RESOLVERS: dict[str, Any] = {"vote": VoteResolver, "truth": TruthResolver, "knn": KnnResolver,
             "evidence": EvidenceResolver,
             "llm": _LazyResolver(".llm", "LLMResolver", "llm"),
             "local": _LazyResolver(".llm", "LocalResolver", "local")}


def effective_method(config: ResolveConfig) -> str:
    """``auto`` means ``llm`` when an endpoint is configured (config or ``TABLEFUSE_LLM_BASE_URL``),
    else ``evidence``: the best resolver without an LLM on the injected-conflict benchmarks
    (benchmarks/results/resolve_llm.md)."""
    if config.method != "auto":
        return config.method
    import os

    return "llm" if (config.llm_base_url or os.environ.get("TABLEFUSE_LLM_BASE_URL")) else "evidence"


def make_resolver(config: ResolveConfig) -> Resolver:
    method = effective_method(config)
    try:
        cls = RESOLVERS[method]
    except KeyError:
        raise ConfigError(f"resolve.method {config.method!r} unknown; "
                          f"choose from {sorted(RESOLVERS)} or auto") from None
    return cls.from_config(replace(config, method=method))


__all__ = [
    "RESOLVERS",
    "EvidenceResolver",
    "KnnResolver",
    "Resolver",
    "TruthResolver",
    "VoteResolver",
    "effective_method",
    "long_cells",
    "make_resolver",
]
