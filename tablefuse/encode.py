"""Text encoder shared by blocking and judging: a local transformers model, mean-pooled,
L2-normalised, with each distinct text encoded once (the cost on CPU is the model, so every
repeat avoided counts)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .errors import ModelError
from .runtime import default_model_dir, select_device


class TextEncoder:
    """Encodes strings to unit vectors. ``encode`` caches by text; batches are sorted by length.

    >>> enc = TextEncoder()  # doctest: +SKIP
    >>> enc.encode(["United States", "U.S."]).shape  # doctest: +SKIP
    (2, 384)
    """

    def __init__(self, model_dir: str | Path | None = None, device: str = "auto",
                 batch_size: int = 128, max_length: int = 64):
        self.model_dir = Path(model_dir) if model_dir else default_model_dir()
        self.device_request = device
        self.batch_size = batch_size
        self.max_length = max_length
        self._model = None
        self._tokenizer = None
        self._cache: dict[str, np.ndarray] = {}
        self.device = None

    def _load(self) -> None:
        if self._model is not None:
            return
        import torch  # noqa: F401
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the library never prints; the caller's progress reports

        self.device = select_device(self.device_request)
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(str(self.model_dir), local_files_only=True)
            self._model = AutoModel.from_pretrained(str(self.model_dir), local_files_only=True)
        except Exception as exc:
            raise ModelError(f"cannot load encoder from {self.model_dir}: {exc}") from exc
        self._model.eval().to(self.device)

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

    def cached(self, texts: Iterable[str]) -> int:
        return sum(1 for t in texts if t in self._cache)

    def encode(self, texts: Sequence[str], progress=None) -> np.ndarray:
        """Unit vectors (float32, shape ``(len(texts), dim)``) for ``texts``, in order."""
        todo = sorted({t for t in texts if t not in self._cache}, key=len)
        if todo:
            self._encode_new(todo, progress)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def _encode_new(self, todo: list[str], progress) -> None:
        import torch

        self._load()
        if progress is not None:
            progress.total(len(todo))
        with torch.inference_mode():
            for i in range(0, len(todo), self.batch_size):
                batch = todo[i:i + self.batch_size]
                enc = self._tokenizer(batch, padding=True, truncation=True, max_length=self.max_length,
                                      return_tensors="pt").to(self.device)
                use_amp = self.device == "cuda"
                with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=use_amp):
                    out = self._model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(out.dtype)
                pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled.float(), dim=-1)
                for text, vec in zip(batch, pooled.cpu().numpy()):
                    self._cache[text] = vec
                if progress is not None:
                    progress.advance(len(batch))
