"""Safety rules that do not need the clock: screening answers -> profile -> routine adaptations.

The engine enforces the in-session rules (check-ins, red flags); this module decides, before a
session, what the screening answers change: which exercises are swapped or dropped, which
breathing patterns are off, and which cues go. Pure data in, data out, so the routine
preview and the session always agree on what will be played. The words the app must never
use, for anyone, are `companion.core.wording`.

"Not sure" counts as "yes" everywhere: the app takes the careful option when in doubt.
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, NamedTuple

from companion.core.breathing import PATTERNS, BreathingPattern, safe_pattern
from companion.core.routine import Exercise, Position, Routine
from companion.core.safety_words import (  # re-exported: the rules' texts have one source
    CHECKIN_FLAGS as CHECKIN_FLAGS,
)
from companion.core.safety_words import (
    DEFAULT_EMERGENCY as DEFAULT_EMERGENCY,
)
from companion.core.safety_words import (
    SAFETY_TITLE as SAFETY_TITLE,
)
from companion.core.safety_words import (
    safety_steps as safety_steps,
)
from companion.core.timeline import TimelineOptions


class Answer(enum.Enum):
    """One screening answer; the values are what storage keeps."""

    YES = "yes"
    NO = "no"
    NOT_SURE = "not_sure"

    @property
    def applies(self) -> bool:
        """Yes and not sure both count: silence or doubt is never 'all clear'."""
        return self is not Answer.NO


class Trimester(enum.Enum):
    FIRST = "first"
    SECOND = "second"
    THIRD = "third"
    NOT_SURE = "not_sure"


@dataclass(frozen=True)
class Profile:
    """What the screening answers mean for the app. Flags are set by `sets = [...]` in
    resources/screening.toml; the pregnancy flags also depend on the trimester follow-up."""

    cardiovascular: bool = False
    musculoskeletal: bool = False
    metabolic: bool = False
    neurological: bool = False
    pregnant: bool = False
    pregnant_after_first_trimester: bool = False
    frailty_balance: bool = False
    eating_disorder_history: bool = False
    mental_health: bool = False
    retinal: bool = False
    antidepressants: bool = False
    beta_blockers: bool = False
    applies: tuple[str, ...] = ()  # question ids answered yes or not sure, in file order

    @property
    def needs_acknowledgement(self) -> bool:
        """Any item applies: finishing the screening needs the clearance acknowledgement."""
        return bool(self.applies)

    @classmethod
    def careful(cls) -> Profile:
        """Every adaptation on: what the app uses when it cannot read the screening (its
        questions file, or the stored answers). Not knowing is never "nothing applies"."""
        on = {name: True for name in PROFILE_FLAGS}
        return cls(**on, pregnant_after_first_trimester=True, applies=(UNREADABLE,))


#: `Profile.applies` of the careful profile: the screening could not be read.
UNREADABLE = "screening_unreadable"

# Flags a screening question may set (`sets = [...]`); the derived ones are computed here.
PROFILE_FLAGS: tuple[str, ...] = tuple(
    f.name for f in fields(Profile)
    if f.type in ("bool", bool) and f.name != "pregnant_after_first_trimester"
)


def derive_profile(
    answers: Mapping[str, Answer],
    flags_by_question: Mapping[str, tuple[str, ...]],
    trimester: Trimester | None = None,
) -> Profile:
    """Answers (question id -> Answer) -> Profile, using each question's `sets` flags.

    A question without an answer (skipped, or added to the questions after these answers
    were given) counts as "not sure", and so applies: silence is never "no" (SPEC,
    "Pre-participation screening"). Pregnancy with an unknown trimester counts as after the
    first: the careful option.
    """
    on: dict[str, bool] = {}
    applies: list[str] = []
    for qid, flags in flags_by_question.items():
        answer = answers.get(qid, Answer.NOT_SURE)
        if not answer.applies:
            continue
        applies.append(qid)
        for flag in flags:
            if flag not in PROFILE_FLAGS:
                raise ValueError(f"unknown profile flag {flag!r} for question {qid!r}")
            on[flag] = True
    pregnant = on.get("pregnant", False)
    on["pregnant_after_first_trimester"] = pregnant and trimester is not Trimester.FIRST
    return Profile(**on, applies=tuple(applies))


@dataclass(frozen=True)
class ScreeningResult:
    """What the wizard hands back and storage keeps (with the date it was taken)."""

    answers: Mapping[str, Answer]
    trimester: Trimester | None = None
    acknowledged: bool = False
    taken_at: datetime | None = None
    acknowledgement_text: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "answers": {k: v.value for k, v in self.answers.items()},
            "trimester": self.trimester.value if self.trimester else None,
            "acknowledged": self.acknowledged,
            "taken_at": self.taken_at.isoformat() if self.taken_at else None,
            "acknowledgement_text": self.acknowledgement_text,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScreeningResult:
        taken = data.get("taken_at")
        trimester = data.get("trimester")
        return cls(
            answers={str(k): Answer(v) for k, v in dict(data.get("answers", {})).items()},
            trimester=Trimester(trimester) if trimester else None,
            acknowledged=bool(data.get("acknowledged", False)),
            taken_at=datetime.fromisoformat(taken) if taken else None,
            acknowledgement_text=str(data.get("acknowledgement_text", "")),
        )


# -- when to offer the screening ------------------------------------------------------------------
SCREENING_VALID_MONTHS = 6


def add_months(when: datetime, months: int) -> datetime:
    """Calendar months (31 Aug + 6 months = 28/29 Feb), not a fixed number of days."""
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def screening_due(last_taken: datetime | None, now: datetime) -> bool:
    """First run (never taken), or the last screening is 6 months old or more.

    `now` is passed in (core never reads the wall clock); both datetimes must be aware, or
    both naive, like any datetime comparison.
    """
    if last_taken is None:
        return True
    return now >= add_months(last_taken, SCREENING_VALID_MONTHS)


# -- routine adaptations ---------------------------------------------------------------------------
STABILITY_ROUTINE_ID = "gentle-stability"
BALANCE_CUE = "Keep a chair within reach."

# Pregnancy after the first trimester: no bracing or breath holding (intra-abdominal pressure).
# "Don't hold your breath" is the opposite advice and stays.
_BRACE_RE = re.compile(r"\bbrac(e|es|ed|ing)\b", re.IGNORECASE)
_HOLD_BREATH_RE = re.compile(
    r"\b(?<!not )(?<!don't )(?<!don’t )(?<!never )hold(ing)?\s+(your|the|this|a)\s+breath",
    re.IGNORECASE,
)


def cue_asks_to_brace(text: str) -> bool:
    """True for a cue that tells you to brace or hold your breath."""
    return bool(_BRACE_RE.search(text) or _HOLD_BREATH_RE.search(text))


class Adapted(NamedTuple):
    """adapt()'s result: unpacks as (routine, option_changes, notes)."""

    routine: Routine
    option_changes: Mapping[str, Any]
    notes: tuple[str, ...]

    def options(self, base: TimelineOptions | None = None) -> TimelineOptions:
        """The timeline options with the adaptations applied."""
        return replace(base or TimelineOptions(), **dict(self.option_changes))

    @property
    def runnable(self) -> bool:
        """False when no exercise of the routine is left after the adaptations."""
        return bool(self.routine.exercises)


@dataclass
class _Work:
    exercises: list[Exercise]
    notes: list[str] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)


def suggested_routine(profile: Profile) -> str | None:
    """The routine id to suggest first (frailty or balance problems: stability first)."""
    return STABILITY_ROUTINE_ID if profile.frailty_balance else None


def adapt(
    routine: Routine, alternatives: Mapping[str, Exercise], profile: Profile
) -> Adapted:
    """Apply the screening's adaptations to a routine; the notes explain each change plainly.

    `alternatives` maps exercise id -> stand-in (`[exercise.alternative]` in the routine file,
    see `RoutineEntry.alternatives`).
    """
    work = _Work(list(routine.exercises))
    breathing = routine.breathing
    if profile.pregnant_after_first_trimester:
        _pregnancy(work, alternatives)
        if PATTERNS.get(breathing) is not None and PATTERNS[breathing].holds_breath:
            new = safe_pattern(breathing, after_effort=True, no_breath_hold=True).id
            work.notes.append(
                f"Rest breathing changed from {PATTERNS[breathing].name.lower()} to "
                f"{PATTERNS[new].name.lower()}: no breath holds in pregnancy."
            )
            breathing = new
    if profile.frailty_balance:
        _balance(work, routine)
    if profile.eating_disorder_history:
        work.notes.append(
            "Progress is shown as showing up and what you can do: no numbers about your body, "
            "no wording about looks, no pressure to keep a run of sessions going."
        )
    if profile.beta_blockers:
        work.notes.append(
            "Effort is judged by how hard it feels on the 0 to 10 scale, never by heart rate."
        )
    adapted = replace(routine, exercises=tuple(work.exercises), breathing=breathing)
    if not adapted.exercises:
        work.notes.append("No exercise of this routine is left after the changes: "
                          "please choose another routine.")
    return Adapted(adapted, work.changes, tuple(work.notes))


def _pregnancy(work: _Work, alternatives: Mapping[str, Exercise]) -> None:
    work.changes["no_breath_hold"] = True
    out: list[Exercise] = []
    for ex in work.exercises:
        if ex.position is Position.SUPINE:
            alt = alternatives.get(ex.id)
            if alt is not None and alt.position is not Position.SUPINE:
                if alt.rest_seconds is None and ex.rest_seconds is not None:
                    alt = replace(alt, rest_seconds=ex.rest_seconds)
                work.notes.append(f"{ex.name} (lying on your back) is replaced by {alt.name}.")
                ex = alt
            else:
                work.notes.append(f"{ex.name} (lying on your back) is left out: "
                                  "this routine has no alternative for it.")
                continue
        kept = tuple(c for c in ex.cues if not cue_asks_to_brace(c))
        if len(kept) != len(ex.cues):
            work.notes.append(f"{ex.name}: cues to brace or hold your breath are left out.")
            ex = replace(ex, cues=kept)
        out.append(ex)
    work.exercises = out
    work.notes.append("Breathing between sets uses no breath holds.")


def _balance(work: _Work, routine: Routine) -> None:
    added = False
    out: list[Exercise] = []
    for ex in work.exercises:
        if ex.position is Position.STANDING and not ex.balance_cue:
            ex = replace(ex, balance_cue=BALANCE_CUE)
            added = True
        out.append(ex)
    work.exercises = out
    if routine.id != STABILITY_ROUTINE_ID:
        work.notes.append("The Gentle stability circuit is suggested: stability first, "
                          "body weight only.")
    if added:
        work.notes.append("Standing exercises remind you to keep a chair within reach.")


def breathing_refusal(pattern: BreathingPattern, profile: Profile) -> str:
    """Why `pattern` is not offered for a stand-alone breathing session ("" when it is).

    4-7-8 is never for pregnancy (whatever the trimester, or not sure); after the first
    trimester no pattern that holds the breath is offered (intra-abdominal pressure). With
    the health answers not known (`Profile.careful()`) the reason says that, not pregnancy.
    """
    unknown = UNREADABLE in profile.applies
    why = "it waits for your answers to the health questions"
    if profile.pregnant and not pattern.ok_in_pregnancy:
        return f"{pattern.name} is not offered: {why if unknown else 'it is not for pregnancy'}."
    if profile.pregnant_after_first_trimester and pattern.holds_breath:
        return (f"{pattern.name} is not offered: "
                f"{why if unknown else 'no breath holds in pregnancy'}.")
    return ""


# Short names for `companion preview --adapt`, so an adaptation can be seen without a screening.
ADAPTATION_NAMES: dict[str, dict[str, bool]] = {
    "pregnancy": {"pregnant": True, "pregnant_after_first_trimester": True},
    "frailty": {"frailty_balance": True},
    "eating-disorder": {"eating_disorder_history": True},
    "beta-blockers": {"beta_blockers": True},
}


def profile_for(names: str) -> Profile:
    """'pregnancy,frailty' -> the Profile those adaptations come from; ValueError if unknown."""
    flags: dict[str, bool] = {}
    for raw in names.split(","):
        name = raw.strip().lower()
        if not name:
            continue
        if name not in ADAPTATION_NAMES:
            known = ", ".join(ADAPTATION_NAMES)
            raise ValueError(f"unknown adaptation {name!r}; known: {known}")
        flags.update(ADAPTATION_NAMES[name])
    return Profile(**flags, applies=tuple(sorted(flags)))


# -- texts the safety screens share (Qt-free so the wording test can read them) --------------------
CHECKIN_TITLE = "Check-in: how are you?"

#: The key that answers "all clear" at a check-in. It means nothing else during a session, so
#: no reflex press of another key (N skips a set, Enter and Space press buttons) can declare
#: "no symptoms" (SPEC "Answering, by key or by voice").
ALL_CLEAR_KEY = "C"
#: The key that answers "yes, one of these" (it stops the session at once, like U).
YES_SIGN_KEY = "Y"
#: The key that stops the session at once from anywhere ("I feel unwell").
UNWELL_KEY = "U"
# Borg CR10 anchor words (6 and 8 have none on the scale).
CR10_LABELS: dict[int, str] = {
    0: "Nothing at all",
    1: "Very light",
    2: "Light",
    3: "Moderate",
    4: "Somewhat hard",
    5: "Hard",
    6: "",
    7: "Very hard",
    8: "",
    9: "Extremely hard",
    10: "Maximal",
}
AMBER_EFFORT = 9


class AckChoice(enum.Enum):
    """How the user confirms it is fine to exercise again after a red-flag stop."""

    SOUGHT_ADVICE = "sought_advice"
    RESOLVED = "resolved"


ACK_LABELS: dict[AckChoice, str] = {
    AckChoice.SOUGHT_ADVICE: "I have sought medical advice, and I may exercise",
    AckChoice.RESOLVED: "The symptom has passed and I feel well",
}
