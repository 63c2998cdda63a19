"""The Join benchmark generator: one seed table of real rows → a lake of k overlapping tables.

It rebuilds, offline, the way ALITE's Join benchmark was made (the paper's data is not reachable
here): each of the k tables (2–20) is a *projection* (the key column plus a random subset of the
others; every column lands in at least one table) of a *selection* (an overlapping random subset
of rows; every row lands in at least one table); headers are renamed with synonyms or restyled,
column orders shuffled; then cells are dirtied at the preset's rates with

- ``typo``: one keyboard slip (neighbour key, dropped, doubled or swapped letter);
- ``synonym``: a token or phrase replaced by an equivalent surface form from the SSACL
  dictionaries (``tablefuse.equivalence``; kept only when ``canonical`` agrees, so the truth
  stays "equivalent"); values the dictionaries know nothing about stay clean;
- ``conflict``: the value replaced by another value of the same column (a different entity's,
  with a different canonical key), i.e. a genuine conflict whose true value is known.

Each seed row is one entity. Output (the project's truth format, see ``examples/truth/README.md``)::

    <out>/lake/t01.csv … tNN.csv
    <out>/truth/entities.csv    source, source_row, entity
    <out>/truth/values.csv      entity, attribute, value     (the seed's clean values)
    <out>/truth/conflicts.csv   source, source_row, entity, attribute, true_value, wrong_value
    <out>/truth/injections.csv  source, source_row, entity, attribute, kind, true_value, lake_value
    <out>/truth/columns.csv     source, source_column, attribute   (which header is which attribute)
    <out>/benchmark.json        spec, preset, seed and counts

Deterministic: one ``random.Random(seed)`` drives everything and every iteration is ordered.

>>> bench = generate(seed_from_truth("examples/truth"), "/tmp/join", name="rest",
...                  preset="balanced", n_tables=5, seed=1)  # doctest: +SKIP
>>> bench.counts["conflict"]  # doctest: +SKIP
"""
from __future__ import annotations

import json
import math
import random
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import polars as pl


@dataclass(frozen=True)
class Preset:
    """Per-cell injection rates; one cell gets at most one injection, tried in this order:
    conflict, typo, synonym. A synonym is only applied where the dictionaries know one."""

    name: str
    typo_rate: float
    synonym_rate: float
    conflict_rate: float
    header_rate: float = 0.5  # share of headers renamed (synonym, or a restyle when none is known)


PRESETS: Mapping[str, Preset] = MappingProxyType({
    "balanced": Preset("balanced", typo_rate=0.06, synonym_rate=0.06, conflict_rate=0.03),
    "typo-heavy": Preset("typo-heavy", typo_rate=0.18, synonym_rate=0.02, conflict_rate=0.03),
    "synonym-heavy": Preset("synonym-heavy", typo_rate=0.02, synonym_rate=0.18, conflict_rate=0.03),
})


@dataclass(frozen=True)
class JoinSpec:
    """The shape of the lake: how many tables and how much each keeps."""

    n_tables: int = 5  # 2–20, as in ALITE's Join benchmark
    selection: tuple[float, float] = (0.3, 0.7)  # share of seed rows each table keeps (uniform)
    projection: tuple[float, float] = (0.4, 1.0)  # share of non-key columns each table keeps
    key_columns: tuple[str, ...] = ()  # kept by every table; empty: the most distinct column
    max_rows: int | None = None  # take the first max_rows seed rows (after a seeded shuffle)


@dataclass(frozen=True)
class JoinBenchmark:
    """Where a generated benchmark was written and what it holds."""

    name: str
    root: Path
    lake_dir: Path
    truth_dir: Path
    counts: dict[str, int] = field(default_factory=dict)


# --- header renaming ---------------------------------------------------------------------------
# attribute word → header synonyms a real source might use (generic across domains)
HEADER_SYNONYMS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "name": ("title", "label", "full_name"),
    "title": ("name", "heading", "paper_title"),
    "address": ("street", "addr", "street_address", "location"),
    "addr": ("address", "street"),
    "city": ("town", "municipality"),
    "state": ("region", "province", "st"),
    "zip": ("postcode", "postal_code", "zipcode"),
    "zipcode": ("zip", "postal_code"),
    "phone": ("telephone", "tel", "phone_number", "contact"),
    "phonenumber": ("telephone", "phone"),
    "price": ("cost", "amount", "list_price"),
    "description": ("desc", "details", "summary"),
    "manufacturer": ("maker", "brand", "vendor"),
    "authors": ("author", "writers", "by"),
    "venue": ("journal", "conference", "published_in"),
    "year": ("yr", "pub_year", "published"),
    "type": ("category", "kind", "class"),
    "cuisine": ("category", "food_type"),
    "website": ("url", "homepage", "web"),
    "county": ("county_name",),
    "countyname": ("county",),
    "owner": ("ownership", "operator"),
})


def _restyle(header: str, rng: random.Random) -> str:
    words = [w for w in re.split(r"[_\s]+", header) if w]
    style = rng.choice(("upper", "title", "camel", "space"))
    if style == "upper":
        return "_".join(w.upper() for w in words)
    if style == "title":
        return " ".join(w.capitalize() for w in words)
    if style == "camel":
        return words[0].lower() + "".join(w.capitalize() for w in words[1:]) if words else header
    return " ".join(words)


def rename_header(attribute: str, rng: random.Random) -> str:
    """A header a different source might give ``attribute``: a synonym when one is known, else a
    restyle (``zip_code`` → ``ZipCode``, ``ZIP_CODE``, ``Zip Code``)."""
    key = re.sub(r"[^0-9a-z]", "", attribute.lower())
    options = HEADER_SYNONYMS.get(attribute) or HEADER_SYNONYMS.get(key)
    base = rng.choice(options) if options else attribute
    out = _restyle(base, rng) if (options is None or rng.random() < 0.5) else base
    return out if out != attribute else attribute.upper()


# --- value dirt --------------------------------------------------------------------------------
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
KEYBOARD: Mapping[str, str] = MappingProxyType({
    c: "".join(row[j] for j in (i - 1, i + 1) if 0 <= j < len(row))
    for row in _KEYBOARD_ROWS for i, c in enumerate(row)
})


def typo(text: str, rng: random.Random) -> str:
    """One keyboard slip (never the first letter); ``text`` unchanged when it has no letter."""
    spots = [i for i, c in enumerate(text) if i > 0 and c.isascii() and c.isalpha()]
    for _ in range(10):
        if not spots:
            return text
        i = rng.choice(spots)
        op = rng.choice(("neighbour", "drop", "swap", "double"))
        c = text[i]
        if op == "neighbour" and c.lower() in KEYBOARD:
            n = rng.choice(KEYBOARD[c.lower()])
            out = text[:i] + (n.upper() if c.isupper() else n) + text[i + 1:]
        elif op == "drop" and len(text) > 2:
            out = text[:i] + text[i + 1:]
        elif op == "swap" and i + 1 < len(text) and text[i + 1] != c:
            out = text[:i] + text[i + 1] + c + text[i + 2:]
        else:
            out = text[:i] + c + text[i:]
        if out != text:
            return out
    return text


class SynonymIndex:
    """Folded token/phrase → other surface forms, built once from ``EQUIVALENCE_GROUPS``.

    Short tokens (≤ 2 letters, e.g. state codes ``IN``/``OR``) are only replaced when they are
    the whole value, so ordinary words in titles are not turned into states.
    """

    def __init__(self) -> None:
        from tablefuse.equivalence import EQUIVALENCE_GROUPS, canonical, fold

        self._fold = fold
        self._canonical = canonical
        index: dict[str, list[str]] = {}
        for family in sorted(EQUIVALENCE_GROUPS):
            for group in EQUIVALENCE_GROUPS[family]:
                for member in group:
                    key = fold(member)
                    bucket = index.setdefault(key, [])
                    for other in group:
                        if fold(other) != key and other not in bucket:
                            bucket.append(other)
        self._index = {k: tuple(v) for k, v in index.items() if v}
        self._max_words = max((len(k.split()) for k in self._index), default=1)

    def substitute(self, value: str, rng: random.Random) -> str | None:
        """``value`` with one known token/phrase replaced by an equivalent form; None if none."""
        tokens = value.split()
        spans: list[tuple[int, int, tuple[str, ...]]] = []
        for n in range(min(self._max_words, len(tokens)), 0, -1):
            for i in range(len(tokens) - n + 1):
                key = self._fold(" ".join(tokens[i:i + n]))
                forms = self._index.get(key)
                if not forms or (len(key) <= 2 and len(tokens) > 1):
                    continue
                spans.append((i, n, forms))
        rng.shuffle(spans)
        original = self._canonical(value)
        for i, n, forms in spans:
            out = " ".join(tokens[:i] + [rng.choice(forms)] + tokens[i + n:])
            if out != value and self._canonical(out) == original:
                return out
        return None


# --- seeds -------------------------------------------------------------------------------------

def attribute_name(column: str) -> str:
    """``http://…/restaurant1.owl#phone_number`` → ``phone_number``: lowercase snake case."""
    name = column.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_") or "column"


def seed_from_frame(frame: pl.DataFrame, drop: tuple[str, ...] = ("id",)) -> pl.DataFrame:
    """A seed table: text columns with snake-case names, ids and all-null columns dropped,
    blank strings as nulls, exact duplicate rows removed (each row must be one entity)."""
    renamed = {c: attribute_name(c) for c in frame.columns}
    keep = [c for c in frame.columns if renamed[c] not in drop and frame[c].null_count() < frame.height]
    seen: set[str] = set()
    cols = []
    for c in keep:
        if renamed[c] in seen:
            continue
        seen.add(renamed[c])
        cols.append(pl.col(c).cast(pl.Utf8).str.strip_chars().replace("", None).alias(renamed[c]))
    return frame.select(cols).unique(maintain_order=True)


def seed_from_truth(truth_dir: str | Path) -> pl.DataFrame:
    """The true values of a truth folder (``values.csv``) as a seed table, one row per entity."""
    values = pl.read_csv(Path(truth_dir) / "values.csv", infer_schema=False)
    attrs = list(dict.fromkeys(values["attribute"].to_list()))
    wide = values.pivot(on="attribute", index="entity", values="value").sort("entity")
    return wide.select(*[a for a in attrs if a in wide.columns])


# --- the generator -----------------------------------------------------------------------------

def _key_column(seed: pl.DataFrame, given: tuple[str, ...]) -> tuple[str, ...]:
    if given:
        missing = [c for c in given if c not in seed.columns]
        if missing:
            raise ValueError(f"key columns {missing} are not in the seed table {seed.columns}")
        return given
    def score(c: str) -> tuple[float, str]:
        s = seed[c]
        return (-(s.n_unique() * (1 - s.null_count() / max(seed.height, 1))), c)
    return (min(seed.columns, key=score),)


def _ranges(lo_hi: tuple[float, float], what: str) -> tuple[float, float]:
    lo, hi = lo_hi
    if not 0 < lo <= hi <= 1:
        raise ValueError(f"{what} must satisfy 0 < low <= high <= 1, got {lo_hi}")
    return lo, hi


def _plan(n: int, columns: list[str], keys: tuple[str, ...], spec: JoinSpec,
          rng: random.Random) -> list[tuple[list[int], list[str]]]:
    """(rows, columns) of each table: overlapping selections and projections, full coverage."""
    s_lo, s_hi = _ranges(spec.selection, "selection")
    p_lo, p_hi = _ranges(spec.projection, "projection")
    others = [c for c in columns if c not in keys]
    k = spec.n_tables
    rows = [sorted(rng.sample(range(n), max(1, round(n * rng.uniform(s_lo, s_hi))))) for _ in range(k)]
    covered = set().union(*map(set, rows))
    for r in range(n):  # every entity appears somewhere
        if r not in covered:
            rows[rng.randrange(k)].append(r)
    cols = []
    for _ in range(k):
        m = min(len(others), max(1 if others else 0, math.ceil(len(others) * rng.uniform(p_lo, p_hi))))
        cols.append(rng.sample(others, m))
    for c in others:  # every attribute appears somewhere
        if not any(c in cs for cs in cols):
            cols[rng.randrange(k)].append(c)
    plan = []
    for row_ids, cs in zip(rows, cols):
        ids = sorted(set(row_ids))
        rng.shuffle(ids)
        cs = list(keys) + cs
        rng.shuffle(cs)
        plan.append((ids, cs))
    return plan


def generate(seed: pl.DataFrame, out_dir: str | Path, *, name: str = "join",
             preset: str | Preset = "balanced", spec: JoinSpec | None = None,
             n_tables: int | None = None, seed_value: int = 0,
             seed_name: str | None = None) -> JoinBenchmark:
    """Write ``out_dir/lake`` and ``out_dir/truth`` from ``seed`` (one entity a row; see module doc).

    ``n_tables`` overrides ``spec.n_tables``; ``seed_value`` seeds every random choice.
    """
    spec = spec or JoinSpec()
    if n_tables is not None:
        spec = JoinSpec(**{**asdict(spec), "n_tables": n_tables})
    if not 2 <= spec.n_tables <= 20:
        raise ValueError(f"n_tables must be between 2 and 20, got {spec.n_tables}")
    chosen = PRESETS[preset] if isinstance(preset, str) else preset
    rng = random.Random(seed_value)
    seed = seed.select([pl.col(c).cast(pl.Utf8) for c in seed.columns])
    if spec.max_rows is not None and seed.height > spec.max_rows:
        seed = seed[sorted(rng.sample(range(seed.height), spec.max_rows))]
    if seed.height == 0 or not seed.columns:
        raise ValueError("the seed table is empty")
    columns = list(seed.columns)
    keys = _key_column(seed, spec.key_columns)
    values = seed.rows()
    entity_ids = [f"{name}:{i}" for i in range(seed.height)]
    plan = _plan(seed.height, columns, keys, spec, rng)

    from tablefuse.equivalence import canonical

    synonyms = SynonymIndex()
    pools = {c: sorted({v for v in seed[c].to_list() if v is not None}) for c in columns}
    col_index = {c: j for j, c in enumerate(columns)}
    root = Path(out_dir)
    lake, truth = root / "lake", root / "truth"
    lake.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    for old in lake.glob("t*.csv"):
        old.unlink()

    entities: list[tuple[str, int, str]] = []
    injections: list[tuple[str, int, str, str, str, str, str]] = []
    header_rows: list[tuple[str, str, str]] = []
    counts = {"typo": 0, "synonym": 0, "conflict": 0, "cells": 0, "renamed_headers": 0}
    width = len(str(spec.n_tables))
    for t, (rows, cols) in enumerate(plan, start=1):
        source = f"t{t:0{width}d}.csv"
        headers: list[str] = []
        for c in cols:
            h = rename_header(c, rng) if rng.random() < chosen.header_rate else c
            if h != c and attribute_name(h) in col_index:  # never another attribute's own name
                h = c
            while h in headers:  # two columns of one table never share a header
                h = h + "_"
            counts["renamed_headers"] += h != c
            headers.append(h)
            header_rows.append((source, h, c))
        out_rows: list[list[str | None]] = []
        for source_row, r in enumerate(rows):
            entities.append((source, source_row, entity_ids[r]))
            cells: list[str | None] = []
            for c in cols:
                true = values[r][col_index[c]]
                cells.append(true)
                if true is None:
                    continue
                counts["cells"] += 1
                u = rng.random()
                kind, new = None, None
                if u < chosen.conflict_rate:
                    for _ in range(5):
                        other = rng.choice(pools[c])
                        if canonical(other) != canonical(true):
                            kind, new = "conflict", other
                            break
                elif u < chosen.conflict_rate + chosen.typo_rate:
                    slipped = typo(true, rng)
                    if slipped != true:
                        kind, new = "typo", slipped
                elif u < chosen.conflict_rate + chosen.typo_rate + chosen.synonym_rate:
                    new = synonyms.substitute(true, rng)
                    kind = "synonym" if new is not None else None
                if kind is not None and new is not None:
                    cells[-1] = new
                    counts[kind] += 1
                    injections.append((source, source_row, entity_ids[r], c, kind, true, new))
            out_rows.append(cells)
        frame = pl.DataFrame(out_rows, schema={h: pl.Utf8 for h in headers}, orient="row")
        frame.write_csv(lake / source)

    def write(path: Path, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        schema = {h: (pl.Int64 if h == "source_row" else pl.Utf8) for h in header}
        pl.DataFrame(rows, schema=schema, orient="row").write_csv(path)

    write(truth / "entities.csv", ("source", "source_row", "entity"), entities)
    true_values = [(entity_ids[r], c, v) for r in range(seed.height) for c, v in zip(columns, values[r])
                   if v is not None]
    write(truth / "values.csv", ("entity", "attribute", "value"), true_values)
    write(truth / "conflicts.csv", ("source", "source_row", "entity", "attribute", "true_value", "wrong_value"),
          [(s, r, e, a, tv, lv) for s, r, e, a, k, tv, lv in injections if k == "conflict"])
    write(truth / "injections.csv",
          ("source", "source_row", "entity", "attribute", "kind", "true_value", "lake_value"), injections)
    write(truth / "columns.csv", ("source", "source_column", "attribute"), header_rows)
    counts.update(tables=len(plan), rows=len(entities), entities=seed.height, attributes=len(columns))
    meta = {"name": name, "seed_name": seed_name or name, "seed": seed_value, "preset": asdict(chosen),
            "spec": asdict(spec), "key_columns": list(keys), "counts": counts}
    (root / "benchmark.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return JoinBenchmark(name, root, lake, truth, counts)


__all__ = ["HEADER_SYNONYMS", "JoinBenchmark", "JoinSpec", "PRESETS", "Preset", "SynonymIndex",
           "attribute_name", "generate", "rename_header", "seed_from_frame", "seed_from_truth", "typo"]
