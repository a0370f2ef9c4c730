"""The real accessibility stack for the screen-reader tests (issue 22).

Per test module: an X server (Xvfb), a private D-Bus session bus, the AT-SPI bus
(at-spi-bus-launcher, which starts the registry on demand). Per test: the AT-SPI walker
(tests/a11y/atspi_walker.py, run with the system Python, which has the Debian AT-SPI
bindings) and the real app (tests/harness/a11y_app.py) on the xcb platform with Qt's
accessibility bridge forced on (QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1).

Without those Debian packages the tests are skipped with the command that installs them,
except under CI (CI=true): there they must run, so a missing package fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from tests.helpers.display import stop_process

ROOT = Path(__file__).resolve().parents[2]
WALKER = Path(__file__).with_name("atspi_walker.py")
SYSTEM_PYTHON = "/usr/bin/python3"
PACKAGES = "xvfb dbus at-spi2-core gir1.2-atspi-2.0 python3-gi python3-pyatspi"
BUS_LAUNCHERS = ("/usr/libexec/at-spi-bus-launcher", "/usr/lib/at-spi2-core/at-spi-bus-launcher")
START_TIMEOUT_S = 30.0


def _missing() -> list[str]:
    missing = [tool for tool in ("Xvfb", "dbus-daemon", "dbus-send") if not shutil.which(tool)]
    if not any(Path(p).exists() for p in BUS_LAUNCHERS):
        missing.append("at-spi-bus-launcher")
    if not Path(SYSTEM_PYTHON).exists():
        missing.append(SYSTEM_PYTHON)
    else:
        probe = subprocess.run(
            [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('Atspi', '2.0'); "
             "from gi.repository import Atspi"],
            capture_output=True, env=_clean_env({}), check=False)
        if probe.returncode != 0:
            missing.append("the AT-SPI Python bindings (gi, Atspi)")
    return missing


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment for the system Python: nothing of this virtualenv."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(extra)
    return env


class _Lines:
    """Lines from a child's stdout, read on a thread so a test can wait with a timeout."""

    def __init__(self, stream: IO[str]) -> None:
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def join(self) -> None:
        self._thread.join(timeout=5)

    def json(self, timeout: float, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no answer from {what} within {timeout} s")
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"{what} ended")
            line = line.strip()
            if line.startswith("{"):
                data: dict[str, Any] = json.loads(line)
                return data


@dataclass
class Stack:
    """The X server and the two buses; `env` is what a client needs to find them."""

    env: dict[str, str]
    processes: list[subprocess.Popen[Any]] = field(default_factory=list)

    def stop(self) -> None:
        for proc in reversed(self.processes):
            stop_process(proc)
            _close_pipes(proc)


def _close_pipes(proc: subprocess.Popen[Any]) -> None:
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def _start_stack() -> Stack:
    stack = Stack(env={})
    try:
        read, write = os.pipe()
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten",
             "tcp", "-noreset"], pass_fds=(write,), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        stack.processes.append(xvfb)
        os.close(write)
        with os.fdopen(read) as pipe:
            display = ":" + pipe.readline().strip()
        bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        stack.processes.append(bus)
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        stack.env = {"DISPLAY": display, "DBUS_SESSION_BUS_ADDRESS": address}
        launcher = next(p for p in BUS_LAUNCHERS if Path(p).exists())
        stack.processes.append(subprocess.Popen(
            [launcher, "--launch-immediately"], env=_clean_env(stack.env),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:  # the AT-SPI bus is up once org.a11y.Bus answers on the session bus
            probe = subprocess.run(
                ["dbus-send", "--session", "--print-reply", "--dest=org.a11y.Bus",
                 "/org/a11y/bus", "org.a11y.Bus.GetAddress"],
                env=_clean_env(stack.env), capture_output=True, text=True, check=False)
            if probe.returncode == 0 and "unix:" in probe.stdout:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"the AT-SPI bus did not start: {probe.stderr}")
            time.sleep(0.1)
    except BaseException:
        stack.stop()
        raise
    return stack


@pytest.fixture(scope="module")
def a11y_stack() -> Iterator[Stack]:
    missing = _missing()
    if missing:
        message = (f"AT-SPI stack missing ({', '.join(missing)}): "
                   f"sudo apt-get install {PACKAGES}")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    stack = _start_stack()
    yield stack
    stack.stop()


class Reader:
    """The walker: the accessibility tree and the events, as a screen reader gets them."""

    def __init__(self, stack: Stack) -> None:
        self.proc = subprocess.Popen(
            [SYSTEM_PYTHON, str(WALKER)], env=_clean_env(stack.env), text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.proc.stdout is not None
        self.lines = _Lines(self.proc.stdout)
        self.log: list[dict[str, Any]] = []  # every event seen so far
        assert self.lines.json(START_TIMEOUT_S, "the AT-SPI walker").get("ready")

    def ask(self, **cmd: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        answer = self.lines.json(START_TIMEOUT_S, "the AT-SPI walker")
        assert answer.get("ok"), answer
        return answer

    def tree(self) -> list[dict[str, Any]]:
        nodes: list[dict[str, Any]] = self.ask(cmd="tree", app="Companion")["nodes"]
        return nodes

    def events(self) -> list[dict[str, Any]]:
        new: list[dict[str, Any]] = self.ask(cmd="events")["events"]
        self.log.extend(new)
        return new

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.ask(cmd="quit")
                self.proc.wait(timeout=5)
            except (AssertionError, OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.lines.join()
        _close_pipes(self.proc)


class App:
    """The real app under Xvfb with accessibility on, steered by tests/harness/a11y_app.py."""

    def __init__(self, stack: Stack, data: Path, args: list[str]) -> None:
        env = dict(os.environ)
        env.update(stack.env)
        env.update(QT_QPA_PLATFORM="xcb", QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1",
                   QT_ACCESSIBILITY="1", COMPANION_NO_VOICE="1",
                   COMPANION_DATA_DIR=str(data), PYTHONPATH=str(ROOT))
        for name in ("COMPANION_TIME_SCALE", "COMPANION_EXIT_WHEN_SHOWN", "NO_AT_BRIDGE"):
            env.pop(name, None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.harness.a11y_app", *args], env=env, cwd=ROOT,
            text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self.proc.stdout is not None
        self.lines = _Lines(self.proc.stdout)
        loaded = self.lines.json(START_TIMEOUT_S, "the app")
        assert loaded.get("loaded"), loaded
        self.state = loaded

    def do(self, timeout: float = 40.0, **cmd: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        answer = self.lines.json(timeout, "the app")
        assert answer.get("ok"), answer
        self.state = answer
        return answer

    def key(self, key: str, text: str = "", **more: Any) -> dict[str, Any]:
        return self.do(cmd="key", key=key, text=text, **more)

    def close(self) -> str:
        if self.proc.poll() is None:
            try:
                self.do(cmd="quit", timeout=10)
                self.proc.wait(timeout=10)
            except (AssertionError, OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(timeout=5)
        assert self.proc.stderr is not None
        errors = self.proc.stderr.read()
        self.lines.join()
        _close_pipes(self.proc)
        return errors


@pytest.fixture
def screen_reader(a11y_stack: Stack) -> Iterator[Reader]:
    reader = Reader(a11y_stack)
    yield reader
    reader.close()


@pytest.fixture
def launch(a11y_stack: Stack, screen_reader: Reader,
           tmp_path: Path) -> Iterator[Callable[..., App]]:
    """Start the app (after the screen reader listens, as a running Orca would)."""
    apps: list[App] = []

    def start(*args: str, settings: dict[str, Any] | None = None) -> App:
        data = tmp_path / "data"
        if settings is not None:
            data.mkdir(parents=True, exist_ok=True)
            (data / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
        app = App(a11y_stack, data, list(args))
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.close()
