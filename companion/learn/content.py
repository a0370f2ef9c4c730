"""Load resources/learn.toml: the "Why this helps" page, every statement with a visible
strength label and a pointer to the section of the health guidance it comes from.

Like the screening questions, this is health content: a typo must never silently drop a
statement or its label. Unknown keys, missing fields, unknown labels, pointers to a section
the file does not declare, and claim words the guidance does not support ("cure",
"proven"...) are all errors, reported with the file, line and key path.

Two sections are not written here but taken from where the app already keeps them, so the
page cannot disagree with the screens that act on them: `include = "screening"` lists the
health questions (resources/screening.toml), `include = "red_flags"` the four warning signs
and the safety steps (companion.core.safety_words).
"""

from __future__ import annotations

import difflib
import enum
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from companion.core.safety_words import CHECKIN_FLAGS, safety_steps
from companion.core.wording import wording_problems
from companion.datafile import (
    RESOURCES,
    BuiltinFile,
    DataFileError,
    Problem,
    key_lines,
    known_keys,
    line_for,
    parse_toml,
    path_text,
)

LEARN_FILE = RESOURCES / "learn.toml"


class Strength(enum.Enum):
    """How sure a statement is; the values are what learn.toml writes."""

    STRONG = "strong"
    SUPPORTED = "supported"
    PROMISING = "promising"
    UNKNOWN = "unknown"
    PROPOSED = "proposed"
    EXPERT = "expert"
    ADVICE = "advice"


#: The visible label of each strength (the page shows it next to every statement).
STRENGTH_LABELS: dict[Strength, str] = {
    Strength.STRONG: "Strong evidence",
    Strength.SUPPORTED: "Supported by research",
    Strength.PROMISING: "Promising, preliminary",
    Strength.UNKNOWN: "Not yet known",
    Strength.PROPOSED: "Proposed explanation",
    Strength.EXPERT: "Expert view",
    Strength.ADVICE: "Safety advice",
}

#: What each label means (the page's legend).
STRENGTH_HELP: dict[Strength, str] = {
    Strength.STRONG: "consistent results across many studies",
    Strength.SUPPORTED: "research points this way, with less certainty",
    Strength.PROMISING: "early results, not enough to rely on alone",
    Strength.UNKNOWN: "still being studied",
    Strength.PROPOSED: "a plausible way it may work, not a settled cause",
    Strength.EXPERT: "the view of clinicians in the guidance",
    Strength.ADVICE: "what to do to stay safe",
}

# Words that claim more than the guidance supports. The guidance calls exercise a complement
# to treatment, "not a cure"; this page says so without those words at all.
_CLAIMS: tuple[str, ...] = (
    r"\bcur(e|es|ed|ing)\b", r"\bprov(e|es|ed|en)\b", r"\bguarantee[sd]?\b",
    r"\bheal(s|ing)?\b", r"\bmiracle\w*", r"\brevers(e|es|ed|ing)\b",
    r"\beliminat\w*", r"\bfix(es|ed)?\b", r"\b100\s?%", r"\bdetox\w*", r"\bimmun\w*",
    r"\bprevent(s|ed|ing)?\b", r"\btreats?\b", r"\balways\b", r"\beveryone\b",
    r"\bno side effects\b", r"\bwonder\w*",
)
_CLAIMS_RE = tuple(re.compile(p, re.IGNORECASE) for p in _CLAIMS)


def claim_problems(text: str) -> list[str]:
    """Claim words the guidance does not support, and words the app never uses (weight,
    looks, streaks, heart-rate targets), found in `text`."""
    out = [m.group(0) for rx in _CLAIMS_RE for m in rx.finditer(text)]
    out += [str(p) for p in wording_problems(text)]
    return out


# -- the file ---------------------------------------------------------------------------------
Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
Short = Annotated[str, Field(min_length=1, max_length=200)]
Long = Annotated[str, Field(min_length=1, max_length=500)]
StrengthName = Literal["strong", "supported", "promising", "unknown", "proposed", "expert",
                       "advice"]
INCLUDES = ("screening", "red_flags")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SeedFile(_Strict):
    id: Id
    number: Annotated[int, Field(ge=1, le=8)]
    title: Short
    part: Annotated[str, Field(max_length=200)] = ""


class StatementFile(_Strict):
    text: Long
    strength: StrengthName
    seed: Id
    support: Short


class SectionFile(_Strict):
    id: Id
    title: Short
    intro: Annotated[str, Field(max_length=500)] = ""
    statement: list[StatementFile] = []
    include: Literal["screening", "red_flags"] | None = None
    strength: StrengthName | None = None
    seed: Id | None = None

    @model_validator(mode="after")
    def _content(self) -> SectionFile:
        if self.include is None:
            if not self.statement:
                raise ValueError("a section needs at least one statement (or an include)")
            if self.strength is not None or self.seed is not None:
                raise ValueError("strength and seed go on each statement, not on the section "
                                 "(they are for include sections)")
        else:
            if self.statement:
                raise ValueError("an include section takes its statements from elsewhere: "
                                 "remove its statements")
            if self.strength is None or self.seed is None:
                raise ValueError("an include section needs a strength and a seed")
        return self


class LearnFile(_Strict):
    schema_version: Literal[1] = 1
    title: Short
    intro: Long
    seed: Annotated[list[SeedFile], Field(min_length=1)]
    section: Annotated[list[SectionFile], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_ids(self) -> LearnFile:
        for name, ids in (("seed", [s.id for s in self.seed]),
                          ("section", [s.id for s in self.section])):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{name} ids must be unique; repeated: {', '.join(dupes)}")
        return self


_ALL_KEYS = known_keys(LearnFile, SeedFile, SectionFile, StatementFile)


class LearnFileError(DataFileError):
    """The Learn page's file cannot be used; `problems` lists every reason."""


# -- the loaded form ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SeedRef:
    """A section (and maybe a part) of the health guidance."""

    id: str
    number: int
    title: str
    part: str = ""

    @property
    def text(self) -> str:
        """What the page shows: 'guidance section 2, Strength of the Evidence' (a part that
        is one of the guidance's questions is named by its section's title instead)."""
        name = self.part if self.part and not self.part.endswith("?") else self.title
        return f"guidance section {self.number}, {name}"


@dataclass(frozen=True)
class Statement:
    text: str
    strength: Strength
    seed: SeedRef
    support: str = ""  # words of the guidance that back it (tests only; never shown)

    @property
    def label(self) -> str:
        return STRENGTH_LABELS[self.strength]

    @property
    def source(self) -> str:
        return f"Source: {self.seed.text}"

    @property
    def spoken(self) -> str:
        """One line for a screen reader: label, statement, source."""
        return f"{self.label}: {self.text} {self.source}."


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str
    statements: tuple[Statement, ...]
    include: str | None = None
    strength: Strength | None = None
    seed: SeedRef | None = None


@dataclass(frozen=True)
class LearnContent:
    title: str
    intro: str
    seeds: dict[str, SeedRef]
    sections: tuple[Section, ...]


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def parse_learn(text: str, name: str = "learn.toml") -> LearnContent:
    """Validate the page's content; raises LearnFileError listing every problem."""
    lines = key_lines(text)
    model = parse_toml(text, name, LearnFile, LearnFileError, _ALL_KEYS)
    seeds = {s.id: SeedRef(s.id, s.number, _fold(s.title), _fold(s.part)) for s in model.seed}
    problems = []

    def check(loc: tuple[str | int, ...], words: str) -> None:
        for claim in claim_problems(words):
            problems.append(Problem(name, path_text(loc), f"claims more than the guidance "
                                    f"supports: {claim!r}", line_for(loc, lines)))

    def seed_for(loc: tuple[str | int, ...], ref: str) -> SeedRef:
        if ref not in seeds:
            close = difflib.get_close_matches(ref, seeds, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(Problem(name, path_text(loc), f"points to seed '{ref}', which "
                                    f"no [[seed]] declares{hint}", line_for(loc, lines)))
            return SeedRef(ref, 0, ref)
        return seeds[ref]

    check(("title",), model.title)
    check(("intro",), model.intro)
    sections = []
    for i, sec in enumerate(model.section):
        check(("section", i, "title"), sec.title)
        check(("section", i, "intro"), sec.intro)
        statements = []
        for j, st in enumerate(sec.statement):
            at: tuple[str | int, ...] = ("section", i, "statement", j)
            check((*at, "text"), st.text)
            statements.append(Statement(_fold(st.text), Strength(st.strength),
                                        seed_for((*at, "seed"), st.seed), _fold(st.support)))
        seed = seed_for(("section", i, "seed"), sec.seed) if sec.seed else None
        sections.append(Section(sec.id, _fold(sec.title), _fold(sec.intro), tuple(statements),
                                sec.include, Strength(sec.strength) if sec.strength else None,
                                seed))
    if problems:
        raise LearnFileError(problems)
    return LearnContent(_fold(model.title), _fold(model.intro), seeds, tuple(sections))


def load_learn(path: Path | None = None) -> LearnContent:
    """The page's content (the built-in file unless a path is given); raises LearnFileError
    listing every problem."""
    return _builtin.load(path)


_builtin = BuiltinFile(LEARN_FILE, parse_learn, LearnFileError)


# -- the page as shown: includes filled from their one source ------------------------------------
def page_sections(content: LearnContent, emergency: str = "") -> list[Section]:
    """Every section with its statements; include sections are filled from the health
    questions (resources/screening.toml) and the safety words (companion.core.safety_words).

    `emergency` is the emergency-number text from settings (the safety steps name it).
    Raises `companion.safety.content.ScreeningFileError` if the questions cannot be read.
    """
    out = []
    for sec in content.sections:
        if sec.include is None:
            out.append(sec)
            continue
        assert sec.strength is not None and sec.seed is not None
        texts = _screening_texts() if sec.include == "screening" else _red_flag_texts(emergency)
        out.append(Section(sec.id, sec.title, sec.intro,
                           tuple(Statement(t, sec.strength, sec.seed) for t in texts),
                           sec.include, sec.strength, sec.seed))
    return out


def _screening_texts() -> list[str]:
    from companion.safety.content import load_screening

    groups: dict[str, list[str]] = {}
    for q in load_screening().questions:
        groups.setdefault(q.group, []).append(q.text)
    return [f"{group}: {' '.join(texts)}" for group, texts in groups.items()]


def _red_flag_texts(emergency: str) -> list[str]:
    signs = [f"Warning sign: {label}." for _, label in CHECKIN_FLAGS]
    return [*signs, *safety_steps(emergency)]
