"""Lake-wide frequencies: how informative a value, a token or a model code is.

Equal frequent values ("new york", "sony") are weak evidence and equal rare ones strong; this is
what Splink's term-frequency adjustments capture. The counts are taken once at fit time over the
lake's own rows and saved with the model, so scoring after ``load`` sees the same numbers.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .._similarity import normalise, parse_number

# code tokens: split on whitespace and punctuation other than - . _ (kept inside "KDL-40V4100")
_CODE_SPLIT = re.compile(r"[\s,;:()\[\]{}\"'/|+*#!?&=<>]+")
_CODE_STRIP = re.compile(r"[-._]+")
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)$")  # street ordinals ("58th") are not model codes


def code_tokens(raw: str | None) -> frozenset[str]:
    """Model-number-like tokens of a raw value, normalised (lower case, ``-._`` removed).

    A code holds a digit and is at least 3 characters long; an all-digit one needs 5+ digits
    (years, prices and street numbers are not codes), and street ordinals ("58th") are none.
    A letters-only token is also joined to a following token holding a digit, so "KDL 40V4100"
    and "KDL-40V4100" share "kdl40v4100" (but "155 w." gives no "155w"). Values that are wholly
    a number (a price column) give none.
    """
    if raw is None or parse_number(raw) is not None:
        return frozenset()
    parts = [_CODE_STRIP.sub("", p) for p in _CODE_SPLIT.split(raw.lower())]
    parts = [p for p in parts if p and not _ORDINAL.match(p)]
    out = set()
    for i, p in enumerate(parts):
        cands = [p]
        if i + 1 < len(parts) and p.isalpha() and any(ch.isdigit() for ch in parts[i + 1]):
            cands.append(p + parts[i + 1])  # a letter prefix split off its model: "kdl 40v4100"
        for cand in cands:
            if len(cand) >= 3 and any(ch.isdigit() for ch in cand):
                if cand.isdigit() and len(cand) < 5:
                    continue
                out.add(cand)
    return frozenset(out)


def value_tokens(raw: str | None) -> tuple[str, frozenset[str]]:
    """(normalised text, its token set) as the features see them; ("", {}) for null."""
    if raw is None:
        return "", frozenset()
    text = normalise(raw)
    return text, frozenset(text.split())


@dataclass
class LakeStats:
    """Document frequencies over the lake's tuples: of normalised values, of tokens (a tuple
    counts a token once, whatever attribute holds it) and of code tokens."""

    n_tuples: int = 0
    value_df: dict[str, int] = field(default_factory=dict)
    token_df: dict[str, int] = field(default_factory=dict)
    code_df: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[str | None]]) -> LakeStats:
        values: Counter[str] = Counter()
        tokens: Counter[str] = Counter()
        codes: Counter[str] = Counter()
        n = 0
        for row in rows:
            n += 1
            seen_v: set[str] = set()
            seen_t: set[str] = set()
            seen_c: set[str] = set()
            for raw in row:
                if raw is None:
                    continue
                text, toks = value_tokens(raw)
                if text:
                    seen_v.add(text)
                seen_t |= toks
                seen_c |= code_tokens(raw)
            values.update(seen_v)
            tokens.update(seen_t)
            codes.update(seen_c)
        return cls(n, dict(values), dict(tokens), dict(codes))

    def _idf(self, df: int) -> float:
        """Normalised IDF in (0, 1]: 1 for a value seen once (or never), near 0 for one in every tuple."""
        n = self.n_tuples
        if n <= 1:
            return 1.0
        return min(1.0, math.log((n + 1) / (df + 1)) / math.log((n + 1) / 2))

    def value_idf(self, text: str) -> float:
        return self._idf(self.value_df.get(text, 1))

    def token_idf(self, token: str) -> float:
        return self._idf(self.token_df.get(token, 1))

    def code_idf(self, code: str) -> float:
        return self._idf(self.code_df.get(code, 1))

    def agreement_log_odds(self, texts: Iterable[str]) -> float:
        """Log posterior odds that two tuples agreeing on exactly these normalised values are one
        entity, with Splink's term-frequency reasoning: prior odds 1/n (a tuple has about one
        match among n), times n/df per agreeing value (how unlikely a chance agreement is); a
        value counts at least twice (it has its counterpart). Below 0: weak evidence, e.g. one
        shared frequent value ("new york"), or one shared value and nothing else."""
        n = self.n_tuples + 1
        return sum(math.log(n / (max(self.value_df.get(t, 1), 2) + 1)) for t in texts) - math.log(n)

    def to_dict(self) -> dict:
        return {"n_tuples": self.n_tuples, "value_df": self.value_df, "token_df": self.token_df,
                "code_df": self.code_df}

    @classmethod
    def from_dict(cls, data: dict) -> LakeStats:
        return cls(int(data["n_tuples"]), {str(k): int(v) for k, v in data["value_df"].items()},
                   {str(k): int(v) for k, v in data["token_df"].items()},
                   {str(k): int(v) for k, v in data["code_df"].items()})


__all__ = ["LakeStats", "code_tokens", "value_tokens"]
