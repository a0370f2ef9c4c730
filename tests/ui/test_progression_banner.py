"""The start screen's suggestion: shown only on clear evidence; Accept writes the user's
copy of the routine, "Not now" keeps it away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from companion.config import Paths
from companion.routines.library import RoutineLibrary
from companion.routines.loader import BUILTIN_DIR, load_routine_full
from companion.storage import Database
from companion.ui.screens.progression_banner import ProgressionBanner
from tests.helpers.a11y import unnamed_controls
from tests.helpers.history import add_session

T0 = datetime(2026, 10, 1, 18, 0, tzinfo=UTC)


def _two_easy_starter_sessions(db: Database, effort: int = 5) -> None:
    routine = load_routine_full(BUILTIN_DIR / "starter.toml", builtin=True).routine
    sets = tuple((ex.name, effort) for ex in routine.exercises)
    for day in (0, 2):
        add_session(db, T0 + timedelta(days=day), sets=sets)


def test_accept_writes_the_user_copy_and_leaves_the_builtin_alone(
    qtbot: QtBot, tmp_path: Path
) -> None:
    builtin = BUILTIN_DIR / "starter.toml"
    before = builtin.read_bytes()
    loaded = load_routine_full(builtin, builtin=True)
    paths = Paths(tmp_path / "data")
    with Database.open(f"sqlite:///{tmp_path / 'h.sqlite3'}") as db:
        _two_easy_starter_sessions(db)
        banner = ProgressionBanner(paths)
        qtbot.addWidget(banner)
        assert banner.show_for(db, loaded.routine, loaded.alternatives)
        assert banner.isVisible()
        assert "Ready for a small step?" in banner.label.text()
        assert unnamed_controls(banner) == []
        with qtbot.waitSignal(banner.accepted) as blocker:
            qtbot.mouseClick(banner.accept_button, Qt.MouseButton.LeftButton)
    written = blocker.args[0]
    assert written == paths.routines_dir / "starter.toml"
    assert not banner.isVisible()
    assert builtin.read_bytes() == before
    entry = RoutineLibrary(paths.routines_dir).find("starter")
    assert entry.path == written and not entry.builtin
    assert entry.routine != loaded.routine


def test_not_now_hides_the_suggestion_for_good(qtbot: QtBot, tmp_path: Path) -> None:
    loaded = load_routine_full(BUILTIN_DIR / "starter.toml", builtin=True)
    paths = Paths(tmp_path / "data")
    with Database.open(f"sqlite:///{tmp_path / 'h.sqlite3'}") as db:
        _two_easy_starter_sessions(db)
        banner = ProgressionBanner(paths)
        qtbot.addWidget(banner)
        assert banner.show_for(db, loaded.routine)
        with qtbot.waitSignal(banner.dismissed):
            qtbot.mouseClick(banner.dismiss_button, Qt.MouseButton.LeftButton)
        assert not banner.isVisible()
        again = ProgressionBanner(paths)
        qtbot.addWidget(again)
        assert not again.show_for(db, loaded.routine)
        assert not again.isVisible()
    assert not (paths.routines_dir / "starter.toml").exists()


def test_hard_sessions_show_no_banner(qtbot: QtBot, tmp_path: Path) -> None:
    loaded = load_routine_full(BUILTIN_DIR / "starter.toml", builtin=True)
    with Database.open(f"sqlite:///{tmp_path / 'h.sqlite3'}") as db:
        _two_easy_starter_sessions(db, effort=7)
        banner = ProgressionBanner(Paths(tmp_path / "data"))
        qtbot.addWidget(banner)
        assert not banner.show_for(db, loaded.routine)
        assert not banner.isVisible()
