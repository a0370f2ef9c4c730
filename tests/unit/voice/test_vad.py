"""The recogniser's endpointer on made-up Silero probabilities and levels: where utterances
start and end, what surrounds them, background talk, and the noise notice."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.voice import vad
from companion.voice.vad import (
    CHUNK_S,
    HANG_CHUNKS,
    Endpointer,
    Room,
    Utterance,
    denoise,
    level_db,
    too_noisy,
)

QUIET = (0.02, -70.0)  # Silero probability, level dBFS
SPEECH = (0.95, -25.0)


def run(ep: Endpointer, chunks: list[tuple[float, float]]) -> list[Utterance]:
    out: list[Utterance] = []
    for p, db in chunks:
        ep.step(p, db)
        out += ep.settle()
    return out + ep.settle(final=True)


def seconds(n: float) -> int:
    return round(n / CHUNK_S)


def test_an_utterance_ends_a_fixed_wait_after_the_speech_and_is_timed_in_stream_seconds() -> None:
    ep = Endpointer(hold=0.3)
    ended: list[tuple[int, Utterance]] = []
    chunks = [QUIET] * seconds(1.0) + [SPEECH] * seconds(0.6) + [QUIET] * seconds(1.0)
    for i, (p, db) in enumerate(chunks):
        for u in ep.step(p, db):
            ended.append((i, u))
    assert len(ended) == 1
    i, u = ended[0]
    assert u.start == pytest.approx(1.0, abs=CHUNK_S)
    assert u.end == pytest.approx(1.6, abs=CHUNK_S)
    # found HANG_CHUNKS after the end of speech (~0.2 s), not later
    assert (i + 1) * CHUNK_S - u.end == pytest.approx(HANG_CHUNKS * CHUNK_S, abs=CHUNK_S)
    assert not u.at_open and u.background == 0.0


def test_a_short_answer_in_quiet_is_not_followed() -> None:
    [u] = run(Endpointer(hold=0.3),
              [QUIET] * seconds(1.0) + [SPEECH] * seconds(0.6) + [QUIET] * seconds(1.0))
    assert u.followed is False and u.speech_after == 0.0


def test_speech_again_within_the_hold_marks_it_followed() -> None:
    """'all clear ... no wait': the second part starts within the hold."""
    chunks = [QUIET] * seconds(1.0) + [SPEECH] * seconds(0.6) + [QUIET] * seconds(0.25) \
        + [SPEECH] * seconds(0.4) + [QUIET] * seconds(1.0)
    first = run(Endpointer(hold=0.4), chunks)[0]
    assert first.followed is True


def test_the_stream_ending_inside_the_hold_counts_as_followed() -> None:
    """Not knowing what came after is not quiet."""
    [u] = run(Endpointer(hold=0.4), [QUIET] * seconds(1.0) + [SPEECH] * seconds(0.6)
              + [QUIET] * (HANG_CHUNKS + 1))
    assert u.followed is True


def test_talk_before_it_is_measured_and_speech_at_the_start_is_at_open() -> None:
    talk = (0.9, -40.0)  # someone else, quieter
    chunks = [talk] * seconds(2.0) + [QUIET] * seconds(0.3) + [SPEECH] * seconds(0.6) \
        + [QUIET] * seconds(1.0)
    utterances = run(Endpointer(), chunks)
    assert utterances[0].at_open  # the talk was going on when listening started
    answer = utterances[-1]
    assert not answer.at_open
    assert answer.background > 0.5


def test_once_background_talk_is_known_only_louder_speech_starts_an_utterance() -> None:
    room = Room()
    for _ in range(seconds(2.0)):
        room.hear(0.9, -40.0)  # the TV, before the question
    ep = Endpointer(room=room)
    tv_again = [(0.9, -39.0)] * seconds(2.0)
    assert run(ep, tv_again) == []  # the TV alone starts nothing
    user = [(0.95, -25.0)] * seconds(0.5)
    found = run(Endpointer(room=room), tv_again[:10] + user + tv_again)
    assert len(found) == 1
    assert found[0].start == pytest.approx(10 * CHUNK_S, abs=CHUNK_S)
    assert found[0].end == pytest.approx(10 * CHUNK_S + 0.5, abs=2 * CHUNK_S)
    assert found[0].speech_after > 0.5  # and the talk after it is seen


def test_speech_too_long_for_an_answer_is_dropped_and_learnt_as_talk() -> None:
    ep = Endpointer()
    found = run(ep, [QUIET] * 5 + [SPEECH] * seconds(vad.MAX_UTTERANCE + 1.0))
    assert found == []
    assert ep.talk_db == pytest.approx(SPEECH[1])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 1.0), st.floats(-90.0, 0.0)), max_size=400),
       st.floats(0.05, 1.0))
def test_any_stream_gives_ordered_sane_utterances(chunks: list[tuple[float, float]],
                                                  hold: float) -> None:
    found = run(Endpointer(hold=hold), chunks)
    total = len(chunks) * CHUNK_S
    last_end = 0.0
    for u in found:
        assert 0.0 <= u.start < u.end <= total + 1e-9
        assert u.start >= last_end - 1e-9
        assert 0.0 <= u.background <= 1.0 and 0.0 <= u.speech_after <= 1.0
        assert u.followed is not None  # settled by the end of the stream
        last_end = u.end


def test_denoise_takes_steady_noise_down_and_leaves_a_quiet_signal_alone() -> None:
    rng = np.random.default_rng(1)
    noise = rng.normal(0.0, 1000.0, vad.SAMPLE_RATE)
    room = Room()
    for i in range(0, len(noise) - vad.CHUNK, vad.CHUNK):
        room.hear(0.0, -30.0, noise[i:i + vad.CHUNK])
    t = np.arange(vad.SAMPLE_RATE) / vad.SAMPLE_RATE
    tone = 3000.0 * np.sin(2 * np.pi * 440 * t)
    more_noise = rng.normal(0.0, 1000.0, len(t))
    cleaned = denoise(tone + more_noise, room.noise_psd)
    residual = cleaned - tone
    assert np.std(residual) < 0.6 * np.std(more_noise)
    assert np.array_equal(denoise(tone, None), tone)


def test_level_db_of_silence_and_full_scale() -> None:
    assert level_db(np.zeros(512, dtype=np.int16)) == vad.SILENT_DB
    assert level_db(np.full(512, 32767, dtype=np.int16)) == pytest.approx(0.0, abs=0.01)


def test_too_noisy_turns_on_for_a_faint_utterance_or_a_loud_room_and_off_when_heard_well() -> None:
    assert too_noisy(-60.0, 5.0, False)  # heard barely above the noise
    assert not too_noisy(-60.0, 20.0, False)
    assert too_noisy(-25.0, None, False)  # a fan next to the microphone
    assert too_noisy(-60.0, 10.0, True)  # stays on until heard clearly
    assert not too_noisy(-60.0, 15.0, True)
    assert not too_noisy(-80.0, None, True)  # the room went quiet


def test_no_microphone_is_said_in_plain_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """PortAudio's own message ("Error querying device -1") is for the log, not a person."""
    import sounddevice as sd

    from companion.voice.sources import microphone_problem

    def no_device(*_args: object, **_kwargs: object) -> object:
        raise sd.PortAudioError("Error querying device -1")

    monkeypatch.setattr(sd, "query_devices", no_device)
    assert microphone_problem() == "no microphone found"
