"""Durable session history: SQLAlchemy models, migrations, queries and the recorder.

No Qt here. The app holds one `Database`; a `SessionRecorder` per session writes events.
"""

from __future__ import annotations

from companion.storage.database import Database
from companion.storage.opening import DatabaseError, DatabaseRecovered
from companion.storage.recorder import Committed, SessionRecorder

__all__ = ["Committed", "Database", "DatabaseError", "DatabaseRecovered", "SessionRecorder"]
