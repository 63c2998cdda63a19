"""Suite results on disk: ``<suite>.json``, a markdown table ``<suite>.md``, and two PNG charts
(set F1 per dataset per method; time per stage), so the README can show the latest numbers."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger("tablefuse.benchmarks")

STAGES = ("ingest", "align", "union", "block", "judge", "discover", "resolve")
COLUMNS = ("dataset", "method", "rows", "true pairs", "true sets", "PC", "RR", "pair P", "pair R",
           "pair F1", "set F1", "set sim", "ARI", "conflict acc", "cell acc", "time s", "own s", "peak MB")


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table_rows(payload: dict[str, Any]) -> list[list[str]]:
    """One row per (dataset, method) run, in COLUMNS order."""
    facts = {d["name"]: d for d in payload["datasets"]}
    rows = []
    for run in payload["runs"]:
        f = facts.get(run["dataset"], {})
        head = [run["dataset"], run["method"], _fmt(f.get("rows")), _fmt(f.get("true_pairs")),
                _fmt(f.get("true_sets"))]
        if run.get("status") != "ok":
            rows.append(head + [run.get("status", "?")] + [""] * (len(COLUMNS) - len(head) - 1))
            continue
        m = run["metrics"]
        conf = (m.get("conflicts") or {}).get("accuracy")
        cells = (m.get("cells") or {}).get("accuracy")
        rows.append(head + [
            _fmt(m["blocking"]["pair_completeness"]), _fmt(m["blocking"]["reduction_ratio"], 4),
            _fmt(m["judge"]["precision"]), _fmt(m["judge"]["recall"]), _fmt(m["judge"]["f1"]),
            _fmt(m["sets"]["f1"]), _fmt(m["sets"]["set_similarity"]), _fmt(m["sets"]["ari"]),
            _fmt(conf), _fmt(cells), _fmt(run["seconds"], 1), _fmt(run.get("own_seconds", run["seconds"]), 1),
            _fmt(run.get("peak_rss_mb"), 0)])
    return rows


def _load(values: Any) -> str:
    return "–" if not values else " / ".join(f"{v:.1f}" for v in values)


def markdown(payload: dict[str, Any]) -> str:
    """The results table with how it was made (command, machine, notes)."""
    from .machine import markdown as machine_line

    lines = [f"# Benchmark suite `{payload['suite']}`" + (" (quick)" if payload["quick"] else ""), "",
             f"Command: `{payload['command']}` — started {payload['started']}, took "
             f"{payload['seconds']:.0f} s wall" + (f", {payload['cpu_seconds']:.0f} CPU-s in its run processes"
                                                  if payload.get("cpu_seconds") is not None else "") + ".", "",
             f"Machine: {machine_line(payload['machine'])}.", "",
             *([f"Load average (1/5/15 min) at start {_load(payload['load_start'])}, at end "
                f"{_load(payload.get('load_end'))}: the cores were shared, so times are upper bounds.", ""]
               if payload.get("load_start") else []),
             "PC = blocking pair completeness, RR = reduction ratio; pair P/R/F1 = judged integrable "
             "pairs vs true pairs; set F1 / set sim / ARI = discovered sets vs true entities; conflict "
             "acc = share of injected conflicts whose golden value is the true one; cell acc = "
             "golden-record cells equal to the true value; time s = the pipeline's stages for this "
             "method (a stage it shares with an earlier method of the same dataset counted at its one "
             "measured time); own s = the stages only this method needed (what it added to the run); "
             "peak MB = peak RSS of the dataset's process so far (a dataset's methods run in one "
             "process, so shared stages are computed once and the model is loaded once).", "",
             "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(r) + " |" for r in table_rows(payload)]
    if payload.get("notes"):
        lines += ["", "Notes:", ""] + [f"- {n}" for n in payload["notes"]]
    lines += ["", "Datasets:", ""] + [f"- `{d['name']}` ({d['kind']}): {d.get('note', '')}"
                                      for d in payload["datasets"]]
    errors = [r for r in payload["runs"] if r.get("status") not in ("ok",)]
    if errors:
        lines += ["", "Runs skipped or not finished:", ""] + [
            f"- {r['dataset']} × {r['method']}: {r.get('status')}: {r.get('error', '')[:300]}" for r in errors]
    return "\n".join(lines) + "\n"


def charts(payload: dict[str, Any], out_dir: Path) -> list[Path]:
    """``<suite>_f1.png`` (set F1 per dataset per method) and ``<suite>_time.png`` (seconds per
    stage, stacked, per dataset and method); [] when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.warning("matplotlib is not installed: no charts (pip install -e '.[bench]')")
        return []
    ok = [r for r in payload["runs"] if r.get("status") == "ok"]
    if not ok:
        return []
    suite = payload["suite"]
    datasets = list(dict.fromkeys(r["dataset"] for r in ok))
    methods = list(dict.fromkeys(r["method"] for r in ok))
    f1 = {(r["dataset"], r["method"]): r["metrics"]["sets"]["f1"] for r in ok}
    width = 0.8 / max(len(methods), 1)
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(datasets) * max(1, len(methods)) / 2), 4))
    for j, m in enumerate(methods):
        xs = [i + j * width for i in range(len(datasets))]
        ax.bar(xs, [f1.get((d, m), 0.0) for d in datasets], width, label=m)
    ax.set_xticks([i + width * (len(methods) - 1) / 2 for i in range(len(datasets))])
    ax.set_xticklabels(datasets, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("set F1 (pairwise)")
    ax.set_ylim(0, 1)
    ax.set_title(f"{suite}: F1 per dataset per method")
    ax.legend(fontsize=8)
    fig.tight_layout()
    paths = [out_dir / f"{suite}_f1.png"]
    fig.savefig(paths[0], dpi=110)
    plt.close(fig)
    labels = [f"{r['dataset']} · {r['method']}" for r in ok]
    fig, ax = plt.subplots(figsize=(max(6, 0.35 * len(ok)), 4.5))
    bottom = [0.0] * len(ok)
    for stage in STAGES:
        secs = [next((s["seconds"] for s in r["stages"] if s["stage"] == stage), 0.0) for r in ok]
        ax.bar(range(len(ok)), secs, bottom=bottom, label=stage)
        bottom = [b + s for b, s in zip(bottom, secs)]
    ax.set_xticks(range(len(ok)))
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("seconds")
    ax.set_title(f"{suite}: time per stage")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    paths.append(out_dir / f"{suite}_time.png")
    fig.savefig(paths[1], dpi=110)
    plt.close(fig)
    return paths


def write_outputs(payload: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write the JSON, the markdown table and the charts; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    suite = payload["suite"]
    written = [out_dir / f"{suite}.json", out_dir / f"{suite}.md"]
    slim = {**payload, "runs": [{k: v for k, v in r.items() if k != "traceback"} for r in payload["runs"]]}
    written[0].write_text(json.dumps(slim, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8")
    written[1].write_text(markdown(payload), encoding="utf-8")
    return written + charts(payload, out_dir)


__all__ = ["COLUMNS", "charts", "markdown", "table_rows", "write_outputs"]
