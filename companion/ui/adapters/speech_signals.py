"""The real speaker's Qt signals (`SpeakerSignals`), and `SignallingSpeaker`: a speaker that
has them (`companion.ui.adapters.speech.QtSpeaker`), for the views and the microphone that
follow it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PySide6.QtCore import QObject, Signal


class SpeakerSignals(QObject):
    """Queued hand-offs to the GUI thread, plus notifications for views and the bench."""

    rendered = Signal(int, object, str)  # token, path or None, error (from the synth worker)
    prepared = Signal(int, object)  # token, SessionPlan (from the prepare thread)
    prepare_progress = Signal(int, int, int)  # token, rendered, to render (prepare thread)
    preparing = Signal(int, int)  # prompts rendered so far, to render: for the player
    engine_changed = Signal()  # the engine speaking changed or a notice came (any thread)
    sample_rendered = Signal(int, object, str, float)  # token, path or None, error, volume
    started = Signal(object, float)  # Cue whose speech started playing, seconds since say()
    idle = Signal()  # nothing playing and nothing queued


@runtime_checkable
class SignallingSpeaker(Protocol):
    """A speaker with `SpeakerSignals`: `started(cue, seconds)` and `idle()` (the microphone
    hears nothing while the app speaks), `preparing(done, total)` (prompts rendered)."""

    @property
    def signals(self) -> SpeakerSignals:
        ...
