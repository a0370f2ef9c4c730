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
        from companion.settings import load_settings
        from companion.voice.base import VoiceSettings
        from companion.voice.render import render_session_wav

        chosen, _problems = load_settings(paths.settings_file)  # problems are logged
        voice = chosen.voice_settings()
        voice = VoiceSettings(  # the chosen engine and voice; full volume, tones on
            voice_id=voice.voice_id, rate=voice.rate, verbosity=options.verbosity,
            engine=getattr(args, "engine", None) or voice.engine,
            piper_voice=voice.piper_voice, length_scale=voice.length_scale)
        options = render_session_wav(routine, options, Path(args.audio), settings=voice,
                                     cache_dir=paths.cache_dir, voices_dir=paths.voices_dir)
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
