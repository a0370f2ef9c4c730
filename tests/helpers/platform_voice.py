"""Audio files made with sox, and a stand-in helper for the speech drivers this machine
cannot run (macOS NSSpeechSynthesizer, Windows SAPI5): tests/helpers/fake_tts_helper.py."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

FAKE_HELPER = Path(__file__).resolve().with_name("fake_tts_helper.py")
SECONDS = 0.5
FREQ = 440.0


def sox(out: Path, *options: str, seconds: float = SECONDS, volume: float = 0.5) -> Path:
    """A sine tone file made with sox (a test package: Makefile TEST_PACKAGES, .ci/run)."""
    assert shutil.which("sox"), "sox is needed for the audio format tests (apt-get install sox)"
    subprocess.run(["sox", "-n", *options, str(out), "synth", str(seconds), "sine", str(FREQ),
                    "vol", str(volume)], check=True, capture_output=True)
    return out


class FakeDriver:
    """A helper that reports `driver` and copies the CONTROL file's audio as its output."""

    def __init__(self, tmp_path: Path, driver: str, source: Path | str) -> None:
        self.control = tmp_path / f"{driver}.control"
        self.log = tmp_path / f"{driver}.log"
        self.log.write_text("", encoding="utf-8")
        self.serve(source)
        self.command = [sys.executable, str(FAKE_HELPER), driver, str(self.control),
                        str(self.log)]

    def serve(self, source: Path | str) -> None:
        self.control.write_text(str(source), encoding="utf-8")

    @property
    def outputs(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").split()
