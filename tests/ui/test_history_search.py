"""The history window's search finds what its placeholder promises ("e.g. red flag, squats,
March"): the routine, how a session ended, the exercises done in it, and its month, weekday
and date in the user's local time; in any case, every word of the search (AND).

A tester typed "squats" and "December" and saw nothing: only the list's cells were searched,
and they show "Dec" and no exercise. The search box is typed into as a keyboard would, on a
real SQLite history; the properties are checked for any session times and time zones.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from companion.storage import Database
from companion.storage.repository import HistoryRow
from companion.ui.history.search import MONTHS, WEEKDAYS, search_texts
from companion.ui.history.table import HistoryFilter, HistoryTableModel
from companion.ui.history.window import HistoryWindow
from tests.helpers.history import add_session, open_history_window
from tests.helpers.keys import click_key, type_text
from tests.helpers.zones import local_zone

EXERCISES = ("Bodyweight squats", "Push-ups", "Plank", "Glute bridge", "Wall sit",
             "Bent-over rows")
#: zones with daylight saving either way, half- and quarter-hour offsets, and the date line
ZONES = ("UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe",
         "Asia/Kathmandu", "Pacific/Chatham", "Pacific/Kiritimati", "America/St_Johns")


def any_case(word: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flip else c.lower()
                   for c, flip in zip(word, flips + [False] * len(word), strict=False))


def row(sid: int, at: datetime, status: str = "completed", red_flags: int = 0) -> HistoryRow:
    return HistoryRow(sid, "starter", "Starter circuit", at, at + timedelta(minutes=20), status,
                      2, 4, 2, 2, 0, 5.0, 6, 0, red_flags)


def shown(proxy: HistoryFilter) -> set[int]:
    return {r.id for r in proxy.visible_rows()}


# -- properties, for any session times and time zones ---------------------------------------
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1),
                       timezones=st.just(UTC))
sessions = st.lists(st.tuples(moments, st.sets(st.sampled_from(EXERCISES), max_size=4)),
                    min_size=1, max_size=25)


def filtered(sessions: list[tuple[datetime, set[str]]]
             ) -> tuple[list[HistoryRow], HistoryFilter]:
    """The rows of `sessions` (time, exercises) and the window's filter over them, with
    their search texts made as the window makes them."""
    rows = [row(i, at) for i, (at, _) in enumerate(sessions)]
    proxy = HistoryFilter()
    model = HistoryTableModel(proxy)  # the filter owns it: it lives as long as the filter
    model.set_rows(list(rows))
    model.set_search_texts(search_texts(rows, {i: sorted(ex) for i, (_, ex)
                                               in enumerate(sessions)}))
    proxy.setSourceModel(model)
    return rows, proxy


@settings(max_examples=80, deadline=None)
@given(sessions=sessions, zone=st.sampled_from(ZONES), month=st.integers(0, 11),
       short=st.booleans(), flips=st.lists(st.booleans(), max_size=9))
def test_a_months_sessions_are_found_by_its_name_in_any_case_in_local_time(
    qapp: QApplication, sessions: list[tuple[datetime, set[str]]], zone: str, month: int,
    short: bool, flips: list[bool]
) -> None:
    name = MONTHS[month][:3] if short else MONTHS[month]  # "March" or "Mar"
    with local_zone(zone) as tz:
        rows, proxy = filtered(sessions)
        proxy.set_filters(since=None, until=None, routine=None, status=None,
                          text=any_case(name, flips))
        expected = {r.id for r in rows if r.started_at.astimezone(tz).month == month + 1}
        assert shown(proxy) == expected
        assert proxy.rowCount() == len(expected)


@settings(max_examples=80, deadline=None)
@given(sessions=sessions, zone=st.sampled_from(ZONES), exercise=st.sampled_from(EXERCISES),
       day=st.integers(0, 6), flips=st.lists(st.booleans(), max_size=20))
def test_every_word_must_match_an_exercise_and_a_weekday_in_any_case(
    qapp: QApplication, sessions: list[tuple[datetime, set[str]]], zone: str, exercise: str,
    day: int, flips: list[bool]
) -> None:
    with local_zone(zone) as tz:
        rows, proxy = filtered(sessions)

        def search(text: str) -> set[int]:
            proxy.set_filters(since=None, until=None, routine=None, status=None, text=text)
            return shown(proxy)

        with_exercise = {i for i, (_, ex) in enumerate(sessions) if exercise in ex}
        on_day = {r.id for r in rows if r.started_at.astimezone(tz).weekday() == day}
        assert search(any_case(exercise, flips)) == with_exercise
        assert search(f"  {any_case(WEEKDAYS[day], flips)}  ") == on_day
        assert search(f"{WEEKDAYS[day]} {exercise}".upper()) == with_exercise & on_day


# -- the window, on a real history ----------------------------------------------------------
def local_noon(year: int, month: int) -> datetime:
    """Mid-month, midday in the process's local zone, stored in UTC."""
    return datetime(year, month, 15, 12, 0).astimezone().astimezone(UTC)


@pytest.fixture
def year_db(tmp_path: Path) -> Iterator[Database]:
    """One session a month over the last two years; the squats only in odd months, a
    red-flag stop in March of the first year and a session stopped early in May."""
    database = Database.open(f"sqlite:///{tmp_path / 'history.sqlite3'}")
    first = datetime.now().year - 2
    for n in range(24):
        year, month = first + n // 12, n % 12 + 1
        squats = month % 2 == 1
        sets = (("Bodyweight squats", 5), ("Plank", 6)) if squats else (("Wall sit", 5),)
        status = ("stopped_red_flag" if (n, month) == (2, 3) else
                  "stopped_by_user" if month == 5 else "completed")
        add_session(database, local_noon(year, month), sets=sets, status=status,
                    red_flag="chest_pain" if status == "stopped_red_flag" else None)
    try:
        yield database
    finally:
        database.close()


def open_window(qtbot: QtBot, db: Database) -> HistoryWindow:
    """The window shown, its list filled, then the search box focused (as with a click or
    Ctrl+F): what the search finds is read then (`search_ready`)."""
    window: HistoryWindow = open_history_window(qtbot, db)
    with qtbot.waitSignal(window.search_ready, timeout=10000):
        click_key(Qt.Key.Key_F, window.table, Qt.KeyboardModifier.ControlModifier)
    assert window.search.hasFocus()
    return window


@pytest.fixture
def year_window(qtbot: QtBot, year_db: Database) -> HistoryWindow:
    return open_window(qtbot, year_db)


def search(window: HistoryWindow, text: str) -> list[datetime]:
    """Type `text` into the search box, as a keyboard does; the start times shown."""
    window.search.setFocus()
    window.search.selectAll()
    click_key(Qt.Key.Key_Backspace, window.search)
    type_text(window.search, text)
    assert window.search.text() == text
    return [r.started_at for r in window.proxy.visible_rows()]


@settings(max_examples=24, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(month=st.integers(1, 12), flips=st.lists(st.booleans(), max_size=9))
def test_typing_a_month_name_in_any_case_shows_that_months_sessions(
    year_window: HistoryWindow, month: int, flips: list[bool]
) -> None:
    """One window for all the examples (a fixture is made once per test; each example
    clears the search box first)."""
    found = search(year_window, any_case(MONTHS[month - 1], flips))
    assert [at.astimezone().month for at in found] == [month, month]
    assert year_window.summary.text().startswith("2 of 24 sessions shown")


def test_exercises_endings_and_dates_are_found_every_word_counting(
    year_window: HistoryWindow,
) -> None:
    window = year_window
    assert window.search.placeholderText() == "Search (e.g. red flag, squats, March)"
    squats = search(window, "squats")
    assert len(squats) == 12 and all(at.astimezone().month % 2 for at in squats)
    assert len(search(window, "wall sit")) == 12
    assert [at.astimezone().month for at in search(window, "march SQUATS")] == [3, 3]
    assert search(window, "december squats") == []  # December had none: every word counts
    flagged = search(window, "red flag")
    assert len(flagged) == 1 and flagged[0].astimezone().month == 3
    assert search(window, "push-ups") == flagged  # the exercise the red flag stopped
    assert len(search(window, "stopped")) == 3  # the red flag and two Mays
    assert len(search(window, "Stopped by user")) == 2
    assert len(search(window, "completed")) == 21
    newest = local_noon(datetime.now().year - 1, 12)
    assert search(window, f"{newest.astimezone():%Y-%m-%d}") == [newest]
    assert search(window, f"15 dec {newest.astimezone():%Y}") == [newest]
    assert search(window, "zumba") == []
    assert window.empty.isVisible() and window.empty.text() == "No session matches."


def test_the_search_finds_exercises_once_read_and_a_new_note_after_saving(
    qtbot: QtBot, year_db: Database
) -> None:
    """The exercises are read off the GUI thread once the search is used, not while the
    window opens: a search typed before they arrive is applied again when they do."""
    window = HistoryWindow(year_db)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.loaded, timeout=10000):
        window.show()
    with qtbot.assertNotEmitted(window.search_ready, wait=300):
        pass  # nothing read for the search while it is not used
    with qtbot.waitSignal(window.search_ready, timeout=10000):
        window.set_filters(text="plank")
        assert window.proxy.visible_rows() == []  # not read yet (the event loop has not run)
    assert len(window.proxy.visible_rows()) == 12
    newest = window.proxy.visible_rows()[0]
    with qtbot.waitSignals([window.note_saved, window.search_ready], timeout=10000):
        window.save_note(None, "Knees felt great", newest.id)
    window.set_filters(text="knees plank")
    assert [r.id for r in window.proxy.visible_rows()] == [newest.id]


def test_when_the_exercises_cannot_be_read_the_rest_is_found_and_the_next_use_retries(
    qtbot: QtBot, year_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from companion.ui.adapters.operations import pool
    from companion.ui.history import window as history_window

    real = history_window.load_search_texts
    locked = [True]

    def while_locked(db: Database, rows: list[HistoryRow]) -> dict[int, str]:
        if locked[0]:
            raise sqlite3.OperationalError("database is locked")
        return real(db, rows)

    monkeypatch.setattr(history_window, "load_search_texts", while_locked)
    window = HistoryWindow(year_db)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.loaded, timeout=10000):
        window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    window.search.setFocus()
    qtbot.waitUntil(lambda: window.status_line.text().startswith(
        "The search cannot find exercises for now: database is locked"), timeout=10000)
    assert [at.astimezone().month for at in search(window, "march")] == [3, 3]
    assert search(window, "squats") == []  # not read
    assert pool().waitForDone(10000)  # the last try (at the last key typed) has failed
    QApplication.processEvents()
    locked[0] = False
    window.table.setFocus()
    with qtbot.waitSignal(window.search_ready, timeout=10000):
        window.search.setFocus()  # used again: read again
    assert window.status_line.text() == ""
    assert len(search(window, "squats")) == 12
