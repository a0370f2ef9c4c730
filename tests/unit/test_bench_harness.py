"""The benchmark harness's own logic: statistics, targets and exit status, the test-only
slow paths, and how a cut-off is found in the recorded audio output (synthetic signals)."""

from __future__ import annotations

import math
import wave
from pathlib import Path

import numpy as np
import pytest

from bench import hooks
from bench.__main__ import ALIASES, judge, target_for
from bench.audio_out import RATE, Recording
from bench.stats import percentile, summary, value_of


def test_percentile_is_nearest_rank_so_few_samples_show_their_worst() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 95) == 5.0
    assert percentile(list(map(float, range(1, 101))), 95) == 95.0
    assert math.isnan(percentile([], 95))


def test_summary_reports_the_named_statistic_and_the_spread() -> None:
    fig = summary([10.0, 20.0, 30.0, 40.0, 1000.0], "p95", runs=[1.0, 2.0])
    assert (fig["value"], fig["median"], fig["max"], fig["n"]) == (1000.0, 30.0, 1000.0, 5)
    assert fig["runs"] == [1.0, 2.0]
    assert value_of(summary([3.0, 1.0, 2.0], "median")) == 2.0
    with pytest.raises(ValueError):
        summary([1.0], "p50")


def test_a_sample_that_never_happened_makes_the_figure_infinite() -> None:
    fig = summary([5.0, float("inf")], "p95")
    assert fig["value"] == math.inf
    assert judge(fig["value"], ("<=", 100.0)) == "MISSED"


def test_judge_tells_met_missed_and_not_measured() -> None:
    assert judge(50.0, ("<=", 50.0)) == "ok"
    assert judge(50.1, ("<=", 50.0)) == "MISSED"
    assert judge(0.89, (">=", 0.9)) == "MISSED"
    assert judge(math.nan, ("<=", 1.0)) == "NOT MEASURED"
    assert judge(3.0, None) == ""


def test_per_condition_asr_figures_get_a_target() -> None:
    own = {"asr_latency_ms": ("<=", 500.0), "asr_accuracy": (">=", 0.95)}
    assert target_for("asr_latency_ms_espeak", own) == ("<=", 500.0)  # the module's own
    assert target_for("asr_accuracy_espeak", own) == (">=", 0.95)
    assert target_for("asr_accuracy_piper_10db", {}) == (">=", 0.9)
    assert target_for("asr_false_all_clear_piper", {}) == ("<=", 0.0)
    assert target_for("asr_cond_tv_10db_false_clear", {}) == ("<=", 0.0)
    assert target_for("asr_clips", {}) is None
    assert target_for("speech_cancel_skip_ms", {"speech_cancel_ms": ("<=", 50.0)}) is None


def test_old_figure_names_point_at_figures_that_exist() -> None:
    from bench import bench_gui, bench_safety

    known = set(bench_gui.TARGETS) | set(bench_safety.TARGETS)
    assert set(ALIASES.values()) <= known


def test_injection_spec_is_parsed_strictly() -> None:
    assert hooks.parse("recorder=0.4, speech=0.25") == {"recorder": 0.4, "speech": 0.25}
    assert hooks.parse("") == {}
    for bad in ("recorder", "disk=1", "speech=fast"):
        with pytest.raises(ValueError):
            hooks.parse(bad)


# -- the output recording: where did the interrupted utterance stop? ------------------------
def _speech(seconds: float, pauses: list[tuple[float, float]], seed: int) -> np.ndarray:
    """A 'voice file': noise-like sound with silent pauses (as espeak-ng's are: zeros)."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(int(seconds * RATE)) * 4000).astype(np.int16)
    for a, b in pauses:
        x[int(a * RATE):int(b * RATE)] = 0
    return x


def _wav(path: Path, x: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(x.tobytes())
    return path


def _recording(parts: list[np.ndarray], t0: float = 100.0) -> Recording:
    samples = np.concatenate(parts).astype(np.int16)
    ends = np.arange(441, len(samples) + 1, 441)  # 20 ms blocks, each read on time
    stamps = np.column_stack([ends, t0 + ends / RATE + 0.001])
    return Recording(samples, stamps)


def _t(rec: Recording, seconds: float) -> float:
    return rec.t0 + seconds


def test_the_cut_is_where_the_utterance_stops_even_when_new_speech_follows(
        tmp_path: Path) -> None:
    utterance = _speech(2.0, [(0.8, 1.0)], seed=1)
    wav = _wav(tmp_path / "u.wav", utterance)
    cut_at = int(1.3 * RATE)  # output stops 1.3 s in; other speech 60 ms later
    rec = _recording([np.zeros(int(0.2 * RATE)), utterance[:cut_at],
                      np.zeros(int(0.06 * RATE)), _speech(1.0, [], seed=2)])
    trigger = _t(rec, 0.2 + 1.28)
    cut = rec.cut_time(trigger, wav, _t(rec, 0.18))
    assert cut is not None
    assert cut.latency_ms == pytest.approx(20.0, abs=1.0)
    assert cut.started == pytest.approx(_t(rec, 0.2), abs=0.002)


def test_a_dropout_before_the_trigger_is_followed_not_taken_for_the_cut(
        tmp_path: Path) -> None:
    utterance = _speech(2.0, [], seed=3)
    wav = _wav(tmp_path / "u.wav", utterance)
    split, cut_at = int(0.5 * RATE), int(1.5 * RATE)
    rec = _recording([np.zeros(int(0.1 * RATE)), utterance[:split],
                      np.zeros(int(0.02 * RATE)), utterance[split:cut_at],
                      np.zeros(int(0.5 * RATE))])
    trigger = _t(rec, 0.1 + 0.02 + 1.45)
    cut = rec.cut_time(trigger, wav, _t(rec, 0.1))
    assert cut is not None and cut.dropouts == 1
    assert cut.latency_ms == pytest.approx(50.0, abs=1.0)


def test_new_speech_during_a_natural_pause_is_not_the_old_utterance(tmp_path: Path) -> None:
    # stopped at the trigger inside a pause; the next prompt starts where the old one
    # would have resumed: loudness alone would mistake it for the old utterance
    utterance = _speech(2.0, [(0.5, 0.9)], seed=4)
    wav = _wav(tmp_path / "u.wav", utterance)
    rec = _recording([np.zeros(int(0.1 * RATE)), utterance[:int(0.7 * RATE)],
                      np.zeros(int(0.2 * RATE)), _speech(1.0, [], seed=5)])
    cut = rec.cut_time(_t(rec, 0.1 + 0.6), wav, _t(rec, 0.1))
    assert cut is not None and cut.latency_ms == 0.0


def test_an_utterance_that_was_never_stopped_measures_to_its_end(tmp_path: Path) -> None:
    utterance = _speech(1.0, [], seed=6)
    wav = _wav(tmp_path / "u.wav", utterance)
    rec = _recording([np.zeros(int(0.1 * RATE)), utterance, np.zeros(int(0.5 * RATE))])
    cut = rec.cut_time(_t(rec, 0.1 + 0.3), wav, _t(rec, 0.1))
    assert cut is not None and cut.latency_ms == pytest.approx(700.0, abs=1.0)


def test_speech_onset_is_the_first_audible_sample(tmp_path: Path) -> None:
    rec = _recording([np.zeros(int(0.3 * RATE)), _speech(0.2, [], seed=7)])
    assert rec.silent_before(_t(rec, 0.3), 100)
    heard = rec.first_sound(_t(rec, 0.1))
    assert heard == pytest.approx(_t(rec, 0.3), abs=0.001)


def test_a_cue_is_found_by_its_own_samples_even_under_the_last_words_tail(
        tmp_path: Path) -> None:
    word = _speech(0.3, [], seed=8)
    wav = _wav(tmp_path / "w.wav", word)
    rec = _recording([np.zeros(int(0.1 * RATE)), _speech(0.4, [], seed=9), word,
                      np.zeros(int(0.2 * RATE))])
    due = _t(rec, 0.35)  # the previous word is still sounding when this one is due
    assert rec.onset_of(wav, due) == pytest.approx(_t(rec, 0.5), abs=0.001)
    assert rec.onset_of(wav, _t(rec, 0.81)) is None  # said once, not again


def test_audio_the_player_dropped_to_catch_up_is_followed(tmp_path: Path) -> None:
    utterance = _speech(2.0, [], seed=10)
    wav = _wav(tmp_path / "u.wav", utterance)
    a, b, cut_at = int(0.5 * RATE), int(0.7 * RATE), int(1.5 * RATE)  # 0.5-0.7 s dropped
    rec = _recording([np.zeros(int(0.1 * RATE)), utterance[:a], np.zeros(int(0.03 * RATE)),
                      utterance[b:cut_at], np.zeros(int(0.5 * RATE))])
    trigger = _t(rec, 0.1 + 0.03 + 1.2)
    cut = rec.cut_time(trigger, wav, _t(rec, 0.1))
    assert cut is not None and cut.dropouts == 1
    assert cut.latency_ms == pytest.approx(100.0, abs=1.0)


def test_an_utterance_lost_before_the_trigger_is_not_a_measurement(tmp_path: Path) -> None:
    utterance = _speech(2.0, [], seed=11)
    wav = _wav(tmp_path / "u.wav", utterance)
    rec = _recording([np.zeros(int(0.1 * RATE)), utterance[:int(0.4 * RATE)],
                      _speech(1.5, [], seed=12)])  # something else plays from 0.5 s
    assert rec.cut_time(_t(rec, 1.0), wav, _t(rec, 0.1)) is None
