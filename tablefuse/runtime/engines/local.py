"""The local engine: every task runs in this process, in order (the reference for the others)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


class LocalEngine:
    """Runs ``map``/``map_actors`` in-process; what the Ray engine must reproduce exactly.

    >>> LocalEngine().map(lambda x, shared: x + shared, [1, 2], shared=10)
    [11, 12]
    """

    name = "local"

    def map(self, fn: Callable[[Any, Any], Any], items: Sequence[Any], shared: Any = None) -> list[Any]:
        return [fn(item, shared) for item in items]

    def map_actors(self, factory: Callable[[], Any], method: str, items: Sequence[Any]) -> list[Any]:
        if not items:
            return []
        obj = factory()
        return [getattr(obj, method)(item) for item in items]

    @property
    def parallelism(self) -> int:
        return 1

    def shutdown(self) -> None:
        return None
