"""Child process for the kill test: plays real sessions back to back, forever, through the
app's recorder (journal first, database by the background writer).

The real SessionEngine runs on a clock 50x faster than real time. After each event is
durable (in the journal) it prints one JSON line saying so, and flushes; the parent kills
it with SIGKILL at a chosen moment. With a positive argv[4] the child kills itself right
after its Nth database commit, before the journal marks it merged (the window where a
merge could otherwise be applied twice).

argv: URL JOURNAL_DIR SEED DIE_AFTER_COMMIT
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from pathlib import Path

from companion.core import events as evt
from companion.storage import Committed
from companion.storage.journal_file import Entry
from companion.storage.store import HistoryStore
from tests.unit.storage.sessions import (
    EVENT_ROW_KINDS,
    ScaledClock,
    new_engine,
    play,
    tiny_routine,
)

SPEED = 50.0


def describe(c: Committed) -> dict[str, object]:
    ev = c.event
    out: dict[str, object] = {"k": type(ev).__name__, "key": c.key}
    if isinstance(ev, evt.SetFinished | evt.CheckinAnswered):
        out["set"] = ev.set_no
    elif isinstance(ev, evt.EffortRecorded):
        out.update(set=ev.set_no, effort=ev.effort)
    elif isinstance(ev, evt.RedFlagRaised | evt.SymptomSpecified):
        out["symptom"] = ev.symptom.value
    elif isinstance(ev, evt.MoodRecorded):
        out.update(when=ev.when, mood=ev.mood)
    elif isinstance(ev, evt.SessionEnded):
        out["status"] = ev.status.value
    elif type(ev) in EVENT_ROW_KINDS:
        out["kind"] = EVENT_ROW_KINDS[type(ev)]
    elif not isinstance(ev, evt.SessionStarted):
        raise AssertionError(f"unexpected commit {ev!r}")
    return out


def report(c: Committed) -> None:
    sys.stdout.write(json.dumps(describe(c)) + "\n")
    sys.stdout.flush()


def main() -> None:
    url, journal_dir, seed, die_after = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), \
        int(sys.argv[4])
    rng = random.Random(seed)
    routine = tiny_routine()
    commits = 0

    def after_commit(_entries: list[Entry]) -> None:
        nonlocal commits
        commits += 1
        if die_after and commits >= die_after:
            os.kill(os.getpid(), signal.SIGKILL)  # committed, not yet marked merged

    store = HistoryStore(url, journal_dir, after_commit=after_commit)
    assert store.open_now(5000)
    store.start()
    sys.stdout.write('{"k": "ready"}\n')
    sys.stdout.flush()
    while True:
        clock = ScaledClock(SPEED)
        engine = new_engine(routine, clock)
        engine.subscribe(store.recorder(routine, on_commit=report))
        play(
            engine,
            lambda dt: time.sleep(dt / SPEED),
            efforts=lambda _n: rng.randint(0, 10),
            red_flag_at=rng.choice([None, None, None, 1, 3]),
            mood_before=rng.choice([None, 1, 3, 5]),
            mood_after=rng.randint(1, 5),
            rng=rng,
        )


if __name__ == "__main__":
    main()
