"""The machine a benchmark ran on, so every published number says where it came from.

Shared by all benchmark scripts: ``describe()`` returns a JSON-ready dict (cpu model and count,
RAM, OS, Python and library versions, GPU when torch sees one) and ``markdown(describe())`` a
one-line summary for results tables.

>>> info = describe(with_torch=False)
>>> sorted(info)[:3]
['cpu_count', 'cpu_model', 'gpu']
"""
from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import Any

_LIBRARIES = ("tablefuse", "polars", "duckdb", "pyarrow", "torch", "transformers", "igraph",
              "leidenalg", "rapidfuzz", "splink")


def _cpu_model() -> str:
    """``model name`` from /proc/cpuinfo (Linux); the platform's processor string elsewhere."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cpu_count() -> int:
    """CPUs this process may use (the affinity mask), which is what a benchmark gets."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _ram_gb() -> float | None:
    try:
        import psutil

        return round(psutil.virtual_memory().total / 2**30, 1)
    except Exception:  # psutil missing or unsupported platform
        return None


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _gpu() -> str | None:
    """The first CUDA/MPS device torch sees; importing torch is the slow part, hence optional."""
    try:
        import torch

        if torch.cuda.is_available():
            return f"{torch.cuda.get_device_name(0)} (cuda, {torch.cuda.device_count()} device(s))"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "Apple MPS"
    except Exception:  # torch missing or a broken driver: report no GPU rather than fail
        return None
    return None


def describe(with_torch: bool = True) -> dict[str, Any]:
    """Where a benchmark runs: hardware, OS and the versions that change the numbers."""
    return {
        "cpu_model": _cpu_model(),
        "cpu_count": _cpu_count(),
        "ram_gb": _ram_gb(),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "libraries": {name: _version(name) for name in _LIBRARIES},
        "gpu": _gpu() if with_torch else None,
    }


def markdown(info: dict[str, Any]) -> str:
    """One line for a results table: ``2 × Intel Xeon …, 7.8 GB RAM, no GPU, Python 3.11 …``."""
    libs = info.get("libraries", {})
    shown = ", ".join(f"{k} {v}" for k, v in libs.items() if v and k in ("tablefuse", "polars", "torch", "duckdb"))
    ram = f"{info['ram_gb']} GB RAM" if info.get("ram_gb") else "RAM unknown"
    return (f"{info['cpu_count']} × {info['cpu_model']}, {ram}, {info.get('gpu') or 'no GPU'}, "
            f"{info['os']}, Python {info['python']}" + (f" ({shown})" if shown else ""))


__all__ = ["describe", "markdown"]
