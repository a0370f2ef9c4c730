"""A history on a database server: timeouts, a server that is not there, a lock held by
another client, connections cut mid-session. The unreachable case needs no server; the
others run against PostgreSQL when COMPANION_TEST_PG_URL is set (as .ci/run does)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from companion.core.clock import FakeClock
from companion.storage import Database
from companion.storage.status import Trouble
from companion.storage.store import HistoryStore
from companion.storage.store_state import RetryPolicy
from tests.unit.storage.conftest import PG_URL, REQUIRE_PG
from tests.unit.storage.sessions import new_engine, play, tiny_routine

FAST = RetryPolicy(busy_timeout_ms=200, budget_s=1.0, pause_s=0.1, max_pause_s=0.5)


def wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def play_session(store: HistoryStore, **kw: object) -> None:
    routine = tiny_routine()
    clock = FakeClock()
    engine = new_engine(routine, clock)
    engine.subscribe(store.recorder(routine))
    play(engine, clock.advance, **kw)  # type: ignore[arg-type]


def test_a_server_that_is_not_there_is_said_at_once_and_nothing_is_lost(tmp_path: Path) -> None:
    """No freeze, no in-memory history: the journal keeps the session, the status says the
    database is not reachable, the gate knows the stop (and asks)."""
    url = "postgresql+psycopg://companion@127.0.0.1:9/companion"
    store = HistoryStore(url, tmp_path / "journal", policy=FAST)
    started = time.monotonic()
    store.start()
    play_session(store, red_flag_at=1)
    assert time.monotonic() - started < 2, "recording must not wait for the server"
    wait_for(lambda: store.status.trouble is Trouble.UNREACHABLE, 10, "the status")
    message = store.status.message()
    assert "not reachable" in message and "kept safely on this computer" in message
    assert "companion on 127.0.0.1" in message
    gate = store.gate_state_now()
    assert gate.stop is not None and gate.stop.symptoms == ("chest_pain",)
    store.close(timeout=0.5)
    assert list((tmp_path / "journal").glob("*.jsonl")), "kept for the next start"


@pytest.fixture
def pg_url() -> Iterator[str]:
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("COMPANION_REQUIRE_PG=1 but COMPANION_TEST_PG_URL is not set")
        pytest.skip("PostgreSQL tests need COMPANION_TEST_PG_URL")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    schema = f"companion_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    admin.dispose()  # a test may cut every connection: start afresh for the clean-up
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SET lock_timeout = '10s'"))
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_postgres_connections_have_connect_and_statement_timeouts(pg_url: str) -> None:
    with Database.open(pg_url) as db, db.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "15s"
        assert db.engine.dialect.create_connect_args(db.engine.url) is not None
    from companion.storage.connect import PG_CONNECT_TIMEOUT_S, make_engine

    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            assert raw.info.get_parameters().get("connect_timeout") == str(PG_CONNECT_TIMEOUT_S)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_held_by_another_client_loses_nothing(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import companion.storage.connect as db_module

    monkeypatch.setattr(db_module, "PG_STATEMENT_TIMEOUT_MS", 500)
    Database.open(pg_url).close()  # the schema
    store = HistoryStore(pg_url, tmp_path / "journal", policy=FAST)
    assert store.open_now()
    store.start()
    holder = create_engine(pg_url)
    conn = holder.connect()
    tx = conn.begin()
    conn.execute(text("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE"))
    threading.Timer(4.0, lambda: (tx.rollback(), conn.close())).start()
    try:
        play_session(store)
        wait_for(lambda: store.status.trouble is Trouble.BUSY, 10, "the busy status")
        assert store.flush(20)
        assert store.db is not None
        (row,) = store.db.history()
        assert (row.status, row.sets_done) == ("completed", 4)
        assert len(store.db.session_detail(row.id).checkins) == 4  # type: ignore[union-attr]
    finally:
        store.close()
        holder.dispose()


@pytest.mark.postgres
def test_connections_cut_mid_session_are_remade_and_nothing_is_lost(pg_url: str,
                                                                     tmp_path: Path) -> None:
    store = HistoryStore(pg_url, tmp_path / "journal", policy=FAST)
    assert store.open_now()
    store.start()
    routine = tiny_routine()
    clock = FakeClock()
    engine = new_engine(routine, clock)
    engine.subscribe(store.recorder(routine))
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    cut = []

    def cut_connections(event: object) -> None:
        if type(event).__name__ == "EffortRecorded" and not cut:
            assert store.flush(10)
            with admin.connect() as c:
                cut.append(c.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE pid <> pg_backend_pid() AND datname = current_database() "
                    "AND backend_type = 'client backend'")).scalar())

    engine.subscribe(cut_connections)
    try:
        play(engine, clock.advance)
        assert cut and cut[0] >= 1
        assert store.flush(20)
        assert store.db is not None
        (row,) = store.db.history()
        assert (row.status, row.sets_done) == ("completed", 4)
    finally:
        store.close()
        admin.dispose()
