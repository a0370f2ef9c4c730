"""The write-behind journal: which journal session a row came from, and how far it merged.

`journal_key` names the session in the local journal (unique), `journal_seq` is the last
journal entry applied to it: merging an entry again (a kill between the commit and the
journal's "merged" mark) finds its sequence number already there and changes nothing.
`pid_started` is the recording process's start time, so a reused process id is not taken
for the live recorder.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    # Plain ADD COLUMN and a unique index: SQLite does both in place, so the sessions table
    # is never copied (a batch copy would cascade-delete the sets of every session).
    op.add_column("sessions", sa.Column("journal_key", sa.String(64), nullable=True))
    op.add_column("sessions", sa.Column("journal_seq", sa.Integer, nullable=False,
                                        server_default="0"))
    op.add_column("sessions", sa.Column("pid_started", sa.Float, nullable=True))
    op.create_index("ix_sessions_journal_key", "sessions", ["journal_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_sessions_journal_key", table_name="sessions")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("pid_started")
        batch.drop_column("journal_seq")
        batch.drop_column("journal_key")
