"""Suite runner: every dataset of a suite × every method configuration, scored against truth.

A *method* is a set of config overrides run through the library API (``tablefuse.integrate``);
methods whose stage implementations are not registered yet are skipped with a note. Each run
happens in a fresh spawned process, so its peak memory is its own and a crash or timeout costs
one row of the table, not the suite. Results: ``<out>/<suite>.json`` (with the machine), a
markdown table ``<suite>.md`` and charts ``<suite>_f1.png`` / ``<suite>_time.png``.

>>> payload = run_suite("join", quick=True, out_dir="benchmarks/results")  # doctest: +SKIP
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import multiprocessing as mp
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

log = logging.getLogger("tablefuse.benchmarks")

SUITES = ("real", "join")


@dataclass(frozen=True)
class Method:
    """A named pipeline configuration: overrides per config section; ``needs`` lists the
    (stage, method) implementations that must be registered for it to run."""

    name: str
    description: str
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    needs: tuple[tuple[str, str], ...] = ()
    quick: bool = True  # part of --quick
    max_rows: int | None = None  # skip lakes larger than this (CPU cost)


METHODS: tuple[Method, ...] = (
    Method("baseline", "foundation: similarity judge, connected components, majority vote",
           {"judge": {"method": "similarity"}, "discover": {"method": "components"},
            "resolve": {"method": "vote"}},
           (("judge", "similarity"), ("discover", "components"), ("resolve", "vote"))),
    Method("default", "TablefuseConfig() as the pipeline defaults are at run time"),
    Method("leiden", "similarity judge, Leiden (CPM) discovery, majority vote",
           {"judge": {"method": "similarity"}, "discover": {"method": "leiden"}},
           (("judge", "similarity"), ("discover", "leiden"))),
    Method("leiden+truth", "similarity judge, Leiden discovery, truth-discovery resolution",
           {"judge": {"method": "similarity"}, "discover": {"method": "leiden"}, "resolve": {"method": "truth"}},
           (("judge", "similarity"), ("discover", "leiden"), ("resolve", "truth"))),
    Method("ssacl", "union blocking, SSACL judge, Leiden discovery (the paper's pipeline)",
           {"block": {"method": "union"}, "judge": {"method": "ssacl"}, "discover": {"method": "leiden"}},
           (("block", "union"), ("judge", "ssacl"), ("discover", "leiden")), quick=False, max_rows=5_000),
    Method("splink", "Splink (DuckDB, generic unsupervised) as the judge, connected components",
           {"judge": {"method": "splink"}, "discover": {"method": "components"}},
           (("judge", "splink"), ("discover", "components"))),
)


def registered(stage: str) -> set[str]:
    """Method names registered for a stage right now (the registries change as stages land)."""
    if stage == "block":
        from tablefuse.block import BLOCKERS as reg
    elif stage == "judge":
        from tablefuse.judge import JUDGES as reg
    elif stage == "discover":
        from tablefuse.discover import DISCOVERERS as reg
    elif stage == "resolve":
        from tablefuse.resolve import RESOLVERS as reg
    else:
        raise ValueError(f"unknown stage {stage!r}")
    return set(reg)


def usable_methods(quick: bool, names: tuple[str, ...] = ()) -> tuple[list[Method], list[str]]:
    """The methods to run and notes about the ones left out (not registered, or not --quick)."""
    from tablefuse.config import TablefuseConfig

    chosen, notes = [], []
    configs: dict[str, str] = {}
    for m in METHODS:
        if names and m.name not in names:
            continue
        missing = [f"{stage}={impl}" for stage, impl in m.needs if impl not in registered(stage)]
        if missing:
            notes.append(f"method {m.name} skipped: {', '.join(missing)} not registered")
            continue
        if quick and not m.quick and not names:
            notes.append(f"method {m.name} left out of --quick (CPU cost); run without --quick")
            continue
        config = TablefuseConfig().with_overrides(**m.overrides).to_json()
        if config in configs:  # e.g. the defaults are still the baseline's
            notes.append(f"method {m.name} not run: same configuration as {configs[config]}")
            continue
        configs[config] = m.name
        chosen.append(m)
    return chosen, notes


# --- metrics beyond tablefuse.truth.evaluate ----------------------------------------------------

def attribute_map(alignment: pl.DataFrame, columns: pl.DataFrame) -> dict[str, list[str]]:
    """truth attribute → golden attributes that carry it, most source columns first.

    ``alignment``: (source, source_column, attribute, role) from the run; ``columns``: (source,
    source_column, attribute) from the truth. A golden attribute goes to the truth attribute most
    of its source columns are; ties to the smaller name.

    >>> al = pl.DataFrame({"source": ["a", "b", "b"], "source_column": ["n", "title", "x"],
    ...                    "attribute": ["name", "title", "name"], "role": ["attribute"] * 3})
    >>> cols = pl.DataFrame({"source": ["a", "b", "b"], "source_column": ["n", "title", "x"],
    ...                      "attribute": ["name", "name", "city"]})
    >>> attribute_map(al, cols)
    {'name': ['name', 'title']}
    """
    joined = (alignment.filter(pl.col("role") == "attribute").drop_nulls("attribute")
              .select("source", "source_column", pl.col("attribute").alias("golden"))
              .join(columns.select("source", "source_column", pl.col("attribute").alias("truth")),
                    on=["source", "source_column"], how="inner"))
    votes = joined.group_by("golden", "truth").len()
    best = (votes.sort(["golden", "len", "truth"], descending=[False, True, False])
            .unique("golden", keep="first", maintain_order=True))
    out: dict[str, list[str]] = {}
    for golden, truth, _ in best.sort(["truth", "len", "golden"], descending=[False, True, False]).iter_rows():
        out.setdefault(truth, []).append(golden)
    return out


def golden_in_truth_terms(golden: pl.DataFrame, mapping: dict[str, list[str]] | None) -> pl.DataFrame:
    """set_id + one column per truth attribute: the first non-null of the golden attributes
    mapped to it (``mapping`` None: the golden frame unchanged)."""
    if mapping is None:
        return golden
    cols = [pl.coalesce([pl.col(g).cast(pl.Utf8) for g in gs if g in golden.columns]).alias(t)
            for t, gs in sorted(mapping.items()) if any(g in golden.columns for g in gs)]
    return golden.select("set_id", *cols)


def _fold(value: str) -> str:
    return " ".join(value.split()).lower()


def conflict_accuracy(golden: pl.DataFrame, membership: pl.DataFrame, tuples: pl.DataFrame,
                      conflicts: pl.DataFrame,
                      normalise: Callable[[str], str] | None = None) -> dict[str, Any]:
    """Share of injected conflicts whose set's golden value is the true value.

    ``golden``: set_id + truth attributes; ``membership``: (tid, set_id); ``tuples``: (tid,
    source, source_row); ``conflicts``: (source, source_row, attribute, true_value, wrong_value).
    A conflict whose row is not in the run, whose attribute has no golden column, or whose
    golden cell is null counts as wrong; ``kept_wrong`` counts golden cells equal to the
    injected wrong value. Values compare after ``normalise`` (default: case and spacing).

    >>> golden = pl.DataFrame({"set_id": [0], "city": ["Boston"]})
    >>> conflict_accuracy(golden, pl.DataFrame({"tid": [0, 1], "set_id": [0, 0]}),
    ...     pl.DataFrame({"tid": [0, 1], "source": ["a", "b"], "source_row": [0, 0]}),
    ...     pl.DataFrame({"source": ["a"], "source_row": [0], "attribute": ["city"],
    ...                   "true_value": ["boston"], "wrong_value": ["Denver"]}))["accuracy"]
    1.0
    """
    norm = normalise or _fold
    set_of = dict(membership.select(pl.col("tid").cast(pl.Int64), "set_id").iter_rows())
    tid_of = {(s, int(r)): int(t) for t, s, r in tuples.select("tid", "source", "source_row").iter_rows()}
    gold = golden.rows_by_key("set_id", named=True, unique=True)
    correct = kept_wrong = 0
    for source, row, attribute, true, wrong in conflicts.select(
            "source", "source_row", "attribute", "true_value", "wrong_value").iter_rows():
        tid = tid_of.get((source, int(row)))
        value = gold.get(set_of.get(tid), {}).get(attribute) if tid is not None else None
        if value is None:
            continue
        if norm(value) == norm(true):
            correct += 1
        elif wrong is not None and norm(value) == norm(wrong):
            kept_wrong += 1
    total = conflicts.height
    return {"accuracy": correct / total if total else 1.0, "correct": correct, "kept_wrong": kept_wrong,
            "total": total}


def score(result: Any, truth_dir: Path) -> dict[str, Any]:
    """``tablefuse.truth.evaluate`` plus conflict accuracy and cell accuracy in truth terms
    (golden columns mapped to the truth's attributes through ``columns.csv`` when present;
    ``accuracy_equiv`` compares with ``tablefuse.equivalence.canonical``)."""
    from tablefuse.metrics import cell_accuracy
    from tablefuse.truth import evaluate, load_truth

    truth = load_truth(truth_dir)
    metrics = evaluate(result, truth)
    mapping = None
    if (truth_dir / "columns.csv").is_file():
        mapping = attribute_map(result.alignment.frame, pl.read_csv(truth_dir / "columns.csv", infer_schema=False))
    golden = golden_in_truth_terms(result.resolution.golden, mapping)
    members = result.membership.frame.select("tid", "set_id")
    try:
        from tablefuse.equivalence import canonical
    except ImportError:  # the equivalence module is optional: fall back to plain folding
        canonical = _fold
    if truth.values is not None:
        te = truth.tid_entities(result.tuples)
        cells = cell_accuracy(golden, members, te, truth.values)
        cells["accuracy_equiv"] = cell_accuracy(golden, members, te, truth.values, normalise=canonical)["accuracy"]
        cells["mapped"] = mapping is not None
        metrics["cells"] = cells
    conf_path = truth_dir / "conflicts.csv"
    if conf_path.is_file():
        conflicts = pl.read_csv(conf_path, infer_schema=False).with_columns(pl.col("source_row").cast(pl.Int64))
        meta = result.tuples.frame.select("tid", "source", "source_row")
        metrics["conflicts"] = conflict_accuracy(golden, members, meta, conflicts)
        metrics["conflicts"]["accuracy_equiv"] = conflict_accuracy(golden, members, meta, conflicts,
                                                                   canonical)["accuracy"]
    return metrics


# --- running ------------------------------------------------------------------------------------

def _worker(lake_dir: str, truth_dir: str, overrides: dict[str, dict[str, Any]], out_path: str) -> None:
    """Run one (dataset, method) in this fresh process and write its record as JSON."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    record: dict[str, Any]
    try:
        import tablefuse
        from tablefuse.config import TablefuseConfig

        config = TablefuseConfig().with_overrides(**overrides) if overrides else TablefuseConfig()
        t0 = time.perf_counter()
        result = tablefuse.integrate(lake_dir, config)
        seconds = time.perf_counter() - t0
        t1 = time.perf_counter()
        metrics = score(result, Path(truth_dir))
        record = {
            "status": "ok", "seconds": round(seconds, 3), "score_seconds": round(time.perf_counter() - t1, 3),
            "peak_rss_mb": max((s.peak_rss_mb for s in result.stages), default=None),
            "stages": [{"stage": s.stage, "seconds": s.seconds, "peak_rss_mb": s.peak_rss_mb,
                        "rows_in": s.rows_in, "rows_out": s.rows_out} for s in result.stages],
            "summary": result.summary(), "config": json.loads(result.config_json), "metrics": metrics,
        }
    except Exception as exc:  # one failing run is a row of the table, not the end of the suite
        record = {"status": "error", "error": f"{type(exc).__name__}: {exc}",
                  "traceback": traceback.format_exc()[-2000:]}
    Path(out_path).write_text(json.dumps(record, default=str), encoding="utf-8")


def run_isolated(lake_dir: Path, truth_dir: Path, method: Method, timeout_s: float,
                 scratch: Path) -> dict[str, Any]:
    """One run in a spawned process (own peak memory), stopped after ``timeout_s``."""
    out = scratch / f"run-{time.time_ns()}.json"
    proc = mp.get_context("spawn").Process(target=_worker, args=(str(lake_dir), str(truth_dir),
                                                                  method.overrides, str(out)))
    t0 = time.perf_counter()
    proc.start()
    proc.join(timeout_s)
    if proc.is_alive():
        proc.terminate()
        proc.join(10)
        if proc.is_alive():
            proc.kill()
            proc.join()
        return {"status": "timeout", "error": f"stopped after {timeout_s:.0f} s"}
    if not out.is_file():
        return {"status": "error", "error": f"worker exited with code {proc.exitcode} and no record",
                "wall_seconds": round(time.perf_counter() - t0, 1)}
    record = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    record["wall_seconds"] = round(time.perf_counter() - t0, 1)
    return record


@dataclass(frozen=True)
class SuitePlan:
    """What a suite run does: limits that make --quick quick."""

    quick: bool
    run_timeout_s: float
    methods: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()


def run_suite(suite: str, quick: bool = False, out_dir: str | Path = "benchmarks/results",
              work_dir: str | Path | None = None, methods: tuple[str, ...] = (),
              datasets: tuple[str, ...] = (), report: Callable[[str], None] | None = None,
              paper_dir: str | Path | None = None) -> dict[str, Any]:
    """Run ``suite`` (``real``, ``join``, ``all`` or ``paper``) and write results into ``out_dir``.

    ``paper`` runs the authors' published files (``paper_dir``: one dataset folder of the paper's
    format, or a folder of them; see ``benchmarks.paper_format``).

    Returns ``{suite: payload}`` (one payload per suite run), each as written to
    ``<out_dir>/<suite>.json``. ``methods``/``datasets`` restrict the run (names); ``work_dir``
    keeps the prepared lakes (default: a temporary folder); ``report`` gets one line per run.
    """
    if suite == "all":
        out: dict[str, Any] = {}
        for s in SUITES:
            out.update(run_suite(s, quick, out_dir, work_dir, methods, datasets, report))
        return out
    if suite not in (*SUITES, "paper"):
        raise ValueError(f"unknown suite {suite!r}; choose from {(*SUITES, 'all', 'paper')}")
    if suite == "paper" and paper_dir is None:
        raise ValueError("suite 'paper' needs paper_dir: the folder of the authors' files")
    say = report or log.info
    from .machine import describe
    from .report import write_outputs
    from .suites import dataset_facts, prepare_join, prepare_paper, prepare_real

    plan = SuitePlan(quick, 240.0 if quick else 1800.0, methods, datasets)
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tablefuse-bench-") as tmp:
        work = Path(work_dir) if work_dir is not None else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if suite == "paper":
            prepared, notes = prepare_paper(work, Path(paper_dir), only=datasets)  # type: ignore[arg-type]
        elif suite == "real":
            prepared, notes = prepare_real(work, quick=quick, only=datasets)
        else:
            prepared, notes = prepare_join(work, quick=quick, only=datasets)
        chosen, method_notes = usable_methods(quick, methods)
        notes = notes + method_notes
        scratch = work / "_runs"
        scratch.mkdir(exist_ok=True)
        entries = []
        for ds in prepared:
            facts = dataset_facts(ds)
            say(f"{suite}/{ds.name}: {facts['rows']} rows, {facts['true_pairs']} true pairs, "
                f"{facts['true_sets']} sets")
            for m in chosen:
                if m.max_rows is not None and int(facts["rows"]) > m.max_rows:
                    record = {"status": "skipped", "error": f"more than {m.max_rows} rows"}
                else:
                    record = run_isolated(ds.lake_dir, ds.truth_dir, m, plan.run_timeout_s, scratch)
                entries.append({"dataset": ds.name, "method": m.name, **record})
                say(_one_line(ds.name, m.name, record))
            entries_facts = {"name": ds.name, **facts}
            entries_facts.pop("note", None)
            entries_facts["note"] = ds.note
            entries.append({"dataset_facts": entries_facts})
    payload = {
        "suite": suite, "quick": quick, "started": started, "seconds": round(time.perf_counter() - t0, 1),
        "machine": describe(), "methods": [asdict(m) for m in chosen], "notes": notes,
        "datasets": [e["dataset_facts"] for e in entries if "dataset_facts" in e],
        "runs": [e for e in entries if "dataset_facts" not in e],
        "command": f"python -m benchmarks run --suite {suite}" + (" --quick" if quick else "")
                   + (f" --paper-dir {paper_dir}" if suite == "paper" else ""),
    }
    write_outputs(payload, Path(out_dir))
    return {suite: payload}


def _one_line(dataset: str, method: str, record: dict[str, Any]) -> str:
    if record.get("status") != "ok":
        return f"  {dataset} × {method}: {record.get('status')} ({record.get('error', '')[:120]})"
    m = record["metrics"]
    return (f"  {dataset} × {method}: set F1 {m['sets']['f1']:.3f}, pair F1 {m['judge']['f1']:.3f}, "
            f"PC {m['blocking']['pair_completeness']:.3f}, {record['seconds']:.1f} s")


__all__ = ["METHODS", "Method", "attribute_map", "conflict_accuracy", "golden_in_truth_terms",
           "run_isolated", "run_suite", "score", "usable_methods"]
