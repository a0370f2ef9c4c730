"""Child process for the kill test: plays real sessions back to back, forever.

The real SessionEngine runs on a clock 50x faster than real time, with a SessionRecorder
on the SQLite file given as argv[1]. After each commit it prints one JSON line saying what
is now durable, and flushes; the parent kills it with SIGKILL at a random moment.
"""

from __future__ import annotations

import json
import random
import sys
import time

from companion.core.events import (
    AmberSign,
    CheckinAnswered,
    CheckinStalled,
    EffortRecorded,
    MoodRecorded,
    Paused,
    RedFlagRaised,
    RestExtended,
    Resumed,
    SessionEnded,
    SessionStarted,
    SetFinished,
    Skipped,
    SymptomSpecified,
)
from companion.storage import Committed, Database
from tests.unit.storage.sessions import ScaledClock, new_engine, play, tiny_routine

SPEED = 50.0
EVENT_KINDS: dict[type, str] = {
    Paused: "paused", Resumed: "resumed", Skipped: "skipped", RestExtended: "rest_extended",
    AmberSign: "amber", CheckinStalled: "checkin_stalled",
}


def describe(c: Committed) -> dict[str, object]:
    ev = c.event
    out: dict[str, object] = {"k": type(ev).__name__, "sid": c.session_id}
    if isinstance(ev, SetFinished | CheckinAnswered):
        out["set"] = ev.set_no
    elif isinstance(ev, EffortRecorded):
        out.update(set=ev.set_no, effort=ev.effort)
    elif isinstance(ev, RedFlagRaised | SymptomSpecified):
        out["symptom"] = ev.symptom.value
    elif isinstance(ev, MoodRecorded):
        out.update(when=ev.when, mood=ev.mood)
    elif isinstance(ev, SessionEnded):
        out["status"] = ev.status.value
    elif type(ev) in EVENT_KINDS:
        out["kind"] = EVENT_KINDS[type(ev)]
    elif not isinstance(ev, SessionStarted):
        raise AssertionError(f"unexpected commit {ev!r}")
    return out


def report(c: Committed) -> None:
    sys.stdout.write(json.dumps(describe(c)) + "\n")
    sys.stdout.flush()


def main() -> None:
    url, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)
    routine = tiny_routine()
    db = Database.open(url)
    sys.stdout.write('{"k": "ready"}\n')
    sys.stdout.flush()
    while True:
        clock = ScaledClock(SPEED)
        engine = new_engine(routine, clock)
        engine.subscribe(db.recorder(routine, on_commit=report))
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
