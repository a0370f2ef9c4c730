"""The real app as a subprocess, offscreen, on a short routine, played by the key-pressing
harness (tests/harness/autoplay.py: real key events through the app's dispatcher) at a
sped-up clock (COMPANION_TIME_SCALE)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.routine_files import squats_and_plank

ROOT = Path(__file__).resolve().parents[2]

TINY = squats_and_plank("E2E tiny", "e2e-tiny", rest_seconds=8, plank_seconds=5)


def _env(data: Path, scale: str, voice: bool | str = False) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", COMPANION_TIME_SCALE=scale,
               COMPANION_DATA_DIR=str(data), PYTHONPATH=str(ROOT))
    env.pop("COMPANION_NO_VOICE", None)
    if not voice:
        env["COMPANION_NO_VOICE"] = "1"
    env.pop("COMPANION_EXIT_WHEN_SHOWN", None)
    return env


def _launch(tmp_path: Path, scale: str, voice: bool | str = False,
            script: str | None = None) -> subprocess.Popen[str]:
    """The app played by tests.harness.autoplay (`script`: its default, all clear, or
    another) at `scale` times real time on the tiny routine, data in tmp_path/data.
    `voice`: False (captions only), True (the default engine: the natural voice, which
    the test extras install), or an engine name written to the settings first."""
    routine = tmp_path / "tiny.toml"
    routine.write_text(TINY, encoding="utf-8")
    if isinstance(voice, str):
        (tmp_path / "data").mkdir(parents=True, exist_ok=True)
        (tmp_path / "data" / "settings.json").write_text(f'{{"engine": "{voice}"}}',
                                                           encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "tests.harness.autoplay", "--exit-when-done",
         "--routine", str(routine), *(["--script", script] if script else [])],
        env=_env(tmp_path / "data", scale, voice), cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def _play(tmp_path: Path, scale: str, voice: bool | str = False, script: str | None = None,
          timeout: float = 120) -> tuple[int, str]:
    """`_launch`, then wait for the app to exit by itself: (exit status, its stderr), with
    no traceback in it. The app never keeps running after a failure."""
    proc = _launch(tmp_path, scale, voice, script)
    try:
        _out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert "Traceback" not in err, err
    return proc.returncode, err


def _history(tmp_path: Path) -> list[dict[str, Any]]:
    """`companion history --json` on the played data folder."""
    history = subprocess.run(
        [sys.executable, "-m", "companion", "history", "--json"],
        env=_env(tmp_path / "data", "1"), cwd=ROOT, text=True, capture_output=True, timeout=60,
    )
    assert history.returncode == 0, history.stderr
    sessions: list[dict[str, Any]] = json.loads(history.stdout)
    return sessions


# With the real voice at 40x, tones and speech restart every few tens of ms: this once
# deadlocked QtMultimedia against the GIL (see speech.py QueuedPlayer), so it stays covered.
# "natural-voice": a fresh data folder with the default settings, so the natural voice
# (Piper) speaks and the first session renders its prompts before it starts.
@pytest.mark.parametrize("voice", [False, "system", pytest.param(True, marks=pytest.mark.slow)],
                         ids=["captions", "voice", "natural-voice"])
def test_app_plays_a_short_routine_to_the_end_and_exits_cleanly(
    tmp_path: Path, voice: bool | str
) -> None:
    code, err = _play(tmp_path, "40", voice, timeout=300 if voice is True else 120)
    assert code == 0, err
    if voice is True:  # the natural voice spoke: its files are in the cache, no fallback
        assert "system voice speaks" not in err
        assert "speech helper ready (driver piper)" in err or \
            len(list((tmp_path / "data" / "cache" / "speech").glob("*.wav"))) > 10
    sessions = _history(tmp_path)
    assert len(sessions) == 1
    row = sessions[0]
    assert (row["routine"], row["status"], len(row["sets"])) == ("e2e-tiny", "completed", 2)
    assert [s["effort"] for s in row["sets"]] == [5, 5]


def _wait_for_server(data: Path, timeout: float = 30.0) -> None:
    """The first instance is up once its local socket exists (in the runtime folder)."""
    from companion.ui.adapters.single import socket_path

    name = socket_path(data)
    assert name is not None
    path = Path(name)
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, "first instance never started listening"
        time.sleep(0.05)


def test_a_second_launch_hands_over_and_exits_at_once(tmp_path: Path) -> None:
    first = _launch(tmp_path, "2")
    try:
        _wait_for_server((tmp_path / "data").resolve())
        second = subprocess.run(
            [sys.executable, "-m", "companion", "--routine", "starter"],
            env=_env(tmp_path / "data", "1"), cwd=ROOT, text=True,
            capture_output=True, timeout=60,
        )
        assert second.returncode == 0, second.stderr
        assert first.poll() is None, "the first instance keeps running"
    finally:
        first.kill()
        first.communicate(timeout=30)


def test_yes_at_the_first_checkin_stops_the_session_and_history_shows_the_symptom(
    tmp_path: Path,
) -> None:
    code, err = _play(tmp_path, "20", script="red-flag")
    assert code == 3, err  # 3: the session did not complete
    (row,) = _history(tmp_path)
    assert row["status"] == "stopped_red_flag"
    assert row["red_flags"] == ["chest_pain"]
    assert [s["exercise"] for s in row["sets"]] == ["Squats"]  # the set before the check-in
    assert row["ended_at"] is not None


def test_u_in_the_end_question_stops_for_a_red_flag_and_the_next_start_asks(
    tmp_path: Path,
) -> None:
    """Esc during the first set, then U while "End the session?" is open: the dialog closes,
    the session is stopped for a red flag (on disk), and the safety screen shows."""
    code, err = _play(tmp_path, "4", script="unwell-in-end-question")
    assert code == 3, err  # 3: ended on the safety screen
    (row,) = _history(tmp_path)
    assert row["status"] == "stopped_red_flag"
    assert row["red_flags"] == ["unspecified"]
    from companion.storage import Database

    db = Database.open(f"sqlite:///{tmp_path / 'data' / 'companion.sqlite3'}")
    try:
        assert db.pending_red_flag_ack() is not None  # the next session asks first
    finally:
        db.close()


def test_the_installed_command_has_no_option_that_answers_for_the_user() -> None:
    from companion.cli import build_parser

    parser = build_parser()
    options = {o for action in parser._actions for o in action.option_strings}
    assert not {o for o in options if "autoplay" in o or "answer" in o}
    with pytest.raises(SystemExit):
        parser.parse_args(["--autoplay"])
