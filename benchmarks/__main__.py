"""``python -m benchmarks run --suite real|join|all [--quick]``: run a suite, write its results.

Results go to ``benchmarks/results/<suite>.{json,md}`` and ``<suite>_{f1,time}.png``. Run it
with ``nice -n 10`` on a shared machine; ``--quick`` is sized for under 10 minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a benchmark suite")
    run.add_argument("--suite", choices=("real", "join", "all", "paper"), default="all")
    run.add_argument("--paper-dir", type=Path, default=None,
                     help="suite paper: a folder in the paper's format (T.csv, sets, pairs, conflicts.json)")
    run.add_argument("--quick", action="store_true", help="smaller datasets and cheaper methods only")
    run.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results", help="results folder")
    run.add_argument("--work", type=Path, default=None, help="keep prepared lakes here (default: a temp dir)")
    run.add_argument("--methods", default="", help="comma-separated method names (default: all usable)")
    run.add_argument("--datasets", default="", help="comma-separated dataset or join-seed names")
    run.add_argument("--jobs", type=int, default=1,
                     help="datasets run at once, each in its own process (per-run CPU-s become approximate)")
    export = sub.add_parser("export-paper", help="generate the Join lakes and write them in the paper's format")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "export-paper":
        return _export(args.out, args.quick)
    from .harness import run_suite

    split = lambda s: tuple(x.strip() for x in s.split(",") if x.strip())  # noqa: E731
    results = run_suite(args.suite, args.quick, args.out, work_dir=args.work, methods=split(args.methods),
                        datasets=split(args.datasets), report=lambda line: print(line, flush=True),
                        paper_dir=args.paper_dir, jobs=max(1, args.jobs))
    for suite in results:
        print(f"wrote {args.out / (suite + '.md')}")
    return 0


def _export(out: Path, quick: bool) -> int:
    """Each generated Join lake (with its truth) in the paper's format, one folder per lake."""
    from .paper_format import write_paper
    from .suites import prepare_join

    prepared, notes = prepare_join(out / "_generated", quick=quick)
    for note in notes:
        print(note)
    for ds in prepared:
        print(f"wrote {write_paper(ds.lake_dir, ds.truth_dir, out / ds.name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
