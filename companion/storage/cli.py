"""`companion history`: read, export or erase the session history from the command line.

The subparser itself is declared in `companion/cli.py` (kept free of heavy imports).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from companion.config import resolve_paths
from companion.core.wording import counted
from companion.errors import KnownError
from companion.localtime import local_text, zone_name
from companion.storage.connect import sqlite_path
from companion.storage.database import Database
from companion.storage.repository import HistoryRow
from companion.storage.store import HistoryStore

STATUS_TEXT = {
    "completed": "completed",
    "stopped_by_user": "stopped by you",
    "stopped_red_flag": "stopped: red flag",
    "interrupted": "interrupted",
    "in_progress": "in progress",
}

def open_database_for(args: argparse.Namespace, *, pin: bool = True) -> Database:
    """The database of a command, for `--profile NAME` (else the first profile, or the one
    the URL's PostgreSQL role owns), with the PIN of a protected profile asked first.
    A damaged file is left as it is (only the app sets it aside, when it starts).
    Raises DatabaseError (DatabaseDamaged for a damaged file), ProfileError (KnownErrors)."""
    from companion.storage.access import ask_pin, explain, remember_profile, target
    from companion.storage.opening import DatabaseError

    paths = resolve_paths(getattr(args, "data_dir", None))
    t = target(paths, getattr(args, "db", None), getattr(args, "profile", None))
    try:
        db = Database.open(t.url, paths=paths, mark=False, busy_timeout_ms=5000,
                           profile=t.profile, recover=False)
    except DatabaseError as exc:
        raise DatabaseError(explain(exc, t)) from exc
    try:
        if not db.clinician and not db.read_only:
            remember_profile(paths, t.url, db.profile)
        if pin:
            ask_pin(db)
    except BaseException:
        db.close()
        raise
    return db


def open_store(args: argparse.Namespace) -> HistoryStore:
    """The history for a command: what earlier runs left in the profile's journal is
    merged first (unless the database is read-only: then it is read as it is, and the
    count of events not in it yet is said on stderr). Raises DatabaseError /
    DatabaseRecovered / ProfileError."""
    paths = resolve_paths(getattr(args, "data_dir", None))
    db = open_database_for(args)
    journal = None if db.clinician else paths.for_profile(db.profile).journal_dir
    store = HistoryStore(db.url, journal, db=db, paths=paths)
    try:
        store.merge_now()
    except BaseException:
        store.close()
        raise
    if db.recovered is not None:
        store.close()
        raise db.recovered
    left = store.unmerged_elsewhere()
    if left:
        why = "the database is read-only" if db.read_only else "they could not be saved yet"
        print(f"companion: {left} recorded event(s) in {journal} are not "
              f"in this history yet ({why}); they are added when it can be written.",
              file=sys.stderr)
    return store


def history(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        db = store.db
        assert db is not None
        if args.delete_all:
            if db.read_only:
                raise KnownError(f"the history {store.where} is read-only: nothing was "
                                 "deleted")
            return _delete_all(db, assume_yes=args.yes)
        if args.export:
            return _export(db, Path(args.export))
        if args.json:
            json.dump(db.export_rows(), sys.stdout, indent=2, ensure_ascii=False)
            sys.stdout.write("\n")
            return 0
        _table(db.history(), db.export_rows(), sys.stdout, _whose(args, db))
        return 0
    finally:
        store.close()


def _local(at: datetime | None) -> str:
    from companion.localtime import wall_text

    return wall_text(at) if at else "-"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _mood(before: int | None, after: int | None) -> str:
    if before is None and after is None:
        return "-"
    return f"{before if before is not None else '?'}->{after if after is not None else '?'}"


def _whose(args: argparse.Namespace, db: Any) -> str:
    """The profile's name for the table, when it tells something: a --profile given, or a
    history with several profiles (a single user's output stays as it was)."""
    if getattr(args, "profile", None) or db.clinician:
        return str(db.profile.name)
    from companion.storage.profiles import list_profiles

    try:
        with db.engine.connect() as conn:
            several = len(list_profiles(conn)) > 1
    except Exception:  # the name is a courtesy: never a reason to fail
        return ""
    return str(db.profile.name) if several else ""


def _table(rows: list[HistoryRow], export: list[dict[str, Any]], out: TextIO,
           who: str = "") -> None:
    if not rows:
        out.write(f"No sessions yet{f' for {who}' if who else ''}.\n")
        return
    flags = {e["id"]: e["red_flags"] for e in export}
    header = ["id", "started", "routine", "time", "sets", "effort", "mood", "how it ended"]
    lines = []
    for r in rows:
        status = STATUS_TEXT.get(r.status, r.status)
        if flags.get(r.id):
            status += " (" + ", ".join(f.replace("_", " ") for f in flags[r.id]) + ")"
        effort = f"{r.avg_effort:.1f}" if r.avg_effort is not None else "-"
        lines.append([str(r.id), _local(r.started_at), r.routine_name,
                      _duration(r.duration_seconds),
                      "-" if r.is_breathing else f"{r.sets_done}/{r.set_count}", effort,
                      _mood(r.mood_before, r.mood_after), status])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    right = {0, 3, 4, 5}
    for line in [header, *lines]:
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(line, widths, strict=True))]
        out.write("  ".join(cells).rstrip() + "\n")
    whose = f" Profile: {who}." if who else ""
    out.write(f"{counted(len(rows), 'session')}, newest first. Times are local ({zone_name()})."
              f"{whose}\n")


def _export(db: Database, path: Path) -> int:
    count = db.export(path)
    print(f"wrote {counted(count, 'session')} to {path}", file=sys.stderr)
    return 0


def _delete_all(db: Database, assume_yes: bool) -> int:
    where = sqlite_path(db.url) or db.engine.url.render_as_string(hide_password=True)
    pending = db.pending_red_flag_ack()
    kept = ""
    if pending is not None:  # the gate must still ask: that stop is kept until confirmed
        when = local_text(pending.stopped_at, fmt="%d %B %Y at %H:%M")
        kept = (f"The session stopped for a red flag on {when} has not been "
                "confirmed yet, so it is kept: Companion asks about it before your next "
                "session (run this again after confirming to erase it too).")
    if not assume_yes:
        count = len(db.history()) - (pending is not None)
        sessions = f"all {counted(count, 'session')}, " if count else "the "
        prompt = (f"Erase {sessions}screening answers and acknowledgements "
                  f"of the profile {db.profile.name} from {where}? (Other profiles are "
                  f"kept.) {kept + ' ' if kept else ''}This cannot be undone. Type 'yes' to "
                  "confirm: ")
        try:
            answer = input(prompt)
        except EOFError:
            answer = ""
        if answer.strip().casefold() != "yes":  # exactly what the prompt asks: not a reflex "y"
            print("Nothing was deleted.", file=sys.stderr)
            return 1
    n = db.delete_all()
    print(f"Deleted {counted(n, 'session')} and all related data of the profile {db.profile.name} "
          f"from {where}.", file=sys.stderr)
    if kept:
        print(kept, file=sys.stderr)
    return 0
