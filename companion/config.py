"""Where the user's data lives: one data dir (platformdirs default, or --data-dir /
COMPANION_DATA_DIR) holding the database, the user's routine files and settings.

With several profiles (people), the database, the speech cache and the log stay shared in
the data dir; each profile's own files (settings, routines, journal, dismissed
suggestions) are in its folder: the data dir itself for the first profile (where they
always were), `<data dir>/profiles/<key>/` for every later one.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

if TYPE_CHECKING:
    from companion.storage.profiles import ProfileInfo

APP_NAME = "companion"


@dataclass(frozen=True)
class Paths:
    """The data dir, seen from one profile (`profile_folder` "" is the first profile)."""

    data_dir: Path
    profile_folder: str = ""

    @property
    def profile_dir(self) -> Path:
        """This profile's own folder: the data dir itself for the first profile."""
        if not self.profile_folder:
            return self.data_dir
        return self.data_dir / "profiles" / self.profile_folder

    def for_profile(self, profile: ProfileInfo | None) -> Paths:
        """The same data dir seen from `profile` (None: the first profile)."""
        return replace(self, profile_folder=profile.folder if profile is not None else "")

    @property
    def routines_dir(self) -> Path:
        return self.profile_dir / "routines"

    @property
    def journal_dir(self) -> Path:
        return self.profile_dir / "journal"

    @property
    def db_file(self) -> Path:
        return self.data_dir / "companion.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.profile_dir / "settings.json"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def voices_dir(self) -> Path:
        """Piper voices of the user's own (NAME.onnx with NAME.onnx.json beside it)."""
        return self.data_dir / "voices"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "companion.log"

    def ensure(self) -> Paths:
        """Create the folders the app needs; those it creates are private (0700: health data).

        A folder that already exists keeps its permissions: `--data-dir ~` must never lock
        the home folder. A read-only data folder is not an error here (reading the history
        still works); writing into it later says so.
        """
        extra = [self.data_dir / "profiles", self.profile_dir] if self.profile_folder else []
        for folder in (self.data_dir, *extra, self.routines_dir):
            if folder.is_dir():
                continue
            try:
                folder.mkdir(parents=True, mode=0o700)
            except FileExistsError:
                continue
            except OSError:
                if folder is self.data_dir:
                    raise
                continue  # e.g. a read-only data folder: no routines of yours to load
            # mkdir's mode is filtered by the umask: set it exactly, on what we created
            with contextlib.suppress(OSError):  # e.g. a mounted folder that does not allow it
                folder.chmod(0o700)
        return self


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> Paths:
    chosen = data_dir or os.environ.get("COMPANION_DATA_DIR") or platformdirs.user_data_dir(
        APP_NAME, appauthor=False
    )
    return Paths(Path(chosen).expanduser().resolve())


def resolve_db_url(paths: Paths, db: str | None = None) -> str:
    """`--db URL` wins, then COMPANION_DB_URL, then SQLite in the data dir."""
    return db or os.environ.get("COMPANION_DB_URL") or f"sqlite:///{paths.db_file}"
