"""The cross-stage rules of ``tablefuse.pipeline.policy``, one test per rule."""
from __future__ import annotations

from tablefuse.config import TablefuseConfig
from tablefuse.pipeline import policy
from tablefuse.runtime.encoders import StaticEncoder, TextEncoder


def test_clean_clean_blocking_declares_sources_duplicate_free():
    assert policy.discover_config(TablefuseConfig()).unique_sources == "auto"
    clean = TablefuseConfig().with_overrides(block={"cross_source_only": True})
    assert policy.discover_config(clean).unique_sources == "all"
    told = clean.with_overrides(discover={"unique_sources": "none"})
    assert policy.discover_config(told).unique_sources == "none"  # the user's word wins


def test_auto_resolution_is_settled_once_and_llm_answers_are_cached_beside_the_store(monkeypatch, tmp_path):
    monkeypatch.delenv("TABLEFUSE_LLM_BASE_URL", raising=False)
    assert policy.resolve_config(TablefuseConfig(), None).method == "evidence"
    llm = TablefuseConfig().with_overrides(resolve={"llm_base_url": "http://127.0.0.1:9/v1"})
    settled = policy.resolve_config(llm, tmp_path / "run.duckdb")
    assert settled.method == "llm" and settled.llm_cache_path == f"{tmp_path / 'run.duckdb'}.llm-cache.duckdb"
    named = llm.with_overrides(resolve={"llm_cache_path": str(tmp_path / "mine.duckdb")})
    assert policy.resolve_config(named, tmp_path / "run.duckdb").llm_cache_path == str(tmp_path / "mine.duckdb")


def test_the_judge_runs_on_the_runs_device_unless_told():
    assert policy.judge_config(TablefuseConfig(), "cuda").device == "cuda"
    told = TablefuseConfig().with_overrides(judge={"device": "cpu"})
    assert policy.judge_config(told, "cuda").device == "cpu"


def test_alignment_shares_only_the_full_minilm(tmp_path):
    minilm = TextEncoder()
    assert policy.align_encoder(minilm) == minilm.encode
    assert policy.align_encoder(TextEncoder(quantize=True)) is None
    assert policy.align_encoder(StaticEncoder(cache=tmp_path, source="input")) is None


def test_the_trained_judge_lives_beside_its_store(tmp_path):
    assert policy.judge_dir(tmp_path / "a.duckdb") == tmp_path / "a.duckdb.judge"
