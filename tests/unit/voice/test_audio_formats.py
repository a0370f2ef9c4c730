"""Every file a speech driver writes is read: WAV (espeak-ng, Windows SAPI5) and AIFF
(macOS NSSpeechSynthesizer writes AIFF whatever the file is called), through libsndfile.
The files are made here with sox, in each format and sample layout a driver may use."""

from __future__ import annotations

import shutil
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from companion.core.timeline import STOP_MESSAGE
from companion.voice import audio
from companion.voice.base import VoiceStatus
from companion.voice.helper_process import SynthesisError
from companion.voice.synth import PROBE_TEXT, Synthesizer
from tests.helpers.platform_voice import FREQ, SECONDS, FakeDriver, sox

# (file name, sox output options): every layout the drivers are known to write, and more
FORMATS = {
    "aiff-16-mono-22k.aiff": ["-r", "22050", "-b", "16", "-c", "1"],
    "aifc-16-mono-22k.aifc": ["-r", "22050", "-b", "16", "-c", "1", "-e", "signed-integer"],
    "aiff-16-stereo-44k.aiff": ["-r", "44100", "-b", "16", "-c", "2"],
    "aiff-24-mono-48k.aiff": ["-r", "48000", "-b", "24", "-c", "1"],
    "wav-16-mono-22k.wav": ["-r", "22050", "-b", "16", "-c", "1"],
    "wav-16-mono-16k.wav": ["-r", "16000", "-b", "16", "-c", "1"],
    "wav-8-unsigned-11k.wav": ["-r", "11025", "-b", "8", "-c", "1", "-e", "unsigned-integer"],
    "wav-32-float-stereo-44k.wav": ["-r", "44100", "-b", "32", "-c", "2", "-e",
                                    "floating-point"],
}


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("formats")
    return {name: sox(folder / name, *opts) for name, opts in FORMATS.items()}


def _crossings(data: np.ndarray) -> int:
    return int(np.count_nonzero(np.diff(np.signbit(data))))


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_reads_as_mono_at_the_app_rate_with_the_same_sound(
    samples: dict[str, Path], name: str
) -> None:
    data = audio.read_audio(samples[name])
    assert data.dtype == np.float32 and data.ndim == 1
    assert len(data) == pytest.approx(SECONDS * audio.RATE, abs=3)
    assert audio.peak(data) == pytest.approx(0.5, abs=0.02)  # 8-bit is coarse
    # the pitch survives resampling: 440 Hz crosses zero about 880 times a second
    assert _crossings(data) == pytest.approx(2 * FREQ * SECONDS, abs=4)


def test_an_aiff_named_wav_is_read_by_its_content(samples: dict[str, Path],
                                                  tmp_path: Path) -> None:
    """What macOS does when asked for `x.wav` (pyttsx3 #361): the name does not matter."""
    misnamed = tmp_path / "utterance.wav"
    shutil.copyfile(samples["aiff-16-mono-22k.aiff"], misnamed)
    assert misnamed.read_bytes()[:4] == b"FORM"
    assert np.array_equal(audio.read_audio(misnamed),
                          audio.read_audio(samples["aiff-16-mono-22k.aiff"]))


@pytest.mark.parametrize(
    "content",
    [b"", b"RIFF", b"FORM\x00\x00\x00\x04AIFF", b"not audio at all, just text\n" * 20],
    ids=["empty", "riff-header-only", "aiff-header-only", "text"],
)
def test_a_damaged_file_is_a_bad_wav_not_a_crash(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(content)
    with pytest.raises(audio.BadWav):
        audio.read_audio(path)


def test_a_missing_file_is_a_bad_wav(tmp_path: Path) -> None:
    with pytest.raises(audio.BadWav):
        audio.read_audio(tmp_path / "gone.aiff")


def test_a_truncated_aiff_reads_what_is_there(samples: dict[str, Path], tmp_path: Path) -> None:
    whole = samples["aiff-16-mono-22k.aiff"].read_bytes()
    cut = tmp_path / "cut.aiff"
    cut.write_bytes(whole[: len(whole) // 2])
    try:
        data = audio.read_audio(cut)
    except audio.BadWav:
        return  # refusing it is as good: the render is reported as failed
    assert 0 < len(data) < SECONDS * audio.RATE


# -- the whole render path with each platform's driver, faked -------------------------------
@pytest.fixture
def make_synth(tmp_path: Path) -> Iterator[object]:
    made: list[Synthesizer] = []

    def make(driver: str, source: Path | str) -> tuple[Synthesizer, FakeDriver]:
        fake = FakeDriver(tmp_path, driver, source)
        synth = Synthesizer(tmp_path / "cache", driver=driver, command=fake.command)
        made.append(synth)
        return synth, fake

    yield make
    for synth in made:
        synth.close()


@pytest.mark.parametrize(
    ("driver", "sample", "suffix"),
    [("nsss", "aiff-16-mono-22k.aiff", ".aiff"), ("nsss", "aifc-16-mono-22k.aifc", ".aiff"),
     ("sapi5", "wav-16-mono-16k.wav", ".wav"), ("espeak", "wav-16-mono-22k.wav", ".wav")],
)
def test_each_drivers_output_is_stored_as_the_apps_wav(
    make_synth: object, samples: dict[str, Path], driver: str, sample: str, suffix: str
) -> None:
    synth, fake = make_synth(driver, samples[sample])  # type: ignore[operator]
    state = synth.start()
    assert state.status is VoiceStatus.OK, state
    path = synth.render("Bodyweight squats")
    assert all(out.endswith(suffix) for out in fake.outputs)  # named for what it writes
    with wave.open(str(path), "rb") as w:  # the one format QtMultimedia is given
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, audio.RATE)
        assert w.getnframes() / audio.RATE == pytest.approx(SECONDS, abs=0.05)
    assert synth.cached(PROBE_TEXT) is not None  # start() rendered the stop message


def test_a_render_that_cannot_be_read_is_reported_never_a_silent_success(
    make_synth: object, samples: dict[str, Path]
) -> None:
    """The macOS failure this fixes: the engine "succeeds", the file is unreadable, and the
    app used to say the voice worked."""
    synth, fake = make_synth("nsss", "garbage")  # type: ignore[operator]
    state = synth.start()
    assert state.status is VoiceStatus.NO_ENGINE
    assert "could not be rendered" in state.message
    assert state.fix  # the platform's own fix
    assert synth.cached(STOP_MESSAGE) is None
    with pytest.raises(SynthesisError):
        synth.render("Rest now")
    assert synth.available  # the engine runs: each new utterance is tried again...
    fake.serve(samples["aiff-16-mono-22k.aiff"])
    synth.render("Rest now")
    assert synth.state.status is VoiceStatus.OK  # ...and the banner goes when one works


def test_a_silent_render_is_reported_too(make_synth: object, tmp_path: Path) -> None:
    quiet = sox(tmp_path / "quiet.aiff", "-r", "22050", "-b", "16", "-c", "1", volume=0.0)
    synth, _fake = make_synth("nsss", quiet)  # type: ignore[operator]
    assert synth.start().status is VoiceStatus.NO_ENGINE
    assert "silence" in synth.state.message


def test_prerendering_gives_up_after_failures_in_a_row(make_synth: object) -> None:
    synth, fake = make_synth("nsss", "garbage")  # type: ignore[operator]
    synth.start()
    before = len(fake.outputs)
    failed = synth.prerender([f"Cue number {i}" for i in range(20)])
    assert failed == 3
    assert len(fake.outputs) - before == 3
