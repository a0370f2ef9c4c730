"""One source for each safety text: the app, the report and the voice read the same strings."""

from __future__ import annotations

from companion.core import events, safety, safety_words, timeline
from companion.core.events import Symptom
from companion.core.safety_words import (
    CHECKIN_FLAGS,
    DEFAULT_EMERGENCY,
    SAFETY_TITLE,
    STOP_MESSAGE,
    SYMPTOM_LABELS,
    safety_steps,
    symptom_short,
)


def test_every_symptom_has_its_words_once() -> None:
    assert set(safety_words.SYMPTOM_TEXTS) == set(Symptom)
    assert events.Symptom is safety_words.Symptom
    assert [s for s, _ in CHECKIN_FLAGS] == [s for s in Symptom if s is not Symptom.UNSPECIFIED]
    for symptom, text in CHECKIN_FLAGS:
        assert text.startswith(SYMPTOM_LABELS[symptom])


def test_the_app_reads_the_one_source() -> None:
    from companion import settings
    from companion.learn import content as learn
    from companion.ui.screens import checkin_view, redflag_ack, safety_screen

    assert checkin_view.CHECKIN_FLAGS is CHECKIN_FLAGS
    assert checkin_view.SYMPTOM_LABELS is SYMPTOM_LABELS
    assert safety_screen.SYMPTOM_LABELS is SYMPTOM_LABELS
    assert redflag_ack.SYMPTOM_LABELS is SYMPTOM_LABELS
    assert safety_screen.SAFETY_TITLE is SAFETY_TITLE
    assert safety_screen.safety_steps is safety_steps
    assert learn.CHECKIN_FLAGS is CHECKIN_FLAGS and learn.safety_steps is safety_steps
    assert safety.CHECKIN_FLAGS is CHECKIN_FLAGS and safety.safety_steps is safety_steps
    # the settings' default emergency text is the one the safety screen falls back on
    assert settings.Settings().emergency_text == DEFAULT_EMERGENCY
    assert safety_steps("")[-1].endswith(f"call {DEFAULT_EMERGENCY}.")


def test_the_report_and_the_history_read_the_one_source() -> None:
    from companion.report import pdf
    from companion.ui.history import detail as history_detail
    assert pdf.symptom_short is symptom_short
    assert history_detail.symptom_short is symptom_short
    for symptom in Symptom:
        assert symptom_short(symptom.value) == safety_words.SYMPTOM_TEXTS[symptom].short
    assert symptom_short("something new") == "something new"  # never lost


def test_the_voice_reads_the_one_source() -> None:
    from companion.voice import natural, policy, synth

    assert timeline.STOP_MESSAGE is STOP_MESSAGE
    assert synth.PROBE_TEXT is STOP_MESSAGE and natural.PROBE_TEXT is STOP_MESSAGE
    assert STOP_MESSAGE.startswith(SAFETY_TITLE)
    assert policy.ALWAYS_SPOKEN is timeline.ALWAYS_SPOKEN
    assert {timeline.CueKind.SAFETY, timeline.CueKind.CHECKIN} <= policy.ALWAYS_SPOKEN


def test_the_speech_rules_are_shared() -> None:
    from companion.ui.adapters import speech
    from companion.voice import policy, render

    assert speech.speech_turn is policy.speech_turn
    assert render.speech_turn is policy.speech_turn
    assert render.still_fresh is policy.still_fresh  # how long a NORMAL cue may wait
    assert speech.policy.still_fresh is policy.still_fresh
    assert policy.still_fresh(policy.MAX_QUEUE_WAIT) and not policy.still_fresh(
        policy.MAX_QUEUE_WAIT + 0.01)
    p, turn = timeline.Priority, policy.Turn
    assert policy.speech_turn(p.NORMAL, None) is turn.NOW
    assert policy.speech_turn(p.NORMAL, p.SAFETY) is turn.DROP
    assert policy.speech_turn(p.TIMED, p.SAFETY) is turn.DROP
    assert policy.speech_turn(p.SAFETY, p.SAFETY) is turn.CUT_IN
    assert policy.speech_turn(p.TIMED, p.NORMAL) is turn.CUT_IN
    assert policy.speech_turn(p.NORMAL, p.NORMAL) is turn.WAIT


def test_content_files_share_one_toml_loader() -> None:
    from companion import datafile
    from companion.learn.content import LearnFileError
    from companion.routines.loader import Problem, RoutineFileError
    from companion.safety.content import ScreeningFileError

    assert Problem is datafile.Problem
    for error in (LearnFileError, RoutineFileError, ScreeningFileError):
        assert issubclass(error, datafile.DataFileError)
