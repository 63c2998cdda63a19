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
    """One progress report: a stage started (``summary`` None) or finished."""

    stage: str
    fraction: float  # of all stages, in [0, 1]
    summary: str | None = None
    seconds: float | None = None
    step: int | None = None  # steps done in the stage, when it reports them
    steps: int | None = None


class CallbackProgress:
    """A ``tablefuse.progress.Progress`` that turns stage reports into ``StageEvent`` calls."""

    def __init__(self, on_event: Callable[[StageEvent], None],
                 stages: tuple[str, ...] = STAGES) -> None:
        self.on_event = on_event
        self.stages = stages
        self._current: str | None = None
        self._started = 0.0
        self._step = 0
        self._steps: int | None = None

    def _fraction(self, name: str, finished: bool) -> float:
        if name not in self.stages:
            return 0.0
        return (self.stages.index(name) + (1 if finished else 0)) / len(self.stages)

    def stage(self, name: str) -> None:
        self._current, self._started, self._step, self._steps = name, time.perf_counter(), 0, None
        self.on_event(StageEvent(name, self._fraction(name, False)))

    def total(self, n: int | None) -> None:
        self._steps = n

    def advance(self, n: int = 1) -> None:
        self._step += n
        if self._current is not None:
            base = self._fraction(self._current, False)
            share = (min(self._step / self._steps, 1.0) / len(self.stages)) if self._steps else 0.0
            self.on_event(StageEvent(self._current, base + share, step=self._step,
                                     steps=self._steps))

    def done(self, name: str, summary: str) -> None:
        seconds = time.perf_counter() - self._started if self._current == name else None
        self.on_event(StageEvent(name, self._fraction(name, True), summary, seconds))
