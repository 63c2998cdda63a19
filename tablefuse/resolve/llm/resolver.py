"""The ``llm`` and ``local`` resolvers: an in-context LLM chooses among each cell's candidates.

Both plug into the shared machinery (``resolve_with``): they only implement ``choose``. Per
conflicting cell: demonstrations (``demos``), a prompt (``prompts``), a cached or new answer,
strict validation, one corrected retry, else the fallback resolver's choice with the reason
recorded in the cell's ``reason``. Nothing stops the run: an endpoint that is down, a spent call
budget or a model that cannot load all end in the fallback, counted in ``stats_`` and logged.

* ``LLMResolver`` asks a ``ChatBackend`` (an OpenAI-compatible endpoint) for JSON
  ``{"value": ...}``. Requests run ``concurrency`` at a time, at most ``call_budget`` per run.
* ``LocalResolver`` runs SmolLM2-135M in-process. ``mode="score"`` (default) ranks the
  candidates by the likelihood of each JSON answer, so it always names a candidate;
  ``mode="generate"`` asks for free JSON like the ``llm`` resolver.

Confidence: ``score`` mode reports the model's probability of the chosen answer renormalised over
the candidates; a generated answer reports ``(1 + share of tuples that say it) / 2``.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from ...config import ResolveConfig
from ...errors import ConfigError, LLMError, ModelError
from ...frames import Membership, Resolution, TupleTable
from .._conflicts import Choice, Chooser, ConflictCell, LakeCells, resolve_with
from .backends import ChatBackend, EndpointDown, OpenAIChat, endpoint_settings
from .cache import ResponseCache, request_key
from .demos import CellContext, build_contexts
from .prompts import Message, build_messages, correction, parse_answer

log = logging.getLogger("tablefuse")

MAX_TOKENS = 48  # a JSON answer naming one candidate; longer output is a wrong answer anyway


class _RunState:
    """Per-``choose`` counters shared by the worker threads (never module-level)."""

    def __init__(self, budget: int | None) -> None:
        self.budget = budget
        self.calls = 0
        self.down: str | None = None
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.budget is not None and self.calls >= self.budget:
                return False
            self.calls += 1
            return True

    def mark_down(self, why: str) -> None:
        with self._lock:
            if self.down is None:
                self.down = why


class _Spent(LLMError):
    """The call budget is used up."""


def _fallback_chooser(name: str, config: ResolveConfig | None) -> Chooser:
    from .. import RESOLVERS  # lazy: the registry imports this subpackage lazily too

    if name in ("llm", "local") or name not in RESOLVERS:
        raise ConfigError(f"resolve.llm_fallback {name!r} must be one of "
                          f"{sorted(set(RESOLVERS) - {'llm', 'local'})}")
    cfg = replace(config or ResolveConfig(), method=name)
    factory: Any = RESOLVERS[name]
    return factory.from_config(cfg)


class LLMResolver:
    """Choose each conflicting cell's value with an in-context LLM (see module doc)."""

    per_set = False  # learns across sets (see tablefuse.resolve.Resolver)
    format = "majority"  # how golden values are rendered (resolve.format)

    method = "llm"

    def __init__(self, backend: ChatBackend, *, k: int = 10, mi_threshold: float = 0.1,
                 compress: bool = True, concurrency: int = 4, call_budget: int | None = None,
                 cache_path: str | None = None, fallback: str = "evidence",
                 fallback_config: ResolveConfig | None = None, max_tokens: int = MAX_TOKENS) -> None:
        self.backend = backend
        self.k = k
        self.mi_threshold = mi_threshold
        self.compress = compress
        self.concurrency = concurrency
        self.call_budget = call_budget
        self.cache_path = cache_path
        self.fallback = fallback
        self.fallback_config = fallback_config
        self.max_tokens = max_tokens
        self.stats_: dict[str, Any] = {}

    @staticmethod
    def _check(config: ResolveConfig) -> None:
        if config.llm_k < 0:
            raise ConfigError("resolve.llm_k must be 0 or more")
        if not 0.0 <= config.llm_mi_threshold <= 1.0:
            raise ConfigError("resolve.llm_mi_threshold must lie in [0, 1]")
        if config.llm_concurrency < 1:
            raise ConfigError("resolve.llm_concurrency must be at least 1")
        if config.llm_call_budget is not None and config.llm_call_budget < 0:
            raise ConfigError("resolve.llm_call_budget must be 0 or more (or unset)")
        if config.llm_timeout <= 0 or config.llm_max_retries < 0 or config.llm_backoff < 0:
            raise ConfigError("resolve.llm_timeout must be > 0, llm_max_retries and llm_backoff >= 0")

    @classmethod
    def from_config(cls, config: ResolveConfig) -> LLMResolver:
        cls._check(config)
        url, model, key = endpoint_settings(config.llm_base_url, config.llm_model, config.llm_api_key)
        backend: ChatBackend
        if url is None:  # the run still completes: every cell falls back and says why
            backend = _NoEndpoint()
        else:
            backend = OpenAIChat(url, model, key, timeout=config.llm_timeout,
                                 max_retries=config.llm_max_retries, backoff=config.llm_backoff)
        _fallback_chooser(config.llm_fallback, config)  # fail at build time, not mid-run
        resolver = cls(backend, k=config.llm_k, mi_threshold=config.llm_mi_threshold,
                       compress=config.llm_compress, concurrency=config.llm_concurrency,
                       call_budget=config.llm_call_budget, cache_path=config.llm_cache_path,
                       fallback=config.llm_fallback, fallback_config=config)
        resolver.format = config.format  # golden values rendered as resolve.format says, like every resolver
        return resolver

    def resolve(self, tuples: TupleTable, membership: Membership) -> Resolution:
        return resolve_with(tuples, membership, self, self.method)

    # -- the chooser -------------------------------------------------------------------------
    def choose(self, conflicts: Sequence[ConflictCell], lake: LakeCells) -> list[Choice]:
        t0 = time.perf_counter()
        fallback = _fallback_chooser(self.fallback, self.fallback_config).choose(conflicts, lake)
        contexts = build_contexts(conflicts, lake, k=self.k, mi_threshold=self.mi_threshold,
                                  compress=self.compress)
        cache = ResponseCache(self.cache_path)
        state = _RunState(self.call_budget)
        counts: Counter[str] = Counter()
        answers = self._answers(conflicts, contexts, cache, state, counts)
        cache.flush()
        out: list[Choice] = []
        why_fallback: Counter[str] = Counter()
        for _cell, _ctx, fb, got in zip(conflicts, contexts, fallback, answers):
            if isinstance(got, Choice):
                out.append(got)
                continue
            why_fallback[got.split(":")[0]] += 1
            out.append(Choice(fb.index, fb.confidence, f"{self.fallback} fallback ({got}): {fb.reason}"))
        self.stats_ = {"cells": len(conflicts), "calls": state.calls,
                       "cache_hits": counts["cache_hits"], "invalid": counts["invalid"],
                       "retried": counts["retried"], "fallbacks": sum(why_fallback.values()),
                       "fallback_reasons": dict(why_fallback), "endpoint_down": state.down,
                       "seconds": round(time.perf_counter() - t0, 3), "backend": self.backend.name}
        if why_fallback:
            log.warning("resolve %s: %d of %d conflicts fell back to %s (%s)", self.method,
                        sum(why_fallback.values()), len(conflicts), self.fallback,
                        ", ".join(f"{k}: {v}" for k, v in why_fallback.items()))
        return out

    def _answers(self, conflicts: Sequence[ConflictCell], contexts: Sequence[CellContext],
                 cache: ResponseCache, state: _RunState,
                 counts: Counter[str]) -> list[Choice | str]:
        """Per cell a Choice from the LLM, or a string saying why there is none."""
        first = [build_messages(c, ctx) for c, ctx in zip(conflicts, contexts)]
        replies = self._phase(first, cache, state, counts)
        result: list[Choice | str] = []
        retry: dict[int, list[Message]] = {}
        for i, (cell, reply) in enumerate(zip(conflicts, replies)):
            values = [c.value for c in cell.candidates]
            if isinstance(reply, Exception):
                result.append(self._failure(reply))
                continue
            ans = parse_answer(reply, values)
            if ans.index is not None:
                result.append(self._choice(cell, contexts[i], ans.index, False))
                continue
            counts["invalid"] += 1
            result.append(f"invalid answer: {ans.error}")
            retry[i] = correction(first[i], reply, ans.error or "invalid", values)
        if retry:
            idx = sorted(retry)
            counts["retried"] += len(idx)
            second = self._phase([retry[i] for i in idx], cache, state, counts)
            for i, reply in zip(idx, second):
                cell = conflicts[i]
                if isinstance(reply, Exception):
                    result[i] = f"{result[i]}; retry failed: {self._failure(reply)}"
                    continue
                ans = parse_answer(reply, [c.value for c in cell.candidates])
                if ans.index is not None:
                    result[i] = self._choice(cell, contexts[i], ans.index, True)
                else:
                    counts["invalid"] += 1
                    result[i] = f"invalid answer twice: {ans.error}"
        return result

    @staticmethod
    def _failure(exc: Exception) -> str:
        if isinstance(exc, _Spent):
            return f"call budget spent: {exc}"
        if isinstance(exc, EndpointDown):
            return f"endpoint down: {exc}"
        return f"LLM error: {exc}"

    def _choice(self, cell: ConflictCell, ctx: CellContext, index: int, corrected: bool) -> Choice:
        win = cell.candidates[index]
        share = win.count / max(cell.total, 1)
        on = ", ".join(ctx.shown) if ctx.shown else "no other attribute"
        reason = (f"{self.backend.name} chose {win.value!r} ({win.count} of {cell.total} tuples) "
                  f"given {len(ctx.demos)} demonstrations on {on}"
                  + (" after one corrected retry" if corrected else ""))
        return Choice(index, (1.0 + share) / 2.0, reason)

    def _phase(self, prompts: Sequence[list[Message]], cache: ResponseCache, state: _RunState,
               counts: Counter[str]) -> list[str | Exception]:
        """Answers for many prompts: cached ones first, the rest ``concurrency`` at a time."""
        keys = [request_key({"backend": self.backend.name, "messages": m,
                             "max_tokens": self.max_tokens}) for m in prompts]
        cached = cache.get_many(keys)
        out: list[str | Exception | None] = [cached.get(k) for k in keys]
        counts["cache_hits"] += sum(o is not None for o in out)
        todo = [i for i, o in enumerate(out) if o is None]
        # identical prompts (same record, same candidates) are asked once
        first_of: dict[str, int] = {}
        unique = [i for i in todo if first_of.setdefault(keys[i], i) == i]

        def ask(i: int) -> str | Exception:
            if state.down is not None:
                return EndpointDown(state.down)
            if not state.take():
                return _Spent(f"{state.budget} calls")
            try:
                return self.backend.complete(prompts[i], self.max_tokens)
            except EndpointDown as exc:
                state.mark_down(str(exc))
                return exc
            except (LLMError, ModelError) as exc:
                return exc

        got = self._run_all(ask, unique)
        for i, reply in zip(unique, got):
            if isinstance(reply, str):
                cache.put(keys[i], reply, self.backend.name)
        answer = dict(zip(unique, got))
        for i in todo:
            out[i] = answer[first_of[keys[i]]]
        return [o if o is not None else LLMError("no answer") for o in out]

    def _run_all(self, fn: Callable[[int], str | Exception], items: list[int]) -> list[str | Exception]:
        if self.concurrency <= 1 or len(items) <= 1:
            return [fn(i) for i in items]
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(fn, items))


class LocalResolver(LLMResolver):
    """The same prompts answered by a local model with no server (see module doc)."""

    method = "local"

    def __init__(self, model: Any, *, mode: str = "score", length_norm: bool = False,
                 prior: float = 0.0, **kwargs: Any) -> None:
        if mode not in ("score", "generate"):
            raise ConfigError(f"resolve.local_mode {mode!r} must be 'score' or 'generate'")
        kwargs.setdefault("concurrency", 1)
        super().__init__(model, **kwargs)
        self.mode = mode
        self.length_norm = length_norm  # mean instead of summed log-probability (measured: worse)
        self.prior = prior  # weight of log(tuple share) added to each candidate's log-likelihood

    @classmethod
    def from_config(cls, config: ResolveConfig) -> LocalResolver:
        from .local import LocalChatModel, local_model_dir

        cls._check(config)
        _fallback_chooser(config.llm_fallback, config)
        model = _LazyLocal(lambda: LocalChatModel(local_model_dir(config.local_model_dir)),
                           config.local_model_dir)
        resolver = cls(model, mode=config.local_mode, k=config.llm_k,
                       mi_threshold=config.llm_mi_threshold, compress=config.llm_compress,
                       call_budget=config.llm_call_budget, cache_path=config.llm_cache_path,
                       fallback=config.llm_fallback, fallback_config=config)
        resolver.format = config.format
        return resolver

    def _answers(self, conflicts: Sequence[ConflictCell], contexts: Sequence[CellContext],
                 cache: ResponseCache, state: _RunState,
                 counts: Counter[str]) -> list[Choice | str]:
        if self.mode == "generate":
            return super()._answers(conflicts, contexts, cache, state, counts)
        out: list[Choice | str] = []
        for cell, ctx in zip(conflicts, contexts):
            messages = build_messages(cell, ctx)
            answers = [json.dumps({"value": c.value}, ensure_ascii=False) for c in cell.candidates]
            key = request_key({"backend": self.backend.name, "score": answers, "messages": messages})
            hit = cache.get_many([key]).get(key)
            if hit is not None:
                counts["cache_hits"] += 1
                scores = [tuple(s) for s in json.loads(hit)]
            elif state.down is not None:
                out.append(f"local model unavailable: {state.down}")
                continue
            elif not state.take():
                out.append(f"call budget spent: {state.budget} calls")
                continue
            else:
                try:
                    scores = self.backend.score(messages, answers)  # type: ignore[attr-defined]
                except (ModelError, OSError) as exc:
                    state.mark_down(str(exc))
                    out.append(f"local model unavailable: {exc}")
                    continue
                cache.put(key, json.dumps(scores), self.backend.name)
            out.append(self._scored(cell, ctx, scores))
        return out

    def _scored(self, cell: ConflictCell, ctx: CellContext, scores: Sequence[Any]) -> Choice:
        import math

        rank = [(s / n if self.length_norm else s)
                + (self.prior * math.log(c.count / max(cell.total, 1)) if self.prior else 0.0)
                for (s, n), c in zip(scores, cell.candidates)]
        best = max(range(len(rank)), key=lambda j: (rank[j], cell.candidates[j].count, -j))
        top = max(rank)
        probs = [math.exp(r - top) for r in rank]
        conf = probs[best] / sum(probs)
        win = cell.candidates[best]
        on = ", ".join(ctx.shown) if ctx.shown else "no other attribute"
        reason = (f"{self.backend.name} found {win.value!r} the likeliest answer "
                  f"(p={conf:.2f} among {len(scores)} candidates; {win.count} of {cell.total} "
                  f"tuples) given {len(ctx.demos)} demonstrations on {on}")
        return Choice(best, min(max(conf, 0.0), 1.0), reason)


class _NoEndpoint:
    """Stands in for an endpoint nobody configured: every call says so."""

    name = "openai:unconfigured"

    def complete(self, messages: Sequence[Message], max_tokens: int) -> str:
        raise EndpointDown("no LLM endpoint configured: set resolve.llm_base_url or "
                           "TABLEFUSE_LLM_BASE_URL, or use resolve.method = 'local'")


class _LazyLocal:
    """Defers converting/loading the local model until a prompt is not in the cache."""

    def __init__(self, factory: Callable[[], Any], model_dir: str | None) -> None:
        self._factory = factory
        self._model: Any = None
        self.name = f"local:{model_dir or 'smollm2-135m-instruct'}"

    def _get(self) -> Any:
        if self._model is None:
            self._model = self._factory()
        return self._model

    def complete(self, messages: Sequence[Message], max_tokens: int) -> str:
        try:
            return str(self._get().complete(messages, max_tokens))
        except ModelError as exc:
            raise EndpointDown(f"local model unavailable: {exc}") from exc

    def score(self, messages: Sequence[Message], answers: Sequence[str]) -> list[tuple[float, int]]:
        return list(self._get().score(messages, answers))


__all__ = ["LLMResolver", "LocalResolver"]
