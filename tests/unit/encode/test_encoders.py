"""Encoders: the persisted cache, int8 quantisation, the static encoder, the automatic choice."""
from __future__ import annotations

import numpy as np
import pytest

from tablefuse.errors import ConfigError
from tablefuse.runtime.encoders import StaticEncoder, TextEncoder, choose_kind, make_encoder, model_fingerprint
from tablefuse.store import load_embedding_cache, save_embedding_cache

PAIRS = [  # (a, b): b is the same thing written differently
    ("Sony Cyber-shot DSC-W55 digital camera", "sony dsc w55 cybershot camera 7.2mp"),
    ("Apple iPod nano 4GB silver", "ipod nano 4 gb silver by apple"),
    ("123 Main Street, Springfield", "123 Main St. Springfield"),
    ("Wild Fork Kitchen", "WILD FORK KITCHEN restaurant"),
    ("Microsoft Office 2007 Professional", "office professional 2007 microsoft"),
    ("Canon EF 50mm f/1.8 II lens", "canon 50 mm f1.8 ef lens ii"),
]


def _matching_accuracy(vectors_a: np.ndarray, vectors_b: np.ndarray) -> float:
    """Share of ``a`` whose nearest ``b`` is its own partner."""
    return float(np.mean(np.argmax(vectors_a @ vectors_b.T, axis=1) == np.arange(len(vectors_a))))


@pytest.fixture(scope="module")
def fp32() -> TextEncoder:
    return TextEncoder()


def test_cache_round_trip_through_store(tmp_path, fp32):
    texts = ["alpha beta", "gamma", "alpha beta"]
    first = fp32.encode(texts)
    new = fp32.new_entries()
    assert set(new) == {"alpha beta", "gamma"}  # each distinct text once
    db = tmp_path / "s.duckdb"
    assert save_embedding_cache(db, fp32.model_id, new) == 2
    assert save_embedding_cache(db, fp32.model_id, new) == 0  # keys kept, not duplicated
    fresh = TextEncoder()
    assert fresh.preload(load_embedding_cache(db, fresh.model_id, ["gamma", "alpha beta", "zzz"])) == 2
    assert fresh._model is None  # served from the cache: the model never loaded
    np.testing.assert_array_equal(fresh.encode(texts), first)
    assert fresh.new_entries() == {}  # nothing to save back
    assert load_embedding_cache(db, "another-model") == {}
    assert load_embedding_cache(tmp_path / "missing.duckdb", fp32.model_id) == {}


def test_pipeline_reuses_the_store_cache(tmp_path):
    """A run saves its tuple-text vectors; the next run (and any encoder) reads them back, and
    write_run carries the table over without duplicating it."""
    import duckdb

    from tablefuse.config import TablefuseConfig
    from tablefuse.pipeline import Pipeline
    from tests.conftest import EXAMPLE_LAKE

    # the cache is the encoder's: the string-similarity judge keeps this from training SSACL twice
    cfg = TablefuseConfig().with_overrides(block={"method": "embedding"}, align={"method": "header"},
                                           engine={"encoder": "minilm"}, judge={"method": "similarity"})
    db = tmp_path / "s.duckdb"

    def cached() -> dict[str, int]:
        with duckdb.connect(str(db), read_only=True) as con:
            return dict(con.sql("SELECT model, count(*) FROM embedding_cache GROUP BY model").fetchall())

    Pipeline(cfg).run(EXAMPLE_LAKE, db)
    first = cached()
    enc = TextEncoder()
    assert list(first) == [enc.model_id] and first[enc.model_id] > 100
    Pipeline(cfg).run(EXAMPLE_LAKE, db)
    assert cached() == first  # carried over, nothing re-added
    texts = list(load_embedding_cache(db, enc.model_id))[:20]
    enc.use_lookup(lambda model_id, wanted: load_embedding_cache(db, model_id, wanted))
    assert enc.encode(texts).shape == (20, 384)
    assert enc._model is None and enc.new_entries() == {}  # all from the store, model never loaded


def test_model_id_separates_variants(fp32):
    assert fp32.model_id != TextEncoder(quantize=True).model_id
    assert fp32.model_id != TextEncoder(max_length=32).model_id
    assert fp32.model_id == TextEncoder().model_id
    assert model_fingerprint(fp32.model_dir, "a") != model_fingerprint(fp32.model_dir, "b")


def test_int8_close_to_fp32_and_deterministic(fp32):
    q = TextEncoder(quantize=True)
    texts = [t for pair in PAIRS for t in pair]
    a, b = fp32.encode(texts), q.encode(texts)
    assert b.shape == a.shape and b.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert float(np.mean(np.sum(a * b, axis=1))) > 0.95  # cosine to the fp32 vectors
    np.testing.assert_array_equal(TextEncoder(quantize=True).encode(texts), b)
    half = len(PAIRS)
    assert _matching_accuracy(b[0::2][:half], b[1::2][:half]) >= 5 / 6  # quality floor


def test_cpu_bf16_close_to_fp32():
    """bf16 autocast (chosen on CPUs with native bf16) keeps MiniLM's vectors and neighbours; it
    runs even where bf16 is emulated, so this holds on any machine."""
    texts = [t for pair in PAIRS for t in pair]
    a = TextEncoder(cpu_bf16=False, device="cpu").encode(texts)
    b = TextEncoder(cpu_bf16=True, device="cpu").encode(texts)
    assert b.shape == a.shape and b.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.995
    half = len(PAIRS)
    assert _matching_accuracy(b[0::2][:half], b[1::2][:half]) == _matching_accuracy(a[0::2][:half], a[1::2][:half])


def test_cpu_bf16_detection_obeys_the_environment(monkeypatch):
    from tablefuse.runtime.encoders._minilm import native_cpu_bf16

    monkeypatch.setenv("TABLEFUSE_CPU_BF16", "0")
    assert native_cpu_bf16() is False and TextEncoder().cpu_bf16 is False
    monkeypatch.setenv("TABLEFUSE_CPU_BF16", "1")
    assert native_cpu_bf16() is True and TextEncoder().spec()["cpu_bf16"] is True


@pytest.fixture(scope="module")
def static(tmp_path_factory) -> StaticEncoder:
    # max_tokens keeps the distillation short in tests (rows past it use input embeddings)
    return StaticEncoder(cache=tmp_path_factory.mktemp("static"), max_tokens=3000)


def test_static_shape_determinism_and_disk_cache(static):
    texts = [a for a, _ in PAIRS] + [""]
    v = static.encode(texts)
    assert v.shape == (len(texts), 256) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v[:-1], axis=1), 1.0, atol=1e-5)
    assert not v[-1].any()  # the empty text has no tokens
    assert static.table_path().is_file()  # distilled once, then read from disk
    again = StaticEncoder(cache=static.cache, max_tokens=3000)
    np.testing.assert_array_equal(again.encode(texts), v)
    assert set(static.new_entries()) == set(texts)


def test_static_quality_floor(static):
    a = static.encode([p[0] for p in PAIRS])
    b = static.encode([p[1] for p in PAIRS])
    assert _matching_accuracy(a, b) >= 4 / 6


def test_choice_by_size_and_device():
    assert choose_kind(1_000, "cpu") == "minilm"
    assert choose_kind(30_000, "cpu") == "static"  # int8 is never picked automatically (measured worse)
    assert choose_kind(1_000_000, "cpu") == "static"
    assert choose_kind(1_000_000, "cuda") == "minilm"
    assert isinstance(make_encoder("static"), StaticEncoder)
    enc = make_encoder("minilm-int8", device="cpu")
    assert isinstance(enc, TextEncoder) and enc.quantize
    assert make_encoder("auto", n_texts=10, device="cpu").kind == "minilm"
    with pytest.raises(ConfigError):
        make_encoder("bogus")


def test_gpu_benchmark_script_smoke_on_cpu():
    """benchmarks/gpu_encode.py runs on CPU too (torch + transformers only) and reports rates."""
    from benchmarks.gpu_encode import main

    summary = main(["--device", "cpu", "--texts", "16", "--batch-sizes", "8", "--pairs", "64",
                    "--head-batch", "32", "--epochs", "1", "--attrs", "2"])
    assert summary["encoder"][8] > 0 and summary["head"]["pairs_per_s"] > 0
    assert summary["best_encoder"]["batch_size"] == 8
