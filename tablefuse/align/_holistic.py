"""Holistic alignment: score every cross-source column pair, cluster all columns at once.

1. Profile every open column (``_profile``): header tokens, value sketch, format profile, sample.
2. Score every pair of columns from different sources (``_score``), first without embeddings;
   only pairs whose decision the embeddings could still change get them, so the encoder runs on
   few columns (and not at all for tiny or clear-cut lakes).
3. Cluster (``_cluster``) on margins ``score - threshold(r)``, where the threshold slides from
   ``fuzzy_threshold`` (no value evidence: headers alone decide, as in v1) to ``match_threshold``
   (reliable values), with columns a mapping file placed pre-grouped under their fixed names.
4. Name each cluster (fixed name, else its most common header, else the first), record a
   confidence per column and the evidence behind it.

Confidence of a column in a cluster blends its best and its mean score with the other members
(as the linkage does); of a column left alone it is ``1 - `` the best linkage to any cluster it
could have joined (a near miss is not a confident "no").
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..frames import SourceTable
from ._cluster import cluster_columns
from ._decision import Decision
from ._headers import attribute_name, normalize_header
from ._match import similarity
from ._profile import ColumnProfile, canonical_tokens, profile_column
from ._score import DEFAULT_WEIGHTS, PairEvidence, ScoreWeights, pair_evidence, reliability

log = logging.getLogger("tablefuse")

Encode = Callable[[list[str]], np.ndarray]
EMBED_MIN_RELIABILITY = 0.5  # pairs with less value evidence are not worth loading the encoder for


@dataclass(frozen=True)
class _Item:
    table: int  # index of the source in the lake
    source: str
    column: str
    position: int
    fixed: str | None  # mapped attribute, if any


def pair_threshold(r: float, fuzzy_threshold: float, match_threshold: float) -> float:
    """The score a pair needs: ``fuzzy_threshold`` on header evidence alone, sliding to
    ``match_threshold`` as the value evidence becomes reliable."""
    return (1.0 - r) * fuzzy_threshold + r * match_threshold


@dataclass
class ColumnSet:
    """The open columns of a lake, their profiles and (where computed) their embeddings."""

    items: list[_Item]
    profiles: list[ColumnProfile]
    heads: dict[int, np.ndarray]  # column -> header embedding
    values: dict[int, np.ndarray]  # column -> mean value embedding (absent: no values)

    @property
    def sources(self) -> np.ndarray:
        return np.array([it.table for it in self.items], dtype=np.int64)

    def cross_pairs(self) -> list[tuple[int, int]]:
        src = self.sources
        n = len(self.items)
        return [(i, j) for i in range(n) for j in range(i + 1, n) if src[i] != src[j]]

    def evidence(self, i: int, j: int, weights: ScoreWeights) -> PairEvidence:
        hc = float(self.heads[i] @ self.heads[j]) if i in self.heads and j in self.heads else None
        vc = float(self.values[i] @ self.values[j]) if i in self.values and j in self.values else None
        return pair_evidence(self.profiles[i], self.profiles[j], hc, vc, weights)

    def embed_headers(self, columns: list[int], encode: Encode) -> None:
        todo = [i for i in columns if i not in self.heads]
        if todo:
            vecs = encode([" ".join(self.profiles[i].tokens) or self.profiles[i].column for i in todo])
            self.heads.update(zip(todo, vecs))

    def embed(self, columns: list[int], embed_sample: int, encode: Encode) -> None:
        """Header and mean value embeddings of ``columns`` (value ones only where values exist)."""
        self.embed_headers(columns, encode)
        todo = [i for i in columns if i not in self.values and self.profiles[i].sample]
        if todo:
            values = _value_embeddings([self.profiles[i] for i in todo], embed_sample, encode)
            self.values.update(zip(todo, values))


def column_set(tables: tuple[SourceTable, ...], decisions: dict[tuple[str, str], Decision],
               sample_size: int) -> ColumnSet:
    """Profile every column not already a key; mapped columns answer to their attribute too."""
    items: list[_Item] = []
    for ti, table in enumerate(tables):
        for pos, col in enumerate(table.frame.columns):
            d = decisions.get((table.source, col))
            if d is not None and d.role == "key":
                continue
            fixed = d.attribute if d is not None and d.method == "mapping" else None
            items.append(_Item(ti, table.source, col, pos, fixed))
    profiles = []
    for it in items:
        p = profile_column(it.source, it.column, it.position, tables[it.table].frame.get_column(it.column),
                           sample_size=sample_size)
        if it.fixed is not None:
            p = replace(p, aliases=(canonical_tokens(it.fixed),))
        profiles.append(p)
    return ColumnSet(items, profiles, {}, {})


def match_holistic(tables: tuple[SourceTable, ...], decisions: dict[tuple[str, str], Decision],
                   fuzzy_threshold: float, match_threshold: float, sample_size: int,
                   embed_sample: int, encode: Callable[[], Encode],
                   weights: ScoreWeights = DEFAULT_WEIGHTS) -> dict[str, object]:
    """Fill ``decisions`` for every column not yet decided (keys) or only mapped; returns stats.

    ``encode``: returns the encoding function, called only when some pair needs embeddings.
    """
    cs = column_set(tables, decisions, sample_size)
    if not cs.items:
        return {"columns": 0}
    cross = cs.cross_pairs()

    def margin(ev: PairEvidence) -> float:
        return ev.score - pair_threshold(ev.reliability, fuzzy_threshold, match_threshold)

    # embeddings only where they could still change a decision: first the headers (one short
    # text per column), then the values of the columns in pairs that are still open
    def undecided(i: int, j: int, header_cos: float | None) -> bool:
        pi, pj = cs.profiles[i], cs.profiles[j]
        if reliability(pi, pj, weights.reliable_distinct) < EMBED_MIN_RELIABILITY:
            return False  # too few values to say much: headers decide, as without values
        lo = pair_evidence(pi, pj, -1.0 if header_cos is None else header_cos, -1.0, weights)
        hi = pair_evidence(pi, pj, 1.0 if header_cos is None else header_cos, 1.0, weights)
        return margin(lo) < 0 <= margin(hi)

    open_pairs = [(i, j) for i, j in cross if undecided(i, j, None)]
    need = sorted({c for pair in open_pairs for c in pair})
    embedded_values = 0
    if need:
        fn = encode()
        cs.embed_headers(need, fn)
        open_pairs = [(i, j) for i, j in open_pairs if undecided(i, j, float(cs.heads[i] @ cs.heads[j]))]
        value_cols = sorted({c for pair in open_pairs for c in pair})
        cs.embed(value_cols, embed_sample, fn)
        embedded_values = len(value_cols)
    labels, evidence, scores, margins = cluster_set(cs, cross, fuzzy_threshold, match_threshold, weights)
    _decide(cs.items, labels, scores, margins, evidence, decisions)
    return {"columns": len(cs.items), "pairs": len(cross), "embedded_headers": len(need),
            "embedded_values": embedded_values}


def cluster_set(cs: ColumnSet, cross: list[tuple[int, int]], fuzzy_threshold: float,
                match_threshold: float, weights: ScoreWeights = DEFAULT_WEIGHTS,
                ) -> tuple[list[int], dict[tuple[int, int], PairEvidence], np.ndarray, np.ndarray]:
    """Score the cross-source pairs of ``cs`` and cluster its columns (labels per column)."""
    n = len(cs.items)
    evidence = {(i, j): cs.evidence(i, j, weights) for i, j in cross}
    margins = np.full((n, n), -1.0)
    scores = np.zeros((n, n))
    for (i, j), ev in evidence.items():
        margins[i, j] = margins[j, i] = ev.score - pair_threshold(ev.reliability, fuzzy_threshold,
                                                                  match_threshold)
        scores[i, j] = scores[j, i] = ev.score
    labels = cluster_columns(margins, list(cs.sources), _initial_groups(cs.items),
                             [it.fixed for it in cs.items], weights.linkage_max)
    return labels, evidence, scores, margins


def _initial_groups(items: list[_Item]) -> list[int]:
    """Columns mapped to the same attribute start as one cluster."""
    first: dict[str, int] = {}
    out = []
    for i, it in enumerate(items):
        out.append(first.setdefault(it.fixed, i) if it.fixed is not None else i)
    return out


def _value_embeddings(profiles: list[ColumnProfile], embed_sample: int, encode: Encode) -> np.ndarray:
    """Unit mean embedding of each column's first ``embed_sample`` sampled values (one batch)."""
    samples = [[v[:100] for v in p.sample[:embed_sample]] for p in profiles]
    vecs = encode([v for sm in samples for v in sm])
    out = np.zeros((len(profiles), vecs.shape[1]), dtype=np.float32)
    k = 0
    for c, sm in enumerate(samples):
        mean = vecs[k:k + len(sm)].mean(0)
        out[c] = mean / max(float(np.linalg.norm(mean)), 1e-9)
        k += len(sm)
    return out


def _decide(items: list[_Item], labels: list[int], scores: np.ndarray, margins: np.ndarray,
            evidence: dict[tuple[int, int], PairEvidence], decisions: dict[tuple[str, str], Decision]) -> None:
    clusters: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        clusters.setdefault(lab, []).append(i)
    order = sorted(clusters, key=lambda lab: min(clusters[lab]))
    taken = {it.fixed for it in items if it.fixed is not None}
    names: dict[int, str] = {}
    for lab in order:
        mem = clusters[lab]
        fixed = next((items[i].fixed for i in mem if items[i].fixed is not None), None)
        if fixed is not None:
            names[lab] = fixed
            continue
        cands = [attribute_name(items[i].column, items[i].position) for i in mem]
        name = _cluster_name(cands)
        unique, k = name, 2
        while unique in taken:
            unique, k = f"{name}_{k}", k + 1
        taken.add(unique)
        names[lab] = unique
    for lab in order:
        mem = clusters[lab]
        seen_headers: set[str] = set()
        for rank, i in enumerate(mem):
            it = items[i]
            header = normalize_header(it.column)
            mates = [j for j in mem if j != i]
            if it.fixed is not None:
                decisions[(it.source, it.column)] = Decision(it.fixed, "attribute", "mapping", 1.0, "mapping file")
                seen_headers.add(header)
                continue
            if mates:
                mate_scores = [scores[i, j] for j in mates]
                conf = 0.5 * (max(mate_scores) + float(np.mean(mate_scores)))
                j = max(mates, key=lambda m: scores[i, m])
                ev = evidence[(min(i, j), max(i, j))]
                why = f"with {items[j].source}:{items[j].column} ({ev.describe()})"
            else:
                conf, why = _alone(i, items, clusters, labels, scores, margins, evidence)
            if rank == 0 or not mates:
                method = "new"
            elif header in seen_headers or header == names[lab]:
                method = "exact"
            else:
                method = "fuzzy"
            seen_headers.add(header)
            decisions[(it.source, it.column)] = Decision(names[lab], "attribute", method,
                                                          round(min(max(conf, 0.0), 1.0), 4), why)


def _cluster_name(names: list[str]) -> str:
    """The most common header; ties go to the one most like the others (``year`` among ``yr``,
    ``pub_year``, ``published``), then to lake order."""
    counts = Counter(names)
    top = max(counts.values())
    tied = [c for c in dict.fromkeys(names) if counts[c] == top]
    if len(tied) == 1:
        return tied[0]
    return max(tied, key=lambda c: sum(similarity(c, o)[0] for o in names if o != c))


def _alone(i: int, items: list[_Item], clusters: dict[int, list[int]], labels: list[int],
           scores: np.ndarray, margins: np.ndarray,
           evidence: dict[tuple[int, int], PairEvidence]) -> tuple[float, str]:
    """Confidence that column ``i`` matches nothing: 1 - its best linkage to a cluster it could join."""
    best, best_lab = 0.0, None
    for lab, mem in clusters.items():
        if lab == labels[i] or any(items[j].table == items[i].table for j in mem):
            continue
        link = float(np.mean([scores[i, j] for j in mem]))
        if link > best:
            best, best_lab = link, lab
    if best_lab is None:
        return 1.0, "no candidate in other sources"
    j = max(clusters[best_lab], key=lambda m: scores[i, m])
    ev = evidence[(min(i, j), max(i, j))]
    return 1.0 - best, f"alone; nearest {items[j].source}:{items[j].column} ({ev.describe()})"
