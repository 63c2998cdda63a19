"""A static-embedding encoder distilled locally from the MiniLM folder (the model2vec recipe).

Each vocabulary token is run once through the transformer on its own (``[CLS] tok [SEP]``,
mean-pooled, as ``TextEncoder`` pools), the token table is PCA-reduced and weighted by SIF on
a Zipf estimate of token frequency (BERT's vocabulary is in rough frequency order), and a text
is the normalised mean of its tokens' rows. Encoding is then a table lookup: thousands of
times faster than the transformer on CPU, at some loss of quality, which suits blocking and
very large lakes. Distillation runs once, at first use (never at import, never from a hub),
and is cached under ``cache_dir()`` keyed by the weights' fingerprint.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ...errors import ModelError
from ..device import default_model_dir
from ._minilm import CachedEncoder, model_fingerprint

if TYPE_CHECKING:
    from tokenizers import Tokenizer

#: SIF smoothing of the Zipf token probability (model2vec's default)
SIF_COEFFICIENT = 1e-4


def cache_dir() -> Path:
    """``$TABLEFUSE_CACHE_DIR``, else ``$XDG_CACHE_HOME/tablefuse``, else ``~/.cache/tablefuse``."""
    env = os.environ.get("TABLEFUSE_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tablefuse"


def distill(model_dir: str | Path, dims: int = 256, source: str = "output", batch_size: int = 1024,
            max_tokens: int | None = None) -> np.ndarray:
    """The weighted, PCA-reduced token table (vocab × dims, float32) of the model in ``model_dir``.

    ``source="output"``: each token's contextual output (the recipe; ~a minute on 2 CPU cores);
    ``"input"``: the input embedding matrix (instant, weaker). ``max_tokens`` limits the rows
    computed from the model (for tests); the others fall back to the input embeddings.
    """
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    if source not in ("output", "input"):
        raise ModelError(f"static encoder source {source!r} unknown; choose output or input")
    try:
        model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    except Exception as exc:
        raise ModelError(f"cannot load encoder from {model_dir}: {exc}") from exc
    cfg = model.config
    table = model.get_input_embeddings().weight.detach().float().numpy().copy()
    vocab = table.shape[0]
    if source == "output":
        n = vocab if max_tokens is None else min(vocab, max_tokens)
        cls_id = int(getattr(cfg, "cls_token_id", None) or 101)
        sep_id = int(getattr(cfg, "sep_token_id", None) or 102)
        with torch.inference_mode():
            for lo in range(0, n, batch_size):
                ids = torch.arange(lo, min(n, lo + batch_size))
                seq = torch.stack([torch.full_like(ids, cls_id), ids, torch.full_like(ids, sep_id)], 1)
                out = model(input_ids=seq, attention_mask=torch.ones_like(seq)).last_hidden_state
                table[lo:lo + len(ids)] = out.mean(1).numpy()
    table = table - table.mean(0, keepdims=True)
    dims = min(dims, table.shape[1])
    _, _, vt = np.linalg.svd(table.astype(np.float64), full_matrices=False)
    reduced = (table @ vt[:dims].T).astype(np.float32)
    rank = np.arange(1, vocab + 1, dtype=np.float64)
    proba = (1.0 / rank) / (1.0 / rank).sum()
    weights = SIF_COEFFICIENT / (SIF_COEFFICIENT + proba)
    return (reduced * weights[:, None]).astype(np.float32)


class StaticEncoder(CachedEncoder):
    """Texts -> unit vectors by averaging distilled token rows; same interface as ``TextEncoder``
    for ``encode``/``dim``/``cached``/``preload``/``new_entries``/``model_id``.

    >>> enc = StaticEncoder()  # doctest: +SKIP
    >>> enc.encode(["Sony DSC-W55", "sony dscw55 camera"]).shape  # doctest: +SKIP
    (2, 256)
    """

    kind = "static"

    def __init__(self, model_dir: str | Path | None = None, dims: int = 256, source: str = "output",
                 cache: str | Path | None = None, max_length: int = 128,
                 max_tokens: int | None = None):
        self.model_dir = Path(model_dir) if model_dir else default_model_dir()
        self.dims = dims
        self.source = source
        self.cache = Path(cache) if cache else None
        self.max_length = max_length
        self.max_tokens = max_tokens
        self._table: np.ndarray | None = None
        self._tokenizer: Tokenizer | None = None
        super().__init__()

    @property
    def model_id(self) -> str:
        return model_fingerprint(self.model_dir, self.kind, self.dims, self.source, self.max_tokens,
                                 self.max_length, SIF_COEFFICIENT)

    def spec(self) -> dict[str, object]:
        return {"model_dir": str(self.model_dir), "dims": self.dims, "source": self.source,
                "cache": str(self.cache) if self.cache else None, "max_length": self.max_length,
                "max_tokens": self.max_tokens}

    def table_path(self) -> Path:
        return (self.cache or cache_dir() / "static") / f"{self.model_id}.npy"

    def _load(self) -> None:
        if self._table is not None:
            return
        from tokenizers import Tokenizer

        path = self.table_path()
        if path.is_file():
            table = np.load(path)
        else:
            table = distill(self.model_dir, self.dims, self.source, max_tokens=self.max_tokens)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}.npy")
            np.save(tmp, table)
            os.replace(tmp, path)  # concurrent first uses: the last identical table wins
        tok_file = self.model_dir / "tokenizer.json"
        if not tok_file.is_file():
            raise ModelError(f"static encoder needs {tok_file} (a fast tokenizer)")
        tokenizer = Tokenizer.from_file(str(tok_file))
        tokenizer.no_padding()
        tokenizer.enable_truncation(self.max_length)
        self._tokenizer = tokenizer
        self._table = table

    def _loaded(self) -> tuple[Tokenizer, np.ndarray]:
        """The tokenizer and the token table, loaded on first use."""
        self._load()
        assert self._tokenizer is not None and self._table is not None  # _load sets both
        return self._tokenizer, self._table

    @property
    def dim(self) -> int:
        return int(self._loaded()[1].shape[1])

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts`` without the cache (vectorised: tokenise, gather, segment-mean)."""
        tokenizer, table = self._loaded()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encs = tokenizer.encode_batch(list(texts), add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in encs), dtype=np.int64, count=len(encs))
        ids = np.fromiter((i for e in encs for i in e.ids), dtype=np.int64, count=int(lengths.sum()))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        nonempty = lengths > 0
        if ids.size:
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[nonempty]
            out[nonempty] = np.add.reduceat(table[ids], starts, axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def encode(self, texts: Sequence[str], progress=None) -> np.ndarray:
        """Unit vectors (float32, ``(len(texts), dim)``); the empty text maps to zeros."""
        todo = self._missing(texts)
        if progress is not None and todo:
            progress.total(len(todo))
        step = 65536
        for lo in range(0, len(todo), step):
            chunk = todo[lo:lo + step]
            self._store(chunk, self.encode_batch(chunk))
            if progress is not None:
                progress.advance(len(chunk))
        return self._gather(texts)
