"""Fixtures for the LLM resolver tests (helpers live in ``llm_helpers``)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from llm_helpers import FakeOpenAI


@pytest.fixture
def fake_openai() -> Iterator[Callable[..., FakeOpenAI]]:
    servers: list[FakeOpenAI] = []

    def start(reply: Callable[[dict[str, Any]], str], delay: float = 0.0) -> FakeOpenAI:
        srv = FakeOpenAI(reply, delay).__enter__()
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.__exit__()
