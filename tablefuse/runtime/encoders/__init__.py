"""Encoders: full MiniLM, int8 MiniLM, or the distilled static encoder, chosen by size and device.

``make_encoder(kind, n_texts, device)`` is the one entry point the runtime needs; ``kind``
``"auto"`` applies ``choose_kind``. Every encoder is an ``Encoder``: ``encode``, ``dim``,
``cached``, ``preload``, ``use_lookup``, ``new_entries`` and ``model_id`` (the persisted-cache key).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ...config import ENCODER_KINDS
from ...errors import ConfigError
from ._minilm import CachedEncoder, EncoderFactory, TextEncoder, mean_pool, model_fingerprint
from ._static import StaticEncoder, cache_dir, distill


@runtime_checkable
class Encoder(Protocol):
    """What align, block and judge may ask of the run's encoder."""

    @property
    def kind(self) -> str: ...

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], progress: Any = None) -> np.ndarray: ...

    def cached(self, texts: Iterable[str]) -> int: ...

    def preload(self, mapping: Mapping[str, np.ndarray]) -> int: ...

    def use_lookup(self, lookup: Callable[[str, list[str]], Mapping[str, np.ndarray]] | None) -> None: ...

    def new_entries(self) -> dict[str, np.ndarray]: ...


KINDS: tuple[str, ...] = ENCODER_KINDS

#: CPU threshold in distinct texts (MiniLM ≈ 80/s, int8 ≈ 180/s, static ≈ 7k/s on 2 cores):
#: up to ``FULL_UP_TO`` the full model costs minutes at most; beyond, the static encoder.
FULL_UP_TO = 20_000


def choose_kind(n_texts: int, device: str = "cpu") -> str:
    """``minilm`` on an accelerator or a small lake, ``static`` for a larger one on CPU.

    int8 MiniLM is never chosen automatically: as the encoder of alignment and embedding
    blocking it cost 4.4 points of end-to-end set F1 on DBLP-ACM (0.878 -> 0.834) where the
    static encoder cost 0.8 (0.870); on D1 both stayed within 0.5, and static within 1 point on
    D2 and D3 too (benchmarks/results/scale.md). It stays selectable (``engine.encoder =
    minilm-int8``).
    """
    if device != "cpu" or n_texts <= FULL_UP_TO:
        return "minilm"
    return "static"


def choose_batch_size(device: str, max_length: int = 64, default: int = 128) -> int:
    """On CUDA, the largest power of two whose activations fit in a quarter of free memory
    (≈ 64 KB per token for MiniLM in bf16, with headroom); ``default`` elsewhere."""
    if not device.startswith("cuda"):
        return default
    import torch

    free, _ = torch.cuda.mem_get_info()
    per_text = max_length * 64 * 1024
    size = max(default, min(16384, int(free // 4 // per_text)))
    return 1 << (size.bit_length() - 1)


def make_encoder(kind: str = "auto", n_texts: int = 0, device: str = "auto",
                 model_dir: str | Path | None = None, engine: Any = None,
                 batch_size: int | None = None) -> TextEncoder | StaticEncoder:
    """The encoder named by ``kind`` (``auto``: ``choose_kind(n_texts, device)``).

    >>> make_encoder("auto", n_texts=1_000_000, device="cpu").kind  # doctest: +SKIP
    'static'
    """
    if kind not in KINDS:
        raise ConfigError(f"encoder {kind!r} unknown; choose from {KINDS}")
    from ..device import select_device

    resolved = select_device(device)
    if kind == "auto":
        kind = choose_kind(n_texts, resolved)
    if kind == "static":
        return StaticEncoder(model_dir)
    if kind == "minilm-int8" and resolved != "cpu":
        raise ConfigError(f"encoder minilm-int8 runs on CPU only; device is {resolved!r}")
    bs = batch_size or choose_batch_size(resolved)
    return TextEncoder(model_dir, device=resolved, batch_size=bs, quantize=kind == "minilm-int8",
                       engine=engine)


__all__ = ["FULL_UP_TO", "KINDS", "CachedEncoder", "Encoder", "EncoderFactory", "StaticEncoder", "TextEncoder",
           "cache_dir", "choose_batch_size", "choose_kind", "distill", "make_encoder",
           "mean_pool", "model_fingerprint"]
