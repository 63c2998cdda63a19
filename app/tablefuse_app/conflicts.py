"""Conflicts page logic: every conflicting cell with its candidates, and the options to decide.

Decisions themselves live in the store (``tablefuse.store.record_override`` ...), so the app,
the CLI export and any later reader see the same golden record.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import polars as pl

TYPE_OWN = "✎ type another value"


@dataclass(frozen=True)
class Candidate:
    value: str
    count: int
    sources: tuple[str, ...]
    tids: tuple[int, ...]


def candidates(candidates_json: str | None) -> list[Candidate]:
    """The candidates of one conflict, as stored (JSON list of {value, tids, sources, count})."""
    if not candidates_json:
        return []
    out = []
    for c in json.loads(candidates_json):
        tids = tuple(int(t) for t in c.get("tids") or ())
        out.append(Candidate(str(c.get("value")), int(c.get("count", len(tids))),
                             tuple(str(s) for s in c.get("sources") or ()), tids))
    return out


def conflict_table(conflicts: pl.DataFrame, attribute: str | None = None,
                   text: str = "") -> pl.DataFrame:
    """Conflicts for the table view: one row each, with candidate values spelled out."""
    frame = conflicts
    if attribute:
        frame = frame.filter(pl.col("attribute") == attribute)
    rows = []
    for r in frame.sort("set_id", "attribute").iter_rows(named=True):
        cands = candidates(r["candidates"])
        rows.append({"set_id": r["set_id"], "attribute": r["attribute"], "chosen": r["chosen"],
                     "candidates": " | ".join(f"{c.value} ({c.count})" for c in cands),
                     "n_candidates": len(cands),
                     "sources": ", ".join(sorted({s for c in cands for s in c.sources})),
                     "method": r["method"], "confidence": r["confidence"], "reason": r["reason"]})
    schema = {"set_id": pl.Int64, "attribute": pl.Utf8, "chosen": pl.Utf8, "candidates": pl.Utf8,
              "n_candidates": pl.Int64, "sources": pl.Utf8, "method": pl.Utf8,
              "confidence": pl.Float64, "reason": pl.Utf8}
    out = pl.DataFrame(rows, schema=schema)
    text = text.strip().lower()
    if text:
        out = out.filter(pl.col("candidates").str.to_lowercase().str.contains(text, literal=True)
                         | pl.col("chosen").str.to_lowercase().str.contains(text, literal=True))
    return out


def candidate_frame(cands: list[Candidate], chosen: str | None) -> pl.DataFrame:
    """Candidates of one conflict as rows: value, tuples, sources, chosen."""
    return pl.DataFrame({
        "value": [c.value for c in cands], "tuples": [c.count for c in cands],
        "sources": [", ".join(c.sources) for c in cands],
        "tids": [", ".join(str(t) for t in c.tids) for c in cands],
        "chosen": [c.value == chosen for c in cands],
    }, schema={"value": pl.Utf8, "tuples": pl.Int64, "sources": pl.Utf8, "tids": pl.Utf8,
               "chosen": pl.Boolean})


def options(cands: list[Candidate], chosen: str | None) -> tuple[list[str], int]:
    """Radio options (candidate values, the chosen one included, then 'type another') and the
    index of the chosen value."""
    values = [c.value for c in cands]
    if chosen is not None and chosen not in values:
        values.insert(0, chosen)
    values.append(TYPE_OWN)
    return values, values.index(chosen) if chosen in values else 0


def picked_value(option: str, typed: str) -> str | None:
    """The value the person picked: a candidate, or the typed text (None when left empty)."""
    if option == TYPE_OWN:
        return typed.strip() or None
    return option


def label(set_id: int, attribute: str, name: str | None = None) -> str:
    """"Wild Fork Kitchen (set 3) · phone": the entity's name first, the set number for reference."""
    return f"{name} (set {set_id}) · {attribute}" if name else f"set {set_id} · {attribute}"


def set_names(golden: pl.DataFrame) -> dict[int, str]:
    """A short name per set (its golden name-like value): pickers show entities, not numbers."""
    attrs = [c for c in golden.columns if c != "set_id"]
    named = [a for a in attrs if "name" in a.lower()] + [a for a in attrs if "name" not in a.lower()]
    if not named or golden.height == 0:
        return {}
    rows = golden.select("set_id", pl.coalesce([pl.col(a) for a in named]).alias("name"))
    return {int(s): str(n)[:60] for s, n in rows.iter_rows() if n is not None}


def decision_label(row: dict, names: dict[int, str]) -> str:
    """An undo picker line: what the decision did and to whom, not its hex id."""
    kind, set_id = row.get("kind"), row.get("set_id")
    who = names.get(int(set_id)) if set_id is not None else None
    who = f"{who} (set {set_id})" if who else (f"set {set_id}" if set_id is not None else "")
    what = {"override": f"{row.get('attribute')} → {row.get('value')!r}",
            "accept": f"{row.get('attribute')} accepted",
            "split": "split", "merge": "merge"}.get(str(kind), str(kind).replace("_", " "))
    when = str(row.get("created") or "")[:16].replace("T", " ")
    return " · ".join(p for p in (str(kind).replace("_", " "), who, what if what != kind else "", when) if p)
