"""Resolve: one golden record per integrable set, every conflict recorded with its story.

A resolver has ``resolve(tuples, membership) -> Resolution``; ``make_resolver(config)`` builds
the one named by ``config.method``.
"""
from __future__ import annotations

from typing import Protocol

from ..config import ResolveConfig
from ..errors import ConfigError
from ..frames import Membership, Resolution, TupleTable
from ._vote import VoteResolver


class Resolver(Protocol):
    def resolve(self, tuples: TupleTable, membership: Membership) -> Resolution: ...


RESOLVERS = {"vote": VoteResolver}


def make_resolver(config: ResolveConfig) -> Resolver:
    try:
        cls = RESOLVERS[config.method]
    except KeyError:
        raise ConfigError(f"resolve.method {config.method!r} unknown; choose from {sorted(RESOLVERS)}") from None
    return cls.from_config(config)


__all__ = ["RESOLVERS", "Resolver", "VoteResolver", "make_resolver"]
