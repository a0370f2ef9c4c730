"""Run slow work (database reads and writes) off the GUI thread; results come back on it.

Modelled on Anki's `aqt.operations.QueryOp`: the work is a plain function run on a worker
thread; `success(result)` or `failure(exception)` is then called on the GUI thread, and
not at all when `parent` has been deleted meanwhile (a closed window). Every database call
that can take time goes through here (the history window, the start screen's counts, the
screening's save, the red-flag gate's reading), so a busy database or a server that does
not answer never freezes the window::

    QueryOp(parent=self, op=lambda: db.history(), success=self.show_rows).failure(
        lambda exc: self.status_line.setText(f"Could not read your history: {exc}")
    ).run_in_background()
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6

from companion.qt.core import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

T = TypeVar("T")

_pool: QThreadPool | None = None
_running: set[_Relay] = set()


def pool() -> QThreadPool:
    """The workers for these operations (their own pool: never starved by other work)."""
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(2)
    return _pool


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues the call back to this thread."""

    done = Signal(object)
    failed = Signal(object)


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # handed to the failure callback on the GUI thread
            self._emit(self.relay.failed, exc)
            return
        self._emit(self.relay.done, result)

    @staticmethod
    def _emit(signal: Any, value: object) -> None:
        try:
            signal.emit(value)
        except RuntimeError:  # the relay is gone (application shutting down)
            log.debug("background operation finished after its receiver was deleted")


class QueryOp(Generic[T]):
    """`op()` on a worker thread; `success(result)` / `failure(exc)` on the GUI thread."""

    def __init__(self, *, parent: QObject | None, op: Callable[[], T],
                 success: Callable[[T], None]) -> None:
        self._parent = parent
        self._op = op
        self._success = success
        self._failure: Callable[[Exception], None] | None = None

    def failure(self, callback: Callable[[Exception], None]) -> QueryOp[T]:
        """What to do when `op` raises (default: log it with its traceback)."""
        self._failure = callback
        return self

    def run_in_background(self) -> None:
        relay = _Relay()
        _running.add(relay)

        def alive() -> bool:
            return self._parent is None or shiboken6.isValid(self._parent)

        def done(result: Any) -> None:
            _running.discard(relay)
            relay.deleteLater()
            if alive():
                self._success(result)

        def failed(exc: Exception) -> None:
            _running.discard(relay)
            relay.deleteLater()
            if self._failure is None:
                log.error("background operation failed", exc_info=exc)
            elif alive():
                self._failure(exc)

        relay.done.connect(done)
        relay.failed.connect(failed)
        pool().start(_Runnable(self._op, relay))


def running() -> int:
    """How many operations have not reported back yet (tests wait for 0)."""
    return len(_running)
