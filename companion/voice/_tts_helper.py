"""The speech helper process: owns the pyttsx3 engine, renders one utterance per request.

Runs as `python _tts_helper.py [driver]` (a plain script: it imports nothing from the app,
so it starts fast). Protocol: one JSON object per line on stdin, one reply per line on the
protocol stream. Why a separate process: pyttsx3's espeak driver cannot be interrupted and
can deadlock for good inside `espeak_Cancel` (nateshmbhat/pyttsx3 #402, #419); a process
can be killed by the watchdog in the app and started afresh, a stuck thread cannot.

Rules learnt the hard way (pyttsx3 2.99): one utterance per `runAndWait()` (two `say()`s
speak only the last, #440); a fresh output path per utterance (the save target persists
into later calls, #219); the driver prints "Audio saved to ..." to stdout, so the real
stdout is kept for the protocol and fd 1 is pointed at /dev/null.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def _protocol_stream() -> Any:
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as we do
    return proto


def main(argv: list[str]) -> int:
    proto = _protocol_stream()

    def reply(**data: Any) -> None:
        proto.write(json.dumps(data, ensure_ascii=True) + "\n")
        proto.flush()

    driver = argv[1] if len(argv) > 1 and argv[1] else None
    try:
        import pyttsx3

        engine = pyttsx3.init(driver)
        name = type(engine.proxy._driver).__module__.rsplit(".", 1)[-1]
    except Exception as exc:  # any init failure is "no engine": report it, never hang
        reply(ok=False, fatal=True, error=f"{type(exc).__name__}: {exc}")
        return 1
    reply(ok=True, ready=True, driver=name)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            cmd = req.get("cmd")
            if cmd == "render":
                if req.get("voice"):
                    engine.setProperty("voice", req["voice"])
                engine.setProperty("rate", int(req.get("rate", 165)))
                engine.setProperty("volume", 1.0)
                engine.save_to_file(req["text"], req["out"])
                engine.runAndWait()
                reply(ok=True, out=req["out"])
            elif cmd == "voices":
                voices = [
                    {"id": str(v.id), "name": str(v.name or v.id),
                     "languages": [str(x) for x in (v.languages or [])]}
                    for v in engine.getProperty("voices")
                ]
                reply(ok=True, voices=voices)
            elif cmd == "quit":
                reply(ok=True)
                return 0
            else:
                reply(ok=False, error=f"unknown command {cmd!r}")
        except Exception as exc:  # one bad request must not kill the helper
            reply(ok=False, error=f"{type(exc).__name__}: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
