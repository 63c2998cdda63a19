"""Key-based candidate pairs in DuckDB: blocks from (tid, key), oversized blocks skipped,
then meta-blocking so each tuple keeps only its best-supported neighbours.

Why meta-blocking: every pair that shares any key is a candidate in plain blocking, and a few
mid-frequency keys ("black", "street") still create most of the pairs. Weighting each pair by
the rarity of the keys it shares (sum of idf) and keeping each tuple's ``top_k`` neighbours
(cardinality node pruning; a pair stays if either end keeps it) removes most of them while the
true pairs, which share rare keys, survive.

Memory is bounded by doing the neighbour join for ``chunk_size`` tuples at a time.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import polars as pl

from ..frames import PAIR_SCHEMA

log = logging.getLogger("tablefuse")


@dataclass(frozen=True)
class KeyPairing:
    """How pairs are made from keys (see the module docstring)."""

    max_block_size: int = 200
    top_k: int | None = 20  # None or 0: keep every pair that shares a block
    cross_source_only: bool = False
    chunk_size: int = 100_000
    report_blocks: int = 10
    threads: int | None = None
    memory_limit: str | None = None  # DuckDB setting, e.g. "4GB"


def _connect(threads: int | None, memory_limit: str | None):
    import duckdb

    con = duckdb.connect()
    con.sql("SET preserve_insertion_order = false")
    if threads:
        con.sql(f"SET threads = {int(threads)}")
    if memory_limit:
        con.sql(f"SET memory_limit = '{memory_limit}'")
    return con


def key_pairs(keys: pl.DataFrame, sources: pl.DataFrame, pairing: KeyPairing
              ) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Pairs (tid_a < tid_b, weight) from ``keys`` (tid, key) and ``sources`` (tid, source).

    Returns the pairs and stats: keys, blocks, oversized blocks skipped (count and the largest),
    the largest blocks kept, comparisons before pruning and pairs after.
    """
    t0 = time.perf_counter()
    n_tuples = sources.height
    stats: dict[str, Any] = {"tuples": n_tuples, "max_block_size": pairing.max_block_size,
                             "top_k": pairing.top_k, "cross_source_only": pairing.cross_source_only}
    empty = pl.DataFrame(schema={**PAIR_SCHEMA, "weight": pl.Float64})
    if keys.height == 0 or n_tuples < 2:
        stats.update(keys=0, blocks=0, oversized_blocks=0, oversized_largest=[], largest_blocks=[],
                     comparisons=0, pairs=0, seconds=round(time.perf_counter() - t0, 3))
        return empty, stats
    con = _connect(pairing.threads, pairing.memory_limit)
    try:
        src = sources.select(pl.col("tid").cast(pl.Int64),
                             pl.col("source").cast(pl.Utf8).rank("dense").cast(pl.Int32).alias("sid"))
        keys_in = keys.select(pl.col("tid").cast(pl.Int64), pl.col("key").cast(pl.Utf8))
        con.register("keys_in", keys_in.to_arrow())
        con.register("src_in", src.to_arrow())
        con.sql("""CREATE TEMP TABLE blocks AS
                   SELECT key, count(DISTINCT tid) AS size, count(DISTINCT sid) AS sources
                   FROM keys_in JOIN src_in USING (tid) GROUP BY key""")
        summary = con.sql(f"""SELECT count(*) AS keys,
                                     count(*) FILTER (WHERE size >= 2) AS blocks,
                                     count(*) FILTER (WHERE size > {int(pairing.max_block_size)}) AS oversized
                              FROM blocks""").fetchall()[0]
        stats.update(keys=int(summary[0]), blocks=int(summary[1]), oversized_blocks=int(summary[2]))
        top = int(pairing.report_blocks)
        stats["oversized_largest"] = [
            {"key": k, "size": int(s)} for k, s in con.sql(
                f"SELECT key, size FROM blocks WHERE size > {int(pairing.max_block_size)} "
                f"ORDER BY size DESC, key LIMIT {top}").fetchall()]
        stats["largest_blocks"] = [
            {"key": k, "size": int(s)} for k, s in con.sql(
                f"SELECT key, size FROM blocks WHERE size <= {int(pairing.max_block_size)} AND size >= 2 "
                f"ORDER BY size DESC, key LIMIT {top}").fetchall()]
        if stats["oversized_blocks"]:
            log.info("blocking skipped %d oversized blocks (largest %s)", stats["oversized_blocks"],
                     stats["oversized_largest"][:3])
        cross = "AND s.sources >= 2" if pairing.cross_source_only else ""
        # postings: one row per (tuple, useful key) with the key's idf weight
        con.sql(f"""CREATE TEMP TABLE postings AS
                    SELECT k.tid, s.kid, p.sid, ln({n_tuples}::DOUBLE / s.size) AS w
                    FROM keys_in k
                    JOIN (SELECT key, size, sources, row_number() OVER () AS kid FROM blocks) s USING (key)
                    JOIN src_in p USING (tid)
                    WHERE s.size >= 2 AND s.size <= {int(pairing.max_block_size)} {cross}""")
        comparisons = con.sql(
            f"""SELECT coalesce(sum(size * (size - 1) / 2), 0)::BIGINT FROM blocks
                WHERE size >= 2 AND size <= {int(pairing.max_block_size)} {cross.replace('s.', '')}""").fetchall()[0][0]
        stats["comparisons"] = int(comparisons)
        chunks = _chunks(con, pairing.chunk_size)
        parts: list[pl.DataFrame] = []
        other = "AND a.sid <> b.sid" if pairing.cross_source_only else ""
        for lo, hi in chunks:
            if pairing.top_k:
                q = f"""
                WITH nb AS (
                    SELECT a.tid AS t, b.tid AS u, sum(a.w) AS weight
                    FROM postings a JOIN postings b ON a.kid = b.kid AND a.tid <> b.tid {other}
                    WHERE a.tid >= {lo} AND a.tid < {hi}
                    GROUP BY a.tid, b.tid)
                SELECT least(t, u) AS tid_a, greatest(t, u) AS tid_b, weight
                FROM nb QUALIFY row_number() OVER (PARTITION BY t ORDER BY weight DESC, u) <= {int(pairing.top_k)}"""
            else:
                q = f"""
                SELECT a.tid AS tid_a, b.tid AS tid_b, sum(a.w) AS weight
                FROM postings a JOIN postings b ON a.kid = b.kid AND a.tid < b.tid {other}
                WHERE a.tid >= {lo} AND a.tid < {hi}
                GROUP BY a.tid, b.tid"""
            parts.append(con.sql(q).pl())
        pairs = pl.concat(parts) if parts else empty
        if pairing.top_k and pairs.height:
            pairs = pairs.group_by("tid_a", "tid_b").agg(pl.col("weight").max())
        pairs = pairs.select(pl.col("tid_a").cast(pl.Int64), pl.col("tid_b").cast(pl.Int64),
                             pl.col("weight").cast(pl.Float64)).sort("tid_a", "tid_b")
    finally:
        con.close()
    stats["pairs"] = pairs.height
    stats["seconds"] = round(time.perf_counter() - t0, 3)
    return pairs, stats


def _chunks(con, chunk_size: int) -> list[tuple[int, int]]:
    """tid ranges holding about ``chunk_size`` tuples each (tids need not be dense)."""
    tids = con.sql("SELECT DISTINCT tid FROM postings ORDER BY tid").pl()["tid"]
    if tids.len() == 0:
        return []
    size = max(int(chunk_size), 1)
    bounds = tids.gather(list(range(0, tids.len(), size))).to_list()
    ends = bounds[1:] + [int(tids[-1]) + 1]
    return list(zip(bounds, ends))
