"""A red flag on the whole app: U pressed -> durable on disk, safety screen painted, silence.

The installed app's real path, in one process: `MainWindow` with the services it builds
itself from a returning user's data folder (the SQLite history file, the real voice
playing into the bench's PulseAudio null sink, voice input on), the bench routine
started with the Start button. In every session:

1. while the welcome is being spoken, the Skip button is clicked: `speech_cancel_ms`
   (skip) runs from the click to the moment the welcome stops at the audio output;
2. while the next prompt is being spoken, U is pressed (delivered by Qt to the focused
   widget through the application, as a real key press):
   - `red_flag_durable_ms`: until a fresh process can see the red flag on disk (the
     observer process of bench/durable.py, polling every 2 ms: database row or journal);
   - `red_flag_screen_ms`: until the safety screen has painted (end of its first paint);
   - `speech_cancel_ms` (red flag): until the prompt stops at the audio output.

In the last sessions another process holds the database's write lock (BEGIN IMMEDIATE)
for HOLD_S seconds around the key press: `red_flag_durable_busy_ms` and
`red_flag_screen_busy_ms` (and `speech_cancel_busy_ms`, for information).

What the bench changes in the app, and why: tones are off in the user's settings (the
speech cut-off is found by matching the output against the prompt's own WAV, and a tone
on top would blur that), and the red-flag confirmation before the next session is waived
(`session_gate`), since every session here ends in a red flag on purpose. The stop message
is cut short after each measurement. `speech_cancel_ms` is the p95 over skips and red
flags together; the p95 of each is reported as well.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.appdrive import App, BusyDatabase, DurableObserver, PaintProbe, returning_user
from bench.audio_out import (
    AudioUnavailable,
    OutputRecorder,
    audio_ready,
    debug_strip,
    save_wav,
    wav_envelope,
)
from bench.config import QUICK, targets
from bench.stats import Figure, summary

TARGETS = targets("safety")

SESSIONS = 3 if QUICK else 20
BUSY_SESSIONS = 0 if QUICK else 5
HOLD_S = 1.0
LONG_S = 1.5  # a prompt at least this long is interrupted (it plays long enough to cut)
TIMEOUT_S = 10.0


def _is_safety(window: Any, widget: Any) -> bool:
    page = window.safety_page
    return page is not None and (widget is page or page.isAncestorOf(widget))


class _Spoken:
    """Which prompt started playing when (the speaker's `started` signal)."""

    def __init__(self, app: App) -> None:
        from companion.voice import audio

        self.app = app
        self.started: list[tuple[float, Any]] = []
        self._duration = audio.duration
        app.speaker.signals.started.connect(
            lambda cue, _since: self.started.append((time.monotonic(), cue)))

    def wav(self, text: str) -> Path | None:
        path: Path | None = self.app.speaker.synth.cached(text)
        return path

    def long_one(self, after: float, timeout: float = 20.0) -> tuple[float, Any, Path]:
        """Wait for a prompt of at least LONG_S to start after `after`."""
        found: list[tuple[float, Any, Path]] = []

        def check() -> bool:
            for t, cue in self.started:
                if t < after:
                    continue
                path = self.wav(cue.text)
                if path is not None and self._duration(path) >= LONG_S:
                    found.append((t, cue, path))
                    return True
            return False

        if not self.app.spin(check, timeout):
            raise RuntimeError("no long prompt was spoken")
        return found[0]


def run() -> dict[str, float | Figure]:
    problem = audio_ready()
    rng = random.Random(15)
    durable: list[float] = []
    screen: list[float] = []
    durable_busy: list[float] = []
    screen_busy: list[float] = []
    cuts: list[tuple[str, float, Path, float]] = []  # kind, trigger, wav, started
    with tempfile.TemporaryDirectory(prefix="companion-bench-") as tmp:
        data = Path(tmp) / "data"
        routine = returning_user(data, tones=False)
        recorder = None if problem else OutputRecorder(Path(tmp))
        if recorder is not None:
            recorder.start()
        app = App(data, routine=str(routine))
        observer = DurableObserver(data)
        window = app.window
        try:
            app.services.session_gate = lambda _parent, _routine: True
            probe = PaintProbe(lambda w: _is_safety(window, w))
            spoken = _Spoken(app)
            base_db, _ = observer.latest()
            for i in range(SESSIONS + BUSY_SESSIONS):
                busy = i >= SESSIONS
                begun = time.monotonic()
                app.start_session()
                # 1. skip while the welcome plays
                started, _cue, wav = spoken.long_one(begun)
                app.wait(rng.uniform(0.3, 1.0))
                assert window.player is not None
                t_skip = app.click(window.player.skip_button)
                cuts.append(("skip", t_skip, wav, started))
                # 2. U while the next long prompt plays
                started, _cue, wav = spoken.long_one(t_skip)
                # earlier flags all visible first, so a late merge is not taken for this one
                def merged(flags: int = base_db + i) -> bool:
                    return observer.latest()[0] >= flags

                app.spin(merged, 3.0)
                holder = BusyDatabase(data / "companion.sqlite3", HOLD_S) if busy else None
                app.wait(rng.uniform(0.2, 0.6))
                db_before, journal_before = observer.latest()
                t_u = app.press(_key_u())
                def done(db: int = db_before, j: int = journal_before, t: float = t_u) -> bool:
                    return (observer.seen_at(db + 1, j + 1) is not None
                            and probe.painted_after(t) is not None)

                app.spin(done, TIMEOUT_S)
                seen = observer.seen_at(db_before + 1, journal_before + 1)
                painted = probe.painted_after(t_u)
                durable_ms = (seen - t_u) * 1000.0 if seen is not None else float("inf")
                screen_ms = (painted - t_u) * 1000.0 if painted is not None else float("inf")
                (durable_busy if busy else durable).append(durable_ms)
                (screen_busy if busy else screen).append(screen_ms)
                cuts.append(("busy" if busy else "red_flag", t_u, wav, started))
                app.wait(0.4)  # the output after the cut (the analysis needs the tail)
                if holder is not None:
                    holder.wait()
                app.speaker.cancel()  # the stop message: not part of the measurement
                if window.safety_page is not None and window.current_screen() == "safety":
                    app.click(window.safety_page.close_button)
                app.spin(lambda: window.current_screen() == "start", 5.0)
            probe.remove()
        finally:
            observer.close()
            app.close()
            if recorder is not None:
                recorder.stop()
        figures: dict[str, float | Figure] = {
            "red_flag_durable_ms": summary(durable),
            "red_flag_screen_ms": summary(screen),
        }
        if BUSY_SESSIONS:
            note = f"another process holds the write lock for {HOLD_S:g} s"
            figures["red_flag_durable_busy_ms"] = summary(durable_busy, note=note)
            figures["red_flag_screen_busy_ms"] = summary(screen_busy, note=note)
        figures.update(_cancel_figures(recorder, cuts, problem))
    return figures


def _key_u() -> Any:
    from PySide6.QtCore import Qt

    return Qt.Key.Key_U


def _cancel_figures(recorder: OutputRecorder | None, cuts: list[tuple[str, float, Path, float]],
                    problem: str | None) -> dict[str, float | Figure]:
    if recorder is None:
        return {"speech_cancel_ms": summary([], note=f"not measured: {problem}")}
    try:
        rec = recorder.recording()
    except AudioUnavailable as exc:
        return {"speech_cancel_ms": summary([], note=f"not measured: {exc}")}
    by_kind: dict[str, list[float]] = {"skip": [], "red_flag": [], "busy": []}
    unmatched = 0
    debug = os.environ.get("COMPANION_BENCH_AUDIO_DEBUG")
    pictures: list[str] = []
    for kind, trigger, wav, started in cuts:
        cut = rec.cut_time(trigger, wav, started)
        if debug:
            marks = {"T": trigger} | ({"C": cut.cut} if cut else {})
            pictures.append(f"{kind} {wav.name} latency "
                            f"{cut.latency_ms if cut else None} dropouts "
                            f"{cut.dropouts if cut else None} trigger {trigger:.4f} started "
                            f"{started:.4f} trace {cut.trace if cut else None} "
                            f"first {rec.index_of(cut.started) if cut else None} trig "
                            f"{rec.index_of(trigger)}\n" + debug_strip(
                                rec, trigger - 0.3, trigger + 0.5, marks, wav_envelope(wav),
                                cut.started if cut else None))
        if cut is None:
            unmatched += 1
            continue
        by_kind[kind].append(cut.latency_ms)
    if debug:
        import shutil

        Path(debug).mkdir(parents=True, exist_ok=True)
        for _kind, _trigger, wav, _started in cuts:
            shutil.copy(wav, Path(debug) / wav.name)
        (Path(debug) / "cuts.txt").write_text("\n\n".join(pictures) + "\n", encoding="utf-8")
        save_wav(rec, Path(debug) / "output.wav")
    note = "observed at the audio output (PulseAudio null sink monitor)"
    if unmatched:
        note += f"; {unmatched} of {len(cuts)} cut-offs could not be matched to their prompt"
    both = by_kind["skip"] + by_kind["red_flag"]
    if unmatched > len(cuts) // 5:  # too many unobserved: do not pretend
        both = [*both, float("inf")]
    out: dict[str, float | Figure] = {
        "speech_cancel_ms": summary(both, note=note),
        "speech_cancel_skip_ms": summary(by_kind["skip"]),
        "speech_cancel_red_flag_ms": summary(by_kind["red_flag"]),
    }
    if by_kind["busy"]:
        out["speech_cancel_busy_ms"] = summary(by_kind["busy"])
    return out
