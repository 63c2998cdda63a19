"""Discovery benchmark: every discover method side by side, on real lakes and a 1M-node graph.

Real lakes (der/cora, der/abtbuy, ccer D1-D4, D8): candidates from the project's blocker, pair
scores from the SSACL judge when it is registered, else the similarity judge (named in the
results). Per method: pairwise P/R/F1, set similarity, ARI, number of sets, seconds. A Leiden
CPM resolution sweep backs the default. Synthetic: planted communities + noise edges, 1M nodes /
5M integrable edges, each method in its own process for time and peak memory.

Run: ``nice -n 10 python benchmarks/discovery.py all`` (or ``real``, ``sweep``, ``synthetic``).
Writes ``benchmarks/results/discovery.{json,md,png}``. Data is read from ``../shared/data``;
missing datasets are skipped with a message.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from datasets import DataUnavailable, load  # noqa: E402

from tablefuse.config import BlockConfig, DiscoverConfig, JudgeConfig  # noqa: E402
from tablefuse.discover import DISCOVERERS, make_discoverer  # noqa: E402
from tablefuse.frames import TUPLE_META, ScoredPairs, TupleTable  # noqa: E402
from tablefuse.metrics import adjusted_rand_index, set_pair_prf, set_similarity  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
REAL = ("cora", "abtbuy", "D1", "D2", "D3", "D4", "D8")
METHODS = ("leiden", "leiden_modularity", "louvain", "label_propagation", "cliques", "components")
# judged pairs are cached outside the repo so reruns skip blocking + judging; "" disables
_CACHE_ENV = os.environ.get("TABLEFUSE_DISCOVERY_CACHE", str(Path(tempfile.gettempdir()) / "tablefuse-discovery"))
CACHE = Path(_CACHE_ENV) if _CACHE_ENV else None
# (method, options) beside each method's defaults: the plain transitive closure (what Splink and Zingg
# do), the default without each of its parts, the earlier default (classic CPM), and sources
# declared duplicate-free (``unique_sources = all``, what a user of a clean-clean lake would set)
VARIANTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("components", {"postcheck": "never", "unique_sources": "none"}),
    ("leiden", {"unique_sources": "none"}),
    ("leiden", {"postcheck": "auto"}),
    ("leiden", {"postcheck": "auto", "unique_sources": "none"}),  # the default before the source rule
    ("leiden", {"pair_penalty": None, "postcheck": "never", "unique_sources": "none"}),
    ("leiden", {"unique_sources": "all"}),
    ("components", {"unique_sources": "all"}),
)
SWEEP = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)  # CPM resolution / judge threshold


def machine() -> dict[str, Any]:
    import igraph
    import psutil

    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "logical_cores": os.cpu_count(), "affinity_cores": len(os.sched_getaffinity(0)),
            "ram_gb": round(psutil.virtual_memory().total / 2**30, 1), "os": platform.platform(),
            "python": platform.python_version(), "igraph": igraph.__version__, "polars": pl.__version__,
            "note": "shared machine: other jobs ran at the same time; times are indicative"}


def truth_entities(tuples: TupleTable, gold: pl.DataFrame) -> pl.DataFrame:
    """(tid, entity): connected components of the gold pairs; other tuples are singletons."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    tids = np.sort(tuples.frame["tid"].to_numpy())
    a = np.searchsorted(tids, gold["tid_a"].to_numpy())
    b = np.searchsorted(tids, gold["tid_b"].to_numpy())
    graph = coo_matrix((np.ones(a.size), (a, b)), shape=(tids.size, tids.size))
    _, labels = connected_components(graph, directed=False)
    return pl.DataFrame({"tid": tids, "entity": labels})


@functools.lru_cache(maxsize=1)
def judge_build() -> dict[str, Any]:
    """Which code made the scores: the commit and a hash of tablefuse/judge as it was on disk when
    this process first judged (uncommitted edits included; modules are imported once, so later
    edits on disk do not change this process's judge)."""
    import hashlib

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for f in sorted((root / "tablefuse" / "judge").rglob("*.py")):
        digest.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = bool(subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "tablefuse/judge"],
                                    capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "", None
    return {"commit": commit, "judge_dirty": dirty, "judge_sha256": digest.hexdigest()[:12]}


def judged(name: str, judge_method: str = "similarity") -> tuple[TupleTable, pl.DataFrame, ScoredPairs, str]:
    """Blocker candidates scored by ``judge_method`` (``auto``: ssacl when registered).

    Scored pairs are cached per (dataset, judge) as parquet (plus a ``.json`` with the judge build
    and timings), so methods and sweeps reuse one judge run; SSACL's value vectors persist in an
    encoder cache beside them."""
    from tablefuse.block import make_blocker
    from tablefuse.judge import JUDGES, make_judge

    tuples, gold = load(name)
    method = judge_method
    if judge_method == "auto":
        method = "ssacl" if "ssacl" in JUDGES else "similarity"
    cache = CACHE / f"{name}-{method}.parquet" if CACHE else None
    if cache is not None and cache.exists():  # judged pairs of an earlier run (delete to refresh)
        frame = pl.read_parquet(cache)
        threshold = float(frame["threshold"][0]) if frame.height else 0.5
        return tuples, truth_entities(tuples, gold), ScoredPairs(frame.drop("threshold"), threshold), method
    t0 = time.perf_counter()
    candidates = make_blocker(BlockConfig()).candidates(tuples)
    block_s = time.perf_counter() - t0
    judge = make_judge(JudgeConfig(method=method))
    build = judge_build()  # as imported now
    from judge import CachedEncoder, fit_and_score  # benchmarks/judge.py: vectors persisted between runs

    encoder = None
    if method == "ssacl" and CACHE is not None and hasattr(judge, "encoder"):
        encoder = CachedEncoder(CACHE / "encoder.npz")
        judge.encoder = encoder
    scored, fit_s, score_s = fit_and_score(judge, tuples, candidates, encoder)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        scored.frame.select("tid_a", "tid_b", "score", "integrable").with_columns(
            pl.lit(scored.threshold).alias("threshold")).write_parquet(cache)
        meta = {"dataset": name, "judge": method, "threshold": scored.threshold, "candidates": candidates.frame.height,
                "block_seconds": round(block_s, 1), "fit_seconds": round(fit_s, 1),
                "score_seconds": round(score_s, 1), "made": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                **build}
        cache.with_suffix(".json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return tuples, truth_entities(tuples, gold), scored, method


def cached_meta(name: str, method: str) -> dict[str, Any]:
    """The build/timing record written beside a cached score file ({} when there is none)."""
    path = CACHE / f"{name}-{method}.json" if CACHE else None
    return json.loads(path.read_text()) if path is not None and path.is_file() else {}


def evaluate(tuples: TupleTable, scored: ScoredPairs, truth: pl.DataFrame, method: str,
             **options: Any) -> dict[str, Any]:
    discoverer = make_discoverer(DiscoverConfig(method=method, **options))
    t0 = time.perf_counter()
    membership = discoverer.fit_predict(tuples, scored)
    seconds = time.perf_counter() - t0
    membership.validate(tuples)
    prf = set_pair_prf(membership.frame, truth)
    return {"method": method, **options, "precision": round(prf.precision, 4), "recall": round(prf.recall, 4),
            "f1": round(prf.f1, 4), "set_similarity": round(set_similarity(membership.frame, truth), 4),
            "ari": round(adjusted_rand_index(membership.frame, truth), 4),
            "sets": membership.frame["set_id"].n_unique(), "true_sets": truth["entity"].n_unique(),
            "notes": 0 if membership.notes is None else membership.notes.height,
            "seconds": round(seconds, 3)}


def run_real(names: tuple[str, ...], sweep: bool, judge: str) -> tuple[list[dict], list[dict], dict[str, dict]]:
    rows: list[dict] = []
    sweep_rows: list[dict] = []
    inputs: dict[str, dict] = {}
    for name in names:
        try:
            tuples, truth, scored, used = judged(name, judge)
        except DataUnavailable as exc:
            print(f"skip {name}: {exc}", file=sys.stderr)
            continue
        meta = cached_meta(name, used)
        inputs[name] = {"tuples": tuples.height, "true_sets": truth["entity"].n_unique(), "judge": used,
                        "scored_pairs": scored.frame.height, "integrable": int(scored.frame["integrable"].sum()),
                        "threshold": round(scored.threshold, 4), "judge_build": meta.get("judge_sha256"),
                        "commit": meta.get("commit"), "judge_seconds": meta.get("fit_seconds")}
        for method in METHODS:
            rows.append({"dataset": name, **evaluate(tuples, scored, truth, method)})
            print(json.dumps(rows[-1]), file=sys.stderr)
        for method, options in VARIANTS:
            if options.get("unique_sources") == "all" and tuples.frame["source"].n_unique() < 2:
                continue  # declaring the only source duplicate-free would forbid every set
            rows.append({"dataset": name, **evaluate(tuples, scored, truth, method, **options)})
        if sweep:
            for rel in SWEEP:
                for penalty in (0.01, 0.02, 0.03, None):  # None: classic CPM (every node pair)
                    res = round(rel * scored.threshold, 4)
                    sweep_rows.append({"dataset": name, "relative": rel, **evaluate(
                        tuples, scored, truth, "leiden", resolution=res, pair_penalty=penalty)})
    return rows, sweep_rows, inputs


# --- synthetic ---------------------------------------------------------------------------------

def synthetic(n: int, m: int, seed: int, low: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Planted communities (sizes 1-15, 90% of inner pairs, score 0.7-1.0; capped at 85% of ``m``)
    plus random noise edges (score 0.5-0.8, all integrable: one giant component) up to ``m``
    edges, plus ``low`` random clearly-different pairs (score < 0.09, for the post-check)."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 16, size=n // 4)
    sizes = sizes[np.cumsum(sizes) <= n]
    sizes = np.append(sizes, n - sizes.sum()) if sizes.sum() < n else sizes
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    a_parts, b_parts = [], []
    for k in np.unique(sizes).tolist():
        if k < 2:
            continue
        iu, ju = np.triu_indices(k, 1)
        base = starts[sizes == k][:, None]
        a_parts.append((base + iu).ravel())
        b_parts.append((base + ju).ravel())
    a, b = np.concatenate(a_parts), np.concatenate(b_parts)
    keep = rng.random(a.size) < 0.9
    a, b = a[keep], b[keep]
    intra = min(a.size, int(m * 0.85))
    pick = rng.choice(a.size, intra, replace=False)
    a, b = a[pick], b[pick]
    noise = m - intra
    na, nb = rng.integers(0, n, noise), rng.integers(0, n, noise)
    la, lb = rng.integers(0, n, low), rng.integers(0, n, low)
    frame = pl.DataFrame({
        "x": np.concatenate([a, na, la]), "y": np.concatenate([b, nb, lb]),
        "score": np.concatenate([rng.uniform(0.7, 1.0, intra), rng.uniform(0.5, 0.8, noise),
                                 rng.uniform(0.0, 0.09, low)]),
    }).select(pl.min_horizontal("x", "y").cast(pl.Int64).alias("tid_a"),
              pl.max_horizontal("x", "y").cast(pl.Int64).alias("tid_b"), "score")
    frame = frame.filter(pl.col("tid_a") != pl.col("tid_b")).unique(["tid_a", "tid_b"], keep="first")
    frame = frame.with_columns((pl.col("score") >= 0.5).alias("integrable"))
    truth = pl.DataFrame({"tid": np.arange(n, dtype=np.int64), "entity": np.repeat(np.arange(sizes.size), sizes)})
    return frame, truth


def synthetic_one(folder: Path, method: str, metrics: bool) -> dict[str, Any]:
    """Child process: read the graph, discover, report time and this process's peak RSS."""
    frame = pl.read_parquet(folder / "pairs.parquet")
    truth = pl.read_parquet(folder / "truth.parquet")
    n = truth.height
    name, _, variant = method.partition(":")
    # ":multi": the tuples come from 8 sources (tid mod 8), so the post-check and the source rule run
    source = (pl.format("s{}", pl.col("tid") % 8) if variant == "multi" else pl.lit("synthetic")).alias("source")
    tuples = TupleTable(pl.DataFrame({"tid": np.arange(n, dtype=np.int64)}).with_columns(
        source, pl.col("tid").alias("source_row"),
        pl.lit(None, dtype=pl.Utf8).alias("source_key")).select(TUPLE_META), ())
    scored = ScoredPairs(frame, 0.5)
    import igraph  # noqa: F401  (a one-off import, ~2 s: not part of the method's time)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    t0, c0 = time.perf_counter(), time.process_time()
    options: dict[str, Any] = {}  # "": the defaults; ":always"/":cheaper": post-check on; ":classic": CPM on all pairs
    if variant in ("always", "cheaper"):
        options = {"split_below": 0.1, "split_rule": variant, "postcheck": "always"}
    elif variant == "nosplit":
        options = {"split_below": None}
    elif variant == "classic":
        options = {"pair_penalty": None, "split_below": 0.1, "postcheck": "always"}
    config = DiscoverConfig(method=name, **options)
    membership = make_discoverer(config).fit_predict(tuples, scored)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    out: dict[str, Any] = {"method": method, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
                           "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
                           "rss_before_gb": round(rss_before, 2), "sets": membership.frame["set_id"].n_unique(),
                           "notes": 0 if membership.notes is None else membership.notes.height}
    if metrics:
        t1 = time.perf_counter()
        prf = set_pair_prf(membership.frame, truth)
        out.update(f1=round(prf.f1, 4), ari=round(adjusted_rand_index(membership.frame, truth), 4),
                   set_similarity=round(set_similarity(membership.frame, truth), 4),
                   metric_seconds=round(time.perf_counter() - t1, 1))
    return out


def run_synthetic(n: int, m: int, methods: tuple[str, ...], timeout: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        frame, truth = synthetic(n, m, seed=0, low=m // 10)
        frame.write_parquet(folder / "pairs.parquet")
        truth.write_parquet(folder / "truth.parquet")
        info = {"nodes": n, "pairs": frame.height, "integrable_edges": int(frame["integrable"].sum()),
                "low_pairs": int((frame["score"] < 0.1).sum()), "true_sets": int(truth["entity"].n_unique()),
                "generate_seconds": round(time.perf_counter() - t0, 1)}
        del frame, truth
        results: list[dict[str, Any]] = []
        for method in methods:
            cmd = [sys.executable, __file__, "synthetic-one", str(folder), method]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                results.append({"method": method, "error": f"timed out after {timeout}s"})
                continue
            if proc.returncode != 0:
                results.append({"method": method, "error": proc.stderr.strip().splitlines()[-1:]})
                continue
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(json.dumps(results[-1]), file=sys.stderr)
    return {"graph": info, "results": results}


# --- reporting -----------------------------------------------------------------------------------

def _table(rows: list[dict], cols: list[str]) -> str:
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        out.append("| " + " | ".join("" if r.get(c) is None else str(r.get(c)) for c in cols) + " |")
    return "\n".join(out)


def _label(r: dict) -> str:
    tags = []
    if "pair_penalty" in r and r["pair_penalty"] is None:
        tags.append("classic CPM")
    mode = r.get("postcheck")
    if mode == "never" or ("split_below" in r and r["split_below"] is None):
        tags.append("no post-check")
    elif mode == "always" or "split_below" in r:
        tags.append(f"post-check always (rule {r.get('split_rule', 'cheaper')})")
    elif mode == "auto":
        tags.append("post-check on multi-source lakes")
    rule = r.get("unique_sources")
    if rule is not None:
        tags.append({"none": "no source rule", "all": "sources declared duplicate-free",
                     "judged": "source rule on any lake"}.get(rule, f"unique_sources {rule}"))
    return r["method"] + (f" ({', '.join(tags)})" if tags else "")


def _is_default(r: dict) -> bool:
    return not any(k in r for k in OPTION_KEYS)


OPTION_KEYS = ("split_below", "split_rule", "pair_penalty", "resolution", "postcheck", "unique_sources")


def _is_plain_components(r: dict) -> bool:
    return (r["method"] == "components" and r.get("postcheck") == "never" and r.get("unique_sources") == "none"
            and not any(k in r for k in ("split_rule", "pair_penalty", "resolution")))


def target_check(real: list[dict]) -> list[dict]:
    """Per dataset: does the default beat plain connected components (no post-check, no source
    rule: what Splink and Zingg do) on pairwise F1 and set similarity? The best components
    variant (post-check and source rule included) is shown beside it for reference."""
    out = []
    for d in dict.fromkeys(r["dataset"] for r in real):
        rows = [r for r in real if r["dataset"] == d]
        lei = next((r for r in rows if r["method"] == "leiden" and _is_default(r)), None)
        plain = next((r for r in rows if _is_plain_components(r)), None)
        coms = [r for r in rows if r["method"] == "components"]
        if lei is None or plain is None:
            continue
        out.append({"dataset": d, "leiden_f1": lei["f1"], "components_f1": plain["f1"],
                    "leiden_set_similarity": lei["set_similarity"],
                    "components_set_similarity": plain["set_similarity"],
                    "beats": lei["f1"] > plain["f1"] and lei["set_similarity"] > plain["set_similarity"],
                    "best_components_variant_f1": max(r["f1"] for r in coms),
                    "best_components_variant_set_similarity": max(r["set_similarity"] for r in coms)})
    return out


def write_markdown(report: dict[str, Any], path: Path) -> None:
    lines = ["# Discovery benchmark", "", f"Machine: {json.dumps(report['machine'])}", ""]
    if report.get("inputs"):
        lines += ["## Inputs (blocker + judge output)", "",
                  _table([{"dataset": k, **v} for k, v in report["inputs"].items()],
                         ["dataset", "tuples", "true_sets", "judge", "scored_pairs", "integrable", "threshold",
                          "judge_seconds", "commit", "judge_build"]), ""]
    if report.get("real"):
        rows = [{**r, "method": _label(r)} for r in report["real"]]
        lines += ["## Methods side by side", "",
                  _table(rows, ["dataset", "method", "precision", "recall", "f1", "set_similarity", "ari",
                                "sets", "true_sets", "notes", "seconds"]), ""]
    if report.get("real"):
        lines += ["## Target: default (leiden, judged-pair CPM, source rule on multi-source lakes, no post-check) "
                  "vs plain connected components", "",
                  _table(target_check(report["real"]),
                         ["dataset", "leiden_f1", "components_f1", "leiden_set_similarity", "components_set_similarity",
                          "beats", "best_components_variant_f1", "best_components_variant_set_similarity"]), ""]
    for judge, old in (report.get("by_judge") or {}).items():
        if old.get("real"):
            lines += [f"## Earlier run with the {judge} judge: default vs connected components", "",
                      _table(target_check(old["real"]), ["dataset", "leiden_f1", "components_f1",
                                                         "leiden_set_similarity", "components_set_similarity",
                                                         "beats"]), ""]
    if report.get("sweep"):
        sweep = pl.DataFrame(report["sweep"]).with_columns(pl.col("pair_penalty").fill_null(-1.0))
        means = (sweep.group_by("relative", "pair_penalty")
                 .agg(pl.col("f1").mean().round(4).alias("mean_f1"),
                      pl.col("set_similarity").mean().round(4).alias("mean_set_similarity"),
                      pl.col("ari").mean().round(4).alias("mean_ari"))
                 .sort("pair_penalty", "relative", descending=[True, False]))
        rows = [{**r, "pair_penalty": "none (classic)" if r["pair_penalty"] < 0 else r["pair_penalty"]}
                for r in means.to_dicts()]
        lines += ["## Leiden resolution x pair_penalty sweep, no post-check (relative = resolution / judge "
                  "threshold; mean over datasets)",
                  "", _table(rows, ["relative", "pair_penalty", "mean_f1", "mean_set_similarity", "mean_ari"]), "",
                  _table(report["sweep"], ["dataset", "relative", "resolution", "pair_penalty", "f1", "set_similarity",
                                           "ari", "sets"]), ""]
    if report.get("synthetic"):
        syn = report["synthetic"]
        lines += ["## Synthetic scale test", "", f"Graph: {json.dumps(syn['graph'])}", "",
                  _table(syn["results"], ["method", "seconds", "cpu_seconds", "peak_rss_gb", "rss_before_gb", "sets",
                                          "notes", "f1", "set_similarity", "ari", "metric_seconds", "error"]), ""]
    if report.get("findings"):
        lines += ["## Findings", "", *report["findings"], ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_png(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    real = [r for r in report.get("real", []) if _is_default(r)]
    if not real:
        return
    datasets = list(dict.fromkeys(r["dataset"] for r in real))
    methods = list(dict.fromkeys(r["method"] for r in real))
    fig, axes = plt.subplots(1, 3 if report.get("sweep") else 2, figsize=(18, 5))
    width = 0.8 / len(methods)
    for ax, metric in zip(axes[:2], ("f1", "set_similarity")):
        for i, method in enumerate(methods):
            vals = [next((r[metric] for r in real if r["dataset"] == d and r["method"] == method), 0)
                    for d in datasets]
            ax.bar(np.arange(len(datasets)) + i * width, vals, width, label=method)
        ax.set_xticks(np.arange(len(datasets)) + 0.4 - width / 2, datasets)
        ax.set_title({"f1": "pairwise F1", "set_similarity": "set similarity"}[metric])
        ax.set_ylim(0, 1)
    axes[0].legend(fontsize=8)
    if report.get("sweep"):
        ax = axes[2]
        sweep = [r for r in report["sweep"] if r.get("pair_penalty") == 0.02]
        for d in datasets:
            pts = sorted((r["relative"], r["f1"]) for r in sweep if r["dataset"] == d)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=d)
        ax.set_title("leiden (pair_penalty 0.02): pairwise F1 vs resolution / threshold")
        ax.set_xlabel("resolution / judge threshold (default 0.4)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _judge_of(inputs: dict[str, dict]) -> str | None:
    judges = {v.get("judge") for v in inputs.values()}
    return judges.pop() if len(judges) == 1 else None


def _keep_other_judge(report: dict[str, Any], inputs: dict[str, dict]) -> None:
    """Before a run with another judge replaces the real-lake results, keep the old ones (and
    their sweep) under ``by_judge`` so both judges' comparisons stay in the report."""
    old = _judge_of(report.get("inputs") or {})
    if old is not None and old != _judge_of(inputs):
        report.setdefault("by_judge", {})[old] = {k: report.pop(k) for k in ("real", "inputs", "sweep") if k in report}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["all", "real", "sweep", "synthetic", "synthetic-one", "report", "score"],
                        help="score: only block + judge each dataset into the cache (for later runs)")
    parser.add_argument("args", nargs="*")
    parser.add_argument("--datasets", default=",".join(REAL))
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--edges", type=int, default=5_000_000)
    parser.add_argument("--synthetic-methods",
                        default=",".join((*METHODS, "leiden:classic", "components:always", "leiden:multi")),
                        help="comma list; defaults unless ':always' / ':cheaper' (post-check at 0.1 with that rule), "
                             "':multi' (tuples from 8 sources: post-check and source rule on), "
                             "':nosplit' (post-check off), ':classic' (leiden: CPM on every node pair + post-check)")
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--findings", type=Path, default=None,
                        help="a text file of findings (one paragraph per line) to write under ## Findings")
    parser.add_argument("--judge", default="similarity",
                        help="similarity (default: cheap on shared CPUs), ssacl, or auto (ssacl when registered)")
    ns = parser.parse_args()
    if ns.what == "synthetic-one":
        print(json.dumps(synthetic_one(Path(ns.args[0]), ns.args[1], metrics=True)))
        return
    try:  # one torch thread unless told otherwise: the machine is shared
        import torch

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    except ImportError:
        pass
    if ns.what == "score":
        for name in (n for n in ns.datasets.split(",") if n):
            t0 = time.perf_counter()
            try:
                _, _, scored, used = judged(name, ns.judge)
            except DataUnavailable as exc:
                print(f"skip {name}: {exc}", flush=True)
                continue
            print(json.dumps({"dataset": name, "judge": used, "pairs": scored.frame.height,
                              "seconds": round(time.perf_counter() - t0, 1), **cached_meta(name, used)}), flush=True)
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    json_path = RESULTS / "discovery.json"
    report: dict[str, Any] = json.loads(json_path.read_text()) if json_path.exists() else {}
    report["machine"] = machine()
    names = tuple(n for n in ns.datasets.split(",") if n)
    if ns.what in ("all", "real", "sweep"):
        real, sweep, inputs = run_real(names, sweep=ns.what in ("all", "sweep"), judge=ns.judge)
        _keep_other_judge(report, inputs)
        report["real"], report["inputs"] = real, inputs
        if sweep:
            report["sweep"] = sweep
    if ns.what in ("all", "synthetic"):
        methods = tuple(m for m in ns.synthetic_methods.split(",") if m.partition(":")[0] in DISCOVERERS)
        report["synthetic"] = run_synthetic(ns.nodes, ns.edges, methods, ns.timeout)
    if ns.findings is not None:
        report["findings"] = [line.strip() if line.strip().startswith("- ") else f"- {line.strip()}"
                              for line in ns.findings.read_text().splitlines() if line.strip()]
    json_path.write_text(json.dumps(report, indent=1), encoding="utf-8")
    write_markdown(report, RESULTS / "discovery.md")
    write_png(report, RESULTS / "discovery.png")


if __name__ == "__main__":
    main()
