"""Initial schema: sessions, sets, check-ins, red flags, session events, screenings.
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("routine_id", sa.String(100), nullable=False),
        sa.Column("routine_name", sa.String(200), nullable=False),
        sa.Column("routine_snapshot", sa.JSON, nullable=False),
        sa.Column("set_count", sa.Integer, nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("last_event_at", TS, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("mood_before", sa.Integer, nullable=True),
        sa.Column("mood_after", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("device", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
    )
    op.create_table(
        "sets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("set_no", sa.Integer, nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("exercise", sa.String(200), nullable=False),
        sa.Column("planned_reps", sa.Integer, nullable=True),
        sa.Column("planned_seconds", sa.Float, nullable=True),
        sa.Column("actual_reps", sa.Integer, nullable=True),
        sa.Column("actual_seconds", sa.Float, nullable=True),
        sa.Column("effort", sa.Integer, nullable=True),
        sa.Column("skipped", sa.Boolean, nullable=False),
        sa.Column("capped", sa.Boolean, nullable=False),
        sa.Column("amber", sa.Boolean, nullable=False),
        sa.Column("finished_at", TS, nullable=False),
        sa.Column("session_seconds", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sets"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE",
                                name="fk_sets_session_id_sessions"),
        sa.UniqueConstraint("session_id", "set_no", name="uq_sets_session_id"),
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("set_no", sa.Integer, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.String(24), nullable=False),
        sa.Column("answered_at", TS, nullable=False),
        sa.Column("session_seconds", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_checkins"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE",
                                name="fk_checkins_session_id_sessions"),
    )
    op.create_index("ix_checkins_session_id", "checkins", ["session_id"])
    op.create_table(
        "red_flags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("symptom", sa.String(24), nullable=False),
        sa.Column("raised_at", TS, nullable=False),
        sa.Column("session_seconds", sa.Float, nullable=False),
        sa.Column("engine_state", sa.String(24), nullable=False),
        sa.Column("set_no", sa.Integer, nullable=True),
        sa.Column("exercise", sa.String(200), nullable=True),
        sa.Column("specified_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_red_flags"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE",
                                name="fk_red_flags_session_id_sessions"),
    )
    op.create_table(
        "session_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("session_seconds", sa.Float, nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("set_no", sa.Integer, nullable=True),
        sa.Column("seconds", sa.Float, nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_session_events"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE",
                                name="fk_session_events_session_id_sessions"),
    )
    op.create_index("ix_session_events_session_id", "session_events", ["session_id"])
    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("taken_at", TS, nullable=False),
        sa.Column("acknowledgement", sa.Text, nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_screenings"),
    )
    op.create_index("ix_screenings_taken_at", "screenings", ["taken_at"])


def downgrade() -> None:
    for table in ("screenings", "session_events", "red_flags", "checkins", "sets", "sessions"):
        op.drop_table(table)
