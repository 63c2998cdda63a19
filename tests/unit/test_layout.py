"""The package layout stays a pipeline: no import cycle, no stage importing another stage, and
no client (app, benchmarks, integration tests, examples) importing a private tablefuse module."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from tablefuse.devtools import layout

REPO = Path(__file__).resolve().parents[2]


def test_the_tree_keeps_its_layout(capsys):
    assert layout.main() == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "pipeline " in out and "0 layout problems" in out
    graph = layout.build()
    assert {"ingest", "judge", "resolve", "store"} <= set(graph.edges["pipeline"])  # only it wires the stages


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "tablefuse"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_cycle_and_a_stage_to_stage_import_are_caught(tmp_path):
    root = _package(tmp_path, {
        "judge/__init__.py": "def f():\n    from ..block import x\n",  # hidden in a function
        "block/__init__.py": "from tablefuse.judge import f\nx = 1\n",
        "config.py": "from .resolve import y\n",
        "resolve/__init__.py": "y = 1\n",
    })
    problems = layout.build(root).violations()
    assert any(p.startswith("cycle: block -> judge -> block") for p in problems), problems
    assert any("stage judge imports stage block" in p and "judge/__init__.py:2" in p for p in problems)
    assert any("shared layer config imports resolve" in p for p in problems)


PRIVATE = re.compile(r"^tablefuse(\.[A-Za-z0-9_]+)*\._[A-Za-z]")


def _private_imports(path: Path) -> list[str]:
    """``file:line module`` of every import (module- or function-level) of a private module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]  # ``from x import _y`` too
        else:
            continue
        bad = [n for n in names if PRIVATE.match(n)]
        if bad:
            found.append(f"{path.name}:{node.lineno} {bad[0]}")
    return found


def test_clients_import_no_private_tablefuse_module():
    """The app, the benchmarks, the examples and every test above the unit level use the public
    API only (fine-grained unit tests may reach a stage's private helpers)."""
    files = [p for d in ("app", "benchmarks", "examples", "tests") for p in (REPO / d).rglob("*.py")
             if not p.is_relative_to(REPO / "tests" / "unit")]
    assert len(files) > 20
    hits = [h for p in files for h in _private_imports(p)]
    assert hits == []


def test_the_private_import_check_can_fail(tmp_path):
    bad = tmp_path / "probe.py"
    bad.write_text("from tablefuse.store._decisions import decided\nimport tablefuse.judge._similarity\n"
                   "def f():\n    from tablefuse.store import _duckdb\nfrom tablefuse.store import read_table\n")
    assert _private_imports(bad) == ["probe.py:1 tablefuse.store._decisions", "probe.py:2 tablefuse.judge._similarity",
                                     "probe.py:4 tablefuse.store._duckdb"]
