"""The llm resolver through the real ``openai`` client against HTTP servers on 127.0.0.1:
a canned OpenAI-protocol server (no model), a closed port and a server that is too slow."""
from __future__ import annotations

import json
import socket
import time

from tablefuse.config import ResolveConfig
from tablefuse.resolve import make_resolver

from llm_helpers import evidence_lake


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed once the with-block ends: nothing listens there


def _cfg(url: str, **kw) -> ResolveConfig:  # type: ignore[no-untyped-def]
    opts = {"llm_timeout": 2.0, "llm_max_retries": 1, "llm_backoff": 0.01, **kw}
    return ResolveConfig(method="llm", llm_base_url=url, **opts)


def _state_answer(body: dict) -> str:
    user = body["messages"][1]["content"]
    record = next(x for x in user.splitlines() if x.startswith("Record with a conflict"))
    return json.dumps({"value": {"Boston": "MA", "Austin": "TX", "Denver": "CO"}[
        next(c for c in ("Boston", "Austin", "Denver") if c in record)]})


def test_answers_through_the_openai_protocol(fake_openai) -> None:  # type: ignore[no-untyped-def]
    srv = fake_openai(_state_answer)
    t, m = evidence_lake()
    r = make_resolver(_cfg(srv.url))
    res = r.resolve(t, m)
    assert res.conflicts.sort("set_id")["chosen"].to_list() == ["MA", "TX", "CO"]
    assert len(srv.requests) == 3
    body = srv.requests[0]
    assert body["model"] == "fake-model" and body["temperature"] == 0.0  # listed model, greedy
    assert body["messages"][0]["role"] == "system" and "JSON" in body["messages"][0]["content"]
    assert r.stats_["calls"] == 3 and r.stats_["fallbacks"] == 0  # type: ignore[attr-defined]


def test_server_not_running_falls_back_quickly() -> None:
    t, m = evidence_lake()
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    r = make_resolver(_cfg(url, llm_model="m", llm_concurrency=1))
    t0 = time.perf_counter()
    rows = r.resolve(t, m).conflicts.sort("set_id").to_dicts()
    assert time.perf_counter() - t0 < 5
    assert [x["chosen"] for x in rows] == ["MA", "TX", "CO"]  # the evidence fallback: the lake's city -> state
    assert rows and all("endpoint down" in x["reason"] and "unreachable after 2 attempts" in x["reason"]
               for x in rows)
    assert r.stats_["calls"] == 1  # type: ignore[attr-defined]


def test_server_timing_out_falls_back(fake_openai) -> None:  # type: ignore[no-untyped-def]
    srv = fake_openai(_state_answer, delay=1.0)
    t, m = evidence_lake()
    r = make_resolver(_cfg(srv.url, llm_model="m", llm_timeout=0.2, llm_concurrency=1))
    t0 = time.perf_counter()
    rows = r.resolve(t, m).conflicts.to_dicts()
    assert time.perf_counter() - t0 < 4
    assert rows and all("timed out after 2 attempts" in x["reason"] for x in rows)
    assert len(srv.requests) == 2  # one try + one retry, then the endpoint counts as down


def test_not_json_then_not_a_candidate_falls_back(fake_openai) -> None:  # type: ignore[no-untyped-def]
    srv = fake_openai(lambda body: "I think it is MA" if len(body["messages"]) == 2
                      else json.dumps({"value": "Ohio"}))
    t, m = evidence_lake()
    r = make_resolver(_cfg(srv.url, llm_model="m", llm_concurrency=1))
    rows = r.resolve(t, m).conflicts.sort("set_id").to_dicts()
    assert len(srv.requests) == 6
    assert srv.requests[3]["messages"][2] == {"role": "assistant", "content": "I think it is MA"}
    assert rows and all(x["reason"].startswith("evidence fallback (invalid answer twice: not a candidate: 'Ohio')")
               for x in rows)


def test_http_error_is_recorded_not_raised(fake_openai) -> None:  # type: ignore[no-untyped-def]
    t, m = evidence_lake()
    srv = fake_openai(lambda body: "")
    srv.server.RequestHandlerClass.do_POST = lambda self: self.send_error(400, "bad model")  # type: ignore[method-assign]
    r = make_resolver(_cfg(srv.url, llm_model="m"))
    rows = r.resolve(t, m).conflicts.to_dicts()
    assert rows and all("HTTP 400" in x["reason"] for x in rows)
