"""Hand-made lakes, scripted chat backends and a canned OpenAI-protocol server for LLM tests.

(A uniquely named module, not conftest.py: another test folder has a conftest of its own.)
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tablefuse.frames import Membership, TupleTable

from lake_builders import Row, build_lake  # noqa: F401  (re-exported)

CITIES = [("Boston", "MA", "02134"), ("Austin", "TX", "73301"), ("Denver", "CO", "80201")]


def evidence_lake() -> tuple[TupleTable, Membership]:
    """Nine clean hospitals (three per city) and three conflicting ones whose state is a tie.

    Sets 1-9: one tuple each, city/zip/state agree. Sets 10-12: two tuples that disagree on
    state only (one right, one wrong), so vote can only guess while city -> state decides.
    """
    rows: list[Row] = []
    tid = 0
    for i in range(9):
        city, state, zip_ = CITIES[i % 3]
        rows.append((tid, "a.csv", i + 1, {"name": f"Hospital {i}", "city": city, "state": state,
                                            "zip": zip_}))
        tid += 1
    wrong = {"MA": "AK", "TX": "AL", "CO": "AZ"}  # alphabetically first: vote's tie-break loses
    for j, (city, state, zip_) in enumerate(CITIES):
        for source, st in (("a.csv", state), ("b.csv", wrong[state])):
            rows.append((tid, source, 10 + j, {"name": f"Clinic {j}", "city": city, "state": st,
                                               "zip": zip_}))
            tid += 1
    return build_lake(rows, ["name", "city", "state", "zip"])


class ScriptedChat:
    """A ChatBackend answering from a function of the prompt; counts calls and concurrency."""

    def __init__(self, answer: Callable[[list[dict[str, str]]], str], delay: float = 0.0,
                 name: str = "scripted") -> None:
        self.answer = answer
        self.delay = delay
        self.name = name
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def complete(self, messages: Sequence[dict[str, str]], max_tokens: int) -> str:
        with self._lock:
            self.calls += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            return self.answer(list(messages))
        finally:
            with self._lock:
                self.in_flight -= 1


def state_from_demos(messages: list[dict[str, str]]) -> str:
    """A 'perfect' LLM: answers the state the demonstrations give for the record's city."""
    text = messages[1]["content"]
    record = next(line for line in text.splitlines() if line.startswith("Record with a conflict"))
    city = next(c for c, _, _ in CITIES if c in record)
    for line in text.splitlines():
        if line.startswith("- ") and city in line and "-> state:" in line:
            return json.dumps({"value": line.rsplit("-> state:", 1)[1].strip()})
    return json.dumps({"value": "none"})


class FakeOpenAI:
    """A real OpenAI-protocol HTTP server on 127.0.0.1 with canned replies (no model)."""

    def __init__(self, reply: Callable[[dict[str, Any]], str], delay: float = 0.0) -> None:
        outer = self
        self.requests: list[dict[str, Any]] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _send(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._send({"object": "list", "data": [{"id": "fake-model", "object": "model",
                                                        "created": 0, "owned_by": "test"}]})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                if delay:
                    time.sleep(delay)
                try:
                    self._send({"id": "x", "object": "chat.completion", "created": 0,
                                "model": body["model"], "choices": [{
                                    "index": 0, "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": reply(body)}}]})
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


