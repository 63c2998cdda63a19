"""LLM resolve benchmark: vote / truth / knn / local (and llm, when an endpoint is configured).

Data sets (sets are the true entities, so resolution is measured apart from matching):

* ``join-hospital``, ``join-restaurants``: Join-style lakes from ``benchmarks/join.py`` (5
  overlapping projections of the seed, renamed headers) with a conflict-heavy preset; the seeds
  are the 45 hospitals of ``../shared/data/hospital`` (hospital-level attributes) and the 143
  restaurants of ``examples/truth``. Scored: the golden value of every injected conflict cell
  (canonical key of the golden value == that of the true value).
* ``hospital``: the real typos of ``hospital.csv``; sets by the clean ProviderNumber; scored:
  golden cells of the hospital-level attributes and the conflicting cells among them.

The local model is slow on 2 shared cores, so LLM runs get a call budget (``--max-cells``): the
first cells in set order are answered by the model, the rest fall back to vote; accuracy is
then reported on the model-answered cells, with every baseline scored on the same cells.
Run: ``nice -n 10 python benchmarks/resolve_llm.py`` (``--quick`` for a smoke run).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from join import JoinSpec, Preset, generate, seed_from_frame, seed_from_truth  # noqa: E402
from machine import describe, markdown  # noqa: E402

from tablefuse.config import ResolveConfig  # noqa: E402
from tablefuse.equivalence import canonical  # noqa: E402
from tablefuse.frames import Membership, TupleTable  # noqa: E402
from tablefuse.resolve import make_resolver  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
HOSPITAL = REPO.parent / "shared" / "data" / "hospital"
RESULTS = REPO / "benchmarks" / "results"
HOSPITAL_ATTRIBUTES = ("ProviderNumber", "HospitalName", "Address1", "City", "State", "ZipCode",
                       "CountyName", "PhoneNumber", "HospitalType", "HospitalOwner", "EmergencyService")
CONFLICT_HEAVY = Preset("conflict-heavy", typo_rate=0.02, synonym_rate=0.02, conflict_rate=0.08)


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


def join_lake(seed: pl.DataFrame, out: Path, name: str) -> tuple[TupleTable, Membership, pl.DataFrame]:
    """(tuples, oracle membership, injected conflicts: set_id/attribute/true_value)."""
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
    return tuples, membership, truth


def hospital_lake() -> tuple[TupleTable, Membership, pl.DataFrame]:
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
    return tuples, membership, truth


def score(res: Any, truth: pl.DataFrame) -> dict[tuple[int, str], bool]:
    """(set_id, attribute) -> golden value right (by canonical key), for every truth cell."""
    gold = res.golden.unpivot(index="set_id", variable_name="attribute", value_name="value")
    j = truth.join(gold, on=["set_id", "attribute"], how="left")
    return {(s, a): v is not None and canonical(v) == canonical(t)
            for s, a, t, v in j.select("set_id", "attribute", "true_value", "value").iter_rows()}


_MODEL: dict[str, Any] = {}  # one loaded local model shared by every local run of this script


def build(cfg: ResolveConfig) -> Any:
    """``make_resolver``, except that local runs share one loaded model (loading is slow)."""
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


def run_one(cfg: ResolveConfig, tuples: TupleTable, membership: Membership,
            truth: pl.DataFrame) -> dict[str, Any]:
    resolver = build(cfg)
    t0 = time.perf_counter()
    res = resolver.resolve(tuples, membership)
    seconds = time.perf_counter() - t0
    stats = getattr(resolver, "stats_", {})
    model_cells = None
    if stats:
        ok = res.conflicts.filter(~pl.col("reason").str.contains("fallback \\(call budget"))
        model_cells = set(zip(ok["set_id"].to_list(), ok["attribute"].to_list()))
    conflicted = set(zip(res.conflicts["set_id"].to_list(), res.conflicts["attribute"].to_list()))
    return {"right": score(res, truth), "model_cells": model_cells, "conflicted": conflicted,
            "seconds": round(seconds, 2), "calls": stats.get("calls"),
            "fallbacks": stats.get("fallbacks"), "invalid": stats.get("invalid")}


def _acc(right: dict[tuple[int, str], bool], cells: set[tuple[int, str]] | None) -> tuple[float, int]:
    keys = [k for k in right if cells is None or k in cells]
    return (sum(right[k] for k in keys) / len(keys) if keys else float("nan")), len(keys)


def variants(args: argparse.Namespace) -> list[tuple[str, ResolveConfig]]:
    base = ResolveConfig(llm_call_budget=args.max_cells, llm_cache_path=args.cache)
    out = [(m, replace(base, method=m)) for m in ("vote", "truth", "knn")]
    for k in args.ks:
        out.append((f"local score k={k}", replace(base, method="local", llm_k=k)))
    out.append((f"local score k={args.ks[-1]} no compression",
                replace(base, method="local", llm_k=args.ks[-1], llm_compress=False)))
    if args.generate:
        out.append((f"local generate k={args.ks[-1]}",
                    replace(base, method="local", local_mode="generate", llm_k=args.ks[-1])))
    if os.environ.get("TABLEFUSE_LLM_BASE_URL"):
        out.append((f"llm k={args.ks[-1]}", replace(base, method="llm", llm_k=args.ks[-1])))
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    data: dict[str, tuple[TupleTable, Membership, pl.DataFrame]] = {}
    tmp = Path(tempfile.mkdtemp(prefix="tf-resolve-llm-"))
    if HOSPITAL.is_dir():
        data["join-hospital"] = join_lake(hospital_seed(), tmp, "hospital")
    data["join-restaurants"] = join_lake(seed_from_truth(REPO / "examples" / "truth"), tmp, "rest")
    if HOSPITAL.is_dir() and not args.quick:
        data["hospital"] = hospital_lake()
    out: dict[str, Any] = {}
    for name in args.datasets or list(data):
        tuples, membership, truth = data[name]
        runs = {label: run_one(cfg, tuples, membership, truth) for label, cfg in variants(args)}
        conflicted = runs["vote"]["conflicted"]
        rows = {}
        for label, r in runs.items():
            cells = r["model_cells"]
            scope = None if cells is None else cells
            acc_all, n_all = _acc(r["right"], None)
            conflict_cells = {k for k in r["right"] if k in conflicted}
            acc_conf, n_conf = _acc(r["right"], conflict_cells)
            rows[label] = {"accuracy": round(acc_all, 4), "cells": n_all,
                           "conflict_accuracy": round(acc_conf, 4), "conflict_cells": n_conf,
                           "seconds": r["seconds"], "calls": r["calls"], "fallbacks": r["fallbacks"],
                           "invalid": r["invalid"]}
            if scope is not None:
                judged = {k for k in r["right"] if k in scope}
                rows[label]["model_accuracy"] = round(_acc(r["right"], judged)[0], 4)
                rows[label]["model_cells"] = len(judged)
                for base in ("vote", "truth", "knn"):
                    rows[label][f"{base}_on_same"] = round(_acc(runs[base]["right"], judged)[0], 4)
        out[name] = {"tuples": tuples.height, "sets": int(membership.frame["set_id"].n_unique()),
                     "truth_cells": truth.height, "conflicts": len(conflicted), "rows": rows}
    return out


def to_markdown(results: dict[str, Any], machine: dict[str, Any], args: argparse.Namespace) -> str:
    lines = ["# LLM resolve benchmark", "", markdown(machine), "",
             f"Run: `nice -n 10 python benchmarks/resolve_llm.py {' '.join(sys.argv[1:])}`. "
             f"Model runs have a call budget of {args.max_cells}: `model acc.` is over the truth "
             "cells the model decided, `vote/truth/knn same` are the baselines on those cells.", ""]
    for name, r in results.items():
        lines += [f"## {name}: {r['tuples']} tuples, {r['sets']} sets, {r['conflicts']} conflicting "
                  f"cells, {r['truth_cells']} scored cells", "",
                  "| resolver | accuracy (cells) | on conflicts (cells) | model acc. (cells) | "
                  "vote same | truth same | knn same | calls | invalid | seconds |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for label, x in r["rows"].items():
            m = (f"{x['model_accuracy']:.4f} ({x['model_cells']})" if "model_accuracy" in x else "")
            same = [f"{x[f'{b}_on_same']:.4f}" if f"{b}_on_same" in x else "" for b in ("vote", "truth", "knn")]
            lines.append(f"| {label} | {x['accuracy']:.4f} ({x['cells']}) | "
                         f"{x['conflict_accuracy']:.4f} ({x['conflict_cells']}) | {m} | "
                         f"{' | '.join(same)} | {x['calls'] if x['calls'] is not None else ''} | "
                         f"{x['invalid'] if x['invalid'] is not None else ''} | {x['seconds']} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ks", default="0,3,10", help="demonstration counts for the local model")
    p.add_argument("--max-cells", type=int, default=60, help="LLM call budget per run")
    p.add_argument("--generate", action="store_true", help="also run local free generation")
    p.add_argument("--datasets", nargs="*", default=None)
    p.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "tablefuse-bench-llm.duckdb"))
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", default=str(RESULTS / "resolve_llm"))
    args = p.parse_args(argv)
    args.ks = [int(k) for k in args.ks.split(",")]
    machine = describe()
    t0 = time.perf_counter()
    results = run(args)
    payload = {"machine": machine, "args": {k: v for k, v in vars(args).items()},
               "seconds": round(time.perf_counter() - t0, 1), "results": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out + ".json").write_text(json.dumps(payload, indent=2, default=str))
    Path(args.out + ".md").write_text(to_markdown(results, machine, args))
    sys.stdout.write(to_markdown(results, machine, args) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
