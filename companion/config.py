"""Where the user's data lives: one data dir (platformdirs default, or --data-dir /
COMPANION_DATA_DIR) holding the database, the user's routine files and settings."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "companion"


@dataclass(frozen=True)
class Paths:
    data_dir: Path

    @property
    def routines_dir(self) -> Path:
        return self.data_dir / "routines"

    @property
    def db_file(self) -> Path:
        return self.data_dir / "companion.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.data_dir / "settings.json"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "companion.log"

    def ensure(self) -> Paths:
        """Create the folders the app needs; those it creates are private (0700: health data).

        A folder that already exists keeps its permissions: `--data-dir ~` must never lock
        the home folder. A read-only data folder is not an error here (reading the history
        still works); writing into it later says so.
        """
        for folder in (self.data_dir, self.routines_dir):
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
