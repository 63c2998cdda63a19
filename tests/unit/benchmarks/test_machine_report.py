"""Machine description and the results table/charts written from a payload."""
from __future__ import annotations

import json
from pathlib import Path

from benchmarks.machine import describe, markdown
from benchmarks.report import COLUMNS, table_rows, write_outputs


def test_describe_reports_the_machine() -> None:
    info = describe(with_torch=False)
    assert info["cpu_count"] >= 1 and info["cpu_model"]
    assert info["python"].count(".") == 2
    assert info["libraries"]["polars"]
    line = markdown(info)
    assert line.startswith(f"{info['cpu_count']} × ") and "no GPU" in line
    json.dumps(info)  # JSON-ready


def _payload() -> dict:
    metrics = {"blocking": {"pair_completeness": 1.0, "reduction_ratio": 0.5},
               "judge": {"precision": 0.5, "recall": 1.0, "f1": 2 / 3},
               "sets": {"f1": 0.25, "set_similarity": 0.5, "ari": 0.125},
               "conflicts": {"accuracy": 0.75}, "cells": {"accuracy": None}}
    ok = {"dataset": "d", "method": "baseline", "status": "ok", "seconds": 1.25, "own_seconds": 0.25,
          "peak_rss_mb": 99.6,
          "metrics": metrics, "stages": [{"stage": "block", "seconds": 1.0}], "traceback": "x"}
    bad = {"dataset": "d", "method": "ssacl", "status": "timeout", "error": "stopped after 5 s"}
    return {"suite": "join", "quick": True, "started": "2024", "seconds": 3.0, "command": "c",
            "machine": describe(with_torch=False), "notes": ["method splink skipped"],
            "datasets": [{"name": "d", "kind": "join", "rows": 4, "true_pairs": 1, "true_sets": 3, "note": "n"}],
            "runs": [ok, bad], "methods": [], "load_start": [3.5, 2.0, 1.5], "load_end": [4.0, 2.5, 1.5]}


def test_table_rows_format_each_metric() -> None:
    rows = table_rows(_payload())
    assert rows[0] == ["d", "baseline", "4", "1", "3", "1.000", "0.5000", "0.500", "1.000", "0.667",
                       "0.250", "0.500", "0.125", "0.750", "–", "1.2", "0.2", "100"]
    assert rows[1][:6] == ["d", "ssacl", "4", "1", "3", "timeout"] and len(rows[1]) == len(COLUMNS)


def test_write_outputs(tmp_path: Path) -> None:
    paths = write_outputs(_payload(), tmp_path)
    names = {p.name for p in paths}
    assert {"join.json", "join.md"} <= names
    data = json.loads((tmp_path / "join.json").read_text())
    assert "traceback" not in data["runs"][0]
    md = (tmp_path / "join.md").read_text()
    assert "| d | baseline |" in md and "method splink skipped" in md and "d × ssacl: timeout" in md
    assert "at start 3.5 / 2.0 / 1.5" in md  # the load is noted
    for p in paths:
        if p.suffix == ".png":
            assert p.read_bytes()[:4] == b"\x89PNG"
