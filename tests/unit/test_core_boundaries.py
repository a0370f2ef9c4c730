"""The core must stay Qt-free, speech-free and database-free, and never read the wall clock."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "companion" / "core"
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyttsx3", "sqlalchemy", "alembic")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_core_module_imports_qt_speech_or_database() -> None:
    offenders = [
        f"{path.name}: {name}"
        for path in sorted(CORE.glob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_importing_the_core_loads_no_qt_speech_or_database_package() -> None:
    code = (
        "import sys, companion.core.engine, companion.core.timeline, companion.core.routine, "
        "companion.core.breathing, companion.core.events, companion.core.clock\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_never_sleeps_or_reads_the_wall_clock() -> None:
    for path in CORE.glob("*.py"):
        if path.name == "clock.py":  # SystemClock is the one sanctioned reader
            continue
        text = path.read_text(encoding="utf-8")
        for banned in ("time.sleep", "time.time(", "datetime.now", "time.monotonic"):
            assert banned not in text, f"{path.name} uses {banned}"
