"""A profile's database credentials: the password from the platform's keyring, never from
the command line, and the local list of profiles this computer knows per server.

PostgreSQL set up for profiles (`companion db init-postgres`) has one role per profile. The
app connects with that role; its password is kept in the keyring (GNOME Keyring / KWallet
through Secret Service, macOS Keychain, Windows Credential Manager) under the service
"companion" and the account `ROLE@HOST:PORT/DATABASE`, put there by `companion db login`.
`--db` takes a URL without a password; a URL with a user and no password gets it from the
keyring. When no keyring backend is available, the app says so plainly (and libpq's own
~/.pgpass still works).

`known_profiles.json` in the data dir lists, per server, the profiles set up on this
computer (name, key, folder, role; no secret), so `--profile NAME` finds the role, and the
app finds a profile's folder (its journal) before the server answers.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from companion.errors import KnownError

log = logging.getLogger(__name__)

SERVICE = "companion"
KNOWN_FILE = "known_profiles.json"

NO_KEYRING = (
    "No keyring is available on this computer, so Companion cannot keep or read the "
    "database password of {who}. Install and unlock a secret store (GNOME Keyring or "
    "KWallet on Linux; macOS and Windows have one built in) and try again, or give the "
    "password in a ~/.pgpass file (PostgreSQL's own password file). Passwords are never "
    "taken on the command line.")


class CredentialError(KnownError):
    """No keyring, or no password stored for a role: the message says what to do."""


def _parse(url: str) -> URL | None:
    try:
        return make_url(url)
    except ArgumentError:
        return None


def is_server(url: str) -> bool:
    parsed = _parse(url)
    return parsed is not None and parsed.get_backend_name() == "postgresql"


def server_key(url: str) -> str:
    """The server and database, without user or password (what profiles are listed by)."""
    parsed = _parse(url)
    if parsed is None or parsed.get_backend_name() != "postgresql":
        return url
    return (f"postgresql://{parsed.host or 'localhost'}:{parsed.port or 5432}/"
            f"{parsed.database or ''}")


def account(url: str) -> str | None:
    """The keyring account for a URL with a user: ROLE@HOST:PORT/DATABASE."""
    parsed = _parse(url)
    if parsed is None or not parsed.username:
        return None
    return f"{parsed.username}@{parsed.host or 'localhost'}:{parsed.port or 5432}/" \
           f"{parsed.database or ''}"


def with_user(url: str, role: str) -> str:
    parsed = _parse(url)
    assert parsed is not None
    return parsed._replace(username=role, password=None).render_as_string(hide_password=False)


def _keyring() -> Any:
    """The keyring module with a usable backend; CredentialError when there is none."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError as exc:  # pragma: no cover - a dependency; kept for odd installs
        raise CredentialError(NO_KEYRING.format(who="your profile")) from exc
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or "null" in type(backend).__module__:
        raise CredentialError(NO_KEYRING.format(who="your profile"))
    return keyring


def password_for(url: str) -> str | None:
    """The keyring's password for this URL's user, or None (none stored, or no user).
    Raises CredentialError when no keyring backend is available."""
    who = account(url)
    if who is None:
        return None
    try:
        keyring = _keyring()
    except CredentialError as exc:
        raise CredentialError(NO_KEYRING.format(who=who)) from exc
    from keyring.errors import KeyringError

    try:
        value = keyring.get_password(SERVICE, who)
    except KeyringError as exc:
        raise CredentialError(f"The keyring could not be read for {who} ({exc}). Unlock "
                              "your secret store and try again.") from exc
    return str(value) if value is not None else None


def store_password(url: str, password: str) -> str:
    """Keep the password of this URL's user in the keyring; returns the account name."""
    who = account(url)
    if who is None:
        raise CredentialError("the database URL names no user (role) to keep a password for")
    try:
        keyring = _keyring()
    except CredentialError as exc:
        raise CredentialError(NO_KEYRING.format(who=who)) from exc
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, who, password)
    except KeyringError as exc:
        raise CredentialError(f"The keyring refused the password for {who} ({exc}).") from exc
    return who


def fill_password(url: str) -> tuple[str, str]:
    """`url` with its user's password from the keyring when it has a user and no password.

    Returns (url, problem): `problem` is "" or a sentence to show (no keyring, nothing
    stored); the URL is then left as given (libpq may still find ~/.pgpass).
    """
    parsed = _parse(url)
    if parsed is None or parsed.get_backend_name() != "postgresql" or not parsed.username \
            or parsed.password is not None:
        return url, ""
    try:
        password = password_for(url)
    except CredentialError as exc:
        log.warning("%s", exc)
        return url, str(exc)
    if password is None:
        return url, ""
    return parsed.set(password=password).render_as_string(hide_password=False), ""


# -- the profiles this computer knows per server ------------------------------------------------
@dataclass(frozen=True)
class Known:
    key: str
    name: str
    folder: str
    role: str | None


def _known_file(data_dir: Path) -> Path:
    return data_dir / KNOWN_FILE


def known_profiles(data_dir: Path, url: str) -> list[Known]:
    """The profiles of this server (or SQLite file) seen on this computer, oldest first."""
    try:
        data = json.loads(_known_file(data_dir).read_text(encoding="utf-8"))
        rows = data.get(server_key(url), []) if isinstance(data, dict) else []
        return [Known(str(r["key"]), str(r["name"]), str(r.get("folder", "")),
                      r.get("role")) for r in rows if isinstance(r, dict)]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("cannot read %s: %s", _known_file(data_dir), exc)
        return []


def find_known(data_dir: Path, url: str, name: str | None) -> Known | None:
    """The known profile called `name` (any case); with None, the one this URL's user
    (role) owns, else the first-created one (folder ""), else on a server the profile
    logged in first on this computer (`companion db login`)."""
    rows = known_profiles(data_dir, url)
    if name is not None:
        wanted = " ".join(name.split()).casefold()
        return next((k for k in rows if k.name.casefold() == wanted), None)
    parsed = _parse(url)
    user = parsed.username if parsed is not None else None
    if user:
        return next((k for k in rows if k.role == user), None)
    first = next((k for k in rows if k.folder == ""), None)
    if first is None and is_server(url):
        first = next((k for k in rows if k.role), None)
    return first


def remember(data_dir: Path, url: str, key: str, name: str, folder: str,
             role: str | None) -> None:
    """Add or update a profile in the local list (best effort: a read-only data dir just
    means the server is asked next time)."""
    from companion.files import write_text_atomic

    path = _known_file(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    rows = [r for r in data.get(server_key(url), []) if isinstance(r, dict)
            and r.get("key") != key and r.get("name") != name]
    rows.append({"key": key, "name": name, "folder": folder, "role": role})
    data[server_key(url)] = rows
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    except Exception as exc:  # a cache: never worth failing for
        log.info("cannot write %s: %s", path, exc)
