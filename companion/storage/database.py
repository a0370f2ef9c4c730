"""`Database`: the one object the app holds for its history.

Open it once; each method is one user action in its own short session and transaction.
The app wraps it in a `companion.storage.store.HistoryStore` (journal + background writer)
and calls these methods off the GUI thread; the command line calls them directly.
Typical use::

    db = Database.open(args.db, paths=paths)   # raises DatabaseError (a KnownError)
    if db.recovered:                           # a damaged file was moved aside
        show_message(str(db.recovered))
    goal_done = db.sessions_this_week()

A `Database` acts for one profile (`db.profile`, chosen at open: `profile="Anna"`, else
the first, created silently on a first run): every read and write is that person's only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from companion.config import Paths, resolve_db_url, resolve_paths
from companion.core.routine import Routine
from companion.localtime import local_zone
from companion.storage import repository as repo
from companion.storage.connect import BUSY_TIMEOUT_MS, checkpoint, sqlite_path
from companion.storage.export import write_export
from companion.storage.models import utc_now
from companion.storage.opening import DatabaseRecovered, open_database
from companion.storage.profiles import ProfileInfo, resolve
from companion.storage.recorder import Committed, SessionRecorder

log = logging.getLogger(__name__)


class Database:
    """The history database behind one URL.

    `recovered` is set when a damaged file was moved aside at open (show it to the user);
    `interrupted` is how many unfinished sessions were marked `interrupted` at open;
    `read_only` when the file may not be written (it is read as it is); `journal_dir` is
    where the app's journal for this database lives (None: no journal); `profile` is whose
    history every method reads and writes.
    """

    def __init__(self, engine: Engine, url: str, recovered: DatabaseRecovered | None = None,
                 interrupted: int = 0, *, read_only: bool = False,
                 journal_dir: Path | None = None,
                 profile: ProfileInfo | None = None, clinician: bool = False) -> None:
        self.engine = engine
        self.url = url
        self.recovered = recovered
        self.interrupted = interrupted
        self.read_only = read_only
        self.journal_dir = journal_dir
        if profile is None:
            profile = resolve(engine, None, writable=not read_only)
        self.profile = profile
        self.pid = profile.id
        #: a clinician's role reading a profile that granted it access: nothing is written
        self.clinician = clinician

    @classmethod
    def open(cls, url: str | None = None, *, paths: Paths | None = None, mark: bool = True,
             busy_timeout_ms: int = BUSY_TIMEOUT_MS, profile: str | None = None,
             recover: bool = True) -> Database:
        """Open `url`, else COMPANION_DB_URL, else SQLite in the data dir; migrate to head;
        act for the profile called `profile` (None: the first, created if there is none).

        `mark=False` leaves unfinished sessions as they are (the journal's writer marks
        them after merging). `recover=False` (commands) leaves a damaged file where it is
        and raises `DatabaseDamaged` instead of moving it aside. Raises
        `companion.storage.opening.DatabaseError` (a KnownError) if it cannot be opened,
        `companion.storage.profiles.ProfileError` (a KnownError) for a profile it does
        not hold.
        """
        if url is None:
            paths = paths or resolve_paths()
            url = resolve_db_url(paths)
            if sqlite_path(url) == paths.db_file:
                paths.ensure()  # the data dir, private (0700) when the app creates it
        result = open_database(url, mark=mark, busy_timeout_ms=busy_timeout_ms,
                               recover=recover, used_before=_used_before(paths, url))
        try:
            clinician = is_clinician(result.engine)
            info = resolve_profile(result.engine, profile,
                                   writable=not result.read_only and not clinician)
        except BaseException:
            result.engine.dispose()
            raise
        return cls(result.engine, url, result.recovered, result.interrupted,
                   read_only=result.read_only or clinician,
                   journal_dir=None if clinician else journal_dir_for(url, paths, info),
                   profile=info, clinician=clinician)

    def close(self) -> None:
        if not self.read_only:
            checkpoint(self.engine)
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on error."""
        with Session(self.engine) as s, s.begin():
            yield s

    # -- recording -------------------------------------------------------------------------
    def recorder(self, routine: Routine,
                 on_commit: Callable[[Committed], None] | None = None, *,
                 snapshot: dict[str, Any] | None = None) -> SessionRecorder:
        """A listener for one session: `engine.subscribe(db.recorder(plan.routine))`.

        `snapshot`: what to store as "what was run" instead of the routine (a breathing
        session's pattern and length)."""
        return SessionRecorder(self.engine, routine, on_commit=on_commit, snapshot=snapshot,
                               profile_id=self.pid)

    def save_note(self, session_id: int, text: str) -> None:
        """The user's journal note for a session ("" or blanks remove it).

        Raises LookupError for an unknown session and ValueError for a note longer than
        `NOTE_MAX_CHARS` (the screens never let one be typed)."""
        with self.session() as s:
            repo.save_note(s, self.pid, session_id, text, utc_now())

    # -- reading ---------------------------------------------------------------------------
    def history(self, limit: int | None = None, since: datetime | None = None,
                until: datetime | None = None) -> list[repo.HistoryRow]:
        """The history list, newest first (optionally sessions started in [since, until))."""
        with self.session() as s:
            return repo.history(s, self.pid, limit, since, until)

    def counted_sessions(self, since: datetime, until: datetime) -> set[int]:
        """Ids of the sessions started in [since, until) that count toward the weekly goal
        (as the start screen counts them: see `repository.counted_status`)."""
        with self.session() as s:
            return repo.counted_sessions(s, self.pid, since, until)

    def session_exercises(self) -> dict[int, list[str]]:
        """The exercises of each session, by session id (the history's search)."""
        with self.session() as s:
            return repo.session_exercises(s, self.pid)

    def red_flag_confirmations(self, session_ids: set[int]
                               ) -> dict[int, tuple[datetime, str]]:
        """Session id -> (when, words) of the first confirmation of its red-flag stop."""
        with self.session() as s:
            return repo.red_flag_confirmations(s, self.pid, session_ids)

    def red_flags(self, since: datetime | None = None,
                  until: datetime | None = None) -> list[repo.RedFlagRecord]:
        """Every red flag, oldest first (e.g. for the clinician summary)."""
        with self.session() as s:
            return repo.red_flags(s, self.pid, None, since, until)

    def session_detail(self, session_id: int) -> repo.SessionDetail | None:
        with self.session() as s:
            return repo.session_detail(s, self.pid, session_id)

    def recent_efforts(self, limit: int = 10) -> list[repo.RecentEfforts]:
        """The last sessions with per-exercise efforts (what the progression rule reads)."""
        with self.session() as s:
            return repo.recent_efforts(s, self.pid, limit)

    def weekly_counts(self, weeks: int = 12, now: datetime | None = None,
                      tz: tzinfo | None = None,
                      statuses: tuple[str, ...] = repo.COUNTED,
                      kinds: tuple[str, ...] = repo.COUNTED_KINDS) -> list[repo.WeekCount]:
        """Sessions per week (Monday start, local time), oldest first, this week last.

        Only `completed` workouts count unless `statuses` / `kinds` say otherwise (add
        "breathing" when the user counts breathing sessions toward the goal).
        """
        with self.session() as s:
            return repo.weekly_counts(s, self.pid, weeks, now or utc_now(), tz or _local_tz(),
                                      statuses, kinds)

    def sessions_this_week(self, now: datetime | None = None, tz: tzinfo | None = None,
                           statuses: tuple[str, ...] = repo.COUNTED,
                           kinds: tuple[str, ...] = repo.COUNTED_KINDS) -> int:
        """Completed workouts since Monday (local time): the start screen's weekly count."""
        with self.session() as s:
            return repo.sessions_this_week(s, self.pid, now or utc_now(), tz or _local_tz(),
                                           statuses, kinds)

    def export_rows(self) -> list[dict[str, Any]]:
        """The `history --json` data: one dict per session, newest first."""
        with self.session() as s:
            return repo.export_rows(s, self.pid)

    def export(self, path: Path) -> int:
        """Write the history to `path` (.csv or .json); returns the number of sessions.

        Raises KnownError for another suffix or an unwritable place.
        """
        data = self.export_rows()
        write_export(data, path)
        return len(data)

    # -- screening and red-flag follow-up ------------------------------------------------------
    def save_screening(self, answers: dict[str, Any], acknowledgement: str | None = None,
                       taken_at: datetime | None = None) -> repo.ScreeningRecord:
        at = taken_at or utc_now()
        with self.session() as s:
            return repo.save_screening(s, self.pid, answers, at, acknowledgement,
                                       at if acknowledgement else None)

    def acknowledge_screening(self, screening_id: int, text: str) -> None:
        with self.session() as s:
            repo.acknowledge_screening(s, self.pid, screening_id, text, utc_now())

    def latest_screening(self) -> repo.ScreeningRecord | None:
        with self.session() as s:
            return repo.latest_screening(s, self.pid)

    def latest_red_flag_stop(self) -> tuple[repo.RedFlagStop, bool] | None:
        """The latest red-flag stop and whether it is confirmed (the gate's database half)."""
        with self.session() as s:
            return repo.latest_red_flag_stop(s, self.pid)

    def pending_red_flag_ack(self) -> repo.RedFlagStop | None:
        """The red-flag stop the user must confirm before the next session, if any."""
        with self.session() as s:
            return repo.last_unacknowledged_red_flag_stop(s, self.pid)

    def acknowledge_red_flag(self, session_id: int, text: str) -> None:
        with self.session() as s:
            repo.acknowledge_red_flag(s, self.pid, session_id, text, utc_now())

    # -- erasing ---------------------------------------------------------------------------
    def delete_all(self) -> int:
        """Erase all of this profile's personal data (other profiles are untouched), but for
        a red-flag stop not confirmed yet (`pending_red_flag_ack()`): that session stays,
        so the app still asks before the next session; once confirmed, this erases it too.
        On SQLite also rewrite the file so nothing lingers in its free pages. Returns the
        number of sessions deleted."""
        with self.session() as s:
            pending = repo.last_unacknowledged_red_flag_stop(s, self.pid)
            n = repo.delete_all(s, self.pid,
                                keep=pending.session_id if pending is not None else None)
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        log.info("deleted all history (%d sessions)", n)
        return n


def _local_tz() -> tzinfo:
    """The system's zone with its daylight-saving rules (not today's fixed offset)."""
    return local_zone()


def journal_dir_for(url: str, paths: Paths | None,
                    profile: ProfileInfo | None = None) -> Path | None:
    """Where the journal for `url` (and `profile`) lives: the profile's folder's `journal/`
    (the data dir's own for the first profile); beside a SQLite file opened by URL alone;
    None for a server URL opened without a data dir."""
    if paths is not None:
        return paths.for_profile(profile).journal_dir
    path = sqlite_path(url)
    if path is None:
        return None
    base = path.parent
    if profile is not None and profile.folder:
        base = base / "profiles" / profile.folder
    return base / "journal"


def is_clinician(engine: Engine) -> bool:
    """Whether this PostgreSQL connection is a clinician's (read-only) role."""
    if engine.dialect.name != "postgresql":
        return False
    from sqlalchemy.exc import SQLAlchemyError

    from companion.storage.opening import DatabaseError
    from companion.storage.profiles import connected

    try:
        with engine.connect() as conn:
            who = connected(conn)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"Cannot read who this database connection is: {exc}") from exc
    return who is not None and who.clinician and who.own is None


def resolve_profile(engine: Engine, name: str | None, *, writable: bool = True
                    ) -> ProfileInfo:
    """`companion.storage.profiles.resolve` with database failures as DatabaseError."""
    from sqlalchemy.exc import SQLAlchemyError

    from companion.storage.opening import DatabaseError

    try:
        return resolve(engine, name, writable=writable)
    except SQLAlchemyError as exc:
        from companion.storage.profiles import describe_error

        raise DatabaseError(f"Cannot read the profiles of the history database: "
                            f"{describe_error(exc)}") from exc


def _used_before(paths: Paths | None, url: str) -> bool:
    """This computer set up a profile in the history at `url` (`known_profiles.json` in the
    data dir lists it): an empty file there is a lost history, not a new one."""
    if paths is None or sqlite_path(url) is None:
        return False
    from companion.storage.credentials import known_profiles

    return bool(known_profiles(paths.data_dir, url))
