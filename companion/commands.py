"""The CLI's subcommands that need no GUI: routines check/list and preview."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from companion.config import resolve_paths
from companion.core.breathing import (
    DEFAULT_MINUTES,
    MAX_MINUTES,
    MIN_MINUTES,
    BreathingSession,
    find_pattern,
)
from companion.core.routine import Routine
from companion.core.timeline import (
    TimelineOptions,
    Verbosity,
    breathing_routine,
    compile_plan,
    flatten,
)
from companion.errors import KnownError
from companion.routines import RoutineEntry, RoutineLibrary, check_file


def routines_check(files: list[str]) -> int:
    """Exit 0 when every file is valid; else one line per problem and exit 1."""
    bad = 0
    for name in files:
        problems = check_file(Path(name))
        for problem in problems:
            print(problem)
        if problems:
            bad += 1
        else:
            print(f"{name}: ok")
    return 1 if bad else 0


def routines_list(args: argparse.Namespace) -> int:
    paths = resolve_paths(args.data_dir)
    lib = RoutineLibrary(paths.routines_dir)
    entries = lib.entries()
    width = max((len(e.id) for e in entries), default=2)
    for e in entries:
        where = "built-in" if e.builtin else "yours"
        if e.routine is None:
            print(f"{e.id:<{width}}  {where:<8}  (has problems: run `companion routines check "
                  f"{e.path}`)")
            continue
        minutes = compile_plan(e.routine).total_seconds / 60
        print(f"{e.id:<{width}}  {where:<8}  {e.routine.name} "
              f"({len(e.routine.exercises)} exercises x {e.routine.rounds} rounds, "
              f"about {minutes:.0f} min)  {e.path}")
    return 0


def _clock(t: float) -> str:
    minutes, seconds = divmod(t, 60)
    return f"{int(minutes):02d}:{seconds:04.1f}"


def _breathing(args: argparse.Namespace) -> BreathingSession | None:
    """`--breathing PATTERN --minutes N`, checked: None when previewing a routine."""
    pattern_name = getattr(args, "breathing", None)
    minutes = getattr(args, "minutes", None)
    if pattern_name is None:
        if args.routine is None:
            raise KnownError("preview needs a ROUTINE, or --breathing PATTERN "
                             "(coherent, 4-6, box or 4-7-8)")
        if minutes is not None:
            raise KnownError("--minutes goes with --breathing PATTERN")
        return None
    if args.routine is not None:
        raise KnownError("preview either a ROUTINE or --breathing PATTERN, not both")
    if getattr(args, "adapt", ""):
        raise KnownError("--adapt applies to routines; the breathing screen itself leaves "
                         "out the patterns your health answers rule out")
    try:
        pattern = find_pattern(pattern_name)
    except KeyError as exc:
        raise KnownError(str(exc.args[0])) from None
    minutes = DEFAULT_MINUTES if minutes is None else minutes
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise KnownError(f"--minutes must be {MIN_MINUTES} to {MAX_MINUTES}, not {minutes}")
    return BreathingSession(pattern, minutes)


def preview(args: argparse.Namespace) -> int:
    paths = resolve_paths(args.data_dir)
    options = TimelineOptions(verbosity=Verbosity(args.verbosity))
    breathing = _breathing(args)
    notes: tuple[str, ...] = ()
    if breathing is not None:
        routine: Routine = breathing_routine(breathing)
        options = replace(options, breathing=breathing)
    else:
        entry = RoutineLibrary(paths.routines_dir).find(args.routine)
        assert entry.routine is not None
        routine = entry.routine
        if getattr(args, "adapt", ""):
            routine, options, notes = _adapted(entry, options, args.adapt)
    if args.audio:
        from companion.voice.render import render_session_wav

        options = render_session_wav(routine, options, Path(args.audio),
                                     cache_dir=paths.cache_dir)
        print(f"wrote {args.audio}", file=sys.stderr)
        return 0
    plan = compile_plan(routine, options)
    out = sys.stdout
    for note in notes:  # JSON Lines stay pure cues: notes go to stderr there
        print(f"-- adapted: {note}", file=sys.stderr if args.json else out)
    for cue in flatten(plan):
        if args.json:
            out.write(json.dumps(cue.to_json(), ensure_ascii=False) + "\n")
        else:
            out.write(f"{_clock(cue.t)}  {cue.kind.value:<9} {cue.text}\n")
    if not args.json:
        out.write(f"-- total {_clock(plan.total_seconds)} ({routine.name})\n")
    return 0


def _adapted(
    entry: RoutineEntry, options: TimelineOptions, names: str
) -> tuple[Routine, TimelineOptions, tuple[str, ...]]:
    """The routine and options as a screening profile would change them (`--adapt`)."""
    from companion.core.safety import adapt, profile_for

    assert entry.routine is not None
    try:
        profile = profile_for(names)
    except ValueError as exc:
        raise KnownError(str(exc)) from None
    result = adapt(entry.routine, entry.alternatives, profile)
    if not result.runnable:
        raise KnownError(" ".join(result.notes))
    return result.routine, result.options(options), result.notes
