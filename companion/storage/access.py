"""Which database URL and profile a command or the app opens, and unlocking a profile.

`target(paths, db, profile)` turns `--db` / `--profile` into what to connect with: on
PostgreSQL the profile's own role (from the local list of profiles set up on this
computer) and its password (from the keyring); the profile's folder when it is already
known. `open_for_command` opens it for a command-line command and asks for the PIN of a
protected profile before anything of it is shown.
"""

from __future__ import annotations

import getpass
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from companion.config import Paths, resolve_db_url
from companion.errors import KnownError
from companion.storage.credentials import (
    Known,
    fill_password,
    find_known,
    is_server,
    remember,
    with_user,
)
from companion.storage.database import Database
from companion.storage.opening import DatabaseError
from companion.storage.profiles import ProfileError, ProfileInfo, pin_hash_of, verify_pin
from companion.storage.store import HistoryStore

log = logging.getLogger(__name__)

#: How many wrong PINs a command accepts before it gives up.
PIN_TRIES = 3


@dataclass(frozen=True)
class Target:
    """What to open: `url` (with the keyring's password, in memory only), the profile's
    name (None: the first, or the one the URL's role owns), what this computer already
    knows of it, and a keyring problem to tell if connecting fails."""

    url: str
    profile: str | None
    known: Known | None
    problem: str = ""

    @property
    def folder_known(self) -> bool:
        return self.known is not None


def target(paths: Paths, db: str | None, profile: str | None) -> Target:
    url = resolve_db_url(paths, db)
    known = find_known(paths.data_dir, url, profile)
    problem = ""
    if is_server(url):
        parsed = make_url(url)
        if known is not None and known.role and not parsed.username:
            url = with_user(url, known.role)
        elif known is None and profile is not None and not parsed.username:
            problem = (f"the profile {profile} is not set up on this computer for this "
                       "server: `companion db login --role ROLE` keeps its role's password "
                       "in your keyring")
        url, keyring_problem = fill_password(url)
        problem = problem or keyring_problem
    return Target(url, profile, known, problem)


class ProfileUnavailable(KnownError):
    """The profile cannot be opened now and this computer does not know it yet."""


@dataclass
class Opened:
    """A profile's history as the app opens it: the store (journal and writer), the
    profile's paths (its folder), and what to tell the person."""

    store: HistoryStore
    paths: Paths
    profile: ProfileInfo | None  # None: not resolved yet (the server did not answer)
    problems: list[str]


def open_history_store(paths: Paths, db: str | None, profile: str | None) -> Opened:
    """The app's history for a profile: a local database is opened at once (a few ms) and
    tells whose folder and journal to use; a server is not waited for when this computer
    already knows the profile (its folder), else it is asked once (5 s at most).

    Raises ProfileUnavailable when the profile can be neither found nor guessed (then no
    session may be recorded for it), ProfileError for a name the database does not hold.
    """
    t = target(paths, db, profile)
    problems: list[str] = []
    opened: Database | None = None
    server = is_server(t.url)
    if not server or t.known is None:
        try:
            opened = Database.open(t.url, paths=paths, mark=False, profile=t.profile,
                                   busy_timeout_ms=1000)
        except DatabaseError as exc:
            if t.known is None and (profile is not None or server):
                who = f"the profile {profile}" if profile else "your profile"
                raise ProfileUnavailable(
                    f"{explain(exc, t)} This computer has not opened {who} in this "
                    "database before, so Companion cannot tell where to keep your sessions "
                    "until the database answers: start Companion again once it does."
                ) from exc
            log.info("history not open yet (%s): the writer keeps trying", exc)
    if opened is not None:
        info: ProfileInfo | None = opened.profile
        if not opened.clinician and not opened.read_only:
            remember_profile(paths, t.url, opened.profile)
        if opened.clinician:
            opened.close()
            raise ProfileError("a clinician's role opens the read-only clinician view: "
                               "companion clinician --profile NAME")
        folder, key, name = opened.profile.folder, opened.profile.key, opened.profile.name
    elif t.known is not None:
        info, folder, key, name = None, t.known.folder, t.known.key, t.known.name
    else:  # the first profile (its files are the data dir's own), once the database opens
        info, folder, key, name = None, "", None, None
    mine = Paths(paths.data_dir, folder)
    store = HistoryStore(t.url, mine.journal_dir, db=opened, paths=paths,
                         profile=name if opened is None else None, profile_key=key)
    if opened is None and t.problem:
        problems.append(t.problem)
    return Opened(store, mine, info, problems)


def remember_profile(paths: Paths, url: str, profile: ProfileInfo) -> None:
    remember(paths.data_dir, url, profile.key, profile.name, profile.folder, profile.db_role)


def explain(exc: Exception, t: Target) -> str:
    """The error of opening `t`, with the keyring's problem when there was one."""
    text = str(exc)
    if t.problem and t.problem not in text:
        text = f"{text} ({t.problem})"
    return text


def read_secret(prompt: str) -> str:
    """A PIN or password from the terminal, not echoed; from standard input (one line) when
    that is not a terminal (a script, a test). EOFError when there is none."""
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    sys.stderr.write(prompt)
    sys.stderr.flush()
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        sys.stderr.write("\n")
        raise EOFError
    return line.rstrip("\r\n")


def check_pin(db: object, pin: str) -> bool:
    """Whether `pin` opens the profile of `db` (a `Database`); True without a PIN."""
    profile: ProfileInfo = db.profile  # type: ignore[attr-defined]
    if not profile.has_pin:
        return True
    try:
        with db.engine.connect() as conn:  # type: ignore[attr-defined]
            pin_hash = pin_hash_of(conn, profile.id)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"Cannot read the profile {profile.name}: {exc}") from exc
    return verify_pin(pin_hash, pin)


def ask_pin(db: object, prompt: Callable[[str], str] | None = None) -> None:
    """A protected profile's PIN, asked on the terminal (never an argument); ProfileError
    after PIN_TRIES wrong ones. A clinician's read-only view is not asked."""
    profile: ProfileInfo = db.profile  # type: ignore[attr-defined]
    if not profile.has_pin or getattr(db, "clinician", False):
        return
    ask = prompt or read_secret
    for _ in range(PIN_TRIES):
        try:
            pin = ask(f"PIN or passphrase for {profile.name}: ")
        except EOFError:
            break
        if check_pin(db, pin):
            return
        print("That is not the PIN of this profile.", file=sys.stderr)
    raise ProfileError(f"the profile {profile.name} is protected by a PIN: nothing of it "
                       "was shown or changed")


# -- switching profiles (the app's dialog calls these off the GUI thread) --------------------
def names_to_choose(paths: Paths, db: str | None, current: Database | None) -> list[str]:
    """The profiles a person may switch to here: those the open database shows (all of a
    local file's; on a server set up for profiles, only the connected role's own) and those
    set up on this computer for this server, oldest first."""
    from companion.storage.profiles import list_profiles

    names: list[str] = []
    keys: set[str] = set()
    if current is not None and not current.clinician:
        try:
            with current.engine.connect() as conn:
                listed = list_profiles(conn)
            names = [p.name for p in listed]
            keys = {p.key for p in listed}
        except SQLAlchemyError as exc:
            log.warning("cannot list the profiles: %s", exc)
    url = current.url if current is not None else resolve_db_url(paths, db)
    from companion.storage.credentials import known_profiles

    seen = {n.casefold() for n in names}
    for k in known_profiles(paths.data_dir, url):
        # the database's name wins: a profile renamed elsewhere (`profiles rename`) is
        # listed once, by its new name (a tester saw the old name listed beside it)
        if k.key not in keys and k.name.casefold() not in seen:
            names.append(k.name)
            seen.add(k.name.casefold())
    return names


class WrongPin(ProfileError):
    """The PIN given is not the profile's."""


def unlock(paths: Paths, db: str | None, name: str, pin: str) -> ProfileInfo:
    """Open profile `name` (with its own database role and keyring password on a server)
    and check `pin` against it: the profile when it may be opened. Raises WrongPin,
    ProfileError, DatabaseError (KnownErrors). Slow on purpose (Argon2): never on the GUI
    thread."""
    t = target(paths, db, name)
    try:
        opened = Database.open(t.url, paths=paths, mark=False, profile=name,
                               busy_timeout_ms=2000)
    except DatabaseError as exc:
        raise DatabaseError(explain(exc, t)) from exc
    try:
        if opened.clinician:
            raise ProfileError("a clinician's role cannot open a profile to exercise")
        if not check_pin(opened, pin):
            raise WrongPin(f"That is not the PIN of {opened.profile.name}'s profile.")
        if not opened.read_only:
            remember_profile(paths, t.url, opened.profile)
        return opened.profile
    finally:
        opened.close()


def add_profile(paths: Paths, current: Database, name: str, pin: str | None) -> ProfileInfo:
    """A new profile in the open database (a local file, or a server whose connection may
    add profiles); on a server set up for profiles, its administrator adds them."""
    from companion.storage.profiles import create_profile

    if current.read_only:
        raise ProfileError("the history is read-only: no profile can be added")
    try:
        with current.engine.begin() as conn:
            info = create_profile(conn, name, pin=pin)
    except SQLAlchemyError as exc:
        raise ProfileError(
            "This database does not let this profile add others (on a shared server, the "
            "administrator adds profiles with `companion db add-profile`)") from exc
    remember_profile(paths, current.url, info)
    return info


def change_pin(current: Database, old: str, new: str | None) -> None:
    """Set (`new`), change or (None) remove the open profile's PIN, after checking `old`."""
    from companion.storage.profiles import set_pin

    if not check_pin(current, old):
        raise WrongPin("That is not the current PIN of this profile.")
    try:
        with current.engine.begin() as conn:
            set_pin(conn, current.pid, new)
    except SQLAlchemyError as exc:
        raise ProfileError(f"The PIN could not be saved: {exc}") from exc
    from dataclasses import replace

    current.profile = replace(current.profile, has_pin=new is not None)
