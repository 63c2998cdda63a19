"""The import graph between tablefuse's packages, and the layout rules it must keep.

``python -m tablefuse.devtools.layout`` prints which package imports which (module-level and
function-level imports alike, read from the source, nothing imported) and exits 1 when a rule
is broken:

- no cycle between packages (``a → b → a``, however deep, however hidden in a function);
- no stage imports another stage: the stages (ingest, align, block, judge, discover, resolve,
  store) meet only in ``pipeline``, the one package that imports them all;
- the shared layers (``config``, ``errors``, ``frames``, ``progress``, ``equivalence``, ``metrics``,
  ``runtime``) import no stage, and the library imports no client (``cli``).
"""
from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

STAGES: tuple[str, ...] = ("ingest", "align", "block", "judge", "discover", "resolve", "store")
#: layers every stage may use; they use no stage themselves
SHARED: tuple[str, ...] = ("config", "errors", "frames", "progress", "equivalence", "_equivalence_data", "metrics",
                           "runtime", "truth")
ORCHESTRATOR = "pipeline"
CLIENTS: tuple[str, ...] = ("cli", "devtools")


@dataclass
class Layout:
    """``edges[a]``: the packages ``a`` imports (``a`` itself excluded), with one example each."""

    edges: dict[str, dict[str, str]] = field(default_factory=dict)

    def cycles(self) -> list[list[str]]:
        """Every elementary cycle's nodes, found by a depth-first walk (the graph is small)."""
        found: list[list[str]] = []
        seen: set[tuple[str, ...]] = set()

        def walk(node: str, path: list[str]) -> None:
            for nxt in sorted(self.edges.get(node, {})):
                if nxt == path[0]:
                    key = tuple(sorted(path))
                    if key not in seen:
                        seen.add(key)
                        found.append([*path, nxt])
                elif nxt not in path and nxt > path[0]:  # each cycle once, from its smallest node
                    walk(nxt, [*path, nxt])

        for start in sorted(self.edges):
            walk(start, [start])
        return found

    def violations(self) -> list[str]:
        out = [f"cycle: {' -> '.join(c)}" for c in self.cycles()]
        for a, targets in sorted(self.edges.items()):
            for b, where in sorted(targets.items()):
                if a in STAGES and b in STAGES:
                    out.append(f"stage {a} imports stage {b} ({where}); stages meet only in {ORCHESTRATOR}")
                elif a in SHARED and b in (*STAGES, ORCHESTRATOR):
                    out.append(f"shared layer {a} imports {b} ({where})")
                elif a != ORCHESTRATOR and a not in CLIENTS and b in CLIENTS:
                    out.append(f"{a} imports the client {b} ({where})")
        return out

    def render(self) -> str:
        lines = []
        for a in sorted(self.edges):
            targets = ", ".join(sorted(self.edges[a])) or "-"
            lines.append(f"{a:18} -> {targets}")
        return "\n".join(lines)


def _package_of(module: str) -> str | None:
    """``tablefuse.judge.ssacl.train`` -> ``judge``; the root package itself -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "tablefuse" else None


def _imports(path: Path, module: str, is_package: bool) -> Iterable[tuple[str, int]]:
    """Absolute module names imported anywhere in the file (relative ones resolved), with line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    base = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                target = ".".join(anchor + ([node.module] if node.module else []))
                if not node.module:  # ``from .. import store``: the names are modules
                    for alias in node.names:
                        yield f"{target}.{alias.name}", node.lineno
                    continue
                yield target, node.lineno
            elif node.module:
                yield node.module, node.lineno


def build(root: Path | None = None) -> Layout:
    """The layout of the ``tablefuse`` package under ``root`` (default: this installation)."""
    root = root or Path(__file__).resolve().parents[1]
    layout = Layout()
    packages = {p.stem for p in root.glob("*.py")} | {p.name for p in root.iterdir() if (p / "__init__.py").is_file()}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        parts = list(rel.parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        module = ".".join(parts)
        src = _package_of(module)
        if src is None:
            continue
        layout.edges.setdefault(src, {})
        for target, line in _imports(path, module, is_package):
            dst = _package_of(target)
            if dst is not None and dst != src and dst in packages:  # not a name such as __version__
                layout.edges[src].setdefault(dst, f"{path.relative_to(root.parent)}:{line}")
    return layout


def main(argv: list[str] | None = None) -> int:
    layout = build()
    print(layout.render())
    problems = layout.violations()
    for problem in problems:
        print(f"layout: {problem}", file=sys.stderr)
    print(f"{len(layout.edges)} packages, {sum(len(v) for v in layout.edges.values())} imports between them, "
          f"{len(problems)} layout problems")
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
