"""A stand-in speech helper for the platform paths this machine cannot run (the macOS and
Windows drivers): it speaks the real helper's protocol and "renders" by copying a file.

    python tests/helpers/fake_tts_helper.py DRIVER CONTROL LOG

DRIVER is what it reports (e.g. nsss writes AIFF, sapi5 writes WAV). CONTROL is read at
each render: a path to copy to the requested output (an AIFF or WAV made with sox), or
`garbage` to write bytes no audio reader accepts. Each output path is appended to LOG.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    driver, control, log = argv[1], Path(argv[2]), Path(argv[3])

    def reply(**data: object) -> None:
        sys.stdout.write(json.dumps(data) + "\n")
        sys.stdout.flush()

    reply(ok=True, ready=True, driver=driver)
    for line in sys.stdin:
        req = json.loads(line)
        if req["cmd"] == "render":
            with log.open("a", encoding="utf-8") as f:
                f.write(req["out"] + "\n")
            source = control.read_text(encoding="utf-8").strip()
            if source == "garbage":
                Path(req["out"]).write_bytes(b"FORM\x00\x00\x00\x04AIFFnot really audio")
            else:
                shutil.copyfile(source, req["out"])
            reply(ok=True, out=req["out"])
        elif req["cmd"] == "voices":
            reply(ok=True, voices=[])
        else:
            reply(ok=True)
            if req["cmd"] == "quit":
                return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
