"""Profiles: whose history a database connection reads and writes.

Each person has a profile (a `profiles` row): their sessions, screenings and red-flag
confirmations carry its id, their settings, routines and journal live in its folder of the
data dir (`companion.config.Paths.for_profile`). The first profile is created silently the
first time a database is opened (nothing changes for a single user); its files stay in the
data dir itself.

An optional PIN or passphrase is kept only as an Argon2id hash (argon2-cffi's defaults:
64 MiB, 3 passes; about 0.1-0.3 s to check, so guessing is slow). It keeps one person from
opening another's profile in this app; it does not encrypt the database file (README,
"Several people").

On PostgreSQL set up with `companion db init-postgres`, a profile is also a database role:
`db_role` names it, and row-level security lets that role see only its own rows; a
clinician role sees the profiles that granted it access (`profile_grants`), read-only.
No Qt here.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, false, insert, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from companion.errors import KnownError
from companion.storage.models import ProfileGrantRow, ProfileRow, utc_now

log = logging.getLogger(__name__)

NAME_MAX = 100
PIN_MIN = 4
PIN_MAX = 200

#: PostgreSQL group roles made by `companion db init-postgres`: members of the first are
#: profiles (each sees only its own rows), of the second clinicians (read-only, granted).
PROFILE_GROUP = "companion_profile"
CLINICIAN_GROUP = "companion_clinician"


class ProfileError(KnownError):
    """No such profile, a name already taken, a wrong PIN...: the message says which."""


@dataclass(frozen=True)
class ProfileInfo:
    """One profile as the app uses it (no PIN hash: only whether there is one)."""

    id: int
    key: str
    name: str
    folder: str = ""
    has_pin: bool = False
    db_role: str | None = None
    created_at: datetime | None = None

    @property
    def is_first(self) -> bool:
        """The first profile keeps its files in the data dir itself."""
        return self.folder == ""


# -- names and PINs -----------------------------------------------------------------------------
def clean_name(name: str) -> str:
    """A profile name as stored: trimmed, inner blanks collapsed; ProfileError if empty or
    longer than NAME_MAX characters or holding control characters."""
    cleaned = re.sub(r"\s+", " ", name).strip()
    if not cleaned:
        raise ProfileError("a profile needs a name")
    if len(cleaned) > NAME_MAX:
        raise ProfileError(f"a profile name is at most {NAME_MAX} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in cleaned):
        raise ProfileError("a profile name cannot hold control characters")
    return cleaned


def check_pin_text(pin: str) -> str:
    """A PIN or passphrase as it will be hashed; ProfileError when too short or too long."""
    if len(pin) < PIN_MIN:
        raise ProfileError(f"a PIN or passphrase needs at least {PIN_MIN} characters")
    if len(pin) > PIN_MAX:
        raise ProfileError(f"a PIN or passphrase is at most {PIN_MAX} characters")
    return pin


def hash_pin(pin: str) -> str:
    """The Argon2id hash of a PIN (a PHC string with its own salt and parameters)."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(check_pin_text(pin))


def verify_pin(pin_hash: str | None, pin: str) -> bool:
    """Whether `pin` matches `pin_hash` (a profile without a PIN matches anything)."""
    if pin_hash is None:
        return True
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(PasswordHasher().verify(pin_hash, pin))
    except VerificationError:
        return False
    except InvalidHashError:  # a damaged hash: nobody gets in by it (a PIN can be reset)
        log.error("a profile's PIN hash cannot be read")
        return False


def first_profile_name() -> str:
    """The first profile's name: the computer's login name, else "Me" (renamable)."""
    import getpass

    try:
        name = " ".join(getpass.getuser().split())
    except Exception:  # no login name to be had (a container, an odd platform)
        name = ""
    return (name or "Me")[:NAME_MAX]


# -- reading -----------------------------------------------------------------------------------
_COLUMNS = (ProfileRow.id, ProfileRow.key, ProfileRow.name, ProfileRow.folder,
            ProfileRow.pin_hash.is_not(None), ProfileRow.db_role, ProfileRow.created_at)
# a clinician's role may not read PIN hashes (not even whether there is one)
_CLINICIAN_COLUMNS = (*_COLUMNS[:4], false(), *_COLUMNS[5:])


def _info(row: Any) -> ProfileInfo:
    return ProfileInfo(int(row[0]), row[1], row[2], row[3] or "", bool(row[4]), row[5], row[6])


def list_profiles(conn: Connection, *, clinician: bool = False) -> list[ProfileInfo]:
    """Every profile this connection may see, oldest first (on PostgreSQL with row-level
    security: only its own, or for a clinician the granted ones)."""
    columns = _CLINICIAN_COLUMNS if clinician else _COLUMNS
    return [_info(r) for r in conn.execute(select(*columns).order_by(ProfileRow.id))]


def find_profile(conn: Connection, name: str, *, clinician: bool = False
                 ) -> ProfileInfo | None:
    """The profile called `name` (any case), or None."""
    wanted = clean_name(name).casefold()
    return next((p for p in list_profiles(conn, clinician=clinician)
                 if p.name.casefold() == wanted), None)


def pin_hash_of(conn: Connection, profile_id: int) -> str | None:
    return conn.scalar(select(ProfileRow.pin_hash).where(ProfileRow.id == profile_id))


# -- PostgreSQL roles ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Connected:
    """Who a PostgreSQL connection is: its role, and the profile that role owns (None: not
    a profile role), or whether it is a clinician's role."""

    role: str
    own: ProfileInfo | None
    clinician: bool
    enforced: bool  # row-level security is on (the database was set up for profiles)


def connected(conn: Connection) -> Connected | None:
    """On PostgreSQL, who this connection is; None on other databases."""
    if conn.dialect.name != "postgresql":
        return None
    role = str(conn.scalar(text("SELECT current_user")))
    # direct membership, as `companion db add-clinician` grants it (pg_has_role would call a
    # superuser, or the tables' owner holding ADMIN on the group, a member of every role)
    clinician = bool(conn.scalar(text(
        "SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = :g "
        "AND u.rolname = current_user AND NOT u.rolsuper)"), {"g": CLINICIAN_GROUP}))
    own_row = None if clinician else conn.execute(
        select(*_COLUMNS).where(ProfileRow.db_role == role)).first()
    enforced = bool(conn.scalar(text(
        "SELECT relrowsecurity FROM pg_class WHERE oid = to_regclass('sessions')")))
    return Connected(role, _info(own_row) if own_row is not None else None, clinician,
                     enforced)


# -- writing ------------------------------------------------------------------------------------
def create_profile(conn: Connection, name: str, *, pin: str | None = None,
                   first: bool = False, db_role: str | None = None,
                   now: datetime | None = None) -> ProfileInfo:
    """A new profile; `first` gives it the data dir itself as its folder. ProfileError when
    the name is taken."""
    name = clean_name(name)
    if find_profile(conn, name) is not None:
        raise ProfileError(f"there is already a profile called {name}")
    key = uuid.uuid4().hex
    values: dict[str, Any] = {"key": key, "name": name, "folder": "" if first else key,
                              "created_at": now or utc_now(),
                              "pin_hash": hash_pin(pin) if pin else None, "db_role": db_role}
    try:
        with conn.begin_nested():
            new_id = conn.execute(insert(ProfileRow).values(**values)).inserted_primary_key
    except IntegrityError as exc:
        raise ProfileError(f"there is already a profile called {name} (or with role "
                           f"{db_role})") from exc
    assert new_id is not None
    log.info("created profile %s", key)
    return ProfileInfo(int(new_id[0]), key, name, values["folder"], pin is not None, db_role,
                       values["created_at"])


def ensure_first_profile(conn: Connection) -> ProfileInfo | None:
    """The first profile, created silently when the database has none (a first run).

    None when none may be made here: a PostgreSQL database set up for profiles, where a
    profile comes from `companion db add-profile`.
    """
    profiles = list_profiles(conn)
    if profiles:
        return profiles[0]
    who = connected(conn)
    if who is not None and (who.enforced or who.clinician):
        return None
    return create_profile(conn, first_profile_name(), first=True)


def set_pin(conn: Connection, profile_id: int, pin: str | None) -> None:
    """Set (or with None remove) a profile's PIN."""
    conn.execute(update(ProfileRow).where(ProfileRow.id == profile_id)
                 .values(pin_hash=hash_pin(pin) if pin else None))


def rename_profile(conn: Connection, profile_id: int, name: str) -> str:
    name = clean_name(name)
    other = find_profile(conn, name)
    if other is not None and other.id != profile_id:
        raise ProfileError(f"there is already a profile called {name}")
    conn.execute(update(ProfileRow).where(ProfileRow.id == profile_id).values(name=name))
    return name


def grant(conn: Connection, profile_id: int, clinician_role: str) -> bool:
    """Let `clinician_role` read this profile's history (True if newly granted)."""
    exists = conn.scalar(select(ProfileGrantRow.id).where(
        ProfileGrantRow.profile_id == profile_id,
        ProfileGrantRow.clinician_role == clinician_role))
    if exists is not None:
        return False
    conn.execute(insert(ProfileGrantRow).values(profile_id=profile_id,
                                                clinician_role=clinician_role,
                                                granted_at=utc_now()))
    return True


def revoke(conn: Connection, profile_id: int, clinician_role: str) -> bool:
    from sqlalchemy import delete

    result = conn.execute(delete(ProfileGrantRow).where(
        ProfileGrantRow.profile_id == profile_id,
        ProfileGrantRow.clinician_role == clinician_role))
    return bool(result.rowcount)


def grants(conn: Connection, profile_id: int) -> list[str]:
    return list(conn.scalars(select(ProfileGrantRow.clinician_role)
                             .where(ProfileGrantRow.profile_id == profile_id)
                             .order_by(ProfileGrantRow.clinician_role)))


# -- choosing the profile of a connection ---------------------------------------------------------
def resolve(engine: Engine, name: str | None, *, writable: bool = True) -> ProfileInfo:
    """The profile a connection acts for: `name` when given (any case), else the first.

    On PostgreSQL with a profile's own role, that role's profile (a different `name` is an
    error: the role cannot read another's rows). The first profile is created when none
    exists and the database may be written. Raises ProfileError with the names to choose
    from, or DatabaseError-like SQLAlchemy errors when the database cannot be read.
    """
    with engine.begin() as conn:
        who = connected(conn)
        if who is not None and who.own is not None:
            if name is not None and clean_name(name).casefold() != who.own.name.casefold():
                raise ProfileError(
                    f"the database role {who.role} belongs to the profile {who.own.name}, "
                    f"not {clean_name(name)}: connect with that profile's role (see "
                    "`companion db login`)")
            return who.own
        clinician = who is not None and who.clinician
        if name is not None:
            found = find_profile(conn, name, clinician=clinician)
            if found is None:
                names = [p.name for p in list_profiles(conn, clinician=clinician)]
                listed = f" Profiles: {', '.join(names)}." if names else ""
                raise ProfileError(f"there is no profile called {clean_name(name)}.{listed}")
            return found
        if who is not None and clinician:
            names = [p.name for p in list_profiles(conn, clinician=True)]
            raise ProfileError(
                f"{who.role} is a clinician's role: choose one of the profiles that granted "
                f"it access with --profile NAME ({', '.join(names) or 'none yet'})")
        first = ensure_first_profile(conn) if writable \
            else next(iter(list_profiles(conn)), None)
        if first is None:
            raise ProfileError("this database has no profile yet"
                               + (": add one with `companion db add-profile NAME`"
                                  if who is not None else ""))
        return first


def describe_error(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).strip().splitlines()[0] if str(orig or exc).strip() else repr(exc)
