"""Declarative, serialisable configuration: one frozen section per stage.

Every option has a default, so ``TablefuseConfig()`` runs. A config file (TOML or YAML) holds the
same sections (``[ingest]``, ``[align]`` ...); unknown keys are an error, not silently ignored.
Each stage owns its own section below; the ``method`` key picks an implementation from that
stage's registry.
"""
from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

DEFAULT_NULL_TOKENS: tuple[str, ...] = ("", "NA", "N/A", "n/a", "na", "null", "NULL", "Null",
                                        "None", "none", "NONE", "-", "?", "nan", "NaN")


@dataclass(frozen=True)
class IngestConfig:
    """How lake files are read."""

    null_tokens: tuple[str, ...] = DEFAULT_NULL_TOKENS
    skip_bad: bool = False  # continue past bad files/rows, recording each in ``sources``
    extensions: tuple[str, ...] = (".csv", ".tsv", ".txt", ".dat", ".psv", ".parquet", ".pq",
                                   ".json", ".jsonl", ".ndjson")
    sniff_bytes: int = 65536
    exclude: tuple[str, ...] = ()  # globs on the relative path or file name, e.g. "gt.csv"


@dataclass(frozen=True)
class AlignConfig:
    """How source columns map onto unified attributes."""

    mapping_file: str | None = None  # YAML/JSON/CSV: source column -> attribute; always wins
    method: str = "holistic"  # holistic (headers + values + types, all sources at once) | header (v1)
    fuzzy_threshold: float = 0.85  # header similarity needed for a match on header evidence alone
    match_threshold: float = 0.45  # pair score needed for a match when the values are reliable evidence
    review_below: float = 0.7  # mappings with a lower confidence are flagged needs_review
    sample_size: int = 200  # distinct values profiled per column
    embed_sample: int = 32  # of those, how many are embedded (mean = the column's value embedding)
    detect_surrogate_keys: bool = True


@dataclass(frozen=True)
class BlockConfig:
    """How candidate pairs are generated."""

    method: str = "union"  # token | qgram | embedding | union (of ``blockers``)
    blockers: tuple[str, ...] = ("token", "embedding")  # what ``union`` combines
    max_block_size: int = 200  # larger blocks are skipped (stop tokens) and reported
    min_token_length: int = 2
    top_k: int = 20  # token/qgram: neighbours each tuple keeps by shared-key weight; 0 keeps all
    min_relative_weight: float = 0.35  # token/qgram: drop pairs below this × the weaker end's best
    pairs_per_tuple: float = 0.0  # token/qgram: cap on all pairs (× tuples), best first; 0: no cap
    q: int = 3  # q-gram length
    qgram_max_block_size: int | None = None  # None: same as max_block_size
    knn: int = 5  # embedding: nearest neighbours per tuple
    min_similarity: float = 0.0  # embedding: cosine below this is no candidate
    knn_approx_above: int = 100_000  # embedding: more tuples than this use approximate (IVF) search; -1: never
    knn_nprobe: int = 8  # embedding, approximate: k-means lists each tuple searches
    cross_source_only: bool = False  # clean-clean lakes: only pairs from different sources
    attributes: tuple[str, ...] = ()  # keys from these attributes only; empty: all
    chunk_size: int = 100_000  # tuples per chunk of pair generation (bounds memory)
    sub_block_keys: int = 6  # token/qgram: an oversized block is split by pairing it with the tuple's other
    # oversized keys (its sub_block_keys rarest ones); 0: skip oversized blocks outright
    sub_block_max_fraction: float = 0.05  # ... keys in more than this share of the tuples are never combined
    duckdb_threads: int = 0  # token/qgram: DuckDB threads; 0: DuckDB's default (every core)
    duckdb_memory_limit: str = ""  # token/qgram: e.g. "4GB" (DuckDB spills past it); "": DuckDB's default
    shared_mode: str = "auto"  # token/qgram: shared-neighbour completion: auto (single-source lakes), always, never
    shared_k: int = 40  # ... keep pairs sharing many of their shared_k nearest neighbours (large entities)
    min_shared: int = 6  # ... at least this many shared neighbours (large dirty entities, e.g. cora)
    shared_budget: int = 20_000_000  # ... skipped (and reported) when its self-join exceeds this many rows
    shared_factor: float = 3.0  # ... and at least this × the chance overlap of two lists (small lakes)


@dataclass(frozen=True)
class JudgeConfig:
    """How candidate pairs are scored as integrable or not."""

    method: str = "ssacl"  # ssacl (self-supervised, default) | similarity (string baseline)
    threshold: float | None = None  # None: the judge chooses its own, without labels
    seed: int = 0
    # ssacl only (self-supervised matcher; see tablefuse/judge/ssacl):
    model_dir: str | None = None  # a local Hugging Face model folder; None: the bundled MiniLM
    device: str = "auto"  # auto picks cuda, then mps, then cpu
    ssacl_epochs: int = 30  # upper bound; early stopping on held-out synthetic pairs
    ssacl_batch_size: int = 256
    ssacl_learning_rate: float = 1e-3
    ssacl_adv_epsilon: float = 0.01  # L2 bound of each attribute embedding's perturbation
    ssacl_adv_weight: float = 0.5  # loss weight of the adversarial positives (0 disables them)
    ssacl_adv_steps: int = 1  # 1: FGM; more: PGD steps
    ssacl_augment: tuple[str, ...] = ("typo", "token", "null", "semantic", "format")  # + opt-in "crop"
    ssacl_hard_negatives: int = 2  # blocking neighbours per tuple used as negatives
    ssacl_pseudo_positives: bool = True  # confident mutual-best blocking pairs as extra positives
    ssacl_code_evidence: bool = True  # pseudo-positives/hard negatives also from shared rare codes + IDF overlap
    ssacl_informative_only: bool = True  # no positives from tuples of only frequent values; keep such negatives
    ssacl_self_train: bool = True  # one self-training round (the head's confident mutual-best pairs), refit
    ssacl_self_train_max_pairs: int = 2_000_000  # candidates rescored for that round (a 2-hop sample above)
    ssacl_self_train_max_positives: int = 10_000  # its positives kept (a seeded sample above)
    ssacl_max_train_tuples: int = 2000  # tuples sampled as training anchors (each costs encoder passes)
    ssacl_finetune_encoder: bool = False  # fine-tune the encoder too (slow on CPU)
    ssacl_encoder: str = "auto"  # auto | minilm | minilm-int8 | static: SSACL's value encoder (auto: full MiniLM up to 20k distinct values on CPU, static above)
    ssacl_threshold_method: str = "synthetic"  # synthetic | otsu | auto (mean of the two) (see judge/ssacl/threshold.py)


@dataclass(frozen=True)
class DiscoverConfig:
    """How judged pairs become integrable sets."""

    method: str = "leiden"  # leiden (CPM) | leiden_modularity | louvain | components | cliques | label_propagation
    min_score: float | None = None  # None: use the judge's integrable flag
    seed: int = 0
    resolution: float | None = None  # leiden: CPM charge per integrable pair; None: 0.4 x judge threshold. Modularity ones: 1.0
    # leiden: charge per other node pair of a set (not judged, or judged below threshold); larger for
    # noisier judges. None: classic CPM, charging `resolution` on every node pair (splits sparse true sets)
    pair_penalty: float | None = 0.02
    split_below: float | None = 0.1  # post-check: split a set holding a pair scored below this; None: off
    postcheck: str = "never"  # post-check: never (default: the source rule does its job better, see discover/_base.py) | auto (lakes of several sources only) | always
    split_rule: str = "cheaper"  # post-check: cheaper: cut only when the cut is cheaper than overruling the pair | always
    # source rule (see discover/_sources.py): auto: on lakes of several sources, two tuples of one source
    # share a set only where the judge linked them directly (no chaining through other sources);
    # judged: the same on any lake; all: every source is duplicate-free (clean-clean linking); none: off; or a list of duplicate-free sources
    # (all / a list also apply unique mapping to the judge's decisions: judge/unique.py)
    unique_sources: str | tuple[str, ...] = "auto"
    max_clique_component: int = 300  # cliques: larger components fall back to leiden (noted)
    iterations: int = 2  # leiden passes per component; negative: until stable (much slower)


@dataclass(frozen=True)
class ResolveConfig:
    """How conflicting values inside a set are resolved."""

    method: str = "auto"  # auto: llm when an endpoint is configured, else evidence; or vote|truth|knn|evidence|llm|local
    k: int = 10  # knn: neighbouring sets that vote
    min_mi: float = 0.1  # knn: normalised mutual information an attribute needs to be compared
    max_iter: int = 20  # truth: iterations at most
    tol: float = 1e-4  # truth: stop once no source accuracy moves more than this
    prior_accuracy: float = 0.8  # truth: every source's starting accuracy
    false_values: int = 10  # truth: ACCU's n, how many wrong values a careless source might pick
    # evidence (tablefuse/resolve/_evidence.py): FDs and key ownership mined from the lake
    fd_confidence: float = 0.9  # evidence: an FD X -> A must hold for this share of sets
    fd_min_support: int = 3  # evidence: ... over at least this many sets sharing an X value
    key_uniqueness: float = 0.9  # evidence: A is a key when this share of its values is in one set
    evidence_weight: float = 2.0  # evidence: what a full FD / ownership verdict is worth, in tuples
    # llm / local (see tablefuse/resolve/llm): endpoint settings fall back to TABLEFUSE_LLM_* env vars
    llm_base_url: str | None = None  # OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1
    llm_model: str | None = None  # None: the endpoint's first listed model
    llm_api_key: str | None = None  # None: TABLEFUSE_LLM_API_KEY, else a placeholder (local servers)
    llm_k: int = 10  # demonstrations per prompt (0: none)
    llm_mi_threshold: float = 0.1  # attributes shown need this normalised MI with the target
    llm_compress: bool = True  # show only those attributes (False: every attribute)
    llm_timeout: float = 30.0  # seconds per request
    llm_max_retries: int = 2  # retries of a failed request (backoff doubles from llm_backoff)
    llm_backoff: float = 0.5  # seconds before the first retry
    llm_concurrency: int = 4  # requests in flight at once
    llm_call_budget: int | None = None  # LLM requests per run at most; None: no limit
    llm_cache_path: str | None = None  # DuckDB file of cached responses; None: this run only
    llm_fallback: str = "evidence"  # resolver used where the LLM cannot answer (recorded per cell)
    local_model_dir: str | None = None  # local: HF model folder; None: SmolLM2-135M converted once
    local_mode: str = "score"  # local: score (candidate likelihood) | generate (JSON answer)


@dataclass(frozen=True)
class EngineConfig:
    """Where and with what the heavy parts run (see tablefuse/engines, tablefuse/encoders)."""

    name: str = "local"  # local | ray
    ray_address: str | None = None  # ray: an existing cluster; None starts a local one on 127.0.0.1
    partitions: int | None = None  # ray: partitions of pairs/components/sets; None: one per CPU
    encoder: str = "auto"  # auto | minilm | minilm-int8 | static (auto: by distinct texts and device)
    device: str = "auto"  # the shared encoder's device: auto picks cuda, then mps, then cpu
    embedding_cache: bool = True  # reuse and extend the store's embedding_cache table


@dataclass(frozen=True)
class TablefuseConfig:
    ingest: IngestConfig = field(default_factory=IngestConfig)
    align: AlignConfig = field(default_factory=AlignConfig)
    block: BlockConfig = field(default_factory=BlockConfig)
    judge: JudgeConfig = field(default_factory=JudgeConfig)
    discover: DiscoverConfig = field(default_factory=DiscoverConfig)
    resolve: ResolveConfig = field(default_factory=ResolveConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)

    def to_dict(self) -> dict[str, Any]:
        return _to_plain(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TablefuseConfig:
        return _from_plain(cls, data, "config")

    def with_overrides(self, **sections: dict[str, Any]) -> TablefuseConfig:
        """A copy with some options replaced: ``cfg.with_overrides(ingest={"skip_bad": True})``."""
        data = self.to_dict()
        for name, values in sections.items():
            if name not in data:
                raise ConfigError(f"unknown config section {name!r}; known: {sorted(data)}")
            data[name].update({k: v for k, v in values.items() if v is not None})
        return TablefuseConfig.from_dict(data)


def load_config(path: str | Path) -> TablefuseConfig:
    """Read a TOML (``.toml``) or YAML (``.yaml``/``.yml``) config file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            data = tomllib.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text) or {}
        else:
            raise ConfigError(f"config file {path} must end in .toml, .yaml or .yml")
    except ConfigError:
        raise
    except Exception as exc:  # parse errors of either format
        raise ConfigError(f"config file {path} cannot be parsed: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold sections such as [ingest], [judge]")
    return TablefuseConfig.from_dict(data)


def _to_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return {f.name: _to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple):
        return [_to_plain(v) for v in obj]
    return obj


def _from_plain(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be a table of options, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(data) - set(known)
    if unknown:
        raise ConfigError(f"unknown option(s) {sorted(unknown)} in {where}; known: {sorted(known)}")
    kwargs = {name: _coerce(hints[name], value, f"{where}.{name}") for name, value in data.items()}
    return cls(**kwargs)


def _coerce(tp: Any, value: Any, where: str) -> Any:
    if dataclasses.is_dataclass(tp):
        return _from_plain(tp, value, where)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(arg, value, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{where}: invalid value {value!r}")
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where} must be a list, got {value!r}")
        inner = args[0] if args else Any
        return tuple(_coerce(inner, v, where) for v in value)
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a table, got {value!r}")
        return dict(value)
    if tp is Any:
        return value
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where} must be true or false, got {value!r}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{where} must be an integer, got {value!r}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{where} must be a number, got {value!r}")
    if tp is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{where} must be a string, got {value!r}")
    return value
