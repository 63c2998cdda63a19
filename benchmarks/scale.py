"""Scale benchmark: Join lakes of growing size through the pipeline (and Splink, when installed).

Per size: time and peak memory per stage and end to end, tuples/s, pair F1 against the truth;
the same lake through Splink (DuckDB backend) for a side-by-side time and F1 ratio. Lakes come
from ``benchmarks.join.generate`` over a synthetic seed of distinct entities (5 tables, each
keeping 30-70 % of rows, so tuples ≈ 2.5 × entities). Writes ``benchmarks/results/scale.json``
and ``scale.md``.

    nice -n 10 python -m benchmarks.scale --tuples 10000 100000
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import time
from pathlib import Path
from typing import Any

import polars as pl

RESULTS = Path("benchmarks/results")
FIRST = ("Amber", "Basil", "Cedar", "Delta", "Ember", "Fable", "Gusto", "Harbor", "Indigo", "Juniper",
         "Kettle", "Lumen", "Maple", "Nectar", "Olive", "Pepper", "Quill", "Rustic", "Saffron", "Thyme")
SECOND = ("Kitchen", "Cafe", "Grill", "Bistro", "Tavern", "Diner", "Bakery", "Cantina", "Noodle Bar",
          "Smokehouse", "Trattoria", "Eatery")
STREETS = ("Main Street", "Harbor Road", "Church Boulevard", "Oak Avenue", "Pine Lane", "Elm Street",
           "Market Square", "River Drive", "Hill Road", "Park Avenue")
CITIES = ("Portland", "Springfield", "Salem", "Madison", "Franklin", "Clinton", "Georgetown", "Fairview")
CUISINES = ("Thai", "Italian", "Mexican", "Indian", "American", "Japanese", "Greek", "French")


def synthetic_seed(n_entities: int, seed: int = 0) -> pl.DataFrame:
    """``n_entities`` distinct restaurant-like entities (name, address, city, phone, cuisine)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n_entities):
        rows.append({
            "name": f"{rng.choice(FIRST)} {rng.choice(SECOND)} {i}",
            "address": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
            "city": rng.choice(CITIES),
            "phone": f"({rng.randint(200, 989)}) 555-{rng.randint(0, 9999):04d}",
            "cuisine": rng.choice(CUISINES),
        })
    return pl.DataFrame(rows)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_tablefuse(lake: Path, truth: Path, overrides: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], Any]:
    from benchmarks.harness import score
    from tablefuse.config import TablefuseConfig
    from tablefuse.pipeline import Pipeline

    cfg = TablefuseConfig().with_overrides(**overrides)
    t0 = time.perf_counter()
    result = Pipeline(cfg).run(lake)
    seconds = time.perf_counter() - t0
    metrics = score(result, truth)
    return {"seconds": round(seconds, 2), "tuples": result.tuples.height,
            "candidate_pairs": result.candidates.frame.height,
            "block_stats": result.candidates.stats, "judge_stats": result.scored.stats,
            "tuples_per_s": round(result.tuples.height / seconds, 1), "peak_rss_mb": round(_peak_mb(), 1),
            "stages": [{"stage": s.stage, "seconds": s.seconds, "peak_rss_mb": s.peak_rss_mb}
                       for s in result.stages],
            "metrics": {k: v for k, v in metrics.items() if k in ("blocking", "judge", "sets", "cells")}}, result.tuples


def run_splink(tuples: Any, truth: Path) -> dict[str, Any]:
    """Splink (DuckDB) on the same aligned tuples: Jaro-Winkler comparisons per attribute,
    blocking on each attribute, u by sampling, EM per attribute, clusters at 0.9 probability.
    The lake's headers are renamed per table, so Splink gets tablefuse's alignment for free
    and only its own linkage is timed."""
    try:
        import logging

        import duckdb
        import splink.comparison_library as cl
        from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    except Exception as exc:  # not installed, or an API this script does not know
        return {"error": f"splink unavailable: {exc}"}
    from tablefuse.truth import load_truth

    logging.getLogger("splink").setLevel(logging.ERROR)
    try:
        t0 = time.perf_counter()
        attrs = list(tuples.attributes)
        frame = tuples.frame.select(["tid"] + [pl.col(a).str.to_lowercase().str.strip_chars() for a in attrs])
        db = DuckDBAPI(duckdb.connect())
        sdf = db.register(frame.to_pandas(), table_name="lake")
        # block only on attributes selective enough to keep comparisons near linear (≤ 20 per
        # tuple): a rule on a low-cardinality column (city, cuisine) compares n²/k pairs
        budget = 20 * frame.height
        selective = [a for a in attrs if int((frame[a].drop_nulls().value_counts()["count"]
                                              .cast(pl.Int64) ** 2).sum()) // 2 <= budget]
        rules = [block_on(a) for a in selective or attrs[:1]]
        settings = SettingsCreator(link_type="dedupe_only", unique_id_column_name="tid",
                                   comparisons=[cl.JaroWinklerAtThresholds(a, [0.95, 0.88, 0.7]) for a in attrs],
                                   blocking_rules_to_generate_predictions=list(rules))
        linker = Linker(sdf, settings, log_level=40)
        for recall in (0.7, 0.85, 1.0):
            try:
                linker.training.estimate_probability_two_random_records_match(list(rules), recall=recall)
                break
            except ValueError:
                continue
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=0)
        for a in selective or attrs[:1]:
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(block_on(a))
            except Exception:  # EM cannot train on a rule that fixes every comparison
                continue
        pred = linker.inference.predict(threshold_match_probability=0.9)
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.9).as_pandas_dataframe()
        seconds = time.perf_counter() - t0
        got = pl.from_pandas(clusters[["tid", "cluster_id"]]).with_columns(pl.col("tid").cast(pl.Int64),
                                                                           pl.col("cluster_id").cast(pl.Utf8))
        ents = load_truth(truth).tid_entities(tuples)
        return {"seconds": round(seconds, 2), "blocking_rules_on": selective or attrs[:1],
                **_pair_f1(got, ents)}
    except Exception as exc:
        return {"error": f"splink failed: {type(exc).__name__}: {exc}"}


def _pair_f1(got: pl.DataFrame, ents: pl.DataFrame) -> dict[str, float]:
    """Pair precision/recall/F1 of clusters (tid, cluster_id) vs truth entities (tid, entity)."""
    j = got.join(ents.with_columns(pl.col("tid").cast(pl.Int64)), on="tid")

    def pairs(*cols: str) -> int:
        n = j.group_by(*cols).len()["len"].cast(pl.Int64)
        return int((n * (n - 1) // 2).sum())

    tp = pairs("cluster_id", "entity")
    p_all, t_all = pairs("cluster_id"), pairs("entity")
    precision = tp / p_all if p_all else 0.0
    recall = tp / t_all if t_all else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def encoder_quality(datasets: list[str], kinds: list[str], work: Path, k: int = 5) -> list[dict[str, Any]]:
    """Each encoder against full MiniLM on real clean-clean sets: texts/s, cosine to fp32,
    embedding-blocking pair completeness (k neighbours across sources) and the best-threshold
    pair F1 of cosine alone over one shared pair set (gold ∪ fp32 candidates), so the encoders'
    separability is compared without any judge on top. Vectors persist in a DuckDB cache."""
    import numpy as np

    from benchmarks.datasets import DataUnavailable, load
    from tablefuse.block import EmbeddingBlocker, knn_pairs
    from tablefuse.runtime.encoders import make_encoder

    work.mkdir(parents=True, exist_ok=True)
    cache_db = work / "encoder_cache.duckdb"
    out = []
    for name in datasets:
        try:
            tuples, gold = load(name)
        except DataUnavailable as exc:
            out.append({"dataset": name, "error": str(exc)})
            continue
        gold_keys = set(zip(gold["tid_a"].to_list(), gold["tid_b"].to_list()))
        vecs: dict[str, Any] = {}
        rows = None
        rec: dict[str, Any] = {"dataset": name, "tuples": tuples.height, "true_pairs": len(gold_keys)}
        from tablefuse.store import load_embedding_cache

        for kind in ["minilm", *[x for x in kinds if x != "minilm"]]:
            enc = make_encoder(kind, device="cpu")
            enc.use_lookup(lambda model_id, texts: load_embedding_cache(cache_db, model_id, texts))
            t0 = time.perf_counter()
            rows, v = EmbeddingBlocker(encoder=enc).embed(tuples)
            seconds = time.perf_counter() - t0
            from tablefuse.store import save_embedding_cache

            fresh = enc.new_entries()
            save_embedding_cache(cache_db, enc.model_id, fresh)
            vecs[kind] = v
            rec[kind] = {"encode_seconds": round(seconds, 2), "encoded_now": len(fresh),
                         "texts_per_s": round(len(fresh) / seconds, 1) if fresh else None}
        assert rows is not None  # the loop above always encodes with minilm
        tids, sids = rows["tid"].to_numpy(), rows["sid"].to_numpy()
        pos = {t: i for i, t in enumerate(tids.tolist())}
        base = knn_pairs(tids, sids, vecs["minilm"], k, cross_source_only=True)
        pairs = sorted(gold_keys | set(zip(base["tid_a"].to_list(), base["tid_b"].to_list())))
        pairs = [(a, b) for a, b in pairs if a in pos and b in pos]
        ia = np.array([pos[a] for a, _ in pairs])
        ib = np.array([pos[b] for _, b in pairs])
        label = np.array([(a, b) in gold_keys for a, b in pairs])
        for kind, v in vecs.items():
            cand = knn_pairs(tids, sids, v, k, cross_source_only=True)
            found = len(gold_keys & set(zip(cand["tid_a"].to_list(), cand["tid_b"].to_list())))
            cos = np.sum(v[ia] * v[ib], axis=1)
            rec[kind].update({"pair_completeness": round(found / max(len(gold_keys), 1), 4),
                              "best_threshold_f1": round(_best_f1(cos, label), 4)})
            if kind != "minilm" and v.shape == vecs["minilm"].shape:
                agree = np.sum(v * vecs["minilm"], axis=1)
                rec[kind]["cosine_to_fp32_mean"] = round(float(agree.mean()), 4)
                rec[kind]["cosine_to_fp32_min"] = round(float(agree.min()), 4)
        out.append(rec)
    return out


def _best_f1(score, label) -> float:
    import numpy as np

    order = np.argsort(-score)
    hits = np.cumsum(label[order])
    n_true = max(int(label.sum()), 1)
    precision = hits / np.arange(1, len(order) + 1)
    recall = hits / n_true
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(f1.max()) if len(f1) else 0.0


def write_results(out_path: str, records: list[dict[str, Any]]) -> None:
    """``<out>.json`` (everything) and ``<out>.md`` (the table and per-stage profile)."""
    from benchmarks.machine import describe

    out: dict[str, Any] = {"machine": describe(with_torch=False), "records": records}
    Path(out_path + ".json").write_text(json.dumps(out, indent=2, default=str), encoding="utf-8")

    def fmt(x: Any) -> str:
        return f"{x:.3f}" if isinstance(x, float) else str(x)

    lines = ["# Scale benchmark", "", f"Machine: {out['machine'].get('cpu_model')} × "
             f"{out['machine'].get('cpu_count')}", "",
             "| tuples | end to end s | tuples/s | peak MB | set pair F1 | Splink s | Splink pair F1 |",
             "|---|---|---|---|---|---|---|"]
    for r in records:
        tf, sp = r["tablefuse"], r.get("splink", {})
        f1 = (tf["metrics"].get("sets") or {}).get("f1")
        lines.append(f"| {tf['tuples']} | {tf['seconds']} | {tf['tuples_per_s']} | {tf['peak_rss_mb']} | "
                     f"{fmt(f1)} | {sp.get('seconds', '-')} | {fmt(sp.get('f1', sp.get('error', '-')))} |")
    lines += ["", "Per stage (seconds / peak MB):", ""]
    for r in records:
        lines.append(f"- {r['tablefuse']['tuples']} tuples: " + ", ".join(
            f"{s['stage']} {s['seconds']}s/{s['peak_rss_mb']}MB" for s in r["tablefuse"]["stages"]))
    Path(out_path + ".md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tuples", type=int, nargs="+", default=[10_000])
    ap.add_argument("--work", default="/tmp/tablefuse-scale")
    ap.add_argument("--encoder", default="auto")
    ap.add_argument("--blockers", default="token", help="comma-separated block.blockers")
    ap.add_argument("--judge", default="similarity")
    ap.add_argument("--no-splink", action="store_true")
    ap.add_argument("--out", default=str(RESULTS / "scale"))
    ap.add_argument("--quality", nargs="*", default=None,
                    help="only compare encoders on these real datasets (e.g. D1 D2 D4)")
    ap.add_argument("--kinds", default="minilm-int8,static")
    args = ap.parse_args(argv)
    if args.quality is not None:
        from benchmarks.machine import describe

        recs = encoder_quality(args.quality or ["D1", "D2", "D4"], args.kinds.split(","), Path(args.work))
        Path(args.out + "_encoders.json").write_text(json.dumps(
            {"machine": describe(with_torch=False), "records": recs}, indent=2), encoding="utf-8")
        return recs
    from benchmarks.join import generate
    from benchmarks.machine import describe

    overrides = {"block": {"blockers": args.blockers.split(",")}, "judge": {"method": args.judge},
                 "engine": {"encoder": args.encoder}}
    records: list[dict[str, Any]] = []
    for n in args.tuples:
        root = Path(args.work) / f"n{n}"
        t0 = time.perf_counter()
        generate(synthetic_seed(max(2, int(n / 2.5))), root, name=f"scale{n}", seed_value=0)
        gen_s = time.perf_counter() - t0
        tf, tuples = run_tablefuse(root / "lake", root / "truth", overrides)
        rec = {"target_tuples": n, "generate_seconds": round(gen_s, 2), "config": overrides, "tablefuse": tf}
        write_results(args.out, [*records, rec])  # tablefuse's numbers first, whatever Splink does
        if not args.no_splink:
            rec["splink"] = run_splink(tuples, root / "truth")
            tf, sp = rec["tablefuse"], rec["splink"]
            if "seconds" in sp:
                rec["time_ratio_tablefuse_over_splink"] = round(tf["seconds"] / max(sp["seconds"], 1e-9), 2)
                f1 = (tf["metrics"].get("sets") or {}).get("f1")
                if f1 is not None and sp.get("f1"):
                    rec["f1_ratio_tablefuse_over_splink"] = round(f1 / sp["f1"], 3)
        records.append(rec)
        write_results(args.out, records)  # after each size, so a long run keeps what it measured
    return records


if __name__ == "__main__":
    main()
