"""Is the process that records a session still running? The same answer on every platform.

Issue 14: on Windows every live session was marked interrupted by any `companion history`
run, because liveness came from `os.kill(pid, 0)`, which cannot be used there and so always
said "dead". It now comes from psutil.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from companion.core.events import SessionStarted
from companion.storage import Database
from companion.storage.liveness import mark_interrupted
from companion.storage.models import SessionRow
from tests.unit.storage.sessions import tiny_routine


@pytest.mark.parametrize("platform", ["win32", "darwin", "linux"])
def test_a_live_session_is_never_marked_interrupted_on_any_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, platform: str
) -> None:
    with Database.open(f"sqlite:///{tmp_path / 'h.sqlite3'}") as db:
        routine = tiny_routine()
        db.recorder(routine)(SessionStarted(0.0, routine.id, routine.name, 4))  # this process
        monkeypatch.setattr(sys, "platform", platform)
        assert mark_interrupted(db.engine) == 0  # e.g. `companion history` during a workout
        assert db.history()[0].status == "in_progress"
        # a dead recorder is still found out
        with db.session() as s:
            s.execute(update(SessionRow).values(pid=2**22 + 12345))
        assert mark_interrupted(db.engine) == 1


def test_a_later_process_reusing_the_pid_is_not_taken_for_the_recorder(tmp_path: Path) -> None:
    from companion.storage.liveness import pid_alive

    assert pid_alive(os.getpid())
    assert not pid_alive(2**22 + 12345)
    with Database.open(f"sqlite:///{tmp_path / 'h.sqlite3'}") as db:
        routine = tiny_routine()
        db.recorder(routine)(SessionStarted(0.0, routine.id, routine.name, 4))
        with db.session() as s:  # same pid, but a process that started long ago
            s.execute(update(SessionRow).values(pid=os.getpid(), pid_started=1.0))
        assert mark_interrupted(db.engine) == 1
