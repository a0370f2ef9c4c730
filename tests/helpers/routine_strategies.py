"""Hypothesis strategies for routine files: valid file data (dicts, as TOML would parse them)
in any script, with quotes, newlines and the shortest rests allowed."""

from __future__ import annotations

import math
import string
from typing import Any

from hypothesis import strategies as st

from companion.core.routine import Exercise, Position, Routine, Tempo
from companion.routines.schema import ExerciseFile, RoutineFile

# Any script, punctuation, symbols and emoji; no control characters or surrogates.
_CHARS = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
_ANY_TEXT_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


def _nonblank(max_size: int, chars: st.SearchStrategy[str] = _CHARS) -> st.SearchStrategy[str]:
    return st.text(chars, min_size=1, max_size=max_size).filter(lambda s: s.strip() != "")


names = _nonblank(80)
#: cues may hold newlines and quotes (the progression copy once broke on them)
cue_texts = _nonblank(200, _ANY_TEXT_CHARS)
#: a cheap alphabet with the hard cases (other scripts, quotes, backslash, newline, emoji)
_LIGHT = st.sampled_from(list("aZ09 -éЖж朝の\"'\\\t\n💪#=[]"))
light_names = st.text(st.sampled_from(list("aZ09 -éЖ朝\"'\\💪#=[]")), min_size=1,
                      max_size=30).filter(lambda s: s.strip() != "")
light_texts = st.text(_LIGHT, min_size=1, max_size=30).filter(lambda s: s.strip() != "")
ids = st.from_regex(r"\A[a-z0-9][a-z0-9_-]{0,20}\Z")
plain = st.text(_ANY_TEXT_CHARS, max_size=60)


def _seconds(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.one_of(st.integers(math.ceil(lo), math.floor(hi)).map(float),
                     st.floats(lo, hi, allow_nan=False, allow_infinity=False))


def rests(hi: float = 600) -> st.SearchStrategy[float]:
    """Rests with weight on the short ones that once broke the session (0 to ~10 s)."""
    return st.one_of(st.just(0.0), _seconds(0, 12), _seconds(0, hi))


@st.composite
def exercise_data(draw: st.DrawFn, *, alternative: bool = True,
                  timeline_friendly: bool = False, light: bool = False) -> dict[str, Any]:
    name_s, text_s = (light_names, light_texts) if light else (names, cue_texts)
    free = st.text(_LIGHT, max_size=20) if light else st.text(_ANY_TEXT_CHARS, max_size=60)
    data: dict[str, Any] = {"name": draw(name_s)}
    kind = draw(st.sampled_from(["reps", "seconds", "to_fatigue"]))
    if kind == "reps":
        data["reps"] = draw(st.integers(1, 20 if timeline_friendly else 100))
    elif kind == "seconds":
        data["seconds"] = draw(_seconds(5, 90 if timeline_friendly else 600))
    else:
        data["to_fatigue"] = True
        data["cap_seconds"] = draw(_seconds(10, 120 if timeline_friendly else 300))
        data["expected_seconds"] = draw(_seconds(5, 300))
    if draw(st.booleans()):
        data["id"] = draw(ids)
    if draw(st.booleans()):
        data["rest_seconds"] = draw(rests(120 if timeline_friendly else 600))
    if draw(st.booleans()):
        data["cues"] = draw(st.lists(text_s, min_size=1, max_size=3))
    if draw(st.booleans()):
        data["tempo"] = {"down": draw(_seconds(0.5, 4 if timeline_friendly else 10)),
                         "up": draw(_seconds(0.5, 4 if timeline_friendly else 10))}
    if draw(st.booleans()):
        data["equipment"] = draw(st.lists(text_s, min_size=1, max_size=2))
    if draw(st.booleans()):
        data["position"] = draw(st.sampled_from(
            ["standing", "seated", "kneeling", "prone", "supine", "side"]))
    for key, size in (("description", 500), ("easier", 120), ("balance_cue", 200)):
        if draw(st.booleans()):
            data[key] = draw(free.map(lambda t, size=size: t[:size]))
    if alternative and draw(st.integers(0, 3)) == 0:
        data["alternative"] = draw(exercise_data(alternative=False, light=light,
                                                 timeline_friendly=timeline_friendly))
    return data


@st.composite
def routine_data(draw: st.DrawFn, *, max_exercises: int = 6, max_rounds: int = 10,
                 timeline_friendly: bool = False, light: bool = False) -> dict[str, Any]:
    """A valid routine file's data (explicit exercise ids kept unique). `light`: texts
    from a small alphabet that still holds the hard cases (fast enough to fuzz with)."""
    exercises = draw(st.lists(exercise_data(timeline_friendly=timeline_friendly, light=light),
                              min_size=1, max_size=max_exercises))
    seen: set[str] = set()
    for ex in exercises:
        if "id" in ex and ex["id"] in seen:
            del ex["id"]
        seen.add(ex.get("id", ""))
    data: dict[str, Any] = {
        "name": draw(light_names if light else names),
        "rounds": draw(st.integers(1, max_rounds)),
        "rest_seconds": draw(rests(120 if timeline_friendly else 600)),
        "exercise": exercises,
    }
    if draw(st.booleans()):
        data["id"] = draw(ids)
    if draw(st.booleans()):
        data["description"] = draw(st.text(_LIGHT if light else _ANY_TEXT_CHARS, max_size=80))
    if draw(st.booleans()):
        data["breathing"] = draw(st.sampled_from(["extended_exhale", "coherent", "box"]))
    return data


file_stems = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=20)


def to_routine(model: RoutineFile) -> Routine:
    """A validated file model as the core routine, without the loader (so a test of the
    timeline does not depend on how the loader makes ids)."""
    def ex(e: ExerciseFile, n: int) -> Exercise:
        return Exercise(name=e.name, reps=e.reps, seconds=e.seconds, to_fatigue=e.to_fatigue,
                        id=f"ex{n}", cues=tuple(e.cues), tempo=Tempo(e.tempo.down, e.tempo.up),
                        rest_seconds=e.rest_seconds, equipment=tuple(e.equipment),
                        description=e.description, position=Position(e.position),
                        easier=e.easier, cap_seconds=e.cap_seconds,
                        expected_seconds=e.expected_seconds, balance_cue=e.balance_cue)

    return Routine(id="generated", name=model.name, rounds=model.rounds,
                   rest_seconds=model.rest_seconds,
                   exercises=tuple(ex(e, n) for n, e in enumerate(model.exercise)),
                   breathing=model.breathing)
