"""How SSACL and Fellegi-Sunter combine: both judges on the same candidates of each real lake, then
label-free fusion rules scored through discovery (set F1), with leave-one-lake-out for the weight.

``dump`` runs the default pipeline to the candidates (union blocker, as ``tablefuse integrate``),
fits SSACL (defaults) and Fellegi-Sunter on them and writes the scores beside the tuples and the
truth under the work directory; it also records the pair completeness and time of the embedding
blocker with the static encoder instead of MiniLM. ``analyse`` reads every dump, builds each rule's
judged pairs, runs the default discovery on them and scores the sets against the truth.

    OMP_NUM_THREADS=1 python -m benchmarks.judge_fusion dump D4 cora febrl3 ...
    python -m benchmarks.judge_fusion analyse
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]
WORK = Path(os.environ.get("TABLEFUSE_FUSION_DIR", Path(tempfile.gettempdir()) / "tablefuse-fusion"))
RESULTS = REPO / "benchmarks" / "results"
EPS = 1e-6
GATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _lake(name: str) -> tuple[Path, Path, dict[str, Any]]:
    """(lake folder, truth folder, ingest overrides) of a real lake or a FEBRL set."""
    if name.startswith("febrl"):
        from benchmarks.head_to_head import _write_febrl

        got = _write_febrl(int(name[-1]))
        if isinstance(got, str):
            raise SystemExit(got)
        return got[0], got[1], {}
    from benchmarks.suites import LAKE_INGEST, prepare_real

    found, notes = prepare_real(WORK / "lakes", only=(name,))
    if not found:
        raise SystemExit("; ".join(notes) or f"unknown lake {name}")
    return found[0].lake_dir, found[0].truth_dir, dict(LAKE_INGEST)


def dump(name: str) -> dict[str, Any]:
    from tablefuse.config import TablefuseConfig
    from tablefuse.judge import FellegiSunterJudge
    from tablefuse.metrics import pair_completeness
    from tablefuse.pipeline import Pipeline
    from tablefuse.truth import load_truth

    lake_dir, truth_dir, ingest = _lake(name)
    # SSACL alone here (the fusion is what ``analyse`` rebuilds from the two views' scores)
    cfg = TablefuseConfig().with_overrides(ingest=ingest, judge={"ssacl": {"fs_evidence": "none"}})
    p = Pipeline(cfg)
    rec: dict[str, Any] = {"lake": name}
    t = time.perf_counter()
    p.ingest(lake_dir)
    p.align()
    rec["align_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    cands = p.block()
    rec["block_s"] = round(time.perf_counter() - t, 2)
    truth = load_truth(truth_dir)
    tuples = p.tuples
    assert tuples is not None
    true_pairs = truth.true_pairs(tuples)
    rec["pc"] = round(pair_completeness(cands.frame, true_pairs), 4)
    rec["candidates"] = cands.frame.height
    # the same blocker with the static encoder (what a CPU run would save, and what it would miss)
    static_cfg = cfg.with_overrides(engine={"encoder": "static"})
    q = p.branch(static_cfg)
    t = time.perf_counter()
    s_cands = q.block(tuples)
    rec["static_block_s"] = round(time.perf_counter() - t, 2)
    rec["static_pc"] = round(pair_completeness(s_cands.frame, true_pairs), 4)
    rec["static_candidates"] = s_cands.frame.height
    t0, c0 = time.perf_counter(), time.process_time()
    ssacl = p.judge()
    rec["ssacl_s"], rec["ssacl_cpu_s"] = round(time.perf_counter() - t0, 2), round(time.process_time() - c0, 2)
    rec["ssacl_threshold"] = float(ssacl.threshold)
    t0 = time.perf_counter()
    fs = FellegiSunterJudge(seed=cfg.judge.seed).fit(tuples, cands).score(tuples, cands)
    rec["fs_s"] = round(time.perf_counter() - t0, 2)
    rec["fs_threshold"] = float(fs.threshold)
    frame = (ssacl.frame.select("tid_a", "tid_b", pl.col("score").alias("ssacl"))
             .join(fs.frame.select("tid_a", "tid_b", pl.col("score").alias("fs")), on=["tid_a", "tid_b"], how="left"))
    out = WORK / "dumps" / name
    out.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(out / "scores.parquet")
    tuples.frame.write_parquet(out / "tuples.parquet")
    truth.tid_entities(tuples).write_parquet(out / "entities.parquet")
    (out / "meta.json").write_text(json.dumps({**rec, "attributes": list(tuples.attributes),
                                               "ingest": ingest}, indent=1))
    p.close()
    return rec


# -- fusion rules ------------------------------------------------------------------------------
def _logit(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, EPS, 1 - EPS)
    return np.log(x / (1 - x))


def margins(scores: pl.DataFrame, meta: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Each judge's evidence as its logit margin over its own cut (0 at its threshold)."""
    s1 = _logit(scores["ssacl"].to_numpy()) - _logit(np.array([meta["ssacl_threshold"]]))
    s2 = _logit(scores["fs"].fill_null(0.0).to_numpy()) - _logit(np.array([meta["fs_threshold"]]))
    return s1, s2


def fused(scores: pl.DataFrame, meta: dict[str, Any], rule: str, w: float = 0.5) -> tuple[np.ndarray, float]:
    """(score in [0, 1], threshold) of ``rule``."""
    s1, s2 = margins(scores, meta)
    both, either = int(((s1 >= 0) & (s2 >= 0)).sum()), int(((s1 >= 0) | (s2 >= 0)).sum())
    j = both / either if either else 0.0
    if rule == "ssacl" or (rule == "agree" and j < w):
        return scores["ssacl"].to_numpy(), float(meta["ssacl_threshold"])
    if rule == "fs":
        return scores["fs"].fill_null(0.0).to_numpy(), float(meta["fs_threshold"])
    # each margin squashed to a bounded vote so one confident judge cannot overrule at any odds
    if rule == "sum":
        z = w * s1 + (1 - w) * s2
    elif rule == "tanh":
        z = w * np.tanh(s1 / 4) + (1 - w) * np.tanh(s2 / 4)
    elif rule == "or":
        z = np.maximum(s1, s2)
    elif rule == "and":
        z = np.minimum(s1, s2)
    elif rule == "agree":
        # the default (SSACLJudge._fit_fusion): the FS view weighted by the Jaccard overlap j of the two
        # views' integrable pairs, and only where j reaches the gate w (else SSACL alone, as it is)
        z = (s1 + j * s2) / (1 + j)
    elif rule == "gate":
        z = (w * s1 + (1 - w) * s2) if j >= 0.5 else s1
    else:
        raise ValueError(rule)
    return 1 / (1 + np.exp(-np.clip(z, -30, 30))), 0.5


def set_f1(name: str, rule: str, w: float = 0.5) -> dict[str, float]:
    from tablefuse.config import TablefuseConfig
    from tablefuse.frames import ScoredPairs, TupleTable
    from tablefuse.metrics import set_pair_prf
    from tablefuse.pipeline import Pipeline, policy

    d = WORK / "dumps" / name
    meta = json.loads((d / "meta.json").read_text())
    scores = pl.read_parquet(d / "scores.parquet")
    tuples = TupleTable(pl.read_parquet(d / "tuples.parquet"), tuple(meta["attributes"]))
    ent = pl.read_parquet(d / "entities.parquet")
    score, thr = fused(scores, meta, rule, w)
    frame = scores.select("tid_a", "tid_b").with_columns(pl.Series("score", score),
                                                         pl.Series("integrable", score >= thr))
    cfg = TablefuseConfig().with_overrides(ingest=meta["ingest"])
    judged = policy.unique_mapped(cfg, tuples, ScoredPairs(frame, thr))
    p = Pipeline(cfg)
    members = p.discover(judged, tuples)
    p.close()
    prf = set_pair_prf(members.frame.select("tid", "set_id"), ent)
    return {"p": round(prf.precision, 4), "r": round(prf.recall, 4), "f1": round(prf.f1, 4)}


def analyse(lakes: list[str]) -> None:
    """Every rule on every dumped lake in ``lakes``, kept per lake under the work directory."""
    out = WORK / "analysis"
    out.mkdir(parents=True, exist_ok=True)
    for lake in lakes:
        rows: list[dict[str, Any]] = []
        for rule in ("ssacl", "fs", "or", "and"):
            rows.append({"lake": lake, "rule": rule, "w": None, **set_f1(lake, rule)})
        for gate in GATES:
            rows.append({"lake": lake, "rule": "agree", "w": gate, **set_f1(lake, "agree", gate)})
        for rule in ("sum", "tanh"):
            for w in (0.3, 0.4, 0.5, 0.6, 0.7):
                rows.append({"lake": lake, "rule": rule, "w": w, **set_f1(lake, rule, w)})
        (out / f"{lake}.json").write_text(json.dumps(rows, indent=1))
        print(lake, "analysed", flush=True)


def _lolo(rows: list[dict[str, Any]], rule: str, lakes: list[str]) -> dict[str, dict[str, float]]:
    """Leave one lake out: the parameter of ``rule`` with the best mean set F1 on the other lakes
    (ties: the middle of the tied values), scored on the held-out one."""
    grid = sorted({r["w"] for r in rows if r["rule"] == rule})
    f1 = {(r["lake"], r["w"]): r["f1"] for r in rows if r["rule"] == rule}
    out = {}
    for held in lakes:
        others = [x for x in lakes if x != held]
        means = {w: float(np.mean([f1[(x, w)] for x in others])) for w in grid}
        best = max(means.values())
        tied = [w for w in grid if means[w] >= best - 1e-9]
        chosen = tied[len(tied) // 2]
        out[held] = {"chosen": chosen, "f1": f1[(held, chosen)]}
    return out


def report() -> None:
    metas = {d.name: json.loads((d / "meta.json").read_text()) for d in sorted((WORK / "dumps").iterdir())
             if (d / "meta.json").is_file() and (WORK / "analysis" / f"{d.name}.json").is_file()}
    lakes = list(metas)
    rows = [r for lake in lakes for r in json.loads((WORK / "analysis" / f"{lake}.json").read_text())]
    get = {(r["lake"], r["rule"], r["w"]): r for r in rows}
    agreement = {}
    for lake in lakes:
        d = WORK / "dumps" / lake
        s1, s2 = margins(pl.read_parquet(d / "scores.parquet"), metas[lake])
        either = int(((s1 >= 0) | (s2 >= 0)).sum())
        agreement[lake] = int(((s1 >= 0) & (s2 >= 0)).sum()) / either if either else 0.0
    lolo_gate, lolo_sum = _lolo(rows, "agree", lakes), _lolo(rows, "sum", lakes)
    from benchmarks.machine import describe, markdown

    lines = ["# SSACL + Fellegi-Sunter: how the two views combine (issue 18)", "",
             f"Machine: {markdown(describe())}", "",
             "Command: `OMP_NUM_THREADS=1 python -m benchmarks.judge_fusion dump <lakes>`, then `analyse` and "
             "`report`. Each lake: the default pipeline to the candidates (union blocker with MiniLM), SSACL "
             "(defaults, without the fusion) and Fellegi-Sunter (EM) fitted on the same candidates, every rule "
             "below run through the default discovery; **set F1** (pairs implied by the sets) against the truth. "
             "Zero labels everywhere.", "",
             "Rules: *ssacl* / *fs*: one view alone, at its own cut. *agreement* (the default, "
             "`judge.ssacl.fs_evidence = fuse`): the logit margins of the two views over their cuts, FS weighted "
             "by the Jaccard overlap j of the pairs each calls integrable, and only where j ≥ 0.5 (else SSACL "
             "alone). *sum w*: w × SSACL margin + (1 − w) × FS margin. *and* / *or*: both / either view.", "",
             "| lake | tuples | candidates | overlap j | ssacl P / R / F1 | fs F1 | **agreement F1** | Δ vs ssacl "
             "| sum 0.5 F1 | and F1 | or F1 | SSACL s | FS s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for lake in lakes:
        m = metas[lake]
        a, f, g = get[(lake, "ssacl", None)], get[(lake, "fs", None)], get[(lake, "agree", 0.5)]
        n = pl.read_parquet(WORK / "dumps" / lake / "tuples.parquet").height
        lines.append(f"| {lake} | {n} | {m['candidates']} | {agreement[lake]:.3f} | {a['p']:.3f} / {a['r']:.3f} / "
                     f"{a['f1']:.4f} | {f['f1']:.4f} | **{g['f1']:.4f}** | {g['f1'] - a['f1']:+.4f} | "
                     f"{get[(lake, 'sum', 0.5)]['f1']:.4f} | {get[(lake, 'and', None)]['f1']:.4f} | "
                     f"{get[(lake, 'or', None)]['f1']:.4f} | {m['ssacl_s']} | {m['fs_s']} |")
    lines += ["", "## Leave one lake out", "",
              "The one parameter of each rule chosen on the other lakes (best mean set F1; ties: the middle "
              "value), scored on the held-out lake.", "",
              "| held out | gate chosen | agreement F1 (held out) | at gate 0.5 | sum: w chosen | sum F1 (held out) |",
              "|---|---|---|---|---|---|"]
    for lake in lakes:
        lg, ls = lolo_gate[lake], lolo_sum[lake]
        lines.append(f"| {lake} | {lg['chosen']} | {lg['f1']:.4f} | {get[(lake, 'agree', 0.5)]['f1']:.4f} | "
                     f"{ls['chosen']} | {ls['f1']:.4f} |")
    mean = {k: float(np.mean([v[k] for v in (
        {"ssacl": get[(x, "ssacl", None)]["f1"], "agree": lolo_gate[x]["f1"], "sum": lolo_sum[x]["f1"],
         "fs": get[(x, "fs", None)]["f1"]} for x in lakes)])) for k in ("ssacl", "fs", "agree", "sum")}
    lines += ["", f"Mean held-out set F1 over {len(lakes)} lakes: ssacl {mean['ssacl']:.4f}, fs {mean['fs']:.4f}, "
              f"agreement {mean['agree']:.4f}, sum {mean['sum']:.4f}.", "",
              "## Embedding blocking: MiniLM vs the static encoder", "",
              "The union blocker (token + embedding kNN) with each encoder, same tuples: pair completeness "
              "and the block step's seconds (the static table distilled once per machine beforehand).", "",
              "| lake | MiniLM PC | static PC | Δ PC | MiniLM s | static s |", "|---|---|---|---|---|---|"]
    for lake in lakes:
        m = metas[lake]
        lines.append(f"| {lake} | {m['pc']:.4f} | {m['static_pc']:.4f} | {m['static_pc'] - m['pc']:+.4f} | "
                     f"{m['block_s']} | {m['static_block_s']} |")
    (RESULTS / "judge_fusion.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (RESULTS / "judge_fusion.json").write_text(json.dumps(
        {"lakes": metas, "agreement": agreement, "rules": rows, "lolo_gate": lolo_gate, "lolo_sum": lolo_sum},
        indent=1), encoding="utf-8")
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=("dump", "analyse", "report"))
    ap.add_argument("lakes", nargs="*")
    ns = ap.parse_args(argv)
    if ns.cmd == "dump":
        for lake in ns.lakes:
            print(json.dumps(dump(lake)), flush=True)
    elif ns.cmd == "report":
        report()
    else:
        lakes = ns.lakes or sorted(x.name for x in (WORK / "dumps").iterdir() if (x / "meta.json").is_file())
        analyse(lakes)


if __name__ == "__main__":
    main()
