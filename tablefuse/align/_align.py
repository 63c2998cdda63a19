"""``align``: decide, for every source column, which unified attribute it feeds.

Order of decisions, strongest first:

1. the mapping file (``AlignConfig.mapping_file``, see ``_mapping``): always wins;
2. surrogate keys (``AlignConfig.detect_surrogate_keys``, see ``_keys``): role ``key``, no
   attribute, kept only as provenance;
3. automatic matching, source by source in lake order, against the attributes known so far:
   exact on the normalised header (also any header already matched into the attribute), then
   synonyms and rapidfuzz similarity at or above ``fuzzy_threshold``. Candidates are assigned
   greedily, best score first, so two columns of one source never share an attribute: the
   weaker one becomes an attribute of its own;
4. every column left over becomes a new attribute named by its normalised header (made unique
   with ``_2``, ``_3`` ... when taken). Nothing is dropped.

Attributes are ordered by first appearance over sources in lake order, columns in table order,
so the same lake always gives the same alignment.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import polars as pl

from ..config import AlignConfig
from ..errors import AlignmentError, ConfigError
from ..frames import Alignment, Lake
from ._headers import attribute_name, normalize_header
from ._keys import detect_keys
from ._mapping import MAPPING_SCHEMA, MappedColumn, load_mapping, resolve_mapping
from ._match import similarity

__all__ = ["align", "load_mapping"]

log = logging.getLogger("tablefuse")

ALIGNMENT_SCHEMA = {
    "source": pl.Utf8, "source_column": pl.Utf8, "attribute": pl.Utf8, "role": pl.Utf8,
    "method": pl.Utf8, "confidence": pl.Float64,
}


@dataclass(frozen=True)
class _Decision:
    attribute: str | None
    role: str
    method: str
    confidence: float


class _Pool:
    """The attributes known so far and the normalised headers already matched into each."""

    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {}

    def add(self, attribute: str, header: str) -> None:
        aliases = self.names.setdefault(attribute, [attribute])
        if header and header not in aliases:
            aliases.append(header)

    def score(self, header: str, attribute: str) -> tuple[float, str]:
        best = (0.0, "fuzzy")
        for alias in self.names[attribute]:
            s = similarity(header, alias)
            if s[0] > best[0]:
                best = s
        return best

    def unique_name(self, name: str) -> str:
        if name not in self.names:
            return name
        i = 2
        while f"{name}_{i}" in self.names:
            i += 1
        return f"{name}_{i}"


def align(lake: Lake, config: AlignConfig = AlignConfig()) -> Alignment:
    """Map every column of every source table onto a unified attribute (or mark it a key).

    >>> alignment = align(lake)  # doctest: +SKIP
    >>> alignment.attributes  # doctest: +SKIP
    ('name', 'phone_number', 'address')
    """
    if not 0.0 <= config.fuzzy_threshold <= 1.0:
        raise ConfigError(f"align.fuzzy_threshold must lie in [0, 1], got {config.fuzzy_threshold}")
    sources = [t.source for t in lake.tables]
    dup = sorted({s for s in sources if sources.count(s) > 1})
    if dup:
        raise AlignmentError(f"sources {dup} appear more than once in the lake; each needs a unique name")

    mapping = load_mapping(config.mapping_file) if config.mapping_file else pl.DataFrame(schema=MAPPING_SCHEMA)
    mapped: dict[tuple[str, str], MappedColumn] = resolve_mapping(mapping, lake.tables)
    decisions: dict[tuple[str, str], _Decision] = {}
    pool = _Pool()

    # the mapping and the keys first: they are not open to automatic matching
    for table in lake.tables:
        keys = set(detect_keys(table.frame)) if config.detect_surrogate_keys else set()
        for col in table.frame.columns:
            m = mapped.get((table.source, col))
            if m is not None:
                if m.attribute is None:
                    decisions[(table.source, col)] = _Decision(None, "key", "mapping", 1.0)
                else:
                    decisions[(table.source, col)] = _Decision(m.attribute, "attribute", "mapping", 1.0)
                    pool.add(m.attribute, normalize_header(col))
            elif col in keys:
                decisions[(table.source, col)] = _Decision(None, "key", "new", 1.0)

    for table in lake.tables:
        _match_table(table.source, list(table.frame.columns), decisions, pool, config.fuzzy_threshold)

    rows = []
    attributes: list[str] = []
    for table in lake.tables:
        for col in table.frame.columns:
            d = decisions[(table.source, col)]
            rows.append((table.source, col, d.attribute, d.role, d.method, d.confidence))
            if d.attribute is not None and d.attribute not in attributes:
                attributes.append(d.attribute)
    frame = pl.DataFrame(rows, schema=ALIGNMENT_SCHEMA, orient="row")
    alignment = Alignment(frame, tuple(attributes))
    alignment.validate()
    log.info("align: %d columns of %d sources -> %d attributes (%d keys, %d fuzzy, %d mapped)",
             frame.height, len(lake.tables), len(attributes), int((frame["role"] == "key").sum()),
             int((frame["method"] == "fuzzy").sum()), int((frame["method"] == "mapping").sum()))
    return alignment


def _match_table(source: str, columns: list[str], decisions: dict[tuple[str, str], _Decision],
                 pool: _Pool, threshold: float) -> None:
    """Assign this source's open columns to known attributes, best score first, one each."""
    used = {d.attribute for (s, _), d in decisions.items() if s == source and d.attribute is not None}
    open_cols = [(pos, col) for pos, col in enumerate(columns) if (source, col) not in decisions]
    known = list(pool.names)  # attributes of earlier sources and of the mapping, not this source's new ones
    candidates: list[tuple[float, int, int, str, str]] = []
    for pos, col in open_cols:
        header = normalize_header(col)
        for rank, attr in enumerate(known):
            if attr in used:
                continue
            score, method = pool.score(header, attr)
            if method == "exact" or (score > 0.0 and score >= threshold):
                candidates.append((-score, pos, rank, attr, method))
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    taken_cols: set[int] = set()
    for neg_score, pos, _, attr, method in candidates:
        if pos in taken_cols or attr in used:
            continue
        col = columns[pos]
        decisions[(source, col)] = _Decision(attr, "attribute", method, round(-neg_score, 4))
        pool.add(attr, normalize_header(col))
        used.add(attr)
        taken_cols.add(pos)
    for pos, col in open_cols:
        if pos in taken_cols:
            continue
        name = pool.unique_name(attribute_name(col, pos))
        pool.add(name, normalize_header(col))
        used.add(name)
        decisions[(source, col)] = _Decision(name, "attribute", "new", 1.0)
