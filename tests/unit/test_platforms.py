"""The Windows and macOS paths, run on every CI run with the platform faked: which speech
driver, how the helper starts (also in a frozen build), the GUI entry point without a
console, the recogniser's processes in a frozen build, and the menu entry elsewhere."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from companion import cli, desktop
from companion.voice import helper_process
from companion.voice.helper_process import default_driver, helper_command
from companion.voice.synth import Synthesizer


@pytest.mark.parametrize(
    ("platform_name", "driver"),
    [("win32", "sapi5"), ("darwin", "nsss"), ("linux", "espeak"), ("freebsd14", "espeak")],
)
def test_each_platform_gets_its_own_speech_driver(
    monkeypatch: pytest.MonkeyPatch, platform_name: str, driver: str
) -> None:
    assert default_driver(platform_name) == driver
    monkeypatch.setattr(sys, "platform", platform_name)
    synth = Synthesizer(Path("/nonexistent"))
    assert synth.engine_driver == driver
    assert synth._command[-1] == driver
    # ...and it is the driver pyttsx3 itself would pick first on that platform
    from pyttsx3 import engine

    assert engine.default_engine_by_sys_platform() == driver


def test_a_chosen_driver_wins_over_the_platforms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert Synthesizer(Path("/nonexistent"), driver="espeak").engine_driver == "espeak"


def test_the_helper_starts_as_a_module_not_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(sys, "frozen", raising=False)
    assert helper_command("sapi5", executable="C:\\venv\\Scripts\\pythonw.exe") == [
        "C:\\venv\\Scripts\\pythonw.exe", "-m", "companion.voice._tts_helper", "sapi5"]
    assert helper_command("nsss")[:3] == [sys.executable, "-m", "companion.voice._tts_helper"]
    assert not any(part.endswith(".py") for part in helper_command("espeak"))


def test_a_frozen_build_runs_its_own_executable_as_the_helper(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "C:\\Program Files\\Companion\\Companion.exe")
    assert helper_command("sapi5") == [
        "C:\\Program Files\\Companion\\Companion.exe", "--tts-helper", "sapi5"]


def test_a_frozen_builds_menu_entry_runs_its_executable() -> None:
    assert desktop.launch_command("/opt/Companion/companion", frozen=True) == [
        "/opt/Companion/companion"]
    assert desktop.launch_command("/venv/bin/python", frozen=False) == [
        "/venv/bin/python", "-m", "companion"]


def test_the_helper_finds_the_package_from_any_folder(tmp_path: Path) -> None:
    """`python /path/to/main.py` from another folder: the helper still imports."""
    env = helper_process.helper_env({"PATH": os.environ.get("PATH", ""),
                                     "PYTHONPATH": "/elsewhere"})
    root = str(Path(helper_process.__file__).resolve().parents[2])
    assert env["PYTHONPATH"].split(os.pathsep) == [root, "/elsewhere"]
    assert helper_process.helper_env(env)["PYTHONPATH"] == env["PYTHONPATH"]  # not added twice


def _hello(command: list[str], cwd: Path) -> dict[str, object]:
    proc = subprocess.run(command, input=json.dumps({"cmd": "quit"}) + "\n",
                          capture_output=True, text=True, timeout=60, cwd=cwd,
                          env=helper_process.helper_env())
    return dict(json.loads(proc.stdout.splitlines()[0]))


@pytest.mark.parametrize("frozen", [False, True], ids=["module", "frozen-flag"])
def test_both_helper_commands_answer_the_protocol(tmp_path: Path, frozen: bool) -> None:
    """The real helper, started both ways (the frozen way through the CLI entry point, as
    the frozen executable would run it), from a folder with no package in it."""
    if frozen:
        command = [sys.executable, "-m", "companion", "--tts-helper", "espeak"]
    else:
        command = helper_command("espeak", frozen=False)
    hello = _hello(command, tmp_path)
    assert hello == {"ok": True, "ready": True, "driver": "espeak"}


def test_a_platforms_driver_missing_here_is_no_engine_with_a_fix(tmp_path: Path) -> None:
    """The macOS driver on this Linux machine: its import fails, and the app says so."""
    synth = Synthesizer(tmp_path, driver="nsss")
    try:
        state = synth.start()
    finally:
        synth.close()
    assert state.status.value == "no_engine"
    assert "No speech engine could start" in state.message and state.fix


def test_the_cli_answers_a_frozen_builds_multiprocessing_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(multiprocessing, "freeze_support", lambda: calls.append("freeze"))
    assert cli.main(["routines", "list"]) == 0
    assert calls == ["freeze"]


def test_the_recogniser_child_is_spawned_and_the_entry_points_are_guarded() -> None:
    """Spawned children re-import the main module: every entry module must be guarded so a
    child never starts a second app (and a frozen build reaches freeze_support)."""
    root = Path(cli.__file__).resolve().parents[1]
    for module in (root / "main.py", root / "companion" / "__main__.py"):
        assert 'if __name__ == "__main__":' in module.read_text(encoding="utf-8"), module
    recogniser = (root / "companion" / "voice" / "recogniser.py").read_text(encoding="utf-8")
    assert 'mp.get_context("spawn")' in recogniser


def test_the_gui_script_runs_without_a_console(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`companion-gui` under Windows' pythonw has no stdout or stderr: nothing may fail on
    them, and errors go to a log file."""
    log_file = tmp_path / "logs" / "companion.log"
    monkeypatch.setattr(cli, "gui_log_file", lambda: log_file)
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocked))
    try:
        assert cli.gui_main(["--install-desktop-entry"]) == 1  # prints, then fails
        assert cli.gui_main(["routines", "list"]) == 0
    finally:
        out, err = sys.stdout, sys.stderr
        for stream in (out, err):
            if stream is not None:
                stream.close()
    assert out is not None and err is not None
    assert "companion: could not install the menu entry" in log_file.read_text(
        encoding="utf-8")


def test_the_gui_script_leaves_a_console_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    assert cli.gui_main(["routines", "list"]) == 0
    assert sys.stdout is out and sys.stderr is err and "starter" in out.getvalue()


@pytest.mark.parametrize(("platform_name", "words"),
                         [("win32", "Pin to Start"), ("darwin", "Keep in Dock")])
def test_the_menu_entry_command_says_what_to_do_on_other_desktops(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    platform_name: str, words: str,
) -> None:
    monkeypatch.setattr(sys, "platform", platform_name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    for flag in ("--install-desktop-entry", "--uninstall-desktop-entry"):
        assert cli.main([flag]) == 1
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing written on a desktop that cannot use it
    with pytest.raises(desktop.DesktopEntryError):
        desktop.install_entry(tmp_path, platform_name=platform_name)
