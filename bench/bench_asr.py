"""Offline voice commands on the TEST clip set (scripts/make_asr_clips.py; never tuned on),
per voice family and room condition, through the app's own recogniser and decisions.

Families: "natural" (Piper joe and Flite slt/kal16 voices, never tuned on) and "espeak"
(espeak-ng, the app's own voice). Every clip is decoded after the recogniser has heard 3 s
of the same room without the speaker (the background before the question), as in the app.

Figures (natural family; the same with an `_espeak` suffix for espeak-ng):
- asr_false_all_clear: clips that are not "all clear" (stop words, symptom sentences,
  near-misses such as "all cleared" or "not all clear", natural answers, other words, and
  TV-only clips with nobody answering) accepted as ALL_CLEAR at a check-in, over every
  condition. Target 0 (the TV-only clips count for both families).
- asr_all_clear_accepted_quiet / _10db: share of genuine "all clear" takes accepted, at
  once or after the confirmation question ("All clear? Say yes, or press C") answered by
  the same voice's "yes" in the same room; quiet, and in steady pink/brown noise at 10 dB
  SNR. asr_all_clear_direct_*: accepted at once. asr_confirm_asked: other clips (stop
  words, symptoms, near-misses, natural answers, other words) that made the app ask the
  confirmation question (a person would answer "no" or "stop"; a "yes" then would be an
  all clear said on purpose); asr_tv_confirm_asked: the same for TV-only clips.
- asr_stop_recall_quiet / _10db: stop words and symptom sentences at a check-in that stop
  the session. asr_stop_recall_rest: the same during a rest with the effort question
  pending (quiet); asr_stop_recall_between: between questions (quiet).
- asr_latency_ms / asr_latency_noise_ms: p95 time from the TRUE end of speech (the clip's
  own label, not the endpointer's estimate) to the decision arriving in the parent, for
  stop words and symptom sentences fed at real-time pace like a microphone, quiet and in
  steady 10 dB noise. asr_latency_all_clear_ms: the same for accepted "all clear" (it waits
  for ALL_CLEAR_HOLD to see that nothing follows).
- asr_accuracy: clean command clips decoded in their context, heard exactly (as before).
- asr_false_stop_between: clean numbers (counting reps aloud) that stop the session
  between questions; asr_false_stop_rest: numbers given at the effort question that stop it.
- asr_cond_<condition>_{accept,stop,false_clear}: per condition, natural family.
"""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.config import targets
from companion.voice.decide import Action, Expecting, Surroundings, decide
from companion.voice.heard import Heard
from companion.voice.recogniser import SphinxRecogniser
from companion.voice.sources import recognise_audio
from scripts.make_asr_clips import (
    CHECKIN_KINDS,
    CONDITIONS,
    Clip,
    answer_context,
    build,
    load,
    pcm,
    render,
    render_room,
    spoken,
)

TARGETS = targets("asr")

LATENCY_CLIPS = 16  # per family and room (quiet / steady noise), fed in real time
ROOM_SECONDS = 2.0
STOP_KINDS = ("stop", "symptom")


# What the bench decodes of the test set (the whole set is ~4000 decodes, too long for a
# shared 2-core machine): espeak-ng en-us and en+f3 at the normal rate; Piper and Flite slt
# at all three rates, Flite kal16 at the normal rate. "all clear" and the stop words in
# quiet, both steady 10 dB noises and one other condition each (in turn); every other kind
# as built (quiet and one noisy condition), over these phrases:
BENCH_SYMPTOMS = ("my chest hurts", "i can't breathe", "i feel faint", "i feel dizzy",
                  "my heart is racing", "i have a headache")
BENCH_NATURAL = ("all good", "i'm fine", "no, all clear", "i'm okay", "i'm good", "fine")
BENCH_OOV = ("banana", "maybe", "hello", "i don't know")
BENCH_NUMBERS = ("zero", "two", "five", "seven", "eight", "ten")
TV_CLIPS = 40
BENCH_ESPEAK = ("espeak:en-us", "espeak:en+f3")


def bench_clips(clips: Iterable[Clip]) -> list[Clip]:
    out = []
    others = ("pink5", "brown5", "reverb", "low", "talk10")
    for c in clips:
        if c.kind == "tv":
            if int(c.file[3:6]) < TV_CLIPS:
                out.append(c)
            continue
        if c.family == "espeak" and (c.rate != "normal" or c.voice not in BENCH_ESPEAK):
            continue
        if c.voice == "flite:kal16" and c.rate != "normal":
            continue
        if c.kind in ("all_clear", "stop"):
            turn = others[sum(map(ord, c.voice + c.rate + c.text)) % len(others)]
            if c.condition not in ("clean", "pink10", "brown10", turn):
                continue
            if c.family == "espeak" and c.text != spoken(c.text):
                continue
            if c.text == "all clear.":  # Piper and Flite end every sentence with a full
                continue  # stop: the same take as "all clear"
        elif (c.kind == "symptom" and c.text not in BENCH_SYMPTOMS) \
                or (c.kind == "natural" and c.text not in BENCH_NATURAL) \
                or (c.kind == "oov" and c.text not in BENCH_OOV) \
                or (c.kind == "number" and c.text not in BENCH_NUMBERS):
            continue
        out.append(c)
    # the natural voices first (their figures are the targets), then TV, then espeak-ng
    order = {"piper": 0, "flite": 1, "tv": 2, "espeak": 3}
    return sorted(out, key=lambda c: order[c.family])


def jobs(clips: Iterable[Clip]) -> list[tuple[Clip, Expecting]]:
    """Each clip with the context(s) it is decoded in."""
    out: list[tuple[Clip, Expecting]] = []
    for c in clips:
        if c.kind in CHECKIN_KINDS or c.kind == "tv":
            out.append((c, Expecting.CHECKIN))
        elif c.kind == "yes":
            out.append((c, Expecting.CONFIRM))
        else:
            out.append((c, answer_context(c.text)))
        if c.kind in STOP_KINDS and c.condition == "clean":
            out += [(c, Expecting.EFFORT), (c, Expecting.ALWAYS)]
        if c.kind == "number" and c.condition == "clean":
            out.append((c, Expecting.ALWAYS))
    return out


def decode(rec: SphinxRecogniser, folder: Path, clip: Clip, expecting: Expecting,
           realtime: bool = False) -> list[Heard]:
    room = pcm(render_room(folder, clip, ROOM_SECONDS))
    return recognise_audio(rec, pcm(render(folder, clip)), expecting, realtime=realtime,
                           room=room)


def record(clip: Clip, expecting: Expecting, heard: list[Heard]) -> dict[str, Any]:
    return {**asdict(clip), "context": expecting.value,
            "heard": [{"phrase": h.phrase, "confidence": round(h.confidence, 3),
                       "margin": h.margin, "at": h.at, "decode_ms": round(h.decode_ms, 1),
                       "speech_end": h.speech_end, "received": h.received,
                       "around": asdict(h.around) if h.around else None} for h in heard]}


def decisions(r: dict[str, Any]) -> list[Action]:
    """What the app would do with each utterance heard in this record, in order."""
    expecting = Expecting(r["context"])
    out = []
    for h in r["heard"]:
        around = Surroundings(**h["around"]) if h["around"] else None
        out.append(decide(h["phrase"], h["confidence"], expecting, h["margin"], around).action)
    return out


def first_act(r: dict[str, Any]) -> Action | None:
    """The first decision that acts (ALL_CLEAR, RED_FLAG, or CONFIRM: the confirmation
    question); None when it only asked again."""
    for a in decisions(r):
        if a in (Action.ALL_CLEAR, Action.RED_FLAG, Action.CONFIRM):
            return a
    return None


def _yes_index(records: list[dict[str, Any]]) -> dict[tuple[str, str, str], bool]:
    """(voice, rate, condition) -> whether that voice's "yes" confirms, in that room."""
    return {(r["voice"], r["rate"], r["condition"]): Action.ALL_CLEAR in decisions(r)
            for r in records if r["kind"] == "yes" and r["context"] == "confirm"}


def _share(rows: list[bool]) -> float:
    return round(sum(rows) / len(rows), 3) if rows else -1.0


def _p95(xs: list[float]) -> float:
    if not xs:
        return -1.0
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(len(xs) * 0.95))], 1)


def family_of(r: dict[str, Any]) -> str:
    return "espeak" if r["family"] == "espeak" else "natural"


def figures(records: list[dict[str, Any]], latency: dict[str, list[float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    yes = _yes_index(records)
    tv = [r for r in records if r["kind"] == "tv"]
    tv_false = sum(Action.ALL_CLEAR in decisions(r) for r in tv)
    for fam, suffix in (("natural", ""), ("espeak", "_espeak")):
        rs = [r for r in records if r["kind"] != "tv" and family_of(r) == fam]
        at_checkin = [r for r in rs if r["context"] == "checkin"]
        false_clear = sum(Action.ALL_CLEAR in decisions(r) for r in at_checkin
                          if r["kind"] != "all_clear")
        out[f"asr_false_all_clear{suffix}"] = float(false_clear + tv_false)
        takes = [r for r in at_checkin if r["kind"] == "all_clear"]
        stops = [r for r in at_checkin if r["kind"] in STOP_KINDS]

        def accepted(rows: list[dict[str, Any]]) -> list[bool]:
            """Taken at once, or after "yes" to the confirmation question (the same voice
            saying "yes" in the same room)."""
            return [first_act(r) is Action.ALL_CLEAR or (first_act(r) is Action.CONFIRM
                    and yes.get((r["voice"], r["rate"], r["condition"]), False))
                    for r in rows]

        def direct(rows: list[dict[str, Any]]) -> list[bool]:
            return [first_act(r) is Action.ALL_CLEAR for r in rows]

        def stopped(rows: list[dict[str, Any]]) -> list[bool]:
            return [Action.RED_FLAG in decisions(r) for r in rows]

        quiet = [r for r in takes if r["condition"] == "clean"]
        ten = [r for r in takes if r["condition"] in ("pink10", "brown10")]
        out[f"asr_all_clear_accepted_quiet{suffix}"] = _share(accepted(quiet))
        out[f"asr_all_clear_accepted_10db{suffix}"] = _share(accepted(ten))
        out[f"asr_all_clear_direct_quiet{suffix}"] = _share(direct(quiet))
        out[f"asr_all_clear_direct_10db{suffix}"] = _share(direct(ten))
        out[f"asr_confirm_asked{suffix}"] = float(sum(
            first_act(r) is Action.CONFIRM for r in at_checkin if r["kind"] != "all_clear"))
        out[f"asr_stop_recall_quiet{suffix}"] = _share(stopped(
            [r for r in stops if r["condition"] == "clean"]))
        out[f"asr_stop_recall_10db{suffix}"] = _share(stopped(
            [r for r in stops if r["condition"] in ("pink10", "brown10")]))
        for ctx, name in (("effort", "rest"), ("always", "between")):
            out[f"asr_stop_recall_{name}{suffix}"] = _share(stopped(
                [r for r in rs if r["context"] == ctx and r["kind"] in STOP_KINDS
                 and r["condition"] == "clean"]))
        out[f"asr_false_stop_between{suffix}"] = float(sum(
            Action.RED_FLAG in decisions(r) for r in rs
            if r["context"] == "always" and r["kind"] == "number"))
        out[f"asr_false_stop_rest{suffix}"] = float(sum(
            Action.RED_FLAG in decisions(r) for r in rs
            if r["context"] == "effort" and r["kind"] == "number"))
        commands = [r for r in rs if r["condition"] == "clean" and r["kind"] in
                    ("all_clear", "stop", "number", "control") and r["text"] == spoken(
                        r["text"]) and r["context"] == answer_context(r["text"]).value]
        out[f"asr_accuracy{suffix}"] = _share(
            [len(r["heard"]) == 1 and r["heard"][0]["phrase"] == r["text"] for r in commands])
        for key in ("quiet", "noise", "all_clear"):
            out[f"asr_latency{'' if key == 'quiet' else '_' + key}_ms{suffix}"] = \
                _p95(latency.get(f"{fam}:{key}", []))
        # the endpointer's own figure over every decision above (stream time + decode)
        est = [((h["at"] - r["end"]) * 1000.0 + h["decode_ms"]) for r in stops
               for h in r["heard"][:1] if r["condition"] == "clean"]
        out[f"asr_latency_stream_ms{suffix}"] = _p95(est)
        if fam == "natural":
            for cond in CONDITIONS:
                out[f"asr_cond_{cond}_accept"] = _share(accepted(
                    [r for r in takes if r["condition"] == cond]))
                out[f"asr_cond_{cond}_stop"] = _share(stopped(
                    [r for r in stops if r["condition"] == cond]))
                out[f"asr_cond_{cond}_false_clear"] = float(sum(
                    Action.ALL_CLEAR in decisions(r) for r in at_checkin
                    if r["kind"] != "all_clear" and r["condition"] == cond))
        out[f"asr_natural_answer_stops{suffix}"] = _share(stopped(
            [r for r in at_checkin if r["kind"] == "natural"]))
    out["asr_tv_false_all_clear"] = float(tv_false)
    out["asr_tv_false_stop"] = _share([Action.RED_FLAG in decisions(r) for r in tv])
    out["asr_tv_confirm_asked"] = float(sum(first_act(r) is Action.CONFIRM for r in tv))
    out["asr_clips"] = float(len(records))
    return out


def measure_latency(rec: SphinxRecogniser, folder: Path,
                    clips: list[Clip]) -> dict[str, list[float]]:
    """Real-time feeding: ms from the clip's TRUE end of speech to the decision's arrival."""
    out: dict[str, list[float]] = defaultdict(list)
    for fam in ("natural", "espeak"):
        mine = [c for c in clips if ("espeak" if c.family == "espeak" else "natural") == fam]
        for key, conds, kinds in (("quiet", ("clean",), STOP_KINDS),
                                  ("noise", ("pink10", "brown10"), STOP_KINDS),
                                  ("all_clear", ("clean",), ("all_clear",))):
            chosen = [c for c in mine if c.condition in conds and c.kind in kinds]
            step = max(1, len(chosen) // LATENCY_CLIPS)
            for c in chosen[::step][:LATENCY_CLIPS]:
                for h in decode(rec, folder, c, Expecting.CHECKIN, realtime=True):
                    d = decide(h.phrase, h.confidence, Expecting.CHECKIN, h.margin, h.around)
                    if d.action in (Action.RED_FLAG, Action.ALL_CLEAR) and h.around:
                        true_end = h.speech_end - h.around.end + c.end
                        out[f"{fam}:{key}"].append((h.received - true_end) * 1000.0)
                        break
    return out


def run_records(set_name: str = "test", *, realtime: bool = True,
                only: Iterable[Clip] | None = None,
                progress: Callable[[dict[str, Any]], None] | None = None,
                ) -> tuple[list[dict[str, Any]], dict[str, list[float]]]:
    folder = build(set_name)
    clips = list(only) if only is not None else bench_clips(load(folder))
    rec = SphinxRecogniser()
    if not rec.start():
        raise RuntimeError(rec.state.reason)
    try:
        records = []
        for c, ctx in jobs(clips):
            records.append(record(c, ctx, decode(rec, folder, c, ctx)))
            if progress is not None:
                progress(records[-1])
        latency = measure_latency(rec, folder, clips) if realtime else {}
    finally:
        rec.close()
    return records, latency


def run() -> dict[str, float]:
    records, latency = run_records("test")
    return figures(records, latency)


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else -1.0


if __name__ == "__main__":  # python -m bench.bench_asr [test|tune] [RECORDS.jsonl]
    import json

    sink = open(sys.argv[2], "w") if len(sys.argv) > 2 else None  # noqa: SIM115

    def _record(r: dict[str, Any]) -> None:
        assert sink is not None
        sink.write(json.dumps(r) + "\n")
        sink.flush()

    recs, lat = run_records(sys.argv[1] if len(sys.argv) > 1 else "test",
                            progress=_record if sink is not None else None)
    if sink is not None:
        sink.write(json.dumps({"latency": lat}) + "\n")
        sink.close()
    for k, v in figures(recs, lat).items():
        print(f"{k:40s} {v}")
