"""One alignment decision per source column (shared by the v1 and the holistic matcher)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    attribute: str | None  # None: a surrogate key
    role: str  # attribute | key
    method: str  # mapping | exact | fuzzy | new
    confidence: float
    evidence: str = ""  # why, in words, for people reviewing the alignment
