"""The CLI's subcommands that need no GUI: routines check/list and preview."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from companion.config import Paths, resolve_paths
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
from companion.core.wording import counted
from companion.datafile import Problem
from companion.errors import KnownError
from companion.routines import RoutineEntry, RoutineLibrary, load_routine
from companion.routines.library import id_collision
from companion.routines.loader import check_file_full


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
        if not problems and path.name.lower().endswith(".toml.txt"):
            warnings = [*warnings, Problem(
                name, "", "a good routine, but Companion reads only files ending in .toml "
                f"from its routines folder: rename it to {Path(path.stem).stem}.toml")]
        for problem in problems or warnings:
            print(problem)
        if problems:
            bad += 1
        else:
            print(f"{name}: ok")
    return 1 if bad else 0


def profile_paths(args: argparse.Namespace) -> Paths:
    """The data dir seen from `--profile NAME` (its own routines folder). Without it, the
    first profile's (the data dir itself): no database is opened."""
    paths = resolve_paths(args.data_dir)
    if not getattr(args, "profile", None):
        return paths
    from companion.storage.cli import open_database_for

    db = open_database_for(args)  # its PIN is asked, as for its history
    try:
        return paths.for_profile(db.profile)
    finally:
        db.close()


def routines_list(args: argparse.Namespace) -> int:
    paths = profile_paths(args)
    lib = RoutineLibrary(paths.routines_dir)
    entries = lib.entries()
    width = max((len(e.id) for e in entries), default=2)
    for e in entries:
        where = "built-in" if e.builtin else "yours"
        if e.routine is None:
            print(f"{e.id:<{width}}  {where:<8}  (has problems, so it is not used: see below)")
            for problem in e.problems:
                print(f"{'':<{width}}  {'':<8}    {problem}")
            continue
        minutes = compile_plan(e.routine).total_seconds / 60
        print(f"{e.id:<{width}}  {where:<8}  {e.routine.name} "
              f"({counted(len(e.routine.exercises), 'exercise')} x "
              f"{counted(e.routine.rounds, 'round')}, "
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
    paths = profile_paths(args)
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
    for note in plan.notes:
        print(f"-- note: {note}", file=sys.stderr if args.json else out)
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


# -- `companion listen` -----------------------------------------------------------------------
LISTEN_CONTEXTS = {"checkin": "checkin", "effort": "effort", "between": "always"}
# Decisions that act on a session (the rest ask again or are ignored).
_ACTING = {"all_clear", "red_flag", "effort", "mood", "pause", "resume", "skip", "repeat",
           "done"}


def _utterance(heard: object, expecting: object) -> dict[str, object]:
    from companion.voice.decide import decide
    from companion.voice.heard import Heard

    assert isinstance(heard, Heard)
    d = decide(heard.phrase, heard.confidence, heard.expecting, heard.margin, heard.around)
    around = heard.around
    return {
        "heard": heard.phrase,
        "decision": d.action.value,
        "reason": d.reason,
        "said": d.heard_text,
        "confidence": round(heard.confidence, 3),
        "margin": None if heard.margin is None else round(heard.margin, 3),
        "speech_start": None if around is None else round(around.start, 3),
        "speech_end": None if around is None else round(around.end, 3),
    }


def _summary(path: str, context: str, utterances: list[dict[str, object]],
             noisy: bool) -> dict[str, object]:
    """One object per file: the first utterance that acts (else the last one heard)."""
    main = next((u for u in utterances if u["decision"] in _ACTING),
                utterances[-1] if utterances else None)
    empty: dict[str, object] = {"heard": None, "decision": "nothing_heard", "reason": None,
                                "said": "Nothing heard", "confidence": None, "margin": None,
                                "speech_start": None, "speech_end": None}
    return {"file": path, "context": context, **(main or empty), "noisy": noisy,
            "utterances": utterances}


def _line(obj: dict[str, object]) -> str:
    if "error" in obj:
        return f"{obj['file']}: {obj['error']}"
    text = f"{obj['file']}: {obj['said']} -> {obj['decision']}"
    if obj["heard"] is not None:
        margin = "" if obj["margin"] is None else f", margin {obj['margin']}"
        text += (f" (confidence {obj['confidence']}{margin}, speech "
                 f"{obj['speech_start']}-{obj['speech_end']} s)")
    if obj["noisy"]:
        text += " [too noisy]"
    if len(obj["utterances"]) > 1:  # type: ignore[arg-type]
        text += f" [{len(obj['utterances'])} utterances]"  # type: ignore[arg-type]
    return text


def listen(args: argparse.Namespace) -> int:
    """`companion listen FILE.wav... | --mic`: what the app hears and decides, through its
    own recogniser and rules. Exit 1 if a file could not be read or listening failed."""
    from companion.voice.decide import Expecting
    from companion.voice.heard import ListenSettings
    from companion.voice.listen import VoiceListener

    expecting = Expecting(LISTEN_CONTEXTS[args.context])
    if args.mic:
        return _listen_mic(args, expecting)
    if not args.files:
        raise KnownError("give WAV files to listen to, or --mic for the microphone")
    ear = VoiceListener(ListenSettings(enabled=True), microphone=False)
    noisy: list[bool] = []
    ear.on_noise(lambda report: noisy.append(report.noisy))
    state = ear.open()
    if not state.enabled:
        raise KnownError(f"the speech recogniser is not available: {state.reason}")
    failed = 0
    try:
        for name in args.files:
            obj = _listen_file(ear, name, args.context, expecting, noisy)
            failed += "error" in obj
            print(json.dumps(obj) if args.json else _line(obj), flush=True)
    finally:
        ear.close()
    return 1 if failed else 0


def _listen_file(ear: object, name: str, context: str, expecting: object,
                 noisy: list[bool]) -> dict[str, object]:
    from companion.voice.audio import BadWav
    from companion.voice.listen import VoiceListener, listen_samples, load_samples

    assert isinstance(ear, VoiceListener)
    try:
        data = load_samples(Path(name))
    except BadWav as exc:
        return {"file": name, "context": context, "error": str(exc)}
    noisy.clear()
    heard = listen_samples(ear, data, expecting)  # type: ignore[arg-type]
    if not ear.state.enabled:
        return {"file": name, "context": context, "error": ear.state.reason}
    return _summary(name, context, [_utterance(h, expecting) for h in heard],
                    bool(noisy and noisy[-1]))


def _listen_mic(args: argparse.Namespace, expecting: object) -> int:
    import threading
    import time

    from companion.voice.decide import Expecting
    from companion.voice.heard import ListenSettings, NoiseReport
    from companion.voice.listen import VoiceListener

    assert isinstance(expecting, Expecting)
    ear = VoiceListener(ListenSettings(enabled=True))
    lock = threading.Lock()

    def out(obj: dict[str, object], text: str) -> None:
        with lock:
            print(json.dumps(obj) if args.json else text, flush=True)

    def heard(h: object) -> None:
        u = _utterance(h, expecting)
        out({"context": args.context, **u}, f"{u['said']} -> {u['decision']} (confidence "
            f"{u['confidence']}, speech {u['speech_start']}-{u['speech_end']} s)")

    def noise(r: NoiseReport) -> None:
        out({"noisy": r.noisy, "noise_db": r.noise_db},
            "It's noisy here: please use the keys" if r.noisy else "Quiet enough again")

    levels: list[float] = []
    ear.on_result(heard)
    ear.on_noise(noise)
    ear.on_level(levels.append)
    state = ear.open()
    if not state.enabled:
        print(f"companion: cannot listen: {state.reason}", file=sys.stderr)
        return 1
    ear.start(expecting)
    if not args.json:
        print(f"Listening as at the {args.context} question; Ctrl-C to stop.", flush=True)
    deadline = time.monotonic() + args.seconds if args.seconds else None
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.5)
            if levels and not args.json:
                level = max(levels)
                levels.clear()
                bar = "#" * max(0, min(30, round((level + 60) / 2)))
                out({}, f"level {level:6.1f} dBFS |{bar:<30}|")
            if not ear.state.enabled:
                print(f"companion: listening stopped: {ear.state.reason}", file=sys.stderr)
                return 1
    except KeyboardInterrupt:
        pass
    finally:
        ear.close()
    return 0
