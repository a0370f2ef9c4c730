"""User settings: one pydantic model, saved as JSON in the data dir.

`Settings` (and its `Reminders`) is the single source of each setting's JSON key, type,
range and default: the file is validated against it, the Settings dialog builds it, and a
value out of range cannot be constructed. A broken or half-broken settings file must never
stop the app: every field that cannot be read falls back to its default and produces one
readable problem line, which the GUI shows once it is up (the qutebrowser way). Before
anything can overwrite it, the file as it was is kept beside it
(`settings.json.damaged-<local time>`) and the problem line says where, so the person's own
words (the emergency-number text, reminders...) are never lost. Saving writes a temporary
file and renames it, so a crash mid-write cannot leave a truncated file.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, field, fields
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, Strict, ValidationError
from pydantic.dataclasses import dataclass
from pydantic.fields import FieldInfo

from companion.core.breathing import (
    DEFAULT_MINUTES,
    DEFAULT_PATTERN,
    MAX_MINUTES,
    MIN_MINUTES,
    PATTERNS,
)
from companion.core.safety_words import DEFAULT_EMERGENCY
from companion.core.timeline import TimelineOptions, Verbosity
from companion.voice.base import VoiceSettings

log = logging.getLogger(__name__)
M = TypeVar("M")

SETTINGS_VERSION = 1

#: Rests come right after effort, so patterns not safe after effort (4-7-8) are not offered.
REST_PATTERNS: tuple[str, ...] = tuple(p.id for p in PATTERNS.values() if p.ok_after_effort)

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

ENGINES = ("auto", "piper", "system")
LENGTH_SCALE_RANGE = (0.5, 2.0)


class AnnouncePrompts(enum.Enum):
    """When a screen reader is asked to announce what changes (new exercise, check-in...).

    `when_voice_off` (the default) announces only while the app's own voice cannot be heard
    (no voice, volume 0, or "tones only"), so a screen reader does not double the voice.
    """

    OFF = "off"
    WHEN_VOICE_OFF = "when_voice_off"
    ALWAYS = "always"


# -- the checks pydantic's own types and ranges do not cover (each raises ValueError) ------
def _one_of(choices: Any) -> BeforeValidator:
    """A value that must be one of `choices` (a tuple or the keys of a mapping)."""

    def check(value: Any) -> Any:
        if not isinstance(value, str) or value not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
        return value

    return BeforeValidator(check)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _time_text(value: Any) -> str:
    """'7:30' -> '07:30'; anything that is not a time of day is refused."""
    try:
        return dt.datetime.strptime(value, "%H:%M").strftime("%H:%M")
    except (TypeError, ValueError):
        raise ValueError(f"must be a time like \"18:00\", not {value!r}") from None


def _days(value: Any) -> tuple[int, ...]:
    """Weekdays 0-6 (0 = Monday), sorted, each once."""
    if not isinstance(value, list | tuple) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in value
    ):
        raise ValueError(f"must be a list of weekdays 0-6 (0 = Monday), not {value!r}")
    return tuple(sorted(set(value)))


def _within(lo: float, hi: float) -> Any:
    """A number from `lo` to `hi` of the field's own type (an int field takes no 2.0)."""
    return Field(ge=lo, le=hi, strict=True)


Text = Annotated[str, Strict()]
Flag = Annotated[bool, Strict()]


@dataclass(frozen=True)
class Reminders:
    """Sessions as fixed appointments: which weekdays (0 = Monday) and what time."""

    enabled: Flag = False
    days: Annotated[tuple[int, ...], BeforeValidator(_days)] = (0, 3)
    time: Annotated[str, BeforeValidator(_time_text)] = "18:00"

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = self.time.split(":")
        return int(hour), int(minute)


@dataclass(frozen=True)
class Settings:
    """Everything the Settings dialog edits; defaults are what a first run uses.

    Each field is a JSON key of `settings.json`; its type and range are checked when the
    file is read and whenever a `Settings` is made (pydantic `ValidationError` otherwise).
    """

    voice_id: Annotated[Text, Field(max_length=200)] = ""
    rate: Annotated[int, _within(80, 300)] = 165  # words per minute
    volume: Annotated[float, _within(0.0, 1.0)] = 1.0
    tones: Flag = True
    rest_breathing: Annotated[str, _one_of(REST_PATTERNS)] = DEFAULT_PATTERN
    verbosity: Verbosity = Verbosity.FULL
    weekly_goal: Annotated[int, _within(1, 14)] = 2  # sessions a week
    rest_seconds: Annotated[int, _within(0, 600)] = 0  # 0: as the routine says
    emergency_text: Annotated[Text, Field(max_length=200), AfterValidator(_not_blank)] = (
        DEFAULT_EMERGENCY)
    reminders: Reminders = field(default_factory=Reminders)
    notice_shown: Flag = False  # the one-time "not a medical device" notice
    voice_input: Flag = True  # answer by voice when a microphone is there
    # speech engine: "auto" (the natural voice when installed), "piper" or "system"
    engine: Annotated[str, _one_of(ENGINES)] = "auto"
    piper_voice: Annotated[Text, Field(max_length=1000)] = ""  # "": the packaged voice;
    # a voice name; or a .onnx path
    piper_length_scale: Annotated[float, _within(*LENGTH_SCALE_RANGE)] = 1.0  # Piper's pace:
    # 1.0 = the voice's own, higher = slower
    # the stand-alone breathing session (key B): last pattern and length chosen, and whether
    # a completed one counts toward the weekly goal (by default only workouts do)
    breathing_pattern: Annotated[str, _one_of(PATTERNS)] = "coherent"
    breathing_minutes: Annotated[int, _within(MIN_MINUTES, MAX_MINUTES)] = DEFAULT_MINUTES
    breathing_counts: Flag = False
    #: screen reader announcements of prompts (issue 22)
    announce_prompts: AnnouncePrompts = AnnouncePrompts.WHEN_VOICE_OFF

    def voice_settings(self) -> VoiceSettings:
        return VoiceSettings(
            voice_id=self.voice_id,
            rate=self.rate,
            volume=self.volume,
            verbosity=self.verbosity,
            tones=self.tones,
            engine=self.engine,
            piper_voice=self.piper_voice,
            length_scale=self.piper_length_scale,
        )

    def timeline_options(self, **overrides: Any) -> TimelineOptions:
        """Options for compiling a session with these settings (callers may add more)."""
        return TimelineOptions(
            verbosity=self.verbosity, rest_pattern=self.rest_breathing, **overrides
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["verbosity"] = self.verbosity.value
        data["announce_prompts"] = self.announce_prompts.value
        data["reminders"]["days"] = list(self.reminders.days)
        data["version"] = SETTINGS_VERSION
        return data


# -- reading: the model's own errors in plain words, one field at a time ---------------------
def _bounds(info: FieldInfo) -> dict[str, Any]:
    """The field's `ge`, `le` and `max_length` constraints, by name."""
    out: dict[str, Any] = {}
    for meta in info.metadata:
        for name in ("ge", "le", "max_length"):
            if getattr(meta, name, None) is not None:
                out[name] = getattr(meta, name)
    return out


def _field_infos(model: Any) -> dict[str, FieldInfo]:
    """A pydantic dataclass's field descriptions (type, constraints, default), by name."""
    return dict(model.__pydantic_fields__)


def setting_range(name: str) -> tuple[Any, Any]:
    """(lowest, highest) allowed for the number setting `name`, e.g. (80, 300) for
    "rate": the editors' limits come from the model (KeyError: no such ranged setting)."""
    limits = _bounds(_field_infos(Settings)[name])
    return limits["ge"], limits["le"]


def setting_max_length(name: str) -> int:
    """The most characters the text setting `name` may hold (KeyError: not limited)."""
    return int(_bounds(_field_infos(Settings)[name])["max_length"])


def _words(info: FieldInfo, error: dict[str, Any], value: Any) -> str:
    """What is wrong with `value` for the field `info`, e.g. 'must be between 80 and 300,
    not 999' (the error is one of pydantic's `ValidationError.errors()`)."""
    kind, kind_of = str(error["type"]), info.annotation
    limits = _bounds(info)
    out_of_range = kind in ("greater_than_equal", "less_than_equal")
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind_of is bool:
        return f"must be true or false, not {value!r}"
    if kind_of is int:
        if out_of_range:
            return f"must be between {limits['ge']} and {limits['le']}, not {value}"
        return f"must be a whole number, not {value!r}"
    if kind_of is float:
        lo, hi = limits["ge"], limits["le"]
        if out_of_range:
            return f"must be from {lo:g} to {hi:g}, not {value}"
        return f"must be a number from {lo:g} to {hi:g}, not {value!r}"
    if isinstance(kind_of, type) and issubclass(kind_of, enum.Enum):
        return f"{value!r} is not one of {', '.join(str(m.value) for m in kind_of)}"
    if kind == "string_too_long":
        return f"is too long (at most {limits['max_length']} characters)"
    if kind == "string_type":
        return f"must be text, not {value!r}"
    return str(error["msg"])


def _validated(model: Callable[..., M], data: dict[str, Any], source: str,
                  prefix: str = "") -> tuple[M, list[str]]:
    """`model` built from `data`; each field that fails keeps its default, with a problem."""
    try:
        return model(**data), []
    except ValidationError as exc:
        bad: dict[str, dict[str, Any]] = {}
        for error in exc.errors(include_url=False):
            bad.setdefault(str(error["loc"][0]), dict(error))
    infos = _field_infos(model)
    problems = [
        f"{source}: {prefix}{key} {_words(infos[key], bad[key], data[key])}; using the default"
        for key in infos if key in bad
    ]
    return model(**{k: v for k, v in data.items() if k not in bad}), problems


def settings_from_json(data: Any, source: str = "settings") -> tuple[Settings, list[str]]:
    """Build settings from parsed JSON; bad fields keep their default and add a problem."""
    if not isinstance(data, dict):
        return Settings(), [f"{source}: expected a JSON object; using the defaults"]
    known = {f.name for f in fields(Settings)}
    problems = [f"{source}: unknown setting '{key}' (ignored)" for key in data
                if key not in known | {"version"}]
    version = data.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > SETTINGS_VERSION:
        # a newer Companion wrote it: say so (the file is kept beside itself before a save)
        problems.insert(0, f"{source}: written by a newer version of Companion (settings "
                           f"version {version}; this one reads {SETTINGS_VERSION}): what it "
                           "does not know is left out")
    values = {k: v for k, v in data.items() if k in known and k != "reminders"}
    raw = data.get("reminders")
    reminders, reminder_problems = Reminders(), []
    if raw is not None and not isinstance(raw, dict):
        reminder_problems = [f"{source}: reminders must be an object; using the default"]
    elif raw is not None:
        known_r = {f.name for f in fields(Reminders)}
        reminders, reminder_problems = _validated(
            Reminders, {k: v for k, v in raw.items() if k in known_r}, source, "reminders.")
    settings, field_problems = _validated(Settings, {**values, "reminders": reminders}, source)
    return settings, [*problems, *field_problems, *reminder_problems]


def load_settings(path: Path) -> tuple[Settings, list[str]]:
    """Read settings; a missing file is a first run, a broken one gives defaults + problems.

    A file with any problem is first copied beside itself (`keep_damaged`), and the last
    problem line says where the copy is.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings(), []
    except OSError as exc:
        log.warning("cannot read %s: %s", path, exc)
        return Settings(), [f"{path}: cannot be read ({exc.strerror or exc}); using the "
                            "default settings"]
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        log.warning("broken settings file %s: %s", path, exc)
        problems = [f"{path}: not UTF-8 text ({exc.reason}); using the default settings"]
        return Settings(), [*problems, keep_damaged(path, raw)]
    except json.JSONDecodeError as exc:
        log.warning("broken settings file %s: %s", path, exc)
        problems = [
            f"{path}: not valid JSON (line {exc.lineno}: {exc.msg}); using the default settings"
        ]
        return Settings(), [*problems, keep_damaged(path, raw)]
    settings, problems = settings_from_json(data, str(path))
    for problem in problems:
        log.warning("%s", problem)
    if problems:
        problems.append(keep_damaged(path, raw))
    return settings, problems


def keep_damaged(path: Path, raw: bytes, now: dt.datetime | None = None) -> str:
    """Keep a copy of the settings file as it was, before defaults can be saved over it.

    Returns the line that tells the person where it is. The same content already kept
    (the app started twice before anything was saved) is not copied again.
    """
    for old in sorted(path.parent.glob(path.name + ".damaged-*")):
        try:
            if old.read_bytes() == raw:
                return f"Your file as it was is kept as {old}."
        except OSError:
            continue
    stamp = (now or dt.datetime.now().astimezone()).strftime("%Y%m%d-%H%M%S")
    copy = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while copy.exists():
        copy = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
        n += 1
    try:
        from companion.files import write_atomic

        write_atomic(copy, raw)
    except Exception as exc:  # a read-only folder: saving over it will fail the same way
        log.warning("could not keep a copy of %s: %s", path, exc)
        return f"A copy of your file could not be kept ({exc}); it is left as it is."
    log.info("kept the damaged settings file as %s", copy)
    return f"Your file as it was is kept as {copy}."


def save_settings(settings: Settings, path: Path) -> None:
    """Write atomically (temp file + fsync + rename, 0600); raises OSError if the disk
    refuses (`companion.files.WriteFailed` carries the one-line reason)."""
    from companion.files import WriteFailed, write_text_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_text_atomic(path, json.dumps(settings.to_json(), indent=2) + "\n")
    except WriteFailed as exc:
        raise OSError(str(exc)) from exc
