"""Integrate page logic: the main settings as a config, and live per-stage progress.

Defaults come from ``TablefuseConfig()``, so the page always shows the pipeline's own defaults.
Extra options go through a TOML text (parsed as data, never executed).
"""
from __future__ import annotations

import dataclasses
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tablefuse.config import ResolveConfig, TablefuseConfig
from tablefuse.errors import ConfigError

STAGES: tuple[str, ...] = ("ingest", "align", "union", "block", "judge", "discover", "resolve",
                           "store")
"""The stages ``Pipeline.run`` reports, in order (``store`` when a database is written)."""

# ResolveConfig field names an LLM endpoint may live under, in order of preference.
LLM_ENDPOINT_FIELDS: tuple[str, ...] = ("llm_base_url", "llm_endpoint", "base_url", "endpoint",
                                        "llm_url")
LLM_MODEL_FIELDS: tuple[str, ...] = ("llm_model", "model")


def methods() -> dict[str, list[str]]:
    """The registered methods of each stage (public registries), for the select boxes."""
    from tablefuse.block import BLOCKERS
    from tablefuse.discover import DISCOVERERS
    from tablefuse.judge import JUDGES
    from tablefuse.resolve import RESOLVERS

    return {"block": sorted(BLOCKERS), "judge": sorted(JUDGES), "discover": sorted(DISCOVERERS),
            "resolve": ["auto", *sorted(RESOLVERS)]}  # auto: llm with an endpoint, else evidence


def resolve_field(candidates: tuple[str, ...]) -> str | None:
    """The first ``ResolveConfig`` option among ``candidates`` (None: this version has none)."""
    names = {f.name for f in dataclasses.fields(ResolveConfig)}
    return next((c for c in candidates if c in names), None)


@dataclass(frozen=True)
class RunChoices:
    """What the Integrate form asks for; ``None`` keeps the pipeline default."""

    block: str | None = None
    judge: str | None = None
    threshold: float | None = None
    discover: str | None = None
    resolve: str | None = None
    llm_endpoint: str | None = None
    llm_model: str | None = None
    skip_bad: bool = True
    # every uploaded table lists an entity at most once: discover.unique_sources = all, which
    # also keeps one judged partner per table (unique mapping); False keeps the default
    duplicate_free: bool = False
    advanced_toml: str = ""


def defaults() -> RunChoices:
    """The pipeline's defaults, as the form shows them."""
    cfg = TablefuseConfig()
    endpoint = resolve_field(LLM_ENDPOINT_FIELDS)
    model = resolve_field(LLM_MODEL_FIELDS)
    return RunChoices(block=cfg.block.method, judge=cfg.judge.method,
                      threshold=cfg.judge.threshold, discover=cfg.discover.method,
                      resolve=cfg.resolve.method,
                      llm_endpoint=getattr(cfg.resolve, endpoint) if endpoint else None,
                      llm_model=getattr(cfg.resolve, model) if model else None)


def build_config(choices: RunChoices, mapping_file: Path | None = None) -> TablefuseConfig:
    """The run's config: the advanced TOML first, then the form's choices on top.

    Raises ``ConfigError`` for unknown options or bad TOML.
    """
    try:
        data: dict[str, Any] = tomllib.loads(choices.advanced_toml) if choices.advanced_toml.strip() else {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"advanced settings are not valid TOML: {exc}") from exc
    cfg = TablefuseConfig.from_dict(data)
    resolve: dict[str, Any] = {"method": choices.resolve}
    endpoint, model = resolve_field(LLM_ENDPOINT_FIELDS), resolve_field(LLM_MODEL_FIELDS)
    if endpoint and choices.llm_endpoint:
        resolve[endpoint] = choices.llm_endpoint.strip()
    if model and choices.llm_model:
        resolve[model] = choices.llm_model.strip()
    form: dict[str, dict[str, Any]] = {
        "ingest": {"skip_bad": choices.skip_bad},
        "align": {"mapping_file": str(mapping_file) if mapping_file and mapping_file.is_file() else None},
        "block": {"method": choices.block},
        "judge": {"method": choices.judge, "threshold": choices.threshold},
        "discover": {"method": choices.discover, "unique_sources": "all" if choices.duplicate_free else None},
        "resolve": resolve,
    }
    # a field the form leaves empty (None) keeps what the advanced TOML or the default says
    return cfg.with_overrides(**{section: {k: v for k, v in values.items() if v is not None}
                                 for section, values in form.items()})


@dataclass(frozen=True)
class StageEvent:
    """One progress report: a stage started (``summary`` None), advanced, or finished."""

    stage: str
    fraction: float  # of all stages, in [0, 1]
    summary: str | None = None
    seconds: float | None = None  # the finished stage's duration
    step: int | None = None  # steps done in the stage's current phase, when it reports them
    steps: int | None = None
    elapsed: float | None = None  # seconds since the stage started
    remaining: float | None = None  # estimated seconds left in the current phase (steps known)
    at: float | None = None  # wall-clock time of a stage's start (time.time())

    def text(self) -> str:
        """The bar's line: "judge… 12/30 · 40 s elapsed · about 1 min left"."""
        from .humanize import duration

        if self.summary is not None:
            return f"{self.stage} done"
        parts = [f"{self.stage}…" + (f" {self.step:,}/{self.steps:,}" if self.step is not None
                                    and self.steps else "")]
        if self.step is None and self.at is not None:  # nothing done yet: when it began
            parts.append("started " + time.strftime("%H:%M:%S", time.localtime(self.at)))
        elif self.elapsed is not None:
            parts.append(f"{duration(self.elapsed)} elapsed")
        if self.remaining is not None:
            parts.append(f"about {duration(self.remaining)} left")
        return " · ".join(parts)


class CallbackProgress:
    """A ``tablefuse.progress.Progress`` that turns stage reports into ``StageEvent`` calls.

    Each ``total(n)`` starts a new phase of the current stage (a stage may report several: values
    encoded, epochs, pairs scored), so its step counter starts again at 0, as the CLI's does. The
    bar never moves back: a phase fills ``PHASE_SHARE`` of what is left of its stage's slot (how
    many phases follow is not known), and the stage's end fills the slot.
    """

    PHASE_SHARE = 0.8

    def __init__(self, on_event: Callable[[StageEvent], None],
                 stages: tuple[str, ...] = STAGES, clock: Callable[[], float] = time.perf_counter) -> None:
        self.on_event = on_event
        self.stages = stages
        self.clock = clock
        self._current: str | None = None
        self._started = 0.0  # the stage's start
        self._phase_started = 0.0  # the current total()'s start
        self._step = 0
        self._steps: int | None = None
        self._inside = 0.0  # how much of the current stage's slot is filled, in [0, 1]
        self._phase_base = 0.0  # ``_inside`` when the current phase began

    def _fraction(self, name: str, finished: bool) -> float:
        if name not in self.stages:
            return 0.0
        return (self.stages.index(name) + (1 if finished else 0)) / len(self.stages)

    def stage(self, name: str) -> None:
        now = self.clock()
        self._current, self._started, self._phase_started = name, now, now
        self._step, self._steps, self._inside, self._phase_base = 0, None, 0.0, 0.0
        self.on_event(StageEvent(name, self._fraction(name, False), elapsed=0.0, at=time.time()))

    def total(self, n: int | None) -> None:
        self._steps, self._step, self._phase_started = n, 0, self.clock()
        self._phase_base = self._inside

    def advance(self, n: int = 1) -> None:
        self._step += n
        if self._current is None:
            return
        now = self.clock()
        if self._steps:
            done = min(self._step / self._steps, 1.0)
            self._inside = self._phase_base + (1.0 - self._phase_base) * self.PHASE_SHARE * done
        fraction = self._fraction(self._current, False)
        if self._current in self.stages:
            fraction += self._inside / len(self.stages)
        remaining = None
        if self._steps and self._step > 0:
            per_step = (now - self._phase_started) / self._step
            remaining = max(self._steps - self._step, 0) * per_step
        self.on_event(StageEvent(self._current, fraction, step=self._step, steps=self._steps,
                                 elapsed=now - self._started, remaining=remaining))

    def done(self, name: str, summary: str) -> None:
        seconds = self.clock() - self._started if self._current == name else None
        self.on_event(StageEvent(name, self._fraction(name, True), summary, seconds, elapsed=seconds))
