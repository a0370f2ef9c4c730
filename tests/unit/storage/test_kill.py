"""kill -9 at any moment loses nothing the app had reported as committed.

A child process plays real sessions (tests/unit/storage/kill_child.py) and prints each
commit; we SIGKILL it at random moments, 24 times (two files, 12 kills each), and after each
kill check the file's integrity, that every reported event is in it, and that opening it
marks the session the kill cut short as interrupted.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from companion.storage import Database
from tests.conftest import ROOT

KILLS = 24


def start_child(url: str, seed: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.unit.storage.kill_child", url, str(seed)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )


def kill_at_random(child: subprocess.Popen[str], rng: random.Random) -> list[dict[str, Any]]:
    assert child.stdout is not None
    first = child.stdout.readline()
    assert first.strip() == '{"k": "ready"}', child.stderr.read() if child.stderr else first
    time.sleep(rng.uniform(0.0, 1.6))  # up to about one and a half sessions at 50x
    child.send_signal(signal.SIGKILL)
    out, err = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL, err
    assert "Traceback" not in err, err
    lines = out.splitlines()
    if lines and not lines[-1].endswith("}"):
        lines.pop()  # killed mid-line: that commit was not reported yet
    return [json.loads(line) for line in lines]


def verify(path: Path, reported: list[dict[str, Any]]) -> None:
    """Every reported commit is in the file (later, unreported ones may be too)."""
    conn = sqlite3.connect(path)
    try:
        q = conn.execute
        events: Counter[tuple[int, str]] = Counter()
        for r in reported:
            sid, k = r["sid"], r["k"]
            session = q("SELECT status, mood_before, mood_after FROM sessions WHERE id = ?",
                        (sid,)).fetchone()
            assert session is not None, r
            if k in ("SetFinished", "CheckinAnswered"):
                table = "sets" if k == "SetFinished" else "checkins"
                n = q(f"SELECT count(*) FROM {table} WHERE session_id = ? AND set_no = ?",
                      (sid, r["set"])).fetchone()[0]
                assert n >= 1, r
            elif k == "EffortRecorded":
                effort = q("SELECT effort FROM sets WHERE session_id = ? AND set_no = ?",
                           (sid, r["set"])).fetchone()
                assert effort == (r["effort"],), r
            elif k == "RedFlagRaised":
                symptom = q("SELECT symptom FROM red_flags WHERE session_id = ?",
                            (sid,)).fetchone()
                assert symptom is not None and symptom[0] in ("unspecified", "chest_pain"), r
                assert session[0] == "stopped_red_flag", r
            elif k == "SymptomSpecified":
                symptom = q("SELECT symptom FROM red_flags WHERE session_id = ?",
                            (sid,)).fetchone()
                assert symptom == (r["symptom"],), r
            elif k == "MoodRecorded":
                assert session[1 if r["when"] == "before" else 2] == r["mood"], r
            elif k == "SessionEnded":
                assert session[0] == r["status"], r
            elif "kind" in r:
                events[(sid, r["kind"])] += 1
        for (sid, kind), n in events.items():
            stored = q("SELECT count(*) FROM session_events WHERE session_id = ? AND kind = ?",
                       (sid, kind)).fetchone()[0]
            assert stored >= n, (sid, kind, stored, n)
    finally:
        conn.close()


def kill_stream(path: Path, seed: int, kills: int) -> tuple[Counter[str], int, int]:
    """`kills` kill-and-check rounds on one file; returns (commit kinds, interrupted, ended)."""
    url = f"sqlite:///{path}"
    rng = random.Random(seed)
    totals: Counter[str] = Counter()
    ended = interrupted_seen = 0
    for i in range(kills):
        reported = kill_at_random(start_child(url, seed + i), rng)
        context = f"seed {seed}, kill {i}"
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",), context
        verify(path, reported)
        totals.update(r["k"] for r in reported)
        sids = {r["sid"] for r in reported}
        open_sids = sids - {r["sid"] for r in reported
                            if r["k"] in ("SessionEnded", "RedFlagRaised")}
        with Database.open(url) as db:
            assert all(r.status != "in_progress" for r in db.history()), context
        with sqlite3.connect(path) as conn:
            for sid in open_sids:  # the session the kill cut short
                status, ended_at, last = conn.execute(
                    "SELECT status, ended_at, last_event_at FROM sessions WHERE id = ?",
                    (sid,)).fetchone()
                if status == "interrupted":
                    interrupted_seen += 1
                    assert ended_at == last, context
        ended += len(sids - open_sids)
    return totals, interrupted_seen, ended


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_nothing_reported(tmp_path: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    streams = 2  # two files side by side, to keep the wall time down
    with ThreadPoolExecutor(streams) as pool:
        futures = [pool.submit(kill_stream, tmp_path / f"history-{n}.sqlite3", seed + 1000 * n,
                               KILLS // streams) for n in range(streams)]
        results = [f.result() for f in futures]
    totals: Counter[str] = sum((r[0] for r in results), Counter())
    interrupted_seen = sum(r[1] for r in results)
    ended = sum(r[2] for r in results)
    # the kills landed all over the session, not only at start-up
    assert totals["SessionStarted"] >= KILLS // 2, (seed, totals)
    assert totals["SetFinished"] >= KILLS and totals["EffortRecorded"] >= KILLS // 2, totals
    assert interrupted_seen >= KILLS // 3, (seed, interrupted_seen, totals)
    assert ended >= 1, (seed, totals)
