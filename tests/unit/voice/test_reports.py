"""The listener and its recogniser report through `heard.Reports`: every consumer hears the
news whatever the others do, in the order they were added."""

from __future__ import annotations

import logging

import pytest

from companion.voice.decide import Expecting
from companion.voice.heard import Heard, ListenerState, ListenStatus, Reports


def test_a_failing_callback_neither_stops_the_reporter_nor_the_callbacks_after_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reports = Reports()
    got: list[object] = []

    def broken(_value: object) -> None:
        raise RuntimeError("a consumer's bug")

    for cb in (broken, got.append):
        reports.on_result(cb)
        reports.on_state(cb)
    heard = Heard("all clear", 0.9, Expecting.CHECKIN)
    with caplog.at_level(logging.ERROR):
        reports._heard(heard)
        state = reports._set_state(ListenStatus.FAILED, "the recogniser died")
    assert got == [heard, ListenerState(ListenStatus.FAILED, "the recogniser died")]
    assert reports.state == state and not state.enabled
    assert [r.getMessage() for r in caplog.records] == [
        "listener result callback failed", "listener state callback failed"]


def test_collecting_hears_only_while_the_block_runs() -> None:
    reports = Reports()
    first, second, third = (Heard(p, 0.9, Expecting.ALWAYS) for p in ("stop", "pause", "skip"))
    reports._heard(first)
    with reports.collecting() as got:
        reports._heard(second)
    reports._heard(third)
    assert got == [second]
