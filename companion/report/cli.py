"""`companion report --pdf FILE`: the clinician summary from the command line."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, timedelta
from pathlib import Path

from companion.config import resolve_paths
from companion.errors import KnownError
from companion.localtime import local_now, local_zone

DEFAULT_DAYS = 90


def _day(text: str | None, default: date, name: str) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise KnownError(f"--{name} must be a date like 2026-11-26, not {text!r}") from None


def report(args: argparse.Namespace) -> int:
    # A PDF needs Qt's text engine but never a window: no display required.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from companion.qt.gui import QGuiApplication
    from companion.report.gather import gather
    from companion.report.pdf import write_pdf
    from companion.report.proposal import proposed_routine
    from companion.safety.content import load_screening
    from companion.storage.cli import open_store
    from companion.storage.opening import DatabaseRecovered

    tz = local_zone()
    today = local_now(tz).date()  # the person's today, not UTC's
    until = _day(args.until, today, "until")
    since = _day(args.since, until - timedelta(days=DEFAULT_DAYS), "since")
    if since > until:
        raise KnownError("--since is after --until")
    out = Path(args.pdf).expanduser()
    if out.is_dir():
        raise KnownError(f"cannot write {out}: that is a folder, not a file name")
    paths = resolve_paths(args.data_dir)
    try:
        store = open_store(args)
    except DatabaseRecovered as exc:  # a damaged file was set aside: report on the new one
        print(f"companion: {exc}", file=sys.stderr)
        store = open_store(args)
    db = store.db
    assert db is not None
    if not db.clinician:  # the person's own routines and weekly goal
        paths = paths.for_profile(db.profile)
    try:
        screening = load_screening()
        routine, notes = proposed_routine(db, paths.routines_dir, screening,
                                          args.report_routine or "")
        goal, count_breathing = _goal_settings(paths.settings_file)
        data = gather(db, screening, since=since, until=until, weekly_goal=goal,
                      routine=routine, adaptations=notes, tz=tz,
                      include_notes=bool(getattr(args, "include_notes", False)),
                      count_breathing=count_breathing)
        app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
        # all or nothing; a clear one-line error otherwise, also for a folder that does
        # not exist (a typo in the path must not make folders: a tester)
        write_pdf(data, out)
        del app
    finally:
        store.close()
    print(f"wrote {out} ({len(data.sessions)} sessions, {since} to {until})")
    return 0


def _goal_settings(settings_file: Path) -> tuple[int, bool]:
    """(weekly goal, do breathing sessions count) from settings, if the settings module can
    read them; else the defaults."""
    try:
        from companion.settings import load_settings

        settings, _problems = load_settings(settings_file)
        return int(settings.weekly_goal), bool(settings.breathing_counts)
    except Exception:  # settings are optional for a report; the defaults are a fine answer
        return 2, False
