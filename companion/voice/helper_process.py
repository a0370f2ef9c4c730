"""The system speech engine's helper process, from the app's side: which pyttsx3 driver this
platform uses (`default_driver`), how to start the helper (`helper_command`, `helper_env`),
the fix when no engine works (`install_hint`), the errors a synthesizer raises, and the pipe
to one running helper (`HelperProcess`: requests with a timeout, so a stuck engine can be
killed). Piper's helper (`companion.voice.natural`) is started and spoken to the same way;
the child's side of the protocol is `companion.voice._helper_loop`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import platform
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from companion.errors import KnownError

log = logging.getLogger(__name__)

HELPER_MODULE = "companion.voice._tts_helper"
# The command-line switch a frozen build (PyInstaller and the like) answers as the helper:
# there is no separate interpreter to run `-m` with, so the app's own executable is the helper.
FROZEN_HELPER_FLAG = "--tts-helper"
# pyttsx3's driver for each `sys.platform` (the first of pyttsx3's own list); anything else
# is espeak-ng. The macOS driver writes AIFF whatever the file is called (pyttsx3 #361).
DRIVERS = {"win32": "sapi5", "darwin": "nsss"}
AIFF_DRIVERS = frozenset({"nsss"})


def default_driver(platform_name: str | None = None) -> str:
    """The pyttsx3 driver for this platform (`sys.platform` unless given)."""
    return DRIVERS.get(platform_name or sys.platform, "espeak")


def helper_command(driver: str, *, executable: str | None = None,
                   frozen: bool | None = None) -> list[str]:
    """How to start the speech helper: as a module of this package, never a file path, so
    it works from a wheel, a zip or an editable install; in a frozen build the app's own
    executable with `FROZEN_HELPER_FLAG` (`companion.cli.main` hands that to the helper)."""
    exe = executable or sys.executable
    if getattr(sys, "frozen", False) if frozen is None else frozen:
        return [exe, FROZEN_HELPER_FLAG, driver]
    return [exe, "-m", HELPER_MODULE, driver]


def helper_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The helper's environment: this package importable wherever the app was started from
    (`python /path/to/main.py` from another folder has no installed package to find)."""
    env = dict(os.environ if base is None else base)
    root = str(Path(__file__).resolve().parent.parent.parent)
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in parts:
        env["PYTHONPATH"] = os.pathsep.join([root, *parts])
    return env


def install_hint(system: str | None = None, os_release: dict[str, str] | None = None) -> str:
    """The exact fix for a missing speech engine on this platform."""
    system = system or platform.system()
    if system == "Windows":
        return ("Windows speech (SAPI5) is built in: run `pip install --force-reinstall pyttsx3 "
                "comtypes pywin32` in Companion's environment, and check that a voice is "
                "installed under Settings > Time & language > Speech.")
    if system == "Darwin":
        return ("macOS speech is built in: run `pip install --force-reinstall pyttsx3 pyobjc` in "
                "Companion's environment, and check System Settings > Accessibility > "
                "Spoken Content.")
    if os_release is None:
        try:
            os_release = platform.freedesktop_os_release()
        except OSError:
            os_release = {}
    ids = {os_release.get("ID", "")} | set(os_release.get("ID_LIKE", "").split())
    if ids & {"fedora", "rhel", "centos"}:
        return "Install espeak-ng: sudo dnf install espeak-ng"
    if ids & {"arch", "manjaro"}:
        return "Install espeak-ng: sudo pacman -S espeak-ng"
    if ids & {"opensuse", "suse", "opensuse-tumbleweed", "opensuse-leap"}:
        return "Install espeak-ng: sudo zypper install espeak-ng"
    return "Install espeak-ng: sudo apt-get install espeak-ng"


class EngineUnavailable(KnownError):
    """No speech engine (not installed, failed to start, or stopped answering)."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(f"{message} {fix}")
        self.message = message
        self.fix = fix


class SynthesisError(KnownError):
    """One utterance could not be rendered (the engine itself may still be fine)."""


class HelperProcess:
    """One running helper process plus a reader thread, so replies can time out.

    `command`: the argv that starts it (`helper_command`). Raises OSError when it cannot
    start; `greet`, `request` and `wait` raise TimeoutError when no reply comes in `timeout`
    seconds or the helper has exited (the caller then kills it and may start another)."""

    def __init__(self, command: list[str]) -> None:
        # no console window flashing up beside a GUI app on Windows
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            creationflags=flags,
            env=helper_env(),
        )
        self.replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.driver = ""  # the engine that answered the hello ("espeak", "piper", ...)
        self._reader = threading.Thread(target=self._read, name="tts-helper-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        try:
            for line in self.proc.stdout:
                try:
                    self.replies.put(json.loads(line))
                except ValueError:
                    log.debug("helper said: %s", line.rstrip())
        except (OSError, ValueError):  # the pipe was closed under us by kill()
            pass
        finally:
            self.replies.put(None)

    def greet(self, timeout: float) -> dict[str, Any]:
        """The helper's hello (`ok`, `driver`, or `error`); its driver is kept in `driver`."""
        hello = self.wait(timeout)
        if hello.get("ok"):
            self.driver = str(hello.get("driver", ""))
        return hello

    @property
    def suffix(self) -> str:
        """The type of file this helper's driver really writes (".wav" or ".aiff")."""
        return ".aiff" if self.driver in AIFF_DRIVERS else ".wav"

    def request(self, data: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(data, ensure_ascii=True) + "\n")
            self.proc.stdin.flush()
        except OSError as exc:
            raise TimeoutError(f"speech helper is gone ({exc})") from exc
        return self.wait(timeout)

    def wait(self, timeout: float) -> dict[str, Any]:
        try:
            reply = self.replies.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"speech helper did not answer within {timeout:g} s") from None
        if reply is None:
            raise TimeoutError(f"speech helper exited (code {self.proc.poll()})")
        return reply

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=2)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
