"""`companion profiles ...` and `companion db ...`: profiles, PINs, and a shared PostgreSQL
server set up so that it keeps each profile's rows private.

PINs and passwords are always asked on the terminal (getpass), never taken as arguments.
The subparsers are declared in `companion/cli.py`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from sqlalchemy import Engine

from companion.config import resolve_paths
from companion.errors import KnownError
from companion.storage.profiles import (
    ProfileError,
    check_pin_text,
    create_profile,
    grant,
    grants,
    list_profiles,
    rename_profile,
    revoke,
    set_pin,
)

Prompt = Callable[[str], str]


def _ask_new_secret(what: str, prompt: Prompt | None, check: Callable[[str], str]) -> str:
    if prompt is None:
        from companion.storage.access import read_secret

        prompt = read_secret
    try:
        first = prompt(f"New {what}: ")
        check(first)
        again = prompt(f"The {what} again: ")
    except EOFError:
        raise KnownError(f"no {what} was given: nothing was changed") from None
    if again != first:
        raise ProfileError(f"the two {what}s are not the same: nothing was changed")
    return first


# -- companion profiles ------------------------------------------------------------------------
def profiles(args: argparse.Namespace, prompt: Prompt | None = None) -> int:
    from companion.storage.cli import open_database_for

    action = args.profiles_command
    if action == "list":
        args.profile = None if not getattr(args, "profile", None) else args.profile
        db = open_database_for(args, pin=False)
        try:
            with db.engine.connect() as conn:
                rows = list_profiles(conn, clinician=db.clinician)
            for p in rows:
                marks = [m for m, on in (("first", p.is_first), ("PIN", p.has_pin),
                                         (f"role {p.db_role}", p.db_role)) if on]
                print(p.name + (f"  ({', '.join(marks)})" if marks else ""))
        finally:
            db.close()
        return 0
    if action == "add":
        db = open_database_for(args, pin=False)  # the new one's name is args.name
        try:
            if db.read_only:
                raise KnownError("the history is read-only: no profile was added")
            pin = _ask_new_secret("PIN or passphrase", prompt, check_pin_text) \
                if args.pin else None
            with db.engine.begin() as conn:
                info = create_profile(conn, args.name, pin=pin)
        finally:
            db.close()
        print(f"added the profile {info.name}" + (" (protected by a PIN)" if pin else "")
              + f"; use it with --profile \"{info.name}\"", file=sys.stderr)
        return 0
    db = open_database_for(args)  # the profile's own PIN is asked first
    try:
        if db.read_only:
            raise KnownError(f"the history {db.url} is read-only: nothing was changed")
        with db.engine.begin() as conn:
            if action == "pin":
                if args.remove:
                    set_pin(conn, db.pid, None)
                    message = f"the profile {db.profile.name} has no PIN now"
                else:
                    set_pin(conn, db.pid, _ask_new_secret("PIN or passphrase", prompt,
                                                          check_pin_text))
                    message = f"the profile {db.profile.name} is protected by a PIN now"
            else:  # rename
                name = rename_profile(conn, db.pid, args.new_name)
                message = f"the profile {db.profile.name} is called {name} now"
    finally:
        db.close()
    print(message, file=sys.stderr)
    return 0


# -- companion db ------------------------------------------------------------------------------
def _open_owner(args: argparse.Namespace) -> tuple[Engine, str]:
    """The database (migrated) with the URL's own role, the owner's, for setting up: no
    profile is made or chosen. Returns the engine and the URL."""
    from companion.storage.access import explain, target
    from companion.storage.opening import DatabaseError, open_database

    paths = resolve_paths(getattr(args, "data_dir", None))
    t = target(paths, getattr(args, "db", None), None)
    try:
        return open_database(t.url, mark=False).engine, t.url
    except DatabaseError as exc:
        raise DatabaseError(explain(exc, t)) from exc


def db_command(args: argparse.Namespace, prompt: Prompt | None = None) -> int:
    from companion.storage import pgadmin

    action = args.db_command
    if action == "login":
        return _login(args, prompt)
    if action in ("grant", "revoke", "grants"):
        return _grants(args)
    engine, url = _open_owner(args)
    try:
        if action == "init-postgres":
            pgadmin.init_postgres(engine)
            print("The database is set up for profiles: each profile's role sees only its "
                  "own rows; add people with `companion db add-profile NAME --role ROLE`.",
                  file=sys.stderr)
            return 0
        pgadmin.check_role_name(args.role)
        with engine.connect() as conn:
            exists = pgadmin.role_exists(conn, args.role)
        password = None if exists else _ask_new_secret(
            f"database password for {args.role}", prompt, _check_password)
        if action == "add-profile":
            info = pgadmin.add_profile(engine, args.name, args.role, password)
            print(f"added the profile {info.name} with the database role {args.role}; on "
                  f"their computer: companion --db '{_without_user(url)}' db login "
                  f"--role {args.role}", file=sys.stderr)
        else:
            created = pgadmin.add_clinician(engine, args.role, password)
            print(f"{'added' if created else 'made'} {args.role} a clinician's role: it "
                  "reads the profiles that grant it access (`companion db grant "
                  f"{args.role}`), and writes nothing", file=sys.stderr)
        return 0
    finally:
        engine.dispose()


def _check_password(password: str) -> str:
    if len(password) < 8:
        raise KnownError("a database password needs at least 8 characters")
    return password


def _without_user(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url)._replace(username=None, password=None).render_as_string()


def _grants(args: argparse.Namespace) -> int:
    from companion.storage.cli import open_database_for

    db = open_database_for(args)
    try:
        if db.engine.dialect.name != "postgresql":
            raise KnownError("clinician access is for a PostgreSQL database set up with "
                             "`companion db init-postgres`")
        if args.db_command == "grants":
            with db.engine.connect() as conn:
                roles = grants(conn, db.pid)
            print("\n".join(roles) if roles else f"{db.profile.name} has granted no access")
            return 0
        if db.read_only:
            raise KnownError("this role cannot change grants")
        with db.engine.begin() as conn:
            changed = (grant if args.db_command == "grant" else revoke)(conn, db.pid,
                                                                         args.role)
        verb = "may read" if args.db_command == "grant" else "may no longer read"
        print(f"{args.role} {verb} the history of {db.profile.name}"
              + ("" if changed else " (as before)"), file=sys.stderr)
        return 0
    finally:
        db.close()


def _login(args: argparse.Namespace, prompt: Prompt | None) -> int:
    """Ask a role's password, check it by connecting, keep it in the keyring and remember
    the profile it owns (so --profile NAME finds it)."""
    from sqlalchemy.engine import make_url

    from companion.config import resolve_db_url
    from companion.storage.access import remember_profile
    from companion.storage.credentials import find_known, is_server, store_password, with_user
    from companion.storage.database import is_clinician, resolve_profile
    from companion.storage.opening import DatabaseError, open_database

    paths = resolve_paths(getattr(args, "data_dir", None))
    url = resolve_db_url(paths, getattr(args, "db", None))
    if not is_server(url):
        raise KnownError("`db login` is for a PostgreSQL database (--db postgresql+psycopg://"
                         "ROLE@HOST/DATABASE)")
    role = args.role
    if role is None and getattr(args, "profile", None):
        known = find_known(paths.data_dir, url, args.profile)
        role = known.role if known is not None else None
    if role is not None:
        url = with_user(url, role)
    parsed = make_url(url)
    if not parsed.username:
        raise KnownError("say which database role to log in as: --role ROLE (or a URL with "
                         "the role as its user)")
    if prompt is None:
        from companion.storage.access import read_secret

        prompt = read_secret
    try:
        password = prompt(f"Database password for {parsed.username}: ")
    except EOFError:
        raise KnownError("no password was given") from None
    full = parsed.set(password=password).render_as_string(hide_password=False)
    try:
        engine = open_database(full, mark=False).engine
    except DatabaseError as exc:
        raise KnownError(f"could not log in as {parsed.username}: {exc}") from exc
    try:
        clinician = is_clinician(engine)
        info = None if clinician else resolve_profile(engine, None, writable=False)
        who = store_password(url, password)
        if info is not None:
            remember_profile(paths, url, info)
    finally:
        engine.dispose()
    whose = "a clinician's role" if info is None else f"the profile {info.name}"
    print(f"logged in as {parsed.username} ({whose}); the password is kept in your keyring "
          f"as {who}", file=sys.stderr)
    return 0
