"""The start screen's suggestion: shown only on clear evidence; Accept writes the user's
copy of the routine, "Not now" keeps it away."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from companion.config import Paths
from companion.routines.library import RoutineLibrary
from companion.storage import Database
from companion.ui.screens.progression_banner import ProgressionBanner
from tests.helpers.a11y import unnamed_controls
from tests.helpers.history import STARTER_FILE, easy_starter

T0 = datetime(2026, 10, 1, 18, 0, tzinfo=UTC)


def test_accept_writes_the_user_copy_and_leaves_the_builtin_alone(
    qtbot: QtBot, tmp_path: Path
) -> None:
    before = STARTER_FILE.read_bytes()
    paths = Paths(tmp_path / "data")
    with Database.open(f"sqlite:///{tmp_path / 'h.sqlite3'}") as db:
        loaded = easy_starter(db, T0)
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
    assert STARTER_FILE.read_bytes() == before
    entry = RoutineLibrary(paths.routines_dir).find("starter")
    assert entry.path == written and not entry.builtin
    assert entry.routine != loaded.routine


def test_not_now_hides_the_suggestion_for_good(qtbot: QtBot, tmp_path: Path) -> None:
    paths = Paths(tmp_path / "data")
    with Database.open(f"sqlite:///{tmp_path / 'h.sqlite3'}") as db:
        loaded = easy_starter(db, T0)
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
    with Database.open(f"sqlite:///{tmp_path / 'h.sqlite3'}") as db:
        loaded = easy_starter(db, T0, effort=7)
        banner = ProgressionBanner(Paths(tmp_path / "data"))
        qtbot.addWidget(banner)
        assert not banner.show_for(db, loaded.routine)
        assert not banner.isVisible()
