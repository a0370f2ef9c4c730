"""The start screen's progression suggestion: one small step, the user decides.

Usage on the start screen (hidden when there is nothing to suggest)::

    banner = ProgressionBanner(paths)
    banner.accepted.connect(lambda path: reload_routines())   # the user copy now shadows
    layout.addWidget(banner)
    banner.show_for(db, entry.routine, entry.alternatives)    # on start and after a session
"""

from __future__ import annotations

import logging
from pathlib import Path

from companion import progression_step as progression_data
from companion.config import Paths
from companion.core.progression import Suggestion
from companion.core.routine import Exercise, Routine
from companion.qt.core import Qt, Signal
from companion.qt.widgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget
from companion.storage.database import Database

log = logging.getLogger(__name__)


class ProgressionBanner(QFrame):
    """Text + Accept / Not now. Accept writes the user's copy of the routine
    (`<routines_dir>/<id>.toml`; the built-in file stays untouched); "Not now" remembers the
    dismissal of this very suggestion so it does not come back."""

    accepted = Signal(object)  # Path of the user copy written
    dismissed = Signal()

    def __init__(self, paths: Paths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.routine: Routine | None = None
        self.suggestion: Suggestion | None = None
        self.alternatives: dict[str, Exercise] | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Progression suggestion")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.accept_button = QPushButton("&Take the step")
        self.accept_button.setAccessibleName("Accept the suggested step")
        self.dismiss_button = QPushButton("&Not now")
        self.dismiss_button.setAccessibleName("Dismiss the suggestion")
        self.accept_button.clicked.connect(self.accept)
        self.dismiss_button.clicked.connect(self.dismiss)
        row = QHBoxLayout(self)
        row.addWidget(self.label, 1)
        row.addWidget(self.accept_button)
        row.addWidget(self.dismiss_button)
        self.hide()

    def show_for(self, db: Database, routine: Routine,
                 alternatives: dict[str, Exercise] | None = None) -> bool:
        """Show today's suggestion for `routine` if there is one; returns whether shown."""
        self.set_suggestion(routine, progression_data.current_suggestion(db, routine,
                                                                         self.paths),
                            alternatives)
        return self.suggestion is not None

    def set_suggestion(self, routine: Routine, suggestion: Suggestion | None,
                       alternatives: dict[str, Exercise] | None = None) -> None:
        self.routine, self.suggestion, self.alternatives = routine, suggestion, alternatives
        if suggestion is None:
            self.hide()
            return
        self.label.setText(suggestion.text)
        self.setAccessibleDescription(suggestion.text)
        self.accept_button.setEnabled(True)
        self.show()

    def accept(self) -> Path | None:
        if self.routine is None or self.suggestion is None:
            return None
        try:
            path = progression_data.accept(self.paths, self.routine, self.suggestion,
                                           self.alternatives)
        except OSError as exc:
            log.warning("could not save the routine copy: %s", exc)
            self.label.setText(f"Could not save your copy of the routine: {exc.strerror}")
            return None
        self.label.setText(f"Done: {self.suggestion.exercise} is now "
                           f"{self.suggestion.new:g} "
                           f"{'reps' if self.suggestion.field == 'reps' else 'seconds'} "
                           "in your copy of the routine.")
        self.accept_button.setEnabled(False)
        self.suggestion = None
        self.hide()
        self.accepted.emit(path)
        return path

    def dismiss(self) -> None:
        if self.suggestion is not None:
            try:
                progression_data.dismiss(self.paths, self.suggestion)
            except OSError as exc:  # not remembered: it may come back, no harm
                log.warning("could not remember the dismissal: %s", exc)
        self.suggestion = None
        self.hide()
        self.dismissed.emit()
