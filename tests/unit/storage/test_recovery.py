"""The marker a damaged history leaves: written, confirmed per profile, and never trusted
when it cannot be read (the red-flag gate keeps asking)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from companion.storage.recovery import confirm, marker_path, read_marker, write_marker

AT = datetime(2026, 12, 2, 1, 31, 4, tzinfo=UTC)


def test_written_then_confirmed_per_profile(tmp_path: Path) -> None:
    db = tmp_path / "companion.sqlite3"
    assert read_marker(db) is None
    write_marker(db, tmp_path / "companion.sqlite3.corrupt-x", "file is not a database", AT)
    marker = read_marker(db)
    assert marker is not None and marker.readable and marker.at == AT
    assert marker.pending_for("Anna") and marker.pending_for(None)
    confirm(db, "Anna", "The symptom has passed and I feel well", AT)
    marker = read_marker(db)
    assert marker is not None and not marker.pending_for("Anna")
    assert marker.pending_for("Ben")  # each profile answers for itself
    assert marker.confirmed["Anna"] == (AT, "The symptom has passed and I feel well")
    assert marker_path(db).stat().st_mode & 0o077 == 0  # private, as health data


@settings(max_examples=200, deadline=None)
@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode),
                     st.sampled_from([b'{"v": 2}', b'{"v": 1, "at": "2026-12-02T01:00:00"}',
                                      b'{"v": 1, "confirmed": {"A": {"at": 5}}}', b"[]"])))
def test_a_marker_that_cannot_be_read_never_counts_as_confirmed(raw: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "companion.sqlite3"
        marker_path(db).write_bytes(raw)
        marker = read_marker(db)  # never raises
        assert marker is not None
        if not marker.readable:
            assert marker.pending_for("Anna") and marker.pending_for(None)
