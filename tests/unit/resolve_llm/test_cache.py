"""The response cache: stable keys, a DuckDB file that outlives the resolver."""
from __future__ import annotations

from pathlib import Path

from tablefuse.resolve.llm import ResponseCache, request_key


def test_key_is_stable_and_order_insensitive() -> None:
    a = request_key({"backend": "m", "messages": [{"role": "user", "content": "x"}]})
    b = request_key({"messages": [{"content": "x", "role": "user"}], "backend": "m"})
    assert a == b and len(a) == 64
    assert a != request_key({"backend": "m2", "messages": [{"role": "user", "content": "x"}]})


def test_file_cache_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cache.duckdb"
    c1 = ResponseCache(path)
    assert c1.get_many(["k1"]) == {}  # no file yet
    c1.put("k1", '{"value": "MA"}', "m")
    c1.put("k2", "x", "m")
    assert c1.flush() == 2 and c1.flush() == 0
    c2 = ResponseCache(path)
    assert c2.get_many(["k1", "k3", "k1"]) == {"k1": '{"value": "MA"}'}
    c2.put("k1", "newer", "m")
    c2.flush()
    assert ResponseCache(path).get_many(["k1", "k2"]) == {"k1": "newer", "k2": "x"}


def test_memory_cache_writes_nothing(tmp_path: Path) -> None:
    c = ResponseCache(None)
    c.put("k", "v", "m")
    assert c.get_many(["k"]) == {"k": "v"} and c.flush() == 0
