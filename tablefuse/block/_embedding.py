"""Nearest-neighbour blocking on tuple embeddings: catches pairs that share no rare token
(synonyms, abbreviations, reordered or misspelled words) but read alike to the encoder."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from ..config import BlockConfig
from ..frames import PAIR_SCHEMA, CandidatePairs, TupleTable
from ._normalise import tuple_text

log = logging.getLogger("tablefuse")


@dataclass(frozen=True)
class EmbeddingBlocker:
    """Each tuple's ``knn`` most similar tuples by cosine of MiniLM embeddings are candidates.

    The tuple text is its non-null attribute values joined by spaces (ids never included).
    Search is exact: chunked matmul with top-k in torch, about ``rows_per_chunk`` query rows
    at a time, so memory stays near ``rows_per_chunk × n`` floats. A pair is kept when either
    end has the other among its neighbours and the cosine is at least ``min_similarity``.

    >>> EmbeddingBlocker(knn=5).candidates(tuples)  # doctest: +SKIP
    """

    knn: int = 5
    min_similarity: float = 0.0
    cross_source_only: bool = False
    attributes: tuple[str, ...] = ()
    max_chunk_elements: int = 64_000_000  # query rows × corpus rows per matmul (≈256 MB)
    encoder: Any = field(default=None, compare=False, repr=False)  # a TextEncoder; None: a new one

    name = "embedding"

    @classmethod
    def from_config(cls, config: BlockConfig, encoder: Any = None) -> EmbeddingBlocker:
        return cls(knn=config.knn, min_similarity=config.min_similarity,
                   cross_source_only=config.cross_source_only, attributes=tuple(config.attributes),
                   encoder=encoder)

    def _encoder(self):
        if self.encoder is not None:
            return self.encoder
        from ..encode import TextEncoder

        return TextEncoder()

    def embed(self, tuples: TupleTable) -> tuple[pl.DataFrame, np.ndarray]:
        """(tid, sid) of the tuples with any text, and their unit vectors in the same order."""
        text = tuple_text(tuples, self.attributes, normalised=False)
        text = text.with_columns(pl.col("text").str.replace_all(r"\s+", " ").str.strip_chars())
        src = tuples.frame.select(pl.col("source").cast(pl.Utf8).rank("dense").cast(pl.Int32).alias("sid"))
        rows = pl.concat([text, src], how="horizontal").filter(pl.col("text") != "")
        vectors = self._encoder().encode(rows["text"].to_list())
        return rows.select("tid", "sid"), np.asarray(vectors, dtype=np.float32)

    def candidates(self, tuples: TupleTable) -> CandidatePairs:
        t0 = time.perf_counter()
        rows, vectors = self.embed(tuples)
        t1 = time.perf_counter()
        pairs = knn_pairs(rows["tid"].to_numpy(), rows["sid"].to_numpy(), vectors, self.knn,
                          self.min_similarity, self.cross_source_only, self.max_chunk_elements)
        stats = {"blocker": self.name, "tuples": tuples.height, "embedded": rows.height,
                 "knn": self.knn, "min_similarity": self.min_similarity,
                 "cross_source_only": self.cross_source_only, "pairs": pairs.height,
                 "encode_seconds": round(t1 - t0, 3), "search_seconds": round(time.perf_counter() - t1, 3),
                 "seconds": round(time.perf_counter() - t0, 3)}
        frame = pairs.select("tid_a", "tid_b", pl.lit(self.name).alias("blocker"))
        return CandidatePairs(frame, stats)


def knn_pairs(tids: np.ndarray, sids: np.ndarray, vectors: np.ndarray, k: int, min_similarity: float = 0.0,
              cross_source_only: bool = False, max_chunk_elements: int = 64_000_000) -> pl.DataFrame:
    """Exact k-nearest-neighbour pairs (tid_a < tid_b, similarity) over unit ``vectors``.

    ``sids`` (one source id per row) excludes same-source neighbours when ``cross_source_only``.
    """
    import torch

    n = len(tids)
    empty = pl.DataFrame(schema={**PAIR_SCHEMA, "similarity": pl.Float64})
    if n < 2 or k <= 0:
        return empty
    x = torch.from_numpy(np.ascontiguousarray(vectors))
    sid = torch.from_numpy(np.asarray(sids, dtype=np.int64))
    kk = min(k, n - 1)
    step = max(1, int(max_chunk_elements) // n)
    out_a: list[np.ndarray] = []
    out_b: list[np.ndarray] = []
    out_s: list[np.ndarray] = []
    with torch.inference_mode():
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            sims = x[lo:hi] @ x.T
            idx = torch.arange(lo, hi)
            sims[idx - lo, idx] = -2.0  # never yourself
            if cross_source_only:
                sims.masked_fill_(sid[lo:hi, None] == sid[None, :], -2.0)
            val, nb = torch.topk(sims, kk, dim=1)
            keep = val >= max(min_similarity, -1.0)
            rows = idx[:, None].expand_as(nb)[keep]
            out_a.append(rows.numpy())
            out_b.append(nb[keep].numpy())
            out_s.append(val[keep].numpy())
    if not out_a:
        return empty
    a = np.concatenate(out_a)
    b = np.concatenate(out_b)
    s = np.concatenate(out_s).astype(np.float64)
    ta, tb = tids[a], tids[b]
    frame = pl.DataFrame({"tid_a": np.minimum(ta, tb).astype(np.int64),
                          "tid_b": np.maximum(ta, tb).astype(np.int64), "similarity": s})
    return (frame.group_by("tid_a", "tid_b").agg(pl.col("similarity").max())
            .sort("tid_a", "tid_b"))
