"""The CLI's subcommands that need no GUI: routines check/list and preview."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from companion.config import resolve_paths
from companion.core.routine import Routine
from companion.core.timeline import TimelineOptions, Verbosity, compile_plan, flatten
from companion.errors import KnownError
from companion.routines import RoutineEntry, RoutineLibrary, load_routine
from companion.routines.loader import check_file_full, id_collision


def routines_check(files: list[str]) -> int:
    """Exit 0 when every file is valid; else one line per problem and exit 1.

    Warnings (a rest the app must lengthen) are printed before "ok" and do not fail; two
    of the given files with one routine id are a problem naming both.
    """
    bad = 0
    seen: dict[str, Path] = {}
    for name in files:
        path = Path(name)
        problems, warnings = check_file_full(path)
        if not problems:
            routine_id = load_routine(path).id
            if routine_id in seen:
                problems = [id_collision(path, seen[routine_id], routine_id)]
            else:
                seen[routine_id] = path
        for problem in problems or warnings:
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
            for problem in e.problems:
                print(f"{'':<{width}}  {'':<8}    {problem}")
            continue
        minutes = compile_plan(e.routine).total_seconds / 60
        print(f"{e.id:<{width}}  {where:<8}  {e.routine.name} "
              f"({len(e.routine.exercises)} exercises x {e.routine.rounds} rounds, "
              f"about {minutes:.0f} min)  {e.path}")
    return 0


def _clock(t: float) -> str:
    minutes, seconds = divmod(t, 60)
    return f"{int(minutes):02d}:{seconds:04.1f}"


def preview(args: argparse.Namespace) -> int:
    paths = resolve_paths(args.data_dir)
    entry = RoutineLibrary(paths.routines_dir).find(args.routine)
    assert entry.routine is not None
    options = TimelineOptions(verbosity=Verbosity(args.verbosity))
    routine: Routine = entry.routine
    notes: tuple[str, ...] = ()
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
    for note in plan.notes:
        print(f"-- note: {note}", file=sys.stderr if args.json else out)
    for cue in flatten(plan):
        if args.json:
            out.write(json.dumps(cue.to_json(), ensure_ascii=False) + "\n")
        else:
            out.write(f"{_clock(cue.t)}  {cue.kind.value:<9} {cue.text}\n")
    if not args.json:
        out.write(f"-- total {_clock(plan.total_seconds)} ({entry.routine.name})\n")
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
