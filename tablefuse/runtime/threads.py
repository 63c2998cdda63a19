"""Thread policy: how many torch / BLAS threads a run may use, from the cores actually free.

torch's intra-op pool defaults to every core the machine has, which on a shared machine
oversubscribes it: the demo's judge went from 27 s idle to 669 s while other jobs held the two
cores. The policy here never gives torch more threads than the cores this process may run on
(``os.sched_getaffinity``), subtracts the cores other processes keep busy (``os.getloadavg``),
and falls back to one thread when the machine is busy: one thread on a loaded machine is faster
than two fighting for it.

API (the runtime and the judge call these)::

    plan = choose_threads()            # ThreadPlan(threads=..., cores=..., load=..., reason=...)
    with apply_threads(plan):          # torch intra-op + BLAS/OpenMP pools set, restored on exit
        ...
    with thread_budget():              # both at once (``requested`` > 0 forces a count)
        ...
"""
from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger("tablefuse")

ENV_VAR = "TABLEFUSE_THREADS"  # an explicit count wins over the policy (0 or unset: the policy)
BUSY_FRACTION = 0.5  # fewer than this share of a core free per core: treat the machine as busy


@dataclass(frozen=True)
class ThreadPlan:
    """The decision and why: ``threads`` for torch's intra-op pool and the BLAS pools."""

    threads: int
    cores: int
    load: float
    reason: str


def available_cores() -> int:
    """Cores this process may run on (its affinity mask; ``os.cpu_count`` where there is none)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def current_load() -> float:
    """The 1-minute load average (0 where the platform has none)."""
    try:
        return float(os.getloadavg()[0])
    except (AttributeError, OSError):
        return 0.0


def _env_int(name: str) -> int:
    """A positive integer from the environment, else 0 (unset, empty or not a number)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return 0
    try:
        return max(0, int(raw))
    except ValueError:
        logger.warning("%s=%r is not a number: using the thread policy", name, raw)
        return 0


def choose_threads(requested: int = 0, cores: int | None = None, load: float | None = None,
                   own_load: float = 0.0) -> ThreadPlan:
    """How many threads to use.

    ``requested`` > 0 (or ``$TABLEFUSE_THREADS``) is honoured but capped at the cores. Else
    (``$OMP_NUM_THREADS``, when set, caps the cores):
    free = cores - (load - own_load), the cores not kept busy by other processes (``own_load``:
    what this process itself contributes to the load average, e.g. 1.0 while it is already
    running one busy thread); threads = free rounded, at least 1, at most the cores; and 1 when
    free < ``BUSY_FRACTION`` × cores (busy machine). ``cores`` / ``load`` are for tests.
    """
    n = available_cores() if cores is None else max(1, int(cores))
    ld = current_load() if load is None else max(0.0, float(load))
    if requested <= 0:
        requested = _env_int(ENV_VAR)
    if requested > 0:
        return ThreadPlan(min(requested, n), n, ld, f"requested {requested}, {n} cores")
    cap = _env_int("OMP_NUM_THREADS")  # a caller that pinned OpenMP (a benchmark, a test run) is obeyed
    if cap:
        n = min(n, cap)
    others = max(0.0, ld - max(0.0, own_load))
    free = n - others
    if free < BUSY_FRACTION * n:
        return ThreadPlan(1, n, ld, f"busy: load {ld:.2f} on {n} cores")
    threads = max(1, min(n, int(free + 0.5)))
    return ThreadPlan(threads, n, ld, f"{free:.2f} of {n} cores free (load {ld:.2f})")


@contextlib.contextmanager
def apply_threads(plan: ThreadPlan | int) -> Iterator[ThreadPlan]:
    """Sets torch's intra-op threads and the BLAS/OpenMP pools (threadpoolctl, when installed)
    to ``plan.threads`` for the block, and restores the previous counts after it."""
    if isinstance(plan, int):
        plan = ThreadPlan(max(1, plan), available_cores(), current_load(), "given")
    before = None
    torch = None
    try:
        import torch as _torch

        torch = _torch
        before = torch.get_num_threads()
        torch.set_num_threads(plan.threads)
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    limiter: Any = contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits

        limiter = threadpool_limits(limits=plan.threads)
    except ImportError:  # pragma: no cover - optional
        pass
    try:
        with limiter:
            yield plan
    finally:
        if torch is not None and before is not None:
            torch.set_num_threads(before)


@contextlib.contextmanager
def thread_budget(requested: int = 0, own_load: float = 0.0) -> Iterator[ThreadPlan]:
    """``apply_threads(choose_threads(requested, own_load=own_load))``, logged once."""
    plan = choose_threads(requested, own_load=own_load)
    logger.debug("threads: %d (%s)", plan.threads, plan.reason)
    with apply_threads(plan) as p:
        yield p


__all__ = ["BUSY_FRACTION", "ENV_VAR", "ThreadPlan", "apply_threads", "available_cores", "choose_threads",
           "current_load", "thread_budget"]
