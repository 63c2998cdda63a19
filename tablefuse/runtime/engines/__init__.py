"""Engines: plain executors that know no stage (``local`` in-process, or ``ray``).

An engine maps a function over items (``map``, with one ``shared`` input sent once) or a method
of per-worker objects over items (``map_actors``: each worker builds its object once, e.g. an
encoder). Results come back in input order, identical on every engine. What runs where (which
stage is partitioned, how) is the pipeline's business (``tablefuse.pipeline``).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from ...errors import ConfigError
from .local import LocalEngine
from .ray import RayEngine


@runtime_checkable
class Engine(Protocol):
    """What the pipeline and the encoders ask of an engine."""

    name: str

    @property
    def parallelism(self) -> int: ...

    def map(self, fn: Callable[[Any, Any], Any], items: Sequence[Any], shared: Any = None) -> list[Any]: ...

    def map_actors(self, factory: Callable[[], Any], method: str, items: Sequence[Any]) -> list[Any]: ...

    def shutdown(self) -> None: ...


def make_engine(name: str = "local", address: str | None = None, num_cpus: int | None = None) -> Engine:
    """``local`` or ``ray`` (``address``: an existing cluster; None starts a local one).

    >>> make_engine("local").name
    'local'
    """
    if name == "local":
        return LocalEngine()
    if name == "ray":
        return RayEngine(address=address, num_cpus=num_cpus)
    raise ConfigError(f"engine {name!r} unknown; choose local or ray")


__all__ = ["Engine", "LocalEngine", "RayEngine", "make_engine"]
