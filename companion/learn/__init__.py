"""The "Why this helps" page's content: resources/learn.toml, validated, with strength labels
and seed pointers (Qt-free; the screen is companion.ui.screens.learn)."""

from __future__ import annotations

from companion.learn.content import (
    STRENGTH_LABELS,
    LearnContent,
    LearnFileError,
    Section,
    Statement,
    Strength,
    claim_problems,
    load_learn,
    page_sections,
    parse_learn,
)

__all__ = [
    "STRENGTH_LABELS", "LearnContent", "LearnFileError", "Section", "Statement", "Strength",
    "claim_problems", "load_learn", "page_sections", "parse_learn",
]
