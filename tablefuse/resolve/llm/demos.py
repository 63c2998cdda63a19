"""In-context demonstrations: other sets of the lake whose target value is not in conflict.

Selection reuses the knn resolver's machinery (``tablefuse.resolve._knn``): each attribute is
weighted by its normalised mutual information with the target, and a set's similarity to the
conflicting set is the weighted share of attributes on which their keys agree; the ``k`` most
similar sets are the demonstrations. Compression keeps only the attributes whose NMI with the
target reaches ``mi_threshold`` (the paper's MI >= 0.1), so a small model's prompt carries the
evidence (city -> state) and not the noise (names, phone numbers).

>>> ctx = build_contexts(conflicts, lake, k=10, mi_threshold=0.1)  # doctest: +SKIP
>>> ctx[0].demos[0].values  # doctest: +SKIP
(('City', 'birmingham'), ('ZipCode', '35233'))
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from .._conflicts import ConflictCell, LakeCells
from .._knn import KnnResolver, attribute_weights, set_keys


@dataclass(frozen=True)
class Demonstration:
    """One other set: the shown attribute values and its (unconflicted) target value."""

    set_id: int
    values: tuple[tuple[str, str], ...]  # (attribute, surface value), in attribute order
    target: str
    similarity: float


@dataclass(frozen=True)
class CellContext:
    """What a prompt shows for one conflicting cell."""

    record: tuple[tuple[str, str], ...]  # the set's other attributes (its leading surface values)
    demos: tuple[Demonstration, ...]
    shown: tuple[str, ...]  # attributes kept by compression (all others when compression is off)


def surface_values(cells: pl.DataFrame) -> dict[tuple[int, str], str]:
    """(set_id, attribute) -> the most supported surface value (ties: longest, then smallest)."""
    top = (cells.group_by("set_id", "attribute", "value").agg(pl.len().alias("n"))
           .sort(["set_id", "attribute", "n", pl.col("value").str.len_chars(), "value"],
                 descending=[False, False, True, True, False])
           .unique(["set_id", "attribute"], keep="first", maintain_order=True))
    return {(s, a): v for s, a, v, _ in top.iter_rows()}


def informative_attributes(lake: LakeCells, targets: Sequence[str],
                           mi_threshold: float) -> dict[str, tuple[tuple[str, float], ...]]:
    """target -> ((attribute, NMI), ...) with NMI >= mi_threshold, most informative first."""
    weights = attribute_weights(set_keys(lake.cells), list(targets), mi_threshold)
    out: dict[str, list[tuple[str, float]]] = {t: [] for t in targets}
    for target, attribute, weight in weights.sort(["target", "weight", "attribute"],
                                                   descending=[False, True, False]).iter_rows():
        out.setdefault(target, []).append((attribute, float(weight)))
    return {t: tuple(v) for t, v in out.items()}


def build_contexts(conflicts: Sequence[ConflictCell], lake: LakeCells, *, k: int = 10,
                   mi_threshold: float = 0.1, compress: bool = True) -> list[CellContext]:
    """One ``CellContext`` per conflict: the set's record and up to ``k`` demonstrations."""
    if not conflicts:
        return []
    surface = surface_values(lake.cells)
    targets = sorted({c.attribute for c in conflicts})
    informative = informative_attributes(lake, targets, mi_threshold)
    by_cell: dict[int, list[tuple[int, float]]] = {}
    if k > 0:
        nb = KnnResolver(k=k, min_mi=mi_threshold).neighbours(conflicts, lake)
        for cell, set_id, sim, _tkey, _attrs in nb.sort(["cell", "sim", "set_id"],
                                                        descending=[False, True, False]).iter_rows():
            by_cell.setdefault(cell, []).append((set_id, float(sim)))
    out: list[CellContext] = []
    for i, cell in enumerate(conflicts):
        others = [a for a in lake.attributes if a != cell.attribute]
        shown = tuple(a for a, _ in informative.get(cell.attribute, ())) if compress else tuple(others)
        shown = tuple(a for a in others if a in shown)  # keep the table's attribute order
        record = tuple((a, surface[(cell.set_id, a)]) for a in shown if (cell.set_id, a) in surface)
        demos = []
        for set_id, sim in by_cell.get(i, [])[:k]:
            target = surface.get((set_id, cell.attribute))
            if target is None:
                continue
            values = tuple((a, surface[(set_id, a)]) for a in shown if (set_id, a) in surface)
            demos.append(Demonstration(set_id, values, target, sim))
        out.append(CellContext(record, tuple(demos), shown))
    return out


__all__ = ["CellContext", "Demonstration", "build_contexts", "informative_attributes",
           "surface_values"]
