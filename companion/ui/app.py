"""Start the GUI: show the window first, then load routines and the rest (fast first paint)."""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QListWidget, QMainWindow, QVBoxLayout, QWidget

from companion.config import resolve_paths
from companion.routines import RoutineLibrary


class MainWindow(QMainWindow):
    """Placeholder shell until the desktop issue lands: lists routines."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__()
        self.setWindowTitle("Companion")
        self.resize(900, 640)
        self._args = args
        body = QWidget(self)
        layout = QVBoxLayout(body)
        self.title = QLabel("Companion", body)
        self.title.setAccessibleName("Companion")
        self.routines = QListWidget(body)
        self.routines.setAccessibleName("Routines")
        layout.addWidget(self.title)
        layout.addWidget(self.routines)
        self.setCentralWidget(body)

    def load(self) -> None:
        paths = resolve_paths(self._args.data_dir).ensure()
        for entry in RoutineLibrary(paths.routines_dir).entries():
            label = entry.name if entry.routine else f"{entry.name} (has problems)"
            self.routines.addItem(f"{label}  [{entry.id}]")


def run_gui(args: argparse.Namespace) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Companion")
    window = MainWindow(args)
    window.show()
    QTimer.singleShot(0, window.load)
    return app.exec()
