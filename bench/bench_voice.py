"""Voice timing: GUI stall while speaking, cue onset, and safety cut-off.

Runs the real QtSpeaker on the real engine (espeak-ng via the helper process). Headless
(offscreen, no audio device) QMediaPlayer plays on a simulated clock, so the figures are
what the app controls, not the sound card:
- speech_gui_stall_ms: the longest gap between ticks of a 5 ms PreciseTimer heartbeat on the
  GUI thread while 20 prompts, none cached (fresh cache), are spoken back to back (the next
  is said when the speaker reports idle). It includes synthesis hand-off and player loads.
- speech_onset_ms: p95 over 20 TIMED cues (cached, as after pre-rendering) of the time from
  the cue's due time (a PreciseTimer fired at it) to QMediaPlayer entering PlayingState.
  A real device adds its output buffer latency on top.
- speech_cancel_ms: worst of 10 safety preemptions, from `say(safety cue)` to the playing
  utterance's QMediaPlayer reporting StoppedState (the stop is synchronous in Qt; with a real
  device the sink's buffered audio, typically tens of ms, drains after it).
"""

from __future__ import annotations

import itertools
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TARGETS = {
    "speech_gui_stall_ms": ("<=", 16.0),
    "speech_onset_ms": ("<=", 50.0),
    "speech_cancel_ms": ("<=", 100.0),
}

PROMPTS = [
    "Welcome. Let's arrive.", "Breathe in", "Breathe out", "How are you feeling?",
    "Bodyweight squats. Ten reps.", "Three", "Two", "One", "Go. Breathe out on the effort.",
    "Down", "Up, one", "Up, two", "Halfway. Keep breathing.", "Check-in. All clear?",
    "Rest for forty seconds.", "Next up: knee push-ups.", "Hold", "Well done.",
    "Cool-down breathing.", "Session complete.",
]
TIMED = ["3", "2", "1", "Go.", "Down", "Up, 1", "Up, 2", "Up, 3", "Up, 4", "Up, 5",
         "Up, 6", "Up, 7", "Up, 8", "Up, 9", "Up, 10", "Breathe in", "Breathe out", "Hold",
         "Halfway.", "Go."]
LONG = "Stand tall, feet shoulder-width apart, chest up, and sit back as if onto a chair."


def run() -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.ffmpeg*=false")
    from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer

    from companion.core.timeline import STOP_MESSAGE, Cue, CueKind, Priority
    from companion.ui.speech import QtSpeaker
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

        # 2. onset: TIMED cues fired by a timer at their due time, files pre-rendered
        synth.prerender([*TIMED, LONG, STOP_MESSAGE])
        onsets: list[float] = []
        due: dict[str, float] = {}

        def on_started(cue: Cue, _since_say: float) -> None:
            if cue.text in due:
                onsets.append((time.perf_counter() - due.pop(cue.text)) * 1000.0)

        speaker.signals.started.connect(on_started)
        t0 = time.perf_counter() + 0.1
        timers: list[QTimer] = []
        for i, text in enumerate(TIMED):
            at = t0 + i * 0.45

            def fire(text: str = text, at: float = at, i: int = i) -> None:
                due[f"{text}"] = at
                speaker.say(Cue(float(i), CueKind.COUNTDOWN, text, priority=Priority.TIMED))

            timer = QTimer()
            timer.setSingleShot(True)
            timer.setTimerType(Qt.TimerType.PreciseTimer)
            timer.timeout.connect(fire)
            timer.start(max(0, round((at - time.perf_counter()) * 1000)))
            timers.append(timer)
        spin(lambda: len(onsets) >= len(TIMED) or time.perf_counter() > t0 + 12.0)
        speaker.signals.started.disconnect(on_started)
        onsets.sort()
        onset_p95 = onsets[min(len(onsets) - 1, int(0.95 * len(onsets)))] if onsets else 1e9

        # 3. cancel: a safety cue cuts off a long utterance
        cancels: list[float] = []
        for _ in range(10):
            started = {"ok": False}

            def mark(cue: Cue, _s: float, started: dict[str, bool] = started) -> None:
                started["ok"] = cue.text == LONG

            speaker.signals.started.connect(mark)
            speaker.say(Cue(0.0, CueKind.EXERCISE, LONG))
            spin(lambda started=started: started["ok"], 5.0)  # type: ignore[misc]
            speaker.signals.started.disconnect(mark)
            spin(lambda: False, 0.1)  # let it play a little
            t = time.perf_counter()
            speaker.say(Cue(0.0, CueKind.SAFETY, STOP_MESSAGE, priority=Priority.SAFETY))
            cancels.append((speaker.stopped_at - t) * 1000.0)
            speaker.cancel()
        speaker.close()
    return {
        "speech_gui_stall_ms": round(stall, 2),
        "speech_gui_stall_baseline_ms": round(baseline, 2),
        "speech_gui_stall_p99_ms": round(stall_p99, 2),
        "speech_gui_work_max_ms": round(work_max, 2),
        "speech_onset_ms": round(onset_p95, 2),
        "speech_onset_mean_ms": round(statistics.fmean(onsets), 2) if onsets else 1e9,
        "speech_cancel_ms": round(max(cancels), 3),
    }
