"""Pair labels that teach the judge: the defaults on real lakes with 0, 20, 50 and 100 labels.

For each lake (ccer D2 Abt-Buy, D3 Amazon-Google from ``../shared/data``; skipped with a note when
absent) the default pipeline runs once with no label and is stored, as ``tablefuse integrate LAKE
--db STORE`` does. The labels are the first k pairs of that run's ``review_queue`` (the judge's
least certain pairs first), answered from the gold truth (match iff the two tuples are one gold
entity) and recorded with ``store.record_pair_label`` in a copy of the store; the lake is then
integrated again against that store, so the run reads the labels as a user's re-run does: they
join SSACL's training, calibrate the cut, force their own scores and keep cannot-link pairs
apart (``tablefuse/pipeline/labels.py``). Ingest, alignment and blocking are computed once per
lake and shared (``Pipeline.branch``): they do not depend on the labels.

Rows: ``full`` (the re-run as a user gets it) for k = 0, 20, 50, 100, then ``no_train`` (the 0-label
run's trained judge kept, the labels used only for the cut, the forced scores and the sets), which
separates what the training adds. Each finished row is appended to a JSON-lines file at once, so
a crash keeps the rows done, and a second start skips them.

    nohup python benchmarks/judge_labels.py run > /tmp/labels_bench.log 2>&1 &
    python benchmarks/judge_labels.py report      # judge_labels.{json,md,png} from the rows
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

RESULTS = REPO / "benchmarks" / "results"
WORK = Path(os.environ.get("TABLEFUSE_LABELS_DIR", Path(tempfile.gettempdir()) / "tablefuse-labels"))
ROWS = Path(os.environ.get("TABLEFUSE_LABELS_ROWS", RESULTS / "judge_labels.rows.jsonl"))
LAKES = ("D2", "D3")
KS = (0, 20, 50, 100)


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _done() -> set[tuple[str, str, int]]:
    if not ROWS.is_file():
        return set()
    out = set()
    for line in ROWS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            if r.get("status") == "ok":
                out.add((r["lake"], r["variant"], int(r["labels"])))
    return out


def _append(row: dict[str, Any]) -> None:
    ROWS.parent.mkdir(parents=True, exist_ok=True)
    with ROWS.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, default=str) + "\n")


def _metrics(result: Any, truth: Any, db: Path) -> dict[str, Any]:
    from tablefuse import store
    from tablefuse.metrics import set_pair_prf
    from tablefuse.truth import evaluate

    m = evaluate(result, truth)
    te = truth.tid_entities(result.tuples)
    decided = set_pair_prf(store.read_table(db, "membership").select("tid", "set_id"), te)
    return {"set_f1": m["sets"]["f1"], "set_precision": m["sets"]["precision"], "set_recall": m["sets"]["recall"],
            "set_f1_decided": decided.f1, "judge_f1": m["judge"]["f1"], "judge_precision": m["judge"]["precision"],
            "judge_recall": m["judge"]["recall"], "threshold": m["judge"]["threshold"],
            "integrable_pairs": m["judge"]["integrable_pairs"], "set_similarity": m["sets"]["set_similarity"],
            "pair_completeness": m["blocking"]["pair_completeness"],
            "candidate_pairs": m["blocking"]["candidate_pairs"]}


def _record_labels(db: Path, queue: list[tuple[int, int]], entity: dict[int, str], k: int) -> dict[str, int]:
    from tablefuse import store

    counts = {"match": 0, "no_match": 0}
    for a, b in queue[:k]:
        label = "match" if entity.get(a) is not None and entity.get(a) == entity.get(b) else "no_match"
        store.record_pair_label(db, a, b, label)  # type: ignore[arg-type]
        counts[label] += 1
    return counts


def run_lake(name: str, ks: tuple[int, ...] = KS, variants: tuple[str, ...] = ("full", "no_train"),
             seed: int = 0) -> None:
    """Every row of one lake; ``seed`` (the judge's, 0 by default) names its rows ``variant@seedN``."""
    from benchmarks.suites import LAKE_INGEST, prepare_real
    from tablefuse.config import TablefuseConfig
    from tablefuse.pipeline import Pipeline, review_queue
    from tablefuse.truth import load_truth

    found, notes = prepare_real(WORK / "lakes", only=(name,))
    if not found:
        _log(f"{name} skipped: {'; '.join(notes) or 'not found'}")
        _append({"lake": name, "status": "skipped", "note": "; ".join(notes)})
        return
    lake_dir, truth_dir = found[0].lake_dir, found[0].truth_dir
    truth = load_truth(truth_dir)
    cfg = TablefuseConfig().with_overrides(ingest=dict(LAKE_INGEST), judge={"seed": seed})
    tag = f"@seed{seed}" if seed else ""
    done = _done()
    todo = [(v, k) for v in variants for k in ks
            if (name, v + tag, k) not in done and not (v == "no_train" and k == 0)]
    if not todo:
        _log(f"{name}: every row done")
        return
    folder = WORK / "stores" / (name + tag)
    folder.mkdir(parents=True, exist_ok=True)
    db0 = folder / "k0.duckdb"
    t0 = time.perf_counter()
    base = Pipeline(cfg)
    base.ingest(lake_dir)
    tuples = base.align()
    candidates = base.block()
    shared_s = time.perf_counter() - t0
    _log(f"{name}: ingest+align+block {shared_s:.1f} s, {candidates.frame.height} candidates")
    judge0 = None
    try:
        if ("full", 0) in todo or not db0.is_file():
            for path in (db0, Path(f"{db0}.judge")):
                if path.is_dir():
                    shutil.rmtree(path)
                elif path.exists():
                    path.unlink()
            t1 = time.perf_counter()
            p = base.branch(cfg)
            p.db_path = db0
            p.complete()
            result = p.store()
            judge0 = p.fitted_judge
            wall = time.perf_counter() - t1
            row = {"lake": name, "variant": "full" + tag, "labels": 0, "status": "ok", "label_counts": {}, "seed": seed,
                   "wall_s": round(wall, 1), "shared_s": round(shared_s, 1),
                   "stages": {s.stage: s.seconds for s in result.stages},
                   "summary": result.summary(), **_metrics(result, truth, db0)}
            _append(row)
            _log(f"{name} k=0: set F1 {row['set_f1']:.4f} threshold {row['threshold']:.4f} ({wall:.0f} s)")
        queue_frame = review_queue(db0, limit=max(ks))
        queue = [(int(a), int(b)) for a, b in queue_frame.select("tid_a", "tid_b").iter_rows()]
        te = truth.tid_entities(tuples)
        entity = {int(t): e for t, e in te.select("tid", "entity").iter_rows()}
        (folder / "queue.json").write_text(json.dumps(
            {"queue": queue, "kind": queue_frame["kind"].to_list(), "score": queue_frame["score"].to_list(),
             "threshold": queue_frame["threshold"].to_list()[:1]}), encoding="utf-8")
        for variant, k in todo:
            if k == 0:
                continue
            if variant == "no_train" and judge0 is None:
                from tablefuse.judge import load_judge
                from tablefuse.pipeline import judge_dir

                judge0 = load_judge(judge_dir(db0))
            db = folder / f"{variant}-k{k}.duckdb"
            for path in (db, Path(f"{db}.judge")):
                if path.is_dir():
                    shutil.rmtree(path)
                elif path.exists():
                    path.unlink()
            shutil.copy(db0, db)
            counts = _record_labels(db, queue, entity, k)
            t1 = time.perf_counter()
            try:
                p = base.branch(cfg)
                p.db_path = db
                if variant == "no_train":
                    p.judge(judge=judge0, fit=False, key="k0-judge")
                p.complete()
                result = p.store()
                wall = time.perf_counter() - t1
                row = {"lake": name, "variant": variant + tag, "labels": k, "status": "ok", "label_counts": counts,
                       "seed": seed,
                       "wall_s": round(wall, 1), "shared_s": round(shared_s, 1),
                       "stages": {s.stage: s.seconds for s in result.stages},
                       "judge_detail": next((s.detail for s in result.stages if s.stage == "judge"), {}),
                       "summary": result.summary(), **_metrics(result, truth, db)}
                _log(f"{name} {variant} k={k} ({counts}): set F1 {row['set_f1']:.4f} threshold "
                     f"{row['threshold']:.4f} ({wall:.0f} s)")
            except Exception as exc:  # one failing row is a row of the table, not the end of the run
                row = {"lake": name, "variant": variant + tag, "labels": k, "status": "error",
                       "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()[-3000:]}
                _log(f"{name} {variant} k={k}: {row['error']}")
            _append(row)
    finally:
        base.close()


# -- report ---------------------------------------------------------------------------------------
def _rows() -> list[dict[str, Any]]:
    if not ROWS.is_file():
        return []
    latest: dict[tuple[str, str, int], dict[str, Any]] = {}
    for line in ROWS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            if r.get("status") == "ok":
                latest[(r["lake"], r["variant"], int(r["labels"]))] = r
    return sorted(latest.values(), key=lambda r: (r["lake"], _tag(r), r["variant"].split("@")[0] != "full",
                                                  r["labels"]))


def _tag(row: dict[str, Any]) -> str:
    """``@seedN`` of a row's variant ('' for seed 0)."""
    return row["variant"].partition("@")[2]


def report() -> dict[str, Any]:
    from benchmarks.machine import describe, markdown

    rows = _rows()
    machine = describe()
    payload = {"benchmark": "judge_labels", "machine": machine, "lakes": list(LAKES), "labels": list(KS),
               "rows": rows,
               "notes": "labels: the first k pairs of the 0-label run's review_queue, answered from the gold "
                        "truth; full = re-run against the store holding them (training + calibrated cut + forced "
                        "scores + cannot-link); no_train = the 0-label run's judge kept"}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "judge_labels.json").write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    base = {(r["lake"], _tag(r)): r for r in rows if r["variant"].startswith("full") and r["labels"] == 0}
    lines = ["# Pair labels that teach the judge (defaults, ccer D2 / D3)", "",
             f"Machine: {markdown(machine)}. Each row is one `tablefuse integrate --db` run against a store "
             "holding k pair labels: the first k pairs of the 0-label run's `review_queue`, answered from "
             "the gold truth (match iff one gold entity). `full`: the re-run as a user gets it (labels in "
             "SSACL's training, cut calibrated on them, their scores forced, cannot-link kept apart); "
             "`no_train`: the 0-label run's trained judge kept (cut, forced scores and sets only). Set "
             "P/R/F1: pairs implied by the sets vs the gold pairs; judge P/R: the integrable pairs. Wall: "
             "the run after the shared ingest/align/block (shared s: that part, once per lake).", "",
             "| lake | variant | labels (match/no) | set F1 | Δ set F1 | set P | set R | judge P | judge R "
             "| threshold (label-free) | wall s | shared s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        c = r.get("label_counts") or {}
        b = base.get((r["lake"], _tag(r)))
        d = r["set_f1"] - b["set_f1"] if b is not None else float("nan")
        free = ((r.get("judge_detail") or {}).get("pair_labels") or {}).get("label_free_threshold")
        thr = f"{r['threshold']:.4f}" + (f" ({free:.4f})" if free is not None else "")
        lines.append(f"| {r['lake']} | {r['variant']} | {r['labels']} ({c.get('match', 0)}/{c.get('no_match', 0)}) "
                     f"| {r['set_f1']:.4f} | {d:+.4f} | {r['set_precision']:.4f} | {r['set_recall']:.4f} "
                     f"| {r['judge_precision']:.4f} | {r['judge_recall']:.4f} | {thr} | {r['wall_s']:.0f} "
                     f"| {r['shared_s']:.0f} |")
    findings = RESULTS / "judge_labels.findings.md"  # the analysis, written by hand from the rows
    if findings.is_file():
        lines += ["", findings.read_text(encoding="utf-8").rstrip()]
    (RESULTS / "judge_labels.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _chart(rows)
    return payload


def _chart(rows: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    variants = sorted({r["variant"] for r in rows}, key=lambda v: (v.partition("@")[2], v))
    for lake in LAKES:
        for variant in variants:
            tag = variant.partition("@")[2]
            style = "-o" if variant.startswith("full") else "--s"
            pts = sorted((r["labels"], r["set_f1"]) for r in rows if r["lake"] == lake
                         and (r["variant"] == variant or (r["labels"] == 0 and _tag(r) == tag)))
            if len(pts) > 1:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=f"{lake} {variant}")
    ax.set_xlabel("pair labels (first k of the review queue)")
    ax.set_ylabel("set F1")
    ax.set_title("Set F1 with pair labels (defaults)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "judge_labels.png", dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("lakes", nargs="*", default=list(LAKES))
    r.add_argument("--labels", nargs="*", type=int, default=list(KS))
    r.add_argument("--variants", nargs="*", default=["full", "no_train"])
    r.add_argument("--seed", type=int, default=0, help="the judge's seed (rows named variant@seedN)")
    sub.add_parser("report")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if args.cmd == "report":
        report()
        return 0
    from benchmarks import datasets

    if not datasets.data_root().is_dir():
        _log(f"shared data not found at {datasets.data_root()}: nothing to run")
        return 0
    ks = tuple(sorted({0, *args.labels}))
    for lake in args.lakes:
        run_lake(lake, ks, tuple(args.variants), args.seed)
        report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
