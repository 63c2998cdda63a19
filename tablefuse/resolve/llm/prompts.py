"""Prompts for choosing among candidates, and strict validation of the answers.

One prompt per conflicting cell: the attribute, the candidates (with how many tuples say each),
the set's other (informative) attribute values, and demonstrations from the lake. The model
must answer JSON ``{"value": "<candidate>"}``; an answer naming no candidate is invalid and is
retried once with a correction, then the cell falls back (see ``_resolver``).

>>> parse_answer('{"value": "AL"}', ["AL", "AK"])
Answer(index=0, error=None)
>>> parse_answer('AL', ["AL", "AK"]).error
'not JSON: AL'
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ...equivalence import canonical
from .._conflicts import ConflictCell
from .demos import CellContext

Message = dict[str, str]

SYSTEM = ("You resolve conflicting values when merging records of the same entity from several "
          "tables. Use the examples: they are correct records from the same data. Answer with "
          'JSON only, exactly {"value": "<one of the candidates, copied exactly>"}.')

ANSWER_PREFIX = '{"value": "'  # what a scored answer starts with (local likelihood scoring)

_OBJECT = re.compile(r"\{.*?\}", re.S)


@dataclass(frozen=True)
class Answer:
    """A validated answer: the candidate index, or why there is none."""

    index: int | None
    error: str | None = None


def _fmt(values: Sequence[tuple[str, str]]) -> str:
    return "; ".join(f"{a}: {v}" for a, v in values) if values else "(no other attributes)"


def build_messages(cell: ConflictCell, context: CellContext) -> list[Message]:
    """System + user message for one conflicting cell (deterministic: it is the cache key)."""
    lines: list[str] = []
    if context.demos:
        lines.append(f"Correct records from the same data (attribute {cell.attribute!r} not in doubt):")
        for d in context.demos:
            lines.append(f"- {_fmt(d.values)} -> {cell.attribute}: {d.target}")
        lines.append("")
    lines.append(f"Record with a conflict: {_fmt(context.record)}")
    lines.append(f"Conflicting attribute: {cell.attribute}")
    lines.append("Candidates:")
    for c in cell.candidates:
        lines.append(f"- {json.dumps(c.value, ensure_ascii=False)} "
                     f"({c.count} tuple{'s' if c.count != 1 else ''})")
    lines.append(f"Which candidate is the correct {cell.attribute}? "
                 'Answer {"value": "..."} with one of the candidates.')
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n".join(lines)}]


def correction(messages: Sequence[Message], answer: str, error: str,
               candidates: Sequence[str]) -> list[Message]:
    """The retry prompt after an invalid answer: the conversation plus a correction."""
    allowed = ", ".join(json.dumps(c, ensure_ascii=False) for c in candidates)
    return [*messages, {"role": "assistant", "content": answer},
            {"role": "user", "content": f"That answer is invalid ({error}). Reply with JSON only: "
                                        f'{{"value": ...}} where the value is one of: {allowed}.'}]


def parse_answer(text: str, candidates: Sequence[str]) -> Answer:
    """Index of the candidate the JSON answer names: exact, then case/space-folded, then by
    equivalence key (``U.S.`` for ``USA``); anything else is an error with a short reason."""
    raw = text.strip()
    if raw.startswith("```"):
        raw = raw.strip("`").removeprefix("json").strip()
    try:
        obj = json.loads(raw)
    except ValueError:
        m = _OBJECT.search(raw)
        try:
            obj = json.loads(m.group(0)) if m else None
        except ValueError:
            obj = None
        if obj is None:
            return Answer(None, f"not JSON: {raw[:80]}")
    if not isinstance(obj, dict) or "value" not in obj:
        return Answer(None, f"JSON without a 'value': {raw[:80]}")
    value = obj["value"]
    if not isinstance(value, str):
        value = json.dumps(value) if not isinstance(value, (int, float)) else str(value)
    value = value.strip()
    for j, c in enumerate(candidates):
        if value == c:
            return Answer(j)
    folded = " ".join(value.casefold().split())
    for j, c in enumerate(candidates):
        if folded == " ".join(c.casefold().split()):
            return Answer(j)
    key = canonical(value)
    hits = [j for j, c in enumerate(candidates) if canonical(c) == key]
    if len(hits) == 1:
        return Answer(hits[0])
    return Answer(None, f"not a candidate: {value[:80]!r}")


__all__ = ["ANSWER_PREFIX", "Answer", "Message", "SYSTEM", "build_messages", "correction",
           "parse_answer"]
