"""Offline voice commands on the TEST clip set (scripts/make_asr_clips.py; never tuned on).

- asr_accuracy: clean command clips, each decoded with the grammar of the context it is
  answered in (numbers: effort; done/skip: to-fatigue; resume: paused; others: check-in);
  right = exactly one utterance heard and it is the spoken phrase.
- asr_false_all_clear: every clip that is not "all clear" (clean and 10 dB SNR, commands,
  out-of-vocabulary words, symptoms, "i'm fine"/"yes"/"no") decoded at a check-in; counts
  those the fail-safe rules would accept as ALL_CLEAR.
- asr_all_clear_accepted: share of clean genuine "all clear" takes that pass the bar (the
  rest are asked again). No target; it is the price of asr_false_all_clear = 0.
- asr_false_stop_always: clean clips that are not a stop word or symptom, heard between
  questions (whole-vocabulary grammar); counts those that would stop the session. No
  target: a false stop is the safe error, but it should be rare (people count reps aloud).
- asr_latency_ms: clips fed at real-time pace like a microphone; time from the end of
  speech (as the endpointer places it) to the result arriving in the parent, which
  includes the endpointer's wait for silence (ENDPOINT_WINDOW) and both decodes.
"""

from __future__ import annotations

from pathlib import Path

from companion.voice.decide import STOP_PHRASES, Action, Expecting, decide
from companion.voice.listen import SphinxRecogniser, recognise_file
from scripts.make_asr_clips import answer_context, build, load

TARGETS = {
    "asr_accuracy": (">=", 0.9),
    "asr_false_all_clear": ("<=", 0.0),
    "asr_latency_ms": ("<=", 300.0),
}

LATENCY_CLIPS = 24


def run() -> dict[str, float]:
    folder: Path = build("test")
    clips = load(folder)
    rec = SphinxRecogniser()
    if not rec.start():
        raise RuntimeError(rec.state.reason)
    try:
        commands = [c for c in clips if c.kind == "command" and c.noise == "clean"]
        right = 0
        for c in commands:
            got = recognise_file(rec, folder / c.file, answer_context(c.text))
            right += len(got) == 1 and got[0].phrase == c.text
        false_clear = 0
        accepted = takes = 0
        for c in clips:
            if c.text == "all clear":
                if c.noise == "clean":
                    takes += 1
                    accepted += any(
                        decide(h.phrase, h.confidence, Expecting.CHECKIN, h.margin).action
                        is Action.ALL_CLEAR
                        for h in recognise_file(rec, folder / c.file, Expecting.CHECKIN))
                continue
            for h in recognise_file(rec, folder / c.file, Expecting.CHECKIN):
                d = decide(h.phrase, h.confidence, Expecting.CHECKIN, h.margin)
                false_clear += d.action is Action.ALL_CLEAR
        false_stop = 0
        for c in clips:
            if c.noise != "clean" or c.kind == "symptom" or c.text in STOP_PHRASES:
                continue
            for h in recognise_file(rec, folder / c.file, Expecting.ALWAYS):
                d = decide(h.phrase, h.confidence, Expecting.ALWAYS, h.margin)
                false_stop += d.action is Action.RED_FLAG
        latencies: list[float] = []
        step = max(1, len(commands) // LATENCY_CLIPS)
        for c in commands[::step][:LATENCY_CLIPS]:
            for h in recognise_file(rec, folder / c.file, answer_context(c.text), realtime=True):
                latencies.append((h.received - h.speech_end) * 1000.0)
    finally:
        rec.close()
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] if latencies else -1.0
    return {
        "asr_accuracy": round(right / len(commands), 3),
        "asr_false_all_clear": float(false_clear),
        "asr_latency_ms": round(p95, 1),
        "asr_false_stop_always": float(false_stop),
        "asr_all_clear_accepted": round(accepted / max(1, takes), 3),
        "asr_clips": float(len(clips)),
    }
