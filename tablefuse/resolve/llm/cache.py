"""LLM responses cached by request hash, so a re-run of the same lake makes no new calls.

The cache lives in its own DuckDB file (``resolve.llm_cache_path``) rather than in the run's
store: the store is written atomically once the run is over, while the resolver needs the
previous answers before it starts. Without a path the cache lasts for one resolver only.
Lookups and writes happen on the calling thread (DuckDB connections are not shared with
worker threads); ``put`` only buffers, ``flush`` writes in one transaction.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ...errors import StoreError

TABLE = "llm_cache"


def request_key(payload: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of everything that decides the answer."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ResponseCache:
    """key -> response text; backed by a DuckDB file when ``path`` is given."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._memory: dict[str, str] = {}
        self._pending: dict[str, tuple[str, str]] = {}

    def get_many(self, keys: list[str]) -> dict[str, str]:
        """The cached responses of those keys that have one."""
        found = {k: self._memory[k] for k in keys if k in self._memory}
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if self.path is None or not missing or not self.path.is_file():
            return found
        import duckdb

        try:
            with duckdb.connect(str(self.path), read_only=True) as con:
                row = con.execute("SELECT count(*) FROM information_schema.tables "
                                  "WHERE table_name = ?", [TABLE]).fetchone()
                if not row or not row[0]:
                    return found
                rows = con.execute(f"SELECT key, response FROM {TABLE} WHERE key IN "
                                   "(SELECT unnest(?::VARCHAR[]))", [missing]).fetchall()
        except duckdb.Error as exc:
            raise StoreError(f"LLM cache {self.path} cannot be read ({exc}); delete it or set "
                             "resolve.llm_cache_path elsewhere") from exc
        for k, v in rows:
            self._memory[k] = v
            found[k] = v
        return found

    def put(self, key: str, response: str, model: str) -> None:
        self._memory[key] = response
        self._pending[key] = (response, model)

    def flush(self) -> int:
        """Write buffered responses to the file; returns how many."""
        if self.path is None or not self._pending:
            self._pending.clear()
            return 0
        import duckdb

        rows = [[k, m, r] for k, (r, m) in self._pending.items()]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with duckdb.connect(str(self.path)) as con:
                con.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (key VARCHAR PRIMARY KEY, "
                            "model VARCHAR, response VARCHAR, created TIMESTAMP DEFAULT now())")
                con.execute("BEGIN")
                con.executemany(f"INSERT OR REPLACE INTO {TABLE} (key, model, response) "
                                "VALUES (?, ?, ?)", rows)
                con.execute("COMMIT")
        except duckdb.Error as exc:
            raise StoreError(f"LLM cache {self.path} cannot be written ({exc})") from exc
        self._pending.clear()
        return len(rows)


__all__ = ["ResponseCache", "TABLE", "request_key"]
