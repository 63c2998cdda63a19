"""Majority vote over equivalence-grouped candidates: the baseline every resolver is compared with.

Winner: most supporting tuples; ties go to the candidate whose sources are more reliable (mean
per-source agreement rate, see ``source_reliability``), then to ``tie_rank``, the rule every
resolver ends with: for a date the most recent one (the newest information), otherwise the value
more tuples of other sets hold (lake-wide value frequency), then the value of the row read first
(smallest tid). Confidence is the winner's share of the cell's non-null tuples.
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
    """The last tie-break (smaller first): the most recent date, else more lake-wide support,
    then the first-read row."""
    first = cand.tids[0] if cand.tids else 0
    digits = cand.key.replace("-", "")
    recency = -int(digits) if cell.domain == "date" and digits.isdigit() else 0
    return (recency, -cand.support, first)


def tie_sentence(cell: ConflictCell, win: Candidate, runner: Candidate) -> str:
    """Why ``win`` beat ``runner`` under ``tie_rank``."""
    if cell.domain == "date" and win.key != runner.key:
        return f"the more recent date wins ({win.value!r} after {runner.value!r})"
    if win.support != runner.support:
        return (f"the value more common elsewhere in the lake wins ({win.support} vs {runner.support} "
                f"tuples of other sets)")
    return f"equally common elsewhere, so the value of the row read first wins (tid {win.tids[0]})"


def vote(cell: ConflictCell, reliability: dict[str, float]) -> Choice:
    """Majority, then source reliability, then ``tie_rank``."""
    scored = [(-c.count, -round(mean_reliability(c, reliability), 9), tie_rank(cell, c), i)
              for i, c in enumerate(cell.candidates)]
    scored.sort()
    best = scored[0]
    win = cell.candidates[best[3]]
    reason = support_sentence(win, cell.total)
    tied = [s for s in scored[1:] if s[0] == best[0]]
    if tied:
        runner = cell.candidates[tied[0][3]]
        if tied[0][1] != best[1]:
            reason += (f"; tied with {runner.value!r}, broken by source reliability "
                       f"({-best[1]:.2f} vs {-tied[0][1]:.2f})")
        else:
            reason += (f"; tied with {runner.value!r} at equal source reliability: "
                       f"{tie_sentence(cell, win, runner)}")
    return Choice(best[3], win.count / cell.total, reason)


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


__all__ = ["VoteResolver", "describe_sources", "support_sentence", "tie_rank", "tie_sentence", "vote"]
