"""What a run is given, resolved once: device, engine, encoder, thread counts."""
from __future__ import annotations

from .device import default_model_dir, select_device

__all__ = ["default_model_dir", "select_device"]
