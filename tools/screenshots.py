"""Render every screen offscreen to PNGs: `python -m tools.screenshots OUT_DIR`.

A fake clock drives a real engine, so the pictures show real states (mid-set, mid-breath)
without waiting. Each screen is rendered with a light and a dark palette.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from companion.config import Paths
from companion.core.breathing import PATTERNS, VOICED_CYCLES, Phase
from companion.core.clock import FakeClock
from companion.core.events import State
from companion.core.timeline import CueKind
from companion.ui.services.container import AppServices, InMemoryHistory
from companion.ui.shell.window import MainWindow
from companion.ui.widgets.style import app_stylesheet, make_palette
from companion.voice.base import RecordingSpeaker
from tools.safety_screenshots import answerable

log = logging.getLogger(__name__)

SIZE = (1280, 820)



def _pump(app: QApplication) -> None:
    for _ in range(3):
        app.processEvents()


def _save(widget: QWidget, path: Path, app: QApplication) -> None:
    _pump(app)
    widget.grab().save(str(path))
    log.info("wrote %s", path)


class Shooter:
    """One window with a fake clock; helpers to move the session to a given moment."""

    def __init__(self, app: QApplication, data: Path) -> None:
        self.app = app
        self.clock = FakeClock()
        self.history = InMemoryHistory()
        paths = Paths(data).ensure()
        self.services = AppServices(paths=paths, speaker=RecordingSpeaker(),
                                    history=self.history, clock=self.clock)
        args = argparse.Namespace(data_dir=str(data), db=None, routine=None)
        self.window = MainWindow(args, services=self.services)
        self.window.resize(*SIZE)
        self.window.show()
        self.window.load()
        _pump(app)

    @property
    def engine(self):  # type: ignore[no-untyped-def]  # internal helper
        assert self.window.player is not None and self.window.player.session is not None
        return self.window.player.session.engine

    def step(self, seconds: float = 0.1) -> None:
        self.clock.advance(seconds)
        assert self.window.player is not None and self.window.player.driver is not None
        self.window.player.driver.tick()
        self.window.player.refresh()

    def run_until(self, predicate, limit: float = 3600.0) -> None:  # type: ignore[no-untyped-def]
        t = 0.0
        while not predicate() and t < limit:
            self.step(0.1)
            t += 0.1
        if not predicate():
            raise RuntimeError("screenshot state never reached")


def shoot(out: Path, dark: bool) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setPalette(make_palette(dark))
    app.setStyleSheet("")
    app.setStyleSheet(app_stylesheet())
    suffix = "dark" if dark else "light"
    with tempfile.TemporaryDirectory() as tmp:
        s = Shooter(app, Path(tmp))
        w = s.window
        assert w.start_screen is not None and w.player is not None
        # a session earlier this week, so the week shows progress
        w.start_screen.set_week(1, s.services.settings.weekly_goal)
        w.start_screen.set_mood(4)
        _save(w, out / f"start-{suffix}.png", app)
        shoot_no_microphone(w, out / f"start-no-microphone-{suffix}.png", app)
        shoot_profiles(out, suffix, app)
        shoot_learn_and_breathing(s, out, suffix)

        entry = w.start_screen.entry_for("starter")
        assert entry is not None
        w.start_session(entry, 4)
        s.run_until(lambda: s.engine.state is State.WORK and s.engine.reps_done >= 5)
        _save(w, out / f"player-work-{suffix}.png", app)

        s.run_until(lambda: s.engine.state is State.CHECKIN)
        s.step(1.0)
        answerable(w.player.checkin)  # as it looks a moment after the question appears
        _save(w, out / f"player-checkin-{suffix}.png", app)

        driver = w.player.driver
        assert driver is not None
        driver.answer_checkin(True)
        spoken = s.services.speaker

        def mid_in_breath() -> bool:
            said = getattr(spoken, "said", [])
            last = said[-1] if said else None
            return (s.engine.state is State.REST and last is not None
                    and last.kind is CueKind.BREATHE and last.phase is Phase.IN
                    and w.player is not None and w.player.circle.progress() >= 0.6)

        s.run_until(mid_in_breath)
        _save(w, out / f"player-rest-{suffix}.png", app)
        driver.record_effort(4)

        efforts = iter([5, 6, 6, 7, 5, 9, 6, 7, 8])
        while not s.engine.is_over:
            if s.engine.state is State.CHECKIN:
                driver.answer_checkin(True)
                driver.record_effort(next(efforts, 6))
            elif s.engine.state is State.WORK and s.engine.segment is not None \
                    and s.engine.segment.open_ended and s.engine.segment_elapsed() > 40:
                driver.done()
            s.step(0.5)
        _pump(app)
        assert w.end_screen is not None
        w.end_screen.choose_mood(4)
        w.end_screen.note.setPlainText("Legs felt steady today; calmer after the breathing.")
        w.end_screen.note_saved(w.end_screen.note_text())
        _save(w, out / f"end-{suffix}.png", app)

        from companion.ui.screens.settings_dialog import SettingsDialog

        dialog = SettingsDialog(s.services.settings, s.services.speaker, w,
                                voices_dir=Path.home() / ".local/share/companion/voices")
        dialog.fit_content()  # every group (the offscreen screen is small)
        dialog.show()
        _save(dialog, out / f"settings-{suffix}.png", app)
        dialog.close()
        _save_mic_test(w, s.services, out / f"settings-mic-test-{suffix}.png", app)

        _editor_shot(w, out / f"editor-{suffix}.png", app)

        w.show_start()
        w.start_session(entry, None)
        s.run_until(lambda: s.engine.state is State.WORK)
        w.player.report_unwell()
        _pump(app)
        _save(w, out / f"safety-{suffix}.png", app)
        w.player.end()
        w._quitting = True
        w.close()
        w.deleteLater()
        _pump(app)


def shoot_no_microphone(window: MainWindow, path: Path, app: QApplication) -> None:
    """The start screen while voice answers are on but no microphone is found."""
    from companion.ui.screens.voice_banner import VoiceBanner
    from companion.voice.heard import ListenerState, ListenStatus

    banner = window.voice_banner
    assert isinstance(banner, VoiceBanner)
    banner.show_listening(ListenerState(ListenStatus.UNAVAILABLE, "no microphone found"))
    _save(window, path, app)
    banner.show_listening(ListenerState(ListenStatus.OFF, ""))


def shoot_learn_and_breathing(s: Shooter, out: Path, suffix: str) -> None:
    """The Learn page, the breathing choice (4-7-8 with its note) and a breathing session
    in its tone-only part, mid in-breath (issue 20)."""
    w, app = s.window, s.app
    w.open_learn()
    _save(w, out / f"learn-{suffix}.png", app)
    w.close_learn()
    w.open_breathing()
    setup = w.breathe_screen
    assert setup is not None
    setup.select("4-7-8")
    setup.minutes.setValue(3)
    setup.set_mood(3)
    _save(w, out / f"breathe-{suffix}.png", app)
    setup.select("coherent")
    setup.minutes.setValue(5)
    setup.request_start()
    screen = w.breathing_screen
    assert screen is not None and screen.session is not None
    engine = screen.session.engine
    voiced = VOICED_CYCLES * len(PATTERNS["coherent"].steps)

    def mid_toned_in_breath() -> bool:
        said = [c for c in getattr(s.services.speaker, "said", [])
                if c.kind is CueKind.BREATHE]
        return (len(said) > voiced and said[-1].phase is Phase.IN
                and screen.circle.progress() >= 0.6)

    t = 0.0
    while not mid_toned_in_breath():
        s.clock.advance(0.1)
        screen.session.driver.tick()
        screen.refresh()
        t += 0.1
        if t > 600 or engine.is_over:
            raise RuntimeError("screenshot state never reached")
    _save(w, out / f"breathing-{suffix}.png", app)
    screen.end()
    _pump(app)
    w.show_start()


def _editor_shot(w: MainWindow, path: Path, app: QApplication) -> None:
    """The routine editor on a new routine: a short rest warned about, the live preview."""
    w.open_routine_editor()
    editor = w.routine_editor
    assert editor is not None
    editor.resize(1360, 860)
    editor.new_routine()
    editor.name_edit.setText("Evening stretch")
    editor._name_edited("Evening stretch")
    editor.rest_box.setValue(5)
    editor.add_exercise()
    editor.ex_name.setText("Wall push-ups")
    editor.ex_name.textEdited.emit("Wall push-ups")
    editor.ex_cues.setPlainText("Body in one straight line")
    editor.ex_easier.setText("hands higher on the wall")
    editor.ex_easier.textEdited.emit("hands higher on the wall")
    editor.check_now()
    editor.ex_name.setFocus()
    _save(editor, path, app)
    editor.ask_unsaved = lambda: "discard"
    editor.close()


class _StillEar:
    """A microphone that hears nothing by itself (the picture feeds it what was heard)."""

    def open_in_background(self) -> None:
        pass

    def start(self, expecting: object) -> None:
        pass

    def stop(self) -> None:
        pass

    def set_speaking(self, speaking: bool) -> None:
        pass

    def close(self) -> None:
        pass


def _save_mic_test(window: QWidget, services: AppServices, path: Path,
                   app: QApplication) -> None:
    """Settings > Voice > "Test my microphone", mid-test: level, noise and what was heard."""
    from companion.ui.adapters.listening import VoiceInput
    from companion.ui.screens.settings_dialog import SettingsDialog
    from companion.voice.decide import Expecting, Surroundings
    from companion.voice.heard import Heard, ListenerState, ListenStatus

    voice = VoiceInput(True, listener=_StillEar())
    voice.state_changed.emit(ListenerState(ListenStatus.OK, ""))
    dialog = SettingsDialog(services.settings, services.speaker, window, voice_input=voice)
    dialog.fit_content()
    dialog.show()
    dialog.mic_test.button.setChecked(True)
    voice.level.emit(-21.0)
    voice.heard.emit(Heard("all clear", 0.92, Expecting.CHECKIN, margin=1.4,
                           around=Surroundings.quiet()))
    _pump(app)
    _save(dialog, path, app)
    dialog.close()
    voice.deleteLater()


def shoot_profiles(out: Path, suffix: str, app: QApplication) -> None:
    """A household's file (issue 21): Anna's start screen, whose session it is, and
    "Switch profile" with Ben's PIN just refused."""
    from companion.storage import Database
    from companion.storage.profiles import create_profile, rename_profile
    from companion.ui.shell.build import build_services

    with tempfile.TemporaryDirectory() as tmp:
        paths = Paths(Path(tmp)).ensure()
        with Database.open(None, paths=paths) as db, db.engine.begin() as conn:
            rename_profile(conn, db.pid, "Anna")
            create_profile(conn, "Ben", pin="4711")
            create_profile(conn, "Grandpa Joe")
        args = argparse.Namespace(data_dir=tmp, db=None, profile=None, routine=None,
                                  no_first_run=True)
        no_voice = os.environ.get("COMPANION_NO_VOICE")
        os.environ["COMPANION_NO_VOICE"] = "1"  # no microphone for a screenshot
        try:
            services = build_services(args, speaker=RecordingSpeaker())
        finally:
            if no_voice is None:
                del os.environ["COMPANION_NO_VOICE"]
        window = MainWindow(args, services=services)
        window.resize(*SIZE)
        window.show()
        window.load()
        _pump(app)
        _save(window, out / f"start-profile-{suffix}.png", app)
        window.open_profiles()
        _pump(app)
        dialog = window.profile_dialog
        assert dialog is not None
        dialog.list.setCurrentRow(1)
        from companion.ui.screens.profiles import _say

        _say(dialog.status, "That is not the PIN of Ben's profile.")
        _pump(app)
        _save(dialog, out / f"profiles-{suffix}.png", app)
        dialog.reject()
        window._quitting = True
        window.close()
        window.shutdown()
        window.deleteLater()
        _pump(app)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Companion")
    for dark in (False, True):
        shoot(out, dark)
    # the safety screens' own pictures (README "Safety"), so `make screenshots` renders all
    from tools.safety_screenshots import save_safety_screenshots

    app.setPalette(make_palette(False))
    for path in save_safety_screenshots(out):
        log.info("wrote %s", path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
