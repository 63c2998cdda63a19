"""Align v1: header-only matching, source by source in lake order (``AlignConfig.method="header"``).

Each open column is compared with the attributes known so far: exact on the normalised header
(also any header already matched into the attribute), then synonyms and rapidfuzz similarity at
or above ``fuzzy_threshold``. Candidates are assigned greedily, best score first, so two columns
of one source never share an attribute: the weaker one becomes an attribute of its own. Kept as a
fast fallback that needs no values and no encoder.
"""
from __future__ import annotations

from ._decision import Decision
from ._headers import attribute_name, normalize_header
from ._match import similarity


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


def match_by_header(tables: list[tuple[str, list[str]]], decisions: dict[tuple[str, str], Decision],
                    threshold: float) -> None:
    """Fill ``decisions`` for every open column; mapped attributes seed the pool."""
    pool = _Pool()
    for (_, col), d in decisions.items():
        if d.method == "mapping" and d.attribute is not None:
            pool.add(d.attribute, normalize_header(col))
    for source, columns in tables:
        _match_table(source, columns, decisions, pool, threshold)


def _match_table(source: str, columns: list[str], decisions: dict[tuple[str, str], Decision],
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
        decisions[(source, col)] = Decision(attr, "attribute", method, round(-neg_score, 4))
        pool.add(attr, normalize_header(col))
        used.add(attr)
        taken_cols.add(pos)
    for pos, col in open_cols:
        if pos in taken_cols:
            continue
        name = pool.unique_name(attribute_name(col, pos))
        pool.add(name, normalize_header(col))
        used.add(name)
        decisions[(source, col)] = Decision(name, "attribute", "new", 1.0)
