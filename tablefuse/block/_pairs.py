"""Key-based candidate pairs in DuckDB: blocks from (tid, key), oversized blocks skipped,
then meta-blocking so each tuple keeps only its best-supported neighbours.

Why meta-blocking: in plain blocking every pair sharing any key is a candidate, and a few
mid-frequency keys ("black", "street") still make most of the pairs. Here each pair is weighted
by the cosine of the two tuples' idf-weighted key sets (rare shared keys count most, long tuples
do not win by length), each tuple keeps its ``top_k`` heaviest neighbours (node pruning: a pair
stays when either end keeps it), and a pair is dropped when its weight is below
``min_relative_weight`` times the best weight of the weaker end (a pair far below what both
tuples can reach elsewhere). ``pairs_per_tuple`` optionally caps the total, keeping the pairs
with the highest relative weight (edge pruning with a budget).

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
    min_relative_weight: float = 0.35
    pairs_per_tuple: float | None = None  # cap on all pairs: this many × tuples; None: no cap
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
                             "top_k": pairing.top_k, "min_relative_weight": pairing.min_relative_weight,
                             "pairs_per_tuple": pairing.pairs_per_tuple,
                             "cross_source_only": pairing.cross_source_only}
    empty = pl.DataFrame(schema={**PAIR_SCHEMA, "weight": pl.Float64})
    if keys.height == 0 or n_tuples < 2:
        stats.update(keys=0, blocks=0, oversized_blocks=0, oversized_largest=[], largest_blocks=[],
                     comparisons=0, pool=0, pairs=0, seconds=round(time.perf_counter() - t0, 3))
        return empty, stats
    con = _connect(pairing.threads, pairing.memory_limit)
    phases: dict[str, float] = {}
    stats["phase_seconds"] = phases
    mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 3)
        mark = now

    try:
        src = sources.select(pl.col("tid").cast(pl.Int64),
                             pl.col("source").cast(pl.Utf8).rank("dense").cast(pl.Int32).alias("sid"))
        keys_in = keys.select(pl.col("tid").cast(pl.Int64), pl.col("key").cast(pl.Utf8))
        con.register("keys_in", keys_in.to_arrow())
        con.register("src_in", src.to_arrow())
        con.sql("""CREATE TEMP TABLE blocks AS
                   SELECT key, count(DISTINCT tid) AS size, count(DISTINCT sid) AS sources
                   FROM keys_in JOIN src_in USING (tid) GROUP BY key""")
        phase("blocks")
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
        # cross-source only: a block seen in a single source can make no pair
        cross = "AND sources >= 2" if pairing.cross_source_only else ""
        max_size = int(pairing.max_block_size)
        # postings: one row per (tuple, useful key); w = idf / |tuple's idf vector| so that the
        # sum of a.w * b.w over shared keys is the cosine of the two tuples. Sums are rounded:
        # DuckDB adds in thread order, and last-bit noise must not decide top-k ties or cut-offs
        # (candidates must not change between runs).
        con.sql(f"""CREATE TEMP TABLE postings AS
                    WITH kw AS (
                        SELECT k.tid, b.kid, b.size, b.sources, ln({n_tuples}::DOUBLE / b.size) AS idf
                        FROM keys_in k
                        JOIN (SELECT key, size, sources, row_number() OVER () AS kid FROM blocks) b USING (key)),
                    norms AS (SELECT tid, round(sqrt(sum(idf * idf)), 9) AS norm FROM kw GROUP BY tid)
                    SELECT kw.tid, kw.kid, p.sid, kw.idf / greatest(n.norm, 1e-12) AS w
                    FROM kw JOIN norms n USING (tid) JOIN src_in p USING (tid)
                    WHERE kw.size >= 2 AND kw.size <= {max_size} {cross.replace('sources', 'kw.sources')}""")
        phase("postings")
        stats["comparisons"] = int(con.sql(
            f"""SELECT coalesce(sum(size * (size - 1) / 2), 0)::BIGINT FROM blocks
                WHERE size >= 2 AND size <= {max_size} {cross}""").fetchall()[0][0])
        other = "AND a.sid <> b.sid" if pairing.cross_source_only else ""
        keep = f"QUALIFY row_number() OVER (PARTITION BY t ORDER BY weight DESC, u) <= {int(pairing.top_k)}" \
            if pairing.top_k else ""
        con.sql("CREATE TEMP TABLE pool (t BIGINT, u BIGINT, weight DOUBLE, best DOUBLE)")
        for lo, hi in _chunks(con, pairing.chunk_size):
            con.sql(f"""
                INSERT INTO pool
                WITH nb AS (
                    SELECT a.tid AS t, b.tid AS u, round(sum(a.w * b.w), 9) AS weight
                    FROM postings a JOIN postings b ON a.kid = b.kid AND a.tid <> b.tid {other}
                    WHERE a.tid >= {lo} AND a.tid < {hi}
                    GROUP BY a.tid, b.tid)
                SELECT t, u, weight, max(weight) OVER (PARTITION BY t) AS best FROM nb {keep}""")
        phase("neighbours")
        stats["pool"] = int(con.sql("SELECT count(*) FROM pool").fetchall()[0][0])
        limit = ""
        if pairing.pairs_per_tuple:
            limit = f"ORDER BY rel DESC, weight DESC, tid_a, tid_b LIMIT {int(pairing.pairs_per_tuple * n_tuples)}"
        pairs = con.sql(f"""
            WITH best AS (SELECT DISTINCT t, best FROM pool),
            p AS (SELECT least(t, u) AS tid_a, greatest(t, u) AS tid_b, max(weight) AS weight
                  FROM pool GROUP BY ALL)
            SELECT tid_a, tid_b, weight, weight / greatest(least(ba.best, bb.best), 1e-12) AS rel
            FROM p JOIN best ba ON ba.t = p.tid_a JOIN best bb ON bb.t = p.tid_b
            WHERE weight >= {float(pairing.min_relative_weight)} * least(ba.best, bb.best)
            {limit}""").pl()
        pairs = pairs.select(pl.col("tid_a").cast(pl.Int64), pl.col("tid_b").cast(pl.Int64),
                             pl.col("weight").cast(pl.Float64)).sort("tid_a", "tid_b")
        phase("prune")
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
