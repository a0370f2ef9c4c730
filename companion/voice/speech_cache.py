"""Rendered utterances on disk: where each one is kept, what is let in, and how many stay.

A file is named for (cache version, driver, voice, rate, text) and holds the utterance as
16-bit mono WAV, trimmed of leading and trailing silence, so its length is the real speaking
time the timeline places cues by. Volume is not part of the key: it is applied at playback.
Whatever a driver wrote (WAV, or AIFF on macOS) is read through libsndfile and checked before
it is let in (`store`): a missing, unreadable or silent file is a `SynthesisError`, never a
cached success. Files are written under a scratch name and renamed into place, so a reader
never sees half a file; `prune` keeps the folder bounded and clears interrupted renders.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
import uuid
from pathlib import Path

from companion.voice import audio
from companion.voice.helper_process import SynthesisError

CACHE_VERSION = "1"  # bump when the rendering (trim, format) changes
MAX_CACHE_FILES = 5000  # about 150 MB of short prompts; the oldest go first
STALE_SCRATCH = 3600.0  # seconds after which a scratch file is an interrupted render's


class SpeechCache:
    """The folder of rendered utterances (`folder`, created on the first `store`).

    Thread-safe: files appear by atomic rename, and the remembered lengths are a plain dict
    whose worst race is reading one header twice.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._seconds: dict[Path, float] = {}

    def path(self, driver: str, voice: str, rate: int, text: str) -> Path:
        """Where the utterance is (or will be) kept: `<folder>/<40 hex digits>.wav`."""
        key = "\x1f".join((CACHE_VERSION, driver, voice, str(rate), text))
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
        return self.folder / f"{digest}.wav"

    def scratch(self, suffix: str) -> Path:
        """A fresh path for an engine to write one utterance to (`suffix`: ".wav", ".aiff");
        the folder exists once this returns."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"tmp-{os.getpid()}-{uuid.uuid4().hex}{suffix}"

    def store(self, out: Path, final: Path, text: str) -> Path:
        """Check what the engine wrote to `out` (its word is not enough: pyttsx3 reports
        success on silent failures), trim it and keep it at `final`. Returns `final`;
        raises `SynthesisError` for no file, a file libsndfile cannot read, or silence."""
        if not out.exists():
            raise SynthesisError(f"the engine wrote no file for {text!r}")
        try:
            data = audio.read_audio(out)
        except audio.BadWav as exc:
            raise SynthesisError(f"the engine wrote a bad file for {text!r}: {exc}") from exc
        if audio.peak(data) < 0.01:
            raise SynthesisError(f"the engine rendered silence for {text!r}")
        data = audio.trim_silence(data)
        staging = final.with_suffix(f".{uuid.uuid4().hex}.part")
        audio.write_wav(staging, data)
        os.replace(staging, final)
        return final

    def seconds(self, path: Path) -> float:
        """A kept file's length in seconds (its header, read once). Raises `audio.BadWav`."""
        cached = self._seconds.get(path)
        if cached is None:
            cached = audio.duration(path)
            self._seconds[path] = cached
        return cached

    def prune(self, max_files: int = MAX_CACHE_FILES) -> int:
        """Keep at most `max_files` utterances (the oldest go first) and drop scratch files
        older than an hour (interrupted renders). Returns how many files were removed."""
        if not self.folder.is_dir():
            return 0
        removed = 0
        files = []
        for path in self.folder.iterdir():
            if path.name.startswith("tmp-") or path.suffix == ".part":
                with contextlib.suppress(OSError):
                    if time.time() - path.stat().st_mtime > STALE_SCRATCH:
                        path.unlink()
                        removed += 1
            elif path.suffix == ".wav":
                files.append(path)
        if len(files) > max_files:
            files.sort(key=lambda p: p.stat().st_mtime)
            for path in files[: len(files) - max_files]:
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed += 1
        return removed
