"""`companion preview --adapt`: the screening adaptations, visible before a session."""

from __future__ import annotations

import json

import pytest

from companion.cli import main


def test_preview_with_pregnancy_shows_the_swap_and_no_lying_on_the_back(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["preview", "quick-ten", "--adapt", "pregnancy"]) == 0
    out = capsys.readouterr().out
    assert "-- adapted: Glute bridge (lying on your back) is replaced by Standing hip hinge." in out
    cues = [line for line in out.splitlines() if not line.startswith("--")]
    assert not any("Glute bridge" in line or "Lie on your back" in line for line in cues)
    assert any("Standing hip hinge" in line for line in cues)


def test_preview_json_stays_pure_cues_and_notes_go_to_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["preview", "starter", "--json", "--adapt", "pregnancy,frailty"]) == 0
    captured = capsys.readouterr()
    cues = [json.loads(line) for line in captured.out.splitlines()]
    assert cues and all("kind" in c for c in cues)
    assert not any(c.get("phase") in ("hold_in", "hold_out") for c in cues)
    assert any("keep a chair within reach" in c["text"].lower() for c in cues)
    assert "-- adapted:" in captured.err


def test_an_unknown_adaptation_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", "starter", "--adapt", "pregnant"]) == 1
    err = capsys.readouterr().err
    assert "unknown adaptation 'pregnant'" in err and "pregnancy" in err
