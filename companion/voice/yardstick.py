"""The confidence yardstick: how much better the free phone loop explains an utterance than
the grammar's best phrase does, as a 0..1 confidence, and the process that decodes the
phone loop beside the grammar decode (Qt-free; spawned by companion.voice.recogniser).

Why a second process: the two decodes of an utterance are independent, and run side by side
on two cores the answer arrives after the slower of them rather than after both.
"""

from __future__ import annotations

import contextlib
from multiprocessing.connection import Connection
from typing import Any

from companion.voice.sphinx import PHONES, decode, new_decoder


def confidence_from_gap(gap_per_frame: float) -> float:
    """0..1 from how much worse the grammar's best path scores than free phone recognition
    of the same audio, per frame (0 = as good as unconstrained; -30 or worse = 0.0).

    A small grammar always returns *some* phrase; when the speech was something else, forcing
    it onto that phrase costs acoustic score that the free phone loop does not pay. Measured
    on the tuning clips: genuine "all clear" -16..-4, impostors heard as "all clear" -11 and
    below; correct numbers -26..-7, wrong ones -28..-12 (so numbers gain less from it).
    """
    return max(0.0, min(1.0, 1.0 + gap_per_frame / 30.0))


def yardstick_main(conn: Connection, options: dict[str, Any]) -> None:
    """Entry point of the yardstick process: utterance audio in, free phone-loop score out
    (None when there is none). Its first message is "ready", or "failed: REASON" (then the
    recogniser decodes the phone loop itself); it ends when the recogniser's end closes."""
    try:
        ps = new_decoder(options)
        ps.add_allphone_file(PHONES)
        ps.activate_search(PHONES)
        logmath = ps.get_logmath()
    except Exception as exc:  # the recogniser process falls back to decoding this itself
        with contextlib.suppress(OSError, ValueError):
            conn.send(f"failed: {type(exc).__name__}: {exc}")
        return
    conn.send("ready")
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        _, score = decode(ps, logmath, data)
        try:
            conn.send(score)
        except (OSError, ValueError):
            return
