"""What actually leaves the app's audio output: a private PulseAudio null sink, recorded.

The harness starts one private PulseAudio daemon per bench run (`PulseServer`: its own
socket in a temporary folder, never the user's sound server, `--exit-idle-time=-1`) with a
null sink as the default output and a null source as the default microphone, and passes
`PULSE_SERVER` to every benchmark process. The app plays through it exactly as through
speakers (QtMultimedia -> PulseAudio), and voice input records (silence) from it.

`OutputRecorder` records the null sink's monitor with `parec` in a helper process that
stamps every block it reads with CLOCK_MONOTONIC (the clock `time.monotonic()` reads in
every process), so a sample's time at the output can be compared with a key press or a
cue's due time in the app. `Recording` answers the questions the figures need:
- `first_sound(after)`: when the first audible sample left the output (speech onset);
- `cut_time(trigger, wav, started)`: when the utterance that was playing stopped being
  heard, told apart from whatever the app says next (the stop message, the next prompt)
  by comparing the output with the utterance's own WAV file (its natural pauses are
  known, so a pause is not taken for the cut, and new speech is not taken for the old).

Run `python -m bench.audio_out record SOURCE RAW TIMES` is the helper process itself.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

RATE = 22050  # the null sink (mono) and the recorder run at the voice files' own rate
SINK = "companion_bench"
SOURCE = "companion_bench_mic"
MONITOR = f"{SINK}.monitor"
LOUD = 0.003  # about -50 dBFS: quieter than this is silence (espeak-ng pauses are 0)
WINDOW_MS = 5  # envelope: peak over this window, one value per millisecond


class AudioUnavailable(RuntimeError):
    """No private sound server could be started here (the message says why)."""


class PulseServer:
    """A private PulseAudio daemon with a null sink (output) and null source (microphone).

    `start()` returns the environment additions (`PULSE_SERVER`) for processes that should
    use it; `stop()` ends the daemon. Raises AudioUnavailable when `pulseaudio` is missing
    or does not come up.
    """

    def __init__(self) -> None:
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self.socket = ""

    def start(self, timeout: float = 10.0) -> dict[str, str]:
        exe = shutil.which("pulseaudio")
        if exe is None:
            raise AudioUnavailable("pulseaudio is not installed (sudo apt-get install "
                                   "pulseaudio pulseaudio-utils)")
        if shutil.which("parec") is None:
            raise AudioUnavailable("parec is not installed (sudo apt-get install "
                                   "pulseaudio-utils)")
        self._dir = tempfile.TemporaryDirectory(prefix="companion-bench-pulse-")
        root = Path(self._dir.name)
        self.socket = str(root / "native")
        script = root / "bench.pa"
        script.write_text(
            f"load-module module-native-protocol-unix socket={self.socket} auth-anonymous=1\n"
            f"load-module module-null-sink sink_name={SINK} rate={RATE} channels=1 "
            "sink_properties=device.description=CompanionBench\n"
            f"load-module module-null-source source_name={SOURCE}\n"
            f"set-default-sink {SINK}\n"
            f"set-default-source {SOURCE}\n",
            encoding="utf-8")
        env = dict(os.environ, HOME=str(root), XDG_RUNTIME_DIR=str(root),
                   PULSE_RUNTIME_PATH=str(root / "runtime"), PULSE_STATE_PATH=str(root / "state"),
                   XDG_CONFIG_HOME=str(root / "config"))
        env.pop("PULSE_SERVER", None)
        self._proc = subprocess.Popen(
            [exe, "-n", "-F", str(script), "--daemonize=no", "--exit-idle-time=-1",
             "--use-pid-file=no", "--disable-shm=yes", "--log-target=stderr"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self._proc.poll() is not None:
                self.stop()
                raise AudioUnavailable("pulseaudio exited at start")
            if Path(self.socket).exists() and self._answers():
                return {"PULSE_SERVER": f"unix:{self.socket}"}
            time.sleep(0.05)
        self.stop()
        raise AudioUnavailable("pulseaudio did not come up in time")

    def _answers(self) -> bool:
        env = dict(os.environ, PULSE_SERVER=f"unix:{self.socket}")
        try:
            return subprocess.run(["pactl", "info"], env=env, capture_output=True,
                                  timeout=5).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
        self._proc = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None


def audio_ready() -> str | None:
    """None when this process can record the bench sink, else why not."""
    if not os.environ.get("PULSE_SERVER"):
        return "no private sound server (run through `python -m bench`, which starts one)"
    if shutil.which("parec") is None:
        return "parec is not installed (pulseaudio-utils)"
    return None


class OutputRecorder:
    """Records the bench sink's monitor from `start()` to `stop()` (see module doc)."""

    def __init__(self, folder: Path) -> None:
        self.raw = folder / "output.raw"
        self.times = folder / "output.times"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 5.0) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.audio_out", "record", MONITOR, str(self.raw),
             str(self.times)],
            stdout=subprocess.PIPE, cwd=Path(__file__).resolve().parent.parent)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().decode().strip()
        if line != "recording":
            self.stop()
            raise AudioUnavailable(f"the output recorder did not start ({line!r})")
        # the first blocks arrive after the monitor stream is connected
        end = time.monotonic() + timeout
        while time.monotonic() < end and (not self.times.exists()
                                           or self.times.stat().st_size == 0):
            time.sleep(0.01)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def recording(self) -> Recording:
        """What has been recorded so far (the recorder may keep running)."""
        return Recording.load(self.raw, self.times)


def _record(source: str, raw_path: str, times_path: str) -> int:
    """The helper process: parec -> RAW (int16 mono) and TIMES (sample count, monotonic)."""
    proc = subprocess.Popen(
        ["parec", "-d", source, "--raw", "--format=s16le", f"--rate={RATE}", "--channels=1",
         "--latency-msec=2"], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    stop = {"now": False}

    def on_term(_sig: int, _frame: object) -> None:
        stop["now"] = True
        proc.terminate()

    signal.signal(signal.SIGTERM, on_term)
    fd = proc.stdout.fileno()
    total = 0
    carry = b""
    print("recording", flush=True)
    with open(raw_path, "wb") as raw, open(times_path, "w", encoding="ascii") as times:
        while not stop["now"]:
            try:
                block = os.read(fd, 8192)
            except InterruptedError:
                continue
            now = time.monotonic()
            if not block:
                break
            block = carry + block
            usable = len(block) - len(block) % 2
            carry = block[usable:]
            raw.write(block[:usable])
            total += usable // 2
            times.write(f"{total} {now:.6f}\n")
            raw.flush()
            times.flush()
    proc.wait(timeout=5)
    return 0


def _envelope(x: np.ndarray, rate: int) -> np.ndarray:
    """Peak |sample| (full scale 1.0) over WINDOW_MS around each millisecond."""
    per_ms = rate // 1000
    n = len(x) // per_ms
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    block = np.abs(x[: n * per_ms].astype(np.float32)).reshape(n, per_ms).max(axis=1)
    half = WINDOW_MS // 2
    padded = np.pad(block, (half, half))
    windows = np.lib.stride_tricks.sliding_window_view(padded, WINDOW_MS)
    return np.asarray(windows.max(axis=1) / 32768.0, dtype=np.float32)


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A mono 16-bit WAV (the app's rendered speech) as int16 samples and its rate."""
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        data = w.readframes(w.getnframes())
        channels = w.getnchannels()
    x = np.frombuffer(data, dtype="<i2")
    if channels > 1:
        x = x.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return x, rate


def wav_envelope(path: Path) -> np.ndarray:
    x, rate = read_wav(path)
    return _envelope(x, rate)


@dataclass
class Cut:
    """Where an interrupted utterance stopped at the output (times are monotonic s)."""

    started: float  # when the utterance's first sound left the output
    cut: float  # the end of its last sound
    latency_ms: float  # cut - trigger, never below 0
    dropouts: int  # gaps in its playback (the output ran dry and resumed)
    trace: list[tuple[int, int, int]] = field(default_factory=list)  # (rec from, rec to, file)


LOUD_I16 = int(LOUD * 32768)
PER_MS = RATE // 1000  # samples per envelope step
BLOCK = RATE // 100  # 10 ms: the unit the utterance is followed in
MAX_GAP = RATE // 2  # a dropout longer than 0.5 s is taken as the end
MAX_SKIP = RATE  # the player may drop up to 1 s of a file to catch up
TOL = 2  # LSB: the output is the file's samples (same rate, full volume, one stream)


def _find_in(haystack: np.ndarray, template: np.ndarray, lo: int, hi: int) -> int | None:
    """The first index in [lo, hi) where `haystack` holds `template` (within TOL)."""
    lo = max(0, lo)
    hi = min(hi, len(haystack) - len(template))
    if hi <= lo or len(template) == 0:
        return None
    segment = haystack[lo:hi + len(template)].astype(np.int32)
    first = np.nonzero(np.abs(segment[: hi - lo] - int(template[0])) <= TOL)[0]
    t = template.astype(np.int32)
    for k in first:
        if np.all(np.abs(segment[k:k + len(t)] - t) <= TOL):
            return lo + int(k)
    return None


class Recording:
    """The output as recorded: int16 samples and the monotonic time of each one.

    Times: a block is read some time after its last sample left the sink, never before,
    so in each second of recording the earliest (read time - block end / rate) is the best
    estimate of when sample 0 would have left; taking it per second keeps the estimate
    right across a recorder hiccup.
    """

    def __init__(self, samples: np.ndarray, stamps: np.ndarray) -> None:
        self.samples = samples
        ends, reads = stamps[:, 0], stamps[:, 1]
        lag = reads - ends / RATE
        second = np.floor(reads - reads[0]).astype(int)
        per_second = np.full(int(second.max()) + 1 if len(second) else 1, np.inf)
        np.minimum.at(per_second, second, lag)
        self._ends = ends
        self._t0 = per_second[second]
        self.t0 = float(self._t0.min()) if len(self._t0) else 0.0
        self.env = _envelope(samples, RATE)

    @classmethod
    def load(cls, raw: Path, times: Path) -> Recording:
        samples = np.fromfile(raw, dtype="<i2")
        stamps = np.loadtxt(times, ndmin=2) if times.stat().st_size else np.zeros((0, 2))
        if len(stamps) == 0:
            raise AudioUnavailable("nothing was recorded from the output")
        samples = samples[: int(stamps[-1, 0])]
        return cls(samples, stamps)

    # -- time <-> sample -------------------------------------------------------------------
    def time_of(self, index: int) -> float:
        k = min(int(np.searchsorted(self._ends, index, side="right")), len(self._ends) - 1)
        return float(self._t0[k] + index / RATE)

    def index_of(self, t: float) -> int:
        guess = int((t - self.t0) * RATE)
        k = min(int(np.searchsorted(self._ends, max(0, guess), side="right")),
                len(self._ends) - 1)
        return max(0, round((t - self._t0[k]) * RATE))

    def ms(self, t: float) -> int:
        """The envelope index (one per PER_MS samples, about a millisecond) at time `t`."""
        return self.index_of(t) // PER_MS

    def at(self, index_ms: int) -> float:
        return self.time_of(index_ms * PER_MS)

    def loud(self) -> np.ndarray:
        return self.env > LOUD

    # -- questions ----------------------------------------------------------------------------
    def silent_before(self, t: float, ms: int) -> bool:
        """True when nothing was audible in the `ms` milliseconds before `t`."""
        i = self.index_of(t)
        a = i - ms * RATE // 1000
        return a >= 0 and not bool((np.abs(self.samples[a:i].astype(np.int32)) > LOUD_I16).any())

    def first_sound(self, after: float, before: float | None = None) -> float | None:
        """The time of the first audible sample at or after `after` (sample-accurate)."""
        start = self.index_of(after)
        stop = len(self.samples) if before is None else max(start, self.index_of(before))
        hits = np.nonzero(np.abs(self.samples[start:stop].astype(np.int32)) > LOUD_I16)[0]
        if len(hits) == 0:
            return None
        return self.time_of(start + int(hits[0]))

    def _find(self, template: np.ndarray, lo: int, hi: int) -> int | None:
        """The first index in [lo, hi) where the recording holds `template` (within TOL)."""
        return _find_in(self.samples, template, lo, hi)

    def onset_of(self, wav: Path, after: float, within: float = 2.0) -> float | None:
        """When the sound of `wav` first left the output at or after `after` (the time of
        the file's first audible sample), found by its own samples, so whatever else is
        still sounding (the previous prompt's tail) does not matter. None if never."""
        x, rate = read_wav(wav)
        loud_at = np.nonzero(np.abs(x.astype(np.int32)) > LOUD_I16)[0]
        if rate != RATE or len(loud_at) == 0:
            return None
        lo = self.index_of(after)
        hi = lo + int(within * RATE)
        # its first sound; if the player dropped that (to catch up), the next ones
        for q in loud_at[loud_at < int(loud_at[0]) + RATE // 2][::BLOCK]:
            at = self._find(x[int(q):int(q) + BLOCK], lo, hi)
            if at is not None:
                return self.time_of(at)
        return None

    def _skipped_to(self, x: np.ndarray, i: int, p: int) -> tuple[int | None, int]:
        """The output's next sound after recording index `i`, if it is from further on in
        the file than `p`: (its recording index, its file index), else (None, p)."""
        ahead = np.abs(self.samples[i:i + MAX_GAP].astype(np.int32)) > LOUD_I16
        loud = np.nonzero(ahead)[0]
        if len(loud) == 0:
            return None, p
        r = i + int(loud[0])
        template = self.samples[r:r + BLOCK]
        w = _find_in(x, template, p, p + MAX_SKIP)
        return (r, w) if w is not None else (None, p)

    def cut_time(self, trigger: float, wav: Path, started: float) -> Cut | None:
        """When the utterance in `wav`, which started playing near `started`, stopped.

        The output carries the file's own samples, so the utterance is followed sample by
        sample: through its natural pauses (the file is silent there too) and across
        dropouts (the output ran dry and resumed: the file's next sound turns up later).
        Where the file's next sound never turns up, it was cut; the cut is the end of the
        last sample that was the utterance's. Other sound (the next prompt, the stop
        message) never matches the file. None when the utterance is not found at all, or
        the file is not at the output's rate.
        """
        x, rate = read_wav(wav)
        if rate != RATE or len(x) < BLOCK:
            return None
        loud_x = np.abs(x.astype(np.int32)) > LOUD_I16
        loud_at = np.nonzero(loud_x)[0]
        if len(loud_at) == 0:
            return None
        k0 = int(loud_at[0])
        trig = self.index_of(trigger)
        lo = max(0, self.index_of(started - 0.2))
        found = self._find(x[k0:k0 + BLOCK], lo + k0, max(lo + k0 + 1, trig))
        if found is None:
            return None
        i, p = found, k0  # recording index, file index: the same sample
        first = found
        last_loud = found
        dropouts = 0
        trace: list[tuple[int, int, int]] = []
        horizon = min(len(self.samples), trig + 3 * RATE)
        while p < len(x) and i < horizon:
            n = min(BLOCK, len(x) - p, len(self.samples) - i)
            if n <= 0:
                break
            diff = np.abs(self.samples[i:i + n].astype(np.int32) - x[p:p + n].astype(np.int32))
            bad = np.nonzero(diff > TOL)[0]
            j = int(bad[0]) if len(bad) else n
            loud_here = np.nonzero(loud_x[p:p + j])[0]
            if len(loud_here):
                last_loud = i + int(loud_here[-1])
            i, p = i + j, p + j
            if j == n:
                continue
            # diverged at (i, p): did the output run dry and go on (the file's next sound
            # turns up later), or did the player drop audio to catch up (the output's next
            # sound is from further on in the file)? Otherwise the utterance was cut here.
            nxt = loud_at[loud_at >= p]
            if len(nxt) == 0:
                break  # nothing more to say: it ended
            q = int(nxt[0])
            template = x[q:q + min(BLOCK, len(x) - q)]
            at = self._find(template, i + (q - p) - TOL, i + (q - p) + MAX_GAP)
            if at is None:
                at, q = self._skipped_to(x, i, p)
            if at is None:
                break  # cut
            dropouts += 1
            trace.append((i, at, q))
            i, p = at, q
        if i < trig and p < len(x):
            return None  # lost before the trigger: this cut-off cannot be told
        cut_index = max(last_loud + 1, trig)
        return Cut(self.time_of(first - k0), self.time_of(cut_index),
                   max(0.0, (cut_index - trig) * 1000.0 / RATE), dropouts, trace)


def debug_strip(rec: Recording, start: float, stop: float, marks: dict[str, float],
                wav_env: np.ndarray | None = None, wav_start: float | None = None) -> str:
    """A text picture of the output envelope, one character per 2 ms ('#' loud, '.' quiet),
    with `marks` (letter -> time) on a second line and the reference WAV on a third."""
    a, b = rec.ms(start), rec.ms(stop)
    loud = rec.loud()
    line = "".join("#" if 0 <= i < len(loud) and loud[i] else "." for i in range(a, b, 2))
    mark = [" "] * len(line)
    for letter, t in marks.items():
        k = (rec.ms(t) - a) // 2
        if 0 <= k < len(mark):
            mark[k] = letter[0]
    out = [line, "".join(mark)]
    if wav_env is not None and wav_start is not None:
        off = rec.ms(wav_start)
        ref = wav_env > LOUD
        out.append("".join("#" if 0 <= i - off < len(ref) and ref[i - off] else "."
                           for i in range(a, b, 2)))
    return "\n".join(out)


def save_wav(rec: Recording, path: Path) -> None:
    """The recorded output as a WAV file (for listening, or sox)."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(rec.samples.astype("<i2").tobytes())


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "record":
        return _record(argv[1], argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
