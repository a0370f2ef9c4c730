"""User settings: a Qt-free model, validated field by field, saved as JSON in the data dir.

A broken or half-broken settings file must never stop the app: every field that cannot be
read falls back to its default and produces one readable problem line, which the GUI shows
once it is up (the qutebrowser way). Before anything can overwrite it, the file as it was is
kept beside it (`settings.json.damaged-<local time>`) and the problem line says where, so
the person's own words (the emergency-number text, reminders...) are never lost. Saving
writes a temporary file and renames it, so a crash mid-write cannot leave a truncated file.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

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

SETTINGS_VERSION = 1

#: Rests come right after effort, so patterns not safe after effort (4-7-8) are not offered.
REST_PATTERNS: tuple[str, ...] = tuple(p.id for p in PATTERNS.values() if p.ok_after_effort)

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")



class AnnouncePrompts(enum.Enum):
    """When a screen reader is asked to announce what changes (new exercise, check-in...).

    `when_voice_off` (the default) announces only while the app's own voice cannot be heard
    (no voice, volume 0, or "tones only"), so a screen reader does not double the voice.
    """

    OFF = "off"
    WHEN_VOICE_OFF = "when_voice_off"
    ALWAYS = "always"


@dataclass(frozen=True)
class Reminders:
    """Sessions as fixed appointments: which weekdays (0 = Monday) and what time."""

    enabled: bool = False
    days: tuple[int, ...] = (0, 3)
    time: str = "18:00"

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = self.time.split(":")
        return int(hour), int(minute)


@dataclass(frozen=True)
class Settings:
    """Everything the Settings dialog edits; defaults are what a first run uses."""

    voice_id: str = ""
    rate: int = 165
    volume: float = 1.0
    tones: bool = True
    rest_breathing: str = DEFAULT_PATTERN
    verbosity: Verbosity = Verbosity.FULL
    weekly_goal: int = 2
    rest_seconds: int = 0  # 0: as the routine says
    emergency_text: str = DEFAULT_EMERGENCY
    reminders: Reminders = field(default_factory=Reminders)
    notice_shown: bool = False  # the one-time "not a medical device" notice
    voice_input: bool = True  # answer by voice when a microphone is there
    # speech engine: "auto" (the natural voice when installed), "piper" or "system"
    engine: str = "auto"
    piper_voice: str = ""  # "" = the packaged natural voice; a voice name; or a .onnx path
    piper_length_scale: float = 1.0  # Piper's pace: 1.0 = the voice's own, higher = slower
    # the stand-alone breathing session (key B): last pattern and length chosen, and whether
    # a completed one counts toward the weekly goal (by default only workouts do)
    breathing_pattern: str = "coherent"
    breathing_minutes: int = DEFAULT_MINUTES
    breathing_counts: bool = False
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


# -- validation: one checker per field, each returns the value or raises ValueError ----------
def _int_in(lo: int, hi: int) -> Any:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number, not {value!r}")
        if not lo <= value <= hi:
            raise ValueError(f"must be between {lo} and {hi}, not {value}")
        return value

    return check


def _volume(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number from 0 to 1, not {value!r}")
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"must be from 0 to 1, not {value}")
    return float(value)


ENGINES = ("auto", "piper", "system")
LENGTH_SCALE_RANGE = (0.5, 2.0)


def _engine(value: Any) -> str:
    if value not in ENGINES:
        raise ValueError(f"{value!r} is not one of {', '.join(ENGINES)}")
    return str(value)


def _length_scale(value: Any) -> float:
    lo, hi = LENGTH_SCALE_RANGE
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number from {lo:g} to {hi:g}, not {value!r}")
    if not lo <= float(value) <= hi:
        raise ValueError(f"must be from {lo:g} to {hi:g}, not {value}")
    return float(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {value!r}")
    return value


def _text(max_len: int, allow_empty: bool = True) -> Any:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be text, not {value!r}")
        if len(value) > max_len:
            raise ValueError(f"is too long (at most {max_len} characters)")
        if not allow_empty and not value.strip():
            raise ValueError("must not be empty")
        return value

    return check


def _pattern(value: Any) -> str:
    if value not in REST_PATTERNS:
        raise ValueError(f"{value!r} is not one of {', '.join(REST_PATTERNS)}")
    return str(value)


def _any_pattern(value: Any) -> str:
    if value not in PATTERNS:
        raise ValueError(f"{value!r} is not one of {', '.join(PATTERNS)}")
    return str(value)


def _verbosity(value: Any) -> Verbosity:
    try:
        return Verbosity(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not one of {', '.join(v.value for v in Verbosity)}"
        ) from None


def _announce(value: Any) -> AnnouncePrompts:
    try:
        return AnnouncePrompts(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not one of {', '.join(a.value for a in AnnouncePrompts)}"
        ) from None


def _time_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a time like \"18:00\", not {value!r}")
    try:
        parsed = dt.datetime.strptime(value, "%H:%M")
    except ValueError:
        raise ValueError(f"must be a time like \"18:00\", not {value!r}") from None
    return parsed.strftime("%H:%M")


def _days(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in value
    ):
        raise ValueError(f"must be a list of weekdays 0-6 (0 = Monday), not {value!r}")
    return tuple(sorted(set(value)))


_CHECKS: dict[str, Any] = {
    "voice_id": _text(200),
    "rate": _int_in(80, 300),
    "volume": _volume,
    "tones": _bool,
    "rest_breathing": _pattern,
    "verbosity": _verbosity,
    "weekly_goal": _int_in(1, 14),
    "rest_seconds": _int_in(0, 600),
    "emergency_text": _text(200, allow_empty=False),
    "notice_shown": _bool,
    "voice_input": _bool,
    "engine": _engine,
    "piper_voice": _text(1000),
    "piper_length_scale": _length_scale,
    "breathing_pattern": _any_pattern,
    "breathing_minutes": _int_in(MIN_MINUTES, MAX_MINUTES),
    "breathing_counts": _bool,
    "announce_prompts": _announce,
}

_REMINDER_CHECKS: dict[str, Any] = {"enabled": _bool, "days": _days, "time": _time_text}


def settings_from_json(data: Any, source: str = "settings") -> tuple[Settings, list[str]]:
    """Build settings from parsed JSON; bad fields keep their default and add a problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return Settings(), [f"{source}: expected a JSON object; using the defaults"]
    values: dict[str, Any] = {}
    known = {f.name for f in fields(Settings)} | {"version"}
    for key in data:
        if key not in known:
            problems.append(f"{source}: unknown setting '{key}' (ignored)")
    for key, check in _CHECKS.items():
        if key in data:
            try:
                values[key] = check(data[key])
            except ValueError as exc:
                problems.append(f"{source}: {key} {exc}; using the default")
    reminders = Reminders()
    raw = data.get("reminders")
    if raw is not None:
        if not isinstance(raw, dict):
            problems.append(f"{source}: reminders must be an object; using the default")
        else:
            rvalues: dict[str, Any] = {}
            for key, check in _REMINDER_CHECKS.items():
                if key in raw:
                    try:
                        rvalues[key] = check(raw[key])
                    except ValueError as exc:
                        problems.append(f"{source}: reminders.{key} {exc}; using the default")
            reminders = replace(reminders, **rvalues)
    return Settings(**values, reminders=reminders), problems


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


def _zone(now: dt.datetime, tz: dt.tzinfo | None) -> dt.tzinfo | None:
    """The zone to count days in: `tz`, else `now`'s when it is a real zone (with DST
    rules), else the system's. A bare UTC offset would put dates across a DST change an
    hour off. A naive `now` stays naive (plain wall-clock times, as given)."""
    from zoneinfo import ZoneInfo

    from companion.localtime import SystemLocal, local_zone

    if tz is not None:
        return tz
    if now.tzinfo is None:
        return None
    if isinstance(now.tzinfo, ZoneInfo | SystemLocal) or now.tzinfo is dt.UTC:
        return now.tzinfo
    return local_zone()


def next_reminder(now: dt.datetime, reminders: Reminders,
                  tz: dt.tzinfo | None = None) -> dt.datetime | None:
    """The next scheduled reminder strictly after `now`, or None if none.

    Days and the time of day are local (`tz`, default the system's zone): "18:00 on
    Thursdays" stays 18:00 on the clock across a daylight-saving change. Returns an aware
    datetime in that zone; compare it as an instant (it may be a different UTC offset
    from `now`).
    """
    if not reminders.enabled or not reminders.days:
        return None
    zone = _zone(now, tz)
    local = now.astimezone(zone) if zone is not None else now
    hour, minute = reminders.hour_minute
    for offset in range(0, 8):
        day = local.date() + dt.timedelta(days=offset)
        if day.weekday() not in reminders.days:
            continue
        at = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        if zone is None and at > now:
            return at
        if zone is not None and at.astimezone(dt.UTC) > now.astimezone(dt.UTC):
            return at
    return None


def week_start(now: dt.datetime, tz: dt.tzinfo | None = None) -> dt.datetime:
    """Monday 00:00 (local, `tz` or the system's zone) of the week containing `now`."""
    zone = _zone(now, tz)
    local = now.astimezone(zone) if zone is not None else now
    monday = local.date() - dt.timedelta(days=local.weekday())
    return dt.datetime(monday.year, monday.month, monday.day, tzinfo=zone)
