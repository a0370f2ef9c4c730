"""Build what the screens are given (`AppServices`) for one profile: the history, settings,
voice, voice input and the safety gates. The window calls `build_services` at start-up and
when switching profiles; `companion.ui.shell.app.run_gui` only starts the window.

At start-up the slow half runs off the GUI thread (`start_services`): `prepare` imports
the storage, settings, voice and screen modules and opens the database and the profile's
settings on a worker; `build_services(args, prepared=...)` then makes the Qt objects (the
history's signals, the voice, voice input, the red-flag gate) on the GUI thread. No screen
exists until both are done, so no session can start before the gate can read the
database and the journal.

`COMPANION_TIME_SCALE=N` runs the session clock N times faster and `COMPANION_NO_VOICE=1`
gives captions only (testing aids documented in the README).
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from companion.config import resolve_paths
from companion.ui.shell.options import LaunchOptions

if TYPE_CHECKING:
    from companion.config import Paths
    from companion.qt.core import QObject
    from companion.qt.widgets import QWidget
    from companion.settings import Settings
    from companion.storage.access import Opened
    from companion.ui.adapters.history import DatabaseHistory
    from companion.ui.adapters.listening import VoiceInput
    from companion.ui.services.container import AppServices
    from companion.voice.base import Speaker, VoiceSettings

log = logging.getLogger(__name__)


def make_default_speaker(paths: Paths, settings: VoiceSettings) -> Speaker:
    """The real voice (espeak-ng through QtMultimedia), or captions only if it cannot start.

    `COMPANION_NO_VOICE=1` gives captions only (a testing aid, and a quiet-room choice).
    """
    from companion.voice.base import CaptionsOnlySpeaker, VoiceStatus

    if os.environ.get("COMPANION_NO_VOICE"):
        return CaptionsOnlySpeaker(VoiceStatus.OFF, "Voice is off: prompts show as captions.")
    try:
        from companion.ui.adapters.speech_setup import make_speaker

        return make_speaker(paths, settings)
    except Exception as exc:  # no voice must never mean no session: captions still work
        log.exception("the voice could not start")
        return CaptionsOnlySpeaker(VoiceStatus.NO_ENGINE,
                                   f"The voice could not start ({exc}); prompts show as "
                                   "captions.")


# Imported on the worker by `prepare`, so the GUI thread finds them loaded (about a second
# of imports: SQLAlchemy, pydantic, numpy, QtMultimedia, the screens).
WARM_MODULES = (
    "companion.settings",
    "companion.routines",
    "companion.ui.adapters.history",
    "companion.ui.services.container",
    "companion.ui.shell.gates",
    "companion.ui.adapters.speech",
    "companion.ui.adapters.listening",
    "companion.ui.services.keys",
    "companion.ui.screens.start",
    "companion.ui.screens.player",
    "companion.ui.screens.end",
    "companion.ui.screens.storage_banner",
    "companion.ui.screens.voice_banner",
    "companion.ui.screens.progression_banner",
    "companion.ui.adapters.tray",
    "companion.ui.screens.safety_notice",
    "companion.safety.content",
    "companion.qt.multimedia",
    "multiprocessing.connection",
    "tzlocal",
)

# Imported on a worker once the start screen is up, then the microphone opens (the
# recogniser's process starts off the GUI thread): about 250 ms of imports (numpy among
# them) that the start screen need not wait for. A session started sooner opens it then.
LISTEN_MODULES = (
    "companion.voice.listen",
    "companion.voice.recogniser",
    "companion.voice.sources",
    "sounddevice",
)


# Imported on a worker once the start screen is up: the history window (H) and the safety
# screen (the first red flag), so neither waits for its imports on the GUI thread.
LATER_MODULES = (
    "companion.ui.screens.safety_screen",
    "companion.ui.history.window",
    "companion.ui.history.charts",
    "companion.ui.history.calendar_view",
)


#: how long after the services are made the microphone's imports may begin (ms); never
#: before the start screen is built (see `start_services`)
LATER_DELAY_MS = 150


def _import(names: tuple[str, ...]) -> None:
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # an optional part (voice, tray): the GUI thread says why
            log.debug("could not import %s ahead", name, exc_info=True)


@dataclass
class Prepared:
    """The slow, Qt-free half of a profile's services, made on a worker by `prepare`:
    the data folder, the opened history store (journal and database), and the profile's
    settings with their problems (messages for the start screen)."""

    base: Paths
    opened: Opened
    settings: Settings
    problems: list[str]
    first_read: object = None


def prepare(args: argparse.Namespace | LaunchOptions) -> Prepared:
    """Import the app's modules and open `args.profile`'s history and settings; safe on a
    worker thread (makes no Qt object). Raises ProfileUnavailable / ProfileError as
    `open_history` does; a module that fails to import is left to fail where it is used."""
    _import(WARM_MODULES)
    from companion.settings import load_settings
    from companion.storage.access import open_history_store

    options = LaunchOptions.from_args(args)
    base = resolve_paths(options.data_dir).ensure()
    opened = open_history_store(base, options.db, options.profile)
    settings, problems = load_settings(opened.paths.ensure().settings_file)
    from companion.ui.adapters.history import DatabaseHistory

    return Prepared(base, opened, settings, problems, DatabaseHistory.first_read(opened))


def start_services(args: argparse.Namespace | LaunchOptions, parent: QObject,
                   done: Callable[[AppServices], None],
                   failed: Callable[[Exception], None]) -> None:
    """`prepare(args)` on a worker, then `build_services` on the GUI thread; `done(services)`
    or `failed(exc)` is called there (not at all once `parent` is deleted)."""
    from companion.qt.core import QTimer
    from companion.ui.adapters.operations import QueryOp

    def finish(prepared: Prepared) -> None:
        try:
            services = build_services(args, prepared=prepared)
        except Exception as exc:  # said by `failed`, never a traceback
            failed(exc)
            return

        def listen_later() -> None:
            voice_input = services.voice_input
            if voice_input is not None:  # the microphone, once its modules are loaded
                QueryOp(parent=parent, op=lambda: _import(LISTEN_MODULES),
                        success=lambda _r: voice_input.open_if_not_yet()).run_in_background()

        # the screens in a later turn of the event loop: two shorter pauses, not one long
        QTimer.singleShot(0, parent, lambda: done(services))
        # what the first H and the first red flag open, imported ahead at once (H pressed
        # within a second of the start screen must not wait for these imports)
        QueryOp(parent=parent, op=lambda: _import(LATER_MODULES), success=lambda _r: None
                ).run_in_background()
        # The microphone's imports only once the start screen is up: loading numpy's
        # libraries holds Python's lock for long stretches, which slowed building and
        # painting the start screen. The timer cannot fire during the screens' own turn
        # (queued just above), so it runs after them, at least LATER_DELAY_MS from here.
        QTimer.singleShot(LATER_DELAY_MS, parent, listen_later)

    QueryOp(parent=parent, op=lambda: prepare(args), success=finish).failure(
        failed).run_in_background()


def open_history(paths: Paths, db_url: str | None,
                 profile: str | None = None) -> tuple[DatabaseHistory, list[str]]:
    """A profile's history (`profile` None: the first), always with its journal and
    red-flag gate, whatever the database does.

    A database that cannot be opened (busy, read-only, a server that does not answer, a
    driver missing) does not mean an unguarded history: sessions are kept in the profile's
    journal, the banner says why they are not in the database yet, and the gate asks when
    it cannot tell. There is no in-memory fallback. A profile that can be neither opened
    nor found raises ProfileUnavailable / ProfileError (the window says so and closes).
    """
    from companion.ui.adapters.history import DatabaseHistory

    history = DatabaseHistory.open_profile(paths, db_url, profile)
    return history, history.problems()


def build_services(args: argparse.Namespace | LaunchOptions, *,
                   speaker: Speaker | None = None,
                   voice_input: VoiceInput | None = None,
                   prepared: Prepared | None = None) -> AppServices:
    """Everything the screens use, for `args.profile` (None: the first profile); problems
    are collected for the start screen, never raised, except a profile that cannot be
    opened at all (ProfileUnavailable / ProfileError). `speaker` and `voice_input` are
    reused when switching profiles (each profile's voice settings are applied).
    `prepared`: the history and settings `prepare(args)` opened on a worker (None: opened
    here). Call on the GUI thread."""
    from companion.config import resolve_db_url
    from companion.core.clock import Clock, SystemClock
    from companion.settings import load_settings
    from companion.ui.services.container import AppServices, ScaledClock
    from companion.ui.shell.gates import red_flag_gate_for

    options = LaunchOptions.from_args(args)
    if prepared is None:
        base = resolve_paths(options.data_dir).ensure()
        history, history_problems = open_history(base, options.db, options.profile)
        paths = (history.paths or base).ensure()  # the profile's own folder
        settings, problems = load_settings(paths.settings_file)
    else:
        from companion.ui.adapters.history import DatabaseHistory

        history = DatabaseHistory.from_opened(prepared.opened, first_read=prepared.first_read)
        history_problems = history.problems()
        paths = prepared.opened.paths
        settings, problems = prepared.settings, list(prepared.problems)
    if speaker is None:
        speaker = make_default_speaker(paths, settings.voice_settings())
    else:
        try:
            speaker.apply(settings.voice_settings())
        except Exception:  # a voice that refuses a setting must not stop the switch
            log.exception("the voice did not take this profile's settings")
    clock: Clock = SystemClock()
    scale = os.environ.get("COMPANION_TIME_SCALE", "")
    if scale:
        try:
            clock = ScaledClock(float(scale))
        except ValueError:
            log.warning("ignored COMPANION_TIME_SCALE=%r (not a number)", scale)
    problems += history_problems
    services = AppServices(
        paths=paths,
        settings=settings,
        speaker=speaker,
        history=history,
        clock=clock,
        db_url=resolve_db_url(paths, options.db),
        problems=list(problems),
    )
    services.session_gate = red_flag_gate_for(
        history, lambda: services.settings.emergency_text)
    services.first_run = lambda parent: _first_run(parent, services)
    services.refresh_profile()
    if voice_input is None:  # at start-up `start_services` opens it once the screen is up
        voice_input = make_voice_input(settings.voice_input, speaker,
                                       open_now=prepared is None)
    else:
        voice_input.set_enabled(settings.voice_input)
    services.voice_input = voice_input
    return services


def make_voice_input(enabled: bool, speaker: Speaker,
                     open_now: bool = True) -> VoiceInput | None:
    """Voice commands, opened off the GUI thread (`open_now` False: by the caller, later);
    None if even that cannot be set up."""
    if os.environ.get("COMPANION_NO_VOICE"):  # the captions-only testing aid: no mic either
        return None
    try:
        from companion.ui.adapters.listening import VoiceInput

        voice_input = VoiceInput(enabled)
        voice_input.connect_speaker(speaker)
        if open_now:
            voice_input.open()
        return voice_input
    except Exception:  # voice commands are optional; keys and buttons always work
        log.exception("voice input could not be set up")
        return None


def _first_run(parent: QWidget | None, services: AppServices) -> None:
    from companion.ui.shell.gates import start_first_run

    if parent is not None:
        start_first_run(parent, services)
