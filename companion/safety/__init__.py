"""Safety content: the screening questions and the first-run notice, validated at load."""

from companion.safety.content import (
    FollowUp,
    Question,
    Screening,
    ScreeningFileError,
    load_notice,
    load_screening,
)

__all__ = [
    "FollowUp",
    "Question",
    "Screening",
    "ScreeningFileError",
    "load_notice",
    "load_screening",
]
