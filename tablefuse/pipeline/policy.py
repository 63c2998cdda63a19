"""The cross-stage rules: every decision that joins two stages, made here and nowhere else.

The stages are independent; these rules are what ``tablefuse integrate`` means beyond them. The
CLI, the app and the benchmarks all run through ``Pipeline``, so they apply the same rules.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..config import DiscoverConfig, JudgeConfig, ResolveConfig, TablefuseConfig
from ..frames import ScoredPairs, TupleTable
from ..runtime.encoders import Encoder, TextEncoder

#: the pipeline's steps, in the order data flows through them
STEPS: tuple[str, ...] = ("ingest", "align", "block", "judge", "discover", "resolve")


def judge_config(cfg: TablefuseConfig, device: str) -> JudgeConfig:
    """The judge runs on the run's device unless told otherwise.

    ``judge.device = auto`` is the device the runtime resolved once for the run (``engine.device``),
    so the judge and the shared encoder never pick different ones."""
    if cfg.judge.device == "auto":
        return dataclasses.replace(cfg.judge, device=device)
    return cfg.judge


def discover_config(cfg: TablefuseConfig) -> DiscoverConfig:
    """Clean-clean blocking declares the sources duplicate-free.

    ``block.cross_source_only`` says no source lists an entity twice, so with
    ``discover.unique_sources = auto`` it is read as ``all``: no set may hold two tuples of one
    source (and unique mapping applies to the judge's decisions, below)."""
    if cfg.block.cross_source_only and cfg.discover.unique_sources == "auto":
        return dataclasses.replace(cfg.discover, unique_sources="all")
    return cfg.discover


def unique_mapped(cfg: TablefuseConfig, tuples: TupleTable, scored: ScoredPairs) -> ScoredPairs:
    """Unique mapping follows the sources' declaration.

    Where sources are declared duplicate-free (``discover.unique_sources`` = all or names, or
    ``block.cross_source_only``), a tuple keeps at most one integrable partner per such source,
    strongest first: the stored pairs then agree with the sets, which obey the same declaration."""
    from ..judge.unique import declared_unique, unique_mapping

    unique = declared_unique(discover_config(cfg).unique_sources, tuples.frame["source"].unique().to_list())
    return unique_mapping(scored, tuples, unique)


def resolve_config(cfg: TablefuseConfig, db_path: str | Path | None) -> ResolveConfig:
    """``resolve.method = auto`` is settled once, and LLM answers are cached beside the store.

    ``auto`` is ``llm`` when an endpoint is configured, else ``evidence``. An LLM's answers go to
    ``<db>.llm-cache.duckdb`` unless the user named a cache file, so a re-run makes no new calls."""
    from ..resolve import effective_method

    method = effective_method(cfg.resolve)
    resolve_cfg = dataclasses.replace(cfg.resolve, method=method)
    if method in ("llm", "local") and resolve_cfg.llm_cache_path is None and db_path is not None:
        resolve_cfg = dataclasses.replace(resolve_cfg, llm_cache_path=f"{db_path}.llm-cache.duckdb")
    return resolve_cfg


def align_encoder(encoder: Encoder) -> Any:
    """Alignment shares the run's encoder only when it is the full MiniLM.

    Align embeds a small sample of values and its weights were tuned on MiniLM vectors; with
    any other encoder (int8, static) it loads its own MiniLM (None)."""
    if type(encoder) is TextEncoder and not encoder.quantize:
        return encoder.encode
    return None


def judge_dir(db_path: str | Path) -> Path:
    """A run's trained judge is saved in a folder beside its store (``tablefuse judge`` re-scores
    with it, without retraining)."""
    return Path(f"{db_path}.judge")


def attach_embedding_cache(cfg: TablefuseConfig, encoder: Encoder, db_path: str | Path | None) -> None:
    """With ``engine.embedding_cache`` the encoder first asks the store for the texts it lacks
    (the encoder knows no store; the pipeline hands it the lookup)."""
    if not cfg.engine.embedding_cache or db_path is None:
        return
    from ..store import load_embedding_cache

    path = Path(db_path)
    encoder.use_lookup(lambda model_id, texts: load_embedding_cache(path, model_id, texts))


def save_embedding_cache(cfg: TablefuseConfig, encoder: Encoder, db_path: str | Path) -> int:
    """... and the texts it encoded this run are added to the store after the run is written."""
    if not cfg.engine.embedding_cache:
        return 0
    from ..store import save_embedding_cache as save

    return save(db_path, encoder.model_id, encoder.new_entries())


__all__ = ["STEPS", "align_encoder", "attach_embedding_cache", "discover_config", "judge_config", "judge_dir",
           "resolve_config", "save_embedding_cache", "unique_mapped"]
