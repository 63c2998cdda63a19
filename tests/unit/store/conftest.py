"""A small hand-built RunResult: 5 tuples from two sources, two of which form one set."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from tablefuse.config import TablefuseConfig
from tablefuse.frames import (
    Alignment,
    CandidatePairs,
    InputIssue,
    Lake,
    Membership,
    Resolution,
    RunResult,
    ScoredPairs,
    SourceTable,
    StageStats,
    TupleTable,
)

ATTRS = ("name", "city", "Zip Code")  # a space: identifiers must be quoted


def _source(root: Path, name: str, rows: dict[str, list[str | None]], skipped: int = 0) -> SourceTable:
    return SourceTable(source=name, path=root / name, format="csv", frame=pl.DataFrame(rows),
                       column_types={c: "text" for c in rows}, delimiter=",", encoding="utf-8",
                       rows_skipped=skipped)


def build_result(root: Path, run_id: str = "run1", started: str = "2024-01-01T00:00:00+00:00",
                 n_tuples: int = 5) -> RunResult:
    """A consistent RunResult; ``n_tuples`` (>= 3) changes the size so re-runs are visible."""
    a = _source(root, "a.csv", {"name": ["Ann", "Bob"], "city": ["Oslo", "Rome"],
                                "zip": ["0150", None]}, skipped=1)
    rest = n_tuples - 2
    b = _source(root, "sub/b.csv", {"full_name": ["ann", *[f"p{i}" for i in range(rest - 1)]],
                                    "town": ["Oslo", *["X"] * (rest - 1)]})
    issues = (InputIssue("a.csv", "ragged", "row 3 has 4 fields, expected 3", row=3, rows_skipped=1),
              InputIssue("bad.csv", "binary", "file is binary", fatal=True))
    lake = Lake(root, (a, b), issues)
    alignment = Alignment(pl.DataFrame({
        "source": ["a.csv", "a.csv", "a.csv", "sub/b.csv", "sub/b.csv"],
        "source_column": ["name", "city", "zip", "full_name", "town"],
        "attribute": ["name", "city", "Zip Code", "name", "city"],
        "role": ["attribute"] * 5,
        "method": ["exact", "exact", "mapping", "fuzzy", "fuzzy"],
        "confidence": [1.0, 1.0, 1.0, 0.9, 0.88],
    }), ATTRS)
    names = ["Ann", "Bob", "ann", *[f"p{i}" for i in range(rest - 1)]]
    tuples = TupleTable(pl.DataFrame({
        "tid": list(range(n_tuples)),
        "source": ["a.csv"] * 2 + ["sub/b.csv"] * rest,
        "source_row": [0, 1, *range(rest)],
        "source_key": [None] * n_tuples,
        "name": names,
        "city": ["Oslo", "Rome", "Oslo", *["X"] * (rest - 1)],
        "Zip Code": ["0150", None, *[None] * rest],
    }, schema_overrides={"source_key": pl.Utf8, "Zip Code": pl.Utf8}), ATTRS)
    candidates = CandidatePairs(pl.DataFrame({"tid_a": [0, 0, 1], "tid_b": [2, 1, 3],
                                              "blocker": ["token", "token", "token"]}))
    scored = ScoredPairs(pl.DataFrame({"tid_a": [0, 0, 1], "tid_b": [2, 1, 3],
                                       "score": [0.95, 0.2, 0.1],
                                       "integrable": [True, False, False]}), threshold=0.5)
    set_ids = [0, 1, 0, *range(2, n_tuples - 1)]
    membership = Membership(pl.DataFrame({"tid": list(range(n_tuples)), "set_id": set_ids}),
                            notes=pl.DataFrame({"set_id": [0], "note": ["merged by name"]}))
    n_sets = len(set(set_ids))
    golden = pl.DataFrame({"set_id": list(range(n_sets)),
                           "name": ["Ann", "Bob", *[f"p{i}" for i in range(n_sets - 2)]],
                           "city": ["Oslo", "Rome", *["X"] * (n_sets - 2)],
                           "Zip Code": ["0150", *[None] * (n_sets - 1)]})
    cands = json.dumps([{"value": "Ann", "tids": [0], "sources": ["a.csv"]},
                        {"value": "ann", "tids": [2], "sources": ["sub/b.csv"]}])
    conflicts = pl.DataFrame({"set_id": [0], "attribute": ["name"], "candidates": [cands],
                              "chosen": ["Ann"], "method": ["vote"], "confidence": [0.5],
                              "reason": ["tie broken by source order"]})
    provenance = pl.DataFrame({"set_id": [0, 0], "attribute": ["name", "city"],
                               "value": ["Ann", "Oslo"], "tids": [[0], [0, 2]]})
    return RunResult(
        run_id=run_id, lake_root=root, config_json=TablefuseConfig().to_json(), started=started,
        finished=started, lake=lake, alignment=alignment, tuples=tuples, candidates=candidates,
        scored=scored, membership=membership,
        resolution=Resolution(golden, conflicts, provenance),
        stages=(StageStats("ingest", 0.01, 100.0, None, 5), StageStats("align", 0.02, 101.0, 5, 3)),
    )


@pytest.fixture
def make_result(tmp_path: Path) -> Callable[..., RunResult]:
    lake = tmp_path / "lake"
    return lambda **kw: build_result(lake, **kw)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "out" / "store.duckdb"
