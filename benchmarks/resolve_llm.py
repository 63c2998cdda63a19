"""Conflict-resolution benchmark: every resolver side by side on injected and real conflicts.

Data sets (sets are the true entities, so resolution is measured apart from matching):

* ``join-hospital``, ``join-restaurants``: Join-style lakes from ``benchmarks/join.py`` (5
  overlapping projections of the seed, renamed headers) with a conflict-heavy preset; the seeds
  are the 45 hospitals of ``../shared/data/hospital`` (hospital-level attributes) and the 143
  restaurants of ``examples/truth``. Scored: the golden value of every injected conflict cell
  (canonical key of the golden value == that of the true value).
* ``hospital``: the real typos of ``hospital.csv``; sets by the clean ProviderNumber; scored:
  golden cells of the hospital-level attributes.

Every score is given on four scopes (all, conflicts, reachable, evidence; see ``scopes`` and
``cell_evidence``): the issue's >= 0.90 target is for conflicts whose answer the lake holds
evidence for, and many injected cells cannot be won by any resolver (one tuple, or the true
value is not among the candidates), so one number over all cells would hide both.

knn and evidence are swept over k with and without compression (MI >= 0.1 vs every attribute).
The local model is slow on 2 shared cores: ``--local`` runs its sweep with a call budget per run
(``--local-budget``; the first cells in set order are answered by the model, the rest fall back
to vote) and saves it to ``--local-json``; later runs score that file against the baselines on
the same cells without calling the model again.
Run: ``OMP_NUM_THREADS=1 nice -n 10 python benchmarks/resolve_llm.py [--local] [--quick]``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from join import JoinSpec, Preset, generate, seed_from_frame, seed_from_truth  # noqa: E402
from machine import describe, markdown  # noqa: E402

from tablefuse.config import ResolveConfig  # noqa: E402
from tablefuse.equivalence import canonical  # noqa: E402
from tablefuse.frames import Membership, TupleTable  # noqa: E402
from tablefuse.resolve import KnnResolver, long_cells, make_resolver  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
HOSPITAL = REPO.parent / "shared" / "data" / "hospital"
RESULTS = REPO / "benchmarks" / "results"
HOSPITAL_ATTRIBUTES = ("ProviderNumber", "HospitalName", "Address1", "City", "State", "ZipCode",
                       "CountyName", "PhoneNumber", "HospitalType", "HospitalOwner", "EmergencyService")
CONFLICT_HEAVY = Preset("conflict-heavy", typo_rate=0.02, synonym_rate=0.02, conflict_rate=0.08)


@dataclass(frozen=True)
class Lake:
    """A benchmark lake: tuples, the true sets, the scored cells and every true value."""

    tuples: TupleTable
    membership: Membership
    truth: pl.DataFrame  # scored cells: set_id, attribute, true_value
    values: pl.DataFrame  # every true cell (set_id, attribute, true_value): defines evidence


def _hospital_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    dirty = pl.read_csv(HOSPITAL / "hospital.csv", infer_schema=False).with_row_index("tid")
    clean = pl.read_csv(HOSPITAL / "hospital_clean.csv", infer_schema=False)
    return dirty.with_columns(pl.col("tid").cast(pl.Int64)), clean


def hospital_seed() -> pl.DataFrame:
    """One clean row per hospital (its most common clean values)."""
    _, clean = _hospital_frames()
    wide = clean.pivot(on="attribute", index="tid", values="correct_val")
    return seed_from_frame(wide.select(HOSPITAL_ATTRIBUTES).unique("ProviderNumber", keep="first")
                           .sort("ProviderNumber"))


def join_lake(seed: pl.DataFrame, out: Path, name: str) -> Lake:
    """The lake with its oracle sets; scored cells are the injected conflicts."""
    bench = generate(seed, out / name, name=name, preset=CONFLICT_HEAVY,
                     spec=JoinSpec(n_tables=5), seed_value=0)
    cols = pl.read_csv(bench.truth_dir / "columns.csv", infer_schema=False)
    ents = pl.read_csv(bench.truth_dir / "entities.csv", infer_schema=False)
    attrs = tuple(dict.fromkeys(cols["attribute"].to_list()))
    parts = []
    for source in sorted(cols["source"].unique().to_list()):
        frame = pl.read_csv(bench.lake_dir / source, infer_schema=False)
        mapping = dict(zip(*cols.filter(pl.col("source") == source).select("source_column", "attribute")
                           .to_dict(as_series=False).values()))
        frame = frame.rename({c: mapping[c] for c in frame.columns if c in mapping})
        parts.append(frame.with_row_index("source_row").with_columns(
            pl.lit(source).alias("source"), pl.col("source_row").cast(pl.Int64),
            *[pl.lit(None, pl.Utf8).alias(a) for a in attrs if a not in frame.columns])
            .select("source", "source_row", *attrs))
    rows = pl.concat(parts).with_row_index("tid").with_columns(pl.col("tid").cast(pl.Int64))
    ents = ents.with_columns(pl.col("source_row").cast(pl.Int64))
    rows = rows.join(ents, on=["source", "source_row"], how="left", maintain_order="left")
    set_id = rows["entity"].rank("dense").cast(pl.Int64)
    tuples = TupleTable(rows.select("tid", "source", "source_row",
                                    pl.lit(None, pl.Utf8).alias("source_key"), *attrs), attrs)
    membership = Membership(pl.DataFrame({"tid": rows["tid"], "set_id": set_id}))
    ent_set = dict(zip(rows["entity"].to_list(), set_id.to_list()))
    conf = pl.read_csv(bench.truth_dir / "conflicts.csv", infer_schema=False)
    truth = (conf.select(pl.col("entity").replace_strict(ent_set, return_dtype=pl.Int64).alias("set_id"),
                         "attribute", "true_value").unique(["set_id", "attribute"]))
    vals = pl.read_csv(bench.truth_dir / "values.csv", infer_schema=False)
    values = (vals.filter(pl.col("entity").is_in(list(ent_set)))
              .select(pl.col("entity").replace_strict(ent_set, return_dtype=pl.Int64).alias("set_id"),
                      "attribute", pl.col("value").alias("true_value")))
    return Lake(tuples, membership, truth, values)


def hospital_lake() -> Lake:
    """Real typos; truth = the clean value of every hospital-level cell (set/attribute/true_value)."""
    dirty, clean = _hospital_frames()
    entity = clean.filter(pl.col("attribute") == "ProviderNumber").select(
        pl.col("tid").cast(pl.Int64), pl.col("correct_val").alias("entity"))
    frame = dirty.join(entity, on="tid").sort("tid")
    set_id = frame["entity"].rank("dense").cast(pl.Int64)
    tuples = TupleTable(frame.select("tid", pl.lit("hospital.csv").alias("source"),
                                     pl.col("tid").alias("source_row"),
                                     pl.lit(None, pl.Utf8).alias("source_key"),
                                     *[pl.col(a).replace("", None) for a in HOSPITAL_ATTRIBUTES]),
                        HOSPITAL_ATTRIBUTES)
    membership = Membership(pl.DataFrame({"tid": frame["tid"], "set_id": set_id}))
    ent_set = dict(zip(frame["entity"].to_list(), set_id.to_list()))
    truth = (clean.filter(pl.col("attribute").is_in(HOSPITAL_ATTRIBUTES))
             .with_columns(pl.col("tid").cast(pl.Int64)).join(entity, on="tid")
             .filter(pl.col("correct_val").str.strip_chars() != "")
             .group_by("entity", "attribute").agg(pl.col("correct_val").mode().sort().first())
             .select(pl.col("entity").replace_strict(ent_set, return_dtype=pl.Int64).alias("set_id"),
                     "attribute", pl.col("correct_val").alias("true_value")))
    return Lake(tuples, membership, truth, truth)


def score(res: Any, truth: pl.DataFrame) -> dict[tuple[int, str], bool]:
    """(set_id, attribute) -> golden value right (by canonical key), for every truth cell."""
    gold = res.golden.unpivot(index="set_id", variable_name="attribute", value_name="value")
    j = truth.join(gold, on=["set_id", "attribute"], how="left")
    return {(s, a): v is not None and canonical(v) == canonical(t)
            for s, a, t, v in j.select("set_id", "attribute", "true_value", "value").iter_rows()}


# --- what the lake can tell: the evidence definition -------------------------------------------

def clean_fds(values: pl.DataFrame) -> tuple[set[tuple[str, str]], set[str]]:
    """FDs X -> A that hold exactly in the true table (over entities having both, X shared by two
    or more entities somewhere), and the attributes that are keys of the true table."""
    keyed = values.with_columns(pl.col("true_value").map_elements(canonical, return_dtype=pl.Utf8)
                                .alias("k"))
    attrs = sorted(keyed["attribute"].unique().to_list())
    by_attr = {a: dict(keyed.filter(pl.col("attribute") == a).select("set_id", "k").iter_rows())
               for a in attrs}
    keys = {a for a, m in by_attr.items() if len(set(m.values())) == len(m)}
    fds: set[tuple[str, str]] = set()
    for x in attrs:
        for a in attrs:
            if x == a:
                continue
            groups: dict[str, set[str]] = {}
            sizes: dict[str, int] = {}
            for s, xv in by_attr[x].items():
                if s in by_attr[a]:
                    groups.setdefault(xv, set()).add(by_attr[a][s])
                    sizes[xv] = sizes.get(xv, 0) + 1
            if groups and all(len(g) == 1 for g in groups.values()) and max(sizes.values()) >= 2:
                fds.add((x, a))
    return fds, keys


def cell_evidence(lake: Lake) -> dict[tuple[int, str], str]:
    """Per scored cell: ``not a conflict`` (the lake holds one value or none), ``unreachable``
    (the true value is not a candidate), ``determinant X`` (evidence: X -> A holds in the true
    table, the set holds its true X value, and another set holds that X value unconflicted and the
    true A value unconflicted), ``ownership`` (evidence: A is a key of the true table and every
    wrong candidate is held unconflicted by another set, i.e. belongs to another entity) or
    ``none`` (a conflict the rest of the lake says nothing about: only the set's own tuples)."""
    cells = long_cells(lake.tuples, lake.membership)
    per = cells.group_by("set_id", "attribute").agg(pl.col("key").unique().sort())
    held = {(s, a): set(k) for s, a, k in per.iter_rows()}
    clean: dict[tuple[str, str], set[int]] = {}
    for (s, a), ks in held.items():
        if len(ks) == 1:
            clean.setdefault((a, next(iter(ks))), set()).add(s)
    tv = {(s, a): canonical(v) for s, a, v in lake.values.iter_rows()}
    fds, keys = clean_fds(lake.values)
    out: dict[tuple[int, str], str] = {}
    for s, a, v in lake.truth.iter_rows():
        t = canonical(v)
        cands = held.get((s, a), set())
        if len(cands) <= 1:
            out[(s, a)] = "not a conflict"
            continue
        if t not in cands:
            out[(s, a)] = "unreachable"
            continue
        kind = "none"
        for x, y in sorted(fds):
            if y != a or (s, x) not in tv or tv[(s, x)] not in held.get((s, x), set()):
                continue
            same_x = clean.get((x, tv[(s, x)]), set()) - {s}
            if same_x & clean.get((a, t), set()):
                kind = f"determinant {x}"
                break
        if kind == "none" and a in keys and all(clean.get((a, w), set()) - {s} for w in cands - {t}):
            kind = "ownership"
        out[(s, a)] = kind
    return out


# --- running resolvers -------------------------------------------------------------------------

_MODEL: dict[str, Any] = {}  # one loaded local model shared by every local run of this script


def build(cfg: ResolveConfig) -> Any:
    """``make_resolver``, except that local runs share one loaded model (loading is slow) and knn
    accepts k = 0 (no neighbours: a vote)."""
    if cfg.method == "knn":
        return KnnResolver(cfg.k, cfg.min_mi)
    if cfg.method != "local":
        return make_resolver(cfg)
    from tablefuse.resolve.llm import LocalResolver
    from tablefuse.resolve.llm.local import LocalChatModel, local_model_dir

    if "m" not in _MODEL:
        _MODEL["m"] = LocalChatModel(local_model_dir(cfg.local_model_dir), threads=1)
    return LocalResolver(_MODEL["m"], mode=cfg.local_mode, k=cfg.llm_k,
                         mi_threshold=cfg.llm_mi_threshold, compress=cfg.llm_compress,
                         call_budget=cfg.llm_call_budget, cache_path=cfg.llm_cache_path,
                         fallback=cfg.llm_fallback, fallback_config=cfg)


def run_one(cfg: ResolveConfig, lake: Lake) -> dict[str, Any]:
    resolver = build(cfg)
    t0 = time.perf_counter()
    res = resolver.resolve(lake.tuples, lake.membership)
    seconds = time.perf_counter() - t0
    stats = getattr(resolver, "stats_", {})
    model_cells = None
    if stats:
        ok = res.conflicts.filter(~pl.col("reason").str.contains("fallback \\("))
        model_cells = sorted(zip(ok["set_id"].to_list(), ok["attribute"].to_list()))
    conflicted = set(zip(res.conflicts["set_id"].to_list(), res.conflicts["attribute"].to_list()))
    return {"right": score(res, lake.truth), "model_cells": model_cells, "conflicted": conflicted,
            "seconds": round(seconds, 2), "calls": stats.get("calls"),
            "cache_hits": stats.get("cache_hits"), "invalid": stats.get("invalid")}


def _acc(right: dict[tuple[int, str], bool], cells: Any = None) -> tuple[float | None, int]:
    keys = [k for k in right if cells is None or k in cells]
    return (round(sum(right[k] for k in keys) / len(keys), 4) if keys else None), len(keys)


SCOPES = ("all", "conflicts", "reachable", "evidence")
KINDS = ("not a conflict", "unreachable", "none", "determinant", "ownership")


def scopes(evidence: dict[tuple[int, str], str]) -> dict[str, set[tuple[int, str]] | None]:
    """all truth cells; conflicts (two or more candidates); reachable (the true value is one of
    them); evidence (reachable and the rest of the lake holds evidence, see ``cell_evidence``)."""
    conflicts = {k for k, v in evidence.items() if v != "not a conflict"}
    reachable = {k for k in conflicts if evidence[k] != "unreachable"}
    return {"all": None, "conflicts": conflicts, "reachable": reachable,
            "evidence": {k for k in reachable if evidence[k] != "none"}}


def summarise(r: dict[str, Any], sc: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"seconds": r["seconds"]}
    for name in SCOPES:
        row[name], row[f"{name}_n"] = _acc(r["right"], sc[name])
    for key in ("calls", "cache_hits", "invalid"):
        if r.get(key) is not None:
            row[key] = r[key]
    return row


def base_config(args: argparse.Namespace) -> ResolveConfig:
    return ResolveConfig(llm_call_budget=args.local_budget, llm_cache_path=args.local_cache)


def baselines(args: argparse.Namespace) -> list[tuple[str, ResolveConfig]]:
    base = base_config(args)
    out = [(m, replace(base, method=m)) for m in ("vote", "truth", "knn", "evidence", "auto")]
    out += [("evidence without FD / ownership (kNN + source accuracy)",
             replace(base, method="evidence", evidence_weight=0.0)),
            ("evidence without kNN (k=0)", replace(base, method="evidence", k=0))]
    if os.environ.get("TABLEFUSE_LLM_BASE_URL"):
        out.append(("llm k=10", replace(base, method="llm", llm_k=10)))
    return out


def sweep(args: argparse.Namespace) -> list[tuple[str, ResolveConfig]]:
    """knn and evidence at every k, with (MI >= 0.1) and without compression (every attribute)."""
    base = base_config(args)
    out = []
    for method in ("knn", "evidence"):
        for compress in (True, False):
            for k in args.ks:
                out.append((f"{method} k={k}{'' if compress else ' no compression'}",
                            replace(base, method=method, k=max(k, 0),
                                    min_mi=0.1 if compress else 0.0)))
    return out


def local_variants(args: argparse.Namespace) -> list[tuple[str, ResolveConfig]]:
    base = replace(base_config(args), method="local")
    return [(f"local k={k}{'' if c else ' no compression'}", replace(base, llm_k=k, llm_compress=c))
            for c in (True, False) for k in args.local_ks]


def lakes(args: argparse.Namespace) -> dict[str, Lake]:
    data: dict[str, Lake] = {}
    tmp = Path(tempfile.mkdtemp(prefix="tf-resolve-llm-"))
    if HOSPITAL.is_dir():
        data["join-hospital"] = join_lake(hospital_seed(), tmp, "hospital")
    else:
        sys.stderr.write(f"{HOSPITAL} is absent: join-hospital and hospital are skipped\n")
    data["join-restaurants"] = join_lake(seed_from_truth(REPO / "examples" / "truth"), tmp, "rest")
    if HOSPITAL.is_dir() and not args.quick:
        data["hospital"] = hospital_lake()
    return {k: v for k, v in data.items() if not args.datasets or k in args.datasets}


def run_local(args: argparse.Namespace, data: dict[str, Lake]) -> dict[str, Any]:
    """The local-model sweep (slow): per data set and variant, the cells the model judged, right
    or wrong, and its calls and seconds. Saved to ``--local-json`` for the main run to score."""
    out: dict[str, Any] = {}
    for name, lake in data.items():
        if name == "hospital":  # 45 large sets: the model adds nothing a vote does not
            continue
        out[name] = {}
        for label, cfg in local_variants(args):
            r = run_one(cfg, lake)
            sys.stderr.write(f"{name} {label}: {r['calls']} calls, {r['seconds']} s\n")
            judged = set(r["model_cells"] or [])
            out[name][label] = {"right": [[s, a, ok] for (s, a), ok in r["right"].items()
                                          if (s, a) in judged],  # scored cells the model decided
                                "model_cells": r["model_cells"], "seconds": r["seconds"],
                                "calls": r["calls"], "cache_hits": r["cache_hits"],
                                "invalid": r["invalid"]}
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    data = lakes(args)
    local: dict[str, Any] = {}
    if args.local:
        local = run_local(args, data)
        Path(args.local_json).write_text(json.dumps({"machine": describe(), "uptime": _uptime(),
                                                     "args": _args(args), "results": local},
                                                    indent=1, default=str))
        if args.local_only:
            return {}
    elif Path(args.local_json).is_file():
        saved = json.loads(Path(args.local_json).read_text())
        local = saved["results"]
        args.local_budget = saved["args"]["local_budget"]
        args.local_note = (f"Local-model rows read from `{Path(args.local_json).name}`, made by "
                           f"`--local --local-only` with ks {saved['args']['local_ks']} and a budget "
                           f"of {saved['args']['local_budget']} calls per run; load when it finished: "
                           f"`{saved.get('uptime', 'unknown')}`.")
    out: dict[str, Any] = {}
    for name, lake in data.items():
        evidence = cell_evidence(lake)
        sc = scopes(evidence)
        runs = {label: run_one(cfg, lake) for label, cfg in baselines(args) + sweep(args)}
        rows = {label: summarise(r, sc) for label, r in runs.items()}
        model_rows = {}
        for label, x in local.get(name, {}).items():
            right = {(s, a): ok for s, a, ok in x["right"]}
            judged = {tuple(c) for c in x["model_cells"]} & set(right)
            row = {"calls": x["calls"], "seconds": x["seconds"], "invalid": x["invalid"]}
            for scope in ("judged", "judged_evidence"):
                cells = judged if scope == "judged" else judged & (sc["evidence"] or set())
                row[scope], row[f"{scope}_n"] = _acc(right, cells)
                for base in ("vote", "knn", "evidence"):
                    row[f"{base}_{scope}"] = _acc(runs[base]["right"], cells)[0]
            model_rows[label] = row
        kinds: dict[str, int] = {}
        for v in evidence.values():
            kinds[v.split(" ")[0] if v.startswith("determinant") else v] = \
                kinds.get(v.split(" ")[0] if v.startswith("determinant") else v, 0) + 1
        kind_of = {k: (v.split(" ")[0] if v.startswith("determinant") else v) for k, v in evidence.items()}
        wrong = {base: {kind: sum(1 for c, ok in runs[base]["right"].items() if not ok and kind_of[c] == kind)
                        for kind in KINDS} for base in ("vote", "truth", "knn", "evidence")}
        out[name] = {"tuples": lake.tuples.height, "wrong_by_kind": wrong,
                     "sets": int(lake.membership.frame["set_id"].n_unique()),
                     "truth_cells": lake.truth.height, "evidence_kinds": kinds,
                     "rows": rows, "local": model_rows}
    return out


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "unknown"


def _args(args: argparse.Namespace) -> dict[str, Any]:
    """The run's arguments, paths inside the repo relative to it (results name no machine's paths)."""
    def rel(v: Any) -> Any:
        if isinstance(v, str) and v.startswith(str(REPO) + "/"):
            return str(Path(v).relative_to(REPO))
        return v
    return {k: rel(v) for k, v in vars(args).items()}


def _f(x: Any) -> str:
    return "" if x is None else f"{x:.4f}" if isinstance(x, float) else str(x)


def to_markdown(results: dict[str, Any], machine: dict[str, Any], args: argparse.Namespace,
                load: str) -> str:
    lines = ["# Conflict resolution on injected conflicts: every resolver, k and compression", "",
             markdown(machine), f"Load at start: `{load}` (shared CPU: seconds are upper bounds).", "",
             f"Run: `OMP_NUM_THREADS=1 nice -n 10 python benchmarks/resolve_llm.py "
             f"{' '.join(sys.argv[1:])}`.", "",
             "Scopes (see `cell_evidence` in the script): **all** = every injected-conflict cell "
             "(join lakes) or hospital-level cell (hospital); **conflicts** = the lake holds two or "
             "more candidate values for it; **reachable** = the true value is one of them; "
             "**evidence** = reachable and the rest of the lake holds evidence: a *determinant* "
             "(an FD X -> A of the true table; another set holds the set's X value and the true A "
             "value, both unconflicted) or *ownership* (A is a key of the true table and every "
             "wrong candidate is held, unconflicted, by another set). The ≥ 0.90 target is on "
             "**evidence**.", ""]
    note = getattr(args, "local_note", None)
    lines += [note, ""] if note else []
    for name, r in results.items():
        k = r["evidence_kinds"]
        lines += [f"## {name}: {r['tuples']} tuples, {r['sets']} sets, {r['truth_cells']} scored cells", "",
                  "Cells by kind: " + ", ".join(f"{a} {b}" for a, b in sorted(k.items())), "",
                  "| resolver | all (cells) | conflicts | reachable | evidence | seconds |",
                  "|---|---:|---:|---:|---:|---:|"]
        for label, x in r["rows"].items():
            lines.append(f"| {label} | " + " | ".join(f"{_f(x[s])} ({x[f'{s}_n']})" for s in SCOPES)
                         + f" | {x['seconds']} |")
        lines += ["", "Wrong cells by kind (why a resolver misses; only *determinant* and "
                  "*ownership* cells are winnable from the lake, *none* only by the set's own tuples):",
                  "", "| resolver | " + " | ".join(KINDS) + " |", "|---|" + "---:|" * len(KINDS)]
        for base, w in r["wrong_by_kind"].items():
            lines.append(f"| {base} | " + " | ".join(str(w[kind]) for kind in KINDS) + " |")
        if r["local"]:
            lines += ["", f"Local model (SmolLM2-135M, candidate scoring, 1 thread), at most "
                          f"{args.local_budget} calls per run: accuracy on the cells the model "
                          "judged (the rest fell back to vote), and vote / knn / evidence on the "
                          "same cells.", "",
                      "| local | judged | vote same | knn same | evidence same | judged with "
                      "evidence | vote same | knn same | evidence same | calls | invalid | seconds |",
                      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
            for label, x in r["local"].items():
                lines.append(
                    f"| {label} | {_f(x['judged'])} ({x['judged_n']}) | {_f(x['vote_judged'])} | "
                    f"{_f(x['knn_judged'])} | {_f(x['evidence_judged'])} | "
                    f"{_f(x['judged_evidence'])} ({x['judged_evidence_n']}) | "
                    f"{_f(x['vote_judged_evidence'])} | {_f(x['knn_judged_evidence'])} | "
                    f"{_f(x['evidence_judged_evidence'])} | {x['calls']} | {x['invalid']} | "
                    f"{x['seconds']} |")
        lines.append("")
    return "\n".join(lines + findings(results))


def findings(results: dict[str, Any]) -> list[str]:
    """The findings section: numbers from this run, explanations from reading the wrong cells."""
    joins = {n: r for n, r in results.items() if n.startswith("join-")}
    if not joins:
        return []

    def acc(name: str, label: str, scope: str) -> str:
        x = joins[name]["rows"].get(label, {})
        return _f(x.get(scope))

    names = sorted(joins)
    ev = " / ".join(f"{acc(n, 'evidence', 'evidence')} ({n})" for n in names)
    knn_ev = " / ".join(acc(n, "knn", "evidence") for n in names)
    vote_ev = " / ".join(acc(n, "vote", "evidence") for n in names)
    reach = " / ".join(acc(n, "evidence", "reachable") for n in names)
    knn_reach = " / ".join(acc(n, "knn", "reachable") for n in names)
    every = " / ".join(acc(n, "evidence", "all") for n in names)
    wk = {n: joins[n]["wrong_by_kind"]["knn"] for n in names}
    lost = sum(w["not a conflict"] + w["unreachable"] for w in wk.values())
    blind = sum(w["none"] for w in wk.values())
    winnable = sum(w["determinant"] + w["ownership"] for w in wk.values())
    return [
        "## Findings", "",
        f"* **Target met on conflicts with evidence**: `evidence` (the default without an LLM) scores "
        f"{ev} there, against knn {knn_ev} and vote {vote_ev}. On every reachable conflict it scores "
        f"{reach} (knn {knn_reach}); on every injected cell {every}.",
        f"* **Why knn missed** (its {lost + blind + winnable} wrong cells on the join lakes): {lost} "
        "cannot be won by any resolver (the entity's only tuple for the attribute got the injected "
        "value, or the true value is not among the candidates); "
        f"{blind} have no evidence outside the set (1-1 ties between the true value and another "
        "entity's value on attributes nothing determines: year_opened, cuisine, hospital owner; a "
        f"coin flip for every resolver); {winnable} were winnable. knn loses those because a set "
        "holding a candidate only ever votes *for* it: when the wrong value is another entity's "
        "phone or name, that entity's set is discounted (sharing rate near 0) but never counted "
        "against the value, and neighbours matched on weak attributes (city and state for a cuisine) "
        "outvote a tie.",
        "* **What fixes it**: FDs mined from the lake's unconflicted sets (`city -> state`, "
        "`zip -> city`; confidence >= 0.9, support >= 3, must beat guessing the most common value) "
        "and *ownership* (a candidate of a key-like attribute held by another set that differs on "
        "the entity-specific attributes is a copied value) settle those cells; the ablation rows "
        "show FD + ownership carry the gain, the kNN vote adds one to three points on cells "
        "without evidence. Every decision records its candidates, method, confidence and a reason naming "
        "the evidence (`city='Austin' -> state='TX' in 4 of 4 other sets (FD city -> state holds "
        "for 100% of 8 sets)`, `'555-0103' held by set 3, another entity (differs on name; ...)`), "
        "or says that there was none and the majority vote decided.",
        "* **Caveat**: `benchmarks/join.py` injects a conflict by copying *another entity's* value of "
        "the same column, which is what ownership detects. In real lakes many wrong values are "
        "typos or stale values no other entity owns; there FDs and source accuracy do the work "
        "(hospital, `benchmarks/results/resolve.md`: in the stale-source scenario, where one "
        "source gives another hospital's values, evidence matches truth discovery and beats the "
        "vote). The weights "
        "(evidence_weight 2, fd_confidence 0.9, fd_min_support 3, key_uniqueness 0.9) were set "
        "before measuring and not tuned; weight 1 or 4 and fd_confidence 0.8 or 0.95 leave the "
        "evidence-scope scores unchanged. Three design fixes came after the first measurement, "
        "from failing hand-made unit cases and the hospital stale-source run: source weights "
        "relative to the mean source, agreement weighted by attribute uniqueness, no FD from or "
        "to a constant attribute.",
        "* **k and compression**: knn and evidence are flat for k >= 3 (few other sets hold a "
        "candidate and resemble the set); compression (attributes with NMI >= 0.1 vs all) changes "
        "nothing for them, because NMI weights already mute uninformative attributes. For the "
        "local 135M model the samples are tiny (10-11 judged cells per run, 3-5 with evidence): "
        "demonstrations hurt on join-hospital and help a little on join-restaurants, compression "
        "is not consistently better, and the model never beats vote / knn / evidence on the cells "
        "it judged. It is not a useful resolver at this size; an endpoint with a larger model "
        "(`resolve.method = llm`) is where the paper's in-context approach should be measured.",
        "* The paper's reference (best truth-discovery baseline 0.641, its method about 19 % "
        "higher) is on other data and not directly comparable.", ""]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ks", default="0,1,3,5,8,10,12", help="k for the knn / evidence sweep")
    p.add_argument("--local", action="store_true",
                   help="run the local-model sweep now (slow) and save it to --local-json")
    p.add_argument("--local-only", action="store_true", help="with --local: only the local sweep")
    p.add_argument("--local-ks", default="0,1,3,5,8,10,12", help="demonstration counts, local model")
    p.add_argument("--local-budget", type=int, default=12, help="local model calls per run")
    p.add_argument("--local-cache", default=None,
                   help="DuckDB response cache (default: none, so every call is made and timed)")
    p.add_argument("--local-json", default=str(RESULTS / "resolve_llm_local.json"))
    p.add_argument("--datasets", nargs="*", default=None)
    p.add_argument("--quick", action="store_true", help="join lakes only")
    p.add_argument("--out", default=str(RESULTS / "resolve_llm"))
    args = p.parse_args(argv)
    args.ks = [int(k) for k in args.ks.split(",")]
    args.local_ks = [int(k) for k in args.local_ks.split(",")]
    machine = describe()
    load = _uptime()
    t0 = time.perf_counter()
    results = run(args)
    if not results:
        return 0
    payload = {"machine": machine, "uptime": load, "args": _args(args),
               "seconds": round(time.perf_counter() - t0, 1), "results": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out + ".json").write_text(json.dumps(payload, indent=2, default=str))
    text = to_markdown(results, machine, args, load)
    Path(args.out + ".md").write_text(text)
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
