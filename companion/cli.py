"""Command line: `companion` opens the app; subcommands check routines, preview a session,
read the history and write reports. Heavy modules are imported only by the command that
needs them, so `companion routines check` stays instant and never needs a display.

Two entry points share `main`: the `companion` console script, and the `companion-gui`
GUI script (`gui_main`), which on Windows starts without a console window.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from companion import __version__

log = logging.getLogger(__name__)


def _common(*, top: bool) -> argparse.ArgumentParser:
    """Options every command takes, before or after the subcommand.

    Subcommands get SUPPRESS defaults so `companion --data-dir X history` keeps X instead of
    having the subparser's default overwrite it.
    """
    default: object = None if top else argparse.SUPPRESS
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        default=default,
        help="where your history, routines and settings live "
        "(default: your user data folder; env COMPANION_DATA_DIR)",
    )
    common.add_argument(
        "--db",
        metavar="URL",
        default=default,
        help="SQLAlchemy database URL (default: SQLite in the data dir; env COMPANION_DB_URL); "
        "without a password: a PostgreSQL role's password comes from your keyring",
    )
    common.add_argument(
        "--profile",
        metavar="NAME",
        default=default,
        help="whose history, settings and routines (default: the first profile)",
    )
    common.add_argument("-v", "--verbose", action="store_true",
                        default=False if top else argparse.SUPPRESS, help="log more detail")
    return common


def build_parser() -> argparse.ArgumentParser:
    top = _common(top=True)
    common = _common(top=False)

    parser = argparse.ArgumentParser(
        prog="companion",
        description="A hands-free voice companion for home strength workouts.",
        parents=[top],
    )
    parser.add_argument("--version", action="version", version=f"companion {__version__}")
    parser.add_argument(
        "--routine", metavar="FILE_OR_ID", help="open the app with this routine selected"
    )
    entry = parser.add_mutually_exclusive_group()
    entry.add_argument(
        "--install-desktop-entry", action="store_true",
        help="add Companion to your application menu (Linux: writes companion.desktop and "
        "its icon into $XDG_DATA_HOME, default ~/.local/share)",
    )
    entry.add_argument(
        "--uninstall-desktop-entry", action="store_true",
        help="remove what --install-desktop-entry wrote (your data stays)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    routines = sub.add_parser("routines", help="check or list routine files", parents=[common])
    rsub = routines.add_subparsers(dest="routines_command", metavar="ACTION", required=True)
    check = rsub.add_parser("check", help="validate routine files", parents=[common])
    check.add_argument("files", nargs="+", metavar="FILE")
    rsub.add_parser("list", help="list built-in and your routines", parents=[common])

    preview = sub.add_parser(
        "preview", help="print the timed script of a session", parents=[common]
    )
    preview.add_argument("routine", metavar="ROUTINE", nargs="?", default=None,
                         help="a routine id or a path to a file (or use --breathing)")
    preview.add_argument(
        "--breathing", metavar="PATTERN",
        help="a breathing session on its own instead of a routine: coherent, 4-6, box or 4-7-8",
    )
    preview.add_argument(
        "--minutes", metavar="N", type=int, default=None,
        help="the breathing session's length, 1-10 minutes (default 5)",
    )
    preview.add_argument("--json", action="store_true", help="JSON Lines, one cue per line")
    preview.add_argument(
        "--audio", metavar="FILE.wav", help="render the whole guided session to a WAV file"
    )
    preview.add_argument(
        "--adapt", metavar="NAMES", default="",
        help="show the screening adaptations, comma-separated: "
        "pregnancy, frailty, eating-disorder, beta-blockers",
    )
    preview.add_argument(
        "--verbosity", choices=["full", "brief", "tones"], default="full",
        help="how much the voice says (default: full)",
    )
    preview.add_argument(
        "--engine", choices=["auto", "piper", "system"], default=None,
        help="the speech engine for --audio (default: the one chosen in Settings)",
    )

    history = sub.add_parser(
        "history", help="show, export or delete your session history", parents=[common]
    )
    hmode = history.add_mutually_exclusive_group()
    hmode.add_argument("--json", action="store_true", help="JSON array, newest session first")
    hmode.add_argument(
        "--export", metavar="FILE", help="write FILE.csv (one row per set) or FILE.json"
    )
    hmode.add_argument(
        "--delete-all", action="store_true",
        help="erase all sessions, screening answers and acknowledgements",
    )
    history.add_argument("--yes", action="store_true", help="do not ask before --delete-all")

    report = sub.add_parser(
        "report", help="write a clinician summary (PDF) of a period", parents=[common]
    )
    report.add_argument("--pdf", metavar="FILE", required=True, help="the PDF file to write")
    report.add_argument("--since", metavar="YYYY-MM-DD", help="first day (default: 90 days ago)")
    report.add_argument("--until", metavar="YYYY-MM-DD", help="last day (default: today)")
    report.add_argument(
        "--routine", dest="report_routine", metavar="ID_OR_FILE",
        help="the proposed routine (default: the one you used last, else starter)",
    )
    report.add_argument(
        "--include-notes", action="store_true",
        help="add the notes you wrote about your sessions (left out unless asked for)",
    )
    prof = sub.add_parser("profiles", help="list, add, protect or rename profiles (people)",
                          parents=[common])
    psub = prof.add_subparsers(dest="profiles_command", metavar="ACTION", required=True)
    psub.add_parser("list", help="the profiles in this history", parents=[common])
    padd = psub.add_parser("add", help="add a profile", parents=[common])
    padd.add_argument("name", metavar="NAME")
    padd.add_argument("--pin", action="store_true",
                      help="protect it with a PIN or passphrase (asked, never an argument)")
    ppin = psub.add_parser("pin", help="set, change or (--remove) the PIN of --profile",
                           parents=[common])
    ppin.add_argument("--remove", action="store_true", help="remove the PIN")
    pren = psub.add_parser("rename", help="rename --profile", parents=[common])
    pren.add_argument("new_name", metavar="NEW_NAME")

    dbp = sub.add_parser("db", help="set up a shared PostgreSQL server for profiles; log in",
                         parents=[common])
    dsub = dbp.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    dsub.add_parser("init-postgres", parents=[common],
                    help="as the tables' owner: create the schema, the roles' groups and the "
                    "row-level security that keeps each profile's rows private")
    dadd = dsub.add_parser("add-profile", parents=[common],
                           help="as the owner: a profile owned by its own database role")
    dadd.add_argument("name", metavar="NAME")
    dadd.add_argument("--role", required=True, help="its database role (made if new; "
                      "the password is asked)")
    dcl = dsub.add_parser("add-clinician", parents=[common],
                          help="as the owner: a clinician's read-only role")
    dcl.add_argument("role", metavar="ROLE")
    dlog = dsub.add_parser("login", parents=[common],
                           help="keep a role's password in your keyring (asked, checked)")
    dlog.add_argument("--role", help="the database role (default: the URL's user, or the "
                      "role of --profile on this computer)")
    for name, what in (("grant", "let a clinician's ROLE read the history of --profile"),
                       ("revoke", "withdraw that")):
        g = dsub.add_parser(name, help=what, parents=[common])
        g.add_argument("role", metavar="ROLE")
    dsub.add_parser("grants", help="the clinician roles that may read --profile's history",
                    parents=[common])

    sub.add_parser("clinician", parents=[common],
                   help="a clinician's read-only history window of --profile (a role that "
                        "the profile granted access with `companion db grant`)")
    listen = sub.add_parser(
        "listen", parents=[common],
        help="decode speech through the app's own voice recogniser (files or microphone)",
        description="What the app hears and decides: each WAV file (or the live "
        "microphone) goes through the same recogniser and fail-safe rules as in a session.",
    )
    listen.add_argument("files", nargs="*", metavar="FILE.wav",
                        help="WAV files (any rate; 16 kHz mono is used as is)")
    listen.add_argument("--context", choices=["checkin", "effort", "between"],
                        default="checkin",
                        help="the question it is answering (default: checkin)")
    listen.add_argument("--json", action="store_true",
                        help="one JSON object per file (per utterance with --mic)")
    listen.add_argument("--mic", action="store_true",
                        help="listen to the microphone (Ctrl-C to stop)")
    listen.add_argument("--seconds", type=float, default=0.0, metavar="S",
                        help="with --mic: stop after S seconds")
    return parser


def desktop_entry(install: bool) -> int:
    """`--install-desktop-entry` / `--uninstall-desktop-entry`: one line per file."""
    from companion import desktop

    if install:
        for path in desktop.install_entry():
            print(f"installed {path}")
        print("Companion is now in your application menu (log out and in if it does not "
              "show yet).")
        return 0
    removed = desktop.uninstall_entry()
    for path in removed:
        print(f"removed {path}")
    if not removed:
        print("no menu entry was installed")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    # A frozen build re-runs its own executable for the recogniser's processes
    # (multiprocessing "spawn"): this answers those runs (a no-op when not frozen).
    multiprocessing.freeze_support()
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["--tts-helper"]:  # frozen build: the speech helper (helper_process.py)
        from companion.voice import _tts_helper

        return _tts_helper.main(["companion", *args_list[1:]])
    parser = build_parser()
    args = parser.parse_args(args_list)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == "routines":
            from companion import commands

            if args.routines_command == "check":
                return commands.routines_check(args.files)
            return commands.routines_list(args)
        if args.command == "history":
            from companion.storage.cli import history

            return history(args)
        if args.command == "profiles":
            from companion.storage.profile_cli import profiles

            return profiles(args)
        if args.command == "db":
            from companion.storage.profile_cli import db_command

            return db_command(args)
        if args.command == "clinician":
            from companion.ui.shell.clinician import run_clinician

            return run_clinician(args)
        if args.command == "report":
            from companion.report.cli import report

            return report(args)
        if args.command == "preview":
            from companion import commands

            return commands.preview(args)
        if args.command == "listen":
            from companion import commands

            return commands.listen(args)
        if args.install_desktop_entry or args.uninstall_desktop_entry:
            return desktop_entry(args.install_desktop_entry)
        from companion.ui.shell.app import run_gui

        return run_gui(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `companion preview starter | head`
        return 0
    except Exception as exc:
        from companion.errors import KnownError

        if isinstance(exc, KnownError):
            print(f"companion: {exc}", file=sys.stderr)
            return 1
        log.debug("unexpected error", exc_info=True)  # the traceback, with -v only
        if _stored_value_unreadable(exc):
            print(f"companion: your history holds a value Companion cannot read ({exc}); it "
                  "may have been changed by hand. Nothing was changed. (Run with -v for "
                  "details.)", file=sys.stderr)
            return 1
        print(f"companion: unexpected error: {exc} (run with -v for details)", file=sys.stderr)
        return 2


def _stored_value_unreadable(exc: BaseException) -> bool:
    """A ValueError or TypeError raised while SQLAlchemy turned a stored value into Python
    (a time 'yesterday' where a time belongs): bad data, not a bug of ours."""
    if not isinstance(exc, ValueError | TypeError):
        return False
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and "sqlalchemy" in Path(frames[-1].filename).parts


def _quiet_streams(log_file: Path | None) -> None:
    """Under `pythonw` (a GUI script on Windows) there is no console: `sys.stdout` and
    `sys.stderr` are None. Give them somewhere to go, so a print or a log line can never
    fail: errors and warnings to `log_file` (when it can be opened), the rest nowhere."""
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the process
    if sys.stderr is None:
        stream: TextIO | None = None
        if log_file is not None:
            try:
                log_file.parent.mkdir(parents=True, exist_ok=True)
                stream = open(log_file, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
            except OSError:
                stream = None
        sys.stderr = stream or open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


def gui_log_file() -> Path:
    """Where `companion-gui` writes errors when it has no console (Windows)."""
    from platformdirs import user_log_dir

    return Path(user_log_dir("companion", appauthor=False)) / "companion.log"


def gui_main(argv: Sequence[str] | None = None) -> int:
    """The `companion-gui` entry point: the same as `companion`, safe without a console."""
    _quiet_streams(gui_log_file() if sys.stderr is None else None)
    return main(argv)
