"""Token blocking: tuples sharing a rare normalised word are candidates (the baseline)."""
from __future__ import annotations

import time
from dataclasses import dataclass

import polars as pl

from ..config import BlockConfig
from ..frames import CandidatePairs, TupleTable
from ._normalise import qgrams, tokens
from ._pairs import KeyPairing, key_pairs


def _shared_settings(config: BlockConfig) -> dict:
    """TokenBlocker fields that token and q-gram blockers take from the config alike."""
    return dict(min_relative_weight=config.min_relative_weight, pairs_per_tuple=config.pairs_per_tuple or None,
                cross_source_only=config.cross_source_only, attributes=tuple(config.attributes),
                chunk_size=config.chunk_size, sub_block_keys=config.sub_block_keys,
                sub_block_max_fraction=config.sub_block_max_fraction, shared_mode=config.shared_mode,
                shared_k=config.shared_k, min_shared=config.min_shared, shared_budget=config.shared_budget,
                shared_factor=config.shared_factor, threads=config.duckdb_threads or None,
                memory_limit=config.duckdb_memory_limit or None)


def _finish(pairs: pl.DataFrame, stats: dict, name: str) -> CandidatePairs:
    frame = pairs.select("tid_a", "tid_b", pl.lit(name).alias("blocker"))
    return CandidatePairs(frame, {**stats, "blocker": name})


@dataclass(frozen=True)
class TokenBlocker:
    """Candidates from shared word tokens of all attribute values together.

    Works across sources with different schemas (keys come from every attribute at once) and
    ignores surrogate ids. Blocks above ``max_block_size`` are split into sub-blocks by a second
    common key (``sub_block_keys``; those still too large are skipped and reported); each tuple
    keeps its ``top_k`` neighbours by idf-weighted cosine of shared tokens (``None``: keep all),
    pruned further by ``min_relative_weight`` and ``pairs_per_tuple``, and pairs sharing many
    neighbours are added back (``shared_k``, ``min_shared``; see ``_pairs``).

    >>> blocker = TokenBlocker(max_block_size=100)
    >>> blocker.candidates(tuples).frame.columns  # doctest: +SKIP
    ['tid_a', 'tid_b', 'blocker']
    """

    max_block_size: int = 200
    min_token_length: int = 2
    top_k: int | None = 20
    min_relative_weight: float = 0.35
    pairs_per_tuple: float | None = None
    cross_source_only: bool = False
    attributes: tuple[str, ...] = ()
    chunk_size: int = 100_000
    sub_block_keys: int = 6
    sub_block_max_fraction: float = 0.05
    shared_mode: str = "auto"
    shared_k: int = 40
    min_shared: int = 6
    shared_budget: int = 20_000_000
    shared_factor: float = 3.0
    threads: int | None = None
    memory_limit: str | None = None

    name = "token"

    @classmethod
    def from_config(cls, config: BlockConfig) -> TokenBlocker:
        return cls(max_block_size=config.max_block_size, min_token_length=config.min_token_length,
                   top_k=config.top_k or None, **_shared_settings(config))

    def _pairing(self) -> KeyPairing:
        return KeyPairing(max_block_size=self.max_block_size, top_k=self.top_k,
                          min_relative_weight=self.min_relative_weight, pairs_per_tuple=self.pairs_per_tuple,
                          cross_source_only=self.cross_source_only, chunk_size=self.chunk_size,
                          sub_block_keys=self.sub_block_keys, sub_block_max_fraction=self.sub_block_max_fraction,
                          shared_mode=self.shared_mode, shared_k=self.shared_k, min_shared=self.min_shared,
                          shared_budget=self.shared_budget, shared_factor=self.shared_factor,
                          threads=self.threads, memory_limit=self.memory_limit)

    def keys(self, tuples: TupleTable) -> pl.DataFrame:
        return tokens(tuples, self.min_token_length, self.attributes)

    def candidates(self, tuples: TupleTable) -> CandidatePairs:
        t0 = time.perf_counter()
        keys = self.keys(tuples)
        pairs, stats = key_pairs(keys, tuples.frame.select("tid", "source"), self._pairing())
        stats["seconds"] = round(time.perf_counter() - t0, 3)
        return _finish(pairs, stats, self.name)


@dataclass(frozen=True)
class QGramBlocker(TokenBlocker):
    """Candidates from shared character q-grams of tokens: robust to typos inside words.

    Q-gram blocks are larger than token blocks, so ``max_block_size`` and ``top_k`` matter more.
    """

    q: int = 3
    name = "qgram"

    @classmethod
    def from_config(cls, config: BlockConfig) -> QGramBlocker:
        return cls(max_block_size=config.qgram_max_block_size or config.max_block_size,
                   min_token_length=config.min_token_length, top_k=config.top_k or None, q=config.q,
                   **_shared_settings(config))

    def keys(self, tuples: TupleTable) -> pl.DataFrame:
        return qgrams(tuples, self.q, self.min_token_length, self.attributes)
