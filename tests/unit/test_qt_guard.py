"""companion.qt is the one place that imports PySide6: a PySide6 that is too old, or a Qt
module whose system library is missing, gives the user a message with the fix, never a
traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from companion.qt import QtUnavailable, unavailable

ROOT = Path(__file__).resolve().parents[2]


def _run_with_fake_pyside6(tmp_path: Path, init: str) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "fake" / "PySide6"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(init, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(fake.parent), str(ROOT)]),
               QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "companion", "--data-dir", str(tmp_path / "d")],
                          capture_output=True, text=True, timeout=60, env=env)


def test_a_pyside6_older_than_the_minimum_is_refused_with_the_fix(tmp_path: Path) -> None:
    done = _run_with_fake_pyside6(
        tmp_path, '__version__ = "6.5.0"\n__version_info__ = (6, 5, 0, "", "")\n')
    assert done.returncode == 1, done.stderr
    assert "needs PySide6 6.8 or newer" in done.stderr and "6.5.0" in done.stderr
    assert "pip install" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_qt_module_that_cannot_load_says_which_and_how_to_fix(tmp_path: Path) -> None:
    done = _run_with_fake_pyside6(
        tmp_path, '__version__ = "6.11.0"\n__version_info__ = (6, 11, 0, "", "")\n')
    assert done.returncode == 1, done.stderr
    assert "Qt's QtCore is not installed" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_system_library_names_the_packages() -> None:
    err = unavailable("QtWidgets", ImportError(
        "libEGL.so.1: cannot open shared object file: No such file or directory"))
    assert isinstance(err, QtUnavailable) and isinstance(err, ImportError)
    assert "libEGL.so.1" in str(err) and "sudo apt-get install" in str(err)


def test_a_known_bad_pyside6_release_is_refused_with_the_reason(tmp_path: Path) -> None:
    done = _run_with_fake_pyside6(
        tmp_path, '__version__ = "6.12.0"\n__version_info__ = (6, 12, 0, "", "")\n')
    assert done.returncode == 1, done.stderr
    assert "PySide6 6.12.0 cannot be used" in done.stderr and "reference counts" in done.stderr
    assert "Traceback" not in done.stderr
