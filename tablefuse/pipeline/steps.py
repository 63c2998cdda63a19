"""``Pipeline``: the stages as public steps, each measured, data flowing one way.

``run`` is ``ingest → align → block → judge → discover → resolve → store``; each step can also be
called on its own (after the ones before it, or with its inputs given), re-run on a stored run
(``Pipeline.from_store``) or shared between configurations that agree up to it (``branch``, which
the benchmark harness uses so methods that differ only in discovery share one trained judge).
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import json
import resource
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, is_dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from .. import __version__
from ..config import TablefuseConfig
from ..errors import ContractError, StoreError
from ..frames import (
    Alignment,
    CandidatePairs,
    LabelledPairs,
    Lake,
    Membership,
    Resolution,
    RunResult,
    ScoredPairs,
    StageStats,
    TupleTable,
)
from ..progress import Progress, ensure_progress
from ..runtime import Runtime
from . import labels as pair_labels
from . import policy
from .partition import discover_partitioned, resolve_partitioned, score_partitioned

T = TypeVar("T")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _plain(part: Any) -> Any:
    """A config section (a dataclass instance) as its fields; anything else as it is."""
    return asdict(part) if is_dataclass(part) and not isinstance(part, type) else part


@dataclass(frozen=True)
class StepKeys:
    """What each step's output depends on (its config and every step's before it), as text:
    two pipelines whose keys agree up to a step computed the same output there."""

    ingest: str
    align: str
    block: str
    judge: str
    discover: str
    resolve: str

    @classmethod
    def of(cls, cfg: TablefuseConfig, db_path: str | Path | None = None,
           judge_key: str | None = None) -> StepKeys:
        """Each step's own inputs (the judge's decisions also depend on the declared unique
        sources); a step's key is the JSON of its own and every earlier step's inputs."""
        own = [cfg.ingest, [cfg.engine, cfg.align], cfg.block,
               [judge_key or cfg.judge, policy.discover_config(cfg).unique_sources],
               policy.discover_config(cfg), policy.resolve_config(cfg, db_path)]
        plain = [[_plain(x) for x in part] if isinstance(part, list) else _plain(part) for part in own]
        return cls(*(json.dumps(plain[: i + 1], sort_keys=True, default=str) for i in range(len(plain))))


#: what each step leaves on the pipeline, and the stage records it writes (``branch`` copies both)
_STEP_OUTPUTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ingest": (("lake",), ("ingest",)),
    "align": (("alignment", "tuples"), ("align", "union")),
    "block": (("candidates",), ("block",)),
    "judge": (("scored", "fitted_judge", "judge_key", "labels", "_labels_tuples"), ("judge",)),
    "discover": (("membership",), ("discover",)),
    "resolve": (("resolution",), ("resolve",)),
}


class Pipeline:
    """Runs the stages named by a ``TablefuseConfig``; every cross-stage rule is in ``policy``.

    ``runtime``: a resolved ``Runtime`` to use (shared between pipelines); None resolves one from
    ``config.engine`` when a step first needs it (after ingest, so the encoder fits the lake's
    size) and closes it in ``close``. ``db_path``: the store the run will be written to (its
    embedding cache is read while encoding, and the pair labels it holds teach the judge and
    bind the sets: ``labels.py``). ``labels``: pair labels in this run's tids, instead of the
    store's.

    >>> p = Pipeline(TablefuseConfig().with_overrides(judge={"method": "similarity"}))  # doctest: +SKIP
    >>> p.ingest("examples/lake"); p.align(); p.block(); scored = p.judge()  # doctest: +SKIP
    >>> p.discover().frame["set_id"].n_unique()  # doctest: +SKIP
    """

    def __init__(self, config: TablefuseConfig | None = None, *, runtime: Runtime | None = None,
                 progress: Progress | None = None, db_path: str | Path | None = None,
                 labels: LabelledPairs | None = None):
        self.config = config or TablefuseConfig()
        self.progress = ensure_progress(progress)
        self.runtime = runtime
        self._owns_runtime = False
        self.db_path = db_path
        self.lake_dir: Path | None = None
        self.started = _now()
        self.run_id = uuid.uuid4().hex[:12]
        self.lake: Lake | None = None
        self.alignment: Alignment | None = None
        self.tuples: TupleTable | None = None
        self.candidates: CandidatePairs | None = None
        self.fitted_judge: Any = None
        self.scored: ScoredPairs | None = None
        self.membership: Membership | None = None
        self.resolution: Resolution | None = None
        self.stages: list[StageStats] = []
        self.shared: set[str] = set()  # steps whose output came from another pipeline (``branch``)
        self.judge_key: str | None = None  # set when a judge object other than the config's was used
        self.labels: LabelledPairs | None = labels  # the pair labels this run uses (``labels.py``)
        self._labels_tuples: TupleTable | None = None  # the tuples ``labels`` were mapped to
        self._labels_given = labels is not None

    # -- plumbing ------------------------------------------------------------------------------
    def _runtime(self) -> Runtime:
        if self.runtime is None:
            n_texts = self.lake.rows if self.lake is not None else self.tuples.height if self.tuples is not None else 0
            self.runtime = Runtime.resolve(self.config.engine, n_texts)
            self._owns_runtime = True
            policy.attach_embedding_cache(self.config, self.runtime.encoder, self.db_path)
        return self.runtime

    def _stage(self, name: str, fn: Callable[[], T], rows_in: int | None, rows_out: Callable[[T], int],
               summary: Callable[[T], str], detail: Callable[[T], dict[str, Any]] | None = None) -> T:
        self.progress.stage(name)
        t0 = time.perf_counter()
        with self._threads():
            out = fn()
        seconds = time.perf_counter() - t0
        self.stages = [s for s in self.stages if s.stage != name]
        self.stages.append(StageStats(name, round(seconds, 4), round(_peak_rss_mb(), 1), rows_in, rows_out(out),
                                      detail(out) if detail is not None else {}))
        self.shared.discard(name)
        self.progress.done(name, summary(out))
        return out

    @contextlib.contextmanager
    def _threads(self) -> Iterator[None]:
        if self.runtime is None:
            yield
            return
        from ..runtime.threads import apply_threads

        with apply_threads(self.runtime.threads):
            yield

    def _pair_labels(self, tuples: TupleTable) -> LabelledPairs | None:
        """The pair labels of this run in ``tuples``' tids: the ones given, else the store's (read
        once per tuple table; None: no label applies)."""
        if self._labels_given or self._labels_tuples is tuples:
            return self.labels
        try:
            self.labels = pair_labels.load_labels(self.db_path, tuples)
        except StoreError:  # not a store (yet): writing the run will say so
            self.labels = None
        self._labels_tuples = tuples
        return self.labels

    @staticmethod
    def _need(value: T | None, what: str, step: str) -> T:
        if value is None:
            raise ContractError(f"{step} needs {what}: run the steps before it, or pass {what}")
        return value

    # -- the steps -----------------------------------------------------------------------------
    def ingest(self, lake_dir: str | Path) -> Lake:
        """Read every table under ``lake_dir`` (``tablefuse.ingest.read_lake``)."""
        from ..ingest import read_lake

        self.lake_dir = Path(lake_dir)
        self.lake = self._stage("ingest", lambda: read_lake(lake_dir, self.config.ingest), None,
                                lambda lk: lk.rows,
                                lambda lk: f"{len(lk.tables)} tables, {lk.rows} rows, {len(lk.issues)} issues")
        return self.lake

    def align(self) -> TupleTable:
        """Align the lake's columns into one schema and outer-union its tables into tuples."""
        from ..align import align, union

        lake = self._need(self.lake, "a lake", "align")
        encoder = policy.align_encoder(self._runtime().encoder)
        self.alignment = self._stage("align", lambda: align(lake, self.config.align, encoder=encoder), lake.rows,
                                     lambda a: len(a.attributes),
                                     lambda a: f"{a.frame.height} columns -> {len(a.attributes)} attributes")
        alignment = self.alignment
        self.tuples = self._stage("union", lambda: union(lake, alignment), lake.rows, lambda t: t.height,
                                  lambda t: f"{t.height} tuples")
        self.tuples.validate()
        return self.tuples

    def block(self, tuples: TupleTable | None = None) -> CandidatePairs:
        """Candidate pairs of the tuples (``tablefuse.block``)."""
        from ..block import make_blocker

        tuples = self.tuples = tuples if tuples is not None else self._need(self.tuples, "tuples", "block")
        blocker = make_blocker(self.config.block, encoder=self._runtime().encoder)
        self.candidates = self._stage("block", lambda: blocker.candidates(tuples), tuples.height,
                                      lambda c: c.frame.height, lambda c: f"{c.frame.height} candidate pairs")
        self.candidates.validate()
        return self.candidates

    def judge(self, judge: Any = None, *, fit: bool = True, key: str | None = None) -> ScoredPairs:
        """Fit the judge on the candidates (``fit=False``: use the one already fitted or loaded) and
        score them, partitioned on the engine; unique mapping applies where sources are declared
        duplicate-free. ``judge``: a judge object instead of ``config.judge`` (``key`` names it for
        ``branch``). With pair labels (``labels.py``) the judge learns from them, the cut is
        calibrated on them and their scores are forced; without, none of that runs."""
        import inspect

        from ..judge import make_judge

        tuples = self._need(self.tuples, "tuples", "judge")
        candidates = self._need(self.candidates, "candidate pairs", "judge")
        labels = self._pair_labels(tuples)
        if labels is not None:  # a labelled match blocking missed is a candidate too
            candidates = self.candidates = pair_labels.with_labelled_matches(candidates, labels)
        runtime = self._runtime()
        if judge is not None:
            self.fitted_judge, self.judge_key = judge, key or f"object:{type(judge).__qualname__}"
        elif self.fitted_judge is None or fit:
            self.fitted_judge = make_judge(policy.judge_config(self.config, runtime.device), progress=self.progress,
                                           encoder=runtime.encoder)
            self.judge_key = None
        chosen = self.fitted_judge
        if labels is not None:  # a judge that learnt from labels is never shared with one that did not
            own = self.judge_key or json.dumps(_plain(self.config.judge), sort_keys=True, default=str)
            own = own.split("|labels:")[0]
            self.judge_key = f"{own}|labels:{pair_labels.digest(labels)}"
        takes_labels = labels is not None and "labels" in inspect.signature(chosen.fit).parameters

        def run() -> ScoredPairs:
            if not fit:
                fitted = chosen
            elif takes_labels:
                fitted = chosen.fit(tuples, candidates, labels=labels)
            else:
                fitted = chosen.fit(tuples, candidates)
            scored = score_partitioned(runtime.engine, fitted, tuples, candidates, self.config.engine.partitions)
            if labels is not None:
                scored = pair_labels.forced(pair_labels.calibrated(scored, labels), labels)
            scored = policy.unique_mapped(self.config, tuples, scored)
            return pair_labels.forced(scored, labels) if labels is not None else scored

        def detail(s: ScoredPairs) -> dict[str, Any]:
            return {"pair_labels": s.stats.get("pair_labels")} if labels is not None else {}

        self.scored = self._stage("judge", run, candidates.frame.height, lambda s: int(s.frame["integrable"].sum()),
                                  lambda s: f"{int(s.frame['integrable'].sum())} integrable of {s.frame.height}",
                                  detail)
        self.scored.validate()
        return self.scored

    def discover(self, scored: ScoredPairs | None = None, tuples: TupleTable | None = None) -> Membership:
        """Integrable sets from judged pairs (these, or the judge step's), every tuple in one set."""
        from ..discover import make_discoverer

        tuples = self.tuples = tuples if tuples is not None else self._need(self.tuples, "tuples", "discover")
        scored = self.scored = scored if scored is not None else self._need(self.scored, "scored pairs", "discover")
        discoverer = make_discoverer(policy.discover_config(self.config))
        engine = self._runtime().engine
        labels = self._pair_labels(tuples)

        def run() -> Membership:
            membership = discover_partitioned(engine, discoverer, tuples, scored, self.config.engine.partitions)
            # a labelled non-match never shares a set, a labelled match's sets are one (labels.py)
            return pair_labels.enforce_on_sets(membership, scored, labels) if labels is not None else membership

        self.membership = self._stage(
            "discover", run, scored.frame.height, lambda m: m.frame["set_id"].n_unique(),
            lambda m: f"{m.frame['set_id'].n_unique()} integrable sets")
        self.membership.validate(tuples)
        return self.membership

    def resolve(self, membership: Membership | None = None) -> Resolution:
        """One golden record per set, every conflict and decision recorded."""
        from ..resolve import make_resolver

        tuples = self._need(self.tuples, "tuples", "resolve")
        members = self.membership = (membership if membership is not None
                                     else self._need(self.membership, "a membership", "resolve"))
        resolver = make_resolver(policy.resolve_config(self.config, self.db_path))
        engine = self._runtime().engine
        self.resolution = self._stage(
            "resolve", lambda: resolve_partitioned(engine, resolver, tuples, members, self.config.engine.partitions),
            members.frame.height, lambda r: r.golden.height,
            lambda r: f"{r.golden.height} golden records, {r.conflicts.height} conflicts")
        return self.resolution

    def result(self) -> RunResult:
        """What the steps produced, as one ``RunResult`` (every step must have run)."""
        return RunResult(
            run_id=self.run_id, lake_root=self._need(self.lake_dir, "a lake folder", "result"),
            config_json=self.config.to_json(), started=self.started, finished=_now(),
            lake=self._need(self.lake, "a lake", "result"),
            alignment=self._need(self.alignment, "an alignment", "result"),
            tuples=self._need(self.tuples, "tuples", "result"),
            candidates=self._need(self.candidates, "candidate pairs", "result"),
            scored=self._need(self.scored, "scored pairs", "result"),
            membership=self._need(self.membership, "a membership", "result"),
            resolution=self._need(self.resolution, "a resolution", "result"), stages=tuple(self.stages))

    def store(self, db_path: str | Path | None = None) -> RunResult:
        """Write the run to the DuckDB store (atomically), the trained judge beside it and the new
        embeddings into its cache."""
        from ..store import store_lock, write_run

        path = db_path if db_path is not None else self.db_path
        if path is None:
            raise StoreError("no store to write to: pass db_path")
        result = self.result()
        t0 = time.perf_counter()
        self.progress.stage("store")
        with store_lock(path):  # one writer at a time: the run, its judge and its cache together
            write_run(path, result, version=__version__)
            save = getattr(self.fitted_judge, "save", None)
            folder = policy.judge_dir(path)
            if callable(save):  # a trained judge lives beside its store: `tablefuse judge` re-scores
                try:
                    save(folder)
                except OSError as exc:  # a full disk: the run is stored, its judge could not be
                    raise StoreError(f"the run was written to {path}, but its trained judge could not be "
                                     f"saved to {folder}: {exc}") from exc
            elif folder.is_dir():  # an earlier run's judge must not re-score this run's pairs
                shutil.rmtree(folder)
            if self.runtime is not None:
                policy.save_embedding_cache(self.config, self.runtime.encoder, path)
        self.stages.append(StageStats("store", round(time.perf_counter() - t0, 4), round(_peak_rss_mb(), 1)))
        self.progress.done("store", f"written to {path}")
        return replace(result, stages=tuple(self.stages))

    def complete(self, lake_dir: str | Path | None = None, judge: Any = None, key: str | None = None) -> RunResult:
        """Run every step whose output is missing (all of them on a new pipeline; after ``branch``,
        the ones the configurations do not share) and return the result, without storing it."""
        if self.lake is None:
            if lake_dir is None:
                lake_dir = self._need(self.lake_dir, "a lake folder", "ingest")
            self.ingest(lake_dir)
        if self.tuples is None:
            self.align()
        if self.candidates is None:
            self.block()
        if self.scored is None:
            self.judge(judge, key=key)
        if self.membership is None:
            self.discover()
        if self.resolution is None:
            self.resolve()
        return self.result()

    def run(self, lake_dir: str | Path, db_path: str | Path | None = None) -> RunResult:
        """Every step over ``lake_dir``; the store is written when ``db_path`` is given (a store
        that could not be written is refused before anything runs)."""
        if db_path is not None:
            self.db_path = db_path
        if self.db_path is not None:
            from ..store import check_writable

            check_writable(self.db_path)
        try:
            self.ingest(lake_dir)
            self.complete()
            return self.store() if self.db_path is not None else self.result()
        finally:
            self.close()

    # -- sharing and resuming --------------------------------------------------------------------
    def keys(self) -> StepKeys:
        return StepKeys.of(self.config, self.db_path, self.judge_key)

    def shared_steps(self, config: TablefuseConfig, judge_key: str | None = None) -> int:
        """How many steps, from the first, a pipeline for ``config`` can take over from this one
        (the same key, and an output this one has computed)."""
        mine, theirs = self.keys(), StepKeys.of(config, self.db_path, judge_key)
        n = 0
        for step in policy.STEPS:
            attrs, _ = _STEP_OUTPUTS[step]
            if getattr(mine, step) != getattr(theirs, step) or getattr(self, attrs[0]) is None:
                break
            n += 1
        return n

    def branch(self, config: TablefuseConfig, *, judge_key: str | None = None) -> Pipeline:
        """A pipeline for ``config`` that starts with this one's outputs for every step it can
        take over (``shared_steps``), and the same runtime where the engine is the same (the
        align key holds the engine, so no step after ingest is shared across engines)."""
        same_engine = config.engine == self.config.engine
        other = Pipeline(config, runtime=self.runtime if same_engine else None, progress=self.progress,
                         db_path=self.db_path)
        other.lake_dir = self.lake_dir
        for step in policy.STEPS[: self.shared_steps(config, judge_key)]:
            attrs, stages = _STEP_OUTPUTS[step]
            for attr in attrs:
                setattr(other, attr, getattr(self, attr))
            other.stages.extend(s for s in self.stages if s.stage in stages)
            other.shared.update(stages)
        return other

    @classmethod
    def from_store(cls, db_path: str | Path, config: TablefuseConfig | None = None, *,
                   progress: Progress | None = None) -> Pipeline:
        """A pipeline holding a stored run's tuples, candidates, judged pairs and sets (and its
        trained judge, when one was saved), to re-run a stage on it; ``config``: the stored run's
        unless given."""
        import polars as pl

        from ..frames import TUPLE_META
        from ..store import read_table
        from .decisions import latest_run

        run = latest_run(db_path)
        p = cls(config or TablefuseConfig.from_dict(json.loads(run["config"])), progress=progress, db_path=db_path)
        frame = read_table(db_path, "tuples").sort("tid")
        p.tuples = TupleTable(frame, tuple(c for c in frame.columns if c not in TUPLE_META))
        p.candidates = CandidatePairs(read_table(db_path, "candidates"))
        pairs = read_table(db_path, "pairs")
        threshold = json.loads(run["summary"] or "{}").get("judge_threshold")
        if threshold is None:  # written before the threshold was recorded: the lowest integrable score
            integrable = pairs.filter(pl.col("integrable"))["score"].to_list()
            threshold = min(integrable) if integrable else 1.0
        p.scored = ScoredPairs(pairs, float(threshold), {})
        p.membership = Membership(read_table(db_path, "membership", raw=True))
        folder = policy.judge_dir(db_path)
        if folder.is_dir():
            from ..judge import load_judge

            p.fitted_judge = load_judge(folder)
        return p

    def close(self) -> None:
        """Stop the engine this pipeline started (a local Ray cluster); a given runtime is the
        caller's to close."""
        if self._owns_runtime and self.runtime is not None:
            self.runtime.close()
            self.runtime = None
            self._owns_runtime = False

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def integrate(lake_dir: str | Path, config: TablefuseConfig | None = None,
              db_path: str | Path | None = None, progress: Progress | None = None) -> RunResult:
    """Integrate every table under ``lake_dir``; write the store to ``db_path`` when given.

    >>> result = integrate("examples/lake", db_path="demo.duckdb")  # doctest: +SKIP
    >>> result.summary()["sets"]  # doctest: +SKIP
    """
    return Pipeline(config, progress=progress, db_path=db_path).run(lake_dir)
