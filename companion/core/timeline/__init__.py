"""The session script: a routine compiled into timed segments of cues.

`compile_plan(routine, options)` is the pure function at the heart of the app; the parts:
`cues` (what a cue is, the fixed questions), `plan` (segments, options, the plan, `flatten`)
and `builder` (`TimelineBuilder`, which makes every cue and segment). Import from here.
"""

from companion.core.breathing import PATTERNS
from companion.core.safety_words import STOP_MESSAGE
from companion.core.timeline.builder import (
    TimelineBuilder,
    breathing_routine,
    compile_breathing,
    compile_plan,
)
from companion.core.timeline.cues import (
    ALWAYS_SPOKEN,
    CHECKIN_QUESTION,
    CHECKIN_QUESTION_BRIEF,
    CHECKIN_REASK,
    CHECKIN_STALLED,
    EFFORT_QUESTION,
    Cue,
    CueKind,
    Priority,
    Tone,
    Verbosity,
    estimate_speech,
)
from companion.core.timeline.plan import (
    Segment,
    SegmentKind,
    SessionPlan,
    TimelineOptions,
    flatten,
)

__all__ = [
    "ALWAYS_SPOKEN",
    "CHECKIN_QUESTION",
    "CHECKIN_QUESTION_BRIEF",
    "CHECKIN_REASK",
    "CHECKIN_STALLED",
    "EFFORT_QUESTION",
    "PATTERNS",
    "STOP_MESSAGE",
    "Cue",
    "CueKind",
    "Priority",
    "Segment",
    "SegmentKind",
    "SessionPlan",
    "TimelineBuilder",
    "TimelineOptions",
    "Tone",
    "Verbosity",
    "breathing_routine",
    "compile_breathing",
    "compile_plan",
    "estimate_speech",
    "flatten",
]
