"""The write-behind journal and the store around it: durable first, merged once, the gate
fails closed, and process liveness that works on every platform."""

from __future__ import annotations

import errno
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.core import events as evt
from companion.core.clock import FakeClock
from companion.core.events import EVENT_TYPES, RECORDED_EVENTS, EndStatus, Event, State, Symptom
from companion.storage.journal import Journal, JournalError
from companion.storage.journal_file import decode_event, encode_event, read_folder
from companion.storage.store import HistoryStore
from companion.storage.store_state import UNKNOWN
from tests.unit.storage.sessions import new_engine, play, tiny_routine

T = st.floats(min_value=0, max_value=1e5, allow_nan=False)
SMALL = st.integers(min_value=0, max_value=50)
TEXT = st.text(max_size=40)
#: One strategy per recorded event type (a test below checks none is missing).
EVENT_STRATEGIES: dict[type[Event], st.SearchStrategy[Event]] = {
    evt.SessionStarted: st.builds(evt.SessionStarted, T, TEXT, TEXT, SMALL),
    evt.SetFinished: st.builds(
        evt.SetFinished, T, SMALL, SMALL, TEXT, st.none() | SMALL, st.none() | T,
        st.none() | SMALL, st.none() | T, st.booleans(), st.booleans()),
    evt.CheckinAnswered: st.builds(
        evt.CheckinAnswered, T, SMALL, TEXT, st.sampled_from(["all_clear", "red_flag"])),
    evt.EffortRecorded: st.builds(
        evt.EffortRecorded, T, SMALL, st.integers(0, 10), st.booleans()),
    evt.AmberSign: st.builds(evt.AmberSign, T, SMALL, st.integers(0, 10), T, TEXT),
    evt.RedFlagRaised: st.builds(
        evt.RedFlagRaised, T, st.sampled_from(Symptom), st.sampled_from(State),
        st.none() | SMALL, st.none() | TEXT, TEXT),
    evt.SymptomSpecified: st.builds(evt.SymptomSpecified, T, st.sampled_from(Symptom)),
    evt.Paused: st.builds(evt.Paused, T, st.sampled_from(State)),
    evt.Resumed: st.builds(evt.Resumed, T, st.sampled_from(State), T),
    evt.Skipped: st.builds(evt.Skipped, T, st.sampled_from(State), st.none() | SMALL),
    evt.RestExtended: st.builds(evt.RestExtended, T, st.none() | SMALL, T, TEXT),
    evt.CheckinStalled: st.builds(evt.CheckinStalled, T, SMALL),
    evt.MoodRecorded: st.builds(
        evt.MoodRecorded, T, st.sampled_from(["before", "after"]), st.none() | st.integers(1, 5)),
    evt.SessionEnded: st.builds(evt.SessionEnded, T, st.sampled_from(EndStatus), TEXT),
}
EVENTS = st.one_of(*EVENT_STRATEGIES.values())


@settings(max_examples=300, deadline=None)
@given(EVENTS)
def test_every_recorded_event_survives_the_journal_exactly(event: Event) -> None:
    assert decode_event(encode_event(event)) == event


def test_the_journal_covers_every_event_the_recorder_writes() -> None:
    from companion.storage.recorder import EVENT_SQL

    for cls in RECORDED_EVENTS:
        assert cls is evt.SessionStarted or EVENT_SQL.records(cls.__new__(cls))
    assert set(EVENT_STRATEGIES) == set(RECORDED_EVENTS)  # the round trip above tries each
    assert all(EVENT_TYPES[cls.__name__] is cls for cls in RECORDED_EVENTS)


def _store(tmp_path: Path, **kw: object) -> HistoryStore:
    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    store = HistoryStore(url, tmp_path / "journal", **kw)  # type: ignore[arg-type]
    assert store.open_now()
    return store


def _play(store: HistoryStore, **kw: object) -> object:
    routine = tiny_routine()
    clock = FakeClock()
    engine = new_engine(routine, clock)
    recorder = store.recorder(routine)
    engine.subscribe(recorder)
    play(engine, clock.advance, **kw)  # type: ignore[arg-type]
    return recorder


DIES = """
import os, sys
from pathlib import Path
from companion.core.clock import FakeClock
from companion.storage.store import HistoryStore
from tests.unit.storage.sessions import new_engine, play, tiny_routine
store = HistoryStore(sys.argv[1], Path(sys.argv[2]))  # never started: no database writes
assert store.open_now()
routine = tiny_routine(); clock = FakeClock(); engine = new_engine(routine, clock)
engine.subscribe(store.recorder(routine))
play(engine, clock.advance, red_flag_at=1)
os._exit(0)  # gone, as if killed: nothing closed, nothing flushed
"""


def test_a_process_that_died_before_its_writer_ran_loses_nothing(tmp_path: Path) -> None:
    """Every event was only in the journal: the next start merges it all."""
    import subprocess

    from tests.conftest import ROOT

    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    subprocess.run([sys.executable, "-c", DIES, url, str(tmp_path / "journal")], check=True,
                   cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    second = HistoryStore(url, tmp_path / "journal")
    gate = second.gate_state(None)  # before merging: the journal alone knows the stop
    assert gate.stop is not None and gate.stop.symptoms == ("chest_pain",)
    assert second.merge_now() > 0
    assert second.db is not None
    (row,) = second.db.history()
    assert (row.status, row.sets_done, row.red_flag_count) == ("stopped_red_flag", 2, 1)
    assert second.gate_state_now().stop is not None  # still to be confirmed
    second.close()
    assert not list((tmp_path / "journal").glob("*.jsonl"))


def test_merging_twice_adds_nothing(tmp_path: Path) -> None:
    """A kill between the commit and the 'merged' mark: the entries are merged again."""
    store = _store(tmp_path)
    _play(store)
    files, _ = read_folder(tmp_path / "journal")
    (jf,) = files
    for _ in range(2):  # apply the same, unmarked, entries twice
        again = HistoryStore(store.url, tmp_path / "other-journal", db=store.db)
        again._startup_done = True
        from companion.storage.recorder import Origin
        from companion.storage.store_state import _Pending

        again._apply_all([_Pending(e, Origin("here", 1)) for e in jf.entries])
    assert store.db is not None
    (row,) = store.db.history()
    assert (row.sets_done, row.status) == (4, "completed")
    assert len(store.db.session_detail(row.id).checkins) == 4  # type: ignore[union-attr]
    store.close()


def test_a_full_disk_gives_up_the_reserve_so_the_red_flag_still_lands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import companion.storage.journal as journal_module

    journal = Journal(tmp_path / "j", "sqlite:///x", "here")
    journal.prepare()
    assert (tmp_path / "j" / "reserve").exists()
    real = os.write
    refusals = [1]

    def write(fd: int, data: bytes) -> int:
        if refusals[0]:
            refusals[0] -= 1
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data)

    monkeypatch.setattr(journal_module.os, "write", write)
    at = datetime.now(UTC)
    entry = journal.append_event("k", evt.RedFlagRaised(1.0, Symptom.CHEST_PAIN, State.WORK, 1,
                                                   "Squats"), at)
    assert journal.reserve_used and not (tmp_path / "j" / "reserve").exists()
    (jf,), _ = read_folder(tmp_path / "j")
    assert [e.seq for e in jf.entries] == [entry.seq]
    # no reserve left: the next refusal is an error the store reports (never silent)
    refusals[0] = 1
    with pytest.raises(JournalError, match="No space left"):
        journal.append_event("k", evt.SymptomSpecified(2.0, Symptom.DIZZINESS), at)
    (jf,), _ = read_folder(tmp_path / "j")
    assert len(jf.entries) == 1 and not jf.problem  # the failed line left no half behind
    journal.close()


def test_a_torn_last_line_is_ignored_and_a_damaged_one_makes_the_gate_ask(
    tmp_path: Path,
) -> None:
    store = _store(tmp_path)
    _play(store)
    assert store.db is not None
    store.journal.close()  # type: ignore[union-attr]
    (path,) = (tmp_path / "journal").glob("*.jsonl")
    with path.open("ab") as f:
        f.write(b'{"seq": 99, "key": "x", "at": "2026')  # killed mid-write
    store2 = HistoryStore(store.url, tmp_path / "journal", db=store.db)
    assert store2.gate_state(None).clear
    with path.open("ab") as f:
        f.write(b"\ngarbage that is not json\n")
    state = store2.gate_state(None)
    assert not state.known and "damaged" in state.reason  # cannot tell: the gate asks
    store.db.close()


def test_the_gate_asks_when_the_database_cannot_be_read(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert store.gate_state(None).clear
    state = store.gate_state(UNKNOWN)
    assert not state.known and state.stop is None
    store.close()


def test_a_confirmation_is_journaled_and_reaches_the_database(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.start()
    _play(store, red_flag_at=1)
    assert store.flush(10)
    gate = store.gate_state_now()
    assert gate.stop is not None and gate.stop.session_id is not None
    assert store.acknowledge(gate.stop, "The symptom has passed and I feel well")
    assert store.gate_state(UNKNOWN).stop is None  # known at once from the journal
    assert store.flush(10)
    assert store.db is not None and store.db.pending_red_flag_ack() is None
    store.close()


def test_a_red_flag_after_the_end_wins_over_completed(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.start()
    routine = tiny_routine()
    clock = FakeClock()
    engine = new_engine(routine, clock)
    engine.subscribe(store.recorder(routine))
    play(engine, clock.advance)
    assert engine.is_over
    engine.report_red_flag(Symptom.HEADACHE)
    assert store.flush(10) and store.db is not None
    (row,) = store.db.history()
    assert (row.status, row.red_flag_count) == ("stopped_red_flag", 1)
    assert store.db.pending_red_flag_ack() is not None
    store.close()


LIVE = DIES.replace("os._exit(0)  # gone, as if killed: nothing closed, nothing flushed",
                    "print('recorded', flush=True); import time; time.sleep(120)")


def test_the_journal_of_a_live_app_is_left_to_it_by_the_command_line(tmp_path: Path) -> None:
    """`companion history` while the app records: the app's journal is the app's."""
    import subprocess

    from tests.conftest import ROOT

    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    app = subprocess.Popen([sys.executable, "-c", LIVE, url, str(tmp_path / "journal")],
                           cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                           stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout is not None and app.stdout.readline().strip() == "recorded"
        cli = HistoryStore(url, tmp_path / "journal")
        assert cli.merge_now() == 0  # the app's process is alive: not merged under it
        assert cli.unmerged_elsewhere() > 0
        cli.close()
    finally:
        app.kill()
        app.communicate(timeout=30)
    after = HistoryStore(url, tmp_path / "journal")
    assert after.merge_now() > 0  # once it is gone, the next start merges it
    after.close()
    assert not list((tmp_path / "journal").glob("*.jsonl"))


def test_recording_an_event_is_cheap_on_the_callers_thread(tmp_path: Path) -> None:
    """An ordinary event is appended (not flushed) on the GUI thread: well under the 5 ms
    event budget (the figure is in bench/ as event_commit_p99_ms)."""
    import time

    store = _store(tmp_path)
    routine = tiny_routine()
    recorder = store.recorder(routine)
    recorder(evt.SessionStarted(0.0, routine.id, routine.name, 400))
    times = []
    for n in range(200):
        started = time.perf_counter()
        recorder(evt.SetFinished(float(n), n, 1, "Squats", 12, None, 12, 30.0))
        times.append(time.perf_counter() - started)
    times.sort()
    assert times[len(times) // 2] < 0.02  # generous: a shared, busy test machine
    store.close()


def test_entries_carry_the_time_they_happened_not_the_time_they_merged(tmp_path: Path) -> None:
    store = _store(tmp_path)
    routine = tiny_routine()
    then = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    recorder = store.recorder(routine, now=lambda: then)
    recorder(evt.SessionStarted(0.0, routine.id, routine.name, 4))
    recorder(evt.SetFinished(10.0, 0, 1, "Squats", 2, None, 2, 4.0))
    store.start()
    assert store.flush(10) and store.db is not None
    (row,) = store.db.history()
    assert row.started_at == then
    detail = store.db.session_detail(row.id)
    assert detail is not None and detail.sets[0].finished_at == then
    assert abs(datetime.now(UTC) - then) > timedelta(days=1)
    store.close()


def test_a_red_flag_is_flushed_to_the_disk_before_the_recorder_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Power-cut safe at once for what the gate needs; ordinary events are flushed by the
    writer (off the GUI thread) before it commits them."""
    import threading

    import companion.storage.journal as journal_module

    flushed: list[str] = []
    real = os.fdatasync

    def fdatasync(fd: int) -> None:
        flushed.append(threading.current_thread().name)
        real(fd)

    monkeypatch.setattr(journal_module.os, "fdatasync", fdatasync)
    store = _store(tmp_path)
    routine = tiny_routine()
    recorder = store.recorder(routine)
    recorder(evt.SessionStarted(0.0, routine.id, routine.name, 4))
    flushed.clear()
    recorder(evt.SetFinished(10.0, 0, 1, "Squats", 2, None, 2, 4.0))
    assert flushed == []  # appended, not flushed, on the caller's thread
    recorder(evt.RedFlagRaised(12.0, Symptom.CHEST_PAIN, State.CHECKIN, 0, "Squats"))
    assert flushed == [threading.current_thread().name]
    store.start()
    assert store.flush(10)
    assert "history-writer" in flushed  # the writer flushed the rest before committing
    store.close()


def test_a_folder_the_writer_makes_at_the_same_moment_fails_no_append(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer thread's `prepare` and the first append both make the folder: whichever
    comes second finds it there (seen by `bench_storage` as a lost first event)."""
    folder = tmp_path / "journal"
    journal = Journal(folder, "sqlite://", "desk")
    folder.mkdir()  # made by the other thread between this one's check and its mkdir
    real_is_dir, checks = Path.is_dir, []

    def is_dir_before_the_other_thread(path: Path) -> bool:
        if path == folder and not checks:  # this thread's check came first
            checks.append(path)
            return False
        return real_is_dir(path)

    monkeypatch.setattr(Path, "is_dir", is_dir_before_the_other_thread)
    journal.append_event("k", evt.SessionStarted(0.0, "r", "R", 1), datetime.now(UTC))
    journal.prepare()
    assert journal.probe() == ""
    monkeypatch.undo()
    (jf,), problems = read_folder(folder)
    assert problems == [] and [e.seq for e in jf.entries] == [1]
    journal.close()


def test_the_writer_and_the_first_append_race_for_the_folder_without_a_loss(
        tmp_path: Path) -> None:
    import threading

    for n in range(40):
        folder = tmp_path / f"j{n}" / "journal"
        journal = Journal(folder, "sqlite://", "desk")
        writer = threading.Thread(target=journal.prepare)
        writer.start()
        journal.append_event("k", evt.SessionStarted(0.0, "r", "R", 1), datetime.now(UTC))
        writer.join()
        journal.close()
