"""The package layers of docs/ARCHITECTURE.md hold: import-linter's contracts (pyproject.toml
[tool.importlinter]), no import circles anywhere in the package, and the report's Qt is only
Qt's printing (no widgets)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PRINTING_QT = {"companion.qt.core", "companion.qt.gui"}
"""Qt's core and painting (QPdfWriter lives in QtGui): no widgets, no multimedia."""


def test_import_linter_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        out.append(sorted(group))
    return out


def test_no_import_circles_between_modules() -> None:
    """Every import counts here, deferred (inside a function) and type-only ones too."""
    g = grimp.build_graph("companion", exclude_type_checking_imports=False)
    graph = {m: {t for t in g.find_modules_directly_imported_by(m) if t in g.modules}
             for m in g.modules}
    # a package's __init__ importing its own child is not a circle of two modules
    for m, targets in graph.items():
        targets.difference_update({t for t in targets if t.startswith(m + ".")})
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_report_uses_qt_only_to_print() -> None:
    used: set[str] = set()
    for path in (ROOT / "companion" / "report").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                used.add(node.module)
            elif isinstance(node, ast.Import):
                used.update(a.name for a in node.names)
    assert not {name for name in used if name.split(".")[0] == "PySide6"}, "Qt: companion.qt"
    qt = {name for name in used if name.startswith("companion.qt")}
    assert qt and qt <= PRINTING_QT, qt - PRINTING_QT


def test_only_the_qt_module_imports_pyside6() -> None:
    """Every module, new ones too (the import-linter contract lists packages by name)."""
    offenders = []
    for path in (ROOT / "companion").rglob("*.py"):
        if (ROOT / "companion" / "qt") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            if any(n.split(".")[0] == "PySide6" for n in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
