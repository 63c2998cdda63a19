"""The Ray engine: tasks and actor pools on a Ray cluster (a local one when no address is given).

Data crosses process boundaries as Arrow tables (zero-copy in Ray's object store); large shared
inputs are put once and passed by reference. Actors ask for a GPU each where the cluster has
GPUs, so encoding runs on them. Ray is imported only when the engine is used.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...errors import ConfigError


class RayEngine:
    """``map`` as Ray tasks, ``map_actors`` as an ordered ``ActorPool``.

    ``address``: a cluster (``ray://host:10001`` or ``host:6379``); None starts a local one
    bound to 127.0.0.1 with ``num_cpus``. ``shutdown`` stops only a cluster this engine started.

    >>> engine = RayEngine(num_cpus=2)  # doctest: +SKIP
    >>> engine.map(lambda x, s: x * s, [1, 2], shared=3)  # doctest: +SKIP
    [3, 6]
    """

    name = "ray"

    def __init__(self, address: str | None = None, num_cpus: int | None = None,
                 max_actors: int | None = None):
        self.address = address
        self.num_cpus = num_cpus
        self.max_actors = max_actors
        self._started = False
        self._ray = None

    def _init(self):
        if self._ray is not None:
            return self._ray
        try:
            import ray
        except ImportError as exc:
            raise ConfigError("engine 'ray' needs Ray: pip install 'tablefuse[ray]'") from exc
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "configure_logging": False}
            if self.address:
                ray.init(address=self.address, **kwargs)
            else:
                ray.init(num_cpus=self.num_cpus, _node_ip_address="127.0.0.1", **kwargs)
            self._started = True
        self._ray = ray
        return ray

    @property
    def parallelism(self) -> int:
        ray = self._init()
        return max(1, int(ray.cluster_resources().get("CPU", 1)))

    def _gpus(self) -> int:
        return int(self._init().cluster_resources().get("GPU", 0))

    def map(self, fn: Callable[[Any, Any], Any], items: Sequence[Any], shared: Any = None) -> list[Any]:
        ray = self._init()
        if not items:
            return []
        task = ray.remote(fn)
        ref = ray.put(shared)
        return ray.get([task.remote(item, ref) for item in items])

    def map_actors(self, factory: Callable[[], Any], method: str, items: Sequence[Any]) -> list[Any]:
        ray = self._init()
        if not items:
            return []
        from ray.util import ActorPool

        gpus = self._gpus()
        n = min(len(items), gpus or self.parallelism, self.max_actors or len(items))
        actor_cls = ray.remote(num_gpus=1 if gpus else 0, num_cpus=0 if gpus else 1)(_Actor)
        actors = [actor_cls.remote(factory) for _ in range(max(1, n))]
        try:
            pool = ActorPool(actors)
            return list(pool.map(lambda a, item: a.call.remote(method, item), list(items)))
        finally:
            for a in actors:
                ray.kill(a)

    def shutdown(self) -> None:
        if self._ray is not None and self._started:
            self._ray.shutdown()
        self._ray = None
        self._started = False


class _Actor:
    """Holds one object built by ``factory`` (an encoder: the model loads once per worker)."""

    def __init__(self, factory: Callable[[], Any]):
        self.obj = factory()

    def call(self, method: str, item: Any) -> Any:
        return getattr(self.obj, method)(item)
