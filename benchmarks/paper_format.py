"""The paper's benchmark file format: a loader for the authors' files, a writer for ours.

Per dataset, one folder holding

- ``T.csv`` — the outer-union table: ``tid`` then one column per attribute (a ``source`` column,
  when present, is kept as provenance);
- ``sets.txt`` — one integrable set a line, as tuple ids (``1,5,9``; spaces, tabs and brackets
  are accepted too); a tuple in no line is a set of one;
- ``pairs.csv`` — the pairwise gold, two columns of tuple ids (header optional);
- ``conflicts.json`` — a list of ``{"tuple": {attribute: value, …}, "attribute": …,
  "candidates": […], "answer": …}``: the partial tuple (the set's other values), the attribute
  in conflict, the candidate values and the true one. We also write ``"tids"`` (the set) so a
  conflict needs no matching; the loader matches the partial tuple when it is absent.

The authors' folders may name files differently; the loader looks for the usual names first,
then by pattern (``*.txt`` for sets, ``*gold*``/``*pair*``/``gt*`` for pairs, ``*.json``).
``to_lake`` turns a loaded dataset into a lake folder plus truth folder, so the harness runs the
paper's data the same way as its own; ``write_paper`` exports a generated benchmark (a lake and
its truth folder) in this format.

>>> ds = load_paper("paper/Join/set01")  # doctest: +SKIP
>>> lake, truth = to_lake(ds, "/tmp/set01")  # doctest: +SKIP
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

TABLE_FILE = "T.csv"
SETS_FILE = "sets.txt"
PAIRS_FILE = "pairs.csv"
CONFLICTS_FILE = "conflicts.json"
LAKE_TABLE = "T.csv"  # the one table of a lake made from the paper's format


@dataclass(frozen=True)
class PaperConflict:
    """One conflict: in the set of ``tids``, ``attribute`` has ``candidates``; ``answer`` is true."""

    attribute: str
    candidates: tuple[str, ...]
    answer: str
    partial: tuple[tuple[str, str], ...]  # (attribute, value) of the rest of the tuple
    tids: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tuple": dict(self.partial), "attribute": self.attribute,
                               "candidates": list(self.candidates), "answer": self.answer}
        if self.tids:
            out["tids"] = list(self.tids)
        return out


@dataclass(frozen=True)
class PaperDataset:
    """One dataset of the paper's format, loaded."""

    name: str
    table: pl.DataFrame  # tid (Int64) + Utf8 attribute columns (+ source when given)
    sets: tuple[tuple[int, ...], ...]  # every tuple exactly once (singletons added)
    pairs: pl.DataFrame  # tid_a < tid_b
    conflicts: tuple[PaperConflict, ...]

    @property
    def attributes(self) -> tuple[str, ...]:
        return tuple(c for c in self.table.columns if c not in ("tid", "source"))


# --- loading -----------------------------------------------------------------------------------

def _find(folder: Path, exact: str, patterns: tuple[str, ...]) -> Path | None:
    if (folder / exact).is_file():
        return folder / exact
    for pattern in patterns:
        hits = sorted(p for p in folder.glob(pattern) if p.is_file())
        if hits:
            return hits[0]
    return None


def _parse_sets(text: str) -> list[tuple[int, ...]]:
    out = []
    for line in text.splitlines():
        ids = tuple(int(x) for x in re.findall(r"-?\d+", line))
        if ids:
            out.append(ids)
    return out


def _read_pairs(path: Path) -> pl.DataFrame:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    rows = []
    for ln in lines:
        ids = re.findall(r"-?\d+", ln)
        if len(ids) >= 2 and not re.search(r"[A-Za-z]", ln):
            a, b = int(ids[0]), int(ids[1])
            if a != b:
                rows.append((min(a, b), max(a, b)))
    frame = pl.DataFrame(rows, schema={"tid_a": pl.Int64, "tid_b": pl.Int64}, orient="row")
    return frame.unique().sort("tid_a", "tid_b")


def _components(tids: list[int], pairs: pl.DataFrame) -> list[tuple[int, ...]]:
    parent = {t: t for t in tids}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs.iter_rows():
        if a in parent and b in parent:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for t in tids:
        groups.setdefault(root(t), []).append(t)
    return [tuple(sorted(g)) for g in groups.values()]


def _pairs_of(sets: list[tuple[int, ...]]) -> pl.DataFrame:
    rows = [(a, b) for s in sets for i, a in enumerate(sorted(s)) for b in sorted(s)[i + 1:]]
    return pl.DataFrame(rows, schema={"tid_a": pl.Int64, "tid_b": pl.Int64}, orient="row").sort("tid_a", "tid_b")


def _match_set(partial: dict[str, str], table: pl.DataFrame, set_of: dict[int, int],
               sets: list[tuple[int, ...]]) -> tuple[int, ...]:
    """The set whose tuples agree with most values of the partial tuple (ties: the first)."""
    best: tuple[int, ...] = ()
    best_score = 0
    attrs = [a for a in partial if a in table.columns]
    if not attrs:
        return ()
    cond = pl.any_horizontal([pl.col(a) == partial[a] for a in attrs])
    hits = table.filter(cond)
    scores: dict[int, int] = {}
    for row in hits.iter_rows(named=True):
        k = set_of.get(row["tid"])
        if k is not None:
            scores[k] = scores.get(k, 0) + sum(row.get(a) == partial[a] for a in attrs)
    for k in sorted(scores):
        if scores[k] > best_score:
            best, best_score = sets[k], scores[k]
    return best


def load_paper(folder: str | Path, name: str | None = None) -> PaperDataset:
    """Read one dataset folder of the paper's format (see the module doc).

    Raises ``FileNotFoundError`` when the folder has no table; sets come from the sets file, or
    from the connected components of the pairwise gold when there is no sets file.
    """
    root = Path(folder)
    table_path = _find(root, TABLE_FILE, ("t.csv", "*_T.csv", "T_*.csv"))
    if table_path is None:
        raise FileNotFoundError(f"{root}: no {TABLE_FILE} (the outer-union table)")
    table = pl.read_csv(table_path, infer_schema=False)
    if "tid" not in table.columns:
        table = table.with_row_index("tid")
    table = table.with_columns(pl.col("tid").cast(pl.Int64))
    table = table.select("tid", *[pl.col(c).cast(pl.Utf8) for c in table.columns if c != "tid"])
    tids = table["tid"].to_list()
    pairs_path = _find(root, PAIRS_FILE, ("*gold*", "*pair*", "gt*", "*groundtruth*"))
    sets_path = _find(root, SETS_FILE, ("*.txt",))
    if sets_path is not None:
        listed = _parse_sets(sets_path.read_text(encoding="utf-8"))
        seen = {t for s in listed for t in s}
        sets = [tuple(sorted(s)) for s in listed] + [(t,) for t in tids if t not in seen]
    elif pairs_path is not None:
        sets = _components(tids, _read_pairs(pairs_path))
    else:
        sets = [(t,) for t in tids]
    pairs = _read_pairs(pairs_path) if pairs_path is not None else _pairs_of(sets)
    set_of = {t: k for k, s in enumerate(sets) for t in s}
    conflicts: list[PaperConflict] = []
    conf_path = _find(root, CONFLICTS_FILE, ("*.json",))
    if conf_path is not None:
        raw = json.loads(conf_path.read_text(encoding="utf-8"))
        for item in raw if isinstance(raw, list) else raw.get("conflicts", []):
            partial = {str(k): str(v) for k, v in (item.get("tuple") or {}).items() if v is not None}
            tids_given = tuple(int(t) for t in item.get("tids", ()))
            conflicts.append(PaperConflict(
                attribute=str(item["attribute"]),
                candidates=tuple(str(c) for c in item.get("candidates", ())),
                answer=str(item["answer"]),
                partial=tuple(partial.items()),
                tids=tids_given or _match_set(partial, table, set_of, sets),
            ))
    return PaperDataset(name or root.name, table, tuple(sorted(sets)), pairs, tuple(conflicts))


def to_lake(dataset: PaperDataset, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``out/lake/T.csv`` (the table without tids: row i is tid order i) and ``out/truth``
    (entities from the sets; values and conflicts from the conflict answers)."""
    root = Path(out_dir)
    lake, truth = root / "lake", root / "truth"
    lake.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    table = dataset.table.sort("tid")
    table.select(dataset.attributes).write_csv(lake / LAKE_TABLE)
    row_of = {t: i for i, t in enumerate(table["tid"].to_list())}
    entity_of = {t: f"s{k}" for k, s in enumerate(dataset.sets) for t in s}
    pl.DataFrame({"source": [LAKE_TABLE] * table.height, "source_row": list(range(table.height)),
                  "entity": [entity_of.get(t, f"t{t}") for t in table["tid"].to_list()]},
                 schema={"source": pl.Utf8, "source_row": pl.Int64, "entity": pl.Utf8}).write_csv(
        truth / "entities.csv")
    values: dict[tuple[str, str], str] = {}
    wrong: list[tuple[str, int, str, str, str, str]] = []
    lookup = table.select("tid", *dataset.attributes).rows_by_key("tid", named=True, unique=True)
    for c in dataset.conflicts:
        if not c.tids:
            continue
        entity = entity_of[c.tids[0]]
        values[(entity, c.attribute)] = c.answer
        for t in c.tids:
            v = lookup.get(t, {}).get(c.attribute)
            if v is not None and v != c.answer:
                wrong.append((LAKE_TABLE, row_of[t], entity, c.attribute, c.answer, v))
    pl.DataFrame([(e, a, v) for (e, a), v in sorted(values.items())],
                 schema={"entity": pl.Utf8, "attribute": pl.Utf8, "value": pl.Utf8}, orient="row").write_csv(
        truth / "values.csv")
    pl.DataFrame(wrong, schema={"source": pl.Utf8, "source_row": pl.Int64, "entity": pl.Utf8,
                                "attribute": pl.Utf8, "true_value": pl.Utf8, "wrong_value": pl.Utf8},
                 orient="row").write_csv(truth / "conflicts.csv")
    return lake, truth


# --- writing -----------------------------------------------------------------------------------

def outer_union(lake_dir: str | Path, truth_dir: str | Path | None = None) -> pl.DataFrame:
    """tid, source, source_row + one column per attribute over the lake's CSV files (sorted by
    name), headers mapped to attributes by ``truth/columns.csv`` when it is there."""
    lake = Path(lake_dir)
    mapping: dict[tuple[str, str], str] = {}
    if truth_dir is not None and (Path(truth_dir) / "columns.csv").is_file():
        cols = pl.read_csv(Path(truth_dir) / "columns.csv", infer_schema=False)
        mapping = {(s, c): a for s, c, a in cols.select("source", "source_column", "attribute").iter_rows()}
    parts = []
    for path in sorted(lake.rglob("*.csv")):
        source = path.relative_to(lake).as_posix()
        frame = pl.read_csv(path, infer_schema=False)
        frame = frame.rename({c: mapping.get((source, c), c) for c in frame.columns})
        parts.append(frame.with_columns(pl.lit(source).alias("source"),
                                        pl.int_range(pl.len(), dtype=pl.Int64).alias("source_row")))
    union = pl.concat(parts, how="diagonal") if parts else pl.DataFrame()
    union = union.with_row_index("tid").with_columns(pl.col("tid").cast(pl.Int64))
    attrs = [c for c in union.columns if c not in ("tid", "source", "source_row")]
    return union.select("tid", "source", "source_row", *attrs)


def write_paper(lake_dir: str | Path, truth_dir: str | Path, out_dir: str | Path) -> Path:
    """Export a lake and its truth folder in the paper's format; returns ``out_dir``.

    Conflicts come from ``truth/conflicts.csv``, one per (entity, attribute): candidates are the
    distinct values of the set's tuples, the answer the true value, the partial tuple the
    entity's other true values (``values.csv``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    truth = Path(truth_dir)
    union = outer_union(lake_dir, truth)
    attrs = [c for c in union.columns if c not in ("tid", "source", "source_row")]
    union.select("tid", "source", *attrs).write_csv(out / TABLE_FILE)
    ents = pl.read_csv(truth / "entities.csv", infer_schema=False).with_columns(pl.col("source_row").cast(pl.Int64))
    te = union.select("tid", "source", "source_row").join(ents, on=["source", "source_row"], how="left")
    te = te.with_columns(pl.coalesce("entity", pl.lit("__t") + pl.col("tid").cast(pl.Utf8)).alias("entity"))
    groups = te.group_by("entity").agg(pl.col("tid").sort()).sort(pl.col("tid").list.first())
    sets = [tuple(g) for g in groups["tid"].to_list()]
    (out / SETS_FILE).write_text("".join(",".join(map(str, s)) + "\n" for s in sets), encoding="utf-8")
    _pairs_of(sets).write_csv(out / PAIRS_FILE)
    conflicts: list[dict[str, Any]] = []
    conf_path = truth / "conflicts.csv"
    if conf_path.is_file():
        conf = pl.read_csv(conf_path, infer_schema=False)
        values = (pl.read_csv(truth / "values.csv", infer_schema=False) if (truth / "values.csv").is_file()
                  else pl.DataFrame(schema={"entity": pl.Utf8, "attribute": pl.Utf8, "value": pl.Utf8}))
        true_of: dict[str, dict[str, str]] = {}
        for e, a, v in values.iter_rows():
            true_of.setdefault(e, {})[a] = v
        tids_of = dict(zip(groups["entity"].to_list(), sets))
        rows = union.rows_by_key("tid", named=True, unique=True)
        for entity, attribute, answer in (conf.select("entity", "attribute", "true_value").unique()
                                          .sort("entity", "attribute").iter_rows()):
            tids = tids_of.get(entity, ())
            cands = sorted({rows[t][attribute] for t in tids
                            if attribute in rows[t] and rows[t][attribute] is not None})
            partial = tuple((a, v) for a, v in sorted(true_of.get(entity, {}).items()) if a != attribute)
            conflicts.append(PaperConflict(attribute, tuple(cands), answer, partial, tuple(tids)).to_json())
    (out / CONFLICTS_FILE).write_text(json.dumps(conflicts, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


__all__ = ["PaperConflict", "PaperDataset", "load_paper", "outer_union", "to_lake", "write_paper"]
