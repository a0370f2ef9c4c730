"""Session kinds (a stand-alone breathing session is not a workout) and the journal note.

`sessions.kind` is "workout" for every existing row (what they all were) and "breathing" for
a stand-alone breathing session; `sessions.note` is the user's own short note about the
session (nullable: most sessions have none), with the time it was last written.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


# Plain ADD / DROP COLUMN on every backend (SQLite has both since 3.35), never a batch
# table copy: copying `sessions` means dropping it, and with foreign keys on, SQLite's DROP
# TABLE deletes the child rows (sets, red flags) through ON DELETE CASCADE.
def upgrade() -> None:
    op.add_column("sessions", sa.Column("kind", sa.String(16), nullable=False,
                                        server_default="workout"))
    op.add_column("sessions", sa.Column("note", sa.Text, nullable=True))
    op.add_column("sessions", sa.Column("note_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for column in ("note_at", "note", "kind"):
        op.execute(f"ALTER TABLE sessions DROP COLUMN {column}")
