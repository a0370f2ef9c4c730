"""The routine file schema (pydantic): types, ranges and the one-of rule, in one place."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from companion.core.breathing import PATTERNS

SCHEMA_VERSION = 1

#: The limits a routine file must keep (the editor and README quote the same numbers).
MAX_NAME = 80
MAX_EXERCISES = 30
MAX_ROUNDS = 10
MAX_REST = 600
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"


def _one_line(value: str) -> str:
    """Names are shown as one line and spoken: surrounding spaces go, blank or multi-line
    names are refused."""
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be empty or only spaces")
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in stripped):
        raise ValueError("must be one line of text (no line breaks, tabs or other control "
                         "characters)")
    return stripped


def _not_blank(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be empty or only spaces")
    return stripped


Seconds = Annotated[float, Field(ge=0)]
Text = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_not_blank)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME), AfterValidator(_one_line)]
Id = Annotated[str, Field(pattern=ID_PATTERN)]

PositionName = Literal["standing", "seated", "kneeling", "prone", "supine", "side"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class TempoFile(_Strict):
    down: Annotated[float, Field(ge=0.5, le=10)] = 2.0
    up: Annotated[float, Field(ge=0.5, le=10)] = 1.0


class _ExerciseBase(_Strict):
    name: Name
    id: Id | None = None
    reps: Annotated[int, Field(ge=1, le=100)] | None = None
    seconds: Annotated[float, Field(ge=5, le=600)] | None = None
    to_fatigue: bool = False
    description: Annotated[str, Field(max_length=500)] = ""
    cues: list[Text] = []
    tempo: TempoFile = TempoFile()
    rest_seconds: Annotated[float, Field(ge=0, le=MAX_REST)] | None = None
    equipment: list[Text] = []
    position: PositionName = "standing"
    easier: Annotated[str, Field(max_length=120)] = ""
    cap_seconds: Annotated[float, Field(ge=10, le=300)] = 90.0
    expected_seconds: Annotated[float, Field(ge=5, le=300)] = 40.0
    balance_cue: Annotated[str, Field(max_length=200)] = ""

    @model_validator(mode="after")
    def _exactly_one_target(self) -> _ExerciseBase:
        chosen = [k for k in ("reps", "seconds") if getattr(self, k) is not None]
        if self.to_fatigue:
            chosen.append("to_fatigue")
        if len(chosen) != 1:
            if not chosen:
                raise ValueError("needs exactly one of reps, seconds or to_fatigue = true")
            raise ValueError(
                f"has both {' and '.join(chosen)}: choose exactly one of reps, seconds "
                "or to_fatigue = true"
            )
        return self


class AlternativeFile(_ExerciseBase):
    """A stand-in exercise used when an adaptation rules the original out."""


class ExerciseFile(_ExerciseBase):
    alternative: AlternativeFile | None = None


class RoutineFile(_Strict):
    schema_version: Literal[1] = 1
    id: Id | None = None
    name: Name
    description: Annotated[str, Field(max_length=1000)] = ""
    rounds: Annotated[int, Field(ge=1, le=MAX_ROUNDS)]
    rest_seconds: Annotated[float, Field(ge=0, le=MAX_REST)]
    breathing: str = "extended_exhale"
    exercise: Annotated[list[ExerciseFile], Field(min_length=1, max_length=MAX_EXERCISES)]

    @field_validator("breathing")
    @classmethod
    def _rest_breathing(cls, value: str) -> str:
        # Rests come right after effort, so 4-7-8 (never right after effort) is not offered.
        allowed = [p.id for p in PATTERNS.values() if p.ok_after_effort]
        if value in PATTERNS and value not in allowed:
            raise ValueError(
                f"'{value}' is never used right after effort; choose one of {', '.join(allowed)}"
            )
        if value not in allowed:
            raise ValueError(f"'{value}' is not a breathing pattern; choose one of "
                             f"{', '.join(allowed)}")
        return value
