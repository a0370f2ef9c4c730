"""Command line: `companion` opens the app; subcommands check routines, preview a session,
read the history and write reports. Heavy modules are imported only by the command that
needs them, so `companion routines check` stays instant and never needs a display."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

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
        help="SQLAlchemy database URL (default: SQLite in the data dir; env COMPANION_DB_URL)",
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    routines = sub.add_parser("routines", help="check or list routine files", parents=[common])
    rsub = routines.add_subparsers(dest="routines_command", metavar="ACTION", required=True)
    check = rsub.add_parser("check", help="validate routine files", parents=[common])
    check.add_argument("files", nargs="+", metavar="FILE")
    rsub.add_parser("list", help="list built-in and your routines", parents=[common])

    preview = sub.add_parser(
        "preview", help="print the timed script of a session", parents=[common]
    )
    preview.add_argument("routine", metavar="ROUTINE", help="a routine id or a path to a file")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
        if args.command == "report":
            from companion.report.cli import report

            return report(args)
        if args.command == "preview":
            from companion import commands

            return commands.preview(args)
        from companion.ui.app import run_gui

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
        log.exception("unexpected error")
        print(f"companion: unexpected error: {exc} (run with -v for details)", file=sys.stderr)
        return 2
