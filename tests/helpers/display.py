"""Processes a test starts: a private X server, and stopping a child process cleanly."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest


def stop_process(proc: subprocess.Popen[Any], timeout: float = 5.0) -> None:
    """Terminate `proc` if it still runs; kill it if it does not exit within `timeout` s."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def need_xvfb() -> None:
    """Skip the test where Xvfb is missing; fail it in CI, which installs it."""
    if not shutil.which("Xvfb"):
        if os.environ.get("CI") == "true":
            pytest.fail("Xvfb is needed (apt-get install xvfb)")
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")


@contextmanager
def private_display(size: str = "1280x1024x24") -> Iterator[str]:
    """A private X server (Xvfb) for the block; yields its DISPLAY (":N")."""
    need_xvfb()
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp",
         "-noreset"], pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            yield ":" + pipe.readline().strip()
    finally:
        stop_process(xvfb, timeout=10.0)
