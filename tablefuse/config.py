"""Declarative, serialisable configuration: one frozen section per stage, validated when built.

Every option has a default, so ``TablefuseConfig()`` runs. A config file (TOML or YAML) holds the
same sections (``[ingest]``, ``[align]`` ...); unknown keys are an error, not silently ignored.
Each stage owns its own section below; the ``method`` key picks an implementation from that
stage's registry. Options of one method are grouped in a sub-section where that reads better
(``[judge.ssacl]``); the old flat names (``judge.ssacl_epochs``) are still read, with a
deprecation message.

Every section checks its values when it is built (``__post_init__``): method names against the
stage's names, numbers against their ranges (NaN is never in range), so a bad option stops a run
before any stage has run, naming the option, the value and what is allowed.

>>> TablefuseConfig().with_overrides(judge={"threshold": 0.7}).judge.threshold
0.7
>>> TablefuseConfig().with_overrides(judge={"threshold": 7})
Traceback (most recent call last):
...
tablefuse.errors.ConfigError: judge.threshold = 7.0 is out of range: allowed 0 <= value <= 1
"""
from __future__ import annotations

import dataclasses
import json
import logging
import math
import re
import types
import typing
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

log = logging.getLogger("tablefuse.config")

DEFAULT_NULL_TOKENS: tuple[str, ...] = ("", "NA", "N/A", "n/a", "na", "null", "NULL", "Null",
                                        "None", "none", "NONE", "-", "?", "nan", "NaN")

# Method names per stage. The registries (``tablefuse.block.BLOCKERS`` ...) must hold exactly these
# names (a contract test checks it); they live here so a config is checked without loading a stage.
ALIGN_METHODS: tuple[str, ...] = ("holistic", "header")
BLOCK_METHODS: tuple[str, ...] = ("token", "qgram", "embedding", "union")
UNION_BLOCKERS: tuple[str, ...] = ("token", "qgram", "embedding")
JUDGE_METHODS: tuple[str, ...] = ("ssacl", "similarity", "fellegi_sunter")
DISCOVER_METHODS: tuple[str, ...] = ("leiden", "leiden_modularity", "louvain", "components", "cliques",
                                     "label_propagation")
RESOLVE_METHODS: tuple[str, ...] = ("auto", "vote", "truth", "knn", "evidence", "llm", "local")
FALLBACK_RESOLVERS: tuple[str, ...] = ("vote", "truth", "knn", "evidence")
ENCODER_KINDS: tuple[str, ...] = ("auto", "minilm", "minilm-int8", "static")
ENGINES: tuple[str, ...] = ("local", "ray")
UNIQUE_SOURCE_MODES: tuple[str, ...] = ("auto", "judged", "all", "none")
AUGMENT_FAMILIES: tuple[str, ...] = ("typo", "token", "null", "semantic", "format", "crop")
THRESHOLD_METHODS: tuple[str, ...] = ("synthetic", "otsu", "auto")
_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def _opt(default: Any = dataclasses.MISSING, *, choices: tuple[str, ...] | None = None,
         ge: float | None = None, le: float | None = None, gt: float | None = None,
         default_factory: Any = dataclasses.MISSING, device: bool = False) -> Any:
    """A field with what it allows: ``choices`` (for a string, or each item of a tuple of
    strings), bounds ``ge``/``le``/``gt`` (for numbers; None values are allowed where the type is
    optional), or ``device`` (auto, cpu, mps, cuda, cuda:N)."""
    meta = {k: v for k, v in (("choices", choices), ("ge", ge), ("le", le), ("gt", gt)) if v is not None}
    if device:
        meta["device"] = True
    if default_factory is not dataclasses.MISSING:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _check_value(where: str, value: Any, meta: typing.Mapping[str, Any]) -> None:
    if value is None:
        return
    choices = meta.get("choices")
    if choices is not None:
        items = value if isinstance(value, tuple) else (value,)
        bad = [v for v in items if v not in choices]
        if bad:
            shown = bad[0] if not isinstance(value, tuple) else bad
            raise ConfigError(f"{where} = {shown!r} is not allowed; choose from {', '.join(choices)}")
    if meta.get("device") and not (isinstance(value, str) and _DEVICE.match(value)):
        raise ConfigError(f"{where} = {value!r} is not a device; use auto, cpu, mps, cuda or cuda:N")
    bounds = [(op, meta[key]) for key, op in (("ge", ">="), ("gt", ">"), ("le", "<=")) if key in meta]
    if bounds and isinstance(value, (int, float)) and not isinstance(value, bool):
        holds = all(value >= b if op == ">=" else value > b if op == ">" else value <= b for op, b in bounds)
        if not holds:  # NaN is refused before this, by the section (it is in no range)
            raise ConfigError(f"{where} = {value!r} is out of range: allowed {_allowed(bounds)}")


def _allowed(bounds: list[tuple[str, float]]) -> str:
    """``[(">=", 0), ("<=", 1)]`` -> ``0 <= value <= 1``; one bound -> ``value >= 0``."""
    if len(bounds) == 2:
        (low_op, low), (_, high) = bounds
        return f"{_fmt(low)} {'<=' if low_op == '>=' else '<'} value <= {_fmt(high)}"
    op, b = bounds[0]
    return f"value {op} {_fmt(b)}"


class _Section:
    """Validation shared by every section: types are coerced by ``from_dict``; here each field's
    allowed values (``_opt`` metadata) are checked, whichever way the section was built."""

    _name: typing.ClassVar[str] = ""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]  # every subclass is a dataclass
            value = getattr(self, f.name)
            if isinstance(value, float) and math.isnan(value):
                raise ConfigError(f"{self._name}.{f.name} = nan is not a number it can use")
            _check_value(f"{self._name}.{f.name}", value, f.metadata)
        self._check()

    def _check(self) -> None:
        """Rules across fields of one section (none by default)."""


@dataclass(frozen=True)
class IngestConfig(_Section):
    """How lake files are read."""

    _name: typing.ClassVar[str] = "ingest"
    null_tokens: tuple[str, ...] = DEFAULT_NULL_TOKENS
    skip_bad: bool = False  # continue past bad files/rows, recording each in ``sources``
    extensions: tuple[str, ...] = (".csv", ".tsv", ".txt", ".dat", ".psv", ".parquet", ".pq",
                                   ".json", ".jsonl", ".ndjson")
    sniff_bytes: int = _opt(65536, ge=1024)
    exclude: tuple[str, ...] = ()  # globs on the relative path or file name, e.g. "gt.csv"
    max_columns: int = _opt(1000, ge=0)  # columns per table at most (align time grows with their square); 0: no limit
    max_lake_columns: int = _opt(5000, ge=0)  # columns of all tables together at most; 0: no limit
    follow_symlinks: bool = False  # read links that leave the lake folder (skipped and recorded otherwise)


@dataclass(frozen=True)
class AlignConfig(_Section):
    """How source columns map onto unified attributes."""

    _name: typing.ClassVar[str] = "align"
    mapping_file: str | None = None  # YAML/JSON/CSV: source column -> attribute; always wins
    method: str = _opt("holistic", choices=ALIGN_METHODS)  # holistic (headers + values + types) | header (v1)
    fuzzy_threshold: float = _opt(0.85, ge=0, le=1)  # header similarity needed for a match on headers alone
    match_threshold: float = _opt(0.45, ge=0, le=1)  # pair score needed for a match when values are evidence
    review_below: float = _opt(0.7, ge=0, le=1)  # mappings with a lower confidence are flagged needs_review
    sample_size: int = _opt(200, ge=1)  # distinct values profiled per column
    embed_sample: int = _opt(32, ge=0)  # of those, how many are embedded (mean = the column's value embedding)
    detect_surrogate_keys: bool = True


@dataclass(frozen=True)
class BlockConfig(_Section):
    """How candidate pairs are generated."""

    _name: typing.ClassVar[str] = "block"
    method: str = _opt("union", choices=BLOCK_METHODS)  # token | qgram | embedding | union (of ``blockers``)
    blockers: tuple[str, ...] = _opt(("token", "embedding"), choices=UNION_BLOCKERS)  # what ``union`` combines
    max_block_size: int = _opt(200, ge=2)  # larger blocks are skipped (stop tokens) and reported
    min_token_length: int = _opt(2, ge=1)
    top_k: int = _opt(20, ge=0)  # token/qgram: neighbours each tuple keeps by shared-key weight; 0 keeps all
    min_relative_weight: float = _opt(0.35, ge=0, le=1)  # token/qgram: drop pairs below this × the weaker end's best
    pairs_per_tuple: float = _opt(0.0, ge=0)  # token/qgram: cap on all pairs (× tuples), best first; 0: no cap
    q: int = _opt(3, ge=1)  # q-gram length
    qgram_max_block_size: int | None = _opt(None, ge=2)  # None: same as max_block_size
    knn: int = _opt(5, ge=1)  # embedding: nearest neighbours per tuple
    min_similarity: float = _opt(0.0, ge=-1, le=1)  # embedding: cosine below this is no candidate
    knn_approx_above: int = _opt(100_000, ge=-1)  # embedding: more tuples use approximate (IVF) search; -1: never
    knn_nprobe: int = _opt(8, ge=1)  # embedding, approximate: k-means lists each tuple searches
    cross_source_only: bool = False  # clean-clean lakes: only pairs from different sources
    attributes: tuple[str, ...] = ()  # keys from these attributes only; empty: all
    chunk_size: int = _opt(100_000, ge=1)  # tuples per chunk of pair generation (bounds memory)
    sub_block_keys: int = _opt(6, ge=0)  # token/qgram: an oversized block is split by pairing it with the tuple's
    # other oversized keys (its sub_block_keys rarest ones); 0: skip oversized blocks outright
    sub_block_max_fraction: float = _opt(0.05, ge=0, le=1)  # ... keys in more than this share of tuples never combine
    duckdb_threads: int = _opt(0, ge=0)  # token/qgram: DuckDB threads; 0: DuckDB's default (every core)
    duckdb_memory_limit: str = ""  # token/qgram: e.g. "4GB" (DuckDB spills past it); "": DuckDB's default
    shared_mode: str = _opt("auto", choices=("auto", "always", "never"))  # shared-neighbour completion: auto
    # (single-source lakes), always, never
    shared_k: int = _opt(40, ge=1)  # ... keep pairs sharing many of their shared_k nearest neighbours
    min_shared: int = _opt(6, ge=1)  # ... at least this many shared neighbours (large dirty entities, e.g. cora)
    shared_budget: int = _opt(20_000_000, ge=0)  # ... skipped (and reported) when its self-join exceeds this
    shared_factor: float = _opt(3.0, ge=0)  # ... and at least this × the chance overlap of two lists (small lakes)


@dataclass(frozen=True)
class SSACLConfig(_Section):
    """The SSACL judge (``[judge.ssacl]``; see tablefuse/judge/ssacl)."""

    _name: typing.ClassVar[str] = "judge.ssacl"
    epochs: int = _opt(30, ge=1)  # upper bound; early stopping on held-out synthetic pairs
    batch_size: int = _opt(256, ge=1)
    learning_rate: float = _opt(1e-3, gt=0)
    adv_epsilon: float = _opt(0.01, ge=0)  # L2 bound of each attribute embedding's perturbation
    adv_weight: float = _opt(0.5, ge=0)  # loss weight of the adversarial positives (0 disables them)
    adv_steps: int = _opt(1, ge=1)  # 1: FGM; more: PGD steps
    augment: tuple[str, ...] = _opt(("typo", "token", "null", "semantic", "format"),
                                    choices=AUGMENT_FAMILIES)  # + opt-in "crop"
    hard_negatives: int = _opt(2, ge=0)  # blocking neighbours per tuple used as negatives
    pseudo_positives: bool = True  # confident mutual-best blocking pairs as extra positives
    code_evidence: bool = True  # pseudo-positives/hard negatives also from shared rare codes + IDF overlap
    informative_only: bool = True  # no positives from tuples of only frequent values; keep such negatives
    self_train: bool = True  # one self-training round (the head's confident mutual-best pairs), refit
    self_train_max_pairs: int = _opt(2_000_000, ge=1)  # candidates rescored for that round (a 2-hop sample above)
    self_train_max_positives: int = _opt(10_000, ge=0)  # its positives kept (a seeded sample above)
    max_train_tuples: int = _opt(2000, ge=2)  # tuples sampled as training anchors (each costs encoder passes)
    finetune_encoder: bool = False  # fine-tune the encoder too (slow on CPU)
    # SSACL's value encoder (auto: full MiniLM up to 20k distinct values on CPU, static above)
    encoder: str = _opt("auto", choices=ENCODER_KINDS)
    threshold_method: str = _opt("synthetic", choices=THRESHOLD_METHODS)  # see judge/ssacl/threshold.py
    # batches >= 1024, <= 12 epochs, patience 2, warm-started self-training: ~20 % less time, but set F1 lower
    # on each of 6 real lakes (D2 -0.023, cora -0.009; benchmarks/results/judge_v2.md), so off by default
    bounded: bool = False
    # judge v2: the Fellegi-Sunter (EM) view: fuse (its posterior joins the head's score, weighted by how far
    # the two views agree on the candidates; see judge/ssacl/judge.py) | pseudo (its confident candidate
    # pairs as pseudo-positives and hard negatives) | none (SSACL alone)
    fs_evidence: str = _opt("fuse", choices=("fuse", "pseudo", "none"))

    def _check(self) -> None:
        if self.finetune_encoder and self.encoder in ("static", "minilm-int8"):
            raise ConfigError(f"judge.ssacl.finetune_encoder needs the full model; judge.ssacl.encoder is "
                              f"{self.encoder!r} (use auto or minilm)")


@dataclass(frozen=True)
class JudgeConfig(_Section):
    """How candidate pairs are scored as integrable or not."""

    _name: typing.ClassVar[str] = "judge"
    method: str = _opt("ssacl", choices=JUDGE_METHODS)  # ssacl (self-supervised, default) | similarity (baseline)
    threshold: float | None = _opt(None, ge=0, le=1)  # None: the judge chooses its own, without labels
    seed: int = 0
    model_dir: str | None = None  # a local Hugging Face model folder; None: the bundled MiniLM
    device: str = _opt("auto", device=True)  # auto picks cuda, then mps, then cpu
    ssacl: SSACLConfig = field(default_factory=SSACLConfig)


@dataclass(frozen=True)
class DiscoverConfig(_Section):
    """How judged pairs become integrable sets."""

    _name: typing.ClassVar[str] = "discover"
    method: str = _opt("leiden", choices=DISCOVER_METHODS)
    min_score: float | None = _opt(None, ge=0, le=1)  # None: use the judge's integrable flag
    seed: int = 0
    # leiden: CPM charge per integrable pair; None: 0.4 x judge threshold. Modularity ones: 1.0
    resolution: float | None = _opt(None, ge=0)
    # leiden: charge per other node pair of a set (not judged, or judged below threshold); larger for
    # noisier judges. None: classic CPM, charging `resolution` on every node pair (splits sparse true sets)
    pair_penalty: float | None = _opt(0.02, ge=0)
    split_below: float | None = _opt(0.1, ge=0, le=1)  # post-check: split a set holding a pair below this; None: off
    # post-check: never (default: the source rule does its job better, see discover/_base.py) | auto (lakes of
    # several sources only) | always
    postcheck: str = _opt("never", choices=("never", "auto", "always"))
    # post-check: cheaper: cut only when the cut is cheaper than overruling the pair | always
    split_rule: str = _opt("cheaper", choices=("cheaper", "always"))
    # source rule (see discover/_sources.py): auto: on lakes of several sources, two tuples of one source
    # share a set only where the judge linked them directly (no chaining through other sources);
    # judged: the same on any lake; all: every source is duplicate-free (clean-clean linking); none: off; or a
    # list of duplicate-free sources (all / a list also apply unique mapping to the judge's decisions)
    unique_sources: str | tuple[str, ...] = "auto"
    max_clique_component: int = _opt(300, ge=1)  # cliques: larger components fall back to leiden (noted)
    iterations: int = 2  # leiden passes per component; negative: until stable (much slower)

    def _check(self) -> None:
        if isinstance(self.unique_sources, str) and self.unique_sources not in UNIQUE_SOURCE_MODES:
            raise ConfigError(f"discover.unique_sources = {self.unique_sources!r} is not allowed; choose from "
                              f"{', '.join(UNIQUE_SOURCE_MODES)} or a list of source names")


@dataclass(frozen=True)
class ResolveConfig(_Section):
    """How conflicting values inside a set are resolved."""

    _name: typing.ClassVar[str] = "resolve"
    # auto: llm when an endpoint is configured, else evidence; or vote|truth|knn|evidence|llm|local
    method: str = _opt("auto", choices=RESOLVE_METHODS)
    k: int = _opt(10, ge=0)  # knn: neighbouring sets that vote (evidence: 0 leaves the kNN vote out)
    min_mi: float = _opt(0.1, ge=0, le=1)  # knn: normalised mutual information an attribute needs to be compared
    max_iter: int = _opt(20, ge=1)  # truth: iterations at most
    tol: float = _opt(1e-4, gt=0)  # truth: stop once no source accuracy moves more than this
    prior_accuracy: float = _opt(0.8, gt=0, le=1)  # truth: every source's starting accuracy
    false_values: int = _opt(10, ge=1)  # truth: ACCU's n, how many wrong values a careless source might pick
    # evidence (tablefuse/resolve/_evidence.py): FDs and key ownership mined from the lake
    fd_confidence: float = _opt(0.9, ge=0, le=1)  # evidence: an FD X -> A must hold for this share of sets
    fd_min_support: int = _opt(3, ge=1)  # evidence: ... over at least this many sets sharing an X value
    key_uniqueness: float = _opt(0.9, ge=0, le=1)  # evidence: A is a key when this share of its values is in one set
    evidence_weight: float = _opt(2.0, ge=0)  # evidence: what a full FD / ownership verdict is worth, in tuples
    # golden values: the lake's majority format per attribute | as written | each domain's canonical form
    format: str = _opt("majority", choices=("majority", "original", "canonical"))
    # llm / local (see tablefuse/resolve/llm): endpoint settings fall back to TABLEFUSE_LLM_* env vars
    llm_base_url: str | None = None  # OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1
    llm_model: str | None = None  # None: the endpoint's first listed model
    llm_api_key: str | None = None  # None: TABLEFUSE_LLM_API_KEY, else a placeholder (local servers)
    llm_k: int = _opt(10, ge=0)  # demonstrations per prompt (0: none)
    llm_mi_threshold: float = _opt(0.1, ge=0, le=1)  # attributes shown need this normalised MI with the target
    llm_compress: bool = True  # show only those attributes (False: every attribute)
    llm_timeout: float = _opt(30.0, gt=0)  # seconds per request
    llm_max_retries: int = _opt(2, ge=0)  # retries of a failed request (backoff doubles from llm_backoff)
    llm_backoff: float = _opt(0.5, ge=0)  # seconds before the first retry
    llm_concurrency: int = _opt(4, ge=1)  # requests in flight at once
    llm_call_budget: int | None = _opt(None, ge=0)  # LLM requests per run at most; None: no limit
    llm_cache_path: str | None = None  # DuckDB file of cached responses; None: this run only
    llm_fallback: str = _opt("evidence", choices=FALLBACK_RESOLVERS)  # used where the LLM cannot answer (per cell)
    local_model_dir: str | None = None  # local: HF model folder; None: SmolLM2-135M converted once
    local_mode: str = _opt("score", choices=("score", "generate"))  # local: candidate likelihood | JSON answer


@dataclass(frozen=True)
class EngineConfig(_Section):
    """Where and with what the heavy parts run (see tablefuse/runtime)."""

    _name: typing.ClassVar[str] = "engine"
    name: str = _opt("local", choices=ENGINES)  # local | ray
    ray_address: str | None = None  # ray: an existing cluster; None starts a local one on 127.0.0.1
    partitions: int | None = _opt(None, ge=1)  # ray: partitions of pairs/components/sets; None: one per CPU
    encoder: str = _opt("auto", choices=ENCODER_KINDS)  # auto: by distinct texts and device
    device: str = _opt("auto", device=True)  # the shared encoder's device: auto picks cuda, then mps, then cpu
    embedding_cache: bool = True  # reuse and extend the store's embedding_cache table
    threads: int = _opt(0, ge=0)  # torch/BLAS threads; 0: chosen from the cores free when the run starts


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
        out = _to_plain(self)
        assert isinstance(out, dict)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TablefuseConfig:
        out = _from_plain(cls, data, "")
        assert isinstance(out, TablefuseConfig)
        return out

    def with_overrides(self, **sections: dict[str, Any]) -> TablefuseConfig:
        """A copy with some options replaced: ``cfg.with_overrides(ingest={"skip_bad": True})``.

        ``None`` is a value (it switches an optional setting off: ``discover={"split_below": None}``);
        a key may be a dotted path into a sub-section (``judge={"ssacl.epochs": 3}``) or a nested
        table (``judge={"ssacl": {"epochs": 3}}``)."""
        data = self.to_dict()
        for name, values in sections.items():
            if name not in data:
                raise ConfigError(f"unknown config section {name!r}; known: {sorted(data)}")
            _merge(data[name], _nest(values), name)
        return TablefuseConfig.from_dict(data)


def _nest(values: dict[str, Any]) -> dict[str, Any]:
    """``{"ssacl.epochs": 3}`` -> ``{"ssacl": {"epochs": 3}}`` (other keys unchanged)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        head, dot, rest = key.partition(".")
        if dot:
            out.setdefault(head, {})
            if not isinstance(out[head], dict):
                raise ConfigError(f"{key}: {head} is an option, not a section")
            out[head].update(_nest({rest: value}))
        else:
            out[key] = value
    return out


def _merge(base: dict[str, Any], new: dict[str, Any], where: str) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value, f"{where}.{key}")
        else:
            base[key] = value


def load_config(path: str | Path) -> TablefuseConfig:
    """Read a TOML (``.toml``) or YAML (``.yaml``/``.yml``) config file; every problem is a
    ``ConfigError`` naming the file (a binary or non-UTF-8 file too)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise ConfigError(f"config file {path} is binary (it holds NUL bytes), not TOML or YAML text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path} is not UTF-8 text (byte {exc.start}): save it as UTF-8") from exc
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
    except Exception as exc:  # noqa: BLE001 - parse errors of either format
        raise ConfigError(f"config file {path} cannot be parsed: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold sections such as [ingest], [judge]")
    try:
        return TablefuseConfig.from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"config file {path}: {exc}") from exc


def _to_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple):
        return [_to_plain(v) for v in obj]
    return obj


#: flat option names of earlier versions -> (sub-section, option)
_DEPRECATED_PREFIXES: dict[type, tuple[tuple[str, str], ...]] = {JudgeConfig: (("ssacl_", "ssacl"),)}


def _upgrade_flat_keys(cls: type, data: dict[str, Any], where: str) -> dict[str, Any]:
    """Old flat names (``judge.ssacl_epochs``) moved into their sub-section, with a warning."""
    rules = _DEPRECATED_PREFIXES.get(cls)
    if not rules:
        return data
    data = dict(data)
    for prefix, section in rules:
        flat = [k for k in data if k.startswith(prefix)]
        if not flat:
            continue
        sub = dict(data.get(section) or {})
        for key in flat:
            new = key[len(prefix):]
            msg = f"{where}.{key} is deprecated: use {where}.{section}.{new} (the [{where}.{section}] section)"
            warnings.warn(msg, DeprecationWarning, stacklevel=4)
            log.warning(msg)
            sub[new] = data.pop(key)
        data[section] = sub
    return data


def _from_plain(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{where or 'the config'} must be a table of options, got {type(data).__name__}")
    data = _upgrade_flat_keys(cls, data, where)
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(data) - set(known)
    if unknown:
        what = f"option(s) {sorted(unknown)} in {where}" if where else f"config section(s) {sorted(unknown)}"
        raise ConfigError(f"unknown {what}; known: {sorted(known)}")
    kwargs = {name: _coerce(hints[name], value, f"{where}.{name}" if where else name) for name, value in data.items()}
    return cls(**kwargs)


def _coerce(tp: Any, value: Any, where: str) -> Any:
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
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
