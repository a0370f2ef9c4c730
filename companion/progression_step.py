"""Feed the progression rule from the history, and remember what the user decided.

Qt-free: the start screen's `ProgressionBanner` (companion/ui/screens/progression_banner.py) calls
`current_suggestion` and then `accept` or `dismiss`. Accepting writes the user's own copy of
the routine into the routines folder (a user file with the same id shadows the built-in
one, which stays untouched); dismissing is remembered per suggestion so it never nags.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from companion.config import Paths
from companion.core.progression import SessionSummary, Suggestion, apply, suggest
from companion.core.routine import Exercise, Routine
from companion.routines.writer import routine_to_toml
from companion.storage.database import Database

log = logging.getLogger(__name__)

RECENT = 10  # enough to find the last two of one routine behind a few of another
DISMISSED_FILE = "dismissed_suggestions.json"


def recent_summaries(db: Database, limit: int = RECENT) -> list[SessionSummary]:
    """The last sessions, newest first, as `companion.core.progression.suggest` wants them."""
    return [
        SessionSummary(r.routine_id, r.status, r.efforts, amber=r.amber, red_flag=r.red_flag)
        for r in db.recent_efforts(limit)
    ]


def suggestion_key(s: Suggestion) -> str:
    """The same step on the same routine is the same suggestion (a new value is a new one)."""
    return f"{s.routine_id}:{s.exercise_index}:{s.field}:{s.old:g}->{s.new:g}"


def _dismissed_path(paths: Paths) -> Path:
    return paths.profile_dir / DISMISSED_FILE  # per profile (the data dir for the first)


def dismissed(paths: Paths) -> set[str]:
    path = _dismissed_path(paths)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return set()
    except (OSError, ValueError) as exc:  # damaged: start afresh rather than fail the start
        log.warning("ignoring %s: %s", path, exc)
        return set()
    return {str(k) for k in data} if isinstance(data, list) else set()


def current_suggestion(db: Database, routine: Routine, paths: Paths) -> Suggestion | None:
    """Today's step for `routine`, unless there is none or the user said no to it."""
    found = suggest(routine, recent_summaries(db))
    if found is None or suggestion_key(found) in dismissed(paths):
        return None
    return found


def dismiss(paths: Paths, suggestion: Suggestion) -> None:
    keys = dismissed(paths) | {suggestion_key(suggestion)}
    path = _dismissed_path(paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sorted(keys), indent=1) + "\n", encoding="utf-8")


def accept(
    paths: Paths,
    routine: Routine,
    suggestion: Suggestion,
    alternatives: dict[str, Exercise] | None = None,
) -> Path:
    """Write the stepped-up routine as the user's copy `<routines_dir>/<id>.toml` (a routine
    of yours is rewritten in its own file, so two files never share its id).

    Returns the file written. Raises OSError when the folder cannot be written.
    """
    paths.ensure()
    target = paths.routines_dir / f"{routine.id}.toml"
    source = routine.source
    if source is not None and not routine.builtin and source.parent.resolve() == \
            paths.routines_dir.resolve():
        target = source  # your own file is stepped up in place: never a second file, one id

    changed = apply(routine, suggestion)
    tmp = target.with_suffix(".toml.tmp")
    tmp.write_text(routine_to_toml(changed, alternatives), encoding="utf-8")
    tmp.replace(target)
    log.info("progression accepted: %s -> %s", suggestion_key(suggestion), target)
    return target
