"""The one source of every safety text: what the screens show, the voice says and the report prints.

The red flags (`Symptom`) and their words live here, below the timeline and the events, so the
spoken stop message (`companion.core.timeline`), the check-in and safety screens (`companion.ui`),
the Learn pages (`companion.learn`), the history and the clinician report (`companion.report`)
all read the same strings. A test (tests/unit/test_safety_words.py) checks that they do.
Pure data: imports nothing of ours.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Symptom(enum.Enum):
    """The seed's four red flags, plus 'not sure which' (never silently dropped).

    The value is the string stored in the history and in `history --json` (`symptom`).
    """

    CHEST_PAIN = "chest_pain"
    DIZZINESS = "dizziness"
    SHARP_PAIN = "sharp_pain"
    HEADACHE = "headache"
    UNSPECIFIED = "unspecified"


@dataclass(frozen=True)
class SymptomWords:
    """How one red flag is put into words.

    `label`: the screens' sentence (check-in list, safety screen, acknowledgement);
    `checkin_note`: appended on the check-in list only (what the sign is not);
    `short`: lower-case words for the history and the clinician report.
    """

    label: str
    short: str
    checkin_note: str = ""


SYMPTOM_TEXTS: dict[Symptom, SymptomWords] = {
    Symptom.CHEST_PAIN: SymptomWords(
        "Chest pain, pressure, or severe shortness of breath",
        "chest pain, pressure or severe breathlessness"),
    Symptom.DIZZINESS: SymptomWords(
        "Dizziness, light-headedness, or fainting",
        "dizziness, light-headedness or fainting"),
    Symptom.SHARP_PAIN: SymptomWords(
        "Sharp or shooting pain in a joint or muscle",
        "sharp or shooting joint/muscle pain",
        checkin_note=" (not ordinary tiredness)"),
    Symptom.HEADACHE: SymptomWords(
        "An unexpected or severe headache",
        "unexpected or severe headache"),
    Symptom.UNSPECIFIED: SymptomWords(
        "Not sure / something else",
        "unwell, symptom not specified"),
}

#: The screens' label of each red flag.
SYMPTOM_LABELS: dict[Symptom, str] = {s: w.label for s, w in SYMPTOM_TEXTS.items()}

#: The history's and the report's words, keyed by the stored string (`Symptom.value`).
SYMPTOM_SHORT: dict[str, str] = {s.value: w.short for s, w in SYMPTOM_TEXTS.items()}

#: The check-in's list of warning signs, in the order asked ("not sure" is not a sign).
CHECKIN_FLAGS: tuple[tuple[Symptom, str], ...] = tuple(
    (s, w.label + w.checkin_note) for s, w in SYMPTOM_TEXTS.items()
    if s is not Symptom.UNSPECIFIED)


def symptom_short(stored: str) -> str:
    """The report's words for a stored symptom string (the string itself if unknown)."""
    return SYMPTOM_SHORT.get(stored, stored)


#: Shown while no emergency text is set (settings' default; Settings > Session).
DEFAULT_EMERGENCY = "your local emergency number (for example 112 in Europe, 911 in the US)"

#: The safety screen's title, and the first words the voice says at a red flag.
SAFETY_TITLE = "Stop exercising now"
SIT_DOWN = "Sit or lie down somewhere safe."
SEEK_ADVICE = "seek medical advice before you exercise again."

#: What the voice says at a red flag (and renders first, to prove the voice works).
STOP_MESSAGE = f"{SAFETY_TITLE}. {SIT_DOWN} Please {SEEK_ADVICE}"


def still_unwell_steps(emergency: str = "") -> tuple[str, ...]:
    """Before a session, after a red-flag stop, the person still feels unwell: what the
    red-flag confirmation says instead of starting (seed: the stop rule; no diagnosis)."""
    return ("Please do not exercise today.", "Please seek medical advice about it.",
            _call_if(emergency))


def _call_if(emergency: str) -> str:
    number = emergency.strip() or DEFAULT_EMERGENCY
    return ("If chest pain, severe breathlessness or fainting does not pass within a few "
            f"minutes, call {number}.")


def safety_steps(emergency: str = "") -> tuple[str, ...]:
    """The safety screen, in plain words; `emergency` comes from settings."""
    return (
        f"Stop exercising. {SIT_DOWN}",
        SEEK_ADVICE[0].upper() + SEEK_ADVICE[1:],
        _call_if(emergency),
    )
