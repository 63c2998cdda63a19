"""Text encoder shared by blocking and judging: a local transformers model, mean-pooled,
L2-normalised, with each distinct text encoded once (the cost on CPU is the model, so every
repeat avoided counts).

Speed levers, all optional and off the default path's results unless asked for:
``quantize=True`` (int8 dynamic quantisation of the Linear layers, CPU only), ``preload`` /
``use_lookup`` / ``new_entries`` (a persisted cache, which the pipeline reads from and writes to
the store: the encoder knows no store), and an ``engine`` that fans new texts out over workers
(see ``tablefuse.runtime.engines``). ``mean_pool`` is the one pooling rule, which SSACL reuses.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import ModelError
from ..device import default_model_dir, select_device

#: texts per engine task when an engine spreads encoding over workers
ENGINE_CHUNK = 4096
#: how ``quantize_int8`` quantises (part of the cache key: other schemes give other vectors)
QUANT_SCHEME = "qint8-dynamic-per-channel"


def model_fingerprint(model_dir: str | Path, *parts: object) -> str:
    """A short id of the weights (config + weight file size and head bytes) plus ``parts``.

    Cheap (no model load), so a cache can be looked up before anything heavy happens; the
    variant parts (int8, max_length, static dims) keep vectors of different encoders apart.
    """
    path = Path(model_dir)
    h = hashlib.sha256()
    for name in ("config.json", "tokenizer.json", "vocab.txt"):
        f = path / name
        if f.is_file():
            h.update(f.read_bytes())
    for name in ("model.safetensors", "pytorch_model.bin"):
        f = path / name
        if f.is_file():
            h.update(str(f.stat().st_size).encode())
            with f.open("rb") as fh:
                h.update(fh.read(1 << 20))
            break
    h.update(repr(parts).encode())
    return f"{path.name}-{h.hexdigest()[:16]}"


def mean_pool(hidden: Any, attention_mask: Any) -> Any:
    """Mean of the token vectors that are not padding (MiniLM's sentence-transformers pooling):
    ``hidden`` (batch, tokens, dim) and ``attention_mask`` (batch, tokens) torch tensors."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


class CachedEncoder:
    """The text cache every encoder shares: each distinct text is encoded once per run, texts
    can be seeded from the store's ``embedding_cache`` and the new ones handed back to it.
    Subclasses set ``model_id`` and ``dim`` and encode the texts ``_missing`` returns."""

    @property
    def model_id(self) -> str:
        """Key of this encoder's vectors in a persisted cache."""
        raise NotImplementedError

    @property
    def dim(self) -> int:
        """Length of the vectors."""
        raise NotImplementedError

    def __init__(self) -> None:
        self._cache: dict[str, np.ndarray] = {}
        self._new: dict[str, None] = {}  # texts encoded here (not preloaded), in encode order
        self._lookup: Callable[[str, list[str]], Mapping[str, np.ndarray]] | None = None

    def cached(self, texts: Iterable[str]) -> int:
        return sum(1 for t in texts if t in self._cache)

    def preload(self, mapping: Mapping[str, np.ndarray]) -> int:
        """Seed the cache (e.g. from the store); returns how many texts were new here."""
        added = 0
        for text, vec in mapping.items():
            if text not in self._cache:
                self._cache[text] = np.asarray(vec, dtype=np.float32)
                added += 1
        return added

    def use_lookup(self, lookup: Callable[[str, list[str]], Mapping[str, np.ndarray]] | None) -> None:
        """Ask ``lookup(model_id, texts)`` (e.g. the store's ``embedding_cache``) for texts before
        encoding them; only the texts an ``encode`` call lacks are asked for."""
        self._lookup = lookup

    def new_entries(self) -> dict[str, np.ndarray]:
        """Texts encoded by this encoder (not preloaded), for saving to a persisted cache."""
        return {t: self._cache[t] for t in self._new}

    def _missing(self, texts: Sequence[str]) -> list[str]:
        """Distinct texts neither cached nor in the store, in first-seen order."""
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo and self._lookup is not None:
            self.preload(self._lookup(self.model_id, todo))
            todo = [t for t in todo if t not in self._cache]
        return todo

    def _store(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        for text, vec in zip(texts, vectors):
            self._cache[text] = vec
            self._new[text] = None

    def _gather(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])


class TextEncoder(CachedEncoder):
    """Encodes strings to unit vectors. ``encode`` caches by text; batches are sorted by length.

    ``quantize``: int8 dynamic quantisation of the Linear layers (CPU; ~1.3-3x faster, cosine to
    fp32 ≈ 0.98). ``engine``: an optional ``tablefuse.runtime.engines`` engine; new texts are encoded in
    chunks of ``ENGINE_CHUNK`` on its workers (each builds its own encoder once).

    >>> enc = TextEncoder()  # doctest: +SKIP
    >>> enc.encode(["United States", "U.S."]).shape  # doctest: +SKIP
    (2, 384)
    """

    def __init__(self, model_dir: str | Path | None = None, device: str = "auto",
                 batch_size: int = 128, max_length: int = 64, quantize: bool = False,
                 engine: Any = None, cpu_bf16: bool | None = None):
        self.model_dir = Path(model_dir) if model_dir else default_model_dir()
        self.device_request = device
        self.batch_size = batch_size
        self.max_length = max_length
        self.quantize = quantize
        # bf16 autocast on a CPU with native bf16 (None: detect; see native_cpu_bf16)
        self.cpu_bf16 = native_cpu_bf16() if cpu_bf16 is None else bool(cpu_bf16)
        self.engine = engine
        self._model: Any = None  # a transformers model (or its int8-quantised torch module), loaded on first use
        self._tokenizer: Any = None  # its transformers tokenizer
        self.device: str | None = None
        super().__init__()

    @property
    def kind(self) -> str:
        return "minilm-int8" if self.quantize else "minilm"

    @property
    def model_id(self) -> str:
        """Key of this encoder's vectors in a persisted cache (weights + variant)."""
        variant = (self.kind, QUANT_SCHEME) if self.quantize else (self.kind,)
        return model_fingerprint(self.model_dir, *variant, self.max_length, "mean")

    def spec(self) -> dict[str, Any]:
        """Constructor arguments that rebuild an equivalent encoder elsewhere (a worker)."""
        return {"model_dir": str(self.model_dir), "device": self.device_request,
                "batch_size": self.batch_size, "max_length": self.max_length,
                "quantize": self.quantize, "cpu_bf16": self.cpu_bf16}

    def _load(self) -> None:
        if self._model is not None:
            return
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the library never prints; the caller's progress reports

        self.device = select_device(self.device_request)
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(str(self.model_dir), local_files_only=True)
            model = AutoModel.from_pretrained(str(self.model_dir), local_files_only=True)
        except Exception as exc:
            raise ModelError(f"cannot load encoder from {self.model_dir}: {exc}") from exc
        model.eval()
        if self.quantize:
            if self.device != "cpu":
                raise ModelError(f"int8 quantisation runs on CPU only; device is {self.device!r}")
            model = quantize_int8(model)
        self._model = model.to(self.device)
        del torch

    @property
    def dim(self) -> int:
        self._load()
        return int(self._model.config.hidden_size)

    @property
    def model(self):
        self._load()
        return self._model

    @property
    def tokenizer(self):
        self._load()
        return self._tokenizer

    def encode(self, texts: Sequence[str], progress=None) -> np.ndarray:
        """Unit vectors (float32, shape ``(len(texts), dim)``) for ``texts``, in order."""
        todo = sorted(self._missing(texts), key=len)  # by length: less padding per batch
        if todo:
            if self.engine is not None and getattr(self.engine, "name", "local") != "local" \
                    and len(todo) > ENGINE_CHUNK:
                self._encode_on_engine(todo, progress)
            else:
                self._encode_new(todo, progress)
        return self._gather(texts)

    def _encode_on_engine(self, todo: list[str], progress) -> None:
        if progress is not None:
            progress.total(len(todo))
        chunks = [todo[i:i + ENGINE_CHUNK] for i in range(0, len(todo), ENGINE_CHUNK)]
        spec = {**self.spec(), "device": "auto"}  # each worker picks its own device (its GPU)
        factory = EncoderFactory("minilm", tuple(sorted(spec.items())))
        for chunk, vectors in zip(chunks, self.engine.map_actors(factory, "encode_batch", chunks)):
            self._store(chunk, vectors)
            if progress is not None:
                progress.advance(len(chunk))

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Encode ``texts`` as they are (no cache, no sorting): one worker task's body."""
        import torch

        self._load()
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                out.append(self._forward(list(texts[i:i + self.batch_size])))
        return np.concatenate(out) if out else np.zeros((0, self.dim), dtype=np.float32)

    def _forward(self, batch: list[str]) -> np.ndarray:
        import torch

        enc = self._tokenizer(batch, padding=True, truncation=True, max_length=self.max_length,
                              return_tensors="pt").to(self.device)
        if self.device == "cuda":
            amp = torch.autocast(device_type="cuda", dtype=torch.bfloat16)
        else:  # the int8 model has its own kernels
            amp = torch.autocast(device_type="cpu", dtype=torch.bfloat16,
                                 enabled=self.device == "cpu" and self.cpu_bf16 and not self.quantize)
        with amp:
            out = self._model(**enc).last_hidden_state
        return torch.nn.functional.normalize(mean_pool(out, enc["attention_mask"]).float(), dim=-1).cpu().numpy()

    def _encode_new(self, todo: list[str], progress) -> None:
        import torch

        self._load()
        if progress is not None:
            progress.total(len(todo))
        with torch.inference_mode():
            for i in range(0, len(todo), self.batch_size):
                batch = todo[i:i + self.batch_size]
                self._store(batch, self._forward(batch))
                if progress is not None:
                    progress.advance(len(batch))


def native_cpu_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AMX or AVX512-BF16), unless
    ``$TABLEFUSE_CPU_BF16`` says otherwise (0 / 1).

    There MiniLM under bf16 autocast encodes 3.1-3.3x faster on one core (184 -> 567-606 texts/s,
    FEBRL rows, 2-core Xeon with AMX) at cosine 0.99998 to fp32 and 99.2 % of the same 5 nearest
    neighbours (benchmarks/results/judge_v2.md); elsewhere bf16 is emulated and slower, so fp32."""
    env = os.environ.get("TABLEFUSE_CPU_BF16", "").strip()
    if env in ("0", "1"):
        return env == "1"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"amx_bf16", "avx512_bf16"})
    except OSError:
        pass
    return False


def quantize_int8(model):
    """int8 dynamic quantisation of every ``nn.Linear`` (weights int8 per output channel,
    activations quantised on the fly): the matmuls are most of MiniLM's CPU time. Per-channel
    scales keep cosine to fp32 near 0.98 where one scale per tensor gives 0.93."""
    import torch

    try:
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic
    except ImportError as exc:  # pragma: no cover - removed in some future torch
        raise ModelError(f"this torch ({torch.__version__}) has no dynamic quantisation") from exc
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation notice of torch.ao in newer torch
        return quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)


class EncoderFactory:
    """Picklable recipe for an encoder on an engine worker (``kind`` + the encoder's ``spec()``)."""

    def __init__(self, kind: str, spec: tuple[tuple[str, Any], ...]):
        self.kind = kind
        self.spec = spec

    def __call__(self) -> CachedEncoder:
        if self.kind == "static":
            from ._static import StaticEncoder

            return StaticEncoder(**dict(self.spec))
        return TextEncoder(**dict(self.spec))
