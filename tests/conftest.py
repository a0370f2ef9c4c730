"""Shared fixtures. Qt runs offscreen; no test may touch the user's real data dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# FFmpeg's per-file "Input #0 ..." chatter from QtMultimedia would bury the test output
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.ffmpeg*=false")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data dir and no database URL from the environment."""
    data = tmp_path / "data"
    monkeypatch.setenv("COMPANION_DATA_DIR", str(data))
    monkeypatch.delenv("COMPANION_DB_URL", raising=False)
    return data
