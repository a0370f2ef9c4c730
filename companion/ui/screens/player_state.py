"""What every part of the session player holds (see player.py): set by its __init__."""

from __future__ import annotations

from typing import Any

from companion.core.routine import Routine
from companion.qt.widgets import (
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from companion.ui.screens.player_widgets import BigTimer, SessionProgress
from companion.ui.screens.session_page import SessionPage
from companion.ui.widgets.elided import ElidedLabel


class PlayerState(SessionPage[Routine]):
    """What every part of the player holds (set by PlayerScreen.__init__) beyond what every
    session page has (`SessionPage`)."""

    _progress_source: object
    checkin: Any
    _warm: bool
    _answered_checkin: bool
    exercise_label: ElidedLabel
    counter_label: ElidedLabel
    center: QWidget
    timer_caption: QLabel
    timer: BigTimer
    reps_label: QLabel
    side: QStackedWidget
    checkin_area: QScrollArea
    _outer: QVBoxLayout
    next_label: ElidedLabel
    progress: SessionProgress
    skip_button: QPushButton
    repeat_button: QPushButton
    rest_button: QPushButton
    done_button: QPushButton
    end_button: QPushButton
    full_button: QPushButton

    # -- what one part calls on another (declared here, defined in the part named) ------
    def _sync_checkin(self) -> None:  # player_view
        raise NotImplementedError
