"""The real speaker's Qt signals (`SpeakerSignals`), and `RenderingSpeaker`: what such a
speaker (`companion.ui.adapters.speech.QtSpeaker`) offers beyond the `Speaker` protocol, for
the window, the player and the microphone that use it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from companion.qt.core import QObject, Signal

if TYPE_CHECKING:
    from companion.core.routine import Routine
    from companion.core.timeline import SessionPlan, TimelineOptions


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
class RenderingSpeaker(Protocol):
    """A speaker that renders speech to files ahead and plays them (`QtSpeaker`), beyond the
    `companion.voice.base.Speaker` protocol: its `signals` (`started(cue, seconds)` and
    `idle()`: the microphone hears nothing while the app speaks; `preparing(done, total)`),
    `warm` (render a routine's prompts when it is selected), `prepare` (compile the plan with
    real speech lengths, then `done(plan)` on the GUI thread) and `close` (at exit)."""

    @property
    def signals(self) -> SpeakerSignals: ...

    def warm(self, routine: Routine, options: TimelineOptions | None) -> None: ...

    def prepare(self, routine: Routine, options: TimelineOptions | None,
                done: Callable[[SessionPlan], None]) -> None: ...

    def close(self) -> None: ...
