"""`companion preview ROUTINE --audio FILE.wav`: the whole guided session as one WAV.

The plan is compiled with the real length of every rendered utterance, then each spoken
cue and each tone is mixed in at its cue's time over silence, following the live speaker's
rules (a TIMED or SAFETY cue cuts off the utterance still playing; a NORMAL one waits for
it, briefly). Check-ins count as answered at once, so the file lasts `plan.total_seconds`.
The engine is the one the settings choose (`companion.voice.engines`): the natural voice
when it is chosen and works, else the system engine.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from companion.config import resolve_paths
from companion.core.routine import Routine
from companion.core.timeline import (
    Cue,
    Priority,
    SessionPlan,
    TimelineOptions,
    Tone,
    compile_plan,
    flatten,
)
from companion.errors import KnownError
from companion.voice import audio
from companion.voice.base import VoiceSettings, VoiceStatus
from companion.voice.helper_process import EngineUnavailable
from companion.voice.policy import Turn, audible, speech_turn, still_fresh
from companion.voice.speech_engines import SpeechEngines
from companion.voice.synth import Synthesizer, plan_texts

log = logging.getLogger(__name__)

FADE = 0.01  # seconds of fade-out where an utterance is cut off, so the cut does not click


def render_session_wav(
    routine: Routine,
    options: TimelineOptions,
    path: Path,
    *,
    settings: VoiceSettings | None = None,
    cache_dir: Path | None = None,
    synth: Synthesizer | SpeechEngines | None = None,
    voices_dir: Path | None = None,
) -> TimelineOptions:
    """Render the session to a 16-bit PCM mono WAV at `path`; returns the options used
    (with the real `speech_duration`). Raises `EngineUnavailable` without a speech engine.
    Without `synth`, the engine `settings` choose speaks (Piper voices from `voices_dir`
    too); the natural voice is started and checked before anything is rendered. A folder
    that does not exist raises KnownError before any work (it is never made: a mistyped
    path must not leave new folders behind)."""
    folder = path.expanduser().parent
    if not folder.is_dir():
        raise KnownError(f"cannot write {path}: the folder {folder} does not exist")
    settings = settings or VoiceSettings(verbosity=options.verbosity)
    own = synth is None
    if synth is None:
        synth = SpeechEngines(cache_dir or resolve_paths().cache_dir, settings, voices_dir)
    try:
        state = synth.start(wait=True) if isinstance(synth, SpeechEngines) else synth.start()
        if state.status is not VoiceStatus.OK:
            raise EngineUnavailable(state.message, state.fix)
        opts = replace(options, speech_duration=synth.duration)
        plan = compile_plan(routine, opts)
        synth.prerender(plan_texts(plan))
        data = mix_plan(plan, synth, settings)
    finally:
        if own:
            synth.close()
    audio.write_wav(path, data)
    log.info("rendered %.1f s of session to %s", len(data) / audio.RATE, path)
    return opts


def mix_plan(plan: SessionPlan, synth: Synthesizer | SpeechEngines, settings: VoiceSettings
             ) -> audio.Samples:
    rate = audio.RATE
    total = round(plan.total_seconds * rate)
    out = np.zeros(total, dtype=np.float32)
    tones: dict[Tone, audio.Samples] = {}
    speech_end = 0  # sample where the utterance now "playing" ends
    speech_start = 0
    speaking: Priority | None = None  # the priority of the utterance playing at `speech_end`
    for cue in flatten(plan):
        at = round(cue.t * rate)
        heard = audible(cue, settings)
        if heard.tone is not None:
            if heard.tone not in tones:
                tones[heard.tone] = audio.read_wav(audio.tone_path(heard.tone), rate)
            out = _add(out, tones[heard.tone] * settings.volume, at)
        if not heard.speak:
            continue
        clip = _speech(synth, cue)
        if clip is None:
            continue
        turn = speech_turn(cue.priority, speaking if at < speech_end else None)
        if turn is Turn.CUT_IN:
            _cut(out, at, speech_end, speech_start, rate)
        elif turn is Turn.WAIT and still_fresh((speech_end - at) / rate):
            at = speech_end
        elif turn is not Turn.NOW:
            log.info("dropped cue at %.1f s: %s", cue.t, cue.text)
            continue
        out = _add(out, clip * settings.volume, at)
        speech_start, speech_end, speaking = at, at + len(clip), cue.priority
    return np.clip(out, -1.0, 1.0)


def _speech(synth: Synthesizer | SpeechEngines, cue: Cue) -> audio.Samples | None:
    try:
        return audio.read_wav(synth.render(cue.text))
    except EngineUnavailable:
        raise
    except (KnownError, audio.BadWav) as exc:
        log.warning("left out %r: %s", cue.text, exc)
        return None


def _add(out: audio.Samples, clip: audio.Samples, at: int) -> audio.Samples:
    end = at + len(clip)
    if end > len(out):  # the last utterance may run past the nominal end: keep all of it
        out = np.concatenate([out, np.zeros(end - len(out), dtype=np.float32)])
    out[at:end] += clip
    return out


def _cut(out: audio.Samples, at: int, end: int, start: int, rate: int) -> None:
    """Silence the rest of the utterance playing since `start`, from `at` (a short fade)."""
    fade = min(int(FADE * rate), max(0, at - start))
    if fade:
        out[at - fade:at] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    out[at:min(end, len(out))] = 0.0
