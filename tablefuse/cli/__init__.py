"""The ``tablefuse`` command: a thin client of the library API.

Exit codes: 0 ok, 1 unexpected error, 2 bad input / usage / config, 3 store error.
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Literal, Optional

import typer
from rich.console import Console
from rich.table import Table

from ..config import TablefuseConfig, load_config
from ..errors import AlignmentError, ConfigError, InputError, StoreError, TablefuseError
from ._progress import RichProgress

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Integrate a folder of messy tables into one deduplicated, conflict-resolved table.")

EXIT_OK, EXIT_UNEXPECTED, EXIT_INPUT, EXIT_STORE = 0, 1, 2, 3


def _console(quiet: bool = False) -> Console:
    return Console(stderr=True, quiet=quiet)


def _fail(console: Console, exc: BaseException) -> None:
    """Map an error to its exit code with one clear line (and the traceback with --verbose)."""
    from ..store import StoreInUseError

    if isinstance(exc, (InputError, ConfigError, AlignmentError)):
        code, label = EXIT_INPUT, "input error" if isinstance(exc, InputError) else "error"
    elif isinstance(exc, StoreInUseError):  # another run holds the store: a usage problem, try again later
        code, label = EXIT_INPUT, "store error"
    elif isinstance(exc, StoreError):
        code, label = EXIT_STORE, "store error"
    elif isinstance(exc, TablefuseError):
        code, label = EXIT_UNEXPECTED, "error"
    else:
        code, label = EXIT_UNEXPECTED, "unexpected error"
    Console(stderr=True).print(f"[bold red]{label}:[/] {exc}", markup=True, highlight=False)
    if logging.getLogger("tablefuse").isEnabledFor(logging.DEBUG):
        Console(stderr=True).print_exception()
    raise typer.Exit(code)


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else (logging.ERROR if quiet else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("tablefuse").setLevel(level)


def build_config(
    config_file: Optional[Path], settings: Optional[list[str]] = None, **overrides: dict
) -> TablefuseConfig:
    """The config file (if any), then ``--set section.option=value`` settings, then the named
    command-line options on top."""
    cfg = load_config(config_file) if config_file else TablefuseConfig()
    if settings:
        cfg = cfg.with_overrides(**parse_settings(settings))
    sections = {k: {kk: vv for kk, vv in v.items() if vv is not None} for k, v in overrides.items()}
    return cfg.with_overrides(**{k: v for k, v in sections.items() if v})


def parse_settings(settings: list[str]) -> dict[str, dict]:
    """``["block.top_k=30", "block.blockers=['token']"]`` -> ``{"block": {"top_k": 30, ...}}``.

    A value is read as a TOML value (``true``, ``30``, ``0.5``, ``["a", "b"]``, ``"text"``), ``none``
    as None (an optional setting switched off), and otherwise kept as a plain string; an option may
    be a dotted path into a sub-section (``judge.ssacl.epochs=3``); the config then checks its type,
    so a wrong one fails with the option's name.
    """
    import tomllib

    out: dict[str, dict] = {}
    for item in settings:
        key, sep, raw = item.partition("=")
        section, dot, option = key.strip().partition(".")
        if not sep or not dot or not section or not option:
            raise ConfigError(f"--set {item!r}: expected section.option=value, e.g. block.top_k=30")
        value: object
        if raw.strip().lower() in ("none", "null"):
            value = None  # switches an optional setting off, e.g. discover.split_below=none
        else:
            try:
                value = tomllib.loads(f"v = {raw.strip()}")["v"]
            except tomllib.TOMLDecodeError:
                value = raw.strip()
        out.setdefault(section, {})[option] = value
    return out


@app.command()
def integrate(
    lake_dir: Path = typer.Argument(
        ...,
        help="Folder of tables (CSV/TSV/any delimiter, Parquet, JSON, NDJSON), read recursively.",
    ),
    db: Path = typer.Option(
        Path("tablefuse.duckdb"), "--db",
        help="DuckDB file to write; a re-run replaces the latest run atomically.",
    ),
    config: Optional[Path] = typer.Option(
        None, "--config",
        # rich reads [name] as markup: the brackets are escaped so the section names show
        help="TOML or YAML config file with sections \\[ingest], \\[align], \\[block], \\[judge], \\[judge.ssacl], "
             "\\[discover], \\[resolve], \\[engine].",
    ),
    settings: Optional[list[str]] = typer.Option(
        None, "--set",
        help="Any config option as section.option=value (a TOML value), e.g. --set block.cross_source_only=true; "
             "repeatable; named options below win.",
    ),
    mapping: Optional[Path] = typer.Option(
        None, "--mapping",
        help="Column mapping file (source column -> attribute); always overrides automatic alignment.",
    ),
    skip_bad: Optional[bool] = typer.Option(
        None, "--skip-bad/--no-skip-bad",
        help="Skip bad files and rows (each recorded in the store) instead of stopping with exit code 2.",
    ),
    exclude: Optional[list[str]] = typer.Option(
        None, "--exclude",
        help="Glob of lake files to leave out (relative path or file name, e.g. gt.csv); repeatable.",
    ),
    block: Optional[str] = typer.Option(None, "--block", help="Blocking method (block.method)."),
    judge: Optional[str] = typer.Option(
        None, "--judge",
        help="Pairwise judge (judge.method), e.g. ssacl or similarity.",
    ),
    threshold: Optional[float] = typer.Option(
        None, "--threshold",
        help="Judge decision threshold in [0,1] (default: chosen without labels).",
    ),
    discover: Optional[str] = typer.Option(None, "--discover", help="Set discovery method (discover.method)."),
    unique_sources: Optional[str] = typer.Option(
        None, "--unique-sources",
        help="Source rule (discover.unique_sources): auto, judged, all (no source lists an entity twice), none, or a "
             "comma list of duplicate-free sources. Declared ones (all, a list) also limit the judge to one partner "
             "per such source (unique mapping).",
    ),
    resolve: Optional[str] = typer.Option(None, "--resolve", help="Conflict resolver (resolve.method)."),
    engine: Optional[str] = typer.Option(None, "--engine", help="Where the heavy stages run: local (default) or ray."),
    ray_address: Optional[str] = typer.Option(
        None, "--ray-address",
        help="Ray cluster address (with --engine ray); none: a local cluster on 127.0.0.1.",
    ),
    encoder: Optional[str] = typer.Option(
        None, "--encoder",
        help="Text encoder: auto (by lake size and device), minilm, minilm-int8 or static.",
    ),
    truth: Optional[Path] = typer.Option(
        None, "--truth",
        help="Ground-truth folder (entities.csv, values.csv): print how well the run did.",
    ),
    profile: bool = typer.Option(False, "--profile", help="Print time and peak memory of every stage."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log details and show tracebacks."),
) -> None:
    """Integrate every table under LAKE_DIR into one table, written to the DuckDB store."""
    _setup_logging(verbose, quiet)
    console = _console(quiet)
    try:
        cfg = build_config(
            config,
            settings,
            ingest={"skip_bad": skip_bad, "exclude": tuple(exclude) if exclude else None},
            align={"mapping_file": str(mapping) if mapping else None},
            block={"method": block},
            judge={"method": judge, "threshold": threshold},
            discover={"method": discover, "unique_sources": _unique_sources(unique_sources)},
            resolve={"method": resolve},
            engine={"name": engine, "ray_address": ray_address, "encoder": encoder},
        )
        truth_obj = None
        if truth is not None:
            from ..truth import load_truth

            truth_obj = load_truth(truth)
        from ..pipeline import Pipeline

        with RichProgress(console) as progress:
            result = Pipeline(cfg, progress=progress).run(lake_dir, db_path=db)
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - mapped to exit codes
        _fail(console, exc)
        return
    out = Console(quiet=quiet)
    _print_summary(out, result, db)
    if profile:
        _print_profile(out, result)
    if truth_obj is not None:
        from ..truth import evaluate

        _print_quality(out, evaluate(result, truth_obj))


def _unique_sources(value: Optional[str]) -> str | tuple[str, ...] | None:
    """``--unique-sources``: a mode name, or a comma list of source names (relative paths)."""
    if value is None:
        return None
    from ..discover import UNIQUE_SOURCE_MODES

    if value in UNIQUE_SOURCE_MODES:
        return value
    return tuple(name.strip() for name in value.split(",") if name.strip())


def _print_summary(out: Console, result, db: Path) -> None:
    s = result.summary()
    table = Table(title=f"tablefuse run {s['run_id']} -> {db}", show_header=False)
    for key in ("sources", "tuples", "attributes", "candidate_pairs", "integrable_pairs", "sets",
                "multi_tuple_sets", "conflicts", "issues", "seconds"):
        table.add_row(key.replace("_", " "), str(s[key]))
    out.print(table)
    for issue in result.lake.issues:
        where = "" if issue.message.startswith(issue.source) else f"{issue.source}: "
        skipped = f" ({issue.rows_skipped} rows skipped)" if issue.rows_skipped else ""
        out.print(f"[yellow]{issue.kind}[/]: {where}{issue.message}{skipped}", highlight=False)


def _print_profile(out: Console, result) -> None:
    table = Table(title="profile")
    for col in ("stage", "seconds", "peak RSS MB", "in", "out"):
        table.add_column(col, justify="right" if col != "stage" else "left")
    for st in result.stages:
        table.add_row(st.stage, f"{st.seconds:.3f}", f"{st.peak_rss_mb:.0f}",
                      "" if st.rows_in is None else str(st.rows_in), "" if st.rows_out is None else str(st.rows_out))
    out.print(table)


def _print_quality(out: Console, quality: dict) -> None:
    table = Table(title="quality against ground truth", show_header=False)
    for key, value in _flatten(quality):
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
    out.print(table)


def _print_dict(summary: dict, title: str, as_json: bool) -> None:
    """A summary as JSON (``--json``) or as a two-column table."""
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=str))
        return
    table = Table(title=title, show_header=False)
    for key, value in _flatten(summary):
        table.add_row(str(key), f"{value:.4f}" if isinstance(value, float) else str(value))
    Console().print(table)


def _flatten(d: dict, prefix: str = "") -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for k, v in d.items():
        if isinstance(v, dict):
            rows.extend(_flatten(v, f"{prefix}{k}."))
        else:
            rows.append((f"{prefix}{k}", v))
    return rows


@app.command()
def export(
    db: Path = typer.Option(..., "--db", help="tablefuse DuckDB store."),
    table: str = typer.Option(
        "integrated", "--table",
        help="Store table to export (integrated, tuples, pairs, membership, conflicts, ...).",
    ),
    fmt: str = typer.Option("csv", "--format", help="csv or parquet."),
    out: Path = typer.Option(..., "--out", help="Output file."),
    csv_safe: bool = typer.Option(
        True, "--csv-safe/--no-csv-safe",
        help="CSV: write values starting with = + - @ (formulas to a spreadsheet) with a leading ' "
             "(the store keeps the original values).",
    ),
) -> None:
    """Write one store table to a CSV or Parquet file."""
    console = _console()
    try:
        formats: dict[str, Literal["csv", "parquet"]] = {"csv": "csv", "parquet": "parquet"}
        kind = formats.get(fmt)
        if kind is None:
            raise ConfigError(f"--format must be csv or parquet, not {fmt!r}")
        from ..pipeline import export_table

        n = export_table(db, table, kind, out, csv_safe=csv_safe)
    except Exception as exc:  # noqa: BLE001
        _fail(console, exc)
        return
    Console().print(f"wrote {n} rows of {table} to {out}")


@app.command()
def info(
    db: Path = typer.Option(Path("tablefuse.duckdb"), "--db", help="tablefuse DuckDB store."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Summarise a store: sources, tuples, sets, conflicts."""
    console = _console()
    try:
        from ..store import info as store_info

        summary = store_info(db)
    except Exception as exc:  # noqa: BLE001
        _fail(console, exc)
        return
    _print_dict(summary, f"tablefuse store {db}", as_json)


@app.command()
def report(
    db: Path = typer.Option(Path("tablefuse.duckdb"), "--db", help="tablefuse DuckDB store."),
    out: Path = typer.Option(Path("run.html"), "--out", help="HTML file to write (opens offline)."),
) -> None:
    """Write a static HTML report of the store's latest run: summary, stage times, charts, the
    largest and the least certain sets."""
    console = _console()
    try:
        from ..report import write_report

        path = write_report(db, out)
    except Exception as exc:  # noqa: BLE001
        _fail(console, exc)
        return
    console.print(f"report written to {path}")


@app.command()
def ui(
    port: int = typer.Option(8501, "--port", help="Port to serve on (always bound to 127.0.0.1)."),
    db: Optional[Path] = typer.Option(None, "--db", help="tablefuse store to open at start."),
    max_upload_mb: int = typer.Option(200, "--max-upload-mb", help="Largest upload accepted, in MB."),
) -> None:
    """Open the Streamlit app on http://127.0.0.1:PORT (needs: pip install 'tablefuse[app]')."""
    import os
    import subprocess

    script = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"
    try:
        if not script.is_file():
            raise ConfigError(f"the app is not at {script}; it ships with the source tree")
        import streamlit  # noqa: F401
    except (ConfigError, ImportError) as exc:
        _fail(_console(), ConfigError(f"{exc}; install the app with pip install -e '.[app]'"))
        return
    env = {**os.environ, "TABLEFUSE_APP_MAX_UPLOAD_MB": str(max_upload_mb)}
    if db is not None:
        env["TABLEFUSE_APP_DB"] = str(db.resolve())
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", "127.0.0.1",
           "--server.port", str(port), "--server.maxUploadSize", str(max_upload_mb),
           "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"]
    raise typer.Exit(subprocess.call(cmd, env=env))


@app.command("block")
def block_cmd(
    db: Path = typer.Option(
        Path("tablefuse.duckdb"), "--db",
        help="tablefuse DuckDB store (its tuples are blocked again).",
    ),
    config: Optional[Path] = typer.Option(
        None, "--config",
        help="Config file; its [block] section picks the blockers.",
    ),
    method: Optional[str] = typer.Option(
        None, "--method",
        help="Blocking method (block.method): token, qgram, embedding, union.",
    ),
    settings: Optional[list[str]] = typer.Option(
        None, "--set",
        help="Any config option as section.option=value, e.g. --set block.top_k=30; repeatable.",
    ),
    truth: Optional[Path] = typer.Option(None, "--truth", help="Ground-truth folder: also report pair completeness."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Block the stored tuples and report candidates, the largest blocks and, with --truth, pair completeness."""
    console = _console()
    try:
        from ..block import report
        from ..pipeline import Pipeline

        cfg = build_config(config, settings, block={"method": method})
        with Pipeline.from_store(db, config=cfg) as pipeline:
            candidates = pipeline.block()
        tuples = pipeline.tuples
        assert tuples is not None  # block() ran on them
        gold = None
        if truth is not None:
            from ..truth import load_truth

            gold = load_truth(truth).tid_entities(tuples)
        summary = report(candidates, tuples, gold)
    except Exception as exc:  # noqa: BLE001
        _fail(console, exc)
        return
    _print_dict(summary, f"blocking of {db} ({cfg.block.method})", as_json)


@app.command("judge")
def judge_cmd(
    db: Path = typer.Option(
        Path("tablefuse.duckdb"), "--db",
        help="tablefuse DuckDB store whose trained judge (DB.judge/) re-scores the stored candidate pairs.",
    ),
    threshold: Optional[float] = typer.Option(
        None, "--threshold",
        help="Decision threshold to try instead of the one chosen at training time.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Re-score the stored candidate pairs with the run's saved judge (no retraining) and compare with the
    stored decisions."""
    console = _console()
    try:
        from ..pipeline import Pipeline, judge_dir
        from ..store import read_table

        with Pipeline.from_store(db) as pipeline:
            if pipeline.fitted_judge is None:
                raise StoreError(f"no saved judge at {judge_dir(db)}: run `tablefuse integrate --db {db}` with "
                                 "judge.method = ssacl first")
            if threshold is not None:
                pipeline.fitted_judge.threshold = threshold
            scored = pipeline.judge(fit=False)
        stored = read_table(db, "pairs").rename({"score": "stored_score", "integrable": "stored_integrable"})
        both = scored.frame.join(stored, on=["tid_a", "tid_b"], how="left")
        max_diff = (both["score"] - both["stored_score"]).abs().max()  # a float, or None without pairs
        summary = {
            "pairs": scored.frame.height,
            "threshold": scored.threshold,
            "integrable": int(scored.frame["integrable"].sum()),
            "stored_integrable": int(both["stored_integrable"].sum() or 0),
            "decisions_changed": int((both["integrable"] != both["stored_integrable"]).sum() or 0),
            "max_score_difference": float(max_diff) if isinstance(max_diff, (int, float)) else 0.0,
        }
    except Exception as exc:  # noqa: BLE001
        _fail(console, exc)
        return
    _print_dict(summary, f"re-scored {db}", as_json)


@app.command("align")
def align_cmd(
    db: Path = typer.Option(Path("tablefuse.duckdb"), "--db", help="tablefuse DuckDB store."),
    review: bool = typer.Option(False, "--review", help="Show only the mappings flagged for review."),
    config: Optional[Path] = typer.Option(None, "--config", help="Config file (for align.review_below)."),
) -> None:
    """Show the column alignment of the latest run: which source column feeds which attribute, how sure, and why."""
    console = _console()
    try:
        from ..align import alignment_report
        from ..store import read_table

        cfg = build_config(config)
        report = alignment_report(read_table(db, "alignment"), review_below=cfg.align.review_below,
                                  only_review=review)
    except Exception as exc:  # noqa: BLE001
        _fail(console, exc)
        return
    table = Table(title=f"alignment in {db}" + (" (needs review)" if review else ""))
    cols = [c for c in ("source", "source_column", "attribute", "role", "method", "confidence",
                        "needs_review", "evidence") if c in report.columns]
    for col in cols:
        table.add_column(col)
    for row in report.select(cols).iter_rows():
        table.add_row(*[f"{v:.2f}" if isinstance(v, float) else ("" if v is None else str(v)) for v in row],
                      style="yellow" if dict(zip(cols, row)).get("needs_review") else None)
    Console().print(table)
    flagged = int(report["needs_review"].sum()) if "needs_review" in report.columns else 0
    Console().print(f"{report.height} columns, {flagged} flagged for review")


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
