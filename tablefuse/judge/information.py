"""How identifying a value is: evidence weighted by information, near zero for junk.

Agreement on a value is evidence of one entity only as far as a chance agreement is unlikely.
``ValueInformation`` measures that within the lake: the normalised inverse document frequency
of the value (and, for ``token_information``, of its tokens), and zero for values that identify
nothing whatever their frequency: placeholders ("various", "unknown", "n/a"), one character
repeated ("xxxx", "----"), and mojibake (UTF-8 read as Latin-1, then stripped: "ã ã ã ã³ãªã ã").

Used by the Fellegi-Sunter judge (``fellegi_sunter.py``: an exact agreement on a junk value gets
no weight; term-frequency adjustment does the rest) and available to SSACL's features.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

PLACEHOLDERS = frozenset({
    "unknown", "various", "various artists", "n a", "na", "none", "null", "nil", "other", "others", "misc",
    "miscellaneous", "not available", "not applicable", "tbd", "tba", "unk", "undefined", "empty", "blank",
    "default", "test", "anonymous", "no name", "untitled", "unnamed", "n d", "nd", "xxx", "see notes",
})
_MOJIBAKE_MARKERS = re.compile(  # UTF-8 lead bytes read as Latin-1/cp1252, then a continuation byte
    "[\u00c2\u00c3\u00e2\u00e3][\u0080-\u00bf\u0152-\u0192\u02c6-\u02dc\u2018-\u203a\u20ac]|\ufffd")
_NON_WORD = re.compile(r"[^\w]+")
_SPACE = re.compile(r"\s+")


def is_junk(text: str | None) -> bool:
    """Whether a (normalised or raw) value identifies nothing: a placeholder, one character
    repeated, or mojibake. Empty and None count as junk (no evidence either way)."""
    if text is None:
        return True
    t = _SPACE.sub(" ", text.strip().lower())
    if not t:
        return True
    if t in PLACEHOLDERS or _NON_WORD.sub(" ", t).strip() in PLACEHOLDERS:
        return True
    compact = t.replace(" ", "")
    if len(compact) >= 2 and len(set(compact)) == 1:  # "xxxx", "----", "0000"
        return True
    if _MOJIBAKE_MARKERS.search(t):
        return True
    tokens = t.split(" ")
    non_ascii = [tok for tok in tokens if any(ord(ch) > 127 for ch in tok)]
    if len(tokens) >= 3 and len(non_ascii) == len(tokens) and sum(len(tok) <= 2 for tok in tokens) >= len(tokens) / 2:
        return True  # "ã ã ã ã³ãªã ã": stripped multi-byte text, short non-ASCII fragments only
    if len(compact) >= 4 and len(set(compact)) <= 3 and len(non_ascii) == len(tokens):
        return True
    return False


class ValueInformation:
    """Per-value information in [0, 1] from document frequencies over the lake's tuples.

    ``information(v) = 0`` for junk, else ``log(N / df(v)) / log(N)`` (1 for a value seen once,
    0 for one in every tuple). Token information is the same over tokens.
    """

    def __init__(self, value_df: dict[str, int] | None = None, token_df: dict[str, int] | None = None,
                 n: int = 0):
        self.value_df = value_df or {}
        self.token_df = token_df or {}
        self.n = n

    @classmethod
    def from_values(cls, rows: Iterable[Iterable[str | None]]) -> ValueInformation:
        """Counts over rows of (already normalised) values: a row counts a value or token once."""
        vdf: Counter[str] = Counter()
        tdf: Counter[str] = Counter()
        n = 0
        for row in rows:
            n += 1
            vals = {v for v in row if v}
            vdf.update(vals)
            tdf.update({t for v in vals for t in v.split()})
        return cls(dict(vdf), dict(tdf), n)

    def _idf(self, df: int) -> float:
        if self.n <= 1:
            return 1.0
        return max(0.0, min(1.0, math.log(self.n / max(df, 1)) / math.log(self.n)))

    def information(self, value: str | None) -> float:
        if value is None or is_junk(value):
            return 0.0
        return self._idf(self.value_df.get(value, 1))

    def token_information(self, value: str | None) -> float:
        """Mean information of the value's tokens (junk tokens count 0)."""
        if value is None or is_junk(value):
            return 0.0
        toks = value.split()
        if not toks:
            return 0.0
        return sum(0.0 if is_junk(t) and len(t) > 1 else self._idf(self.token_df.get(t, 1)) for t in toks) / len(toks)


__all__ = ["PLACEHOLDERS", "ValueInformation", "is_junk"]
