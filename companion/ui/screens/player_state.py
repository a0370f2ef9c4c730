"""What every part of the session player holds (see player.py): set by its __init__."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from companion.core.timeline import SessionPlan
from companion.ui.screens.breathing_circle import BreathingCircle
from companion.ui.screens.player_widgets import (
    BigTimer,
    SessionProgress,
)
from companion.ui.services.container import AppServices
from companion.ui.services.session import Session
from companion.ui.widgets.elided import ElidedLabel


class PlayerState(QWidget):
    """What every part of the player holds (set by PlayerScreen.__init__)."""

    session_started = Signal(object)
    session_over = Signal(object)
    end_requested = Signal()
    red_flag_raised = Signal()
    fullscreen_requested = Signal()

    session: Session | None
    _preparing: object | None
    _pending: tuple[Any, int | None, object] | None
    _progress_source: object
    checkin: Any
    _router: Any
    services: AppServices
    _warm: bool
    _prepare_timer: QTimer
    _answered_checkin: bool
    _over_sent: bool
    state_label: QLabel
    exercise_label: ElidedLabel
    counter_label: ElidedLabel
    unwell_button: QPushButton
    center: QWidget
    timer_caption: QLabel
    timer: BigTimer
    reps_label: QLabel
    side: QStackedWidget
    circle: BreathingCircle
    checkin_area: QScrollArea
    _outer: QVBoxLayout
    _show_amber: Any
    _show_stalled: Any
    next_label: ElidedLabel
    caption: QLabel
    mic_label: QLabel
    progress: SessionProgress
    pause_button: QPushButton
    skip_button: QPushButton
    repeat_button: QPushButton
    rest_button: QPushButton
    done_button: QPushButton
    end_button: QPushButton
    full_button: QPushButton
    _refresh: QTimer

    # -- what one part calls on another (declared here, defined in the part named) ------
    _begin: Callable[[Any, int | None, SessionPlan | None, object | None], Session | None]
    _sync_checkin: Callable[[], None]  # player_view
    @property
    def active(self) -> bool:  # player
        raise NotImplementedError

    cancel_preparing: Callable[[], bool]  # player
    @property
    def driver(self) -> Any:  # player
        raise NotImplementedError
