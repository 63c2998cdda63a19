"""The llm resolver on hand-made sets with scripted backends: choices, retries, fallbacks,
budget, concurrency and the response cache."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tablefuse.config import ResolveConfig
from tablefuse.errors import ConfigError
from tablefuse.resolve import make_resolver
from tablefuse.resolve.llm import EndpointDown, LLMResolver

from llm_helpers import ScriptedChat, evidence_lake, state_from_demos


def _rows(res):  # type: ignore[no-untyped-def]
    return res.conflicts.sort("set_id").to_dicts()


def test_llm_uses_the_evidence_that_vote_cannot_see() -> None:
    t, m = evidence_lake()
    vote = make_resolver(ResolveConfig(method="vote")).resolve(t, m)
    # vote sees only a 1-1 tie per set (broken by how common a value is elsewhere, a stated rule)
    assert [r["confidence"] for r in _rows(vote)] == [0.5, 0.5, 0.5]
    assert all("tied with" in r["reason"] for r in _rows(vote))
    chat = ScriptedChat(state_from_demos)
    res = LLMResolver(chat, k=10).resolve(t, m)
    rows = _rows(res)
    assert [r["chosen"] for r in rows] == ["MA", "TX", "CO"]
    assert all(r["method"] == "llm" and r["confidence"] == 0.75 for r in rows)
    assert "scripted chose 'MA' (1 of 2 tuples) given 3 demonstrations on name, city, zip" in rows[0]["reason"]
    assert res.golden.filter(res.golden["set_id"] == 10)["state"].item() == "MA"
    assert chat.calls == 3


def test_invalid_answer_is_retried_once_with_a_correction() -> None:
    t, m = evidence_lake()
    seen: list[int] = []

    def answer(msgs):  # type: ignore[no-untyped-def]
        seen.append(len(msgs))
        return state_from_demos(msgs) if len(msgs) == 4 else "The state is MA."

    chat = ScriptedChat(answer)
    r = LLMResolver(chat, concurrency=1)
    rows = _rows(r.resolve(t, m))
    assert [x["chosen"] for x in rows] == ["MA", "TX", "CO"]
    assert all("after one corrected retry" in x["reason"] for x in rows)
    assert sorted(seen) == [2, 2, 2, 4, 4, 4] and chat.calls == 6
    assert r.stats_["invalid"] == 3 and r.stats_["retried"] == 3 and r.stats_["fallbacks"] == 0


def test_two_invalid_answers_fall_back_to_vote_and_say_why() -> None:
    t, m = evidence_lake()
    chat = ScriptedChat(lambda msgs: json.dumps({"value": "Chicago"}))
    r = LLMResolver(chat, fallback="vote")
    rows = _rows(r.resolve(t, m))
    vote = _rows(make_resolver(ResolveConfig(method="vote")).resolve(t, m))
    assert [x["chosen"] for x in rows] == [x["chosen"] for x in vote]  # vote's choices: nothing lost
    assert all(x["reason"].startswith("vote fallback (invalid answer twice: not a candidate: 'Chicago')")
               for x in rows)
    assert chat.calls == 6 and r.stats_["fallbacks"] == 3


def test_endpoint_down_stops_calling_and_falls_back() -> None:
    t, m = evidence_lake()

    def down(msgs):  # type: ignore[no-untyped-def]
        raise EndpointDown("LLM endpoint http://127.0.0.1:9/v1 unreachable after 3 attempts")

    chat = ScriptedChat(down)
    r = LLMResolver(chat, concurrency=1)
    rows = _rows(r.resolve(t, m))
    assert chat.calls == 1  # the first failure marks the endpoint down for the run
    assert all(x["reason"].startswith("evidence fallback (endpoint down: LLM endpoint") for x in rows)
    assert r.stats_["endpoint_down"] and r.stats_["fallbacks"] == 3


def test_call_budget_bounds_the_calls() -> None:
    t, m = evidence_lake()
    chat = ScriptedChat(state_from_demos)
    r = LLMResolver(chat, call_budget=1, concurrency=1)
    rows = _rows(r.resolve(t, m))
    assert chat.calls == 1 and r.stats_["calls"] == 1
    assert rows[0]["chosen"] == "MA"
    assert [x["reason"].split(":")[0] for x in rows[1:]] == ["evidence fallback (call budget spent"] * 2


def test_concurrency_is_bounded() -> None:
    t, m = evidence_lake()
    chat = ScriptedChat(state_from_demos, delay=0.05)
    LLMResolver(chat, concurrency=2).resolve(t, m)
    assert chat.max_in_flight == 2 and chat.calls == 3


def test_cache_makes_a_rerun_call_nothing(tmp_path: Path) -> None:
    t, m = evidence_lake()
    path = str(tmp_path / "llm_cache.duckdb")
    first = ScriptedChat(state_from_demos)
    r1 = LLMResolver(first, cache_path=path).resolve(t, m)
    again = ScriptedChat(lambda msgs: pytest.fail("a cached prompt was sent again"))
    r2_resolver = LLMResolver(again, cache_path=path)
    r2 = r2_resolver.resolve(t, m)
    assert first.calls == 3 and again.calls == 0
    assert r2_resolver.stats_["cache_hits"] == 3
    assert r1.conflicts.equals(r2.conflicts)
    # a different model is a different cache entry
    other = ScriptedChat(state_from_demos, name="another-model")
    LLMResolver(other, cache_path=path).resolve(t, m)
    assert other.calls == 3


def test_no_endpoint_configured_still_completes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TABLEFUSE_LLM_BASE_URL", raising=False)
    t, m = evidence_lake()
    r = make_resolver(ResolveConfig(method="llm"))
    rows = _rows(r.resolve(t, m))
    assert all("no LLM endpoint configured" in x["reason"] and x["method"] == "llm" for x in rows)


def test_environment_configures_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLEFUSE_LLM_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("TABLEFUSE_LLM_MODEL", "m1")
    r = make_resolver(ResolveConfig(method="llm"))
    assert r.backend.name == "openai:http://127.0.0.1:1/v1:m1"  # type: ignore[attr-defined]


@pytest.mark.parametrize("bad", [{"llm_k": -1}, {"llm_mi_threshold": 2.0}, {"llm_concurrency": 0},
                                 {"llm_fallback": "llm"}, {"llm_fallback": "nope"},
                                 {"llm_timeout": 0.0}, {"local_mode": "guess"}])
def test_bad_options_fail_at_build_time(bad: dict) -> None:
    method = "local" if "local_mode" in bad else "llm"
    with pytest.raises(ConfigError):
        make_resolver(ResolveConfig(method=method, llm_base_url="http://127.0.0.1:1/v1", **bad))


def test_fallback_can_be_knn() -> None:
    t, m = evidence_lake()
    chat = ScriptedChat(lambda msgs: "no idea")
    r = LLMResolver(chat, fallback="knn")
    rows = _rows(r.resolve(t, m))
    assert [x["chosen"] for x in rows] == ["MA", "TX", "CO"]  # knn reads city -> state too
    assert all(x["reason"].startswith("knn fallback (invalid answer twice") for x in rows)
