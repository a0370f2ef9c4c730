"""The typed seams the screens and the shell may use (issue 17: Protocols, asked with
`isinstance`, instead of `getattr` probes): what a history, a session recorder, a speaker, a
check-in view and the safety pages offer. `AppServices` (`container.py`) holds objects that
satisfy them; test fakes satisfy them too, and mypy checks every call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from companion.core.events import Event

if TYPE_CHECKING:
    from companion.config import Paths
    from companion.core.events import Symptom
    from companion.core.routine import Routine
    from companion.core.timeline import SessionPlan, TimelineOptions
    from companion.qt.core import SignalInstance
    from companion.storage import Database
    from companion.storage.profiles import ProfileInfo
    from companion.storage.repository import RedFlagStop
    from companion.storage.status import StorageStatus
    from companion.storage.store_state import GateState
    from companion.voice.base import VoiceSettings


class SessionRecorder(Protocol):
    """What a history hands the engine to record one session (an engine listener):
    `session_id` names the stored session once known, `key` its journal key ("" if none)."""

    @property
    def session_id(self) -> int | None: ...

    @property
    def key(self) -> str: ...

    def __call__(self, event: Event) -> None: ...


class History(Protocol):
    """The few history calls the start and end screens need (the storage facade's subset)."""

    def sessions_this_week(self, now: dt.datetime | None = None, *,
                           count_breathing: bool = False) -> int:
        """Completed workouts started this week (Monday 00:00, local time); breathing
        sessions too with `count_breathing` (the user's choice in Settings)."""
        ...

    def suggested_routine_id(self) -> str | None:
        """Today's suggestion (e.g. the routine last used); None lets the app pick."""
        ...

    def recorder_for(self, routine: Routine,
                     snapshot: dict[str, Any] | None = None) -> SessionRecorder | None:
        """An engine listener that records this session; None when nothing is recorded.

        It must commit `RedFlagRaised` before returning (the stop is on disk before the stop
        message is spoken and before the safety screen shows). Once `SessionStarted` has
        passed, its `session_id` names the stored session, for the note.
        `snapshot` replaces the routine as "what was run" (a breathing session's pattern).
        """
        ...

    def save_note(self, session: int | str, text: str,
                  done: Callable[[str], None] | None = None) -> None:
        """The user's journal note for a session ("" removes it): `session` is the stored
        id, or the recorder's journal key; `done("")` once saved, `done(problem)` if not
        (never raises; the screen keeps the text)."""
        ...

    def close(self) -> None:
        """Finish writing and let go of the storage (at exit, or a profile switch)."""
        ...


@runtime_checkable
class StoredHistory(Protocol):
    """A history kept in a database (the app's own, `DatabaseHistory`): whose it is, its
    `Database` (the history window, the PIN), the profile's folder, and its Qt signals:
    `changed()` (counts may differ), `ready()` (the database opened; once) and
    `status_changed(StorageStatus)` (the storage banner)."""

    changed: SignalInstance
    ready: SignalInstance
    status_changed: SignalInstance
    paths: Paths | None

    @property
    def db(self) -> Database | None: ...

    @property
    def person(self) -> ProfileInfo | None: ...

    @property
    def person_name(self) -> str:
        """The profile's name ("" while it is not known yet)."""
        ...

    @property
    def status(self) -> StorageStatus: ...

    def refresh(self, *, if_changed: bool = False) -> None:
        """Read counts, the screening and the red-flag gate again, off the GUI thread
        (`changed()` follows; with `if_changed`, only when something read differs)."""
        ...


# -- what a history may also do (the safety hooks); `isinstance` asks, never `getattr` --------
@runtime_checkable
class GatedHistory(Protocol):
    """A history that can tell the red-flag gate about the last stop (the app's own)."""

    def red_flag_check(self) -> GateState:
        """The latest unconfirmed stop, or that it cannot tell (the gate then asks)."""
        ...

    def acknowledge_stop(self, stop: RedFlagStop | None, text: str) -> Any:
        """Store the person's confirmation (journal first)."""
        ...


@runtime_checkable
class LegacyGatedHistory(Protocol):
    """The older red-flag gate API: the stop to confirm, confirmed by session id."""

    def pending_red_flag_ack(self) -> Any:
        ...

    def acknowledge_red_flag(self, session_id: int, text: str) -> Any:
        ...


@runtime_checkable
class ScreeningReader(Protocol):
    """A history that keeps the health questions' answers (`ScreeningRecord` or None)."""

    def latest_screening(self) -> Any:
        ...


@runtime_checkable
class RecoveredHistory(Protocol):
    """A history that can say whether a damaged file was set aside and replaced by a fresh
    one (the health answers in it are then out of reach)."""

    def history_set_aside(self) -> bool:
        ...


@runtime_checkable
class ScreeningWriter(Protocol):
    """A history that stores the health questions' answers."""

    def save_screening(self, answers: dict[str, Any], acknowledgement: str | None = None,
                       taken_at: dt.datetime | None = None) -> Any:
        ...


@runtime_checkable
class PreparingSpeaker(Protocol):
    """A speaker that compiles a session's plan with real speech lengths and renders it
    before the session starts ("Getting ready"); `done(plan)` runs on the GUI thread."""

    def prepare(self, routine: Routine, options: TimelineOptions | None,
                done: Callable[[SessionPlan], None]) -> None:
        ...


@runtime_checkable
class SampleSpeaker(Protocol):
    """A speaker that plays a sample sentence as `settings` would say it (Settings);
    `report(text)` says on the GUI thread what is happening or why it failed."""

    def play_sample(self, settings: VoiceSettings, report: Callable[[str], None]) -> None:
        ...


@runtime_checkable
class VoiceListing(Protocol):
    """A speaker that lists its voices: (id, name) pairs or `VoiceInfo` (Settings)."""

    def voices(self) -> Sequence[object]:
        ...


@runtime_checkable
class SynthSpeaker(Protocol):
    """A speaker on speech engines (`synth`: `companion.voice.speech_engines.SpeechEngines`, a
    single `Synthesizer`, or None): where its Piper voices are looked for."""

    @property
    def synth(self) -> object:
        ...


@runtime_checkable
class AdvisingCheckin(Protocol):
    """A check-in view that also shows the amber advice (effort 9-10) and that everything
    waits for an answer (no answer after two asks): the real `CheckinView` does."""

    def show_amber(self, suggestion: str) -> None:
        ...

    def show_stalled(self, stalled: bool = True) -> None:
        ...


@runtime_checkable
class EmergencyTextPage(Protocol):
    """A safety page that takes the emergency text from Settings as it changes."""

    def set_emergency_text(self, emergency_text: str) -> None:
        ...


@runtime_checkable
class AnnouncingPage(Protocol):
    """A safety page that tells screen readers about the stop once it shows."""

    def announce_stop(self) -> None:
        ...


@runtime_checkable
class HearingPage(Protocol):
    """A safety page that says back the words heard when the stop was spoken."""

    def show_heard(self, heard: str) -> None:
        ...


@runtime_checkable
class ChoosingPage(Protocol):
    """A safety page on which a number key names the symptom."""

    def choose(self, symptom: Symptom) -> None:
        ...
