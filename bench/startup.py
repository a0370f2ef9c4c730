"""How long a process takes to come up: the startup figures of bench_gui and bench_piper."""

from __future__ import annotations

import subprocess
import time

from bench.appdrive import ROOT


def seconds_to_line(cmd: list[str], environ: dict[str, str], expected: str) -> float:
    """Seconds from starting `cmd` (in the checkout) to its first stdout line, which must be
    `expected` (it then exits by itself, within 60 s). Raises RuntimeError when the line is
    another (or none), subprocess.TimeoutExpired when it does not exit."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=environ, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.monotonic() - start
    proc.communicate(timeout=60)
    if line.strip() != expected:
        raise RuntimeError(f"{cmd} did not report {expected!r} (got {line!r})")
    return elapsed
