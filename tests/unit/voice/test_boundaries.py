from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize(("imports", "absent"), [
    # synthesis and rendering must run where Qt is absent (CLI, CI without a display)
    pytest.param("companion.voice.base, companion.voice.synth, companion.voice.render, "
                 "companion.voice.policy, companion.voice.audio", ("PySide6",),
                 id="the voice package works without Qt"),
    pytest.param("companion.core.timeline, companion.core.engine", ("pyttsx3", "numpy"),
                 id="the core does not import the speech engine"),
    # what the start screen waits for: the voice and its speech output, not numpy (about
    # 170 ms and 16 MB; the microphone's modules load after the start screen is up)
    pytest.param("companion.voice.speech_engines, companion.voice.speech_cache, "
                 "companion.ui.adapters.speech_ahead, companion.ui.adapters.speech, "
                 "companion.ui.adapters.listening", ("numpy",),
                 id="the voice is ready without numpy"),
])
def test_a_package_loads_without_what_it_must_not_need(imports: str,
                                                       absent: tuple[str, ...]) -> None:
    """Importing `imports` in a fresh interpreter loads no module named `absent*`."""
    code = (
        "import sys\n"
        f"import {imports}\n"
        f"print(','.join(sorted(m for m in sys.modules if m.startswith({absent!r}))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert done.stdout.strip() == ""
