"""Render the safety screens offscreen to PNGs (docs/screenshots/), for the README and review.

`python -m tools.safety_screenshots docs/screenshots`; the desktop screenshot script can
call `save_safety_screenshots(folder)` as well.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from companion.core.safety import Answer
from companion.core.timeline import CHECKIN_QUESTION
from companion.ui.screens.checkin_view import CheckinView
from companion.ui.screens.safety_screen import SafetyScreen
from companion.ui.screens.screening_wizard import ScreeningWizard

SIZE = (1100, 760)



def answerable(checkin: CheckinView) -> None:
    """Wait (real time) until the check-in takes an answer, so "All clear" is drawn enabled
    as a person sees it a moment after the question appears (not greyed as in its first
    0.6 s)."""
    deadline = time.monotonic() + 5.0
    while not checkin.all_clear_allowed() and time.monotonic() < deadline:
        time.sleep(0.05)
    checkin._guard_over()

def _save(widget: QWidget, path: Path) -> Path:
    widget.resize(*SIZE)
    widget.show()
    QApplication.processEvents()
    widget.grab().save(str(path))
    return path


def save_safety_screenshots(folder: Path) -> list[Path]:
    """checkin.png (a stalled check-in), safety.png, screening.png, screening-result.png."""
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    checkin = CheckinView()
    checkin.ask(CHECKIN_QUESTION)
    answerable(checkin)  # as it looks a moment after the question appears
    checkin.show_stalled()
    out.append(_save(checkin, folder / "checkin.png"))
    checkin.ask_effort()
    checkin.handle_key(Qt.Key.Key_9)  # an amber effort
    checkin.show_amber("That was very hard. Take an extra 30 seconds. "
                       "Next time, try squats to a chair instead.")
    out.append(_save(checkin, folder / "checkin-effort.png"))
    safety = SafetyScreen("your local emergency number")
    safety.show_stop(None)
    out.append(_save(safety, folder / "safety.png"))
    wizard = ScreeningWizard()
    wizard.begin()
    out.append(_save(wizard, folder / "screening.png"))
    chosen = {"heart": Answer.NOT_SURE, "pregnancy": Answer.YES, "beta_blockers": Answer.YES}
    while wizard.step[0] != "result":
        kind, qid = wizard.step
        if kind == "follow_up":
            wizard.handle_key(Qt.Key.Key_2)  # second trimester
        else:
            wizard.answer(chosen.get(qid, Answer.NO))
    out.append(_save(wizard, folder / "screening-result.png"))
    for widget in (checkin, safety, wizard):
        widget.close()
        widget.deleteLater()
    return out


def main(argv: list[str]) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    folder = Path(argv[0] if argv else "docs/screenshots")
    for path in save_safety_screenshots(folder):
        print(f"wrote {path}")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
