"""What a damaged history leaves behind: a marker that keeps the app careful afterwards.

When the SQLite history file is damaged, `companion.storage.opening` moves it aside and
starts a fresh, empty one. Whatever the old file held is out of reach from then on: a
red-flag stop not yet confirmed, the health answers behind the careful adaptations. So
before the fresh file is made, a marker is written beside it (`<db file>.recovered`, JSON,
private). While it is there:

- the red-flag gate cannot tell whether a stop is pending, so it asks before the next
  session (SPEC "Safety": if the app cannot tell, it asks) until each profile has answered;
  the answer is written into the marker (`confirm`);
- a profile with no health answers in the fresh history gets every careful adaptation
  (`Profile.careful()`), not the no-adaptation default, until the questions are taken again.

File format (version 1)::

    {"v": 1, "moved_to": "/…/history.db.corrupt-20261201T101500Z",
     "at": "2026-12-01T10:15:00+00:00", "reason": "file is not a database",
     "confirmed": {"Alex": {"at": "2026-12-01T10:16:02+00:00", "text": "I feel well…"}}}

`confirmed` is keyed by profile name (the fresh history's profiles are new, so their keys
cannot be matched to the old ones). A marker that cannot be read counts as unconfirmed for
everyone (fail closed); a later recovery replaces the marker and so asks again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from companion.files import write_text_atomic

log = logging.getLogger(__name__)

SUFFIX = ".recovered"
VERSION = 1


def marker_path(db_file: Path) -> Path:
    """Where the marker of the SQLite file `db_file` lives (beside it)."""
    return db_file.with_name(db_file.name + SUFFIX)


@dataclass(frozen=True)
class RecoveryMarker:
    """A damaged history was set aside (`moved_to`, at `at` UTC, because `reason`).

    `confirmed` maps a profile name to (time, the confirmation's words); `readable` is
    False when the marker file itself was damaged (then nothing counts as confirmed)."""

    moved_to: str
    at: datetime | None
    reason: str
    confirmed: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    readable: bool = True

    def pending_for(self, profile: str | None) -> bool:
        """True while `profile` (None: a history without profiles) has not confirmed."""
        return not self.readable or (profile or "") not in self.confirmed

    def when_text(self) -> str:
        """The day it happened in local time ("1 December 2026"), or "" if unknown."""
        if self.at is None:
            return ""
        local = self.at.astimezone()
        return f"{local.day} {local:%B %Y}"

    def to_json(self) -> dict[str, Any]:
        return {
            "v": VERSION,
            "moved_to": self.moved_to,
            "at": self.at.isoformat() if self.at else None,
            "reason": self.reason,
            "confirmed": {name: {"at": at.isoformat(), "text": text}
                          for name, (at, text) in sorted(self.confirmed.items())},
        }


def _schema() -> Any:
    """The marker file's pydantic model (imported when a marker is read or written, not
    with the storage package: commands that open a healthy history never need it)."""
    from typing import Literal

    from pydantic import AwareDatetime, BaseModel, ConfigDict

    class Confirmation(BaseModel):
        at: AwareDatetime
        text: str = ""

    class MarkerFile(BaseModel):
        model_config = ConfigDict(extra="ignore")
        v: Literal[1]
        moved_to: str = ""
        at: AwareDatetime | None = None
        reason: str = ""
        confirmed: dict[str, Confirmation] = {}

    return MarkerFile


def _write(db_file: Path, marker: RecoveryMarker) -> None:
    write_text_atomic(marker_path(db_file), json.dumps(marker.to_json(), indent=1) + "\n")


def write_marker(db_file: Path, moved_to: Path, reason: str, at: datetime) -> None:
    """Record that `db_file` was damaged and moved to `moved_to` (durable: fsynced).

    Raises `companion.files.WriteFailed` (a KnownError) when it cannot be written."""
    _write(db_file, RecoveryMarker(str(moved_to), at.astimezone(UTC), reason))


def read_marker(db_file: Path) -> RecoveryMarker | None:
    """The marker beside `db_file`, None when there is none. Never raises: a marker that
    cannot be read or does not match the format comes back with `readable=False` (so the
    gate keeps asking)."""
    from pydantic import ValidationError

    path = marker_path(db_file)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cannot read %s: %s", path, exc)
        return RecoveryMarker("", None, f"the marker {path} cannot be read", readable=False)
    try:
        data = _schema().model_validate_json(raw)
    except ValidationError as exc:
        log.warning("the marker %s is damaged (%s): treated as unconfirmed", path,
                    exc.errors()[0].get("msg", exc) if exc.errors() else exc)
        return RecoveryMarker("", None, f"the marker {path} is damaged", readable=False)
    return RecoveryMarker(data.moved_to, data.at, data.reason,
                          {name: (c.at, c.text) for name, c in data.confirmed.items()})


def confirm(db_file: Path, profile: str | None, text: str, at: datetime) -> None:
    """Write `profile`'s answer to the gate into the marker (durable). Raises WriteFailed."""
    marker = read_marker(db_file)
    if marker is None:
        return
    confirmed = dict(marker.confirmed) if marker.readable else {}
    confirmed[profile or ""] = (at.astimezone(UTC), text)
    _write(db_file, RecoveryMarker(marker.moved_to, marker.at, marker.reason, confirmed))
