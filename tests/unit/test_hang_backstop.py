"""A hung test fails the run with every thread's stack instead of stalling it: pytest-timeout
for a hang in Python, the faulthandler backstop (tests/conftest.py) for a hang in C++ code
that holds the GIL, where pytest-timeout's own thread cannot run."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

HANGS = {
    # Python code waiting (the GIL free): pytest-timeout's thread fires at 1 s
    "in-python": ("import time\n\ndef test_hangs():\n    time.sleep(60)\n",
                  "+++ Timeout +++"),
    # C code that keeps the GIL (as QTest.keyClick did): only the backstop fires, at 1.2 s
    "holding-the-gil": ("import ctypes\n\ndef test_hangs():\n    ctypes.PyDLL(None).sleep(60)\n",
                        "Timeout (0:00:01.200000)!"),
}


@pytest.mark.parametrize("case", sorted(HANGS))
def test_a_hung_test_ends_the_run_with_its_stack(tmp_path: Path, case: str) -> None:
    source, banner = HANGS[case]
    (tmp_path / "test_hung.py").write_text(source, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\ntimeout = 1\ntimeout_method = thread\n",
                                         encoding="utf-8")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest",
         str(tmp_path / "test_hung.py")],
        cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=45,
    )
    assert done.returncode != 0
    assert time.monotonic() - started < 30  # not the 60 s of the hang
    out = done.stdout + done.stderr
    assert banner in out, out[-3000:]
    assert "test_hung.py" in out and "test_hangs" in out, out[-3000:]  # where it hung
