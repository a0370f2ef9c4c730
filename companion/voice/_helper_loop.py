"""The request loop both speech helper processes run (`_tts_helper`: pyttsx3, `_piper_helper`:
Piper): the child's side of their protocol, in one place. Standard library only, so a helper
starts fast; the app's side is `companion.voice.helper_process.HelperProcess`.

The protocol: the first line a helper writes is its hello, `{"ok": true, "ready": true,
"driver": NAME}`, or `{"ok": false, "fatal": true, "error": ...}` when its engine cannot
start (then it exits with code 1). Then one JSON request per line on stdin, one JSON reply per
line on the protocol stream: `{"cmd": "quit"}` is answered `{"ok": true}` and ends the loop;
an unknown command, or a request that raises, is answered `{"ok": false, "error": ...}`, so
one bad request never kills the helper. The real stdout is kept for the protocol and fd 1
points at /dev/null, so whatever an engine prints ("Audio saved to ...") cannot corrupt it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TextIO

Request = dict[str, Any]
Reply = dict[str, Any]
#: A command's handler: the request in, the reply out (it may raise: see `serve`).
Handler = Callable[[Request], Reply]
#: Starts the engine: its driver name and the handler of each command but "quit".
Start = Callable[[], tuple[str, dict[str, Handler]]]
#: A reply for a request that raised, or None for the generic one ("TypeName: message").
Failure = Callable[[Exception, Request], "Reply | None"]


def protocol_stream() -> TextIO:
    """The real stdout, for replies only; fd 1 and `sys.stdout` go to /dev/null."""
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as we do
    return proto


def serve(start: Start, failure: Failure | None = None) -> int:
    """Run a helper: hello, then requests until "quit" or the end of stdin. Returns the
    process's exit code (1 when the engine could not start, else 0)."""
    proto = protocol_stream()
    if hasattr(os, "nice"):  # rendering is background work: the GUI process comes first
        with contextlib.suppress(OSError):
            os.nice(5)

    def reply(data: Reply) -> None:
        proto.write(json.dumps(data, ensure_ascii=True) + "\n")
        proto.flush()

    try:
        driver, handlers = start()
    except Exception as exc:  # any start failure is "no engine": report it, never hang
        reply({"ok": False, "fatal": True, "error": f"{type(exc).__name__}: {exc}"})
        return 1
    reply({"ok": True, "ready": True, "driver": driver})
    for line in sys.stdin:
        if not line.strip():
            continue
        req: Request = {}
        try:
            req = json.loads(line)
            cmd = req.get("cmd")
            if cmd == "quit":
                reply({"ok": True})
                return 0
            handler = handlers.get(str(cmd))
            reply(handler(req) if handler is not None
                  else {"ok": False, "error": f"unknown command {cmd!r}"})
        except Exception as exc:  # one bad request must not kill the helper
            special = failure(exc, req) if failure is not None else None
            reply(special or {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    return 0
