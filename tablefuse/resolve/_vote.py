"""Majority vote over equivalence-grouped candidates: the baseline every resolver is compared with.

Winner: most supporting tuples; ties go to the candidate whose sources are more reliable (mean
per-source agreement rate, see ``source_reliability``; a gap under ``RELIABILITY_MARGIN`` is
no evidence), then to ``tie_rank``, the rule every
resolver ends with: for a date the most recent one (the newest information); then, where the
attribute's values are shared by sets (city, state, cuisine), the value more tuples of other sets
hold, and where they are entity-specific (names, phones, ids: most values in one set only), the
value fewer other sets hold (one held elsewhere is likely copied from another entity); then the
value of the row read first (smallest tid). Confidence is the winner's share of the cell's
non-null tuples.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..config import ResolveConfig
from ..frames import Membership, Resolution, TupleTable
from ._conflicts import Candidate, Choice, ConflictCell, LakeCells, resolve_with


def describe_sources(sources: Sequence[str], limit: int = 3) -> str:
    """``a.csv, b.csv`` or ``a.csv, b.csv, c.csv and 2 more``."""
    shown = ", ".join(sources[:limit])
    return shown + (f" and {len(sources) - limit} more" if len(sources) > limit else "")


def support_sentence(win: Candidate, total: int) -> str:
    """``2 of 3 tuples (sources a.csv, b.csv) say 'X'``."""
    noun = "tuple" if total == 1 else "tuples"
    verb = "says" if win.count == 1 else "say"
    label = "source" if len(win.sources) == 1 else "sources"
    return (f"{win.count} of {total} {noun} ({label} {describe_sources(win.sources)}) "
            f"{verb} {win.value!r}")


def mean_reliability(cand: Candidate, reliability: dict[str, float]) -> float:
    return sum(reliability.get(s, 0.5) for s in cand.sources) / max(len(cand.sources), 1)


def tie_rank(cell: ConflictCell, cand: Candidate) -> tuple[int, int, int]:
    """The last tie-break (smaller first): the most recent date, then lake-wide support (more
    where the attribute's values are shared, fewer where they are entity-specific), then the
    first-read row."""
    first = cand.tids[0] if cand.tids else 0
    digits = cand.key.replace("-", "")
    recency = -int(digits) if cell.domain == "date" and digits.isdigit() else 0
    return (recency, -cand.support if cell.sharing >= 0.5 else cand.support, first)


def tie_sentence(cell: ConflictCell, win: Candidate, runner: Candidate) -> str:
    """Why ``win`` beat ``runner`` under ``tie_rank``."""
    if cell.domain == "date" and win.key != runner.key:
        return f"the more recent date wins ({win.value!r} after {runner.value!r})"
    if win.support != runner.support:
        if cell.sharing >= 0.5:
            return (f"the value more common elsewhere in the lake wins ({win.support} vs {runner.support} "
                    f"tuples of other sets; {cell.attribute} values are shared by sets)")
        return (f"the value less held by other sets wins ({win.support} vs {runner.support} tuples; "
                f"{cell.attribute} is entity-specific, so a value held elsewhere is likely copied)")
    return f"equally common elsewhere, so the value of the row read first wins (tid {win.tids[0]})"


RELIABILITY_MARGIN = 0.05  # a smaller gap in mean source reliability is no evidence


def break_tie(cell: ConflictCell, tied: Sequence[int], reliability: dict[str, float]) -> tuple[int, str]:
    """The winner among equally supported candidates ``tied`` and the sentence saying why: more
    reliable sources (by at least ``RELIABILITY_MARGIN``), else ``tie_rank``."""
    cands = cell.candidates
    rel = {j: mean_reliability(cands[j], reliability) for j in tied}
    top = max(rel.values())
    close = [j for j in tied if rel[j] >= top - RELIABILITY_MARGIN]
    if len(close) == 1:
        win = close[0]
        runner = max((j for j in tied if j != win), key=lambda j: rel[j])
        return win, (f"tied with {cands[runner].value!r}, broken by source reliability "
                     f"({rel[win]:.2f} vs {rel[runner]:.2f})")
    win = min(close, key=lambda j: tie_rank(cell, cands[j]))
    runner = min((j for j in close if j != win), key=lambda j: tie_rank(cell, cands[j]))
    return win, (f"tied with {cands[runner].value!r} at equal source reliability (within "
                 f"{RELIABILITY_MARGIN}): {tie_sentence(cell, cands[win], cands[runner])}")


def vote(cell: ConflictCell, reliability: dict[str, float]) -> Choice:
    """Majority, then source reliability, then ``tie_rank`` (see ``break_tie``)."""
    cands = cell.candidates
    top = max(c.count for c in cands)
    tied = [j for j, c in enumerate(cands) if c.count == top]
    best, why = (tied[0], "") if len(tied) == 1 else break_tie(cell, tied, reliability)
    win = cands[best]
    reason = support_sentence(win, cell.total) + (f"; {why}" if why else "")
    return Choice(best, win.count / cell.total, reason)


class VoteResolver:
    """Majority vote per conflicting cell (see module doc)."""

    per_set = False  # learns across sets (see tablefuse.resolve.Resolver)

    method = "vote"

    def __init__(self, format: str = "majority") -> None:
        self.format = format
        self.formats = None  # fixed attribute formats (tablefuse.resolve.domains); None: learned per call

    @classmethod
    def from_config(cls, config: ResolveConfig) -> VoteResolver:
        return cls(config.format)

    def choose(self, conflicts: Sequence[ConflictCell], lake: LakeCells) -> list[Choice]:
        return [vote(cell, lake.reliability) for cell in conflicts]

    def resolve(self, tuples: TupleTable, membership: Membership) -> Resolution:
        return resolve_with(tuples, membership, self, self.method)


__all__ = ["RELIABILITY_MARGIN", "VoteResolver", "break_tie", "describe_sources", "support_sentence", "tie_rank",
           "tie_sentence", "vote"]
