"""The session script: a routine compiled into timed segments of cues.

`compile_plan(routine, options)` is the pure function at the heart of the app; the parts:
`cues` (what a cue is, the fixed questions), `plan` (segments, options, the plan, `flatten`)
and `builder` (`TimelineBuilder`, which makes every cue and segment). Import from here.
"""

from companion.core.breathing import PATTERNS
from companion.core.safety_words import STOP_MESSAGE
from companion.core.timeline import builder, cues, plan

# Each part names its public API once (its `__all__`); the package re-exports them all.
from companion.core.timeline.builder import *  # noqa: F403
from companion.core.timeline.cues import *  # noqa: F403
from companion.core.timeline.plan import *  # noqa: F403

__all__ = ["PATTERNS", "STOP_MESSAGE"]
__all__ += cues.__all__
__all__ += plan.__all__
__all__ += builder.__all__
