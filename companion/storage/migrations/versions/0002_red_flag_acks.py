"""Red-flag acknowledgements, and indexes that keep the history list fast on a long history.

The next session after a red-flag stop needs an explicit confirmation first; this table
records it. Existing red-flag stops stay unacknowledged, so the confirmation is asked once
after upgrading, which is the safe direction.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "red_flag_acks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_red_flag_acks"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE",
                                name="fk_red_flag_acks_session_id_sessions"),
    )
    op.create_index("ix_red_flag_acks_session_id", "red_flag_acks", ["session_id"])
    op.create_index("ix_sessions_started_at", "sessions", ["started_at"])
    op.create_index("ix_red_flags_session_id", "red_flags", ["session_id"])
    # Covers the history list's per-session totals, so they never touch the table rows.
    op.create_index("ix_sets_session_totals", "sets", ["session_id", "skipped", "effort", "amber"])


def downgrade() -> None:
    op.drop_index("ix_sets_session_totals", table_name="sets")
    op.drop_index("ix_red_flags_session_id", table_name="red_flags")
    op.drop_index("ix_sessions_started_at", table_name="sessions")
    op.drop_index("ix_red_flag_acks_session_id", table_name="red_flag_acks")
    op.drop_table("red_flag_acks")
