"""The journal file format: events as JSON, the entries of a file, and reading them back.

The writer is `companion.storage.journal.Journal`. File format (version 1), one JSON object
per line::

    {"v": 1, "journal": "companion", "run": "<hex>", "pid": 4242, "pid_started": 1.7e9,
     "device": "desk", "db": "sqlite:////home/me/.local/share/companion/companion.sqlite3",
     "profile": "<profile key>"}
    {"seq": 1, "key": "<session hex>", "at": "2026-03-08T21:06:12.123456+00:00",
     "event": {"type": "SessionStarted", "t": 0.0, ...}, "routine": {...}}
    {"seq": 7, "key": "", "at": "...", "ack": {"session_id": 12, "key": null, "text": "..."}}
    {"merged": [1, 2, 3]}


A last line without its newline is a write the process did not finish (it was killed, or
the disk filled): it was never reported as saved and is ignored. `profile` (schema 0005 on)
names whose journal it is: it is merged only into that profile's history (a file without
it, written before profiles, belongs to the profile whose folder holds it). Any other line that does
not parse makes the file "damaged": readers say so, and the red-flag gate then asks.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import logging
import typing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from companion.core.events import EVENT_TYPES, Event

log = logging.getLogger(__name__)

VERSION = 1
SUFFIX = ".jsonl"


# -- events <-> JSON ----------------------------------------------------------------------------
def encode_event(event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type(event).__name__}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        out[f.name] = value.value if isinstance(value, enum.Enum) else value
    return out


_HINTS: dict[type, dict[str, Any]] = {}


def _enum_of(hint: Any) -> type[enum.Enum] | None:
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    for arg in typing.get_args(hint):
        if isinstance(arg, type) and issubclass(arg, enum.Enum):
            return arg
    return None


def decode_event(data: dict[str, Any]) -> Event:
    """The event back from `encode_event`'s dict; ValueError for anything else."""
    cls = EVENT_TYPES.get(str(data.get("type")))
    if cls is None:
        raise ValueError(f"not a recorded event type: {data.get('type')!r}")
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            if f.default is dataclasses.MISSING:
                raise ValueError(f"{cls.__name__} without {f.name}")
            continue
        value = data[f.name]
        kind = _enum_of(hints[f.name])
        kwargs[f.name] = kind(value) if kind is not None and value is not None else value
    return cls(**kwargs)


# -- entries ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ack:
    """A red-flag confirmation: for a stored session (`session_id`) or a journal one (`key`)."""

    session_id: int | None
    key: str | None
    text: str


@dataclass(frozen=True)
class Entry:
    """One journal line: an event of session `key`, or an acknowledgement."""

    seq: int
    key: str
    at: datetime
    event: Event | None = None
    routine: dict[str, Any] | None = None
    ack: Ack | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"seq": self.seq, "key": self.key, "at": self.at.isoformat()}
        if self.event is not None:
            out["event"] = encode_event(self.event)
        if self.routine is not None:
            out["routine"] = self.routine
        if self.ack is not None:
            out["ack"] = dataclasses.asdict(self.ack)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        at = datetime.fromisoformat(data["at"])
        if at.tzinfo is None:
            raise ValueError("journal time without a zone")
        event = decode_event(data["event"]) if "event" in data else None
        ack = None
        if "ack" in data:
            raw = data["ack"]
            ack = Ack(raw.get("session_id"), raw.get("key"), str(raw.get("text", "")))
        if event is None and ack is None:
            raise ValueError("journal entry with neither an event nor an acknowledgement")
        return cls(int(data["seq"]), str(data["key"]), at, event, data.get("routine"), ack)


@dataclass(frozen=True)
class Header:
    run: str
    pid: int
    pid_started: float | None
    device: str
    db: str
    profile: str | None = None  # the profile's key (None: written before profiles)


@dataclass
class JournalFile:
    """One journal file as read from disk."""

    path: Path
    header: Header | None
    entries: list[Entry] = field(default_factory=list)
    merged: set[int] = field(default_factory=set)
    problem: str = ""  # why (part of) it could not be read; "" when fine

    @property
    def unmerged(self) -> list[Entry]:
        return [e for e in self.entries if e.seq not in self.merged]


def read_file(path: Path) -> JournalFile:
    """Parse one journal file; damage is reported in `problem`, never raised."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return JournalFile(path, None, problem=f"cannot be read ({exc.strerror or exc})")
    lines = raw.split(b"\n")
    torn = lines.pop()  # after the last newline: "" when the file ends cleanly
    if torn:
        log.info("journal %s ends in an unfinished line (ignored)", path.name)
    out = JournalFile(path, None)
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            if "journal" in data:
                if data.get("v") != VERSION:
                    raise ValueError(f"journal version {data.get('v')!r}")
                out.header = Header(str(data["run"]), int(data["pid"]),
                                    data.get("pid_started"), str(data.get("device", "")),
                                    str(data.get("db", "")),
                                    str(data["profile"]) if data.get("profile") else None)
            elif "merged" in data:
                out.merged.update(int(s) for s in data["merged"])
            else:
                out.entries.append(Entry.from_json(data))
        except (ValueError, KeyError, TypeError) as exc:
            out.problem = f"line {n} is damaged ({exc})"
            log.warning("journal %s: %s", path, out.problem)
    if out.header is None and not out.problem and out.entries:
        out.problem = "it has no header"
    return out


def read_folder(folder: Path) -> tuple[list[JournalFile], list[str]]:
    """Every journal file in `folder` (oldest name first), and what could not be read.

    A missing folder is an empty journal; an unreadable folder is a problem.
    """
    try:
        names = sorted(p for p in folder.iterdir() if p.suffix == SUFFIX)
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [f"the journal folder {folder} cannot be read ({exc.strerror or exc})"]
    files = [read_file(p) for p in names]
    problems = [f"the journal {f.path} {f.problem}" for f in files if f.problem]
    return files, problems



def remove_if_merged(jf: JournalFile) -> bool:
    """Delete another (dead) run's file once all its entries are in the database."""
    if jf.problem or jf.unmerged:
        return False
    try:
        jf.path.unlink(missing_ok=True)
    except OSError as exc:
        log.info("could not remove merged journal %s: %s", jf.path, exc)
        return False
    return True
