"""Chat backends: the narrow seam where the LLM varies (an OpenAI-compatible endpoint or a local
model). A backend turns messages into text; a local one can also score given answers.

Failures raise ``LLMError``; ``EndpointDown`` marks the ones that make further calls pointless
(connection refused, timeouts after every retry), so the resolver stops calling and falls back.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from typing import Any, Protocol

from ...errors import ConfigError, LLMError
from .prompts import Message

log = logging.getLogger("tablefuse")

ENV_BASE_URL = "TABLEFUSE_LLM_BASE_URL"
ENV_MODEL = "TABLEFUSE_LLM_MODEL"
ENV_API_KEY = "TABLEFUSE_LLM_API_KEY"


class EndpointDown(LLMError):
    """The endpoint cannot be reached or keeps timing out: stop calling it for this run."""


class ChatBackend(Protocol):
    @property
    def name(self) -> str: ...  # model identity, part of every cache key

    def complete(self, messages: Sequence[Message], max_tokens: int) -> str: ...


class Scorer(Protocol):
    @property
    def name(self) -> str: ...

    def score(self, messages: Sequence[Message], answers: Sequence[str]) -> list[tuple[float, int]]: ...


def endpoint_settings(base_url: str | None, model: str | None,
                      api_key: str | None) -> tuple[str | None, str | None, str]:
    """Config values, else the ``TABLEFUSE_LLM_*`` environment variables."""
    url = base_url or os.environ.get(ENV_BASE_URL) or None
    mdl = model or os.environ.get(ENV_MODEL) or None
    key = api_key or os.environ.get(ENV_API_KEY) or "not-needed"
    return url, mdl, key


class OpenAIChat:
    """Any OpenAI-compatible chat endpoint through the ``openai`` client (vLLM, Ollama,
    llama.cpp server, ``transformers serve``, OpenAI). Greedy decoding, bounded retries with
    exponential backoff; the client's own retries are off so the bound is ours."""

    def __init__(self, base_url: str, model: str | None = None, api_key: str = "not-needed",
                 timeout: float = 30.0, max_retries: int = 2, backoff: float = 0.5) -> None:
        if not base_url:
            raise ConfigError(f"no LLM endpoint: set resolve.llm_base_url or {ENV_BASE_URL}, "
                              "or use resolve.method = 'local'")
        self.base_url = base_url
        self.model = model
        self.configured_model = model  # the cache key's model: known even when the endpoint is down
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self._client: Any = None

    @property
    def name(self) -> str:
        return f"openai:{self.base_url}:{self.configured_model}"

    def _get_client(self) -> Any:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(base_url=self.base_url, api_key=self.api_key,
                                  timeout=self.timeout, max_retries=0)
        return self._client

    def _retrying(self, what: str, fn: Any) -> Any:
        import openai

        delay = self.backoff
        for attempt in range(self.max_retries + 1):
            try:
                return fn()
            except (openai.APIConnectionError, openai.APITimeoutError, openai.RateLimitError,
                    openai.InternalServerError) as exc:
                last: Exception = exc
                kind = "timed out" if isinstance(exc, openai.APITimeoutError) else type(exc).__name__
                log.warning("LLM %s failed (%s), attempt %d of %d", what, kind, attempt + 1,
                            self.max_retries + 1)
            except openai.APIStatusError as exc:  # 4xx: a bad request will not get better
                raise LLMError(f"LLM endpoint {self.base_url} refused {what}: "
                               f"HTTP {exc.status_code} {str(exc)[:200]}") from exc
            except (ValueError, openai.APIResponseValidationError) as exc:
                # garbage (a body that is not JSON, or not the protocol's shape): this request failed
                raise LLMError(f"LLM endpoint {self.base_url} answered {what} with garbage "
                               f"(not OpenAI-protocol JSON): {str(exc)[:200]}") from exc
            if attempt < self.max_retries:
                time.sleep(delay)
                delay *= 2
        timed_out = isinstance(last, openai.APITimeoutError)
        raise EndpointDown(f"LLM endpoint {self.base_url} "
                           f"{'timed out' if timed_out else 'unreachable'} after "
                           f"{self.max_retries + 1} attempts ({type(last).__name__})") from last

    def resolve_model(self) -> str:
        """The configured model, else the endpoint's first listed one."""
        if self.model is None:
            try:
                listed = self._retrying("model listing", lambda: self._get_client().models.list())
                ids = [str(m.id) for m in listed.data]
            except EndpointDown:
                raise
            except (LLMError, AttributeError, TypeError) as exc:  # no model to call: stop calling
                raise EndpointDown(f"LLM endpoint {self.base_url} cannot list its models "
                                   f"({str(exc)[:200]}); set resolve.llm_model") from exc
            if not ids:
                raise EndpointDown(f"LLM endpoint {self.base_url} lists no model; set resolve.llm_model")
            self.model = ids[0]
        return self.model

    def complete(self, messages: Sequence[Message], max_tokens: int = 64) -> str:
        model = self.resolve_model()
        resp = self._retrying("chat completion", lambda: self._get_client().chat.completions.create(
            model=model, messages=list(messages), max_tokens=max_tokens, temperature=0.0))
        try:
            return resp.choices[0].message.content or ""
        except (AttributeError, IndexError, TypeError) as exc:
            raise LLMError(f"LLM endpoint {self.base_url} sent no message: {str(resp)[:200]}") from exc


__all__ = ["ChatBackend", "ENV_API_KEY", "ENV_BASE_URL", "ENV_MODEL", "EndpointDown", "OpenAIChat",
           "Scorer", "endpoint_settings"]
