"""The end screen on its own: summary text, mood after, the effort chart."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from companion.core.events import EndStatus
from companion.ui.screens.end import EndScreen
from companion.ui.services.session import SessionSummary, SetResult


def _summary() -> SessionSummary:
    s = SessionSummary("Starter circuit", 8, EndStatus.STOPPED_BY_USER, 600.0)
    s.sets = {0: SetResult(0, "Squats", False, 5), 1: SetResult(1, "Push-ups", False, 9),
              2: SetResult(2, "Rows", True)}
    return s


def test_end_screen_says_what_was_done_without_judging(qtbot: QtBot) -> None:
    screen = EndScreen()
    qtbot.addWidget(screen)
    screen.show_summary(_summary())
    assert screen.headline.text() == "Session ended. What you did still counts."
    assert "2 of 8 sets done in 10 min" in screen.details.text()
    # in the order done, not alphabetical (a tester), skipped ones left out
    assert "You worked on: Squats, Push-ups." in screen.details.text()
    assert screen.chart.efforts == [(0, "Squats", 5), (1, "Push-ups", 9)]


def test_mood_keys_emit_the_mood_after(qtbot: QtBot) -> None:
    screen = EndScreen()
    qtbot.addWidget(screen)
    screen.show_summary(_summary())
    with qtbot.waitSignal(screen.mood_chosen) as blocker:
        assert screen.handle_key(0, "2")
    assert blocker.args == [2]
    assert screen.mood_buttons[1].isChecked()


def test_effort_chart_paints_with_and_without_answers(qtbot: QtBot) -> None:
    screen = EndScreen()
    qtbot.addWidget(screen)
    screen.resize(800, 600)
    screen.show_summary(_summary())
    assert not screen.chart.grab().isNull()
    screen.show_summary(SessionSummary("x", 1, EndStatus.COMPLETED))
    assert not screen.chart.grab().isNull()
    assert "No effort" in screen.chart.accessibleDescription()


def test_a_set_skipped_part_way_is_marked_in_the_chart(qtbot: QtBot) -> None:
    """A tester: "1 of 8 sets done" beside a chart with an effort bar for all 8 sets, as
    if all were done. A skipped set's answer is kept (for the part done) but drawn as an
    outline, labelled and described "skipped"."""
    s = _summary()
    s.sets[2].effort = 7  # answered after skipping part-way
    screen = EndScreen()
    qtbot.addWidget(screen)
    screen.resize(900, 600)
    screen.show()
    screen.show_summary(s)
    assert screen.chart.efforts[-1] == (2, "Rows", 7)
    assert screen.chart.skipped == frozenset({2})
    described = screen.chart.accessibleDescription()
    assert "set 3 Rows: 7 (skipped)" in described and "set 1 Squats: 5," in described
    assert "2 of 8 sets done" in screen.details.text()
    assert not screen.chart.grab().isNull()
