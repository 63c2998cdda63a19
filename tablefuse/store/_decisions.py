"""User decisions: conflict overrides and hand-made splits/merges of sets, kept in ``decisions``.

A person's say beats the pipeline's guess, so decisions are applied on read: ``read_table`` and
``export_table`` of ``membership``, ``integrated``, ``conflicts`` and ``provenance`` return the
run's tables with every decision applied (``raw=True`` gives the pipeline's own output). The
``decisions`` table is one of ``PRESERVED_TABLES``, so a re-run keeps it.

Set ids change between runs, so a decision names its tuples by ``(source, source_row)``
(``members``). It is applied, in the order made, only while it still fits: an override only to a
set with exactly the members it was made on, a split only when the tuples still share a set,
a merge only when the sets still hold exactly the merged tuples. A decision that no longer fits
is *stale*: kept, reported by ``list_decisions``, never applied silently to something else.

Pair labels (``record_pair_label``: ``match`` / ``no_match`` / ``unsure``, stored as kinds
``must_link`` / ``cannot_link`` / ``unsure``) name two tuples, not a set, so they fit as long as
both tuples are in the latest run: a ``must_link`` whose tuples lie in different sets merges those
two sets (as a merge would), a ``cannot_link`` whose tuples share a set moves the second tuple
(``tid_b`` when labelled) out into a set of its own and no other member, ``unsure`` changes
nothing; a label already satisfied by the sets is applied and changes nothing; a label whose
tuples are not both in the run is stale. ``members`` keeps the order given ([a, b]). A newer
label for the same (unordered) pair replaces the older one, and readers take the latest label
per pair in any case. Labels also teach the next run (``tablefuse.pipeline``: threshold,
training, forced scores, cannot-link kept apart), so after a re-run they are usually already
satisfied.

Sets changed by hand are re-resolved by the run's own resolver, which the caller passes as
``resolver`` (the store imports no stage): ``tablefuse.pipeline.read_table`` / ``export_table``
build it from the run's stored config, so a split set gets the same kind of story (equivalent
values grouped, evidence named) as every other set. Without one, reading the golden tables of a
store whose sets were changed by hand is an error, never a second, different story.

>>> record_override("demo.duckdb", set_id=3, attribute="phone", value="555-0100")  # doctest: +SKIP
>>> read_table("demo.duckdb", "integrated")  # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import duckdb
import polars as pl

from ..errors import StoreError
from ..frames import TUPLE_META, Membership, Resolution, TupleTable
from . import _duckdb
from ._schema import Columns, create_sql, quote

DECISIONS: Columns = (
    ("decision_id", "VARCHAR"), ("seq", "BIGINT"), ("created", "VARCHAR"), ("run_id", "VARCHAR"),
    ("kind", "VARCHAR"), ("set_id", "BIGINT"), ("attribute", "VARCHAR"), ("value", "VARCHAR"),
    ("members", "JSON"), ("note", "VARCHAR"),
)
"""``kind``: accept | override | split | merge | must_link | cannot_link | unsure. ``set_id``: as
numbered when made (display only). ``members``: JSON list of [source, source_row] — override/accept:
the set's tuples; split: the tuples moved out into a new set; merge: every tuple of the merged
sets; must_link / cannot_link / unsure (pair labels): the two tuples [a, b], ``value`` the label."""

DECISION_KINDS: tuple[str, ...] = ("accept", "override", "split", "merge", "must_link", "cannot_link", "unsure")
#: a pair label as a person gives it -> the decision kind it is stored as
PAIR_LABEL_KINDS: dict[str, str] = {"match": "must_link", "no_match": "cannot_link", "unsure": "unsure"}
_LABEL_OF_KIND: dict[str, str] = {k: v for v, k in PAIR_LABEL_KINDS.items()}
PAIR_LABEL_COLUMNS: dict[str, pl.DataType] = {
    "decision_id": pl.Utf8(), "created": pl.Utf8(), "label": pl.Utf8(), "source_a": pl.Utf8(),
    "row_a": pl.Int64(), "source_b": pl.Utf8(), "row_b": pl.Int64(), "tid_a": pl.Int64(), "tid_b": pl.Int64()}
DECIDED_TABLES: frozenset[str] = frozenset({"membership", "integrated", "conflicts", "provenance"})

_TABLE = "decisions"


@dataclass(frozen=True)
class Decided:
    """The run's tables with decisions applied, and what became of each decision."""

    membership: pl.DataFrame
    integrated: pl.DataFrame | None  # None: sets were changed by hand and no resolver was given
    conflicts: pl.DataFrame | None
    provenance: pl.DataFrame | None
    status: dict[str, str] = field(default_factory=dict)  # decision_id -> applied | stale: why

    def table(self, name: str) -> pl.DataFrame:
        frame = {"membership": self.membership, "integrated": self.integrated,
                 "conflicts": self.conflicts, "provenance": self.provenance}[name]
        if frame is None:
            raise StoreError(f"sets of this store were changed by hand: reading {name!r} needs the run's resolver "
                             "(use tablefuse.pipeline.read_table, or pass resolver=)")
        return frame


class SetResolver(Protocol):
    """What re-resolves sets changed by hand: a stage resolver (``tablefuse.resolve.Resolver``)."""

    def resolve(self, tuples: TupleTable, membership: Membership) -> Resolution: ...


# --------------------------------------------------------------------------- reading

def _has_decisions(db_path: str | Path) -> bool:
    return _TABLE in _duckdb.list_tables(db_path)


def _raw_decisions(db_path: str | Path) -> pl.DataFrame:
    if not _has_decisions(db_path):
        return pl.DataFrame(schema={c: pl.Utf8 for c, _ in DECISIONS})
    return _duckdb.read_table(db_path, _TABLE).sort("seq")


def list_decisions(db_path: str | Path) -> pl.DataFrame:
    """Every decision in the order made, with ``status`` (``applied`` or ``stale: why``)."""
    raw = _raw_decisions(db_path)
    if raw.height == 0:
        return raw.with_columns(pl.lit(None, dtype=pl.Utf8).alias("status"))
    status = decided(db_path).status
    return raw.with_columns(pl.Series("status", [status.get(d, "stale") for d in raw["decision_id"]],
                                      dtype=pl.Utf8))


def read_table(db_path: str | Path, name: str, raw: bool = False,
               resolver: SetResolver | None = None) -> pl.DataFrame:
    """One store table; ``membership``/``integrated``/``conflicts``/``provenance`` with decisions
    applied unless ``raw`` (sets changed by hand re-resolved by ``resolver``).

    >>> read_table("demo.duckdb", "integrated")  # doctest: +SKIP
    """
    if raw or name not in DECIDED_TABLES or not _has_decisions(db_path):
        return _duckdb.read_table(db_path, name)
    return decided(db_path, resolver).table(name)


def export_table(db_path: str | Path, name: str, fmt: Literal["csv", "parquet"], out: Path,
                 raw: bool = False, resolver: SetResolver | None = None) -> int:
    """Write one store table (decisions applied, as ``read_table``) as CSV or Parquet.

    >>> export_table("demo.duckdb", "integrated", "csv", Path("golden.csv"))  # doctest: +SKIP
    """
    if raw or name not in DECIDED_TABLES or not _has_decisions(db_path):
        return _duckdb.export_table(db_path, name, fmt, out)
    options = {"csv": "FORMAT csv, HEADER true", "parquet": "FORMAT parquet"}
    if fmt not in options:
        raise StoreError(f"export format {fmt!r} unknown; choose csv or parquet")
    frame = decided(db_path, resolver).table(name)
    out = Path(out)
    if out.is_dir():
        raise StoreError(f"export target {out} is a directory; give a file path")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    con = duckdb.connect()  # in memory: the same writer as raw exports, so the files look alike
    try:
        con.register("tf_frame", frame.to_arrow())
        con.execute(f"COPY (SELECT * FROM tf_frame) TO {_literal(str(tmp))} ({options[fmt]})")
        os.replace(tmp, out)
    except duckdb.Error as exc:
        raise StoreError(f"exporting {name!r} to {out} failed: {exc}") from exc
    finally:
        con.close()
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return frame.height


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --------------------------------------------------------------------------- writing

@contextlib.contextmanager
def _writer(db_path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path = Path(db_path)
    tables = _duckdb.list_tables(path)  # raises StoreError for a missing / foreign file
    if "runs" not in tables:
        raise StoreError(f"{path} is not a tablefuse store; run an integration first")
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise StoreError(f"cannot open store {path} for writing: {exc}") from exc
    try:
        if _TABLE not in tables:
            con.execute(create_sql(_TABLE, DECISIONS))
        yield con
        con.execute("CHECKPOINT")  # no WAL left behind: write_run moves whole files
    except duckdb.Error as exc:
        raise StoreError(f"writing a decision to {path} failed: {exc}") from exc
    finally:
        con.close()


def _insert(db_path: str | Path, kind: str, set_id: int | None, attribute: str | None,
            value: str | None, members: Sequence[tuple[str, int]], note: str | None,
            replaces: Sequence[str] = ()) -> str:
    """Append one decision (``replaces``: decision ids deleted in the same write)."""
    decision_id = uuid.uuid4().hex[:12]
    run_id = _latest_run(db_path)
    created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    cols = ", ".join(quote(c) for c, _ in DECISIONS)
    with _writer(db_path) as con:
        for old in replaces:
            con.execute(f"DELETE FROM {quote(_TABLE)} WHERE decision_id = ?", [old])
        seq = con.execute(f"SELECT coalesce(max(seq), 0) + 1 FROM {quote(_TABLE)}").fetchall()[0][0]
        con.execute(f"INSERT INTO {quote(_TABLE)} ({cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [decision_id, seq, created, run_id, kind, set_id, attribute, value,
                     json.dumps([[s, int(r)] for s, r in members]), note])
    return decision_id


def _latest_run(db_path: str | Path) -> str | None:
    runs = _duckdb.read_table(db_path, "runs")
    if runs.height == 0:
        return None
    return str(runs.sort(["latest", "started"], descending=True)["run_id"][0])


def record_override(db_path: str | Path, set_id: int, attribute: str, value: str,
                    note: str | None = None) -> str:
    """Make ``value`` the golden value of (set, attribute); returns the decision id."""
    return _record_cell(db_path, "override", set_id, attribute, value, note)


def record_accept(db_path: str | Path, set_id: int, attribute: str, note: str | None = None) -> str:
    """Confirm the value chosen now for (set, attribute), so later re-resolution cannot move it."""
    current = decided(db_path)
    row = current.table("integrated").filter(pl.col("set_id") == set_id)
    _check_cell(row, set_id, attribute)
    return _record_cell(db_path, "accept", set_id, attribute, row[attribute][0], note, current)


def _check_cell(golden_row: pl.DataFrame, set_id: int, attribute: str) -> None:
    if golden_row.height == 0:
        raise StoreError(f"set {set_id} does not exist in the latest run")
    if attribute == "set_id" or attribute not in golden_row.columns:
        raise StoreError(f"attribute {attribute!r} is not a column of the golden table")


def _record_cell(db_path: str | Path, kind: str, set_id: int, attribute: str, value: str | None,
                 note: str | None, current: Decided | None = None) -> str:
    current = current or decided(db_path)
    _check_cell(current.table("integrated").filter(pl.col("set_id") == set_id), set_id, attribute)
    tids = current.membership.filter(pl.col("set_id") == set_id)["tid"].to_list()
    return _insert(db_path, kind, set_id, attribute, value, _members(db_path, tids), note)


def record_split(db_path: str | Path, tids: Iterable[int], note: str | None = None) -> str:
    """Move ``tids`` (all of one set, not all of it) out into a new set of their own."""
    tids = sorted({int(t) for t in tids})
    current = decided(db_path)
    sets = current.membership.filter(pl.col("tid").is_in(tids))
    if sets.height != len(tids):
        raise StoreError("some of these tuples do not exist in the latest run")
    set_ids = sets["set_id"].unique().to_list()
    if len(set_ids) != 1:
        raise StoreError(f"a split moves tuples of one set; these lie in sets {sorted(set_ids)}")
    size = current.membership.filter(pl.col("set_id") == set_ids[0]).height
    if not tids or len(tids) >= size:
        raise StoreError("a split needs some, but not all, tuples of the set")
    return _insert(db_path, "split", set_ids[0], None, None, _members(db_path, tids), note)


def record_merge(db_path: str | Path, set_ids: Iterable[int], note: str | None = None) -> str:
    """Merge the given sets (two or more) into one."""
    ids = sorted({int(s) for s in set_ids})
    if len(ids) < 2:
        raise StoreError("a merge needs two or more different sets")
    current = decided(db_path)
    tids = current.membership.filter(pl.col("set_id").is_in(ids))
    missing = set(ids) - set(tids["set_id"].to_list())
    if missing:
        raise StoreError(f"sets {sorted(missing)} do not exist in the latest run")
    return _insert(db_path, "merge", ids[0], None, None, _members(db_path, tids["tid"].to_list()), note)


def record_pair_label(db_path: str | Path, tid_a: int, tid_b: int,
                      label: Literal["match", "no_match", "unsure"], note: str | None = None) -> str:
    """Say whether tuples ``tid_a`` and ``tid_b`` (of the latest run) are one entity: ``match``
    (stored as ``must_link``), ``no_match`` (``cannot_link``) or ``unsure``; returns the decision
    id. The pair is kept as its two (source, source_row), so the label outlives the run's tids; a
    newer label for the same pair replaces the older one.

    >>> record_pair_label("demo.duckdb", 12, 40, "no_match")  # doctest: +SKIP
    """
    if label not in PAIR_LABEL_KINDS:
        raise StoreError(f"pair label {label!r} unknown; choose from {sorted(PAIR_LABEL_KINDS)}")
    a, b = int(tid_a), int(tid_b)
    if a == b:
        raise StoreError(f"a pair label needs two different tuples, got tid {a} twice")
    tuples = _duckdb.read_table(db_path, "tuples").select("tid", "source", "source_row")
    key = {int(t): (str(s), int(r)) for t, s, r in tuples.filter(pl.col("tid").is_in([a, b])).iter_rows()}
    missing = [t for t in (a, b) if t not in key]
    if missing:
        raise StoreError(f"tuple(s) {missing} do not exist in the latest run")
    members = [key[a], key[b]]
    pair = frozenset(members)
    older = [d["decision_id"] for d in _raw_decisions(db_path).iter_rows(named=True)
             if d["kind"] in _LABEL_OF_KIND and _pair_key(d["members"]) == pair]
    return _insert(db_path, PAIR_LABEL_KINDS[label], None, None, label, members, note, replaces=older)


def _pair_key(members_json: str | None) -> frozenset[tuple[str, int]]:
    return frozenset((str(s), int(r)) for s, r in json.loads(members_json or "[]"))


def _latest_labels(decisions: pl.DataFrame) -> pl.DataFrame:
    """The pair-label decisions, the latest per (unordered) pair only, in the order made."""
    rows = [d for d in decisions.sort("seq").iter_rows(named=True) if d["kind"] in _LABEL_OF_KIND]
    latest: dict[frozenset[tuple[str, int]], dict] = {}
    for d in rows:
        latest.pop(_pair_key(d["members"]), None)
        latest[_pair_key(d["members"])] = d
    keep = {d["decision_id"] for d in latest.values()}
    return decisions.filter(pl.col("decision_id").is_in(list(keep))).sort("seq")


def pair_labels(db_path: str | Path) -> pl.DataFrame:
    """Every pair label, the latest per pair, in the order made: decision_id, created, label
    (match / no_match / unsure), source_a, row_a, source_b, row_b, and tid_a, tid_b: the two
    tuples in the latest run (null where a tuple is no longer in the lake)."""
    empty = pl.DataFrame(schema=PAIR_LABEL_COLUMNS)
    raw = _raw_decisions(db_path)
    if raw.height == 0:
        return empty
    labels = _latest_labels(raw)
    if labels.height == 0:
        return empty
    tuples = _duckdb.read_table(db_path, "tuples")
    tid_of = {(str(s), int(r)): int(t) for t, s, r in
              tuples.select("tid", "source", "source_row").iter_rows()}
    rows = []
    for d in labels.iter_rows(named=True):
        (sa, ra), (sb, rb) = [(str(s), int(r)) for s, r in json.loads(d["members"])]
        rows.append({"decision_id": d["decision_id"], "created": d["created"], "label": _LABEL_OF_KIND[d["kind"]],
                     "source_a": sa, "row_a": ra, "source_b": sb, "row_b": rb,
                     "tid_a": tid_of.get((sa, ra)), "tid_b": tid_of.get((sb, rb))})
    return pl.DataFrame(rows, schema=PAIR_LABEL_COLUMNS)


def delete_decision(db_path: str | Path, decision_id: str) -> bool:
    """Forget one decision (undo); True when it existed."""
    if not _has_decisions(db_path):
        return False
    with _writer(db_path) as con:
        n = con.execute(f"SELECT count(*) FROM {quote(_TABLE)} WHERE decision_id = ?",
                        [decision_id]).fetchall()[0][0]
        con.execute(f"DELETE FROM {quote(_TABLE)} WHERE decision_id = ?", [decision_id])
    return bool(n)


def _members(db_path: str | Path, tids: Sequence[int]) -> list[tuple[str, int]]:
    tuples = _duckdb.read_table(db_path, "tuples").select("tid", "source", "source_row")
    rows = tuples.filter(pl.col("tid").is_in(list(tids))).sort("tid")
    return [(s, int(r)) for s, r in zip(rows["source"], rows["source_row"], strict=True)]


# --------------------------------------------------------------------------- applying

def decided(db_path: str | Path, resolver: SetResolver | None = None) -> Decided:
    """The run's membership, golden records, conflicts and provenance with decisions applied."""
    raw = {name: _duckdb.read_table(db_path, name) for name in sorted(DECIDED_TABLES)}
    decisions = _raw_decisions(db_path)
    if decisions.height == 0:
        return Decided(raw["membership"], raw["integrated"], raw["conflicts"], raw["provenance"])
    tuples = _duckdb.read_table(db_path, "tuples")
    return _apply(tuples, raw, decisions, resolver)


def _apply(tuples: pl.DataFrame, raw: dict[str, pl.DataFrame], decisions: pl.DataFrame,
           resolver: SetResolver | None = None) -> Decided:
    by_key = {(s, int(r)): int(t) for t, s, r in
              zip(tuples["tid"], tuples["source"], tuples["source_row"], strict=True)}
    set_of: dict[int, int] = dict(zip(raw["membership"]["tid"].to_list(),
                                      raw["membership"]["set_id"].to_list(), strict=True))
    members_of: dict[int, set[int]] = defaultdict(set)
    for t, s in set_of.items():
        members_of[s].add(t)
    next_id = max(members_of, default=-1) + 1
    changed: set[int] = set()
    cells: dict[tuple[int, str], tuple[str | None, str, str]] = {}  # -> value, kind, decision_id
    status: dict[str, str] = {}
    latest_labels = set(_latest_labels(decisions)["decision_id"].to_list())
    latest_of_pair: dict[frozenset[tuple[str, int]], str] = {}
    for d in decisions.iter_rows(named=True):
        if d["decision_id"] in latest_labels:
            latest_of_pair[_pair_key(d["members"])] = d["decision_id"]
    for d in decisions.iter_rows(named=True):
        did, kind = d["decision_id"], d["kind"]
        keys = [(str(s), int(r)) for s, r in json.loads(d["members"] or "[]")]
        if kind in _LABEL_OF_KIND and did not in latest_labels:
            status[did] = f"superseded by decision {latest_of_pair.get(_pair_key(d['members']))}"
            continue
        tids = {by_key.get(k) for k in keys}
        if not keys or None in tids:
            status[did] = "stale: its tuples are not all in the latest run"
            continue
        tids_i = {int(t) for t in tids if t is not None}
        touched = {set_of[t] for t in tids_i}
        if kind in _LABEL_OF_KIND:
            if len(keys) != 2 or len(tids_i) != 2:
                status[did] = "stale: a pair label needs two different tuples"
                continue
            second = by_key[keys[1]]
            if kind == "must_link" and len(touched) == 2:
                keep, gone = min(touched), max(touched)
                for t in members_of.pop(gone):
                    set_of[t] = keep
                    members_of[keep].add(t)
                _drop_cells(cells, gone, status, did)
                _drop_cells(cells, keep, status, did)
                changed.discard(gone)
                changed.add(keep)
            elif kind == "cannot_link" and len(touched) == 1:
                old_set = set_of[second]
                members_of[old_set].discard(second)
                members_of[next_id] = {second}
                set_of[second] = next_id
                changed.update({old_set, next_id})
                _drop_cells(cells, old_set, status, did)
                next_id += 1
            status[did] = "applied"
            continue
        if kind in ("override", "accept"):
            (sid,) = touched if len(touched) == 1 else (None,)
            if sid is None or members_of[sid] != tids_i:
                status[did] = "stale: the set has changed since the decision"
                continue
            earlier = cells.get((sid, d["attribute"]))
            if earlier is not None:
                status[earlier[2]] = f"superseded by decision {did}"
            cells[(sid, d["attribute"])] = (d["value"], kind, did)
        elif kind == "split":
            if len(touched) != 1 or members_of[next(iter(touched))] == tids_i:
                status[did] = "stale: the tuples no longer share a set they can be split from"
                continue
            sid = next(iter(touched))
            members_of[sid] -= tids_i
            members_of[next_id] = set(tids_i)
            for t in tids_i:
                set_of[t] = next_id
            changed.update({sid, next_id})
            _drop_cells(cells, sid, status, did)
            next_id += 1
        elif kind == "merge":
            union = set().union(*(members_of[s] for s in touched))
            if len(touched) < 2 or union != tids_i:
                status[did] = "stale: the sets have changed since the decision"
                continue
            keep = min(touched)
            for s in touched - {keep}:
                for t in members_of.pop(s):
                    set_of[t] = keep
                _drop_cells(cells, s, status, did)
                changed.discard(s)
            members_of[keep] = union
            changed.add(keep)
            _drop_cells(cells, keep, status, did)
        else:
            status[did] = f"stale: unknown kind {kind!r}"
            continue
        status[did] = "applied"
    return _rebuild(tuples, raw, set_of, changed, cells, status, resolver)


def _drop_cells(cells: dict[tuple[int, str], tuple[str | None, str, str]], set_id: int,
                status: dict[str, str], by: str) -> None:
    """A later split/merge changed the set: its earlier cell decisions no longer fit."""
    for key in [k for k in cells if k[0] == set_id]:
        status[cells.pop(key)[2]] = f"stale: the set was changed by hand later (decision {by})"


def _rebuild(tuples: pl.DataFrame, raw: dict[str, pl.DataFrame], set_of: dict[int, int],
             changed: set[int], cells: dict[tuple[int, str], tuple[str | None, str, str]],
             status: dict[str, str], resolver: SetResolver | None) -> Decided:
    membership = pl.DataFrame({"tid": list(set_of), "set_id": list(set_of.values())},
                              schema=raw["membership"].schema).sort("tid")
    live = set(set_of.values())
    integrated, conflicts, provenance = raw["integrated"], raw["conflicts"], raw["provenance"]
    gone = (set(integrated["set_id"].to_list()) - live) | changed
    keep = ~pl.col("set_id").is_in(list(gone))
    integrated, conflicts, provenance = (integrated.filter(keep), conflicts.filter(keep),
                                         provenance.filter(keep))
    if changed:
        if resolver is None:
            return Decided(membership, None, None, None, status)
        g, c, p = _re_resolve(resolver, tuples, membership, changed)
        integrated = pl.concat([integrated, g.select(integrated.columns).cast(integrated.schema)])
        conflicts = pl.concat([conflicts, c.cast(conflicts.schema)])
        provenance = pl.concat([provenance, p.cast(provenance.schema)])
    integrated, conflicts, provenance = _apply_cells(integrated, conflicts, provenance, cells,
                                                     membership, tuples)
    return Decided(membership, integrated.sort("set_id"),
                   conflicts.sort("set_id", "attribute"), provenance.sort("set_id", "attribute"),
                   status)


def _re_resolve(resolver: SetResolver, tuples: pl.DataFrame, membership: pl.DataFrame,
                changed: set[int]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Golden records, conflicts and provenance of the sets changed by hand, from the run's own
    resolver over the whole decided membership (resolvers learn across sets, e.g. dependencies
    and source accuracy, so it sees what it saw in the run); each reason says the set was edited."""
    attributes = tuple(c for c in tuples.columns if c not in TUPLE_META)
    res = resolver.resolve(TupleTable(tuples.sort("tid"), attributes), Membership(membership))
    keep = pl.col("set_id").is_in(list(changed))
    conflicts = res.conflicts.filter(keep).with_columns(
        (pl.lit("set changed by hand; ") + pl.col("reason")).alias("reason"))
    return res.golden.filter(keep), conflicts, res.provenance.filter(keep)


def _apply_cells(integrated: pl.DataFrame, conflicts: pl.DataFrame, provenance: pl.DataFrame,
                 cells: dict[tuple[int, str], tuple[str | None, str, str]],
                 membership: pl.DataFrame, tuples: pl.DataFrame,
                 ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Overrides win: the golden cell, the conflict's ``chosen`` and the provenance row."""
    if not cells:
        return integrated, conflicts, provenance
    golden = integrated.to_dicts()
    index = {row["set_id"]: row for row in golden}
    conf = conflicts.to_dicts()
    conf_index = {(r["set_id"], r["attribute"]): r for r in conf}
    prov = [r for r in provenance.to_dicts() if (r["set_id"], r["attribute"]) not in cells]
    for (sid, attr), (value, kind, did) in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        row = index.get(sid)
        if row is None or attr not in row:
            continue
        row[attr] = value
        label = "accepted" if kind == "accept" else "override"
        c = conf_index.get((sid, attr))
        if c is not None:
            c.update(chosen=value, method=label, confidence=1.0,
                     reason=f"{'accepted' if kind == 'accept' else 'set'} by hand (decision {did})")
        if value is not None:
            prov.append({"set_id": sid, "attribute": attr, "value": value,
                         "tids": _supporting(tuples, membership, sid, attr, value)})
    return (pl.DataFrame(golden, schema=integrated.schema),
            pl.DataFrame(conf, schema=conflicts.schema),
            pl.DataFrame(prov, schema=provenance.schema))


def _supporting(tuples: pl.DataFrame, membership: pl.DataFrame, set_id: int, attribute: str,
                value: str) -> list[int]:
    """Tuples of the set whose value equals the chosen one (none for a typed-in value)."""
    tids = membership.filter(pl.col("set_id") == set_id)["tid"]
    hits = tuples.filter(pl.col("tid").is_in(tids.to_list())
                         & (pl.col(attribute).str.strip_chars() == value.strip()))
    return sorted(int(t) for t in hits["tid"])


__all__ = ["DECIDED_TABLES", "DECISIONS", "DECISION_KINDS", "PAIR_LABEL_COLUMNS", "PAIR_LABEL_KINDS", "Decided",
           "decided", "delete_decision", "export_table", "list_decisions", "pair_labels", "read_table",
           "record_accept", "record_merge", "record_override", "record_pair_label", "record_split"]
