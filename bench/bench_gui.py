"""GUI figures on the whole app: startup, GUI-thread stalls across a session, memory.

- `startup_interactive_ratio`: from process start to the start screen loaded and taking
  keys (`python -m companion` with COMPANION_EXIT_WHEN_READY=1: routines listed, the voice
  ready or its banner shown, the screen painted) for a returning user, over a bare PySide6
  window timed the same way (process start -> shown, painted, event loop running), runs
  interleaved in the same bench so machine load hits both alike. The value is the median
  of the per-pair ratios (target <= 1.5); `startup_interactive_ms` and `startup_bare_ms`
  give the times.
- `startup_first_run_ratio`: the same on an empty data folder (database created and
  migrated, first-run notice) (target <= 3.0).
- `gui_stall_max_ms`: the longest gap between ticks of a 5 ms heartbeat on the GUI thread
  from the moment the window exists, through `load()`, a whole session of the bench
  routine (arrival, every set, each check-in answered and effort given, rests, cool-down)
  at a 10x clock (COMPANION_TIME_SCALE), the end screen, a second session stopped with U
  (red flag, safety screen) and back to the start screen. Real services throughout: the
  SQLite history recording every event, the voice playing into the bench's null sink,
  voice input on (its microphone is the bench's null source). The value is the maximum
  over all runs (target <= 16); each run's maximum is in `runs`.
  `gui_stall_session_max_ms` is the same without `load()`, for diagnosis.
- `rss_mb`: resident memory of the app process at the end screen, after that whole
  session (target <= 200); `rss_children_mb`: its helper processes (voice, recogniser).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.appdrive import ROOT, copy_folder, env, returning_user
from bench.config import QUICK, targets
from bench.startup import seconds_to_line
from bench.stats import Figure, summary

TARGETS = targets("gui")

RUNS_INTERACTIVE = 2 if QUICK else 7
RUNS_FIRST = 1 if QUICK else 5
SESSION_RUNS = 1 if QUICK else 5
TIME_SCALE = "10"

BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.setWindowTitle("bare")
w.resize(1120, 780)
w.show()
def ready():
    w.repaint()
    sys.stdout.write("ready\\n"); sys.stdout.flush(); app.exit(0)
QTimer.singleShot(0, ready)
sys.exit(app.exec())
"""


def _time_to_ready(cmd: list[str], environ: dict[str, str]) -> float:
    """Seconds from process start to its `ready` line (it then exits by itself)."""
    try:
        return seconds_to_line(cmd, environ, "ready")
    except RuntimeError as e:  # never ready counts as never: the figure misses
        print(e, file=sys.stderr)
        return float("inf")


def startup_figures(tmp: Path, returning: Path) -> dict[str, Figure]:
    bare_cmd = [sys.executable, "-c", BARE]
    app_cmd = [sys.executable, "-m", "companion"]
    bare_env = env()
    app_env = env(COMPANION_EXIT_WHEN_READY="1", COMPANION_DATA_DIR=str(returning))
    _time_to_ready(app_cmd, app_env)  # once, so the returning user's files are in place
    bare: list[float] = []
    warm: list[float] = []
    for _ in range(RUNS_INTERACTIVE):  # interleaved, so machine load hits both alike
        bare.append(_time_to_ready(bare_cmd, bare_env))
        warm.append(_time_to_ready(app_cmd, app_env))
    bare_first: list[float] = []
    first: list[float] = []
    for i in range(RUNS_FIRST):
        empty = tmp / f"first-run-{i}"
        bare_first.append(_time_to_ready(bare_cmd, bare_env))
        first.append(_time_to_ready(app_cmd, env(COMPANION_EXIT_WHEN_READY="1",
                                                 COMPANION_DATA_DIR=str(empty))))
    ratios = [a / b for a, b in zip(warm, bare, strict=True)]
    first_ratios = [a / b for a, b in zip(first, bare_first, strict=True)]
    ms = [t * 1000.0 for t in warm]
    return {
        "startup_interactive_ratio": summary(ratios, "median", unit="ratio", digits=3),
        "startup_first_run_ratio": summary(first_ratios, "median", unit="ratio", digits=3),
        "startup_interactive_ms": summary(ms, "median"),
        "startup_first_run_ms": summary([t * 1000.0 for t in first], "median"),
        "startup_bare_ms": summary([t * 1000.0 for t in bare + bare_first], "median"),
    }


# -- the session child ----------------------------------------------------------------------
def _session_child(data: Path, warm: bool) -> None:
    """Runs in a fresh process: the app, a 5 ms heartbeat, the sessions; JSON on stdout."""
    from PySide6.QtCore import Qt, QTimer

    from bench.appdrive import App, Heartbeat, children_rss_mb, rss_mb
    from companion.core.events import CheckinAnswered, CheckinAsked, State

    os.environ["COMPANION_TIME_SCALE"] = TIME_SCALE
    marks: dict[str, float] = {}
    beat: list[Heartbeat] = []

    def created(_app: App) -> None:
        hb = Heartbeat()
        hb.start()
        beat.append(hb)
        marks["created"] = time.monotonic()

    routine = str(data / "routines" / "bench-short.toml")
    app = App(data, routine=routine, on_created=created)
    marks["loaded"] = time.monotonic()
    window = app.window
    assert window.player is not None and window.end_screen is not None

    def answer(session: Any) -> None:
        driver = session.driver

        def react(event: object) -> None:
            if isinstance(event, CheckinAsked):
                QTimer.singleShot(30, lambda: driver.answer_checkin(True))
            elif isinstance(event, CheckinAnswered):
                QTimer.singleShot(30, lambda: driver.record_effort(5))

        driver.event_emitted.connect(react)

    window.player.session_started.connect(answer)
    app.wait(0.3)
    app.start_session(timeout=60)
    marks["session_a"] = time.monotonic()
    if not app.spin(lambda: window.current_screen() == "end", 120):
        raise RuntimeError("the session did not reach the end screen")
    marks["end_screen"] = time.monotonic()
    app.wait(0.5)
    rss = rss_mb()
    children = children_rss_mb()
    out: dict[str, Any] = {"rss_mb": rss, "rss_children_mb": children}
    if not warm:
        app.click(window.end_screen.back_button)
        app.spin(lambda: window.current_screen() == "start", 5)
        app.wait(0.3)
        session = app.start_session(timeout=60)
        marks["session_b"] = time.monotonic()
        app.click(window.player.skip_button)  # past the arrival: into the first set
        app.spin(lambda: session.engine.state in (State.WORK, State.COUNTDOWN), 20)
        app.wait(0.3)
        marks["red_flag"] = app.press(Qt.Key.Key_U)
        app.spin(lambda: window.current_screen() == "safety", 10)
        app.wait(0.5)
        if window.safety_page is not None:
            app.click(window.safety_page.close_button)
        app.spin(lambda: window.current_screen() == "start", 5)
        app.wait(0.3)
    marks["done"] = time.monotonic()
    hb = beat[0]
    hb.stop()
    out.update({
        "gui_stall_max_ms": hb.worst(),
        "gui_stall_session_max_ms": hb.worst(since=marks["loaded"]),
        "gui_stall_load_ms": hb.worst(until=marks["loaded"]),
        "beats": len(hb.beats),
        "worst": _worst(hb, marks),
    })
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
    app.close()


def _worst(hb: Any, marks: dict[str, float]) -> list[tuple[float, str]]:
    """The ten longest gaps, each with the phase it ended in (for diagnosis)."""
    order = sorted(marks.items(), key=lambda kv: kv[1])
    gaps = []
    for i in range(1, len(hb.beats)):
        gap = (hb.beats[i] - hb.beats[i - 1]) * 1000.0
        phase = "before load"
        for name, t in order:
            if hb.beats[i] >= t:
                phase = name
        gaps.append((round(gap, 1), phase))
    return sorted(gaps, reverse=True)[:10]


def _child(data: Path, warm: bool = False) -> dict[str, Any]:
    args = [sys.executable, "-m", "bench.bench_gui", "--session-child", str(data)]
    proc = subprocess.run(args + (["--warm"] if warm else []), env=env(), cwd=ROOT,
                          text=True, capture_output=True, timeout=300, check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError(f"session child failed: {proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def session_figures(tmp: Path, template: Path) -> dict[str, Figure | float]:
    """A warm-up session fills the voice cache (as earlier sessions would have); then each
    measured run starts the app afresh on a copy of that returning user's folder."""
    _child(template, warm=True)
    runs = [_child(copy_folder(template, tmp / f"run-{i}")) for i in range(SESSION_RUNS)]
    maxima = [r["gui_stall_max_ms"] for r in runs]
    session_maxima = [r["gui_stall_session_max_ms"] for r in runs]
    worst = sorted((g for r in runs for g in r["worst"]), reverse=True)[:8]
    note = "worst gaps (ms, phase): " + ", ".join(f"{g} {p}" for g, p in worst)
    return {
        "gui_stall_max_ms": summary(maxima, "max", runs=maxima, note=note),
        "gui_stall_session_max_ms": summary(session_maxima, "max", runs=session_maxima),
        "gui_stall_load_ms": summary([r["gui_stall_load_ms"] for r in runs], "median"),
        "rss_mb": summary([r["rss_mb"] for r in runs], "p95", unit="MB", digits=1),
        "rss_children_mb": summary([r["rss_children_mb"] for r in runs], "p95", unit="MB",
                                   digits=1),
    }


def run() -> dict[str, Figure | float]:
    with tempfile.TemporaryDirectory(prefix="companion-bench-") as name:
        tmp = Path(name)
        template = tmp / "returning"
        returning_user(template)
        figures: dict[str, Figure | float] = {}
        figures.update(session_figures(tmp, template))  # also fills the voice cache
        figures.update(startup_figures(tmp, template))
    return figures


if __name__ == "__main__":
    if "--session-child" in sys.argv:
        _session_child(Path(sys.argv[sys.argv.index("--session-child") + 1]),
                       "--warm" in sys.argv)
    else:
        print(json.dumps(run(), indent=2))
