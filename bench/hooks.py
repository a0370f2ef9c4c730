"""Test-only slow paths: prove that a slow recorder or speech output makes its figure miss.

Never active in normal runs. The app has no hook of its own: `install_from_env()` runs
inside a benchmark process (bench/__main__.py calls it before a module's `run()`), and
only when `COMPANION_BENCH_INJECT` is set, e.g. `recorder=0.4,speech=0.3`:

- `recorder=S`: the app's history recorder (`JournaledRecorder`) sleeps S seconds before it
  journals each event (so a red flag becomes durable S seconds late:
  `red_flag_durable_ms` must miss);
- `speech=S`: the speech output sleeps S seconds before it stops a playing utterance (the
  sound goes on meanwhile: `speech_cancel_ms` must miss).

"Durable" is defined in one place, bench/durable.py (the journal entry or the database
row, whichever a fresh process sees first).
The harness prints a warning and records the injection in results.json.
"""

from __future__ import annotations

import functools
import os
import time
from typing import Any

ENV = "COMPANION_BENCH_INJECT"


def parse(spec: str) -> dict[str, float]:
    """`recorder=0.4,speech=0.3` -> {"recorder": 0.4, "speech": 0.3}; ValueError if bad."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, seconds = part.partition("=")
        if name not in ("recorder", "speech") or not seconds:
            raise ValueError(f"{ENV}: expected recorder=S or speech=S, got {part!r}")
        out[name] = float(seconds)
    return out


def install_from_env() -> dict[str, float]:
    """Install the slow paths named in COMPANION_BENCH_INJECT (none when it is unset)."""
    spec = parse(os.environ.get(ENV, ""))
    if "recorder" in spec:
        _slow_recorder(spec["recorder"])
    if "speech" in spec:
        _slow_speech(spec["speech"])
    return spec


def _slow_recorder(seconds: float) -> None:
    """Slow every write of the app's recorder (the events it ignores are not slowed): the
    journal append that makes an event durable, and so the red flag."""
    from companion.core.events import SessionStarted
    from companion.storage.recorder import EVENT_SQL
    from companion.storage.store import JournaledRecorder

    original = JournaledRecorder.__call__

    @functools.wraps(original)
    def slow(self: JournaledRecorder, event: Any) -> None:
        if isinstance(event, SessionStarted) or EVENT_SQL.records(event):
            time.sleep(seconds)
        original(self, event)

    JournaledRecorder.__call__ = slow  # type: ignore[method-assign]


def _slow_speech(seconds: float) -> None:
    """Slow the stop of the speech player only (tone players keep their own timing)."""
    from companion.ui.adapters.media_player import QueuedPlayer
    init, stop = QueuedPlayer.__init__, QueuedPlayer.stop

    @functools.wraps(init)
    def marked_init(self: Any, parent: Any, on_status: Any, *args: Any) -> None:
        init(self, parent, on_status, *args)
        self._bench_speech = on_status is not None  # the speech player reports its status

    @functools.wraps(stop)
    def slow_stop(self: Any) -> None:
        if getattr(self, "_bench_speech", False):
            time.sleep(seconds)
        stop(self)

    QueuedPlayer.__init__ = marked_init  # type: ignore[method-assign,assignment]
    QueuedPlayer.stop = slow_stop  # type: ignore[method-assign]
