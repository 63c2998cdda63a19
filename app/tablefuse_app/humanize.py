"""Numbers as people read them: "11 min 40 s" rather than "699.516 s", "1 file" not "1 files"."""
from __future__ import annotations

import math


def duration(seconds: float | None) -> str:
    """A duration, rounded to what matters at its size.

    >>> duration(699.516)
    '11 min 40 s'
    >>> duration(3.2), duration(0.04), duration(3600), duration(5430)
    ('3.2 s', '0.0 s', '1 h', '1 h 30 min')
    """
    if seconds is None or not math.isfinite(seconds):
        return "n/a"
    seconds = max(float(seconds), 0.0)
    if seconds < 10:
        return f"{seconds:.1f} s"
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        minutes, secs = divmod(total, 60)
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    minutes = round(seconds / 60)
    hours, mins = divmod(minutes, 60)
    return f"{hours} h {mins} min" if mins else f"{hours} h"


def plural(n: int, singular: str, many: str | None = None) -> str:
    """``n`` and the noun in the right number (English: one is singular, everything else plural).

    >>> plural(1, "file"), plural(0, "file"), plural(2, "match", "matches")
    ('1 file', '0 files', '2 matches')
    """
    word = singular if n == 1 else (many if many is not None else f"{singular}s")
    return f"{n:,} {word}"
