"""What was heard when a red flag was spoken.

`red_flags.heard` keeps the words the voice recogniser heard when a session was stopped by
voice ("my chest hurts", "stop"), so the history and the clinician summary can say what the
person said even when they did not pick a symptom afterwards. NULL for every existing row
and for a stop by key or button.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


# A plain ADD COLUMN on every backend, never a batch copy (see 0004 for why).
def upgrade() -> None:
    op.add_column("red_flags", sa.Column("heard", sa.String(100), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE red_flags DROP COLUMN heard")
