"""Load resources/screening.toml and resources/notice.txt; every problem becomes one clear line.

The screening questions are health content, so a typo must never silently drop a question or
an explanation: unknown keys, missing fields and duplicate ids are errors, reported with the
file, line and key path like routine files are (`companion.datafile`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from companion.core.safety import (
    PROFILE_FLAGS,
    Answer,
    Profile,
    ScreeningResult,
    Trimester,
    derive_profile,
)
from companion.datafile import (
    RESOURCES,
    BuiltinFile,
    DataFileError,
    known_keys,
    parse_toml,
)

SCREENING_FILE = RESOURCES / "screening.toml"
NOTICE_FILE = RESOURCES / "notice.txt"

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Short = Annotated[str, Field(min_length=1, max_length=200)]
Long = Annotated[str, Field(min_length=1, max_length=600)]
FlagName = Literal[PROFILE_FLAGS]  # type: ignore[valid-type]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ChoiceFile(_Strict):
    value: Id
    label: Short


class FollowUpFile(_Strict):
    id: Literal["trimester"]
    text: Short
    choices: Annotated[list[ChoiceFile], Field(min_length=2, max_length=8)]

    @model_validator(mode="after")
    def _known_values(self) -> FollowUpFile:
        values = [c.value for c in self.choices]
        wanted = [t.value for t in Trimester]
        if sorted(values) != sorted(wanted):
            raise ValueError(f"choices must have the values {wanted}, not {values}")
        return self


class QuestionFile(_Strict):
    id: Id
    group: Short
    text: Long
    hint: Annotated[str, Field(max_length=300)] = ""
    discuss: Long
    why: Long
    app_changes: Long
    sets: list[FlagName] = []
    follow_up: FollowUpFile | None = None


class ScreeningFile(_Strict):
    schema_version: Literal[1] = 1
    title: Short
    intro: Long
    result_title: Short
    result_intro: Long
    nothing_applies: Long
    acknowledgement: Short
    question: Annotated[list[QuestionFile], Field(min_length=1, max_length=40)]

    @model_validator(mode="after")
    def _unique_ids(self) -> ScreeningFile:
        ids = [q.id for q in self.question]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"question ids must be unique; repeated: {', '.join(dupes)}")
        if sum(1 for q in self.question if "pregnant" in q.sets) > 1:
            raise ValueError("only one question may set 'pregnant'")
        return self


_ALL_KEYS = known_keys(ScreeningFile, QuestionFile, FollowUpFile, ChoiceFile)


class ScreeningFileError(DataFileError):
    """The screening file cannot be used; `problems` lists every reason."""


class StoredScreening(Protocol):
    """A screening as the history keeps it (`companion.storage` ScreeningRecord)."""

    @property
    def answers(self) -> Any: ...


# -- the loaded form the app uses -----------------------------------------------------------------
@dataclass(frozen=True)
class FollowUp:
    id: str
    text: str
    choices: tuple[tuple[str, str], ...]  # (value, label)


@dataclass(frozen=True)
class Question:
    id: str
    group: str
    text: str
    hint: str
    discuss: str
    why: str
    app_changes: str
    sets: tuple[str, ...]
    follow_up: FollowUp | None = None


@dataclass(frozen=True)
class Screening:
    """The wizard's content, and the rule that turns its answers into a `Profile`."""

    title: str
    intro: str
    result_title: str
    result_intro: str
    nothing_applies: str
    acknowledgement: str
    questions: tuple[Question, ...]

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def flags_by_question(self) -> dict[str, tuple[str, ...]]:
        return {q.id: q.sets for q in self.questions}

    def profile(self, answers: Mapping[str, Answer], trimester: Trimester | None = None) -> Profile:
        return derive_profile(answers, self.flags_by_question(), trimester)

    def stored_profile(self, record: StoredScreening | None) -> Profile | None:
        """The profile a stored screening (`record.answers`: its JSON) gives; None if none.

        Raises ValueError (or KeyError) when the stored answers cannot be read.
        """
        if record is None:
            return None
        result = ScreeningResult.from_json(record.answers)
        return self.profile(result.answers, result.trimester)

    def applicable(self, answers: Mapping[str, Answer]) -> list[Question]:
        """Questions answered yes or not sure, in file order (the result page's items)."""
        return [q for q in self.questions if (a := answers.get(q.id)) is not None and a.applies]

    def user_texts(self) -> list[str]:
        """Every string the user may see (for the wording test)."""
        out = [self.title, self.intro, self.result_title, self.result_intro,
               self.nothing_applies, self.acknowledgement]
        for q in self.questions:
            out += [q.group, q.text, q.hint, q.discuss, q.why, q.app_changes]
            if q.follow_up:
                out.append(q.follow_up.text)
                out += [label for _, label in q.follow_up.choices]
        return [t for t in out if t]


def _convert(model: ScreeningFile) -> Screening:
    def fold(text: str) -> str:
        return re.sub(r"\s+", " ", text).strip()

    questions = tuple(
        Question(
            q.id, q.group, fold(q.text), fold(q.hint), fold(q.discuss), fold(q.why),
            fold(q.app_changes), tuple(q.sets),
            FollowUp(q.follow_up.id, q.follow_up.text,
                     tuple((c.value, c.label) for c in q.follow_up.choices))
            if q.follow_up else None,
        )
        for q in model.question
    )
    return Screening(fold(model.title), fold(model.intro), fold(model.result_title),
                     fold(model.result_intro), fold(model.nothing_applies),
                     fold(model.acknowledgement), questions)


def parse_screening(text: str, name: str = "screening.toml") -> Screening:
    """Validate screening content; raises ScreeningFileError listing every problem."""
    model = parse_toml(text, name, ScreeningFile, ScreeningFileError, _ALL_KEYS)
    return _convert(model)


def load_screening(path: Path | None = None) -> Screening:
    """The screening content (the built-in file unless a path is given); raises
    ScreeningFileError listing every problem."""
    return _builtin_screening.load(path)


#: The built-in questions, read once (a test points its `path` elsewhere, then `cache_clear()`).
_builtin_screening = BuiltinFile(SCREENING_FILE, parse_screening, ScreeningFileError)


def load_notice(path: Path = NOTICE_FILE) -> str:
    """The one-time 'not a medical device' notice, paragraphs separated by blank lines."""
    text = path.read_text(encoding="utf-8").strip()
    paragraphs = [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)
