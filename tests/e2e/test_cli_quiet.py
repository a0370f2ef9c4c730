"""A broken routine file of yours is reported where routines are the subject (`routines
list`, `routines check`, the start screen), not by every other command: a tester's
`history`, `report` and `preview` each printed a WARNING per bad file, sometimes twice,
burying their own messages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "COMPANION_DATA_DIR": str(data)}
    return subprocess.run([sys.executable, "-m", "companion", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def test_a_bad_routine_file_is_said_by_the_routine_commands_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "routines").mkdir(parents=True)
    (data / "routines" / "broken.toml").write_text('name = "Broken"\nrounds = "many"\n',
                                                   encoding="utf-8")
    for args in (["history"], ["preview", "quick-ten"],
                 ["history", "--since", "2026-12-02", "--until", "2026-12-01"]):
        done = _run(data, *args)
        assert "broken.toml" not in done.stderr, (args, done.stderr)
        assert "WARNING" not in done.stderr, (args, done.stderr)
    listed = _run(data, "routines", "list")
    assert listed.returncode == 0, listed.stderr
    assert "broken" in listed.stdout and "has problems" in listed.stdout
