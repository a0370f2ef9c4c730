"""Voice timing: the GUI thread while speaking, and speech onset at the audio output.

The real QtSpeaker (espeak-ng rendered by the helper process, played with QtMultimedia
into the bench's PulseAudio null sink, whose monitor is recorded; see bench/audio_out.py):
- speech_gui_stall_ms: the longest gap between ticks of a 5 ms PreciseTimer heartbeat on
  the GUI thread while 20 prompts, none cached (fresh cache), are spoken back to back (the
  next is said when the speaker reports idle). It includes synthesis hand-off and player
  loads; `speech_gui_stall_baseline_ms` is the same heartbeat with nothing spoken.
- speech_onset_ms: cue due -> its first audible sample at the audio output. The real
  engine (`SessionEngine` on the system clock, driven by `EngineDriver`, cues to the
  speaker through the session's `speech_listener`) plays a plan of short TIMED cues (counts,
  "Go", rep calls; pre-rendered, as the app renders a plan before it starts) 0.7 s apart,
  RUNS runs of CUES cues; p95 over all cues (target 50 ms), each run's p95 in `runs`.
  Each cue's sound is found in the recording by its own file's samples (so the previous
  word's tail does not hide it); a cue never heard counts as infinitely late. The sink
  renders as soon as it is fed; a sound card adds its own buffer on top.
The safety cut-off (`speech_cancel_ms`) is measured on the whole app: bench/bench_safety.py.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.audio_out import AudioUnavailable, OutputRecorder, audio_ready
from bench.stats import Figure, percentile, summary

TARGETS = {
    "speech_gui_stall_ms": ("<=", 16.0),
    "speech_onset_ms": ("<=", 50.0),
}

QUICK = bool(os.environ.get("COMPANION_BENCH_QUICK"))
RUNS = 1 if QUICK else 5
CUES = 8 if QUICK else 24
SPACING_S = 0.7

PROMPTS = [
    "Welcome. Let's arrive.", "Breathe in", "Breathe out", "How are you feeling?",
    "Bodyweight squats. Ten reps.", "Three", "Two", "One", "Go. Breathe out on the effort.",
    "Down", "Up, one", "Up, two", "Halfway. Keep breathing.", "Check-in. All clear?",
    "Rest for forty seconds.", "Next up: knee push-ups.", "Hold", "Well done.",
    "Cool-down breathing.", "Session complete.",
]
TIMED = ["3", "2", "1", "Go.", "Down", "Up, 1", "Up, 2", "Up, 3", "Up, 4", "Up, 5",
         "Up, 6", "Up, 7", "Up, 8", "Hold", "Down", "Up, 9"]


def onset_note(never: int) -> str:
    note = "cue due -> first sound at the audio output (PulseAudio null sink monitor)"
    return note + (f"; {never} cues never heard" if never else "")


def _plan(texts: list[str]) -> Any:
    from companion.core.routine import Exercise, Routine
    from companion.core.timeline import (
        Cue,
        CueKind,
        Priority,
        Segment,
        SegmentKind,
        SessionPlan,
        TimelineOptions,
    )

    length = (len(texts) + 1) * SPACING_S
    routine = Routine("bench", "Bench", 1, 0, (Exercise("Tick", seconds=length),))
    cues = tuple(Cue((i + 1) * SPACING_S, CueKind.COUNTDOWN, text, priority=Priority.TIMED)
                 for i, text in enumerate(texts))
    arrival = Segment(SegmentKind.ARRIVAL, length + SPACING_S, cues, length + SPACING_S)
    end = Segment(SegmentKind.END, 0.5, (Cue(0, CueKind.END, "", speak=False),), 0.5)
    return SessionPlan(routine, (arrival, end), TimelineOptions())


def _onsets(speaker: Any, synth: Any, spin: Callable[..., None]
            ) -> tuple[list[float], list[float], int]:
    """RUNS sessions of CUES short TIMED cues through the real engine; onsets in ms."""
    from companion.core.clock import SystemClock
    from companion.core.engine import SessionEngine
    from companion.core.events import CueDue, Event
    from companion.ui.adapters.driver import EngineDriver
    from companion.voice.base import speech_listener

    problem = audio_ready()
    if problem is not None:
        return [], [], 0
    texts = [TIMED[i % len(TIMED)] for i in range(CUES)]
    synth.prerender(texts)
    with tempfile.TemporaryDirectory(prefix="companion-bench-") as tmp:
        recorder = OutputRecorder(Path(tmp))
        recorder.start()
        due: list[list[tuple[float, str]]] = []
        try:
            for _ in range(RUNS):
                engine = SessionEngine(_plan(texts), SystemClock())
                times: list[tuple[float, str]] = []

                def on_event(event: Event, times: list[tuple[float, str]] = times) -> None:
                    if isinstance(event, CueDue) and event.cue.speak:
                        times.append((time.monotonic() - event.late, event.cue.text))

                engine.subscribe(on_event)
                engine.subscribe(speech_listener(speaker))
                driver = EngineDriver(engine)
                driver.start()
                spin(lambda engine=engine: engine.is_over, 60.0)
                spin(lambda: False, 0.8)  # the last cue's sound
                driver.deleteLater()
                due.append(times)
        finally:
            recorder.stop()
        try:
            rec = recorder.recording()
        except AudioUnavailable:
            return [], [], 0
    onsets: list[float] = []
    per_run: list[float] = []
    never = 0
    for times in due:
        run_onsets = []
        for t, text in times:
            wav = synth.cached(text)
            heard = rec.onset_of(wav, t - 0.002) if wav is not None else None
            never += heard is None
            run_onsets.append((heard - t) * 1000.0 if heard is not None else float("inf"))
        onsets += run_onsets
        per_run.append(percentile(run_onsets, 95))
    return onsets, per_run, never


def run() -> dict[str, float | Figure]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.ffmpeg*=false")
    from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer

    from companion.core.timeline import Cue, CueKind
    from companion.ui.adapters.speech import QtSpeaker
    from companion.voice.synth import Synthesizer

    _app = QCoreApplication.instance() or QCoreApplication([])  # kept alive for the run
    with tempfile.TemporaryDirectory() as tmp:
        synth = Synthesizer(Path(tmp))
        synth.start()
        work_ms: list[float] = []

        class TimedSpeaker(QtSpeaker):
            """Times every entry of the GUI thread into the speaker."""

            def say(self, cue: Cue) -> None:
                t = time.perf_counter()
                super().say(cue)
                work_ms.append((time.perf_counter() - t) * 1000.0)

            def _on_rendered(self, token: int, path: Path | None, error: str) -> None:
                t = time.perf_counter()
                super()._on_rendered(token, path, error)
                work_ms.append((time.perf_counter() - t) * 1000.0)

            def _on_status(self, end_of_media: bool) -> None:
                t = time.perf_counter()
                super()._on_status(end_of_media)
                work_ms.append((time.perf_counter() - t) * 1000.0)

        speaker = TimedSpeaker(synth, audio_outputs=lambda: ["bench"])

        def spin(until: Callable[[], bool], timeout: float = 60.0) -> None:
            """Run the real event loop (no busy polling) until `until()` or the timeout."""
            loop = QEventLoop()
            end = time.perf_counter() + timeout
            poll = QTimer()
            poll.setInterval(20)
            poll.timeout.connect(
                lambda: loop.quit() if until() or time.perf_counter() > end else None)
            poll.start()
            if not until():
                loop.exec()
            poll.stop()

        # 1. GUI stall: 20 uncached prompts back to back under a 5 ms heartbeat
        ticks: list[float] = []
        beat = QTimer()
        beat.setTimerType(Qt.TimerType.PreciseTimer)
        beat.setInterval(5)
        beat.timeout.connect(lambda: ticks.append(time.perf_counter()))
        todo = list(PROMPTS)
        done = {"n": 0}

        def next_prompt() -> None:
            if todo:
                speaker.say(Cue(0.0, CueKind.INFO, todo.pop(0)))
            else:
                done["n"] = 1

        # the same heartbeat with nothing spoken: how noisy the machine itself is
        beat.start()
        quiet_until = time.perf_counter() + 5.0
        spin(lambda: time.perf_counter() > quiet_until, 10.0)
        beat.stop()
        baseline = max(b - a for a, b in itertools.pairwise(ticks)) * 1000.0
        ticks.clear()

        speaker.signals.idle.connect(next_prompt)
        beat.start()
        spin(lambda: len(ticks) > 2)
        next_prompt()
        spin(lambda: done["n"] == 1)
        beat.stop()
        speaker.signals.idle.disconnect(next_prompt)
        gaps = sorted(b - a for a, b in itertools.pairwise(ticks))
        stall = gaps[-1] * 1000.0
        stall_p99 = gaps[int(0.99 * (len(gaps) - 1))] * 1000.0
        work_max = max(work_ms)

        # 2. onset at the audio output: the real engine fires TIMED cues at their due times
        onsets, per_run, never = _onsets(speaker, synth, spin)
        speaker.close()
    figures: dict[str, float | Figure] = {
        "speech_gui_stall_ms": round(stall, 2),
        "speech_gui_stall_baseline_ms": round(baseline, 2),
        "speech_gui_stall_p99_ms": round(stall_p99, 2),
        "speech_gui_work_max_ms": round(work_max, 2),
        "speech_onset_ms": summary(onsets, runs=per_run, note=onset_note(never)),
    }
    return figures
