"""The thin orchestrator: ingest → align → block → judge → discover → resolve → store.

Only this module imports every stage. It measures each stage (time, peak memory, counts) and
hands the ``RunResult`` to the store when a database path is given.
"""
from __future__ import annotations

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
from .config import TablefuseConfig
from .discover import make_discoverer
from .frames import RunResult, StageStats
from .ingest import read_lake
from .judge import make_judge
from .progress import Progress, ensure_progress
from .resolve import make_resolver

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
        alignment = self._stage("align", stats, lambda: align(lake, cfg.align), lake.rows,
                                lambda a: len(a.attributes),
                                lambda a: f"{a.frame.height} columns -> {len(a.attributes)} attributes")
        tuples = self._stage("union", stats, lambda: union(lake, alignment), lake.rows,
                             lambda t: t.height, lambda t: f"{t.height} tuples")
        tuples.validate()
        blocker = make_blocker(cfg.block)
        candidates = self._stage("block", stats, lambda: blocker.candidates(tuples), tuples.height,
                                 lambda c: c.frame.height, lambda c: f"{c.frame.height} candidate pairs")
        candidates.validate()
        judge = make_judge(cfg.judge)
        scored = self._stage("judge", stats, lambda: judge.fit(tuples, candidates).score(tuples, candidates),
                             candidates.frame.height, lambda s: int(s.frame["integrable"].sum()),
                             lambda s: f"{int(s.frame['integrable'].sum())} integrable of {s.frame.height}")
        scored.validate()
        discoverer = make_discoverer(cfg.discover)
        membership = self._stage("discover", stats, lambda: discoverer.fit_predict(tuples, scored),
                                 scored.frame.height, lambda m: m.frame["set_id"].n_unique(),
                                 lambda m: f"{m.frame['set_id'].n_unique()} integrable sets")
        membership.validate(tuples)
        resolver = make_resolver(cfg.resolve)
        resolution = self._stage("resolve", stats, lambda: resolver.resolve(tuples, membership),
                                 membership.frame.height, lambda r: r.golden.height,
                                 lambda r: f"{r.golden.height} golden records, {r.conflicts.height} conflicts")
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
            store_stats = StageStats("store", round(time.perf_counter() - t0, 4), round(_peak_rss_mb(), 1))
            self.progress.done("store", f"written to {db_path}")
            result = _with_stage(result, store_stats)
        return result


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
