"""Alembic environment: migrations run in-process on a connection handed over by `db.py`.

There is no alembic.ini: `companion.storage.opening.migrate` builds the config in code, so this
works from an installed package whatever the current directory is.
"""

from __future__ import annotations

from alembic import context

from companion.storage.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached by running the alembic CLI by hand
    raise RuntimeError("run migrations through companion.storage.opening.migrate()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things: batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
