"""Shared fixtures. Qt runs offscreen; no test may touch the user's real data dir."""

from __future__ import annotations

import faulthandler
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# FFmpeg's per-file "Input #0 ..." chatter from QtMultimedia would bury the test output
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.ffmpeg*=false")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data dir and no database URL from the environment."""
    data = tmp_path / "data"
    monkeypatch.setenv("COMPANION_DATA_DIR", str(data))
    monkeypatch.delenv("COMPANION_DB_URL", raising=False)
    return data


#: the backstop below ends the run at this many times a test's own timeout (pytest-timeout's
#: `timeout`, pyproject: 300 s there, so 360 s)
BACKSTOP_FACTOR = 1.2
_STDERR_FD = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    """Keep a copy of the real stderr (output capture is off now) for the backstop's dump."""
    config.stash[_STDERR_FD] = os.dup(sys.__stderr__.fileno() if sys.__stderr__ else 2)


def pytest_unconfigure(config: pytest.Config) -> None:
    os.close(config.stash[_STDERR_FD])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A backstop for pytest-timeout: its thread needs the GIL to fire, so a test hung in
    C++ code that holds the GIL (a Qt call waiting on a thread that needs the GIL) would
    stall the run. faulthandler's watchdog is a C thread: it dumps every thread's Python
    stack to stderr and ends the run at `BACKSTOP_FACTOR` times the test's own timeout
    (tests/unit/test_hang_backstop.py)."""
    marker = item.get_closest_marker("timeout")
    limit = float(marker.args[0] if marker and marker.args else item.config.getini("timeout") or 0)
    if limit > 0:
        faulthandler.dump_traceback_later(limit * BACKSTOP_FACTOR, exit=True,
                                          file=item.config.stash[_STDERR_FD])
    try:
        yield
    finally:
        if limit > 0:
            faulthandler.cancel_dump_traceback_later()
