"""Setting up a shared PostgreSQL server for profiles: roles, grants, row-level security.

`init_postgres` brings the schema up to date and runs `postgres_profiles.sql` (group roles,
table rights, policies; idempotent). `add_profile` / `add_clinician` create a login role in
the right group; a password is sent to the server only as a SCRAM verifier computed here
(libpq's PQencryptPasswordConn), never as plain text. Run by the owner of the tables (a
role that may create roles). No Qt here.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from companion.errors import KnownError
from companion.storage.profiles import (
    CLINICIAN_GROUP,
    PROFILE_GROUP,
    ProfileError,
    ProfileInfo,
    create_profile,
    find_profile,
)

log = logging.getLogger(__name__)

SQL_FILE = Path(__file__).resolve().parent / "postgres_profiles.sql"
ROLE_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class SetupError(KnownError):
    """The server could not be set up; the message says what to do."""


def check_role_name(role: str) -> str:
    if not ROLE_RE.match(role):
        raise SetupError(f"{role!r} cannot be a role name here: use lowercase letters, digits "
                         "and '_', starting with a letter (at most 63)")
    return role


def _require_postgres(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        raise SetupError("this is for a PostgreSQL database (--db postgresql+psycopg://...); "
                         "a SQLite history keeps its profiles apart in the app, with PINs")


def init_postgres(engine: Engine) -> None:
    """Group roles, rights and row-level security for profiles (the schema must be at head:
    `Database.open` migrates it)."""
    _require_postgres(engine)
    sql = SQL_FILE.read_text(encoding="utf-8")
    try:
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cur:  # no parameters: '%' in the SQL is not a placeholder
                cur.execute(sql)
    except SQLAlchemyError as exc:
        raise SetupError(f"the server could not be set up for profiles: {_first(exc)} "
                         "(run this as the owner of Companion's tables, with the right to "
                         "create roles)") from exc


def _first(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).strip().splitlines()[0]


def role_exists(conn: Connection, role: str) -> bool:
    """Whether the login role exists. Raises SetupError on a database that is not PostgreSQL
    (roles are PostgreSQL's)."""
    _require_postgres(conn.engine)
    return bool(conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}))


def _login_role(conn: Connection, role: str, password: str | None, group: str) -> bool:
    """Create `role` (LOGIN, in `group`) or, when it exists, add it to `group`. Returns
    True when it was created."""
    from psycopg import sql

    raw = conn.connection.driver_connection
    assert raw is not None
    created = False
    if not role_exists(conn, role):
        if password is None:
            raise SetupError(f"the role {role} does not exist yet: a password is needed to "
                             "create it")
        verifier = raw.pgconn.encrypt_password(password.encode(), role.encode(),
                                               b"scram-sha-256").decode()
        stmt = sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(verifier))
        conn.exec_driver_sql(stmt.as_string(raw))
        created = True
    elif password is not None:
        verifier = raw.pgconn.encrypt_password(password.encode(), role.encode(),
                                               b"scram-sha-256").decode()
        stmt = sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(verifier))
        conn.exec_driver_sql(stmt.as_string(raw))
    grant = sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(role))
    conn.exec_driver_sql(grant.as_string(raw))
    return created


def add_profile(engine: Engine, name: str, role: str, password: str | None) -> ProfileInfo:
    """A profile owned by the login role `role` (created with `password` if new)."""
    _require_postgres(engine)
    check_role_name(role)
    try:
        with engine.begin() as conn:
            if find_profile(conn, name) is not None:
                raise ProfileError(f"there is already a profile called {name}")
            _login_role(conn, role, password, PROFILE_GROUP)
            return create_profile(conn, name, db_role=role)
    except SQLAlchemyError as exc:
        raise SetupError(f"the profile could not be added: {_first(exc)}") from exc


def add_clinician(engine: Engine, role: str, password: str | None) -> bool:
    """A clinician's login role (read-only; sees the profiles that grant it access)."""
    _require_postgres(engine)
    check_role_name(role)
    try:
        with engine.begin() as conn:
            return _login_role(conn, role, password, CLINICIAN_GROUP)
    except SQLAlchemyError as exc:
        raise SetupError(f"the clinician's role could not be added: {_first(exc)}") from exc
