"""Storage tests run on SQLite and, when COMPANION_TEST_PG_URL is set, on PostgreSQL too.

Each PostgreSQL test gets its own schema (via the URL's search_path), dropped afterwards.
With COMPANION_REQUIRE_PG=1 a missing or unreachable server fails the tests: CI must
never pass by quietly running SQLite only.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from companion.storage import Database

PG_URL = os.environ.get("COMPANION_TEST_PG_URL", "")
REQUIRE_PG = os.environ.get("COMPANION_REQUIRE_PG") == "1"
BACKENDS = ["sqlite"] + (
    [pytest.param("postgresql", marks=pytest.mark.postgres)] if PG_URL or REQUIRE_PG else []
)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'history' / 'companion.sqlite3'}"
        return
    if not PG_URL:
        pytest.fail("COMPANION_REQUIRE_PG=1 but COMPANION_TEST_PG_URL is not set")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    schema = f"companion_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except SQLAlchemyError as exc:
        admin.dispose()
        pytest.fail(f"PostgreSQL at {PG_URL} is not usable: {exc}")
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text("SET lock_timeout = '10s'"))
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database.open(db_url)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def backend(db_url: str) -> str:
    return make_url(db_url).get_backend_name()
