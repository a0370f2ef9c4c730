"""The app keeps a log file where the storage banner's "see the log" points."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from companion.ui.shell.app import keep_log


def test_warnings_go_to_the_data_folders_log_once_and_a_blocked_folder_is_no_error(
    tmp_path: Path,
) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    path = tmp_path / "data" / "companion.log"
    try:
        keep_log(path)
        keep_log(path)  # a second window or run in one process: still one handler
        added = [h for h in root.handlers if h not in before]
        assert len(added) == 1 and isinstance(added[0], RotatingFileHandler)
        logging.getLogger("companion.test").warning("the history could not be saved")
        logging.getLogger("companion.test").debug("not this")
        added[0].flush()
        text = path.read_text(encoding="utf-8")
        assert "the history could not be saved" in text and "not this" not in text
        blocked = tmp_path / "file"
        blocked.write_text("not a folder")
        keep_log(blocked / "companion.log")  # cannot be created: stderr only, no error
        assert [h for h in root.handlers if h not in before] == added
    finally:
        for h in root.handlers[:]:
            if h not in before:
                root.removeHandler(h)
                h.close()
