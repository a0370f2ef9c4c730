"""The app's own pieces satisfy the typed seams the shell asks for (no `getattr` guessing):
the database history answers the red-flag gate and keeps the screening, and the real
safety screen takes the emergency text, announces the stop and names a symptom by key."""

from __future__ import annotations

from companion.ui.adapters.history import DatabaseHistory
from companion.ui.screens.safety_screen import SafetyScreen
from companion.ui.services.container import InMemoryHistory
from companion.ui.services.ports import (
    AnnouncingPage,
    ChoosingPage,
    EmergencyTextPage,
    GatedHistory,
    LegacyGatedHistory,
    ScreeningReader,
    ScreeningWriter,
)


def test_the_database_history_is_gated_and_keeps_the_screening() -> None:
    for seam in (GatedHistory, LegacyGatedHistory, ScreeningReader, ScreeningWriter):
        assert issubclass(DatabaseHistory, seam), seam.__name__


def test_the_in_memory_history_has_nothing_to_confirm() -> None:
    for seam in (GatedHistory, LegacyGatedHistory, ScreeningReader, ScreeningWriter):
        assert not issubclass(InMemoryHistory, seam), seam.__name__


def test_the_safety_screen_has_every_safety_hook() -> None:
    for seam in (EmergencyTextPage, AnnouncingPage, ChoosingPage):
        assert issubclass(SafetyScreen, seam), seam.__name__
