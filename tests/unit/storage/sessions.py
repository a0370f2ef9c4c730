"""Real sessions for the storage tests: a tiny routine played by the real engine."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from companion.core import events as evt
from companion.core.clock import FakeClock
from companion.core.engine import SessionEngine
from companion.core.events import State, Symptom
from companion.core.routine import Exercise, Routine, Tempo
from companion.core.timeline import TimelineOptions, compile_plan

R = TypeVar("R")

#: The recorded events stored as one row of the `events` table, with the row's `kind`.
EVENT_ROW_KINDS: dict[type[evt.Event], str] = {
    evt.Paused: "paused", evt.Resumed: "resumed", evt.Skipped: "skipped",
    evt.RestExtended: "rest_extended", evt.AmberSign: "amber",
    evt.CheckinStalled: "checkin_stalled",
}


def tiny_routine(source: Path | None = None) -> Routine:
    return Routine(
        id="tiny",
        name="Tiny circuit",
        rounds=2,
        rest_seconds=3.0,
        exercises=(
            Exercise(name="Squats", reps=2, tempo=Tempo(0.5, 0.5), id="squats",
                     easier="Chair squats"),
            Exercise(name="Plank", seconds=2.0, id="plank"),
        ),
        source=source,
    )


def recording(routine: Routine, recorder_for: Callable[[Routine], R]
              ) -> tuple[SessionEngine, FakeClock, R]:
    """A new engine for `routine` on a fake clock with `recorder_for(routine)` (a store's or
    database's recorder) its first subscriber: (engine, clock, recorder)."""
    clock = FakeClock()
    engine = new_engine(routine, clock)
    recorder = recorder_for(routine)
    engine.subscribe(recorder)  # type: ignore[arg-type]
    return engine, clock, recorder


def under_way(recorder_for: Callable[[Routine], R], mood_before: int | None,
              seconds: float) -> tuple[SessionEngine, R]:
    """The tiny routine `recording`, started with `mood_before` and run `seconds` s in:
    (engine, recorder)."""
    engine, clock, recorder = recording(tiny_routine(), recorder_for)
    engine.start(mood_before=mood_before)
    clock.advance(seconds)
    engine.tick()
    return engine, recorder


def fast_options() -> TimelineOptions:
    return TimelineOptions(speech_duration=lambda text: 0.2, arrival_breaths=1,
                           voiced_breaths=0, cooldown_seconds=2.0)


def new_engine(routine: Routine, clock: object) -> SessionEngine:
    return SessionEngine(compile_plan(routine, fast_options()), clock)  # type: ignore[arg-type]


class ScaledClock:
    """Monotonic time running `speed` times faster than real time."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._real0 = time.monotonic()

    def now(self) -> float:
        return 1000.0 + (time.monotonic() - self._real0) * self.speed


def play(
    engine: SessionEngine,
    wait: Callable[[float], None],
    *,
    efforts: Callable[[int], int] = lambda set_no: 5,
    red_flag_at: int | None = None,
    mood_before: int | None = 3,
    mood_after: int | None = 4,
    rng: random.Random | None = None,
) -> None:
    """Run the session to its end, answering every check-in all clear (or with a red flag at
    set `red_flag_at`). `wait(dt)` lets `dt` session-seconds pass. With `rng`, also pauses
    and skips at random, like a person would."""
    engine.start(mood_before=mood_before)
    while not engine.is_over:
        seg = engine.segment
        if engine.state is State.CHECKIN and seg is not None and seg.set_no is not None:
            if red_flag_at == seg.set_no:
                engine.report_red_flag(Symptom.UNSPECIFIED)
                engine.specify_symptom(Symptom.CHEST_PAIN)
                return
            engine.answer_checkin(True)
            engine.record_effort(efforts(seg.set_no))
            continue
        if rng is not None and engine.state in (State.REST, State.WORK):
            roll = rng.random()
            if roll < 0.05:
                engine.pause()
                wait(1.0)
                engine.resume()
            elif roll < 0.08:
                engine.skip()
                continue
            elif roll < 0.10 and engine.state is State.REST:
                engine.add_rest(2.0)
        deadline = engine.next_deadline()
        if deadline is None:
            break
        step = max(0.0, deadline - engine.clock.now())
        if rng is not None:
            step = min(step, 0.5)
        wait(step)
        engine.tick()
    if engine.state is State.ENDED:
        engine.record_mood("after", mood_after)
