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

Why shared-neighbour completion: in a dirty table an entity can have 50+ records whose texts
differ a lot (citations in many styles), so a record's true duplicates are spread over ranks
20-200 of its neighbour list and top-k misses most of them (cora: pair completeness 0.69 at
k 20). Records of one large entity do share many neighbours, though, so a pair whose two ends
share at least ``min_shared`` of their ``shared_k`` nearest neighbours is kept as well, whatever
its own weight. By default (``shared_mode`` auto) only single-source (dirty) lakes are
completed. The self-join this needs costs Σ degree² over the neighbour graph; when that
exceeds ``shared_budget`` (large lakes of small entities, where it finds little) it is skipped
and the stats say so.

Memory is bounded by doing the neighbour join for ``chunk_size`` tuples at a time.
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import polars as pl

from ..errors import ConfigError
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
    sub_block_keys: int = 6  # oversized keys per tuple combined in pairs into sub-blocks; 0/1: off
    sub_block_max_fraction: float = 0.05  # ... keys in more than this share of tuples are not combined
    shared_mode: str = "auto"  # shared-neighbour completion: auto (single-source lakes), always, never
    shared_k: int = 40  # ... neighbour lists this long; 0: off
    min_shared: int = 6  # ... a pair sharing at least this many neighbours is kept
    shared_budget: int = 20_000_000  # ... skipped when its self-join would make more rows
    shared_factor: float = 3.0  # ... and at least this × the overlap two random lists would have
    shared_max_tuples: int = 200_000  # ... and on lakes larger than this (pool memory)


def _connect(threads: int | None, memory_limit: str | None):
    import duckdb

    con = duckdb.connect()
    con.sql("SET preserve_insertion_order = false")
    if threads:
        con.sql(f"SET threads = {int(threads)}")
    if memory_limit:
        if not re.fullmatch(r"\s*\d+(\.\d+)?\s*[KMGT]i?B\s*", memory_limit, re.IGNORECASE):
            raise ConfigError(f"block.duckdb_memory_limit {memory_limit!r} is not a size such as '4GB'")
        con.sql(f"SET memory_limit = '{memory_limit.strip()}'")
        # an in-memory database spills to ./.tmp by default: use the system's temp folder
        con.sql(f"SET temp_directory = '{tempfile.gettempdir()}/tablefuse_duckdb_{os.getpid()}'")
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
        n_report = int(pairing.report_blocks)
        stats["oversized_largest"] = [
            {"key": k, "size": int(s)} for k, s in con.sql(
                f"SELECT key, size FROM blocks WHERE size > {int(pairing.max_block_size)} "
                f"ORDER BY size DESC, key LIMIT {n_report}").fetchall()]
        stats["largest_blocks"] = [
            {"key": k, "size": int(s)} for k, s in con.sql(
                f"SELECT key, size FROM blocks WHERE size <= {int(pairing.max_block_size)} AND size >= 2 "
                f"ORDER BY size DESC, key LIMIT {n_report}").fetchall()]
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
        con.sql("CREATE TEMP TABLE kids AS SELECT key, size, sources, row_number() OVER () AS kid FROM blocks")
        con.sql(f"""CREATE TEMP TABLE kw AS
                    SELECT k.tid, b.kid, b.size, b.sources, ln({n_tuples}::DOUBLE / b.size) AS idf
                    FROM keys_in k JOIN kids b USING (key)""")
        con.sql("CREATE TEMP TABLE norms AS SELECT tid, round(sqrt(sum(idf * idf)), 9) AS norm FROM kw GROUP BY tid")
        con.sql(f"""CREATE TEMP TABLE postings AS
                    SELECT kw.tid, kw.kid, p.sid, kw.idf / greatest(n.norm, 1e-12) AS w
                    FROM kw JOIN norms n USING (tid) JOIN src_in p USING (tid)
                    WHERE kw.size >= 2 AND kw.size <= {max_size} {cross.replace('sources', 'kw.sources')}""")
        if stats["oversized_blocks"] and pairing.sub_block_keys >= 2:
            _sub_block(con, pairing, n_tuples, stats)
        phase("postings")
        stats["comparisons"] = int(con.sql(
            "SELECT coalesce(sum(c * (c - 1) / 2), 0)::BIGINT FROM (SELECT count(*) AS c FROM postings GROUP BY kid)"
        ).fetchall()[0][0])
        other = "AND a.sid <> b.sid" if pairing.cross_source_only else ""
        n_sources = int(src["sid"].n_unique())
        shared_k = _shared_k(pairing, n_tuples, n_sources)
        depth = max(int(pairing.top_k), shared_k) if pairing.top_k else 0
        max_tid = int(con.sql("SELECT coalesce(max(tid), 0) FROM postings").fetchall()[0][0])
        if depth and 0 <= max_tid < _TID_LIMIT:
            # a bounded top-n aggregate per tuple (a heap, no sort of every neighbour list:
            # much faster than a row_number window) over one BIGINT per neighbour that orders by
            # weight, then by the smaller tid: (weight · 1e9) << 28 | (2^28 - 1 - u). Weights are
            # already rounded to 9 decimals, so they decode exactly.
            # The pair sums are grouped on one packed BIGINT (t << 28 | u), cheaper than two keys.
            pair = "(a.tid << 28) | b.tid AS tu"
            select = f""",
                top AS (SELECT tu >> 28 AS t,
                               max((least(round(weight * 1e9), {_WEIGHT_LIMIT})::BIGINT << 28)
                                   | ({_TID_LIMIT - 1} - (tu & {_TID_LIMIT - 1})), {depth}) AS l
                        FROM nb GROUP BY t)
                SELECT t, {_TID_LIMIT - 1} - (x & {_TID_LIMIT - 1}) AS u, (x >> 28) / 1e9 AS weight,
                       (l[1] >> 28) / 1e9 AS best, r
                FROM (SELECT t, l, unnest(l) AS x, unnest(range(1, len(l) + 1)) AS r FROM top)"""
        elif depth:
            pair = "a.tid AS t, b.tid AS u"
            select = f"""
                SELECT * FROM (
                    SELECT t, u, weight, max(weight) OVER (PARTITION BY t) AS best,
                           row_number() OVER (PARTITION BY t ORDER BY weight DESC, u) AS r FROM nb)
                WHERE r <= {depth}"""
        else:
            pair = "a.tid AS t, b.tid AS u"
            select = """
                SELECT t, u, weight, max(weight) OVER (PARTITION BY t) AS best,
                       row_number() OVER (PARTITION BY t ORDER BY weight DESC, u) AS r FROM nb"""
        con.sql("CREATE TEMP TABLE pool (t BIGINT, u BIGINT, weight DOUBLE, best DOUBLE, r BIGINT)")
        for lo, hi in _chunks(con, pairing.chunk_size):
            con.sql(f"""
                INSERT INTO pool
                WITH nb AS (
                    SELECT {pair}, round(sum(a.w * b.w), 9) AS weight
                    FROM postings a JOIN postings b ON a.kid = b.kid AND a.tid <> b.tid {other}
                    WHERE a.tid >= {lo} AND a.tid < {hi}
                    GROUP BY ALL){select}""")
        phase("neighbours")
        top = f"WHERE r <= {int(pairing.top_k)}" if pairing.top_k else ""
        stats["pool"] = int(con.sql(f"SELECT count(*) FROM pool {top}").fetchall()[0][0])
        limit = ""
        if pairing.pairs_per_tuple:
            limit = f"ORDER BY rel DESC, weight DESC, tid_a, tid_b LIMIT {int(pairing.pairs_per_tuple * n_tuples)}"
        pairs = con.sql(f"""
            WITH best AS (SELECT DISTINCT t, best FROM pool),
            p AS (SELECT least(t, u) AS tid_a, greatest(t, u) AS tid_b, max(weight) AS weight
                  FROM pool {top} GROUP BY ALL)
            SELECT tid_a, tid_b, weight, weight / greatest(least(ba.best, bb.best), 1e-12) AS rel
            FROM p JOIN best ba ON ba.t = p.tid_a JOIN best bb ON bb.t = p.tid_b
            WHERE weight >= {float(pairing.min_relative_weight)} * least(ba.best, bb.best)
            {limit}""").pl()
        pairs = pairs.select(pl.col("tid_a").cast(pl.Int64), pl.col("tid_b").cast(pl.Int64),
                             pl.col("weight").cast(pl.Float64))
        phase("prune")
        shared = _shared_pairs(con, pairing, shared_k, n_tuples, n_sources, stats)
        if shared is not None and shared.height:
            pairs = (pl.concat([pairs, shared.join(pairs, on=["tid_a", "tid_b"], how="anti")]))
        pairs = pairs.sort("tid_a", "tid_b")
        phase("shared")
    finally:
        con.close()
    stats["pairs"] = pairs.height
    stats["seconds"] = round(time.perf_counter() - t0, 3)
    return pairs, stats


_TID_LIMIT = 1 << 28  # tids below this use the packed top-n aggregate (see key_pairs)
_WEIGHT_LIMIT = (1 << 35) - 1  # the packed weight · 1e9 (35 bits: weights up to 34)


def _sub_block(con, pairing: KeyPairing, n_tuples: int, stats: dict[str, Any]) -> None:
    """Add sub-blocks of oversized blocks to ``postings``: tuples sharing two oversized keys.

    A first name or a city alone is too common to block on at 1M tuples, but a first name *and*
    a city is rare; skipping oversized blocks outright loses pairs whose only shared keys are
    common ones (a typo in the one rare key). Each tuple's ``sub_block_keys`` rarest oversized
    keys (not above ``sub_block_max_fraction`` of the tuples: "com" pairs with anything into a
    copy of the other block) are combined two by two into composite keys; composites that are
    still oversized are skipped and counted. A composite's weight is its own idf over the
    tuple's usual norm.
    """
    max_size = int(pairing.max_block_size)
    top = max(int(n_tuples * pairing.sub_block_max_fraction), max_size + 1)
    cross = "AND count(DISTINCT sid) >= 2" if pairing.cross_source_only else ""
    kmax = int(con.sql("SELECT coalesce(max(kid), 0) FROM kids").fetchall()[0][0]) + 1
    con.sql(f"""CREATE TEMP TABLE sub AS
                WITH o AS (
                    SELECT kw.tid, kw.kid FROM kw JOIN kids USING (kid)
                    WHERE kw.size > {max_size} AND kw.size <= {top}
                    QUALIFY row_number() OVER (PARTITION BY kw.tid ORDER BY kw.size, kids.key)
                            <= {int(pairing.sub_block_keys)})
                SELECT a.tid, a.kid * {kmax} + b.kid AS kid  -- above every plain kid
                FROM o a JOIN o b ON a.tid = b.tid AND a.kid < b.kid""")
    con.sql(f"""CREATE TEMP TABLE sub_blocks AS
                SELECT kid, count(*) AS size FROM sub JOIN src_in USING (tid) GROUP BY kid
                HAVING count(*) >= 2 {cross}""")
    kept, over = con.sql(f"""SELECT count(*) FILTER (WHERE size <= {max_size}),
                                    count(*) FILTER (WHERE size > {max_size}) FROM sub_blocks""").fetchall()[0]
    stats.update(sub_blocks=int(kept), sub_blocks_oversized=int(over))
    con.sql(f"""INSERT INTO postings
                SELECT s.tid, s.kid, p.sid, ln({n_tuples}::DOUBLE / b.size) / greatest(n.norm, 1e-12) AS w
                FROM sub s JOIN sub_blocks b USING (kid) JOIN norms n USING (tid) JOIN src_in p USING (tid)
                WHERE b.size <= {max_size}""")


SHARED_MODES = ("auto", "always", "never")


def _shared_k(pairing: KeyPairing, n_tuples: int, n_sources: int) -> int:
    """Neighbour-list length for shared-neighbour completion; 0 when it is off for this lake.

    ``auto`` completes single-source (dirty) lakes only: across sources the neighbours two
    tuples share are mostly tuples of the other source, so completion mostly pairs same-source
    tuples, which in clean sources are never duplicates (ccer D2 without ``cross_source_only``:
    RR 0.99 → 0.95, PC +0.5 points).
    """
    if pairing.shared_mode not in SHARED_MODES:
        raise ConfigError(f"block.shared_mode {pairing.shared_mode!r} unknown; choose from {SHARED_MODES}")
    if (not pairing.top_k or pairing.shared_k <= 0 or pairing.min_shared <= 0 or pairing.pairs_per_tuple
            or pairing.shared_mode == "never" or (pairing.shared_mode == "auto" and n_sources > 1)):
        return 0
    if n_tuples > pairing.shared_max_tuples:
        return 0
    return int(pairing.shared_k)


def _shared_pairs(con, pairing: KeyPairing, shared_k: int, n_tuples: int, n_sources: int,
                  stats: dict[str, Any]) -> pl.DataFrame | None:
    """Pairs whose ends share >= ``min_shared`` of their ``shared_k`` nearest neighbours.

    Neighbourhoods are symmetric (u in t's list puts t in u's), so a pair counts the tuples
    both ends are linked to. Skipped (None, with the reason in ``stats``) when off, or when the
    self-join would exceed ``shared_budget`` rows.
    """
    stats.update(shared_k=shared_k, min_shared=pairing.min_shared, shared_pairs=0)
    if not shared_k:
        stats["shared_skipped"] = (
            "off" if pairing.shared_k <= 0 or pairing.min_shared <= 0 or not pairing.top_k
            or pairing.shared_mode == "never"
            else "pairs_per_tuple caps the pairs" if pairing.pairs_per_tuple
            else f"more than {pairing.shared_max_tuples} tuples" if n_tuples > pairing.shared_max_tuples
            else "several sources (shared_mode auto: single-source lakes only)")
        return None
    if pairing.cross_source_only and n_sources <= 2:
        stats["shared_skipped"] = "cross-source only with two sources: both ends would share a source"
        return None
    con.sql(f"""CREATE TEMP TABLE links AS
                SELECT t AS a, u AS b FROM pool WHERE r <= {shared_k}
                UNION SELECT u AS a, t AS b FROM pool WHERE r <= {shared_k}""")
    cost = int(con.sql("SELECT coalesce(sum(c * c), 0)::BIGINT FROM "
                       "(SELECT count(*) AS c FROM links GROUP BY b)").fetchall()[0][0])
    stats["shared_cost"] = cost
    if cost > pairing.shared_budget:
        stats["shared_skipped"] = f"self-join of {cost:,} rows over the budget {pairing.shared_budget:,}"
        log.info("shared-neighbour completion skipped: %s", stats["shared_skipped"])
        return None
    other = ("JOIN src_in sa ON sa.tid = x.a JOIN src_in sb ON sb.tid = y.a WHERE sa.sid <> sb.sid"
             if pairing.cross_source_only else "")
    # chance overlap of two random lists of sizes da, db out of n is da·db/n: require
    # ``shared_factor`` times that too, or small lakes (lists covering much of the lake) pair all
    shared = con.sql(f"""WITH deg AS (SELECT a, count(*) AS d FROM links GROUP BY a),
                         c AS (SELECT x.a AS tid_a, y.a AS tid_b, count(*) AS shared
                               FROM links x JOIN links y ON x.b = y.b AND x.a < y.a {other}
                               GROUP BY x.a, y.a HAVING count(*) >= {int(pairing.min_shared)})
                         SELECT tid_a, tid_b, 0.0::DOUBLE AS weight FROM c
                         JOIN deg da ON da.a = c.tid_a JOIN deg db ON db.a = c.tid_b
                         WHERE shared >= {float(pairing.shared_factor)} * da.d * db.d / {n_tuples}""").pl()
    shared = shared.select(pl.col("tid_a").cast(pl.Int64), pl.col("tid_b").cast(pl.Int64),
                           pl.col("weight").cast(pl.Float64))
    stats["shared_pairs"] = shared.height
    return shared


def _chunks(con, chunk_size: int) -> list[tuple[int, int]]:
    """tid ranges holding about ``chunk_size`` tuples each (tids need not be dense)."""
    tids = con.sql("SELECT DISTINCT tid FROM postings ORDER BY tid").pl()["tid"]
    if tids.len() == 0:
        return []
    size = max(int(chunk_size), 1)
    bounds = tids.gather(list(range(0, tids.len(), size))).to_list()
    ends = bounds[1:] + [int(tids[-1]) + 1]
    return list(zip(bounds, ends))
