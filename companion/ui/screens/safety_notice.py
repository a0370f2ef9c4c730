"""The one-time "Companion is not a medical device" notice (text: resources/notice.txt)."""

from __future__ import annotations

from companion.qt.core import Qt
from companion.qt.gui import QResizeEvent, QShowEvent
from companion.qt.widgets import QDialog, QLabel, QVBoxLayout, QWidget
from companion.safety.content import load_notice
from companion.ui.widgets.safety_style import apply_style, make_button, make_label


class NoticeDialog(QDialog):
    """Plain paragraphs and one button; the caller stores that it was shown."""

    def __init__(self, parent: QWidget | None = None, text: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Companion is not a medical device")
        self.setAccessibleName("Companion is not a medical device")
        self.setModal(True)
        apply_style(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(32, 24, 32, 24)
        lay.setSpacing(12)
        paragraphs = (text if text is not None else load_notice()).split("\n\n")
        lay.addWidget(make_label(paragraphs[0], "heading", self, bold=True))
        for para in paragraphs[1:]:
            lay.addWidget(make_label(para, "body", self))
        self.ok_button = make_button("I understand  (Enter)", "I understand", self,
                                     kind="primary")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.accept)
        lay.addWidget(self.ok_button, 0, Qt.AlignmentFlag.AlignRight)
        self.ok_button.setFocus()
        self.setMinimumWidth(640)
        self.resize(760, self.height())

    def _fit(self) -> None:
        """Never shorter than the paragraphs at this width: a wrapped label does not ask a
        dialog for its height at a given width, so without a window manager (or on a small
        screen) the dialog came up short and the paragraphs overlapped (seen by a tester
        under Xvfb). Each paragraph is given the height it needs at the dialog's width."""
        lay = self.layout()
        if lay is None:
            return
        margins = lay.contentsMargins()
        width = max(1, self.width() - margins.left() - margins.right())
        for label in self.findChildren(QLabel):
            if label.wordWrap():
                label.setMinimumHeight(label.heightForWidth(width))
        needed = lay.minimumSize().height()
        if self.height() < needed:
            self.resize(self.width(), needed)

    def showEvent(self, event: QShowEvent) -> None:
        self._fit()
        super().showEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()
