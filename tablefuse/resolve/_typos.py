"""Typo-aware choice: a near variant of another candidate counts for the better-supported one.

Two candidates of a conflicting cell are *near variants* when their spellings (``domains.spelling``; else
their equivalence keys, so "117 Diivision St" varies "117 Division Street") have the same tokens
but one, and the two differing tokens are words (no digits) within a small edit distance (1 for
words of up to 5 letters, else 2; Damerau: a swap is one edit). A one-vote gap between
"East of Eden" and "East of EEden" says nothing; the rest of the lake does: the *support* of a
token is the number of tuples outside the cell's set that hold it in the same attribute. When
the variant's token has support s_b and the other's s_a >= 2 * s_b + 1, the variant is a typo of
the other: its tuples count for the other candidate, in every resolver, and the decision says so.
Digits are left alone: "10006" vs "10007" is a different zip, not a spelling.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl
from rapidfuzz.distance import OSA

from ._conflicts import Candidate, ConflictCell
from .domains import spelling


@dataclass(frozen=True)
class Typo:
    """Candidate ``loser`` of a cell is a typo of candidate ``winner`` (indices)."""

    loser: int
    winner: int
    reason: str


def token_support(values: pl.DataFrame, column: str = "folded") -> pl.DataFrame:
    """attribute, token, n: tuples of the lake whose folded value (or key) holds ``token``.

    ``values``: attribute, ``column``, n (tuples per folded spelling or key)."""
    return (values.with_columns(pl.col(column).str.split(" ").list.unique().alias("token"))
            .explode("token").group_by("attribute", "token").agg(pl.col("n").sum()))


def _differing(a: str, b: str) -> tuple[str, str] | None:
    ta, tb = a.split(), b.split()
    if len(ta) != len(tb):
        return None
    diff = [(x, y) for x, y in zip(ta, tb) if x != y]
    if len(diff) != 1:
        return None
    x, y = diff[0]
    if any(c.isdigit() for c in x + y) or min(len(x), len(y)) < 3:
        return None
    limit = 1 if max(len(x), len(y)) <= 5 else 2
    return (x, y) if OSA.distance(x, y) <= limit else None


def near_variant(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ in exactly one word, by a small edit distance."""
    return _differing(spelling(a), spelling(b)) is not None


def find_typos(cell: ConflictCell, support: Mapping[tuple[str, str], int],
               own: Mapping[tuple[int, str, str], int],
               key_support: Mapping[tuple[str, str], int] | None = None,
               key_own: Mapping[tuple[int, str, str], int] | None = None) -> list[Typo]:
    """The typo relations of one cell (each loser once, to its best-supported winner).

    ``support``: (attribute, token) -> lake tuples; ``own``: (set, attribute, token) -> the
    set's own tuples, subtracted so a set cannot vouch for itself; ``key_*`` the same over the
    tokens of equivalence keys, used where the spellings differ in more than the typo."""
    cands = cell.candidates
    best: dict[int, tuple[int, int, int, str, str]] = {}
    for i, a in enumerate(cands):
        for j, b in enumerate(cands):
            if i == j:
                continue
            # the spellings, else the keys (where a format word differs too: "St" / "Street",
            # or a dropped article: "The Crooked Bee" / "Crooied Bee")
            d, table, mine = _differing(spelling(a.value), spelling(b.value)), support, own
            if d is None and key_support is not None:
                d, table, mine = _differing(a.key, b.key), key_support, key_own or {}
            if d is None:
                continue
            ta, tb = d
            sa, sb = (table.get((cell.attribute, tok), 0) - mine.get((cell.set_id, cell.attribute, tok), 0)
                      for tok in (ta, tb))
            if sa >= 2 * sb + 1 and (j not in best or sa > best[j][1]):
                best[j] = (i, sa, sb, ta, tb)
    out: list[Typo] = []
    for j, (i, sa, sb, ta, tb) in sorted(best.items()):
        if i in best:  # the winner is itself a typo of another: follow to the end (one step)
            i = best[i][0]
            if i == j:
                continue
        loser, win = cands[j], cands[i]
        reason = (f"{loser.value!r} is a near variant of {win.value!r} ({tb!r} for {ta!r}), which the "
                  f"lake supports more ({ta!r} in {sa} tuples of other sets, {tb!r} in {sb}), so its "
                  f"{loser.count} {'tuple counts' if loser.count == 1 else 'tuples count'} for {win.value!r}")
        out.append(Typo(j, i, reason))
    return out


def merge(cell: ConflictCell, typos: Sequence[Typo]) -> tuple[ConflictCell, list[int]]:
    """The cell with each typo folded into its winner, and each new candidate's original index."""
    into = {t.loser: t.winner for t in typos}
    keep = [i for i in range(len(cell.candidates)) if i not in into]
    merged: list[Candidate] = []
    for i in keep:
        c = cell.candidates[i]
        extra = [cell.candidates[j] for j, w in into.items() if w == i]
        if extra:
            tids = tuple(sorted(set(c.tids).union(*(e.tids for e in extra))))
            sources = tuple(sorted(set(c.sources).union(*(e.sources for e in extra))))
            c = Candidate(c.value, c.key, tids, sources, c.count + sum(e.count for e in extra), c.support)
        merged.append(c)
    order = sorted(range(len(merged)), key=lambda k: (-merged[k].count, merged[k].value))
    return (ConflictCell(cell.set_id, cell.attribute, tuple(merged[k] for k in order), cell.domain, cell.sharing),
            [keep[k] for k in order])


__all__ = ["Typo", "find_typos", "merge", "near_variant", "token_support"]
