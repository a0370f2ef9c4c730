"""Fill a real history database for the history window and progression tests."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from companion.core.routine import Routine
from companion.routines.loader import BUILTIN_DIR, LoadedRoutine, load_routine_full
from companion.storage import Database
from companion.storage.models import CheckinRow, RedFlagRow, SessionEventRow, SessionRow, SetRow

#: the built-in starter routine's file (the progression tests must leave it byte for byte alone)
STARTER_FILE = BUILTIN_DIR / "starter.toml"


def add_session(
    db: Database,
    started: datetime,
    *,
    routine_id: str = "starter",
    name: str = "Starter circuit",
    status: str = "completed",
    sets: Sequence[tuple[str, int | None]] = (("Bodyweight squats", 5), ("Plank", 6)),
    mood: tuple[int | None, int | None] = (2, 4),
    red_flag: str | None = None,
    amber_event: bool = False,
    minutes: float = 20,
) -> int:
    """One stored session as the recorder would leave it; returns its id."""
    with db.session() as s:
        row = SessionRow(profile_id=db.pid, routine_id=routine_id, routine_name=name,
                         routine_snapshot={},
                         set_count=len(sets), started_at=started,
                         ended_at=started + timedelta(minutes=minutes), last_event_at=started,
                         status=status, mood_before=mood[0], mood_after=mood[1])
        s.add(row)
        s.flush()
        for i, (exercise, effort) in enumerate(sets):
            at = started + timedelta(minutes=2 * (i + 1))
            s.add(SetRow(session_id=row.id, set_no=i, round=1, exercise=exercise,
                         planned_reps=12, actual_reps=12, actual_seconds=30.0, effort=effort,
                         finished_at=at, session_seconds=120.0 * (i + 1)))
            s.add(CheckinRow(session_id=row.id, set_no=i, question="Any chest pain?",
                             answer="all_clear", answered_at=at + timedelta(seconds=5)))
        if amber_event:
            s.add(SessionEventRow(session_id=row.id, kind="amber", at=started,
                                  session_seconds=60.0, state="rest", detail="a bit dizzy"))
        if red_flag:
            s.add(RedFlagRow(session_id=row.id, symptom=red_flag,
                             raised_at=started + timedelta(minutes=3), session_seconds=180.0,
                             engine_state="work", set_no=len(sets), exercise="Push-ups"))
        return row.id


def easy_sessions(db: Database, routine: Routine, first: datetime, effort: int = 5) -> None:
    """Two completed sessions of `routine` (on `first`'s day and two days later), every set
    at `effort`: what makes the progression suggest a step when the effort is low."""
    sets = tuple((ex.name, effort) for ex in routine.exercises)
    for day in (0, 2):
        add_session(db, first + timedelta(days=day), routine_id=routine.id, sets=sets)


def easy_starter(db: Database, first: datetime, effort: int = 5) -> LoadedRoutine:
    """The built-in starter routine, loaded as the app loads it, after `easy_sessions` of it
    (two sessions from `first`, every set at `effort`) are stored in `db`."""
    loaded = load_routine_full(STARTER_FILE, builtin=True)
    easy_sessions(db, loaded.routine, first, effort)
    return loaded


def open_history_window(qtbot: Any, db: Database, *, active: bool = True) -> Any:
    """The history window on `db`, shown with its list filled (`loaded`); with `active`,
    also the active window (so keys sent to the focused window reach it)."""
    from companion.ui.history.window import HistoryWindow

    window = HistoryWindow(db)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.loaded, timeout=10000):
        window.show()
    if active:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    return window


@contextmanager
def sqlite_history(folder: Path, *sessions: dict[str, Any]) -> Iterator[Database]:
    """A real SQLite history in `folder` (history.sqlite3) holding `sessions`, each the
    keyword arguments of one `add_session` call; closed after the block."""
    database = Database.open(f"sqlite:///{folder / 'history.sqlite3'}")
    try:
        for session in sessions:
            add_session(database, **session)
        yield database
    finally:
        database.close()
