"""The "Why this helps" page (key L): what the health guidance says, how sure it is, and
where it says so.

Every statement shows its strength label ("Strong evidence", "Promising, preliminary"...)
as words beside it (the colour of the label's frame only repeats the words) and the section
of the guidance it comes from. A screen reader reads each statement as one line: label,
statement, source. Content comes from resources/learn.toml (companion.learn); a file that
cannot be read is shown as its problems, never as a crash.
"""

from __future__ import annotations

import logging

from companion.learn import STRENGTH_LABELS, Section, Statement, Strength
from companion.learn.content import STRENGTH_HELP
from companion.qt.core import Qt, Signal
from companion.qt.gui import QKeyEvent
from companion.qt.widgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from companion.ui.screens.buttons import unwell_button
from companion.ui.widgets.scroll import page_scroll
from companion.ui.widgets.style import apply_font

log = logging.getLogger(__name__)

#: The frame colour of each label (the words are always there: never colour alone).
STRENGTH_COLORS: dict[Strength, str] = {
    Strength.STRONG: "#1b7f3b",
    Strength.SUPPORTED: "#2f6fb5",
    Strength.PROMISING: "#b86e00",
    Strength.UNKNOWN: "#7a7a7a",
    Strength.PROPOSED: "#7b4fb0",
    Strength.EXPERT: "#1f7f86",
    Strength.ADVICE: "#a1001a",
}


def _label(text: str, role: str, parent: QWidget, *, bold: bool = False,
           name: str = "") -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if name and name != text:  # else a screen reader reads the text itself
        label.setAccessibleName(name)
    apply_font(label, role, bold=bold)
    return label


def _chip(strength: Strength, parent: QWidget) -> QLabel:
    chip = QLabel(STRENGTH_LABELS[strength], parent)
    chip.setObjectName("strength")
    chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
    chip.setAccessibleName(f"Strength of the evidence: {STRENGTH_LABELS[strength]}")
    chip.setStyleSheet(f"QLabel#strength {{ border: 2px solid {STRENGTH_COLORS[strength]}; "
                       "border-radius: 6px; padding: 2px 8px; font-weight: bold; }")
    apply_font(chip, "small", bold=True)
    chip.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
    return chip


def _chip_width(strength: Strength) -> int:
    probe = QLabel()  # never shown: only measured
    chip = _chip(strength, probe)
    width = chip.sizeHint().width()
    probe.deleteLater()
    return width


class PageScroller(QScrollArea):
    """A scroll area that also takes Home and End (Qt's scroll areas take arrows and Page
    Up / Page Down only), as the README promises for the "Why this helps" page."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        bar = self.verticalScrollBar()
        if event.key() == Qt.Key.Key_Home:
            bar.setValue(bar.minimum())
        elif event.key() == Qt.Key.Key_End:
            bar.setValue(bar.maximum())
        else:
            super().keyPressEvent(event)


class StatementRow(QFrame):
    """One statement: its label on the left, the words and the source on the right."""

    def __init__(self, statement: Statement, chip_width: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.statement = statement
        self.setAccessibleName(statement.spoken)
        lay = QGridLayout(self)
        lay.setContentsMargins(0, 4, 0, 4)
        lay.setHorizontalSpacing(12)
        self.chip = _chip(statement.strength, self)
        self.chip.setFixedWidth(chip_width)
        self.text = _label(statement.text, "body", self, name=statement.spoken)
        self.source = _label(statement.source, "small", self)
        self.source.setEnabled(True)
        self.source.setStyleSheet("color: palette(placeholder-text);")
        lay.addWidget(self.chip, 0, 0, 2, 1, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.text, 0, 1)
        lay.addWidget(self.source, 1, 1)
        lay.setColumnStretch(1, 1)


class LearnScreen(QWidget):
    """Emits `back_requested()` (Esc / Back) and `unwell_requested()` (the red button, shown
    while a session is just over behind this page)."""

    back_requested = Signal()
    unwell_requested = Signal()

    def __init__(self, emergency_text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Why this helps")
        self.emergency_text = emergency_text
        self.rows: list[StatementRow] = []
        self.section_titles: list[QLabel] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.setSpacing(10)
        top = QHBoxLayout()
        self.title = _label("Why this helps", "title", self, bold=True)
        top.addWidget(self.title, 1)
        self.unwell_button = unwell_button(self, self.unwell_requested.emit)
        self.unwell_button.hide()
        top.addWidget(self.unwell_button, 0, Qt.AlignmentFlag.AlignTop)
        self.back_button = QPushButton("Back  (Esc)", self)
        self.back_button.setAccessibleName("Back")
        apply_font(self.back_button, "button")
        self.back_button.clicked.connect(self.back_requested.emit)
        top.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)

        self.scroller = page_scroll(PageScroller(self))
        self.scroller.setAccessibleName("Why this helps: what the evidence says")
        # the page itself takes the keys: arrows, Page Up / Page Down, Home / End scroll it
        self.scroller.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.body = QWidget(self.scroller)
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 12, 0)
        self.body_layout.setSpacing(8)
        self.scroller.setWidget(self.body)
        outer.addWidget(self.scroller, 1)
        self.setTabOrder(self.scroller, self.back_button)
        self._build()

    # -- content ------------------------------------------------------------------------------
    def _build(self) -> None:
        from companion.learn import LearnFileError, load_learn, page_sections
        from companion.safety.content import ScreeningFileError

        lay = self.body_layout
        try:
            content = load_learn()
        except LearnFileError as exc:
            log.error("the Learn page cannot be shown: %s", exc)
            lay.addWidget(_label("This page cannot be shown: its content file has problems.\n"
                                 + "\n".join(str(p) for p in exc.problems), "body", self.body))
            lay.addStretch(1)
            return
        self.title.setText(content.title)
        self.intro = _label(content.intro, "body", self.body)
        lay.addWidget(self.intro)
        try:
            sections = page_sections(content, self.emergency_text)
        except ScreeningFileError:
            log.exception("the health questions cannot be read for the Learn page")
            sections = [s for s in content.sections if s.include != "screening"]
            sections = page_sections(type(content)(content.title, content.intro,
                                                   content.seeds, tuple(sections)),
                                     self.emergency_text)
        width = max(_chip_width(s) for s in Strength)
        self._legend(width)
        for section in sections:
            self._section(section, width)
        lay.addStretch(1)

    def _legend(self, width: int) -> None:
        box = QFrame(self.body)
        box.setObjectName("caption")
        box.setAccessibleName("What the labels mean")
        grid = QGridLayout(box)
        grid.addWidget(_label("What the labels mean", "body", box, bold=True), 0, 0, 1, 2)
        for i, strength in enumerate(Strength, start=1):
            chip = _chip(strength, box)
            chip.setFixedWidth(width)
            grid.addWidget(chip, i, 0)
            help_text = STRENGTH_HELP[strength]
            grid.addWidget(_label(help_text, "small", box,
                                  name=f"{STRENGTH_LABELS[strength]}: {help_text}"), i, 1)
        grid.setColumnStretch(1, 1)
        self.body_layout.addWidget(box)

    def _section(self, section: Section, width: int) -> None:
        title = _label(section.title, "heading", self.body, bold=True)
        title.setAccessibleName(f"Section: {section.title}")
        self.section_titles.append(title)
        self.body_layout.addSpacing(8)
        self.body_layout.addWidget(title)
        if section.intro:
            self.body_layout.addWidget(_label(section.intro, "body", self.body))
        for statement in section.statements:
            row = StatementRow(statement, width, self.body)
            self.rows.append(row)
            self.body_layout.addWidget(row)

    # -- showing ------------------------------------------------------------------------------
    def show_page(self, *, session_behind: bool = False) -> None:
        """Top of the page, keys to the page; the red button only while a session is just
        over behind it (U works then too)."""
        self.unwell_button.setVisible(session_behind)
        self.scroller.verticalScrollBar().setValue(0)
        self.scroller.setFocus(Qt.FocusReason.OtherFocusReason)

    def texts(self) -> list[str]:
        """Every string the page shows (the claim-word and wording tests read them all)."""
        out: list[str] = []
        for w in self.findChildren(QLabel):
            out += [w.text(), w.accessibleName()]
        for b in self.findChildren(QPushButton):
            out += [b.text(), b.accessibleName()]
        out += [w.accessibleName() for w in self.findChildren(QFrame)]
        return [t for t in out if t]
