"""Profiles: several people in one database, each with a private history.

A `profiles` table (one row per person), `profile_grants` (which clinician roles a profile
lets read its history, for PostgreSQL's row-level security), and `profile_id` on the two
tables a person's data hangs from: `sessions` (sets, check-ins, red flags, events and
confirmations follow their session) and `screenings`.

Existing data is moved to a first profile without loss: when the database already holds
sessions or screenings, profile 1 is created (named after the computer's login name; its
files stay in the data dir, `folder` "") and every row is given to it. A new, empty
database gets no profile here: the app creates the first one when it first opens it.

SQLite gets a plain ADD COLUMN (NOT NULL, DEFAULT 1, referencing profiles): never a batch
copy of `sessions`, whose DROP would cascade-delete the sets and red flags of every session.
"""

import getpass
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"

TS = sa.DateTime(timezone=True)


def first_profile_name() -> str:
    """The first profile's name: the computer's login name (a person can rename it).
    (The same rule as `companion.storage.profiles.first_profile_name`, kept here so this
    revision never changes with the app.)"""
    try:
        name = " ".join(getpass.getuser().split())
    except Exception:  # no login name to be had (a container, an odd platform)
        name = ""
    return (name or "Me")[:100]


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.create_table(
        "profiles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("folder", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("pin_hash", sa.Text, nullable=True),
        sa.Column("db_role", sa.String(63), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_profiles"),
        sa.UniqueConstraint("key", name="uq_profiles_key"),
        sa.UniqueConstraint("name", name="uq_profiles_name"),
        sa.UniqueConstraint("db_role", name="uq_profiles_db_role"),
    )
    op.create_table(
        "profile_grants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("profile_id", sa.Integer, nullable=False),
        sa.Column("clinician_role", sa.String(63), nullable=False),
        sa.Column("granted_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_profile_grants"),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], ondelete="CASCADE",
                                name="fk_profile_grants_profile_id_profiles"),
        sa.UniqueConstraint("profile_id", "clinician_role",
                            name="uq_profile_grants_profile_id"),
    )
    has_data = any(bind.execute(sa.text(f"SELECT 1 FROM {t} LIMIT 1")).first() is not None
                   for t in ("sessions", "screenings"))
    if has_data:
        now = datetime.now(UTC)
        bind.execute(sa.text(
            "INSERT INTO profiles (id, key, name, folder, created_at) "
            "VALUES (1, :key, :name, '', :at)"),
            {"key": uuid.uuid4().hex, "name": first_profile_name(),
             "at": now.replace(tzinfo=None) if sqlite else now})
        if not sqlite:
            bind.execute(sa.text("SELECT setval('profiles_id_seq', 1)"))
    for table in ("sessions", "screenings"):
        fk = f"fk_{table}_profile_id_profiles"
        if sqlite:
            op.execute(f"ALTER TABLE {table} ADD COLUMN profile_id INTEGER NOT NULL DEFAULT 1 "
                       f"CONSTRAINT {fk} REFERENCES profiles (id)")
        else:
            op.add_column(table, sa.Column("profile_id", sa.Integer, nullable=True))
            op.create_foreign_key(fk, table, "profiles", ["profile_id"], ["id"])
            if has_data:
                op.execute(f"UPDATE {table} SET profile_id = 1")
            op.alter_column(table, "profile_id", nullable=False)
    op.create_index("ix_sessions_profile_started", "sessions", ["profile_id", "started_at"])
    op.create_index("ix_screenings_profile_taken", "screenings", ["profile_id", "taken_at"])


def downgrade() -> None:
    """Back to one history: refused while more than one profile exists (their data would
    become one person's). On SQLite, foreign keys must be off (as `migrate()` does)."""
    bind = op.get_bind()
    count = bind.execute(sa.text("SELECT count(*) FROM profiles")).scalar() or 0
    if count > 1:
        raise RuntimeError("this database holds several profiles: going back to a schema "
                           "without profiles would mix their histories")
    op.drop_index("ix_screenings_profile_taken", table_name="screenings")
    op.drop_index("ix_sessions_profile_started", table_name="sessions")
    for table in ("sessions", "screenings"):
        if bind.dialect.name == "sqlite":
            with op.batch_alter_table(table) as batch:
                batch.drop_column("profile_id")
        else:
            op.drop_constraint(f"fk_{table}_profile_id_profiles", table, type_="foreignkey")
            op.drop_column(table, "profile_id")
    op.drop_table("profile_grants")
    op.drop_table("profiles")
