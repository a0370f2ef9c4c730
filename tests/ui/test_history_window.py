"""The history window: what a user sees in the list, the filters, a session's timeline,
the charts, the clinician summary and the export, on a real SQLite database."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem
from pytestqt.qtbot import QtBot

from companion.core.events import Symptom
from companion.core.safety import Profile
from companion.core.wording import wording_problems
from companion.report.pdf import HEALTH_ANSWERS_HEADING
from companion.storage import Database
from companion.ui.history.detail import SessionDetailView
from companion.ui.history.window import HistoryWindow
from tests.helpers.a11y import unnamed_controls
from tests.helpers.history import add_session
from tests.helpers.keys import click_key, closed, type_text
from tests.helpers.sessions import make_engine, run_until, tiny_routine

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.open(f"sqlite:///{tmp_path / 'history.sqlite3'}")
    add_session(database, NOW - timedelta(days=40), name="Starter circuit", mood=(2, 3))
    add_session(database, NOW - timedelta(days=9), routine_id="quick-ten", name="Quick ten",
                status="stopped_by_user", mood=(3, 3))
    add_session(database, NOW - timedelta(days=5), status="stopped_red_flag",
                red_flag="chest_pain", mood=(3, None))
    add_session(database, NOW - timedelta(days=2), status="interrupted", mood=(4, None))
    add_session(database, NOW - timedelta(hours=3), mood=(2, 5))
    try:
        yield database
    finally:
        database.close()


def open_detail(qtbot: QtBot, window: HistoryWindow, row: int) -> SessionDetailView:
    """Open a session's timeline (read off the GUI thread) and wait for it."""
    with qtbot.waitSignal(window.detail_opened, timeout=5000) as blocker:
        window.open_detail(window.proxy.index(row, 0))
    view = blocker.args[0]
    assert isinstance(view, SessionDetailView)
    return view


def open_window(qtbot: QtBot, db: Database, **kwargs: object) -> HistoryWindow:
    window = HistoryWindow(db, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.loaded, timeout=10000):
        window.show()
    return window


def column(window: HistoryWindow, col: int) -> list[str]:
    return [window.proxy.data(window.proxy.index(r, col)) for r in range(window.proxy.rowCount())]


def cell(view: SessionDetailView, row: int, col: int) -> QTableWidgetItem:
    item = view.table.item(row, col)
    assert item is not None
    return item


def test_the_list_shows_every_session_newest_first_with_how_it_ended(
    qtbot: QtBot, db: Database
) -> None:
    window = HistoryWindow(db)
    qtbot.addWidget(window)
    assert window.summary.text() == "Loading…"  # before the worker has answered
    with qtbot.waitSignal(window.loaded, timeout=10000):
        window.show()
    assert column(window, 4) == ["Completed", "Interrupted", "Stopped: red flag",
                                 "Stopped by you", "Completed"]
    assert column(window, 1)[3] == "Quick ten"
    assert column(window, 5)[0] == "2 → 5"
    assert column(window, 3)[0] == "2 of 2"
    assert column(window, 2)[0] == "20 min"
    assert "5 sessions" in window.summary.text()
    assert "1 stopped for a red flag" in window.summary.text()


def test_red_flag_and_interrupted_rows_carry_an_icon_a_colour_and_words(
    qtbot: QtBot, db: Database
) -> None:
    window = open_window(qtbot, db)
    proxy = window.proxy
    flag = proxy.index(2, 4)
    done = proxy.index(0, 4)
    interrupted = proxy.index(1, 4)
    assert proxy.data(flag) == "Stopped: red flag"
    assert "1 red flag" in proxy.data(flag, Qt.ItemDataRole.ToolTipRole)
    assert not proxy.data(flag, Qt.ItemDataRole.DecorationRole).isNull()
    colours = {proxy.data(i, Qt.ItemDataRole.ForegroundRole).name()
               for i in (flag, done, interrupted)}
    assert len(colours) == 3  # each ending looks different, and says so in words too
    icons = [proxy.data(i, Qt.ItemDataRole.DecorationRole).pixmap(16, 16).toImage()
             for i in (flag, done, interrupted)]
    assert icons[0] != icons[1] and icons[0] != icons[2]


def test_filters_and_search_narrow_the_list(qtbot: QtBot, db: Database) -> None:
    window = open_window(qtbot, db)
    window.set_filters(routine="quick-ten")
    assert column(window, 1) == ["Quick ten"]
    window.set_filters(routine="starter", status="stopped_red_flag")
    assert column(window, 4) == ["Stopped: red flag"]
    assert "1 of 5 sessions shown" in window.summary.text()
    window.routine.setCurrentIndex(0)
    window.status.setCurrentIndex(0)
    type_text(window.search, "interrupted")
    assert column(window, 4) == ["Interrupted"]
    window.search.clear()
    window.set_filters(period="Last 4 weeks")
    assert len(column(window, 0)) == 4  # the session 40 days ago is outside
    window.until.setDate(window.until.date().addDays(-4))  # custom dates
    assert window.period.currentText() == "Custom dates"
    assert column(window, 4) == ["Stopped: red flag", "Stopped by you"]


def test_search_with_no_match_says_so(qtbot: QtBot, db: Database) -> None:
    window = open_window(qtbot, db)
    window.set_filters(text="zumba")
    assert window.proxy.rowCount() == 0
    assert window.empty.isVisible() and window.empty.text() == "No session matches."


def test_enter_on_a_red_flag_session_opens_its_timeline(qtbot: QtBot, db: Database) -> None:
    window = open_window(qtbot, db)
    window.table.setFocus()
    window.table.setCurrentIndex(window.proxy.index(2, 0))
    click_key(Qt.Key.Key_Return, window.table)
    qtbot.waitUntil(lambda: window.detail_view is not None, timeout=5000)
    view = window.detail_view
    assert isinstance(view, SessionDetailView)
    assert view.isVisible()
    texts = " | ".join(view.texts())
    assert "RED FLAG" in texts
    assert "chest pain, pressure or severe breathlessness during Push-ups" in texts
    assert "Set 1 (round 1) Bodyweight squats: 12 reps of 12 reps, effort 5/10" in texts
    assert "After set 1: all clear" in texts
    assert view.ending.text() == "Stopped: red flag"
    rows = [cell(view, r, 1).text() for r in range(view.table.rowCount())]
    assert rows[-1] == "Ended"
    red = rows.index("RED FLAG")
    assert cell(view, red, 0).text() == "03:00"
    assert cell(view, red, 2).foreground().color() != cell(view, 0, 2).foreground().color()
    click_key(Qt.Key.Key_Escape, view)
    assert closed(view)


def test_the_timeline_of_a_recorded_session_shows_sets_checkins_skips_and_the_stop(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from companion.core.events import State

    with Database.open(f"sqlite:///{tmp_path / 'recorded.sqlite3'}") as db:
        routine = tiny_routine()
        engine, clock, _ = make_engine(routine)
        engine.subscribe(db.recorder(routine))
        engine.start(mood_before=3)
        run_until(engine, clock, State.CHECKIN)
        engine.answer_checkin(True)
        engine.record_effort(4)
        run_until(engine, clock, State.WORK)
        engine.skip()
        if engine.state is State.CHECKIN:
            engine.answer_checkin(True)
        run_until(engine, clock, State.WORK)
        engine.report_red_flag(heard="i feel dizzy")  # by voice: what was heard is kept
        engine.specify_symptom(Symptom.DIZZINESS)  # then picked on the safety screen
        window = open_window(qtbot, db)
        assert column(window, 4) == ["Stopped: red flag"]
        view = open_detail(qtbot, window, 0)
        qtbot.addWidget(view)
        texts = " | ".join(view.texts())
        assert "Squats: 3 reps of 3 reps, effort 4/10" in texts
        assert "After set 1: all clear" in texts
        assert "skipped" in texts.lower()
        assert "dizziness, light-headedness or fainting" in texts
        assert "heard \u201ci feel dizzy\u201d" in texts
        assert texts.endswith("Stopped: red flag")


def test_charts_show_the_weekly_goal_the_mood_change_and_the_session_days(
    qtbot: QtBot, db: Database
) -> None:
    window = open_window(qtbot, db, weekly_goal=3)
    weekly = " ".join(window.charts.weekly_chart.texts())
    assert "Goal: 3 a week (dashed)" in weekly and "of 12 weeks" in weekly
    assert window.charts.mood_chart.average_change == pytest.approx((1 + 0 + 3) / 3)
    assert "average change +1.3" in " ".join(window.charts.mood_chart.texts())
    assert "Effort per session: average 5.5 of 10" in " ".join(window.charts.effort_chart.texts())
    newest = (NOW - timedelta(hours=3)).astimezone().date()
    assert window.charts.calendar.month == newest.replace(day=1)
    assert newest in window.charts.calendar.days_in_month()
    window.charts.calendar.setFocus()
    click_key(Qt.Key.Key_PageUp, window.charts.calendar)
    assert window.charts.calendar.month < newest.replace(day=1)


def test_charts_follow_a_dark_palette(qtbot: QtBot, db: Database) -> None:
    from PySide6.QtGui import QColor, QPalette

    window = open_window(qtbot, db)
    dark = QPalette(QColor("#202124"))
    dark.setColor(QPalette.ColorRole.Base, QColor("#17181a"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#eeeeee"))
    window.setPalette(dark)
    chart = window.charts.mood_chart.chart()
    assert chart.backgroundBrush().color().lightness() < 64
    assert chart.titleBrush().color().lightness() > 200


def test_no_text_mentions_weight_appearance_or_streaks_for_eating_disorder_history(
    qtbot: QtBot, db: Database
) -> None:
    window = open_window(qtbot, db, profile=Profile(eating_disorder_history=True))
    view = open_detail(qtbot, window, 2)
    texts = window.texts() + view.texts()
    assert len(texts) > 100
    assert "goal met" not in " ".join(window.charts.weekly_chart.texts())  # no tally to chase
    problems = [p for t in texts for p in wording_problems(t)]
    assert problems == []
    # beyond the shared rule: no body-metric word at all ("Bodyweight squats" is a name)
    for word in ("weight", "kg", "calories?", "body", "streaks?", "burn", "slim", "lean"):
        assert not [t for t in texts if re.search(rf"\b{word}\b", t, re.IGNORECASE)], word


def test_every_control_has_an_accessible_name(qtbot: QtBot, db: Database) -> None:
    window = open_window(qtbot, db)
    assert unnamed_controls(window) == []
    assert window.table.accessibleName() == "Sessions"


def _pdf_text(path: Path) -> str:
    reader = PdfReader(str(path))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())


def test_the_clinician_summary_action_writes_a_pdf_with_the_sections(
    qtbot: QtBot, db: Database, tmp_path: Path
) -> None:
    from companion.core.safety import Answer, ScreeningResult

    result = ScreeningResult({"beta_blockers": Answer.YES, "joint_pain": Answer.NOT_SURE},
                             acknowledged=True)
    db.save_screening(result.to_json(), "I will check with my clinician first")
    window = open_window(qtbot, db)
    out = tmp_path / "summary.pdf"
    with qtbot.waitSignal(window.report_written, timeout=30000) as blocker:
        window.write_report(out, date.today() - timedelta(days=90), date.today())
    assert blocker.args == [out]
    assert "Saved the clinician summary" in window.status_line.text()
    text = _pdf_text(out)
    for heading in (HEALTH_ANSWERS_HEADING, "Current treatment and medications",
                    "Physical limitations", "Proposed routine", "Red-flag stops",
                    "Screening answers"):
        assert heading in text
    assert "beta-blocker" in text.lower() and "joint" in text.lower()
    assert "chest pain" in text
    assert "Bodyweight squats" in text  # the routine used last: the built-in starter


def test_export_writes_the_history_as_json(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    window = open_window(qtbot, db)
    out = tmp_path / "history.json"
    with qtbot.waitSignal(window.exported, timeout=10000) as blocker:
        window.export_to(out)
    assert blocker.args == [out, 5]
    data = json.loads(out.read_text())
    assert len(data) == 5
    assert "Exported 5 sessions" in window.status_line.text()


def test_a_column_header_sorts_the_list(qtbot: QtBot, db: Database) -> None:
    window = open_window(qtbot, db)
    window.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert column(window, 1) == ["Quick ten"] + ["Starter circuit"] * 4
    window.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert column(window, 4)[0] == "Completed" and column(window, 5)[0] == "2 → 3"


def test_ctrl_f_goes_to_the_search_box(qtbot: QtBot, db: Database) -> None:
    window = open_window(qtbot, db)
    window.activateWindow()
    window.table.setFocus()
    click_key(Qt.Key.Key_F, window.table, Qt.KeyboardModifier.ControlModifier)
    assert window.search.hasFocus()


def test_closing_the_window_while_it_loads_is_harmless(qtbot: QtBot, db: Database) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    from companion.ui.adapters.operations import pool

    window = HistoryWindow(db)
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert pool().waitForDone(10000)
    QCoreApplication.processEvents()


def test_without_a_profile_the_latest_screening_decides_the_gentle_framing(
    qtbot: QtBot, db: Database
) -> None:
    from companion.core.safety import Answer, ScreeningResult

    result = ScreeningResult({"eating_disorder": Answer.YES}, acknowledged=True)
    db.save_screening(result.to_json(), "I will check with my clinician first")
    window = open_window(qtbot, db)
    assert window.profile.eating_disorder_history
    weekly = " ".join(window.charts.weekly_chart.texts())
    assert "goal met" not in weekly and "Sessions per week, last 12 weeks" in weekly
