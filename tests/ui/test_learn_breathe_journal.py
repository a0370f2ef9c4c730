"""Issue 20 end to end: the "Why this helps" page, a breathing session on its own, and the
journal note, driven by keys through the platform window on the real SQLite database."""

from __future__ import annotations

import csv
import json
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from companion.core.breathing import PATTERNS, VOICED_CYCLES
from companion.core.events import State
from companion.core.safety import Profile
from companion.core.timeline import CueKind
from companion.core.wording import wording_problems
from companion.learn import claim_problems
from companion.ui.history.journal import DRAFT_KEPT
from companion.ui.services.container import AppServices
from companion.ui.services.keys import Mode
from companion.voice.base import RecordingSpeaker
from tests.helpers.a11y import unnamed_controls
from tests.helpers.keys import click_key
from tests.ui.conftest import App, send_key
from tests.ui.test_flow import PreparingSpeaker
from tests.ui.test_safety_keys import _answer_checkins_until, gate_would_ask


@pytest.fixture
def services(db_services: AppServices) -> AppServices:
    """The real history: SQLite file in the data dir, the real recorder and gate, and the
    health questions answered "no" throughout (unanswered, every careful adaptation is on:
    no breath holds)."""
    _screen(db_services, {})
    return db_services


def _screen(services: AppServices, yes: dict[str, str], trimester: str | None = None) -> None:
    """Store health answers as the wizard does ("no" but for `yes`) and read them again."""
    from companion.core.safety import Answer
    from companion.safety.content import load_screening

    answers = {q.id: yes.get(q.id, Answer.NO.value) for q in load_screening().questions}
    services.history.save_screening(  # type: ignore[attr-defined]
        {"answers": answers, "trimester": trimester})
    services.refresh_profile()


def rows(services: AppServices) -> list[dict[str, Any]]:
    """Every stored session as another process would read the file, once the background
    writer has committed what the journal holds."""
    assert services.history.store.flush(10)  # type: ignore[attr-defined]
    conn = sqlite3.connect(services.paths.data_dir / "companion.sqlite3")
    conn.row_factory = sqlite3.Row
    try:
        out = [dict(r) for r in conn.execute(
            "SELECT id, kind, status, routine_id, routine_snapshot, mood_before, mood_after, "
            "note FROM sessions ORDER BY id")]
        for r in out:
            r["flags"] = [f[0] for f in conn.execute(
                "SELECT symptom FROM red_flags WHERE session_id = ?", (r["id"],))]
            r["routine_snapshot"] = json.loads(r["routine_snapshot"])
        return out
    finally:
        conn.close()


def type_text(text: str) -> None:
    """Typed key by key into whatever has the focus, as a keyboard would."""
    for ch in text:
        key = Qt.Key.Key_Return if ch == "\n" else Qt.Key(ord(ch.upper()))
        send_key(key, ch)


def breathe_until(app: App, done: Callable[[], bool], step: float = 0.25,
                  limit: float = 900.0) -> None:
    screen = app.window.breathing_screen
    assert screen is not None
    t = 0.0
    while not done():
        assert t < limit, "state never reached"
        app.clock.advance(step)
        if screen.driver is not None:
            screen.driver.tick()
        screen.refresh()
        t += step


def start_breathing(app: App, pattern: str = "box", minutes: int = 1,
                    mood: int | None = 3) -> None:
    """B, choose with the arrow keys and -/+, a mood key, Space: as a person does."""
    app.key(Qt.Key.Key_B)
    setup = app.window.breathe_screen
    assert setup is not None and app.window.key_mode() is Mode.BREATHE_SETUP
    for _ in range(6):
        if setup.chosen() is not None and setup.chosen().id == pattern:  # type: ignore[union-attr]
            break
        app.key(Qt.Key.Key_Down)
    assert setup.chosen() is PATTERNS[pattern]
    while setup.minutes.value() > minutes:
        app.key(Qt.Key.Key_Minus)
    while setup.minutes.value() < minutes:
        send_key(Qt.Key.Key_Plus, "+", modifiers=Qt.KeyboardModifier.ShiftModifier)
    if mood is not None:
        app.key(str(mood))
    app.key(Qt.Key.Key_Space)


def finish_workout(app: App) -> None:
    app.key(Qt.Key.Key_Space)
    _answer_checkins_until(app, lambda: app.engine.is_over)
    app.qtbot.waitUntil(lambda: app.window.current_screen() == "end")


def click(widget: Any) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))


# -- 1. Why this helps -----------------------------------------------------------------------
def test_l_opens_the_learn_page_every_statement_is_labelled_and_named_and_esc_returns(
    app: App,
) -> None:
    app.key(Qt.Key.Key_L)
    page = app.window.learn_screen
    assert page is not None and app.window.current_screen() == "learn"
    assert app.window.key_mode() is Mode.LEARN
    assert page.scroller.hasFocus() and not page.unwell_button.isVisible()
    assert len(page.rows) >= 30
    for row in page.rows:
        st = row.statement
        assert row.chip.text() == st.label and row.chip.isVisibleTo(page)
        assert row.source.text() == st.source
        assert row.accessibleName() == st.spoken == row.text.accessibleName()
        assert st.label in st.spoken and st.source in st.spoken
    assert unnamed_controls(page) == []
    texts = " ".join(page.texts())
    assert claim_problems(texts) == [] and wording_problems(texts) == []
    before = page.scroller.verticalScrollBar().value()
    app.key(Qt.Key.Key_PageDown)  # the page scrolls from the keyboard
    bar = page.scroller.verticalScrollBar()
    assert bar.value() > before
    app.key(Qt.Key.Key_End)  # Home and End too, as the README says
    assert bar.value() == bar.maximum()
    app.key(Qt.Key.Key_Home)
    assert bar.value() == bar.minimum()
    app.key(Qt.Key.Key_Escape)
    assert app.window.current_screen() == "start"


def test_the_start_screen_buttons_open_learn_and_breathing(app: App) -> None:
    start = app.window.start_screen
    assert start is not None
    click(start.learn_button)
    assert app.window.current_screen() == "learn"
    click(app.window.learn_screen.back_button)  # type: ignore[union-attr]
    click(start.breathing_button)
    assert app.window.current_screen() == "breathe"
    app.key(Qt.Key.Key_Escape)
    assert app.window.current_screen() == "start"
    assert unnamed_controls(start) == []


def test_learn_from_the_end_screen_returns_there_and_u_still_stops_the_session(
    app: App, services: AppServices
) -> None:
    finish_workout(app)
    app.key(Qt.Key.Key_L)
    page = app.window.learn_screen
    assert page is not None and app.window.current_screen() == "learn"
    assert page.unwell_button.isVisible()  # the session is just over behind this page
    app.key(Qt.Key.Key_Escape)
    assert app.window.current_screen() == "end"
    click(app.window.end_screen.learn_button)  # type: ignore[union-attr]
    assert app.window.current_screen() == "learn"
    app.key(Qt.Key.Key_U)
    stored = rows(services)
    assert [(r["status"], r["flags"]) for r in stored] == [("stopped_red_flag", ["unspecified"])]
    assert app.window.current_screen() == "safety"
    assert gate_would_ask(services)


# -- 2. a breathing session on its own ---------------------------------------------------------
def test_b_runs_a_breathing_session_saved_as_its_own_kind_with_mood_before_and_after(
    app: App, services: AppServices
) -> None:
    start_breathing(app, "box", minutes=1, mood=3)
    screen = app.window.breathing_screen
    assert screen is not None and app.window.current_screen() == "breathing"
    assert app.window.key_mode() is Mode.BREATHING
    assert screen.circle.isVisible() and screen.unwell_button.isVisible()
    # the circle is the window: it takes most of the screen
    assert screen.circle.height() > app.window.height() * 0.5
    assert unnamed_controls(screen) == []
    breathe_until(app, lambda: screen.session is not None and screen.session.engine.is_over)
    app.qtbot.waitUntil(lambda: app.window.current_screen() == "end")
    end = app.window.end_screen
    assert end is not None
    assert end.headline.text().startswith("Breathing session complete")
    assert not end.chart.isVisible()
    assert unnamed_controls(end) == [] and end.note.accessibleName()
    app.key(Qt.Key.Key_5)  # mood after
    stored = rows(services)
    assert len(stored) == 1
    r = stored[0]
    assert (r["kind"], r["status"], r["routine_id"], r["mood_before"], r["mood_after"]) == (
        "breathing", "completed", "breathing-box", 3, 5)
    assert (r["routine_snapshot"]["pattern"], r["routine_snapshot"]["minutes"]) == ("box", 1)
    # voice for the first cycles, then soft tones only (never both, never neither)
    speaker = services.speaker
    assert isinstance(speaker, RecordingSpeaker)
    breaths = [c for c in speaker.said if c.kind is CueKind.BREATHE]
    first = VOICED_CYCLES * len(PATTERNS["box"].steps)
    assert len(breaths) == 4 * 4
    assert all(c.speak and c.tone is None for c in breaths[:first])
    assert all(not c.speak and c.tone is not None for c in breaths[first:])
    # not a workout: the weekly goal counts it only when the user says so
    app.key(Qt.Key.Key_Return)
    start = app.window.start_screen
    assert start is not None
    rows(services)  # the writer has stored it; the start screen re-reads in the background
    app.qtbot.wait(300)
    assert start.week_label.text() == "This week: 0 of 2 sessions"
    app.window.apply_settings(replace(services.settings, breathing_counts=True))
    app.qtbot.waitUntil(lambda: start.week_label.text() == "This week: 1 of 2 sessions",
                        timeout=5000)
    # the choice is remembered for next time
    assert (services.settings.breathing_pattern, services.settings.breathing_minutes) == (
        "box", 1)
    app.key(Qt.Key.Key_B)
    setup = app.window.breathe_screen
    assert setup is not None and setup.chosen() is PATTERNS["box"]
    assert setup.minutes.value() == 1 and setup.mood is None


def test_space_pauses_and_esc_asks_before_ending_a_breathing_session(
    app: App, services: AppServices
) -> None:
    start_breathing(app, "extended_exhale", minutes=2, mood=None)
    screen = app.window.breathing_screen
    assert screen is not None and screen.session is not None
    engine = screen.session.engine
    breathe_until(app, lambda: engine.session_time() > 20)
    app.key(Qt.Key.Key_Space)
    assert engine.state is State.PAUSED and app.window.key_mode() is Mode.BREATHING
    left = engine.remaining_in_segment()
    breathe_until(app, lambda: engine.session_time() > 200)
    assert engine.remaining_in_segment() == left and not screen.circle.animating
    app.key(Qt.Key.Key_Space)
    assert engine.state is State.BREATHING
    app.key(Qt.Key.Key_Escape)
    app.qtbot.waitUntil(lambda: app.window.end_box is not None
                        and QGuiApplication.focusWindow() is app.window.end_box.windowHandle())
    assert engine.state is State.BREATHING  # asking is not ending
    app.key(Qt.Key.Key_Return)
    app.qtbot.waitUntil(lambda: app.window.current_screen() == "end")
    assert [(r["kind"], r["status"]) for r in rows(services)] == [
        ("breathing", "stopped_by_user")]
    assert app.window.end_screen.headline.text().startswith(  # type: ignore[union-attr]
        "Breathing session ended")


@pytest.mark.parametrize("when", ["running", "paused", "end question", "getting ready"])
def test_u_stops_a_breathing_session_durably_and_the_next_session_asks_first(
    app: App, services: AppServices, qtbot: QtBot, when: str
) -> None:
    if when == "getting ready":
        services.speaker = PreparingSpeaker()  # type: ignore[assignment]
    start_breathing(app, "coherent", minutes=3, mood=None)
    screen = app.window.breathing_screen
    assert screen is not None
    if when == "getting ready":
        assert app.window.key_mode() is Mode.PREPARING and screen.session is None
    else:
        breathe_until(app, lambda: screen.session is not None
                      and screen.session.engine.session_time() > 15)
    if when == "paused":
        app.key(Qt.Key.Key_Space)
    if when == "end question":
        app.key(Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    app.key(Qt.Key.Key_U)
    assert [(r["kind"], r["status"], r["flags"]) for r in rows(services)] == [
        ("breathing", "stopped_red_flag", ["unspecified"])]
    assert app.window.current_screen() == "safety"
    assert QApplication.activeModalWidget() is None
    assert gate_would_ask(services)
    app.key(Qt.Key.Key_2)  # which sign it was, on the safety screen
    assert rows(services)[0]["flags"] == ["dizziness"]
    # the next session, a breathing one too, asks for the confirmation first
    click(app.window.safety_page.close_button)
    app.key(Qt.Key.Key_B)
    shown = app.decline_gate_after(50)
    app.key(Qt.Key.Key_Space)
    assert shown == ["Before you exercise again"]
    assert app.window.current_screen() == "breathe" and len(rows(services)) == 1


@pytest.mark.parametrize("kind", ["workout", "breathing"])
def test_while_the_voice_gets_ready_the_end_button_is_live_and_goes_back(
    app: App, services: AppServices, kind: str
) -> None:
    """A tester's first breathing session: "Getting the voice ready…" for seconds with End
    greyed out, so a mouse user could not leave. End works (as Esc does), nothing is
    recorded, and a late voice does not start the session behind the start screen."""
    speaker = PreparingSpeaker()
    services.speaker = speaker  # type: ignore[assignment]
    if kind == "workout":
        app.key(Qt.Key.Key_Space)
        page: Any = app.player
    else:
        start_breathing(app, "coherent", minutes=1, mood=None)
        page = app.window.breathing_screen
    assert page is not None and page.session is None and page.preparing
    assert app.window.key_mode() is Mode.PREPARING
    assert page.end_button.isEnabled() and page.end_button.isVisible()
    assert not page.pause_button.isEnabled()  # nothing to pause yet
    click(page.end_button)
    assert app.window.current_screen() == "start"
    speaker.finish()  # the voice arrives late: ignored
    assert page.session is None and not page.preparing
    assert rows(services) == []


def test_patterns_the_health_answers_rule_out_cannot_be_chosen(
    app: App, services: AppServices
) -> None:
    _screen(services, {"pregnancy": "yes"}, trimester="second")
    assert services.profile.pregnant_after_first_trimester
    services.settings = replace(services.settings, breathing_pattern="4-7-8")
    app.key(Qt.Key.Key_B)
    setup = app.window.breathe_screen
    assert setup is not None
    assert setup.chosen() is PATTERNS["coherent"]  # the remembered 4-7-8 is not offered
    for _ in range(5):
        app.key(Qt.Key.Key_Down)
    assert setup.chosen() is PATTERNS["extended_exhale"]
    texts = [setup.patterns.item(i).text() for i in range(setup.patterns.count())]
    assert "not offered: no breath holds in pregnancy" in texts[2]
    assert "not offered: it is not for pregnancy" in texts[3]
    setup.patterns.setCurrentRow(3)  # even a click cannot start it
    assert setup.session() is None and not setup.start_button.isEnabled()


def test_4_7_8_shows_its_note_before_it_starts(app: App) -> None:
    app.key(Qt.Key.Key_B)
    setup = app.window.breathe_screen
    assert setup is not None
    for _ in range(3):
        app.key(Qt.Key.Key_Down)
    assert setup.chosen() is PATTERNS["4-7-8"]
    assert setup.note.isVisible()
    assert "not during or right after exercise, and not in pregnancy" in setup.note.text()
    app.key(Qt.Key.Key_Up)
    assert not setup.note.isVisible()
    assert unnamed_controls(setup) == []


# -- 3. the journal ----------------------------------------------------------------------------
def test_a_note_typed_on_the_end_screen_is_saved_never_spoken_and_u_types_there(
    app: App, services: AppServices
) -> None:
    finish_workout(app)
    end = app.window.end_screen
    assert end is not None and end.unwell_button.isVisible()
    click(end.note.viewport())
    assert end.note.hasFocus()
    words = "Legs felt good, unusually calm after"
    type_text(words)
    assert end.note.toPlainText() == words  # every u typed: no red flag from the note
    app.qtbot.waitUntil(lambda: end.note_status.text() == "Note saved.", timeout=3000)
    stored = rows(services)
    assert [(r["status"], r["note"], r["flags"]) for r in stored] == [
        ("completed", words, [])]
    speaker = services.speaker
    assert isinstance(speaker, RecordingSpeaker)
    assert not any("calm after" in c.text for c in speaker.said)  # never spoken
    app.key(Qt.Key.Key_Tab)  # out of the note; then the keys mean what they always do
    assert not end.note.hasFocus()


def test_leaving_the_end_screen_at_once_still_saves_the_note(
    app: App, services: AppServices
) -> None:
    start_breathing(app, "coherent", minutes=1, mood=2)
    screen = app.window.breathing_screen
    assert screen is not None
    breathe_until(app, lambda: screen.session is not None and screen.session.engine.is_over)
    app.qtbot.waitUntil(lambda: app.window.current_screen() == "end")
    end = app.window.end_screen
    assert end is not None
    click(end.note.viewport())
    type_text("Slept badly; this helped")
    click(end.back_button)  # before the typing pause is over
    assert app.window.current_screen() == "start"
    app.qtbot.waitUntil(lambda: rows(services)[0]["note"] == "Slept badly; this helped",
                        timeout=5000)


def test_notes_are_searched_shown_added_later_exported_and_in_the_pdf_only_when_asked(
    app: App, services: AppServices, qtbot: QtBot, tmp_path: Path
) -> None:
    finish_workout(app)
    end = app.window.end_screen
    assert end is not None
    click(end.note.viewport())
    type_text("Shoulder twinge on rows")
    app.key(Qt.Key.Key_Tab)
    end.back_button.setFocus(Qt.FocusReason.TabFocusReason)
    app.key(Qt.Key.Key_Return)
    start_breathing(app, "extended_exhale", minutes=1, mood=None)
    breathing = app.window.breathing_screen
    assert breathing is not None
    breathe_until(app, lambda: breathing.session is not None
                  and breathing.session.engine.is_over)
    qtbot.waitUntil(lambda: app.window.current_screen() == "end")
    app.key(Qt.Key.Key_Return)

    app.key(Qt.Key.Key_H)
    history = app.window.history_window
    qtbot.waitUntil(lambda: history.proxy.rowCount() == 2, timeout=10000)
    history.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is history.windowHandle())
    click_key(Qt.Key.Key_F, history.windowHandle(), Qt.KeyboardModifier.ControlModifier)
    assert history.search.hasFocus()
    type_text("twinge")
    assert history.proxy.rowCount() == 1
    row = history.proxy.data(history.proxy.index(0, 0), Qt.ItemDataRole.UserRole + 1)
    assert row.note == "Shoulder twinge on rows" and row.kind == "workout"
    history.search.clear()
    type_text("breathing")  # the kind is searchable too
    assert history.proxy.rowCount() == 1
    history.search.clear()

    # the breathing session has no note yet: add one from its detail
    history.table.setFocus()
    history.table.setCurrentIndex(history.proxy.index(0, 0))  # newest first
    with qtbot.waitSignal(history.detail_opened, timeout=10000):
        app.key(Qt.Key.Key_Return)
    view = history.detail_view
    assert view is not None and view.note.text() == "No note yet."
    assert "breathing session" in view.header.text()
    click(view.note_button)
    dialog = history.note_dialog
    assert dialog is not None and not dialog.unwell_button.isVisible()  # no session now
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is dialog.windowHandle())
    type_text("Added later: calmer")
    dialog.accept()
    qtbot.waitUntil(lambda: view.note.text() == "Added later: calmer", timeout=5000)
    assert [r["note"] for r in rows(services)] == ["Shoulder twinge on rows",
                                                   "Added later: calmer"]
    assert unnamed_controls(view) == []

    out = tmp_path / "history.csv"
    with qtbot.waitSignal(history.exported, timeout=10000):
        history.export_to(out)
    with out.open(encoding="utf-8", newline="") as f:
        notes = {(r["kind"], r["note"]) for r in csv.DictReader(f)}
    assert notes == {("workout", "Shoulder twinge on rows"), ("breathing", "Added later: calmer")}
    out = tmp_path / "history.json"
    with qtbot.waitSignal(history.exported, timeout=10000):
        history.export_to(out)
    assert [e["note"] for e in json.loads(out.read_text(encoding="utf-8"))] == [
        "Added later: calmer", "Shoulder twinge on rows"]

    def pdf_text(include: bool) -> str:
        path = tmp_path / f"summary-{include}.pdf"
        with qtbot.waitSignal(history.report_written, timeout=30000):
            history.write_report(path, date.today() - timedelta(days=7), date.today(),
                                 include_notes=include)
        text = " ".join(p.extract_text() for p in PdfReader(str(path)).pages)
        return " ".join(unicodedata.normalize("NFKC", text).split())

    without, with_notes = pdf_text(False), pdf_text(True)
    assert "twinge" not in without and "Added later" not in without
    assert "Shoulder twinge on rows" in with_notes and "Added later: calmer" in with_notes
    assert "1 breathing session on their own" in with_notes


def _note_open_during_a_session(app: App, qtbot: QtBot) -> tuple[Any, Any, Any]:
    """A workout done, History opened (H), the next workout started from the main window,
    then in History that first session's detail and its note dialog opened, the dialog
    holding the keyboard: (history window, detail view, note dialog)."""
    finish_workout(app)  # a session in the history to write a note about
    app.key(Qt.Key.Key_Return)
    app.key(Qt.Key.Key_H)
    history = app.window.history_window
    qtbot.waitUntil(lambda: history.proxy.rowCount() == 1, timeout=10000)
    app.window.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is app.window.windowHandle())
    app.key(Qt.Key.Key_Space)  # the next workout starts
    app.run_until(lambda: app.engine.state is State.WORK)
    history.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is history.windowHandle())
    with qtbot.waitSignal(history.detail_opened, timeout=10000) as opened:
        history.open_detail(history.proxy.index(0, 0))
    view = opened.args[0]
    view.note_button.click()
    dialog = history.note_dialog
    assert dialog is not None and dialog.unwell_button.isVisible()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is dialog.windowHandle())
    return history, view, dialog


def test_the_note_dialog_during_a_session_keeps_the_red_button_and_u_types(
    app: App, services: AppServices, qtbot: QtBot
) -> None:
    history, view, dialog = _note_open_during_a_session(app, qtbot)
    type_text("up")
    assert dialog.edit.toPlainText() == "up"  # typed, not a red flag
    assert app.engine.state is State.WORK
    click(dialog.unwell_button)
    assert [(r["status"], r["flags"]) for r in rows(services)] == [
        ("completed", []), ("stopped_red_flag", ["unspecified"])]
    assert app.window.current_screen() == "safety"
    assert QApplication.activeModalWidget() is None
    # the words typed before the stop are kept, not lost and not saved unasked (a tester
    # lost a half-written note to the red button)
    assert "kept, not saved yet" in history.status_line.text()
    assert [r["note"] for r in rows(services)] == [None, None]
    with qtbot.waitSignal(history.detail_opened, timeout=10000) as opened:  # the stop closed it
        history.open_detail(history.proxy.index(history.proxy.rowCount() - 1, 0))  # the first
    view = opened.args[0]
    view.note_button.click()
    dialog = history.note_dialog
    assert dialog is not None and dialog.edit.toPlainText() == "up"
    assert dialog.status.text() == DRAFT_KEPT
    dialog.reject()  # Cancel lets the kept words go, and the status line says so
    qtbot.waitUntil(lambda: "was let go" in history.status_line.text(), timeout=3000)
    view.note_button.click()
    dialog = history.note_dialog
    assert dialog is not None and dialog.edit.toPlainText() == "" and not dialog.status.text()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is dialog.windowHandle())
    type_text("up")
    dialog.accept()
    qtbot.waitUntil(lambda: view.note.text() == "up", timeout=5000)
    assert [r["note"] for r in rows(services)] == ["up", None]


@pytest.mark.parametrize("how", ["U", "the red button"])
def test_a_note_open_in_history_never_blocks_the_main_windows_red_button(
    app: App, services: AppServices, qtbot: QtBot, how: str
) -> None:
    """A tester: with a session's detail and its note dialog open in History (both modal to
    History), the main window's red button did nothing and U went into the note as a "u":
    History was a child of the main window, so its dialogs blocked the main window too.
    The click and the key go through the window system here (QTest on the window), where
    Qt applies modality; the note typed so far is kept."""
    history, _view, _dialog = _note_open_during_a_session(app, qtbot)
    type_text("half a note")
    # the person turns to the main window
    main = app.window.windowHandle()
    if how == "U":
        app.window.activateWindow()
        qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is main, timeout=3000)
        QTest.keyClick(main, Qt.Key.Key_U)
    else:
        button = app.window.player.unwell_button
        QTest.mouseClick(main, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         button.mapTo(app.window, button.rect().center()))
    qtbot.waitUntil(lambda: app.window.current_screen() == "safety", timeout=3000)
    assert [(r["status"], r["flags"]) for r in rows(services)] == [
        ("completed", []), ("stopped_red_flag", ["unspecified"])]
    assert history.note_drafts == {rows(services)[0]["id"]: "half a note"}


def test_esc_while_the_voice_gets_a_breathing_session_ready_goes_back_and_stores_nothing(
    app: App, services: AppServices
) -> None:
    services.speaker = PreparingSpeaker()  # type: ignore[assignment]
    start_breathing(app, "coherent", minutes=2, mood=None)
    assert app.window.key_mode() is Mode.PREPARING
    app.key(Qt.Key.Key_Escape)
    assert app.window.current_screen() == "start"
    speaker = services.speaker
    assert isinstance(speaker, PreparingSpeaker)
    speaker.finish()  # the voice answers late: the cancelled session must not start
    assert app.window.current_screen() == "start" and rows(services) == []


def test_the_learn_page_names_the_emergency_number_from_settings(
    app: App, services: AppServices
) -> None:
    app.key(Qt.Key.Key_L)
    app.key(Qt.Key.Key_Escape)
    app.window.apply_settings(replace(services.settings, emergency_text="112"))
    app.key(Qt.Key.Key_L)
    page = app.window.learn_screen
    assert page is not None
    stop = [row.statement.text for row in page.rows if row.statement.seed.id == "s5"]
    assert any(text.endswith("call 112.") for text in stop)


def test_without_health_answers_breath_holds_wait_for_them_and_say_why(
    app: App, services: AppServices
) -> None:
    """Health answers not known (never given, or unreadable): every careful adaptation is
    on, so no breath holds; the list says that is why, not "pregnancy"."""
    app.qtbot.wait(200)  # the window's first read of the history has landed
    services.profile = Profile.careful()
    app.key(Qt.Key.Key_B)
    setup = app.window.breathe_screen
    assert setup is not None
    texts = [setup.patterns.item(i).text() for i in range(setup.patterns.count())]
    box = next(t for t in texts if t.startswith("Box"))
    assert "not offered: it waits for your answers to the health questions" in box
    assert not any("pregnancy" in t for t in texts), texts
