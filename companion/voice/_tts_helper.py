"""The speech helper process: owns the pyttsx3 engine, renders one utterance per request.

Runs as `python -m companion.voice._tts_helper [driver]` (a module, not a file path, so it
is found inside a wheel or a frozen build; there the app's own executable runs it as
`companion --tts-helper [driver]`). It imports nothing else from the app but its request
loop (`_helper_loop.serve`, shared with Piper's helper: one JSON object per line on stdin,
one reply per line on the protocol stream), so it starts fast. Why a separate process:
pyttsx3's espeak driver cannot be interrupted and can deadlock for good inside
`espeak_Cancel` (nateshmbhat/pyttsx3 #402, #419); a process can be killed by the watchdog
in the app and started afresh, a stuck thread cannot.

Rules learnt the hard way (pyttsx3 2.99): one utterance per `runAndWait()` (two `say()`s
speak only the last, #440); a fresh output path per utterance (the save target persists
into later calls, #219); the driver prints "Audio saved to ..." to stdout, so the real
stdout is kept for the protocol and fd 1 is pointed at /dev/null. And `runAndWait()`
returns as soon as espeak *starts* (its driver queue ends the loop before synthesis is
done; the file is written later from espeak's thread): measured here, the first file was
missing when `runAndWait()` returned, and a late callback wrote one utterance's audio under
the next one's name. Worse, `runAndWait()` queues an `endLoop` that calls `stop()`, which
cancels whatever espeak still reports as playing: right after an utterance that races the
next one and yields an empty file (seen here as finished(completed=True) with 0 frames,
then finished(completed=False)). So every render waits until espeak is idle, waits for
"finished-utterance" and the file, checks the file has frames, and retries twice.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

from companion.voice._helper_loop import Handler, Reply, Request, serve

FINISH_TIMEOUT = 8.0


def _idle_check(name: str) -> Any:
    """A function telling whether the engine is still busy (espeak only; others are sync)."""
    if name != "espeak":
        return lambda: False
    from pyttsx3.drivers import _espeak

    return lambda: bool(_espeak.IsPlaying())


def _settle(busy: Any, limit: float = 2.0) -> None:
    deadline = time.monotonic() + limit
    pause = threading.Event()
    while busy() and time.monotonic() < deadline:
        pause.wait(0.002)


def _frames(path: str) -> int:
    import wave

    try:
        with wave.open(path, "rb") as w:
            return int(w.getnframes())
    except (OSError, EOFError, wave.Error):
        return -1  # not a WAV this module reads (another driver's format): the app decides


def _wait_finished(finished: threading.Event, out: str) -> str:
    """Block until the utterance is really done and its file is on disk ('' when it is)."""
    if not finished.wait(FINISH_TIMEOUT):
        return f"the engine did not finish within {FINISH_TIMEOUT:g} s"
    deadline = time.monotonic() + 2.0
    while not os.path.exists(out):
        if time.monotonic() > deadline:
            return "the engine finished but wrote no file"
        threading.Event().wait(0.005)  # a short pause while the file lands
    return ""


def main(argv: list[str]) -> int:
    driver = argv[1] if len(argv) > 1 and argv[1] else None

    def start() -> tuple[str, dict[str, Handler]]:
        import pyttsx3

        engine = pyttsx3.init(driver)
        name = type(engine.proxy._driver).__module__.rsplit(".", 1)[-1]
        finished = threading.Event()
        busy = _idle_check(name)
        engine.connect("finished-utterance", lambda **_kw: finished.set())

        def render(req: Request) -> Reply:
            if req.get("voice"):
                engine.setProperty("voice", req["voice"])
            engine.setProperty("rate", int(req.get("rate", 165)))
            engine.setProperty("volume", 1.0)
            error = ""
            for _attempt in range(3):
                _settle(busy)
                finished.clear()
                engine.save_to_file(req["text"], req["out"])
                engine.runAndWait()
                error = _wait_finished(finished, req["out"])
                _settle(busy)
                if not error and _frames(req["out"]) == 0 and req["out"].endswith(".wav"):
                    error = "the engine wrote an empty file"
                if not error:
                    break
            return {"ok": False, "error": error} if error else {"ok": True, "out": req["out"]}

        def voices(_req: Request) -> Reply:
            return {"ok": True, "voices": [
                {"id": str(v.id), "name": str(v.name or v.id),
                 "languages": [str(x) for x in (v.languages or [])]}
                for v in engine.getProperty("voices")
            ]}

        return name, {"render": render, "voices": voices}

    return serve(start)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
