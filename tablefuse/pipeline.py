"""The thin orchestrator: ingest → align → block → judge → discover → resolve → store.

Only this module imports every stage. It measures each stage (time, peak memory, counts) and
hands the ``RunResult`` to the store when a database path is given.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import resource
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from . import __version__
from .align import align, union
from .block import make_blocker
from .config import DiscoverConfig, TablefuseConfig
from .discover import make_discoverer
from .encoders import make_encoder, save_store_cache
from .engines import (PER_SET_RESOLVERS, discover_partitioned, make_engine, resolve_partitioned,
                      score_partitioned)
from .frames import RunResult, ScoredPairs, StageStats, TupleTable
from .ingest import read_lake
from .judge import make_judge
from .progress import Progress, ensure_progress
from .resolve import effective_method, make_resolver

T = TypeVar("T")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class Pipeline:
    """Runs the stages named by a ``TablefuseConfig`` over one lake folder."""

    def __init__(self, config: TablefuseConfig | None = None, progress: Progress | None = None):
        self.config = config or TablefuseConfig()
        self.progress = ensure_progress(progress)

    def _stage(self, name: str, stats: list[StageStats], fn: Callable[[], T],
               rows_in: int | None, rows_out: Callable[[T], int], summary: Callable[[T], str]) -> T:
        self.progress.stage(name)
        t0 = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - t0
        n_out = rows_out(out)
        stats.append(StageStats(name, round(seconds, 4), round(_peak_rss_mb(), 1), rows_in, n_out))
        self.progress.done(name, summary(out))
        return out

    def run(self, lake_dir: str | Path, db_path: str | Path | None = None) -> RunResult:
        cfg = self.config
        started = _now()
        stats: list[StageStats] = []
        lake = self._stage("ingest", stats, lambda: read_lake(lake_dir, cfg.ingest), None,
                           lambda lk: lk.rows,
                           lambda lk: f"{len(lk.tables)} tables, {lk.rows} rows, {len(lk.issues)} issues")
        engine = make_engine(cfg.engine.name, cfg.engine.ray_address)
        try:  # a Ray cluster the engine started is stopped even when a stage fails
            # One encoder per run (one model load, one cache of texts), shared by align and block.
            encoder = make_encoder(cfg.engine.encoder, lake.rows, cfg.engine.device, engine=engine)
            if cfg.engine.embedding_cache:
                encoder.use_store(db_path)
            alignment = self._stage("align", stats,
                                    lambda: align(lake, cfg.align, encoder=_align_encoder(encoder)), lake.rows,
                                    lambda a: len(a.attributes),
                                    lambda a: f"{a.frame.height} columns -> {len(a.attributes)} attributes")
            tuples = self._stage("union", stats, lambda: union(lake, alignment), lake.rows,
                                 lambda t: t.height, lambda t: f"{t.height} tuples")
            tuples.validate()
            blocker = make_blocker(cfg.block, encoder=encoder)
            candidates = self._stage("block", stats, lambda: blocker.candidates(tuples), tuples.height,
                                     lambda c: c.frame.height, lambda c: f"{c.frame.height} candidate pairs")
            candidates.validate()
            parts = cfg.engine.partitions
            judge = make_judge(cfg.judge, progress=self.progress, encoder=encoder)
            scored = self._stage("judge", stats, lambda: unique_mapped(cfg, tuples, score_partitioned(
                                     engine, judge.fit(tuples, candidates), tuples, candidates, parts)),
                                 candidates.frame.height, lambda s: int(s.frame["integrable"].sum()),
                                 lambda s: f"{int(s.frame['integrable'].sum())} integrable of {s.frame.height}")
            scored.validate()
            discoverer = make_discoverer(_discover_config(cfg))
            membership = self._stage("discover", stats,
                                     lambda: discover_partitioned(engine, discoverer, tuples, scored, parts),
                                     scored.frame.height, lambda m: m.frame["set_id"].n_unique(),
                                     lambda m: f"{m.frame['set_id'].n_unique()} integrable sets")
            membership.validate(tuples)
            resolve_cfg = _resolve_config(cfg, db_path)
            resolver = make_resolver(resolve_cfg)
            per_set = resolve_cfg.method in PER_SET_RESOLVERS
            resolution = self._stage("resolve", stats, lambda: resolve_partitioned(
                                         engine, resolver, tuples, membership, per_set, parts),
                                     membership.frame.height, lambda r: r.golden.height,
                                     lambda r: f"{r.golden.height} golden records, {r.conflicts.height} conflicts")
        finally:
            engine.shutdown()
        result = RunResult(
            run_id=uuid.uuid4().hex[:12], lake_root=Path(lake_dir), config_json=cfg.to_json(),
            started=started, finished=_now(), lake=lake, alignment=alignment, tuples=tuples,
            candidates=candidates, scored=scored, membership=membership, resolution=resolution,
            stages=tuple(stats),
        )
        if db_path is not None:
            from .store import write_run

            t0 = time.perf_counter()
            self.progress.stage("store")
            write_run(db_path, result, version=__version__)
            if hasattr(judge, "save"):  # a trained judge lives beside its store: `tablefuse judge` re-scores
                judge.save(judge_dir(db_path))
            if cfg.engine.embedding_cache:
                save_store_cache(encoder, db_path)
            store_stats = StageStats("store", round(time.perf_counter() - t0, 4), round(_peak_rss_mb(), 1))
            self.progress.done("store", f"written to {db_path}")
            result = _with_stage(result, store_stats)
        return result


def _align_encoder(encoder):
    """The run's encoder for alignment when it is the full MiniLM (align embeds only a sample of
    values, and its weights were tuned on MiniLM vectors); None lets align load its own."""
    from .encode import TextEncoder

    if type(encoder) is TextEncoder and not encoder.quantize:
        return encoder.encode
    return None


def judge_dir(db_path: str | Path) -> Path:
    """Where a run's trained judge is saved: a folder beside the DuckDB file."""
    return Path(f"{db_path}.judge")


def _discover_config(cfg: TablefuseConfig) -> DiscoverConfig:
    """The discover section, with ``unique_sources = auto`` read as ``all`` when blocking was told
    the lake is clean-clean (``block.cross_source_only``): the user has declared that no source
    lists an entity twice, so no set may hold two tuples of one source."""
    if cfg.block.cross_source_only and cfg.discover.unique_sources == "auto":
        return dataclasses.replace(cfg.discover, unique_sources="all")
    return cfg.discover


def unique_mapped(cfg: TablefuseConfig, tuples: TupleTable, scored: ScoredPairs) -> ScoredPairs:
    """The judge's decisions with unique mapping applied where the user declared sources
    duplicate-free (``discover.unique_sources`` = all or names, or ``block.cross_source_only``):
    the pairs table then agrees with the sets, which obey the same declaration."""
    from .judge.unique import declared_unique, unique_mapping

    unique = declared_unique(_discover_config(cfg).unique_sources, tuples.frame["source"].unique().to_list())
    return unique_mapping(scored, tuples, unique)


def _resolve_config(cfg: TablefuseConfig, db_path: str | Path | None):
    """The resolve section with ``auto`` settled, and LLM answers cached beside the store so a
    re-run makes no new calls (unless the user named a cache file)."""
    from dataclasses import replace

    method = effective_method(cfg.resolve)
    resolve_cfg = replace(cfg.resolve, method=method)
    if method in ("llm", "local") and resolve_cfg.llm_cache_path is None and db_path is not None:
        resolve_cfg = replace(resolve_cfg, llm_cache_path=f"{db_path}.llm-cache.duckdb")
    return resolve_cfg


def _with_stage(result: RunResult, stage: StageStats) -> RunResult:
    from dataclasses import replace

    return replace(result, stages=result.stages + (stage,))


def integrate(lake_dir: str | Path, config: TablefuseConfig | None = None,
              db_path: str | Path | None = None, progress: Progress | None = None) -> RunResult:
    """Integrate every table under ``lake_dir``; write the store to ``db_path`` when given.

    >>> result = integrate("examples/lake", db_path="demo.duckdb")  # doctest: +SKIP
    >>> result.summary()["sets"]  # doctest: +SKIP
    """
    return Pipeline(config, progress).run(lake_dir, db_path)
