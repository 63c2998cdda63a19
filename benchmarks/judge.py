"""Judge benchmark: P/R/F1 with zero labels for training or threshold.

(1) magellan DeepMatcher test splits, beside published numbers; (2) ccer / der end to end with
blocking; (3) baselines in the same harness (similarity judge, Splink); (4) ablations; (5) cost.
Run (data from ``<repo>/../shared/data``; missing data is skipped with a message)::

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/judge.py magellan [DATASET ...]
    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/judge.py ccer [D1 D2 ... cora]
    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/judge.py ablate [DATASET ...]
    python benchmarks/judge.py report

Results accumulate in ``benchmarks/results/judge.json`` (one record per dataset x variant);
``report`` writes ``judge.md``. Encoder vectors persist in ``$TABLEFUSE_BENCH_CACHE`` (default
``/tmp/tablefuse-bench-encoder.npz``) so reruns and ablations pay the encoder once per text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tablefuse.frames import TUPLE_META, CandidatePairs, TupleTable

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
RESULTS = REPO / "benchmarks" / "results"

MAGELLAN = {
    "DBLP-ACM": "Structured/DBLP-ACM", "Fodors-Zagats": "Structured/Fodors-Zagats",
    "Abt-Buy": "Textual/Abt-Buy", "Walmart-Amazon": "Structured/Walmart-Amazon",
    "Amazon-Google": "Structured/Amazon-Google", "Beer": "Structured/Beer",
    "iTunes-Amazon": "Structured/iTunes-Amazon",
}
# Published F1 (from ../shared/data/README.md): supervised Ditto, zero-shot 13B Jellyfish.
PUBLISHED = {
    "DBLP-ACM": (98.99, 97.35), "Amazon-Google": (75.58, 72.69), "Walmart-Amazon": (86.76, 80.71),
    "Abt-Buy": (89.33, None), "Beer": (94.37, None), "iTunes-Amazon": (97.06, None),
    "Fodors-Zagats": (100.0, None),
}
_COL = re.compile(r"COL (\S+) VAL ")


def parse_serialised(text: str) -> dict[str, str | None]:
    """``COL a VAL v COL b VAL w`` -> {a: v, b: w}; empty values become null."""
    parts = _COL.split(" " + text.strip())
    out: dict[str, str | None] = {}
    for i in range(1, len(parts) - 1, 2):
        value = parts[i + 1].strip()
        out[parts[i]] = value if value and value.lower() != "nan" else None
    return out


@dataclass(frozen=True)
class LabelledPairs:
    name: str
    tuples: TupleTable
    candidates: CandidatePairs
    labels: list[int]  # aligned with candidates.frame rows


def load_magellan(name: str, split: str = "test") -> LabelledPairs:
    """One DeepMatcher split as a two-source lake: distinct left/right records become tuples."""
    path = DATA / "magellan" / MAGELLAN[name] / f"{split}.txt"
    records: dict[tuple[str, str], int] = {}
    rows: list[dict[str, str | None]] = []
    sources: list[str] = []
    pairs: list[tuple[int, int, int]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        left, right, label = line.split("\t")
        tids = []
        for side, text in (("left", left), ("right", right)):
            key = (side, text.strip())
            if key not in records:
                records[key] = len(rows)
                rows.append(parse_serialised(text))
                sources.append(side)
            tids.append(records[key])
        pairs.append((tids[0], tids[1], int(label)))
    attrs = list(dict.fromkeys(a for r in rows for a in r))
    frame = pl.DataFrame({
        "tid": pl.Series(range(len(rows)), dtype=pl.Int64),
        "source": pl.Series(sources, dtype=pl.Utf8),
        "source_row": pl.Series(range(len(rows)), dtype=pl.Int64),
        "source_key": pl.Series([None] * len(rows), dtype=pl.Utf8),
        **{a: pl.Series([r.get(a) for r in rows], dtype=pl.Utf8) for a in attrs},
    })
    seen: dict[tuple[int, int], int] = {}
    for a, b, y in pairs:
        key = (min(a, b), max(a, b))
        seen[key] = max(seen.get(key, 0), y)
    cand = pl.DataFrame({"tid_a": [k[0] for k in seen], "tid_b": [k[1] for k in seen],
                         "blocker": ["magellan"] * len(seen)},
                        schema={"tid_a": pl.Int64, "tid_b": pl.Int64, "blocker": pl.Utf8})
    tuples = TupleTable(frame.select(list(TUPLE_META) + attrs), tuple(attrs))
    return LabelledPairs(name, tuples, CandidatePairs(cand), list(seen.values()))


def prf(pred: list[bool], labels: list[int]) -> tuple[float, float, float]:
    tp = sum(1 for p, y in zip(pred, labels) if p and y)
    fp = sum(1 for p, y in zip(pred, labels) if p and not y)
    fn = sum(1 for p, y in zip(pred, labels) if not p and y)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


class CachedEncoder:
    """A ``TextEncoder`` whose vectors persist in an .npz on disk between benchmark runs, so
    ablations and reruns pay the encoder only once per distinct text (benchmark-only)."""

    def __init__(self, path: Path, model_dir: str | None = None):
        from tablefuse.encode import TextEncoder

        self.inner = TextEncoder(model_dir)
        self.path = path
        self.store: dict[str, "np.ndarray"] = {}
        if path.is_file():
            import numpy as np

            data = np.load(path, allow_pickle=False)
            texts = [str(t) for t in data["texts"]]
            self.store = dict(zip(texts, data["vectors"]))
        self.dirty = False

    @property
    def model(self):
        return self.inner.model

    @property
    def tokenizer(self):
        return self.inner.tokenizer

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode(self, texts, progress=None):
        import numpy as np

        todo = sorted({t for t in texts if t not in self.store})
        if todo:
            vecs = self.inner.encode(todo, progress)
            self.store.update(zip(todo, vecs))
            self.dirty = True
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self.store[t] for t in texts])

    def flush(self) -> None:
        import numpy as np

        if self.dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            texts = list(self.store)
            np.savez(self.path, texts=np.array(texts), vectors=np.stack([self.store[t] for t in texts]))
            self.dirty = False


# ---------------------------------------------------------------------------------------------
# harness
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

JSON_PATH = RESULTS / "judge.json"
CACHE = Path(os.environ.get("TABLEFUSE_BENCH_CACHE", "/tmp/tablefuse-bench-encoder.npz"))

# variant name -> (judge, JudgeConfig overrides)
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "similarity": ("similarity", {}),
    "splink": ("splink", {}),
    "ssacl": ("ssacl", {}),
    "ssacl+crop": ("ssacl", {"ssacl_augment": ("typo", "token", "null", "semantic", "format", "crop")}),
    "ssacl-no-adv": ("ssacl", {"ssacl_adv_weight": 0.0}),
    "ssacl-pgd3": ("ssacl", {"ssacl_adv_steps": 3}),
    "ssacl-no-hard-neg": ("ssacl", {"ssacl_hard_negatives": 0}),
    "ssacl-no-pseudo-pos": ("ssacl", {"ssacl_pseudo_positives": False}),
    "ssacl-no-typo": ("ssacl", {"ssacl_augment": ("token", "null", "semantic", "format")}),
    "ssacl-no-token": ("ssacl", {"ssacl_augment": ("typo", "null", "semantic", "format")}),
    "ssacl-no-null": ("ssacl", {"ssacl_augment": ("typo", "token", "semantic", "format")}),
    "ssacl-no-semantic-format": ("ssacl", {"ssacl_augment": ("typo", "token", "null")}),
    "ssacl-finetune": ("ssacl", {"ssacl_finetune_encoder": True, "ssacl_epochs": 3}),
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _load_results() -> list[dict[str, Any]]:
    if JSON_PATH.is_file():
        return json.loads(JSON_PATH.read_text())
    return []


def _save_result(record: dict[str, Any]) -> None:
    rows = [r for r in _load_results()
            if (r["suite"], r["dataset"], r["variant"]) != (record["suite"], record["dataset"], record["variant"])]
    rows.append(record)
    RESULTS.mkdir(parents=True, exist_ok=True)
    JSON_PATH.write_text(json.dumps(rows, indent=1))


class SplinkJudge:
    """Splink (DuckDB backend) as a judge in the same harness: a generic configuration built from
    the columns (numeric columns: exact match; text: Jaro-Winkler at 0.95/0.88/0.70 on lower
    case), lambda from deterministic rules, u by random sampling, m by unsupervised EM (one
    session blocked on each attribute), scored on exactly our candidate pairs, integrable at
    match probability >= 0.5. Zero labels."""

    threshold = 0.5

    def fit(self, tuples: TupleTable, candidates: CandidatePairs) -> "SplinkJudge":
        import logging

        import duckdb
        import splink.comparison_library as cl
        from splink import DuckDBAPI, Linker, SettingsCreator, block_on

        from tablefuse.judge._similarity import parse_number

        logging.getLogger("splink").setLevel(logging.ERROR)
        attrs = list(tuples.attributes)
        frame = tuples.frame.select(["tid"] + [pl.col(a).str.to_lowercase().str.strip_chars() for a in attrs])
        comps = []
        for a in attrs:
            vals = [v for v in frame[a].to_list() if v]
            numeric = bool(vals) and sum(parse_number(v) is not None for v in vals) >= 0.9 * len(vals)
            comps.append(cl.ExactMatch(a) if numeric else cl.JaroWinklerAtThresholds(a, [0.95, 0.88, 0.7]))
        self.db = DuckDBAPI(duckdb.connect())
        sdf = self.db.register(frame.to_pandas(), table_name="lake")
        rules = [block_on(a) for a in attrs]
        settings = SettingsCreator(link_type="dedupe_only", unique_id_column_name="tid", comparisons=comps,
                                   blocking_rules_to_generate_predictions=rules)
        self.linker = Linker(sdf, settings, log_level=40)
        for recall in (0.7, 0.85, 1.0):  # Splink refuses a recall its rules contradict: raise it
            try:
                self.linker.training.estimate_probability_two_random_records_match(rules, recall=recall)
                self.recall = recall
                break
            except ValueError:
                continue
        self.linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=0)
        self.em_failed = []
        for a in attrs:
            try:
                self.linker.training.estimate_parameters_using_expectation_maximisation(block_on(a))
            except Exception as exc:  # EM cannot train on a rule that fixes every comparison
                self.em_failed.append(f"{a}: {type(exc).__name__}")
        return self

    def score(self, tuples: TupleTable, candidates: CandidatePairs):
        from tablefuse.frames import ScoredPairs

        cf = candidates.frame
        pairs = pl.DataFrame({"match_key": ["0"] * cf.height, "join_key_l": cf["tid_a"], "join_key_r": cf["tid_b"]})
        bp = self.db.register(pairs.to_pandas(), table_name=f"blocked_{id(candidates)}")
        self.linker.table_management.register_blocked_pairs_for_predict(bp)
        pred = pl.from_pandas(self.linker.inference.predict().as_pandas_dataframe()[["tid_l", "tid_r", "match_probability"]])
        m = {(min(a, b), max(a, b)): s for a, b, s in pred.iter_rows()}
        scores = [float(m.get((a, b), 0.0)) for a, b in zip(cf["tid_a"].to_list(), cf["tid_b"].to_list())]
        frame = pl.DataFrame({"tid_a": cf["tid_a"], "tid_b": cf["tid_b"], "score": scores}).with_columns(
            (pl.col("score") >= self.threshold).alias("integrable"))
        return ScoredPairs(frame, self.threshold, {"method": "splink", "em_failed": "; ".join(self.em_failed),
                                                   "lambda_recall": getattr(self, "recall", None)})


def run_variant(variant: str, tuples: TupleTable, candidates: CandidatePairs, truth: set[tuple[int, int]],
                n_gold: int, encoder: CachedEncoder | None) -> dict[str, Any]:
    """Fit + score one judge variant; P/R/F1 of integrable pairs against ``truth`` (recall over
    ``n_gold`` gold pairs, so pairs that blocking missed count as misses)."""
    from tablefuse.config import JudgeConfig
    from tablefuse.judge import SSACLJudge, make_judge

    method, overrides = VARIANTS[variant]
    if method == "splink":
        judge = SplinkJudge()
    else:
        config = JudgeConfig(method=method, **overrides)
        judge = SSACLJudge.from_config(config) if method == "ssacl" else make_judge(config)
    if method == "ssacl":
        judge.encoder = encoder
    t0 = time.perf_counter()
    judge.fit(tuples, candidates)
    fit_s = time.perf_counter() - t0
    if encoder is not None:
        encoder.flush()
    t1 = time.perf_counter()
    scored = judge.score(tuples, candidates)
    score_s = time.perf_counter() - t1
    f = scored.frame
    y = np.array([(a, b) in truth for a, b in zip(f["tid_a"].to_list(), f["tid_b"].to_list())], dtype=bool)
    pred = f["integrable"].to_numpy()
    tp = int((pred & y).sum())
    fp = int((pred & ~y).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / n_gold if n_gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    # diagnostic only (uses labels, never used for any choice): F1 at the best possible threshold
    from tablefuse.judge.ssacl.threshold import f1_best_threshold

    s = f["score"].to_numpy()
    dump = os.environ.get("TABLEFUSE_BENCH_DUMP")
    if dump:  # scores + labels for offline analysis of label-free thresholds
        Path(dump).mkdir(parents=True, exist_ok=True)
        np.savez(Path(dump) / f"{variant}_{tuples.height}_{len(s)}.npz", scores=s, labels=y,
                 synthetic=getattr(judge, "synthetic_threshold_", np.nan))
    best_t = f1_best_threshold(s, y) if y.any() else 0.5
    bp = s >= best_t
    btp = int((bp & y).sum())
    bprec = btp / max(int(bp.sum()), 1)
    brec = btp / n_gold if n_gold else 0.0
    oracle = 2 * bprec * brec / (bprec + brec) if bprec + brec else 0.0
    stats = {k: v for k, v in scored.stats.items() if isinstance(v, (int, float, str, bool)) or v is None}
    return {
        "variant": variant, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4),
        "threshold": round(float(scored.threshold), 4), "oracle_threshold_f1": round(oracle, 4),
        "oracle_threshold": round(float(best_t), 4), "pairs": f.height, "gold_pairs": n_gold,
        "gold_in_candidates": int(y.sum()), "fit_seconds": round(fit_s, 2), "score_seconds": round(score_s, 2),
        "pairs_per_second": round(f.height / score_s, 1) if score_s > 0 else None,
        "peak_rss_mb": round(_peak_mb(), 1), "overrides": {k: list(v) if isinstance(v, tuple) else v
                                                           for k, v in overrides.items()},
        "stats": stats,
    }


def magellan(datasets: list[str], variants: list[str]) -> None:
    encoder = CachedEncoder(CACHE)
    for name in datasets:
        path = DATA / "magellan" / MAGELLAN[name] / "test.txt"
        if not path.is_file():
            print(f"skip {name}: {path} not found")
            continue
        d = load_magellan(name)
        cf = d.candidates.frame
        truth = {(a, b) for a, b, y in zip(cf["tid_a"].to_list(), cf["tid_b"].to_list(), d.labels) if y}
        for v in variants:
            rec = run_variant(v, d.tuples, d.candidates, truth, len(truth), encoder)
            rec.update({"suite": "magellan", "dataset": name, "tuples": d.tuples.height,
                        "published_ditto_f1": PUBLISHED[name][0], "published_jellyfish_f1": PUBLISHED[name][1]})
            _save_result(rec)
            print(f"{name:15s} {v:26s} P {rec['precision']:.3f} R {rec['recall']:.3f} F1 {rec['f1']:.3f} "
                  f"(oracle-threshold F1 {rec['oracle_threshold_f1']:.3f}) fit {rec['fit_seconds']}s", flush=True)


def ccer(datasets: list[str], variants: list[str]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from datasets import DataUnavailable, load  # the shared benchmark loaders

    from tablefuse.block import make_blocker
    from tablefuse.config import BlockConfig

    encoder = CachedEncoder(CACHE)
    for name in datasets:
        try:
            tuples, gold = load(name)
        except DataUnavailable as exc:
            print(f"skip {name}: {exc}")
            continue
        t0 = time.perf_counter()
        cands = make_blocker(BlockConfig()).candidates(tuples)
        block_s = time.perf_counter() - t0
        truth = set(zip(gold["tid_a"].to_list(), gold["tid_b"].to_list()))
        for v in variants:
            rec = run_variant(v, tuples, cands, truth, len(truth), encoder)
            rec.update({"suite": "e2e", "dataset": name, "tuples": tuples.height, "blocker": "token",
                        "block_seconds": round(block_s, 2)})
            _save_result(rec)
            print(f"{name:8s} {v:26s} P {rec['precision']:.3f} R {rec['recall']:.3f} F1 {rec['f1']:.3f} "
                  f"(gold in candidates {rec['gold_in_candidates']}/{len(truth)}) fit {rec['fit_seconds']}s",
                  flush=True)


FINDINGS = """## Findings (run of this commit)

* SSACL beats the similarity baseline and Splink on 6 of the 7 magellan splits; on Abt-Buy it is
  below both (0.143 vs 0.227 similarity, 0.157 Splink). It hits the target on Fodors-Zagats
  (1.000 >= 0.95). It misses DBLP-ACM by 0.027 (0.943 vs 0.97), Amazon-Google by
  0.205 (0.445 vs 0.65), Walmart-Amazon by 0.338 (0.412 vs 0.75) and Abt-Buy by 0.657 (0.143 vs
  0.80). The oracle-threshold column shows the misses are ranking, not the label-free threshold:
  even the best label-chosen cut gives 0.967 / 0.487 / 0.476 / 0.441.
* Why: augmented positives differ from their anchor by typos, dropped tokens and reformatting,
  while real cross-source matches in the product sets differ systematically (different titles,
  long vs short or missing descriptions, prices that disagree, manufacturers missing on one
  side). The head learns the synthetic task almost perfectly (validation loss ~1e-3, scores
  saturate near 0/1), and most real product matches land on the negative side (Abt-Buy: 75% of
  true pairs score <= 0.001).
* Pseudo-positives (confident mutual-best blocking pairs, no labels) are the one change that
  moved the hard sets: Amazon-Google 0.275 -> 0.445, DBLP-ACM 0.925 -> 0.943, Abt-Buy 0.093 ->
  0.143, iTunes-Amazon 0.818 -> 0.868. The opt-in ``crop`` family (keep a span of long values)
  helps Abt-Buy (0.207) but hurts Amazon-Google (0.409), so it is not in the default.
* Ablations on the small sets (Beer: 14 true pairs; iTunes-Amazon: 26) move F1 by +-0.05 in both
  directions, i.e. within single-seed noise; adversarial positives did not help there (no-adv
  0.867 / 0.912 vs 0.828 / 0.868). Fine-tuning the encoder (3 epochs, Beer) gave the same F1 as
  the frozen encoder at 6x the fit time on CPU.
* End to end (SSACL build without pseudo-positives): above Splink on D2 (0.045 vs 0.013) and D4
  (0.356 vs 0.334), below it on D1 (0.015 vs 0.549), D3 (0.009 vs 0.079) and cora (0.530 vs
  0.761); D8 (24,628 tuples) was not reached in the time (the encoder pass on a shared CPU). The
  target "higher F1 than Splink on every ccer dataset" is not met. All three judges are poor on
  D2/D3 end to end: with 20k+ candidates per 1k true pairs, a pairwise cut that is fine on the
  magellan splits lets through many near-miss products.
* D1's tables are a flattened RDF dump (rows holding only a name, only a street or
  only a city), so "new york" rows are integrable by value under nulls-complement semantics
  while the gold lists restaurants only: every value-based judge has precision near 0 there;
  Splink's EM learned to require the phone. cora's recall is capped by the token blocker (69%
  of gold pairs reach the judge).
* Cost: fit time is dominated by the encoder (about 50 distinct texts/s on this shared CPU; a
  value is encoded once, cached); the head trains in 20-170 s; scoring runs at roughly
  1,500-6,000 pairs/s (rapidfuzz features + head), peak RSS 0.5-1.6 GB.
"""


def report() -> None:
    rows = _load_results()
    lines = ["# Judge benchmark", "",
             "Zero labels for training and threshold. P/R/F1 of the pairs each judge calls integrable. "
             "`oracle-t F1` is a diagnostic only: F1 at the best threshold chosen *with* the labels, "
             "to separate ranking quality from the label-free threshold choice; no reported F1 uses it.",
             "", "Machine: 2 shared CPU cores (load average 10-15 from other jobs during the runs), no GPU; "
             "times are upper bounds.", ""]
    mag = [r for r in rows if r["suite"] == "magellan"]
    targets = {"DBLP-ACM": 0.97, "Fodors-Zagats": 0.95, "Abt-Buy": 0.80, "Walmart-Amazon": 0.75, "Amazon-Google": 0.65}
    best = {(r["suite"], r["dataset"], r["variant"]): r["f1"] for r in rows}
    if mag:
        lines += ["## Summary (F1, zero labels)", "",
                  "| dataset | similarity | Splink | SSACL | target | Ditto (supervised) | Jellyfish-13B (zero-shot) |",
                  "|---|---|---|---|---|---|---|"]
        for name in MAGELLAN:
            if ("magellan", name, "ssacl") not in best and ("magellan", name, "similarity") not in best:
                continue
            cell = [f"{best[('magellan', name, v)]:.3f}" if ("magellan", name, v) in best else "-"
                    for v in ("similarity", "splink", "ssacl")]
            pub = PUBLISHED[name]
            lines.append(f"| {name} | {cell[0]} | {cell[1]} | **{cell[2]}** | {targets.get(name, '-')} | "
                         f"{pub[0] / 100:.3f} | {'-' if pub[1] is None else f'{pub[1] / 100:.3f}'} |")
        for name in ("D1", "D2", "D3", "D4", "D8", "cora", "abtbuy"):
            if ("e2e", name, "ssacl") not in best and ("e2e", name, "similarity") not in best:
                continue
            cell = [f"{best[('e2e', name, v)]:.3f}" if ("e2e", name, v) in best else "-"
                    for v in ("similarity", "splink", "ssacl")]
            if cell[2] == "-" and ("e2e", name, "ssacl-no-pseudo-pos") in best:
                cell[2] = f"{best[('e2e', name, 'ssacl-no-pseudo-pos')]:.3f}†"
            lines.append(f"| {name} (end to end) | {cell[0]} | {cell[1]} | **{cell[2]}** | > Splink | - | - |")
        lines += ["", "† the end-to-end SSACL runs used the build before pseudo-positives were added "
                  "(equivalent to `ssacl_pseudo_positives = false`); there was no time to rerun them.", ""]
        lines += ["## DeepMatcher/Magellan test splits", "",
                  "| dataset | variant | P | R | F1 | threshold | oracle-t F1 | Ditto (supervised) | Jellyfish-13B (zero-shot) | fit s | pairs/s |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in sorted(mag, key=lambda r: (list(MAGELLAN).index(r["dataset"]), list(VARIANTS).index(r["variant"]))):
            lines.append(f"| {r['dataset']} | {r['variant']} | {r['precision']:.3f} | {r['recall']:.3f} | "
                         f"**{r['f1']:.3f}** | {r['threshold']:.3f} | {r['oracle_threshold_f1']:.3f} | "
                         f"{r['published_ditto_f1'] or '-'} | {r['published_jellyfish_f1'] or '-'} | "
                         f"{r['fit_seconds']} | {r['pairs_per_second']} |")
        lines.append("")
    e2e = [r for r in rows if r["suite"] == "e2e"]
    if e2e:
        lines += ["## End to end with blocking (token blocker), ccer / der", "",
                  "| dataset | variant | P | R | F1 | candidates | gold in candidates | threshold | oracle-t F1 | fit s | pairs/s | peak MB |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in sorted(e2e, key=lambda r: (r["dataset"], r["variant"])):
            lines.append(f"| {r['dataset']} | {r['variant']} | {r['precision']:.3f} | {r['recall']:.3f} | "
                         f"**{r['f1']:.3f}** | {r['pairs']} | {r['gold_in_candidates']}/{r['gold_pairs']} | "
                         f"{r['threshold']:.3f} | {r['oracle_threshold_f1']:.3f} | {r['fit_seconds']} | "
                         f"{r['pairs_per_second']} | {r['peak_rss_mb']} |")
        lines.append("")
    lines += FINDINGS.splitlines()
    (RESULTS / "judge.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv: list[str]) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    try:
        import torch

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    except ImportError:
        pass
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return
    cmd, rest = argv[0], argv[1:]
    variants = [v for v in os.environ.get("VARIANTS", "").split(",") if v]
    if cmd == "magellan":
        magellan(rest or list(MAGELLAN), variants or ["similarity", "ssacl"])
    elif cmd == "ccer":
        ccer(rest or ["D1", "D2", "D3", "D4", "D8", "cora"], variants or ["similarity", "ssacl"])
    elif cmd == "ablate":
        magellan(rest or ["Beer", "iTunes-Amazon"], variants or [v for v in VARIANTS if v.startswith("ssacl")])
    elif cmd == "report":
        report()
    else:
        print(f"unknown command {cmd!r}\n{__doc__}")
    if not DATA.is_dir():
        print(f"note: {DATA} is absent; nothing was measured")


if __name__ == "__main__":
    main(sys.argv[1:])
