"""Natural-voice figures (issue 19): Piper's render speed, speech onset and memory with Piper.

- `piper_render_rtf`: render time / audio time, median over the starter routine's prompts
  (every text its session may say), each rendered fresh through the app's path (the helper
  process, the WAV check, trim and store); the voice is loaded first (`piper_voice_load_s`:
  helper start, onnxruntime, the voice and its test render, the probe prompt).
  `piper_first_prepare_s` is the sum: how long a routine's first session waits.
- `speech_onset_ms_piper`: as bench_voice's `speech_onset_ms` (p95 over 20 TIMED cues fired
  by a timer at their due time, to QMediaPlayer's PlayingState), with every file rendered
  by Piper ahead, as the app does (target: today's espeak-ng figure, <= 50 ms).
- `rss_mb_piper`: the app's resident memory during a real session with Piper chosen (as
  bench_gui's `rss_mb`: sampled while the session runs), for a returning user (the
  routine's prompts cached: no helper runs), median of 2 runs; `rss_mb_system_same_run`,
  the same with the system voice, for comparison on the same machine and load;
  `rss_mb_piper_first_run` (first session) and `rss_mb_piper_first_run_peak` (including
  getting ready, while its prompts render), with `piper_helper_rss_mb`, the helper
  process's own peak then (it leaves 20 s after its last render).
- `gui_stall_max_ms_piper`: the longest gap of a 5 ms heartbeat on the GUI thread during
  those sessions (as bench_gui's `gui_stall_max_ms`), beside the system voice's in the same
  run: on a shared machine the ratio says more than either figure.
- `startup_ratio_piper`: time until the window is first shown with Piper chosen, over a
  bare PySide6 window (medians of 5 interleaved runs; target as startup_ratio, <= 1.5).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.config import targets
from bench.startup import seconds_to_line

ROOT = Path(__file__).resolve().parent.parent

TARGETS = targets("piper")

SESSION_SECONDS = 12.0
TIME_SCALE = 2.0
STARTUP_RUNS = 5
TIMED = ["3", "2", "1", "Go.", "Down", "Up, 1", "Up, 2", "Up, 3", "Up, 4", "Up, 5",
         "Up, 6", "Up, 7", "Up, 8", "Up, 9", "Up, 10", "Breathe in", "Breathe out", "Hold",
         "Halfway.", "Go."]
BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.resize(1120, 780)
w.show()
def shown():
    sys.stdout.write("shown\\n"); sys.stdout.flush(); app.exit(0)
QTimer.singleShot(0, shown)
sys.exit(app.exec())
"""


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.setdefault("QT_LOGGING_RULES", "qt.multimedia.ffmpeg*=false")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def _piper_data(data: Path) -> None:
    data.mkdir(parents=True, exist_ok=True)
    (data / "settings.json").write_text('{"engine": "piper"}', encoding="utf-8")


def render_figures() -> dict[str, float]:
    from companion.core.timeline import TimelineOptions, compile_plan
    from companion.routines import RoutineLibrary
    from companion.voice import audio
    from companion.voice.natural import PiperSynthesizer, packaged_voices
    from companion.voice.synth import plan_texts

    with tempfile.TemporaryDirectory() as tmp:
        routine = RoutineLibrary(Path(tmp) / "routines").find("starter").routine
        assert routine is not None
        texts = plan_texts(compile_plan(routine, TimelineOptions()))
        with PiperSynthesizer(Path(tmp), packaged_voices()[0], idle_exit=None) as synth:
            t = time.perf_counter()
            state = synth.start()
            load = time.perf_counter() - t
            if state.message:
                raise RuntimeError(f"Piper did not start: {state.message}")
            ratios, total = [], 0.0
            for text in texts:
                if synth.cached(text) is not None:
                    continue
                t = time.perf_counter()
                path = synth.render(text)
                took = time.perf_counter() - t
                total += took
                ratios.append(took / max(audio.duration(path), 0.05))
    ratios.sort()
    return {
        "piper_render_rtf": round(statistics.median(ratios), 3),
        "piper_render_rtf_p90": round(ratios[int(0.9 * (len(ratios) - 1))], 3),
        "piper_render_prompts": float(len(ratios)),
        "piper_voice_load_s": round(load, 2),
        "piper_first_prepare_s": round(total + load, 1),
    }


def onset_figure() -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer

    from companion.core.timeline import Cue, CueKind, Priority
    from companion.ui.adapters.speech import QtSpeaker
    from companion.voice.natural import PiperSynthesizer, packaged_voices

    _app = QCoreApplication.instance() or QCoreApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        synth = PiperSynthesizer(Path(tmp), packaged_voices()[0])
        synth.prerender(TIMED)  # rendered ahead, as the app does before a session
        speaker = QtSpeaker(synth, audio_outputs=lambda: ["bench"])
        onsets: list[float] = []
        due: dict[str, float] = {}

        def on_started(cue: Cue, _since: float) -> None:
            if cue.text in due:
                onsets.append((time.perf_counter() - due.pop(cue.text)) * 1000.0)

        speaker.signals.started.connect(on_started)
        t0 = time.perf_counter() + 0.2
        timers = []
        for i, text in enumerate(TIMED):
            at = t0 + i * 0.45

            def fire(text: str = text, at: float = at, i: int = i) -> None:
                due[text] = at
                speaker.say(Cue(float(i), CueKind.COUNTDOWN, text, priority=Priority.TIMED))

            timer = QTimer()
            timer.setSingleShot(True)
            timer.setTimerType(Qt.TimerType.PreciseTimer)
            timer.timeout.connect(fire)
            timer.start(max(0, round((at - time.perf_counter()) * 1000)))
            timers.append(timer)
        loop = QEventLoop()
        end = t0 + 15.0
        poll = QTimer()
        poll.timeout.connect(lambda: loop.quit() if len(onsets) >= len(TIMED)
                             or time.perf_counter() > end else None)
        poll.start(20)
        loop.exec()
        speaker.close()
    onsets.sort()
    p95 = onsets[min(len(onsets) - 1, int(0.95 * len(onsets)))] if onsets else 1e9
    return {"speech_onset_ms_piper": round(p95, 2),
            "speech_onset_mean_ms_piper": round(statistics.fmean(onsets), 2) if onsets
            else 1e9}


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return 0.0


def _helpers(parent: int) -> list[int]:
    """Piper helper processes started by `parent`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"_piper_helper" in cmd:
            found.append(int(entry.name))
    return found


def _session_child() -> None:
    """In the child: the real window, a real session of the starter routine with Piper
    chosen, sampling this process's RSS and its Piper helper's; JSON out."""
    import argparse

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from companion.config import resolve_paths
    from companion.settings import load_settings
    from companion.ui.services.container import AppServices, ScaledClock
    from companion.ui.shell.build import make_default_speaker, open_history
    from companion.ui.shell.window import MainWindow
    from companion.ui.widgets.style import app_stylesheet

    app = QApplication(sys.argv[:1])
    app.setStyleSheet(app_stylesheet())
    paths = resolve_paths(os.environ["COMPANION_DATA_DIR"]).ensure()
    settings, _problems = load_settings(paths.settings_file)
    history, _ = open_history(paths, None)
    speaker = make_default_speaker(paths, settings.voice_settings())
    services = AppServices(paths=paths, settings=settings, clock=ScaledClock(TIME_SCALE),
                           history=history, speaker=speaker)
    args = argparse.Namespace(data_dir=str(paths.data_dir), db=None, routine="starter")
    window = MainWindow(args, services=services)
    window.resize(1280, 820)
    window.show()
    t = time.perf_counter()
    window.load()  # builds the services: the speaker and its engine choice included
    load_ms = (time.perf_counter() - t) * 1000.0
    start = window.start_screen
    assert start is not None and start.selected() is not None
    peak = {"gui": 0.0, "helper": 0.0, "session": 0.0}
    me = os.getpid()
    in_session = {"on": False}

    def sample() -> None:
        rss = _rss_mb(me)
        peak["gui"] = max(peak["gui"], rss)
        if in_session["on"]:
            peak["session"] = max(peak["session"], rss)
        for pid in _helpers(me):
            peak["helper"] = max(peak["helper"], _rss_mb(pid))

    sampler = QTimer()
    sampler.timeout.connect(sample)
    sampler.start(250)
    gaps: list[float] = []
    last = [0.0]

    def beat() -> None:  # the GUI thread's heartbeat during the session (as bench_gui's)
        now = time.perf_counter()
        if last[0]:
            gaps.append(now - last[0])
        last[0] = now

    from PySide6.QtCore import Qt

    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(beat)
    began = time.perf_counter()
    ready = {"s": 0.0}

    def begin() -> None:
        assert window.player is not None
        window.player.session_started.connect(lambda _s: running())
        window.start_session(start.selected(), 3)  # type: ignore[arg-type]

    def running() -> None:
        ready["s"] = time.perf_counter() - began
        in_session["on"] = True
        heartbeat.start()
        QTimer.singleShot(int(SESSION_SECONDS * 500), lambda: window.player.skip())  # type: ignore[union-attr]
        QTimer.singleShot(int(SESSION_SECONDS * 1000), finish)

    def finish() -> None:
        sample()
        heartbeat.stop()
        engine = getattr(getattr(speaker, "synth", None), "engine", "?")
        sys.stdout.write(json.dumps({"gui": peak["gui"], "helper": peak["helper"],
                                     "session": peak["session"],
                                     "stall_ms": max(gaps, default=0.0) * 1000.0,
                                     "ready_s": ready["s"], "engine": engine,
                                     "load_ms": load_ms}) + "\n")
        sys.stdout.flush()
        window.player.end()  # type: ignore[union-attr]
        window.shutdown()
        app.exit(0)

    QTimer.singleShot(200, begin)
    app.exec()


def _child(data: str, engine: str = "piper") -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-m", "bench.bench_piper", "--session-child"],
                          env=_env(COMPANION_DATA_DIR=data), cwd=ROOT, text=True,
                          capture_output=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"session child failed: {proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if out["engine"] != engine:
        raise RuntimeError(f"the session did not speak with Piper ({out['engine']})")
    return out


def memory_figures() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data:
        _piper_data(Path(data))
        first = _child(data)
        warm = [_child(data) for _ in range(2)]
    with tempfile.TemporaryDirectory() as data:  # the same with the system voice
        Path(data, "settings.json").write_text('{"engine": "system"}', encoding="utf-8")
        _child(data, "system")
        system = _child(data, "system")
    return {
        "window_load_ms_piper": round(statistics.median(r["load_ms"] for r in warm), 1),
        "window_load_ms_system": round(system["load_ms"], 1),
        "rss_mb_system_same_run": round(system["session"], 1),
        "gui_stall_max_ms_piper": round(statistics.median(r["stall_ms"] for r in warm), 1),
        "gui_stall_max_ms_piper_first_run": round(first["stall_ms"], 1),
        "gui_stall_max_ms_system_same_run": round(system["stall_ms"], 1),
        "rss_mb_piper": round(statistics.median(r["session"] for r in warm), 1),
        "rss_mb_piper_first_run": round(first["session"], 1),
        "rss_mb_piper_first_run_peak": round(first["gui"], 1),
        "piper_helper_rss_mb": round(first["helper"], 1),
        "piper_helper_rss_mb_warm": round(max(r["helper"] for r in warm), 1),
        "piper_first_session_ready_s": round(first["ready_s"], 1),
        "piper_later_session_ready_s": round(statistics.median(r["ready_s"] for r in warm), 2),
    }


def startup_figure() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data:
        _piper_data(Path(data))
        app_env = _env(COMPANION_EXIT_WHEN_SHOWN="1", COMPANION_DATA_DIR=data)
        bare, app = [], []
        for _ in range(STARTUP_RUNS):
            bare.append(seconds_to_line([sys.executable, "-c", BARE], _env(), "shown"))
            app.append(seconds_to_line([sys.executable, "-m", "companion"], app_env, "shown"))
    return {"startup_ratio_piper": round(statistics.median(app) / statistics.median(bare), 3)}


def run() -> dict[str, float]:
    figures = render_figures()
    figures.update(onset_figure())
    figures.update(memory_figures())
    figures.update(startup_figure())
    return figures


if __name__ == "__main__":
    if "--session-child" in sys.argv:
        _session_child()
    else:
        print(json.dumps(run(), indent=2))
