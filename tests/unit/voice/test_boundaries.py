from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_the_voice_package_works_without_qt() -> None:
    """Synthesis and rendering must run where Qt is absent (CLI, CI without a display)."""
    code = (
        "import sys\n"
        "import companion.voice.base, companion.voice.synth, companion.voice.render\n"
        "import companion.voice.policy, companion.voice.audio\n"
        "bad = sorted(m for m in sys.modules if m.startswith('PySide6'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert done.stdout.strip() == ""


def test_the_core_does_not_import_the_speech_engine() -> None:
    code = (
        "import sys\n"
        "import companion.core.timeline, companion.core.engine\n"
        "print(','.join(m for m in sys.modules if m.startswith(('pyttsx3', 'numpy'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert done.stdout.strip() == ""
