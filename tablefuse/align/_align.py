"""``align``: decide, for every source column, which unified attribute it feeds.

Order of decisions, strongest first:

1. the mapping file (``AlignConfig.mapping_file``, see ``_mapping``): always wins;
2. surrogate keys (``AlignConfig.detect_surrogate_keys``, see ``_keys``): role ``key``, no
   attribute, kept only as provenance;
3. automatic matching of every other column, by ``AlignConfig.method``:
   ``holistic`` (default, ``_holistic``): headers, value overlap, value embeddings and format
   profiles of all sources at once, clustered so two columns of one source never share an
   attribute; mapped columns anchor their attributes and others may join them;
   ``header`` (v1, ``_by_header``): header similarity only, source by source;
4. every column left over becomes an attribute of its own, named by its normalised header (made
   unique with ``_2``, ``_3`` ...). Nothing is dropped.

``Alignment.frame`` also carries ``needs_review`` (confidence below ``review_below``) and
``evidence`` (why, in words). Attributes are ordered by first appearance over sources in lake
order, columns in table order, so the same lake always gives the same alignment.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import polars as pl

from ..config import AlignConfig
from ..errors import AlignmentError, ConfigError
from ..frames import Alignment, Lake
from ._by_header import match_by_header
from ._decision import Decision
from ._holistic import match_holistic
from ._keys import detect_keys
from ._mapping import MAPPING_SCHEMA, MappedColumn, load_mapping, resolve_mapping
from ._score import DEFAULT_WEIGHTS, ScoreWeights

__all__ = ["align", "load_mapping"]

log = logging.getLogger("tablefuse")

ALIGNMENT_SCHEMA = {
    "source": pl.Utf8, "source_column": pl.Utf8, "attribute": pl.Utf8, "role": pl.Utf8,
    "method": pl.Utf8, "confidence": pl.Float64, "needs_review": pl.Boolean, "evidence": pl.Utf8,
}
METHODS = ("holistic", "header")


def _check(config: AlignConfig) -> None:
    for name in ("fuzzy_threshold", "match_threshold", "review_below"):
        value = getattr(config, name)
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"align.{name} must lie in [0, 1], got {value}")
    if config.method not in METHODS:
        raise ConfigError(f"align.method must be one of {list(METHODS)}, got {config.method!r}")
    if config.sample_size < 1 or config.embed_sample < 1:
        raise ConfigError("align.sample_size and align.embed_sample must be at least 1")


def align(lake: Lake, config: AlignConfig | None = None,
          encoder: Callable[[list[str]], np.ndarray] | None = None,
          weights: ScoreWeights | None = None) -> Alignment:
    """Map every column of every source table onto a unified attribute (or mark it a key).

    ``encoder``: texts -> unit vectors; default the shared ``TextEncoder``, loaded only when some
    column pair needs value embeddings to be decided. ``weights``: the scorer's constants
    (default: the measured ones; for experiments).

    >>> alignment = align(lake)  # doctest: +SKIP
    >>> alignment.attributes  # doctest: +SKIP
    ('name', 'phone_number', 'address')
    """
    config = config or AlignConfig()
    _check(config)
    sources = [t.source for t in lake.tables]
    dup = sorted({s for s in sources if sources.count(s) > 1})
    if dup:
        raise AlignmentError(f"sources {dup} appear more than once in the lake; each needs a unique name")

    mapping = load_mapping(config.mapping_file) if config.mapping_file else pl.DataFrame(schema=MAPPING_SCHEMA)
    mapped: dict[tuple[str, str], MappedColumn] = resolve_mapping(mapping, lake.tables)
    decisions: dict[tuple[str, str], Decision] = {}

    # the mapping and the keys first: they are not open to automatic matching
    for table in lake.tables:
        keys = set(detect_keys(table.frame)) if config.detect_surrogate_keys else set()
        for col in table.frame.columns:
            m = mapped.get((table.source, col))
            if m is not None:
                if m.attribute is None:
                    decisions[(table.source, col)] = Decision(None, "key", "mapping", 1.0, "mapping file")
                else:
                    decisions[(table.source, col)] = Decision(m.attribute, "attribute", "mapping", 1.0,
                                                              "mapping file")
            elif col in keys:
                decisions[(table.source, col)] = Decision(None, "key", "new", 1.0, "surrogate key")

    stats: dict[str, object] = {}
    if config.method == "header":
        match_by_header([(t.source, list(t.frame.columns)) for t in lake.tables], decisions,
                        config.fuzzy_threshold)
    else:
        stats = match_holistic(lake.tables, decisions, config.fuzzy_threshold, config.match_threshold,
                               config.sample_size, config.embed_sample, lambda: encoder or _default_encoder(),
                               weights or DEFAULT_WEIGHTS)

    rows = []
    attributes: list[str] = []
    for table in lake.tables:
        for col in table.frame.columns:
            d = decisions[(table.source, col)]
            review = d.role == "attribute" and d.method != "mapping" and d.confidence < config.review_below
            rows.append((table.source, col, d.attribute, d.role, d.method, d.confidence, review, d.evidence))
            if d.attribute is not None and d.attribute not in attributes:
                attributes.append(d.attribute)
    frame = pl.DataFrame(rows, schema=ALIGNMENT_SCHEMA, orient="row")
    alignment = Alignment(frame, tuple(attributes))
    alignment.validate()
    log.info("align (%s): %d columns of %d sources -> %d attributes (%d keys, %d mapped, %d to review) %s",
             config.method, frame.height, len(lake.tables), len(attributes),
             int((frame["role"] == "key").sum()), int((frame["method"] == "mapping").sum()),
             int(frame["needs_review"].sum()), stats)
    return alignment


def _default_encoder() -> Callable[[list[str]], np.ndarray]:
    from ..runtime.encoders import TextEncoder

    return TextEncoder().encode
