"""The screening file: it covers every item of SPEC.md's list, and bad files fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.core.safety import Answer, Trimester
from companion.safety.content import (
    SCREENING_FILE,
    ScreeningFileError,
    load_notice,
    load_screening,
    parse_screening,
)

# SPEC.md "Pre-participation screening": each item, and words that show a question asks it.
SPEC_ITEMS: dict[str, tuple[str, ...]] = {
    "uncontrolled hypertension": ("blood pressure", "not well controlled"),
    "heart failure": ("heart failure",),
    "recent heart attack or cardiac event": ("heart attack", "heart event"),
    "coronary artery disease": ("coronary artery disease",),
    "arrhythmia history": ("arrhythmia",),
    "acute injury": ("injury that has not healed",),
    "acute disc herniation": ("herniated", "disc"),
    "severe osteoporosis, prior fracture": ("severe osteoporosis", "broken a bone"),
    "recent tendon or ligament rupture": ("tendon", "ligament"),
    "chronic joint pain / severe osteoarthritis": ("long-lasting joint pain", "osteoarthritis"),
    "poorly controlled diabetes": ("diabetes", "low blood sugar"),
    "epilepsy": ("epilepsy",),
    "balance or coordination condition": ("balance or coordination",),
    "pregnancy": ("pregnant",),
    "frailty or balance problems": ("frail", "unsteady"),
    "eating disorder": ("eating disorder",),
    "exercise addiction": ("exercise addiction",),
    "body dysmorphia": ("body dysmorphia",),
    "active severe mental-health condition": ("severe mental-health condition",),
    "active retinal issues": ("retina",),
    "antidepressants": ("antidepressant",),
    "beta-blockers": ("beta-blocker",),
}


@pytest.mark.parametrize("item", list(SPEC_ITEMS))
def test_screening_asks_about_every_item_on_the_spec_list(item: str) -> None:
    screening = load_screening()
    asked = " ".join(q.text.lower() for q in screening.questions)
    for words in SPEC_ITEMS[item]:
        assert words.lower() in asked, f"{item}: no question mentions {words!r}"


def test_every_question_says_what_to_discuss_why_and_what_the_app_changes() -> None:
    for q in load_screening().questions:
        assert len(q.discuss) > 20, q.id
        assert len(q.why) > 20, q.id
        assert len(q.app_changes) > 20, q.id
        assert q.text.endswith("?"), q.id


def test_pregnancy_asks_the_trimester_with_a_not_sure_choice() -> None:
    screening = load_screening()
    pregnancy = next(q for q in screening.questions if "pregnant" in q.sets)
    assert pregnancy.follow_up is not None
    values = [v for v, _ in pregnancy.follow_up.choices]
    assert values == [t.value for t in Trimester]


def test_no_text_claims_to_diagnose_or_cure() -> None:
    screening = load_screening()
    for text in [*screening.user_texts(), load_notice()]:
        lowered = text.lower()
        assert "you have been diagnosed" not in lowered
        assert "cures" not in lowered and "will cure" not in lowered
        assert "guarantee" not in lowered


def test_not_sure_counts_like_yes_for_the_acknowledgement() -> None:
    screening = load_screening()
    none = screening.profile({q.id: Answer.NO for q in screening.questions})
    unsure = screening.profile({q.id: Answer.NOT_SURE if q.id == "retina" else Answer.NO
                                for q in screening.questions})
    assert not none.needs_acknowledgement
    assert unsure.needs_acknowledgement and unsure.retinal
    assert [q.id for q in screening.applicable({"retina": Answer.NOT_SURE})] == ["retina"]


def test_the_notice_says_plainly_it_is_not_a_medical_device() -> None:
    notice = load_notice()
    assert notice.startswith("Companion is not a medical device.")
    assert "\n\n" in notice  # paragraphs survive for the UI


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = SCREENING_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "screening.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_an_unknown_key_is_reported_with_its_line_and_a_suggestion(tmp_path: Path) -> None:
    path = _broken(tmp_path, 'discuss = "Whether your blood', 'discus = "Whether your blood')
    with pytest.raises(ScreeningFileError) as info:
        load_screening(path)
    messages = [str(p) for p in info.value.problems]
    assert any("question[0].discus: unknown key 'discus' (did you mean 'discuss'?)" in m
               for m in messages), messages
    assert any("question[0].discuss: is required but missing" in m for m in messages), messages
    line = next(p.line for p in info.value.problems if "discus'" in p.message)
    assert line is not None and "discus =" in path.read_text().splitlines()[line - 1]


def test_a_missing_explanation_is_an_error_not_a_silent_gap(tmp_path: Path) -> None:
    path = _broken(tmp_path, 'why = "Epilepsy', 'hint = "Epilepsy')
    with pytest.raises(ScreeningFileError, match=r"question\[6\]\.why: is required but missing"):
        load_screening(path)


def test_an_unknown_profile_flag_is_an_error(tmp_path: Path) -> None:
    path = _broken(tmp_path, 'sets = ["retinal"]', 'sets = ["retina"]')
    with pytest.raises(ScreeningFileError, match=r"question\[12\]\.sets\[0\]: 'retina' is not"):
        load_screening(path)


def test_duplicate_question_ids_are_an_error(tmp_path: Path) -> None:
    path = _broken(tmp_path, 'id = "heart"', 'id = "blood_pressure"')
    with pytest.raises(ScreeningFileError, match="repeated: blood_pressure"):
        load_screening(path)


def test_trimester_choices_must_be_the_known_values(tmp_path: Path) -> None:
    path = _broken(tmp_path, '{ value = "third"', '{ value = "late"')
    with pytest.raises(ScreeningFileError, match="choices must have the values"):
        load_screening(path)


def test_bad_toml_syntax_is_reported_with_a_line() -> None:
    with pytest.raises(ScreeningFileError) as info:
        parse_screening('title = "x\n')
    assert info.value.problems[0].line == 1
