"""`companion clinician --profile NAME`: a clinician's read-only view of one profile that
granted their database role access (issue 21): the history window with its charts, each
session's timeline and the clinician summary (PDF). Nothing is written to the database.

Connect with the clinician's own role (`--db postgresql+psycopg://ROLE@HOST/DATABASE`, its
password in the keyring from `companion db login --role ROLE`).
"""

from __future__ import annotations

import argparse
import sys

from companion.errors import KnownError
from companion.storage import Database


class NotClinician(KnownError):
    """The role is a person's, not a clinician's."""


def clinician_window(db: Database) -> object:
    """The read-only history window of `db`'s profile (a clinician's connection)."""
    from companion.ui.history.window import HistoryWindow

    if not db.clinician:
        raise NotClinician(
            f"{db.profile.name}'s own role opens the app itself (`companion --profile "
            f"{db.profile.name}`); `companion clinician` is for a clinician's role")
    return HistoryWindow(db, weekly_goal=2)


def run_clinician(args: argparse.Namespace) -> int:
    from companion.qt.widgets import QApplication
    from companion.storage.cli import open_database_for
    from companion.ui.shell.options import LaunchOptions

    if not LaunchOptions.from_args(args).profile:
        raise KnownError("say whose history to read: companion clinician --profile NAME")
    db = open_database_for(args, pin=False)
    try:
        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        app.setApplicationName("Companion")
        window = clinician_window(db)
        window.show()  # type: ignore[attr-defined]
        return int(app.exec())
    finally:
        db.close()
