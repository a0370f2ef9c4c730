"""Issue 21 on the real PostgreSQL: the database itself keeps each profile's rows private.

Set up as the README says (`companion db init-postgres`, `db add-profile`, `db
add-clinician`, `db login` with the keyring), then every attempt is made directly in SQL
with the profile's own role, not only through the app. Each test has its own schema and
its own roles (roles are the server's, so their names are unique and dropped afterwards).
Two app processes with two profiles record sessions at the same time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from companion.storage import Database
from companion.storage.profiles import ProfileError, grant, revoke
from tests.helpers.history import add_session
from tests.unit.storage.conftest import PG_URL, REQUIRE_PG

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "correct horse battery"


@dataclass
class Server:
    owner: str  # the tables' owner (the test cluster's superuser), in this test's schema
    schema: str
    tag: str
    roles: list[str] = field(default_factory=list)

    def role(self, name: str) -> str:
        role = f"c{self.tag}_{name}"
        self.roles.append(role)
        return role

    def url(self, role: str, password: str | None = PASSWORD) -> str:
        return make_url(self.owner).set(username=role, password=password) \
            .render_as_string(hide_password=False)

    def engine(self, role: str) -> Engine:
        return create_engine(self.url(role))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("COMPANION_REQUIRE_PG=1 but COMPANION_TEST_PG_URL is not set")
        pytest.skip("PostgreSQL tests need COMPANION_TEST_PG_URL")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    tag = uuid.uuid4().hex[:10]
    schema = f"companion_test_{tag}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    owner = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"}) \
        .render_as_string(hide_password=False)
    srv = Server(owner, schema, tag)
    from companion.storage import pgadmin
    from companion.storage.opening import open_database

    engine = open_database(owner, mark=False).engine  # the schema, migrated to head
    try:
        pgadmin.init_postgres(engine)
    finally:
        engine.dispose()
    try:
        yield srv
    finally:
        with admin.connect() as conn:
            conn.execute(text("SET lock_timeout = '10s'"))
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            for role in srv.roles:
                conn.execute(text(f'DROP OWNED BY "{role}"'))
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def add_person(srv: Server, name: str) -> str:
    from companion.storage import pgadmin
    from companion.storage.opening import open_database

    role = srv.role(name.lower())
    engine = open_database(srv.owner, mark=False).engine
    try:
        pgadmin.add_profile(engine, name, role, PASSWORD)
    finally:
        engine.dispose()
    return role


def count(engine: Engine, sql: str, **params: object) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text(sql), params) or 0)


def write(engine: Engine, sql: str, **params: object) -> int:
    """Run a write as that role; its row count (0: the policy hid every row)."""
    with engine.begin() as conn:
        return int(conn.execute(text(sql), params).rowcount)


def refused(engine: Engine, sql: str, **params: object) -> str:
    """The server's refusal of a write, as text (fails the test when it went through)."""
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    except DBAPIError as exc:
        return str(exc.orig)
    raise AssertionError(f"the server let this through: {sql}")


@pytest.fixture
def household(server: Server) -> tuple[Server, str, str, int, int]:
    """Anna and Ben, each with their own role and two sessions (Ben's with a red flag)."""
    anna, ben = add_person(server, "Anna"), add_person(server, "Ben")
    ids = []
    for role, flag in ((anna, None), (ben, "chest_pain")):
        with Database.open(server.url(role)) as db:
            assert not db.clinician and not db.read_only
            for days in (3, 1):
                add_session(db, datetime.now(UTC) - timedelta(days=days),
                            name=f"{db.profile.name}'s circuit", red_flag=flag)
            ids.append(db.pid)
    return server, anna, ben, ids[0], ids[1]


def test_a_profiles_role_sees_and_changes_only_its_own_rows_in_sql(
        household: tuple[Server, str, str, int, int]) -> None:
    srv, anna, ben, _anna_id, ben_id = household
    a = srv.engine(anna)
    try:
        # select: Ben's rows do not exist for Anna's role, in any table
        assert count(a, "SELECT count(*) FROM sessions") == 2
        assert count(a, "SELECT count(*) FROM sessions WHERE profile_id = :p", p=ben_id) == 0
        assert count(a, "SELECT count(*) FROM red_flags") == 0  # Ben's red flags
        assert count(a, "SELECT count(*) FROM sets") == 4
        assert count(a, "SELECT count(*) FROM checkins") == 4
        assert count(a, "SELECT count(*) FROM profiles") == 1
        assert count(a, "SELECT count(*) FROM profiles WHERE id = :p", p=ben_id) == 0
        # update and delete: nothing of Ben's is reached
        assert write(a, "UPDATE sessions SET routine_name = 'x' WHERE profile_id = :p",
                     p=ben_id) == 0
        assert write(a, "DELETE FROM sessions WHERE profile_id = :p", p=ben_id) == 0
        assert write(a, "DELETE FROM red_flags") == 0
        assert write(a, "UPDATE sets SET effort = 0 WHERE session_id IN "
                        "(SELECT id FROM sessions)") == 4  # only her own four
        assert write(a, "UPDATE profiles SET name = 'Mallory' WHERE id = :p", p=ben_id) == 0
        # writing a row as Ben's, or moving her own to Ben: refused by the policy
        assert "row-level security" in refused(
            a, "INSERT INTO sessions (profile_id, routine_id, routine_name, routine_snapshot, "
               "set_count, started_at, last_event_at, status, error, device, kind) VALUES "
               "(:p, 'r', 'r', '{}', 1, now(), now(), 'completed', '', 'x', 'workout')",
            p=ben_id)
        assert "row-level security" in refused(
            a, "UPDATE sessions SET profile_id = :p", p=ben_id)
        b = srv.engine(ben)
        ben_session = count(b, "SELECT min(id) FROM sessions")
        b.dispose()
        assert "row-level security" in refused(
            a, "INSERT INTO session_events (session_id, kind, at, session_seconds, state, "
               "detail) VALUES (:s, 'amber', now(), 1, 'rest', 'x')", s=ben_session)
        # no role may change whose role a profile is, nor touch the list of profiles
        assert "permission denied" in refused(
            a, "UPDATE profiles SET db_role = :r", r=ben)
        assert "permission denied" in refused(a, "DELETE FROM profiles")
    finally:
        a.dispose()
    owner = create_engine(srv.owner)
    try:  # everything of Ben's is as he left it
        assert count(owner, "SELECT count(*) FROM sessions WHERE profile_id = :p "
                            "AND routine_name = 'Ben''s circuit'", p=ben_id) == 2
        assert count(owner, "SELECT count(*) FROM red_flags") == 2
        assert count(owner, "SELECT count(*) FROM profiles WHERE name = 'Ben'") == 1
    finally:
        owner.dispose()


def test_the_app_refuses_another_profile_with_a_profiles_role(
        household: tuple[Server, str, str, int, int]) -> None:
    srv, anna, _ben, _a, _b = household
    with pytest.raises(ProfileError, match="belongs to the profile Anna"):
        Database.open(srv.url(anna), profile="Ben")
    with Database.open(srv.url(anna)) as db:
        assert [r.routine_name for r in db.history()] == ["Anna's circuit"] * 2
        assert db.pending_red_flag_ack() is None  # Ben's red flag gates Ben only
    with Database.open(srv.url(_ben)) as db:
        assert db.pending_red_flag_ack() is not None


def test_a_clinician_reads_only_granted_profiles_and_writes_nothing(
        household: tuple[Server, str, str, int, int]) -> None:
    from companion.storage import pgadmin
    from companion.storage.opening import open_database

    srv, anna, _ben, anna_id, ben_id = household
    doc = srv.role("doc")
    engine = open_database(srv.owner, mark=False).engine
    try:
        assert pgadmin.add_clinician(engine, doc, PASSWORD)
    finally:
        engine.dispose()
    c = srv.engine(doc)
    try:
        assert count(c, "SELECT count(*) FROM sessions") == 0  # nobody granted yet
        assert count(c, "SELECT count(*) FROM profiles") == 0
        with Database.open(srv.url(anna)) as db, db.engine.begin() as conn:
            assert grant(conn, db.pid, doc)
        assert count(c, "SELECT count(*) FROM sessions") == 2
        assert count(c, "SELECT count(*) FROM sessions WHERE profile_id = :p", p=ben_id) == 0
        assert count(c, "SELECT count(*) FROM sets") == 4
        assert count(c, "SELECT count(*) FROM red_flags") == 0
        # the app's clinician view: Anna's history, read-only; Ben's is not there
        with Database.open(srv.url(doc), profile="Anna") as db:
            assert db.clinician and db.read_only
            assert len(db.history()) == 2
        with pytest.raises(ProfileError):
            Database.open(srv.url(doc), profile="Ben")
        # writes, even to the granted profile's rows: refused by the server
        for sql in ("UPDATE sessions SET routine_name = 'x'",
                    "DELETE FROM sessions",
                    "DELETE FROM sets",
                    "INSERT INTO profile_grants (profile_id, clinician_role, granted_at) "
                    "VALUES (:p, current_user, now())",
                    "UPDATE profiles SET name = 'x'"):
            assert "permission denied" in refused(c, sql, p=ben_id)
        assert "permission denied" in refused(c, "SELECT pin_hash FROM profiles")
        with Database.open(srv.url(anna)) as db, db.engine.begin() as conn:
            assert revoke(conn, db.pid, doc)
        assert count(c, "SELECT count(*) FROM sessions") == 0
        assert anna_id != ben_id
    finally:
        c.dispose()


RECORD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from companion.config import Paths
    from companion.core.events import (CheckinAnswered, EndStatus, SessionEnded,
                                       SessionStarted, SetFinished)
    from companion.core.routine import Exercise, Routine
    from companion.storage.access import open_history_store

    data, url, name, sessions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    opened = open_history_store(Paths(Path(data)), url, None)
    store = opened.store
    assert store.open_now(5000), store.open_error
    assert store.db.profile.name == name, store.db.profile.name
    store.start()
    ready = Path(data) / "ready"  # both processes record at the same time
    ready.write_text("1")
    others = [Path(p) / "ready" for p in sys.argv[5:]]
    deadline = time.monotonic() + 30
    while not all(p.exists() for p in others) and time.monotonic() < deadline:
        time.sleep(0.01)
    routine = Routine(id="r", name=name + "'s circuit", rounds=1, rest_seconds=10.0,
                      exercises=(Exercise(name="Squats", reps=5),))
    for n in range(sessions):
        rec = store.recorder(routine)
        rec(SessionStarted(0.0, "r", routine.name, 3))
        for k in range(3):
            rec(SetFinished(k * 10.0, k, 1, "Squats", 5, None, 5, 9.0))
            rec(CheckinAnswered(k * 10.0 + 1, k, "Check-in?", "all_clear"))
        rec(SessionEnded(40.0, EndStatus.COMPLETED))
    assert store.flush(60)
    store.close()
    print("done", flush=True)
""")


def test_two_app_processes_with_two_profiles_record_at_once_nothing_lost_or_crossed(
        household: tuple[Server, str, str, int, int], tmp_path: Path) -> None:
    """Each person on their own computer (data dir), logged in with `companion db login`
    (the password in the keyring, never on the command line), recording at the same time."""
    srv, anna, ben, anna_id, ben_id = household
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
               XDG_DATA_HOME=str(tmp_path / "xdg"), PYTHONPATH=str(ROOT))
    bare = srv.url("x", None).replace("x@", "", 1)  # the server, no user, no password
    urls = []
    for role, name in ((anna, "Anna"), (ben, "Ben")):
        data = tmp_path / name
        login = subprocess.run(
            [sys.executable, "-m", "companion", "--data-dir", str(data), "--db", bare,
             "db", "login", "--role", role], input=PASSWORD + "\n", text=True,
            capture_output=True, env=env, cwd=ROOT, timeout=60, check=False)
        assert login.returncode == 0, login.stderr
        assert PASSWORD not in (data / "known_profiles.json").read_text()
        urls.append((name, make_url(bare).set(username=role)
                     .render_as_string(hide_password=False)))
    procs = [(name, subprocess.Popen(
        [sys.executable, "-c", RECORD, str(tmp_path / name), url, name, "15",
         *(str(tmp_path / other) for other, _ in urls if other != name)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT))
        for name, url in urls]
    for name, proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and "done" in out, (name, err)
    owner = create_engine(srv.owner)
    try:
        for pid, name in ((anna_id, "Anna"), (ben_id, "Ben")):
            assert count(owner, "SELECT count(*) FROM sessions WHERE profile_id = :p "
                                "AND routine_id = 'r' AND routine_name = :n "
                                "AND status = 'completed'", p=pid, n=f"{name}'s circuit") == 15
            # nothing crossed: every session of this profile is this person's
            assert count(owner, "SELECT count(*) FROM sessions WHERE profile_id = :p "
                                "AND routine_name <> :n", p=pid, n=f"{name}'s circuit") == 0
            assert count(owner, "SELECT count(*) FROM sets s JOIN sessions x "
                                "ON x.id = s.session_id WHERE x.profile_id = :p "
                                "AND x.status = 'completed' AND x.routine_id = 'r'",
                         p=pid) == 45
            assert count(owner, "SELECT count(*) FROM checkins c JOIN sessions x "
                                "ON x.id = c.session_id WHERE x.profile_id = :p "
                                "AND x.routine_id = 'r'", p=pid) == 45
    finally:
        owner.dispose()


def test_the_clinician_view_shows_the_granted_profile_read_only(
        household: tuple[Server, str, str, int, int], qtbot: object) -> None:
    from companion.storage import pgadmin
    from companion.storage.opening import open_database
    from companion.ui.history.window import HistoryWindow
    from companion.ui.shell.clinician import NotClinician, clinician_window

    srv, anna, _ben, _a, _b = household
    doc = srv.role("doc")
    engine = open_database(srv.owner, mark=False).engine
    try:
        pgadmin.add_clinician(engine, doc, PASSWORD)
    finally:
        engine.dispose()
    with Database.open(srv.url(anna)) as db:
        with db.engine.begin() as conn:
            grant(conn, db.pid, doc)
        with pytest.raises(NotClinician):
            clinician_window(db)
    with Database.open(srv.url(doc), profile="anna") as db:
        window = clinician_window(db)
        assert isinstance(window, HistoryWindow)
        qtbot.addWidget(window)  # type: ignore[attr-defined]
        window.show()
        qtbot.waitUntil(lambda: window.proxy.rowCount() == 2)  # type: ignore[attr-defined]
        assert window.read_only
        assert window.windowTitle() == "Clinician view: History — Anna"
        window.close()
