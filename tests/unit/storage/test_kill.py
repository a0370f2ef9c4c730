"""kill -9 at any moment loses nothing the app had reported as saved, and duplicates nothing.

A child process plays real sessions through the app's recorder (journal first, database
by the background writer; tests/unit/storage/kill_child.py) and prints each event once it
is durable. 50 kills, from a fixed list of seeds (five files side by side, 10 kills each):
most at a seeded moment chosen by the parent, every fifth by the child itself right after
a database commit and before the journal marks it merged. After each kill: the file's
integrity, every reported event is in the journal, and once a new start has merged the
journal the database holds exactly what was journaled: nothing lost, nothing twice, and
the session the kill cut short marked interrupted.
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

from companion.core import events as evt
from companion.storage.journal_file import read_folder
from companion.storage.store import HistoryStore
from tests.conftest import ROOT
from tests.unit.storage.sessions import EVENT_ROW_KINDS

SEEDS = list(range(7001, 7051))  # 50 kills, the same ones on every run
STREAMS = 5  # the children mostly sleep (a 50x clock): five files side by side


def start_child(url: str, journal: Path, seed: int, die_after: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.unit.storage.kill_child", url, str(journal), str(seed),
         str(die_after)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )


def kill_at(child: subprocess.Popen[str], rng: random.Random,
            by_itself: bool) -> list[dict[str, Any]]:
    """Let the child run to a seeded moment and kill it; the events it reported durable."""
    assert child.stdout is not None
    first = child.stdout.readline()
    assert first.strip() == '{"k": "ready"}', child.stderr.read() if child.stderr else first
    lines: list[str] = []
    if not by_itself:
        for _ in range(rng.randint(1, 60)):  # after the n-th durable event...
            line = child.stdout.readline()
            if not line:
                break
            lines.append(line)
        time.sleep(rng.uniform(0.0, 0.03))  # ...and a little later, mid-something
        child.send_signal(signal.SIGKILL)
    out, err = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, err
    assert "Traceback" not in err, err
    lines += out.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines.pop()  # killed mid-line: that one was not reported yet
    return [json.loads(line) for line in lines]


def journaled(journal: Path) -> dict[str, list[Any]]:
    """Every event of the dead child's sessions, in order, from its journal file."""
    files, problems = read_folder(journal)
    assert problems == []
    out: dict[str, list[Any]] = {}
    for jf in files:
        for e in jf.entries:
            if e.event is not None:
                out.setdefault(e.key, []).append(e.event)
    return out


def expected(events: list[Any]) -> dict[str, Any]:
    """What the database must hold for one session journaled as `events`."""
    sets: dict[int, int | None] = {}
    checkins = 0
    flags: list[str] = []
    kinds: Counter[str] = Counter()
    status = "in_progress"
    moods: dict[str, int | None] = {"before": None, "after": None}
    for ev in events:
        if isinstance(ev, evt.SetFinished):
            sets[ev.set_no] = None
        elif isinstance(ev, evt.EffortRecorded):
            sets[ev.set_no] = ev.effort
        elif isinstance(ev, evt.CheckinAnswered):
            checkins += 1
        elif isinstance(ev, evt.RedFlagRaised):
            flags.append(ev.symptom.value)
            status = "stopped_red_flag"
        elif isinstance(ev, evt.SymptomSpecified):
            flags[-1] = ev.symptom.value
        elif isinstance(ev, evt.MoodRecorded):
            moods[ev.when] = ev.mood
        elif isinstance(ev, evt.SessionEnded):
            if status == "in_progress":  # a red flag is not overwritten by the end after it
                status = ev.status.value
        elif type(ev) in EVENT_ROW_KINDS:
            kinds[EVENT_ROW_KINDS[type(ev)]] += 1
        else:
            assert isinstance(ev, evt.SessionStarted)
    return {"sets": sets, "checkins": checkins, "flags": flags, "kinds": kinds,
            "status": status, "moods": moods}


def verify(path: Path, key: str, want: dict[str, Any]) -> str:
    """The stored session `key` is exactly `want`; returns its status."""
    conn = sqlite3.connect(path)
    try:
        q = conn.execute
        row = q("SELECT id, status, mood_before, mood_after FROM sessions WHERE journal_key = ?",
                (key,)).fetchone()
        assert row is not None, key
        sid, status, before, after = row
        assert dict(q("SELECT set_no, effort FROM sets WHERE session_id = ?",
                      (sid,)).fetchall()) == want["sets"]
        assert q("SELECT count(*) FROM checkins WHERE session_id = ?",
                 (sid,)).fetchone()[0] == want["checkins"]
        assert [r[0] for r in q("SELECT symptom FROM red_flags WHERE session_id = ? ORDER BY id",
                                (sid,))] == want["flags"]
        kinds = Counter(dict(q("SELECT kind, count(*) FROM session_events WHERE session_id = ? "
                               "GROUP BY kind", (sid,)).fetchall()))
        assert kinds == want["kinds"]
        assert (before, after) == (want["moods"]["before"], want["moods"]["after"])
        if want["status"] == "in_progress":  # cut short by the kill: interrupted at open
            assert status == "interrupted"
        else:
            assert status == want["status"]
        return str(status)
    finally:
        conn.close()


def kill_stream(path: Path, seeds: list[int]) -> Counter[str]:
    """One kill-and-check round per seed on one file; returns what was seen."""
    url = f"sqlite:///{path}"
    journal = path.parent / f"{path.stem}-journal"
    seen: Counter[str] = Counter()
    for n, seed in enumerate(seeds):
        rng = random.Random(seed)
        by_itself = seed % 5 == 0
        die_after = rng.randint(1, 25) if by_itself else 0
        reported = kill_at(start_child(url, journal, seed, die_after), rng, by_itself)
        context = f"seed {seed} (kill {n})"
        truth = journaled(journal)
        # every event reported durable is in the journal
        for r in reported:
            assert r["k"] == "ready" or r["key"] in truth, (context, r)
        reported_kinds = Counter((r["key"], r["k"]) for r in reported)
        for (key, kind), count in reported_kinds.items():
            assert sum(type(e).__name__ == kind for e in truth[key]) >= count, (context, kind)
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",), context
        store = HistoryStore(url, journal)  # the next start: merge what the child left
        try:
            store.merge_now()
        finally:
            store.close()
        assert not list(journal.glob("*.jsonl")), context  # all merged, files removed
        for key, events in truth.items():
            status = verify(path, key, expected(events))
            seen[status] += 1
        seen["events"] += sum(len(e) for e in truth.values())
        seen["by itself" if by_itself else "by parent"] += 1
    return seen


@pytest.mark.slow
def test_kill_9_at_50_seeded_moments_loses_nothing_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    per = len(SEEDS) // STREAMS
    with ThreadPoolExecutor(STREAMS) as pool:
        futures = [pool.submit(kill_stream, tmp_path / f"history-{n}.sqlite3",
                               SEEDS[n * per:(n + 1) * per]) for n in range(STREAMS)]
        seen = sum((f.result() for f in futures), Counter())
    assert seen["by itself"] + seen["by parent"] == len(SEEDS) == 50
    # the kills landed all over sessions: some cut short, some finished, some stopped
    assert seen["interrupted"] >= 10, seen
    assert seen["completed"] >= 1 and seen["events"] >= 500, seen
