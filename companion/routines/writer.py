"""Writing a routine back as a routine file (the editor's Save, the progression step's copy)."""

from __future__ import annotations

from typing import Any

import tomli_w

from companion.core.routine import Exercise, Position, Routine


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)


def _exercise_tables(ex: Exercise, header: str) -> str:
    """One exercise as TOML tables under `header` (written by tomli-w: any text is safe)."""
    default = Exercise(name="x", reps=1)
    body: dict[str, Any] = {"name": ex.name, "id": ex.id}
    if ex.reps is not None:
        body["reps"] = ex.reps
    elif ex.seconds is not None:
        body["seconds"] = _number(ex.seconds)
    else:
        body["to_fatigue"] = True
    if ex.cap_seconds != default.cap_seconds or ex.to_fatigue:
        body["cap_seconds"] = _number(ex.cap_seconds)
    if ex.expected_seconds != default.expected_seconds or ex.to_fatigue:
        body["expected_seconds"] = _number(ex.expected_seconds)
    if ex.rest_seconds is not None:
        body["rest_seconds"] = _number(ex.rest_seconds)
    for key in ("description", "easier", "balance_cue"):
        if getattr(ex, key):
            body[key] = getattr(ex, key)
    if ex.cues:
        body["cues"] = list(ex.cues)
    if ex.equipment:
        body["equipment"] = list(ex.equipment)
    if ex.position is not Position.STANDING:
        body["position"] = ex.position.value
    out = f"{header}\n{tomli_w.dumps(body)}"
    if ex.tempo != default.tempo:
        tempo = {"down": _number(ex.tempo.down), "up": _number(ex.tempo.up)}
        out += f"\n[{header.strip('[]')}.tempo]\n{tomli_w.dumps(tempo)}"
    return out


def routine_to_toml(routine: Routine, alternatives: dict[str, Exercise] | None = None) -> str:
    """The routine as a routine file (the editor's Save, the progression step's user copy).

    Written with tomli-w, so quotes, newlines and any script in a name or cue stay exactly
    as they were: loading the text gives the same routine (a property test checks this).
    """
    top: dict[str, Any] = {"schema_version": 1, "id": routine.id, "name": routine.name}
    if routine.description:
        top["description"] = routine.description
    top["rounds"] = routine.rounds
    top["rest_seconds"] = _number(routine.rest_seconds)
    top["breathing"] = routine.breathing
    parts = [tomli_w.dumps(top)]
    for ex in routine.exercises:
        parts.append(_exercise_tables(ex, "[[exercise]]"))
        alt = (alternatives or {}).get(ex.id)
        if alt is not None:
            parts.append(_exercise_tables(alt, "[exercise.alternative]"))
    return "\n".join(parts)
