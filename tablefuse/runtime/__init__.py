"""What a run is given, resolved once: device, engine, encoder and thread count.

``Runtime.resolve(engine_config, n_texts)`` makes every choice that depends on the machine or the
lake's size (``auto`` device, ``auto`` encoder, threads from the cores free now) in one place,
so the stages receive them as arguments and never decide them again. The engines know no stage
and the encoders no store: what runs where, and which cache an encoder reads, is the pipeline's
business.

>>> from tablefuse.config import EngineConfig
>>> with Runtime.resolve(EngineConfig(device="cpu", encoder="static"), n_texts=10) as rt:
...     (rt.device, rt.engine.name, rt.encoder.kind)
('cpu', 'local', 'static')
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .device import default_model_dir, select_device

if TYPE_CHECKING:
    from ..config import EngineConfig
    from .encoders import Encoder
    from .engines import Engine
    from .threads import ThreadPlan


@dataclass
class Runtime:
    """The resolved device, engine, shared encoder and torch/BLAS thread plan of one run (the
    pipeline applies ``threads`` around each stage with ``runtime.threads.apply_threads``)."""

    device: str
    engine: Engine
    encoder: Encoder
    threads: ThreadPlan

    @classmethod
    def resolve(cls, config: EngineConfig, n_texts: int = 0) -> Runtime:
        """Resolve ``config`` for a lake of about ``n_texts`` distinct texts (rows)."""
        from .encoders import make_encoder
        from .engines import make_engine
        from .threads import choose_threads

        device = select_device(config.device)
        threads = choose_threads(config.threads)
        engine = make_engine(config.name, config.ray_address)
        encoder = make_encoder(config.encoder, n_texts, device, engine=engine)
        return cls(device=device, engine=engine, encoder=encoder, threads=threads)

    def describe(self) -> dict[str, Any]:
        """What was chosen, for the run's record."""
        return {"device": self.device, "engine": self.engine.name, "encoder": self.encoder.kind,
                "threads": self.threads.threads,
                "threads_reason": self.threads.reason}

    def close(self) -> None:
        """Stop what the engine started (a local Ray cluster)."""
        self.engine.shutdown()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["Runtime", "default_model_dir", "select_device"]
