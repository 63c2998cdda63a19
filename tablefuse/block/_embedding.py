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
    Search is exact up to ``approx_above`` embedded tuples: chunked matmul with top-k in torch,
    so memory stays near ``max_chunk_elements`` floats. Exact search is quadratic (about 2 h at
    1M tuples on 2 cores), so above that an inverted-file index (k-means lists in torch, each
    tuple searches its ``nprobe`` nearest lists; see ``ivf_knn``) is used instead: no extra
    dependency, the cross-source mask still applies, deterministic under ``seed``. It trades
    recall for time: on static-encoder vectors of person records (nearly uniform in 256
    dimensions) nprobe 8 finds ~0.6 of the true pairs exact search finds, 10x faster at 100k
    (benchmarks/results/blocking.md), so at that scale the token blocker of the union carries
    pair completeness; faiss IVF measured the same and HNSW builds too slowly on 2 cores.
    A pair is kept when either end has the other among its neighbours and the cosine is at
    least ``min_similarity``.

    >>> EmbeddingBlocker(knn=5).candidates(tuples)  # doctest: +SKIP
    """

    knn: int = 5
    min_similarity: float = 0.0
    cross_source_only: bool = False
    attributes: tuple[str, ...] = ()
    max_chunk_elements: int = 64_000_000  # query rows × corpus rows per matmul (≈256 MB)
    approx_above: int = 100_000  # more embedded tuples than this: approximate (IVF) search; 0: always
    nprobe: int = 8  # IVF: lists each tuple searches
    seed: int = 0
    encoder: Any = field(default=None, compare=False, repr=False)  # a TextEncoder; None: a new one

    name = "embedding"

    @classmethod
    def from_config(cls, config: BlockConfig, encoder: Any = None) -> EmbeddingBlocker:
        return cls(knn=config.knn, min_similarity=config.min_similarity,
                   cross_source_only=config.cross_source_only, attributes=tuple(config.attributes),
                   approx_above=config.knn_approx_above, nprobe=config.knn_nprobe, encoder=encoder)

    def _encoder(self):
        if self.encoder is not None:
            return self.encoder
        from ..runtime.encoders import TextEncoder

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
        approx = self.approx_above >= 0 and rows.height > self.approx_above
        pairs = knn_pairs(rows["tid"].to_numpy(), rows["sid"].to_numpy(), vectors, self.knn,
                          self.min_similarity, self.cross_source_only, self.max_chunk_elements,
                          search="ivf" if approx else "exact", nprobe=self.nprobe, seed=self.seed)
        stats = {"blocker": self.name, "tuples": tuples.height, "embedded": rows.height,
                 "search": "ivf" if approx else "exact", "nprobe": self.nprobe if approx else None,
                 "knn": self.knn, "min_similarity": self.min_similarity,
                 "cross_source_only": self.cross_source_only, "pairs": pairs.height,
                 "encode_seconds": round(t1 - t0, 3), "search_seconds": round(time.perf_counter() - t1, 3),
                 "seconds": round(time.perf_counter() - t0, 3)}
        frame = pairs.select("tid_a", "tid_b", pl.lit(self.name).alias("blocker"))
        return CandidatePairs(frame, stats)


def knn_pairs(tids: np.ndarray, sids: np.ndarray, vectors: np.ndarray, k: int, min_similarity: float = 0.0,
              cross_source_only: bool = False, max_chunk_elements: int = 64_000_000, search: str = "exact",
              nprobe: int = 8, seed: int = 0) -> pl.DataFrame:
    """k-nearest-neighbour pairs (tid_a < tid_b, similarity) over unit ``vectors``.

    ``sids`` (one source id per row) excludes same-source neighbours when ``cross_source_only``.
    ``search``: ``exact`` (chunked matmul) or ``ivf`` (approximate, see ``ivf_knn``).
    """
    import torch

    n = len(tids)
    empty = pl.DataFrame(schema={**PAIR_SCHEMA, "similarity": pl.Float64})
    if n < 2 or k <= 0:
        return empty
    if search not in ("exact", "ivf"):
        raise ValueError(f"search {search!r} unknown; choose exact or ivf")
    x = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    sid = torch.from_numpy(np.asarray(sids, dtype=np.int64))
    kk = min(k, n - 1)
    if search == "ivf":
        val, nb = ivf_knn(x, kk, sid if cross_source_only else None, nprobe=nprobe, seed=seed,
                          max_chunk_elements=max_chunk_elements)
    else:
        val, nb = exact_knn(x, kk, sid if cross_source_only else None, max_chunk_elements)
    keep = (val >= max(min_similarity, -1.0)) & (nb >= 0)
    rows = torch.arange(n)[:, None].expand_as(nb)[keep].numpy()
    a, b, s = rows, nb[keep].numpy(), val[keep].numpy().astype(np.float64)
    if len(a) == 0:
        return empty
    ta, tb = tids[a], tids[b]
    frame = pl.DataFrame({"tid_a": np.minimum(ta, tb).astype(np.int64),
                          "tid_b": np.maximum(ta, tb).astype(np.int64), "similarity": s})
    return (frame.group_by("tid_a", "tid_b").agg(pl.col("similarity").max())
            .sort("tid_a", "tid_b"))


def exact_knn(x, k: int, sid=None, max_chunk_elements: int = 64_000_000):
    """(similarities, indices), each n × k: every row's k most similar other rows, exactly.

    ``sid`` given: rows of the same source are never neighbours (index -1 where none is left).
    """
    import torch

    n = x.shape[0]
    step = max(1, int(max_chunk_elements) // n)
    vals, idxs = [], []
    with torch.inference_mode():
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            sims = x[lo:hi] @ x.T
            idx = torch.arange(lo, hi)
            sims[idx - lo, idx] = -2.0  # never yourself
            if sid is not None:
                sims.masked_fill_(sid[lo:hi, None] == sid[None, :], -2.0)
            val, nb = torch.topk(sims, k, dim=1)
            nb = torch.where(val > -2.0, nb, torch.full_like(nb, -1))
            vals.append(val)
            idxs.append(nb)
    return torch.cat(vals), torch.cat(idxs)


def ivf_knn(x, k: int, sid=None, nlist: int | None = None, nprobe: int = 8, iters: int = 8,
            seed: int = 0, max_chunk_elements: int = 64_000_000):
    """Approximate (similarities, indices), each n × k, by an inverted-file index.

    Spherical k-means (``iters`` rounds on a sample of 64 rows per list) splits the rows into
    ``nlist`` lists (default 2·√n); each row is searched against the rows of its ``nprobe``
    nearest lists only, so the cost is about n · nprobe · n/nlist dot products instead of n².
    Work goes list by list: the queries probing a list are compared with its rows in one
    matmul and merged into their running top-k. Index -1 marks a missing neighbour.
    """
    import torch

    n, d = x.shape
    nlist = int(nlist or max(1, round(2 * n ** 0.5)))
    nlist = max(1, min(nlist, n))
    nprobe = max(1, min(int(nprobe), nlist))
    gen = torch.Generator().manual_seed(int(seed))
    with torch.inference_mode():
        sample = x[torch.randperm(n, generator=gen)[:min(n, 64 * nlist)]]
        cent = sample[torch.randperm(sample.shape[0], generator=gen)[:nlist]].clone()
        for _ in range(int(iters)):
            assign = _nearest(sample, cent, 1, max_chunk_elements)[:, 0]
            total = torch.zeros_like(cent).index_add_(0, assign, sample)
            counts = torch.bincount(assign, minlength=nlist)
            moved = counts > 0  # an empty list keeps its centroid
            cent[moved] = torch.nn.functional.normalize(total[moved], dim=1)
        probes = _nearest(x, cent, nprobe, max_chunk_elements)  # n × nprobe, nearest first
        home = probes[:, 0]  # a row lives in its nearest list
        members = torch.argsort(home, stable=True)
        m_bounds = torch.searchsorted(home[members], torch.arange(nlist + 1))
        q_list = probes.reshape(-1)
        q_rows = torch.arange(n).repeat_interleave(nprobe)
        order = torch.argsort(q_list, stable=True)
        q_rows = q_rows[order]
        q_bounds = torch.searchsorted(q_list[order], torch.arange(nlist + 1))
        best_val = torch.full((n, k), -3.0)
        best_idx = torch.full((n, k), -1, dtype=torch.long)
        for c in range(nlist):
            mem = members[m_bounds[c]:m_bounds[c + 1]]
            qs = q_rows[q_bounds[c]:q_bounds[c + 1]]
            if mem.numel() == 0 or qs.numel() == 0:
                continue
            step = max(1, int(max_chunk_elements) // mem.numel())
            xm = x[mem]
            for lo in range(0, qs.numel(), step):
                q = qs[lo:lo + step]
                sims = x[q] @ xm.T
                sims.masked_fill_(q[:, None] == mem[None, :], -2.0)  # never yourself
                if sid is not None:
                    sims.masked_fill_(sid[q][:, None] == sid[mem][None, :], -2.0)
                val, pos = torch.topk(sims, min(k, mem.numel()), dim=1)
                idx = torch.where(val > -2.0, mem[pos], torch.full_like(pos, -1))
                val = torch.where(idx >= 0, val, torch.full_like(val, -3.0))
                allv = torch.cat([best_val[q], val], dim=1)
                alli = torch.cat([best_idx[q], idx], dim=1)
                top, at = torch.topk(allv, k, dim=1)
                best_val[q] = top
                best_idx[q] = torch.gather(alli, 1, at)
    best_val = torch.where(best_idx >= 0, best_val, torch.full_like(best_val, -2.0))
    return best_val, best_idx


def _nearest(x, cent, k: int, max_chunk_elements: int):
    """Indices (rows × k) of each row's ``k`` most similar centroids, nearest first."""
    import torch

    step = max(1, int(max_chunk_elements) // max(1, cent.shape[0]))
    out = [torch.topk(x[lo:lo + step] @ cent.T, k, dim=1).indices for lo in range(0, x.shape[0], step)]
    return torch.cat(out)
