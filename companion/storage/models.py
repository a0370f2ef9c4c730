"""Tables for the session history, as SQLAlchemy 2 typed models.

Every timestamp is stored in UTC (`UTCDateTime` refuses naive datetimes and hands back aware
ones, also on SQLite, which has no time zones). Alembic migrations in `migrations/versions`
create these tables; the models here describe the schema at head and must stay in step
with the newest revision (a test compares them).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints, so SQLite batch migrations can find and alter them later.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class SessionStatus(enum.Enum):
    """How a stored session stands; `in_progress` until its end is recorded."""

    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    STOPPED_BY_USER = "stopped_by_user"
    STOPPED_RED_FLAG = "stopped_red_flag"
    INTERRUPTED = "interrupted"


class SessionKind(enum.Enum):
    """What a stored session was (rev 0004); only workouts count toward the weekly goal
    unless the user chooses otherwise."""

    WORKOUT = "workout"
    BREATHING = "breathing"


#: The longest journal note stored (characters); the screens stop typing there.
NOTE_MAX_CHARS = 2000


class EventKind(enum.Enum):
    """What a `session_events` row records (pauses, skips and the like)."""

    PAUSED = "paused"
    RESUMED = "resumed"
    SKIPPED = "skipped"
    REST_EXTENDED = "rest_extended"
    AMBER = "amber"
    CHECKIN_STALLED = "checkin_stalled"


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime in, an aware UTC datetime out, whatever the backend stores."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: storage keeps UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class ProfileRow(Base):
    """One person whose sessions this database keeps (rev 0005).

    `key` names the profile everywhere outside the database (its journal, its folder of
    files); `folder` is "" for the first profile (its files stay in the data dir itself,
    where they were before profiles) and the key for every later one
    (`<data dir>/profiles/<key>/`). `pin_hash` is an Argon2id hash of the optional PIN or
    passphrase (never the PIN itself). `db_role` is the PostgreSQL role that owns the
    profile's rows when the server enforces privacy (row-level security); None elsewhere.
    """

    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    folder: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[datetime]
    pin_hash: Mapped[str | None] = mapped_column(Text)
    db_role: Mapped[str | None] = mapped_column(String(63), unique=True)


class ProfileGrantRow(Base):
    """A profile's permission for a clinician's database role to read its history (rev
    0005; PostgreSQL's row-level security reads this table)."""

    __tablename__ = "profile_grants"
    __table_args__ = (UniqueConstraint("profile_id", "clinician_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    clinician_role: Mapped[str] = mapped_column(String(63))
    granted_at: Mapped[datetime]


class SessionRow(Base):
    """One session (a workout, or a breathing session), with what was run exactly."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # rev 0005: whose session it is
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"))
    routine_id: Mapped[str] = mapped_column(String(100))
    routine_name: Mapped[str] = mapped_column(String(200))
    routine_snapshot: Mapped[dict[str, Any]]
    set_count: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    last_event_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(24), default=SessionStatus.IN_PROGRESS.value)
    mood_before: Mapped[int | None] = mapped_column(Integer)
    mood_after: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
    # Who is recording it, so a second desktop sharing the database (or `companion history`
    # run during a workout) never mistakes a live session for an interrupted one.
    device: Mapped[str] = mapped_column(String(255), default="")
    pid: Mapped[int | None] = mapped_column(Integer)
    # When that process started (epoch seconds), so a reused pid is not taken for it (rev 0003).
    pid_started: Mapped[float | None] = mapped_column(Float)
    # The session's name in the local journal and the last journal entry applied (rev 0003):
    # merging an entry twice changes nothing (see companion/storage/journal.py).
    journal_key: Mapped[str | None] = mapped_column(String(64))
    journal_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # rev 0004: "workout" or "breathing" (a stand-alone breathing session), and the user's
    # own journal note (never spoken, never sent anywhere) with when it was last written
    kind: Mapped[str] = mapped_column(String(16), default=SessionKind.WORKOUT.value,
                                      server_default=SessionKind.WORKOUT.value)
    note: Mapped[str | None] = mapped_column(Text)
    note_at: Mapped[datetime | None]

    sets: Mapped[list[SetRow]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True,
        order_by="SetRow.set_no",
    )
    red_flags: Mapped[list[RedFlagRow]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True,
        order_by="RedFlagRow.raised_at",
    )


class SetRow(Base):
    """One set as done: planned against actual, and how hard it felt (CR10, 0-10)."""

    __tablename__ = "sets"
    __table_args__ = (UniqueConstraint("session_id", "set_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    set_no: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer)
    exercise: Mapped[str] = mapped_column(String(200))
    planned_reps: Mapped[int | None] = mapped_column(Integer)
    planned_seconds: Mapped[float | None] = mapped_column(Float)
    actual_reps: Mapped[int | None] = mapped_column(Integer)
    actual_seconds: Mapped[float | None] = mapped_column(Float)
    effort: Mapped[int | None] = mapped_column(Integer)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    capped: Mapped[bool] = mapped_column(Boolean, default=False)
    amber: Mapped[bool] = mapped_column(Boolean, default=False)
    finished_at: Mapped[datetime]
    session_seconds: Mapped[float] = mapped_column(Float, default=0.0)

    session: Mapped[SessionRow] = relationship(back_populates="sets")


class CheckinRow(Base):
    """An answer to the after-set check-in ("all_clear" or "red_flag")."""

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    set_no: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(String(24))
    answered_at: Mapped[datetime]
    session_seconds: Mapped[float] = mapped_column(Float, default=0.0)


class RedFlagRow(Base):
    """A red flag: which symptom, when, and where in the session it happened."""

    __tablename__ = "red_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    symptom: Mapped[str] = mapped_column(String(24))
    raised_at: Mapped[datetime]
    session_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    engine_state: Mapped[str] = mapped_column(String(24), default="")
    set_no: Mapped[int | None] = mapped_column(Integer)
    exercise: Mapped[str | None] = mapped_column(String(200))
    specified_at: Mapped[datetime | None]
    #: rev 0006: the words heard when the stop was spoken (NULL: a key or button)
    heard: Mapped[str | None] = mapped_column(String(100))

    session: Mapped[SessionRow] = relationship(back_populates="red_flags")


Index("ix_red_flags_session_id", RedFlagRow.session_id)
Index("ix_sessions_journal_key", SessionRow.journal_key, unique=True)
Index("ix_sets_session_totals", SetRow.session_id, SetRow.skipped, SetRow.effort, SetRow.amber)
# rev 0005: one person's history, newest first, without reading the others'
Index("ix_sessions_profile_started", SessionRow.profile_id, SessionRow.started_at)


class SessionEventRow(Base):
    """Pauses, resumes, skips, longer rests, amber signs: the session's smaller moments."""

    __tablename__ = "session_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime]
    session_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    state: Mapped[str] = mapped_column(String(24), default="")
    set_no: Mapped[int | None] = mapped_column(Integer)
    seconds: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(Text, default="")


class ScreeningRow(Base):
    """A pre-participation screening: the answers, and the user's acknowledgement if needed."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"))  # rev 0005
    answers: Mapped[dict[str, Any]]
    taken_at: Mapped[datetime] = mapped_column(index=True)
    acknowledgement: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[datetime | None]


class RedFlagAckRow(Base):
    """The confirmation required before the next session after a red-flag stop (rev 0002)."""

    __tablename__ = "red_flag_acks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    acknowledged_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text, default="")


Index("ix_screenings_profile_taken", ScreeningRow.profile_id, ScreeningRow.taken_at)

#: The tables that hold a person's data: each row belongs to one profile, directly
#: (`profile_id`) or through its session. PostgreSQL's row-level security covers them all.
PROFILE_TABLES = ("sessions", "screenings")
SESSION_CHILD_TABLES = ("sets", "checkins", "red_flags", "session_events", "red_flag_acks")
