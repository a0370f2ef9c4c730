"""Screening -> profile -> adapted routine, and the wording rule over every user-facing text."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest

from companion.core import timeline
from companion.core.breathing import Phase
from companion.core.clock import FakeClock
from companion.core.engine import SessionEngine
from companion.core.events import AmberSign, State
from companion.core.routine import Exercise, Position, Routine
from companion.core.safety import (
    ACK_LABELS,
    BALANCE_CUE,
    CHECKIN_FLAGS,
    CR10_LABELS,
    STABILITY_ROUTINE_ID,
    Answer,
    Profile,
    ScreeningResult,
    Trimester,
    adapt,
    add_months,
    cue_asks_to_brace,
    safety_steps,
    screening_due,
    suggested_routine,
)
from companion.core.timeline import CueKind, TimelineOptions, Verbosity, compile_plan, flatten
from companion.core.wording import wording_problems
from companion.routines.library import RoutineLibrary
from companion.routines.loader import BUILTIN_DIR
from companion.safety.content import RESOURCES, load_notice, load_screening

PREGNANT = Profile(pregnant=True, pregnant_after_first_trimester=True, applies=("pregnancy",))
FRAIL = Profile(frailty_balance=True, applies=("frailty",))
EVERYTHING = load_screening().profile(
    {q.id: Answer.YES for q in load_screening().questions}, Trimester.SECOND
)


def answered(**given: Answer) -> dict[str, Answer]:
    """A whole screening: every question "no" except those given (an unanswered question
    would count as "not sure")."""
    return {q.id: given.get(q.id, Answer.NO) for q in load_screening().questions}


def _entry(rid: str) -> tuple[Routine, dict[str, Exercise]]:
    entry = RoutineLibrary(None).find(rid)
    assert entry.routine is not None
    return entry.routine, entry.alternatives


def _holds(plan: timeline.SessionPlan) -> list[str]:
    return [c.text for c in flatten(plan)
            if c.phase in (Phase.HOLD_IN, Phase.HOLD_OUT)]


# -- pregnancy after the first trimester -----------------------------------------------------------
def test_lying_on_the_back_is_replaced_by_the_routines_alternative_in_pregnancy() -> None:
    routine, alternatives = _entry("quick-ten")

    adapted, changes, notes = adapt(routine, alternatives, PREGNANT)

    names = [e.name for e in adapted.exercises]
    assert "Glute bridge" not in names and "Standing hip hinge" in names
    assert all(e.position is not Position.SUPINE for e in adapted.exercises)
    assert changes == {"no_breath_hold": True}
    assert any("Glute bridge" in n and "Standing hip hinge" in n for n in notes)


def test_an_adapted_plan_has_no_supine_exercise_and_no_box_or_4_7_8_breathing() -> None:
    routine, alternatives = _entry("quick-ten")
    routine = replace(routine, breathing="box")
    result = adapt(routine, alternatives, PREGNANT)
    options = result.options(TimelineOptions(rest_pattern="box", calm_pattern="4-7-8"))

    plan = compile_plan(result.routine, options)

    sets = [s.exercise for s in plan.segments if s.exercise is not None]
    assert sets and all(ex.position is not Position.SUPINE for ex in sets)
    assert _holds(plan) == []
    assert options.no_breath_hold
    assert any("box breathing" in n for n in result.notes)
    # and the unadapted plan really did have holds, so the test can fail
    assert _holds(compile_plan(routine, TimelineOptions(rest_pattern="box"))) != []


def test_a_supine_exercise_without_an_alternative_is_left_out_with_a_note() -> None:
    routine = Routine("r", "R", 1, 30, (
        Exercise("Squats", reps=5, id="squats"),
        Exercise("Dead bug", reps=5, id="dead-bug", position=Position.SUPINE),
    ))

    result = adapt(routine, {}, PREGNANT)

    assert [e.name for e in result.routine.exercises] == ["Squats"]
    assert any("Dead bug" in n and "left out" in n for n in result.notes)
    assert result.runnable


def test_a_routine_with_nothing_left_says_so() -> None:
    routine = Routine("r", "R", 1, 30, (
        Exercise("Dead bug", reps=5, id="dead-bug", position=Position.SUPINE),
    ))

    result = adapt(routine, {}, PREGNANT)

    assert not result.runnable
    assert any("choose another routine" in n for n in result.notes)


def test_cues_to_brace_or_hold_your_breath_are_removed_in_pregnancy() -> None:
    routine = Routine("r", "R", 1, 30, (
        Exercise("Plank", seconds=20, cues=(
            "Brace your core hard.", "Hold your breath at the top.",
            "Keep breathing slowly; don't hold your breath.", "Elbows under shoulders.",
        )),
    ))

    result = adapt(routine, {}, PREGNANT)

    assert result.routine.exercises[0].cues == (
        "Keep breathing slowly; don't hold your breath.", "Elbows under shoulders.",
    )
    spoken = " ".join(c.text for c in flatten(compile_plan(result.routine, result.options())))
    assert "Brace" not in spoken and "Hold your breath" not in spoken


@pytest.mark.parametrize("text,asks", [
    ("Brace your core.", True),
    ("Keep bracing through the move.", True),
    ("Take a breath and hold the breath.", True),
    ("Don't hold your breath.", False),
    ("Never hold your breath.", False),
    ("Hold the chair lightly.", False),
])
def test_brace_cue_detection(text: str, asks: bool) -> None:
    assert cue_asks_to_brace(text) is asks


def test_the_first_trimester_changes_nothing() -> None:
    screening = load_screening()
    profile = screening.profile(answered(pregnancy=Answer.YES), Trimester.FIRST)
    routine, alternatives = _entry("quick-ten")

    result = adapt(routine, alternatives, profile)

    assert profile.pregnant and not profile.pregnant_after_first_trimester
    assert result.routine == routine and dict(result.option_changes) == {}
    assert profile.needs_acknowledgement


@pytest.mark.parametrize("trimester", [Trimester.SECOND, Trimester.THIRD, Trimester.NOT_SURE, None])
def test_later_or_unknown_trimester_gets_the_pregnancy_adaptations(
    trimester: Trimester | None,
) -> None:
    for answer in (Answer.YES, Answer.NOT_SURE):
        profile = load_screening().profile(answered(pregnancy=answer), trimester)
        assert profile.pregnant_after_first_trimester


# -- frailty and balance ---------------------------------------------------------------------------
def test_frailty_suggests_the_stability_routine_and_adds_balance_cues() -> None:
    routine, alternatives = _entry("starter")

    result = adapt(routine, alternatives, FRAIL)

    assert suggested_routine(FRAIL) == STABILITY_ROUTINE_ID
    assert (BUILTIN_DIR / f"{STABILITY_ROUTINE_ID}.toml").is_file()
    standing = [e for e in result.routine.exercises if e.position is Position.STANDING]
    assert standing and all(e.balance_cue for e in standing)
    announced = [c.text for c in flatten(compile_plan(result.routine))
                 if c.kind is CueKind.EXERCISE]
    assert any(BALANCE_CUE in text for text in announced)
    assert any("Gentle stability" in n for n in result.notes)


def test_a_balance_condition_counts_as_a_balance_problem() -> None:
    profile = load_screening().profile(answered(balance_condition=Answer.YES))
    assert profile.frailty_balance and profile.neurological
    assert suggested_routine(profile) == STABILITY_ROUTINE_ID


def test_nobody_is_sent_to_the_stability_routine_without_a_reason() -> None:
    assert suggested_routine(Profile()) is None


# -- medicines and history -------------------------------------------------------------------------
def test_beta_blockers_mean_effort_guidance_only() -> None:
    profile = load_screening().profile(answered(beta_blockers=Answer.YES))
    routine, alternatives = _entry("starter")

    result = adapt(routine, alternatives, profile)

    assert profile.beta_blockers
    assert any("0 to 10" in n and "heart rate" in n for n in result.notes)
    assert result.routine == routine


def test_eating_disorder_history_is_noted_in_the_preview() -> None:
    profile = load_screening().profile(answered(eating_disorder=Answer.NOT_SURE))
    routine, alternatives = _entry("starter")

    result = adapt(routine, alternatives, profile)

    assert profile.eating_disorder_history
    assert any("showing up" in n for n in result.notes)


def test_no_answers_means_no_adaptations() -> None:
    routine, alternatives = _entry("starter")
    result = adapt(routine, alternatives, Profile())
    assert result.routine == routine and not result.notes and not result.option_changes


# -- when to screen ------------------------------------------------------------------------------
def test_screening_is_due_on_first_run() -> None:
    assert screening_due(None, datetime(2026, 1, 1, tzinfo=UTC))


def test_screening_is_offered_again_after_six_months() -> None:
    taken = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    assert not screening_due(taken, datetime(2026, 7, 15, 8, 59, tzinfo=UTC))
    assert screening_due(taken, datetime(2026, 7, 15, 9, 0, tzinfo=UTC))


def test_six_months_after_the_end_of_august_is_the_end_of_february() -> None:
    assert add_months(datetime(2025, 8, 31), 6) == datetime(2026, 2, 28)
    assert add_months(datetime(2027, 8, 31), 6) == datetime(2028, 2, 29)


def test_a_screening_result_survives_storage_as_json() -> None:
    result = ScreeningResult({"heart": Answer.NOT_SURE, "retina": Answer.NO}, Trimester.THIRD,
                             True, datetime(2026, 3, 1, tzinfo=UTC), "I will check first")
    assert ScreeningResult.from_json(result.to_json()) == result


# -- the wording rule -----------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Lose weight fast", "Burn fat with this circuit", "Your weight today: 70 kg",
    "5-day streak!", "Don't break the chain", "Look slimmer by summer",
    "Aim for a target heart rate of 140 bpm", "Get a beach body", "Fat-burning workout",
])
def test_the_wording_rule_catches_weight_looks_streak_and_heart_rate_wording(text: str) -> None:
    assert wording_problems(text)


@pytest.mark.parametrize("text", [
    "Bodyweight squats", "lighter weights or a softer band", "You showed up twice this week.",
    "Keep breathing slowly; don't hold your breath.", "Effort from 0 to 10",
])
def test_the_wording_rule_leaves_ordinary_exercise_words_alone(text: str) -> None:
    assert wording_problems(text) == []


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _resource_texts() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for path in sorted(RESOURCES.rglob("*")):
        if path.suffix == ".toml":
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            out += [(path.name, s) for s in _strings(data)]
        elif path.suffix in (".txt", ".md"):
            out.append((path.name, path.read_text(encoding="utf-8")))
        elif path.suffix == ".desktop":  # the menu entry: name, comment, search keywords
            out += [(path.name, line.split("=", 1)[1])
                    for line in path.read_text(encoding="utf-8").splitlines()
                    if line.split("=", 1)[0] in ("Name", "GenericName", "Comment", "Keywords")]
        elif path.suffix == ".xml":  # AppStream metadata: what software centres show
            root = ElementTree.parse(path).getroot()
            out += [(path.name, t.strip()) for t in root.itertext() if t.strip()]
    return out


def _timeline_texts() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for entry in RoutineLibrary(None).entries():
        assert entry.routine is not None, entry.problems
        for profile in (Profile(), EVERYTHING):
            result = adapt(entry.routine, entry.alternatives, profile)
            out += [(entry.id, n) for n in result.notes]
            for verbosity in Verbosity:
                plan = compile_plan(result.routine, result.options(TimelineOptions(
                    verbosity=verbosity)))
                out += [(entry.id, c.text) for c in flatten(plan)]
    for name in ("CHECKIN_QUESTION", "CHECKIN_QUESTION_BRIEF", "CHECKIN_QUESTION_KEYS",
                 "CHECKIN_REASK", "CHECKIN_REASK_KEYS",
                 "CHECKIN_STALLED", "CHECKIN_STALLED_KEYS", "EFFORT_QUESTION", "STOP_MESSAGE"):
        out.append((name, getattr(timeline, name)))
    return out


def _safety_texts() -> list[tuple[str, str]]:
    out = [("safety_steps", s) for s in safety_steps("112")]
    out += [("checkin", label) for _, label in CHECKIN_FLAGS]
    out += [("cr10", label) for label in CR10_LABELS.values()]
    out += [("ack", label) for label in ACK_LABELS.values()]
    out += [("screening", t) for t in load_screening().user_texts()]
    out.append(("notice", load_notice()))
    return out


def _amber_texts() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for entry in RoutineLibrary(None).entries():
        assert entry.routine is not None
        clock = FakeClock()
        engine = SessionEngine(compile_plan(entry.routine), clock)
        engine.start()
        while engine.state is not State.CHECKIN:
            clock.advance(0.5)
            engine.tick()
        engine.answer_checkin(True)
        for event in engine.record_effort(10):
            if isinstance(event, AmberSign):
                out.append((entry.id, event.suggestion))
    return out


def test_no_user_facing_text_uses_weight_looks_streak_or_heart_rate_wording() -> None:
    texts = _resource_texts() + _timeline_texts() + _safety_texts() + _amber_texts()
    assert len(texts) > 500  # the scan really covers the content
    bad = [(where, text, [str(p) for p in wording_problems(text)])
           for where, text in texts if wording_problems(text)]
    assert bad == []


def test_resources_hold_only_files_the_wording_scan_reads() -> None:
    """A new kind of resource file must be added to the scan above, not slip past it."""
    kinds = {p.suffix for p in Path(RESOURCES).rglob("*") if p.is_file()}
    # .ttf: the shipped report font (glyphs, no words of ours)
    assert kinds <= {".toml", ".txt", ".md", ".wav", ".ogg", ".png", ".svg", ".desktop", ".xml",
                     ".ttf"}
