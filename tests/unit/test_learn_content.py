"""The "Why this helps" page (issue 20): every statement has a strength label and a pointer
to the section of the guidance it comes from, and nothing claims more than the guidance.

When the guidance itself (../shared/seed/...) is at hand, each pointer is looked up in it:
the section's heading exists, and the few words the statement rests on (`support`) are in
that section. In a clean clone without it, the pointers are still checked against the
file's own table of sections.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from companion.core.safety import CHECKIN_FLAGS, safety_steps
from companion.learn import (
    STRENGTH_LABELS,
    LearnFileError,
    Strength,
    claim_problems,
    load_learn,
    page_sections,
    parse_learn,
)
from companion.learn.content import LEARN_FILE
from companion.safety.content import load_screening
from tests.conftest import ROOT

SEED_NAME = "strength-training-and-mental-wellness.txt"


def _seed_file() -> Path | None:
    candidates = [Path(os.environ["COMPANION_SEED_FILE"])] \
        if os.environ.get("COMPANION_SEED_FILE") else []
    candidates += [base / "shared" / "seed" / SEED_NAME
                   for base in (ROOT.parent, ROOT.parent.parent, ROOT.parent.parent.parent)]
    return next((p for p in candidates if p.is_file()), None)


def _sections_of(seed_text: str) -> dict[int, str]:
    """Numbered section -> its text (heading line included)."""
    heads = list(re.finditer(r"^(\d)\. (.+)$", seed_text, re.MULTILINE))
    out = {}
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(seed_text)
        out[int(m.group(1))] = seed_text[m.start():end]
    return out


def test_every_statement_has_a_visible_label_and_a_declared_seed_pointer() -> None:
    content = load_learn()
    sections = page_sections(content, "112")
    assert sections, "the page has no sections"
    statements = [st for sec in sections for st in sec.statements]
    assert len(statements) >= 30
    for st in statements:
        assert st.label == STRENGTH_LABELS[st.strength] and st.label.strip()
        assert st.seed.id in content.seeds, st.text
        assert st.seed.number >= 1 and st.seed.title
        assert st.source.startswith("Source: guidance section ")
        assert st.label in st.spoken and st.text in st.spoken and st.source in st.spoken
    written = [st for sec in content.sections for st in sec.statements]
    assert all(st.support for st in written), "a written statement has no supporting words"


def test_the_page_says_what_the_issue_asks_with_honest_labels() -> None:
    content = load_learn()
    by_id = {sec.id: sec for sec in page_sections(content)}
    strengths = {st.strength for sec in by_id.values() for st in sec.statements}
    assert {Strength.STRONG, Strength.PROMISING, Strength.UNKNOWN, Strength.PROPOSED} <= strengths
    mechanisms = " ".join(st.text for st in by_id["mechanisms"].statements)
    for word in ("BDNF", "cortisol", "inflammation", "serotonin", "Self-efficacy"):
        assert word in mechanisms
    assert {st.strength for st in by_id["mechanisms"].statements} == {Strength.PROPOSED}
    promising = by_id["promising"].statements
    assert promising[0].strength is Strength.PROMISING and "only treatment" in promising[0].text
    assert any("not instead of" in st.text for st in promising)
    assert by_id["unknown"].statements[0].strength is Strength.UNKNOWN
    aerobic = " ".join(st.text for st in by_id["aerobic"].statements)
    assert "slight edge for easing anxiety" in aerobic and "depression" in aerobic
    supported = " ".join(st.text for st in by_id["supported"].statements)
    assert "two sessions a week" in supported and "Showing up regularly" in supported


def test_the_clinician_and_stop_sections_come_from_the_apps_single_source() -> None:
    by_id = {sec.id: sec for sec in page_sections(load_learn(), "call 999")}
    stop = [st.text for st in by_id["stop"].statements]
    assert stop == [f"Warning sign: {label}." for _, label in CHECKIN_FLAGS] + list(
        safety_steps("call 999"))
    groups: dict[str, list[str]] = {}
    for q in load_screening().questions:
        groups.setdefault(q.group, []).append(q.text)
    shown = [st.text for st in by_id["screening"].statements]
    assert shown == [f"{g}: {' '.join(t)}" for g, t in groups.items()]
    assert all(st.strength is Strength.ADVICE for st in [*by_id["stop"].statements,
                                                          *by_id["screening"].statements])


def test_the_page_contains_no_claim_the_guidance_does_not_support() -> None:
    content = load_learn()
    texts = [content.title, content.intro]
    for sec in page_sections(content, "your local emergency number"):
        texts += [sec.title, sec.intro]
        texts += [t for st in sec.statements for t in (st.text, st.label, st.source)]
    found = {t: claim_problems(t) for t in texts if claim_problems(t)}
    assert found == {}
    page = " ".join(texts).lower()
    for word in ("cure", "cures", "proven", "guarantee", "miracle"):
        assert not re.search(rf"\b{word}\b", page), word


@pytest.mark.parametrize("text", [
    "Strength training cures depression.", "It is proven to work.",
    "Results are guaranteed.", "A miracle for your mood.", "Lifting always helps.",
    "It heals anxiety.", "Exercise prevents depression.", "Lose weight and feel better.",
])
def test_claim_words_are_caught(text: str) -> None:
    assert claim_problems(text)


def _problems(text: str) -> str:
    """The problems `parse_learn` refuses `text` for, one a line; each must name its line."""
    with pytest.raises(LearnFileError) as err:
        parse_learn(text, "learn.toml")
    assert all(p.line for p in err.value.problems)
    return "\n".join(str(p) for p in err.value.problems)


def test_the_file_checks_report_each_problem_with_its_line() -> None:
    text = LEARN_FILE.read_text(encoding="utf-8")
    broken = text.replace('strength = "promising"', 'strength = "certain"', 1)
    broken = broken.replace('seed = "s4"\nsupport = "still an area of active research"',
                            'seed = "s44"\nsupport = "still an area of active research"', 1)
    broken = broken.replace("early results are encouraging, but still preliminary",
                            "it cures depression", 1)
    broken = broken.replace('support = "highly individual"', 'suport = "highly individual"', 1)
    messages = _problems(broken)
    assert "'certain' is not one of" in messages
    assert "unknown key 'suport' (did you mean 'support'?)" in messages
    # the schema errors come first; fixed, the pointer and the claim are reported
    fixed = broken.replace('"certain"', '"promising"').replace("suport =", "support =")
    messages = _problems(fixed)
    assert "points to seed 's44', which no [[seed]] declares (did you mean 's4'?)" in messages
    assert "claims more than the guidance supports: 'cures'" in messages


def test_an_include_section_needs_a_label_and_a_pointer() -> None:
    text = LEARN_FILE.read_text(encoding="utf-8")
    broken = text.replace('include = "red_flags"\nstrength = "advice"\n',
                          'include = "red_flags"\n', 1)
    with pytest.raises(LearnFileError) as err:
        parse_learn(broken)
    assert "an include section needs a strength and a seed" in str(err.value)


def test_every_pointer_and_its_supporting_words_are_in_the_guidance() -> None:
    seed = _seed_file()
    if seed is None:
        pytest.skip("the guidance file is not beside this checkout (set COMPANION_SEED_FILE)")
    sections = _sections_of(seed.read_text(encoding="utf-8"))
    content = load_learn()
    parts = {ref.part for ref in content.seeds.values() if ref.part}
    for ref in content.seeds.values():
        body = sections[ref.number]
        assert body.splitlines()[0] == f"{ref.number}. {ref.title}", ref.id
        if ref.part:
            assert ref.part in body.splitlines(), (ref.id, ref.part)
    for sec in content.sections:
        for st in sec.statements:
            body = sections[st.seed.number]
            if st.seed.part:  # from the part's heading to the next part or question
                lines = body.splitlines()
                start = lines.index(st.seed.part)
                end = next((i for i in range(start + 1, len(lines))
                            if lines[i] in parts or lines[i].endswith("?")), len(lines))
                body = "\n".join(lines[start:end])
            assert st.support in body, (st.seed.id, st.support)
