"""`companion listen`: WAV files through the app's own recogniser and rules, as a user (or a
script) runs it; one JSON object per file; bad input gets a clear message, never a
traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.make_asr_clips import build, load, render_wav, select
from tests.conftest import ROOT

FIELDS = {"file", "context", "heard", "decision", "reason", "said", "confidence", "margin",
          "speech_start", "speech_end", "noisy", "utterances"}


def _run(*args: str, timeout: float = 180.0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "companion", "listen", *args],
                          capture_output=True, text=True, env=env, timeout=timeout,
                          check=False)


@pytest.mark.slow
def test_listen_decodes_files_with_the_apps_rules_and_reports_bad_ones(tmp_path: Path) -> None:
    folder = build("test")
    clips = load(folder)
    stop = select(clips, voice="piper:joe", rate="normal", text="stop", condition="clean")[0]
    chest = select(clips, voice="flite:slt", rate="normal", text="my chest hurts",
                   condition="clean")[0]
    tv = select(clips, kind="tv")[0]
    paths = []
    for clip in (stop, chest, tv):
        path = tmp_path / clip.file
        path.write_bytes(render_wav(folder, clip))
        paths.append(str(path))
    not_wav = tmp_path / "notes.wav"
    not_wav.write_text("not audio")
    missing = tmp_path / "missing.wav"
    done = _run("--json", *paths, str(not_wav), str(missing))
    assert done.returncode == 1, done.stderr  # two files could not be read
    assert "Traceback" not in done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["file"] for r in rows] == [*paths, str(not_wav), str(missing)]
    for row in rows[:3]:
        assert set(row) == FIELDS
        assert row["context"] == "checkin"
    assert rows[0]["heard"] == "stop" and rows[0]["decision"] == "red_flag"
    assert 0.0 < rows[0]["speech_start"] < rows[0]["speech_end"]
    assert abs(rows[0]["speech_end"] - stop.end) < 0.3  # seconds into the file
    assert rows[1]["decision"] == "red_flag"
    assert rows[2]["decision"] != "all_clear"  # the TV never answers for the user
    assert str(not_wav) in rows[3]["error"]  # the reason, with the file, in plain words
    assert "no such file" in rows[4]["error"]

    # the readable form, another context
    done = _run("--context", "effort", paths[0])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{paths[0]}: Heard: stop")
    # at the effort question a faint "stop" may be checked first ("did you say stop?")
    assert " -> red_flag " in done.stdout or " -> ask_again " in done.stdout


def test_listen_without_files_or_microphone_says_what_to_give() -> None:
    done = _run(timeout=60)
    assert done.returncode == 1
    assert "give WAV files" in done.stderr


def test_listen_to_the_microphone_ends_cleanly_with_or_without_one() -> None:
    done = _run("--mic", "--seconds", "0.5", timeout=60)
    assert "Traceback" not in done.stderr
    if done.returncode != 0:  # no input device here: the reason, in plain words
        assert done.stderr.startswith("companion: cannot listen:")


@pytest.mark.slow
def test_all_clear_taken_back_for_a_symptom_stops_and_a_plain_take_back_asks_again(
        tmp_path: Path) -> None:
    """A tester's clips, spoken by espeak-ng: "all clear, wait, my chest hurts" was heard
    as "all clear but wait stop but" and only asked again; now it stops, as "stop" does.
    "all clear, no wait" on its own is still never all clear."""
    said = {"c2.wav": "all clear, wait, my chest hurts",
            "w4.wav": "all clear. no wait, my chest hurts",
            "w5.wav": "all clear, no wait"}
    for name, text in said.items():
        subprocess.run(["espeak-ng", "-w", str(tmp_path / name), text], check=True,
                       capture_output=True, timeout=60)
    done = _run("--json", "--context", "checkin", *(str(tmp_path / n) for n in said))
    assert done.returncode == 0, done.stderr
    rows = {Path(r["file"]).name: r for r in map(json.loads, done.stdout.splitlines())}
    assert rows["c2.wav"]["decision"] == "red_flag", rows["c2.wav"]
    assert rows["w4.wav"]["decision"] == "red_flag", rows["w4.wav"]
    assert rows["w5.wav"]["decision"] == "ask_again", rows["w5.wav"]
