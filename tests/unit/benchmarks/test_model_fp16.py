"""benchmarks/model_fp16.py: an encoder folder packed to float16 and unpacked loads as before."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")

from benchmarks.model_fp16 import PACKED, pack, unpack  # noqa: E402


def test_pack_halves_the_weights_and_unpack_restores_float32(tmp_path) -> None:
    src, packed, out = tmp_path / "model", tmp_path / "packed", tmp_path / "out"
    (src / "1_Pooling").mkdir(parents=True)
    (src / "config.json").write_text('{"model_type": "bert"}')
    (src / "1_Pooling" / "config.json").write_text("{}")
    weights = {"w": torch.randn(64, 32), "ids": torch.arange(5)}
    safetensors_torch.save_file(weights, str(src / "model.safetensors"))
    pack(src, packed)
    assert not (packed / "model.safetensors").exists() and (packed / "1_Pooling" / "config.json").is_file()
    half = safetensors_torch.load_file(str(packed / PACKED))
    assert half["w"].dtype == torch.float16 and half["ids"].dtype == torch.int64
    assert (packed / PACKED).stat().st_size < 0.6 * (src / "model.safetensors").stat().st_size
    unpack(packed, out)
    back = safetensors_torch.load_file(str(out / "model.safetensors"))
    assert back["w"].dtype == torch.float32 and torch.equal(back["ids"], weights["ids"])
    assert torch.allclose(back["w"], weights["w"], rtol=1e-3, atol=1e-3)
    assert not (out / PACKED).exists() and (out / "config.json").read_text() == '{"model_type": "bert"}'
