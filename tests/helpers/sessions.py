"""Helpers to build routines and drive the engine through whole sessions in tests."""

from __future__ import annotations

from companion.core.clock import FakeClock
from companion.core.engine import SessionEngine
from companion.core.events import Event, State
from companion.core.routine import Exercise, Routine
from companion.core.timeline import TimelineOptions, compile_plan


def tiny_routine() -> Routine:
    return Routine(
        id="tiny",
        name="Tiny circuit",
        rounds=2,
        rest_seconds=20,
        exercises=(
            Exercise(name="Squats", reps=3, cues=("Feet apart.",), easier="chair squats"),
            Exercise(name="Push-ups", to_fatigue=True, expected_seconds=10, cap_seconds=20),
            Exercise(name="Plank", seconds=10),
        ),
    )


def make_engine(
    routine: Routine | None = None, options: TimelineOptions | None = None
) -> tuple[SessionEngine, FakeClock, list[Event]]:
    clock = FakeClock()
    engine = SessionEngine(compile_plan(routine or tiny_routine(), options), clock)
    seen: list[Event] = []
    engine.subscribe(seen.append)
    return engine, clock, seen


def engine_at(state: State, routine: Routine | None = None
              ) -> tuple[SessionEngine, FakeClock, list[Event]]:
    """`make_engine(routine)`, started and run until `state` (check-ins not answered)."""
    engine, clock, seen = make_engine(routine)
    engine.start()
    run_until(engine, clock, state)
    return engine, clock, seen


def to_next_deadline(engine: SessionEngine, clock: FakeClock, slack: float = 0.0) -> None:
    """Move the clock to the engine's next deadline (plus `slack` s) and let it act; fails
    when nothing is due."""
    deadline = engine.next_deadline()
    assert deadline is not None, f"engine stuck in {engine.state}: nothing is due"
    clock.advance(max(0.0, deadline - clock.now()) + slack)
    engine.tick()


def run_until(engine: SessionEngine, clock: FakeClock, state: State, limit: int = 5000) -> None:
    """Advance deadline by deadline until the engine reaches `state` (check-ins not answered)."""
    for _ in range(limit):
        if engine.state is state:
            return
        to_next_deadline(engine, clock)  # fails when stuck: nothing due before `state`
    raise AssertionError(f"never reached {state}")


def play_through(engine: SessionEngine, clock: FakeClock, effort: int | None = 4) -> None:
    """Run to the end, answering every check-in 'all clear' at once."""
    for _ in range(20000):
        if engine.is_over:
            return
        if engine.state is State.CHECKIN:
            engine.answer_checkin(True)
            if effort is not None:
                engine.record_effort(effort)
            continue
        to_next_deadline(engine, clock)
    raise AssertionError("session never ended")
