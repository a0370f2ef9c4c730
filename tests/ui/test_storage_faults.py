"""The fault suite: the app's own history (built as the app builds it, on a real SQLite file)
under the faults a desktop meets. Nothing reported is lost, a red flag is durable before
the safety screen, the gate asks on the next start, and the trouble is on screen at once.

Sessions are played by the real engine on a fake clock through
`services.history.recorder_for(routine)`, the recorder the player subscribes; what reached
the database is read back with a separate plain sqlite3 connection.
"""

from __future__ import annotations

import argparse
import errno
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from companion.core.clock import FakeClock
from companion.core.events import SessionEnded, SessionStarted
from companion.storage import Database
from companion.ui.services.container import AppServices
from companion.ui.shell.build import build_services
from tests.helpers.faults import BusyHolder, fill, read_only, small_disk
from tests.helpers.keys import answer_modal
from tests.unit.storage.sessions import new_engine, play, tiny_routine

#: the tiny routine: 2 rounds of 2 exercises
SETS = 4


def services_for(data: Path) -> AppServices:
    return build_services(argparse.Namespace(data_dir=str(data), db=None))


def close(services: AppServices) -> None:
    closer = getattr(services.history, "close", None)
    if callable(closer):
        closer()
    services.speaker.close() if hasattr(services.speaker, "close") else None


@contextmanager
def opened(data: Path) -> Iterator[AppServices]:
    """The app's services on `data`, built as the app builds them; closed on the way out."""
    services = services_for(data)
    try:
        yield services
    finally:
        close(services)


def gate_not_now(services: AppServices) -> str:
    """Start pressed: the red-flag gate asks, Escape (Not now) answers it and no session
    starts. Returns the question's text."""
    seen: list[str] = []
    answer_modal(Qt.Key.Key_Escape, seen)
    assert services.session_gate(None, tiny_routine()) is False  # Not now: no session
    assert seen, "the gate did not ask"
    return seen[0]


def gate_answered(services: AppServices, key: Qt.Key) -> str:
    """Start pressed again: the gate asks once more and `key` (1, 2, ...) lets the session
    begin. Returns the question's text."""
    seen: list[str] = []
    answer_modal(key, seen)
    assert services.session_gate(None, tiny_routine()) is True
    assert seen, "the gate did not ask"
    return seen[0]


def run_session(services: AppServices, *, red_flag_at: int | None = None,
                until_set: int | None = None) -> Any:
    """Play the tiny routine through the app's recorder; returns the engine."""
    engine, clock = recorded_engine(services)
    play(engine, clock.advance, red_flag_at=red_flag_at)
    return engine


def recorded_engine(services: AppServices) -> tuple[Any, FakeClock]:
    """A new engine for the tiny routine on a fake clock, the app's recorder subscribed
    (as the player subscribes it); returns (engine, clock), not yet played."""
    routine = tiny_routine()
    clock = FakeClock()
    engine = new_engine(routine, clock)
    recorder = services.history.recorder_for(routine)
    assert recorder is not None
    engine.subscribe(recorder)
    return engine, clock


def stored(path: Path) -> dict[str, Any]:
    """What is in the file, read by another connection."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        q = conn.execute
        return {
            "sessions": q("SELECT status, mood_before, mood_after FROM sessions "
                          "ORDER BY id").fetchall(),
            "sets": q("SELECT count(*), count(DISTINCT session_id || '-' || set_no), "
                      "count(effort) FROM sets").fetchone(),
            "checkins": q("SELECT count(*) FROM checkins").fetchone()[0],
            "red_flags": q("SELECT symptom FROM red_flags").fetchall(),
        }
    finally:
        conn.close()


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        QApplication.processEvents()
        time.sleep(0.05)


def complete_session_stored(path: Path, sessions: int = 1) -> Callable[[], bool]:
    def check() -> bool:
        try:
            got = stored(path)
        except sqlite3.Error:
            return False
        return (len(got["sessions"]) == sessions
                and all(s[0] == "completed" for s in got["sessions"])
                and got["sets"][0] == SETS * sessions and got["checkins"] == SETS * sessions)
    return check


def status_of(services: AppServices) -> Any:
    return getattr(services.history, "status", None)


def trouble(services: AppServices) -> str:
    status = status_of(services)
    return status.trouble.value if status is not None else "none"


def make_db(data: Path) -> Path:
    from companion.config import Paths

    Database.open(paths=Paths(data).ensure()).close()
    return data / "companion.sqlite3"


@contextmanager
def held_database(tmp_path: Path,
                  seconds: float | None = None) -> Iterator[tuple[Path, Path, BusyHolder]]:
    """A fresh app database in `tmp_path / "data"` that another program holds (for `seconds`,
    or until released); yields (data folder, database file, the holder)."""
    data = tmp_path / "data"
    path = make_db(data)
    with BusyHolder(path) as holder:
        holder.hold(seconds)
        yield data, path, holder


# -- a database another program holds --------------------------------------------------------------
@pytest.mark.slow
def test_database_busy_for_10_s_at_start_loses_nothing_and_says_so(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with held_database(tmp_path, 10.0) as (data, path, holder):
        started = time.monotonic()
        with opened(data) as services:
            assert time.monotonic() - started < 3, "opening must not wait out the lock"
            run_session(services)
            # the person is told, in plain words, once the retry budget is spent
            wait_for(lambda: trouble(services) == "busy", 20, "the busy status")
            message = status_of(services).message()
            assert "busy" in message and "kept safely on this computer" in message
            assert holder.held
            wait_for(complete_session_stored(path), 40, "the session to be stored")
            wait_for(lambda: trouble(services) == "none", 5, "the status to clear")
    got = stored(path)
    assert got["sessions"] == [("completed", 3, 4)]
    assert got["sets"] == (SETS, SETS, SETS)  # each set once, each with its effort


@pytest.mark.slow
def test_database_busy_for_10_s_mid_session_loses_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = make_db(data)
    with opened(data) as services:
        engine, clock = recorded_engine(services)
        with BusyHolder(path) as holder:
            seen: list[object] = []

            def hold_after_first_set(event: object) -> None:
                seen.append(event)
                if type(event).__name__ == "EffortRecorded" and not holder.held \
                        and len(seen) < 200:
                    holder.hold(10.0)

            engine.subscribe(hold_after_first_set)
            play(engine, clock.advance)
            assert any(isinstance(e, SessionEnded) for e in seen)
            wait_for(lambda: trouble(services) == "busy", 20, "the busy status")
            wait_for(complete_session_stored(path), 40, "the session to be stored")
    got = stored(path)
    assert got["sessions"] == [("completed", 3, 4)]
    assert got["sets"] == (SETS, SETS, SETS)


def test_red_flag_journaled_and_the_gate_asks_on_the_next_start_while_the_database_stays_busy(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Issue 12 item 4: the database never frees during the run, the app closes, starts
    again (still busy): the stop is known and the next session needs the confirmation."""
    with held_database(tmp_path) as (data, path, holder):
        with opened(data) as first:  # closed unsaved: the stop stays in the journal
            engine = run_session(first, red_flag_at=1)
            assert engine.red_flag is not None
        with opened(data) as second:  # the next start, the database still held
            asked = gate_not_now(second)
            assert "Your last session stopped on" in asked and "chest pain" in asked.lower()
            # once the other program lets go, the stop reaches the history
            holder.release()
            wait_for(lambda: stored(path)["red_flags"] == [("chest_pain",)], 40,
                     "the red flag to be stored")
            assert stored(path)["sessions"][0][0] == "stopped_red_flag"
            gate_answered(second, Qt.Key.Key_1)  # it still asks once the stop is stored


def test_a_red_flag_after_the_session_ended_wins_and_the_gate_applies(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """U on the end screen: the session shows as stopped for a red flag, not completed."""
    data = tmp_path / "data"
    path = make_db(data)
    with opened(data) as services:
        engine = run_session(services)
        assert engine.is_over
        engine.report_red_flag()  # the end screen's U (the lead's key dispatcher)
        wait_for(lambda: stored(path)["red_flags"] == [("unspecified",)], 10,
                 "the late red flag")
        assert stored(path)["sessions"][0][0] == "stopped_red_flag"
        # the workout was done: it still counts toward the weekly goal (a tester saw
        # "0 of 2" after a completed session and U on the end screen)
        assert services.history.sessions_this_week(datetime.now(UTC)) == 1
        gate_not_now(services)
        seen: list[str] = []
        # still unwell (U): no session, nothing stored, and the next start asks again
        seen.clear()
        answer_modal(Qt.Key.Key_U, seen, then=(Qt.Key.Key_Escape,))
        assert services.session_gate(None, tiny_routine()) is False
        assert "do not exercise today" in seen[-1], seen
        assert services.settings.emergency_text in seen[-1]
        assert services.history.red_flag_check().stop is not None  # type: ignore[attr-defined]
        stopped = run_session(services, red_flag_at=1)  # stopped early: not counted
        assert stopped.red_flag is not None
        wait_for(lambda: len(stored(path)["red_flags"]) == 2, 10, "the second red flag")
        assert services.history.sessions_this_week(datetime.now(UTC)) == 1
        # the clinician summary says the same (a tester read "0 completed" beside a week
        # the start screen counted): completed, done then U, stopped part-way
        from companion.report.gather import gather
        from companion.report.pdf import build_html
        from companion.safety.content import load_screening

        assert services.database is not None
        today = datetime.now().astimezone().date()  # the report counts local days
        html = build_html(gather(services.database, load_screening(), since=today,
                                 until=today, weekly_goal=2))
        assert ("2 sessions in the period, 0 completed and 1 more done to the end, then "
                "stopped for a red flag (counted toward the goal).") in html, html[:2000]


# -- a damaged database file ---------------------------------------------------------------------
def damage(path: Path) -> None:
    """Overwrite the file's first 4 KiB with noise, as `dd if=/dev/urandom of=path bs=4096
    count=1 conv=notrunc` does (a bad sector, a crash while copying)."""
    with path.open("r+b") as f:
        f.write(os.urandom(4096))
        f.flush()
        os.fsync(f.fileno())


def empty(path: Path) -> None:
    """Truncate the file to 0 bytes, as a crash, a sync tool or a full disk can leave it
    (a tester's find: it was taken as a new, empty history and the stop was forgotten)."""
    with path.open("r+b") as f:
        f.truncate(0)
        os.fsync(f.fileno())


@pytest.mark.slow
@pytest.mark.parametrize("harm", [damage, empty], ids=["noise", "emptied"])
def test_a_damaged_history_after_a_red_flag_stop_still_asks_and_stays_careful(
    qtbot: QtBot, tmp_path: Path, harm: Callable[[Path], None]
) -> None:
    """A tester's find: the red-flag stop was stored, the file was then damaged, the app
    set it aside and started the next session with no confirmation, and with the careful
    adaptations off (the health answers were gone). Now a marker beside the new file keeps
    the gate asking (real dialog, real keys) until it is answered, and the profile careful
    until the health questions are taken again; the commands leave the file alone."""
    from companion.core.safety import ACK_LABELS, AckChoice, Answer, Profile
    from companion.safety.content import load_screening
    from companion.storage.recovery import marker_path, read_marker

    all_no = {"answers": {q.id: Answer.NO.value for q in load_screening().questions},
              "trimester": None}

    routine = tiny_routine()
    data = tmp_path / "data"
    path = make_db(data)
    with opened(data) as first:
        first.history.save_screening(all_no)  # answers with nothing to adapt
        assert first.refresh_profile() == Profile()
        engine = run_session(first, red_flag_at=1)
        assert engine.red_flag is not None
        wait_for(lambda: stored(path)["red_flags"] == [("chest_pain",)], 20,
                 "the red flag to be stored")
        seen: list[str] = []
        answer_modal(Qt.Key.Key_2, seen)  # confirmed once: not what makes the next ask
        assert first.session_gate(None, routine) is True and seen
    harm(path)
    with opened(data) as second:  # the app sets the damaged file aside
        assert list(data.glob("companion.sqlite3.corrupt-*"))
        marker = read_marker(path)
        assert marker is not None and marker.pending_for(second.person_name)
        assert any("moved to" in p for p in second.history.problems())
        assert second.refresh_profile() == Profile.careful()
        assert any("set aside" in p and "careful adaptation" in p for p in second.problems)
        assert "damaged and was set aside on" in gate_not_now(second)
        gate_answered(second, Qt.Key.Key_2)
    marker = read_marker(path)
    assert marker is not None and not marker.pending_for(second.person_name)
    assert marker.confirmed[second.person_name][1] == ACK_LABELS[AckChoice.RESOLVED]
    with opened(data) as third:  # answered: the next start lets the session begin
        seen = []
        answer_modal(Qt.Key.Key_Escape, seen, tries=10)
        assert third.session_gate(None, routine) is True
        assert not seen, seen
        assert third.refresh_profile() == Profile.careful()  # until the answers are back
        assert sum("set aside" in p for p in third.problems) == 1
        third.history.save_screening(all_no)
        assert third.refresh_profile() == Profile()
        assert not any("set aside" in p for p in third.problems)  # said no longer
    assert marker_path(path).exists()  # kept: it also says where the old file went


def test_the_health_questions_after_a_damaged_history_say_why_they_are_asked(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """A tester: after the damaged file was set aside, the health questions opened over
    the notice that explains it, with no word of why they were asked again. The wizard
    now says why on its first page; a first run on a sound file says nothing extra."""
    from dataclasses import replace

    from PySide6.QtWidgets import QWidget

    from companion.ui.screens.screening_wizard import ScreeningDialog
    from companion.ui.shell.gates import SET_ASIDE_WHY, start_first_run

    def first_run_dialog(services: AppServices) -> ScreeningDialog:
        services.save_settings(replace(services.settings, notice_shown=True))
        parent = QWidget()
        qtbot.addWidget(parent)
        parent.show()
        start_first_run(parent, services)
        qtbot.waitUntil(lambda: parent.findChild(ScreeningDialog) is not None)
        dialog = parent.findChild(ScreeningDialog)
        assert isinstance(dialog, ScreeningDialog)
        qtbot.waitExposed(dialog)
        return dialog

    sound, damaged = tmp_path / "sound", tmp_path / "damaged"
    make_db(sound)
    with opened(sound) as services:
        dialog = first_run_dialog(services)
        assert dialog.why.isHidden()
        dialog.reject()
    damage(make_db(damaged))
    with opened(damaged) as services:
        dialog = first_run_dialog(services)
        assert dialog.why.isVisible() and dialog.why.text() == SET_ASIDE_WHY
        assert "damaged and set aside" in dialog.why.accessibleName()
        dialog.reject()


@pytest.mark.slow
def test_a_red_flag_only_in_the_journal_survives_a_damaged_database(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """A tester: U, the app killed before the stop reached the database, then the file
    damaged: the journal still held the stop, but under the old database's profile key,
    so the new history never took it (the gate asked, but could not say when or why).
    Now a journal written against the set-aside file is merged into the new one."""
    # closed while the database is held: the stop stays in the journal
    with held_database(tmp_path) as (data, path, _holder), opened(data) as first:
        assert run_session(first, red_flag_at=1).red_flag is not None
    assert stored(path)["red_flags"] == []  # it never reached the database
    damage(path)
    with opened(data) as second:
        assert list(data.glob("companion.sqlite3.corrupt-*"))
        wait_for(lambda: stored(path)["red_flags"] == [("chest_pain",)], 30,
                 "the journal's red flag in the new history")
        assert stored(path)["sessions"][0][0] == "stopped_red_flag"
        asked = gate_not_now(second)
        assert "Your last session stopped on" in asked and "chest pain" in asked.lower()


def test_an_unreadable_recovery_marker_keeps_the_gate_asking(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The marker itself damaged, or not readable: the gate cannot tell, so it asks."""
    from companion.storage.recovery import marker_path

    data = tmp_path / "data"
    path = make_db(data)
    marker_path(path).write_bytes(b"\x00{not json")
    with opened(data) as services:
        seen: list[str] = []
        answer_modal(Qt.Key.Key_1, seen)
        assert services.session_gate(None, tiny_routine()) is True
        assert seen and "damaged and was set aside" in seen[0], seen
    with opened(data) as services:  # the answer replaced the damaged marker
        seen = []
        answer_modal(Qt.Key.Key_Escape, seen, tries=10)
        assert services.session_gate(None, tiny_routine()) is True and not seen


# -- a full disk -----------------------------------------------------------------------------------
def _inject_disk_full(monkeypatch: pytest.MonkeyPatch, services: AppServices) -> Any:
    """Where no small disk can be mounted: the OS write and SQLite both say 'full'."""
    from sqlalchemy import event

    import companion.storage.journal as journal_module

    state = {"full": True, "journal_refusals": 1}
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        if state["full"] and state["journal_refusals"] > 0:
            state["journal_refusals"] -= 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(journal_module.os, "write", write)
    db = services.history.db  # type: ignore[attr-defined]

    def refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if state["full"] and statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            raise sqlite3.OperationalError("database or disk is full")

    event.listen(db.engine, "before_cursor_execute", refuse)
    return state


@pytest.mark.parametrize("how", ["small disk", "injected"])
def test_disk_full_mid_session_keeps_every_event_and_says_so(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """A real small tmpfs filled to the last byte where the machine allows mounting it;
    ENOSPC injected at the OS write (and SQLite's 'disk is full') everywhere."""
    with small_disk(tmp_path, "4m") as mounted:
        disk = mounted if how == "small disk" else None
        data = (disk or tmp_path) / "data"
        path = make_db(data)
        services = services_for(data)
        injected = None
        filler: Path | None = None
        try:
            reserve = data / "journal" / "reserve"
            wait_for(reserve.exists, 5, "the journal's reserve")
            if disk is not None:
                filler = fill(disk)
            else:
                injected = _inject_disk_full(monkeypatch, services)
            engine = run_session(services, red_flag_at=2)
            assert engine.red_flag is not None
            # the red flag is durable although the disk is full: in the journal on disk. An
            # injected ENOSPC fails every write, so the reserve was given up for it; on the
            # real full disk a write that still fits in the journal file's last page needs
            # no room, and the reserve may stay (this assertion was flaky there)
            if injected is not None:
                assert not reserve.exists()
            from companion.core.events import RedFlagRaised
            from companion.storage.journal_file import read_folder

            files, _problems = read_folder(data / "journal")
            assert any(isinstance(e.event, RedFlagRaised) for f in files for e in f.entries)
            state = services.history.red_flag_check()  # type: ignore[attr-defined]
            assert state.stop is not None and state.stop.symptoms == ("chest_pain",)
            wait_for(lambda: trouble(services) == "disk_full", 10, "the disk-full status")
            message = status_of(services).message()
            assert "disk is full" in message and "kept safely on this computer" in message
            # space again: everything reaches the history, once
            if filler is not None:
                filler.unlink()
            if injected is not None:
                injected["full"] = False
            wait_for(lambda: stored(path)["red_flags"] == [("chest_pain",)], 20,
                     "the session to be stored")
            got = stored(path)
            assert got["sessions"][0][0] == "stopped_red_flag"
            # sets 0-2 done, each once; the check-ins of sets 0 and 1 (the stop was at 2's)
            assert got["sets"][0] == got["sets"][1] == 3
            assert got["checkins"] == 2
            wait_for(lambda: trouble(services) == "none", 10, "the status to clear")
        finally:
            if filler is not None and filler.exists():
                filler.unlink()
            close(services)


# -- a read-only database file ---------------------------------------------------------------------
def test_a_read_only_database_file_is_read_not_moved_and_sessions_are_journaled(
    qtbot: QtBot, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    path = make_db(data)
    with ExitStack() as stack:
        with read_only(path) as possible:
            if not possible:
                pytest.skip("this machine cannot make a file read-only for this user")
            services = stack.enter_context(opened(data))
            assert not list(data.glob("*.corrupt-*"))
            wait_for(lambda: trouble(services) == "read_only", 5, "the read-only status")
            assert "read-only" in status_of(services).message()
            assert services.history.red_flag_check().known  # type: ignore[attr-defined]
            run_session(services)
            assert services.history.unsaved > 0  # type: ignore[attr-defined]
        # fixed: the writer opens it for writing and saves everything
        wait_for(complete_session_stored(path), 20, "the session to be stored")


# -- on screen at once -----------------------------------------------------------------------------
def test_the_window_shows_storage_trouble_at_once_in_plain_words(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from companion.ui.shell.window import MainWindow

    with held_database(tmp_path, 30) as (data, path, holder), opened(data) as services:
        window = MainWindow(argparse.Namespace(data_dir=str(data), db=None, routine=None),
                            services=services)
        qtbot.addWidget(window)
        window.show()
        window.load()
        try:
            run_session(services)
            banner = window.storage_banner
            qtbot.waitUntil(banner.isVisible, timeout=20_000)  # the 5 s budget, then at once
            assert "busy" in banner.title.text().lower()
            assert "kept safely on this computer" in banner.message.text()
            holder.release()
            qtbot.waitUntil(lambda: not banner.isVisible(), timeout=15000)
            assert complete_session_stored(path)()
        finally:
            window.close()


def test_the_recorder_returns_only_once_the_event_is_on_disk(tmp_path: Path) -> None:
    """Durable first: each event is in the journal file (fsync'd) when the recorder
    returns, whatever the database does."""
    with held_database(tmp_path) as (data, _path, holder), opened(data) as services:
        try:
            routine = tiny_routine()
            recorder = services.history.recorder_for(routine)
            assert recorder is not None
            recorder(SessionStarted(0.0, routine.id, routine.name, SETS))
            journal = next((data / "journal").glob("*.jsonl"))
            assert b'"SessionStarted"' in journal.read_bytes()
        finally:
            holder.release()


def test_the_app_and_its_history_window_read_a_read_only_folder(qtbot: QtBot,
                                                                tmp_path: Path) -> None:
    """Read-only use works read-only: the start screen's count, the gate and the history
    window read the file; nothing is moved aside; the banner says it cannot be saved."""
    from companion.config import Paths
    from companion.ui.history.window import HistoryWindow
    from tests.helpers.history import add_session

    data = tmp_path / "data"
    make_db(data)
    with Database.open(paths=Paths(data)) as db:
        add_session(db, datetime.now(UTC) - timedelta(seconds=1))
    with read_only(data) as possible:
        if not possible:
            pytest.skip("this machine cannot make a folder read-only for this user")
        with opened(data) as services:
            history = services.history
            assert history.db is not None and history.db.read_only  # type: ignore[attr-defined]
            assert history.sessions_this_week() == 1
            assert trouble(services) == "read_only"
            # known before any session, never "kept safely": nothing can be written here
            qtbot.waitUntil(lambda: "NOT being saved" in status_of(services).message(),
                            timeout=10_000)
            assert "kept safely" not in status_of(services).message()
            # a red flag raised here could not be kept, so the gate cannot tell: it asks
            state = history.red_flag_check()  # type: ignore[attr-defined]
            assert not state.known and state.stop is None
            loaded: list[bool] = []
            window = HistoryWindow(history.db)  # type: ignore[attr-defined]
            window.loaded.connect(lambda: loaded.append(True))
            qtbot.addWidget(window)
            window.show()
            qtbot.waitUntil(lambda: bool(loaded), timeout=10_000)
            assert window.model.rowCount() == 1
            window.close()
    assert not list(data.glob("*.corrupt-*"))


def test_a_stop_with_a_symptom_this_version_does_not_know_still_asks(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """A tester: a red-flag stop whose symptom a newer Companion wrote ('nausea') made the
    confirmation fail to build, so Start did nothing, with no word why. The question now
    comes up (real SQLite, the real dialog answered with keys), naming the stored words."""
    import sqlite3

    data = tmp_path / "data"
    path = make_db(data)
    with opened(data) as first:
        run_session(first, red_flag_at=1)
        wait_for(lambda: bool(stored(path)["red_flags"]), 20, "the red flag to be stored")
    with sqlite3.connect(path) as conn:  # as a newer version would have written it
        conn.execute("UPDATE red_flags SET symptom = 'nausea'")
    with opened(data) as second:
        assert "\u201cnausea\u201d" in gate_not_now(second)
        gate_answered(second, Qt.Key.Key_1)
