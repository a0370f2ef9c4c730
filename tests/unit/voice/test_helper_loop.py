"""Both speech helpers answer through one request loop (`_helper_loop.serve`): the real
helper processes, fed what a broken or newer app might send, keep answering line by line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from companion.voice.helper_process import helper_env
from companion.voice.natural import piper_installed


def _talk(module: str, *args: str, lines: list[str]) -> tuple[list[dict[str, object]], int]:
    proc = subprocess.run([sys.executable, "-m", module, *args],
                          input="".join(f"{line}\n" for line in lines), capture_output=True,
                          text=True, timeout=120, env=helper_env())
    return [json.loads(line) for line in proc.stdout.splitlines()], proc.returncode


BAD_REQUESTS = ["", "this is not json", json.dumps({"cmd": "sing"}), json.dumps({"cmd": "render"}),
                json.dumps({"cmd": "voices"}), json.dumps({"cmd": "quit"}),
                json.dumps({"cmd": "voices"})]  # after quit: never read


@pytest.mark.parametrize(("module", "args", "driver"), [
    ("companion.voice._tts_helper", ("espeak",), "espeak"),
    pytest.param("companion.voice._piper_helper", (), "piper",
                 marks=pytest.mark.skipif(not piper_installed(), reason="Piper not installed")),
])
def test_a_bad_request_is_answered_and_the_helper_goes_on(module: str, args: tuple[str, ...],
                                                          driver: str) -> None:
    replies, code = _talk(module, *args, lines=BAD_REQUESTS)
    hello, not_json, unknown, incomplete, voices, quit_ = replies  # a blank line: no reply
    assert hello == {"ok": True, "ready": True, "driver": driver}
    assert not_json["ok"] is False and "JSONDecodeError" in str(not_json["error"])
    assert unknown == {"ok": False, "error": "unknown command 'sing'"}
    assert incomplete["ok"] is False and "KeyError" in str(incomplete["error"])
    assert voices["ok"] is True and isinstance(voices["voices"], list)
    assert quit_ == {"ok": True}
    assert code == 0


@pytest.mark.skipif(not piper_installed(), reason="Piper not installed")
def test_a_voice_that_cannot_be_used_says_which_and_why(tmp_path: Path) -> None:
    missing = tmp_path / "nobody.onnx"
    replies, code = _talk("companion.voice._piper_helper", lines=[
        json.dumps({"cmd": "check", "voice": str(missing)}), json.dumps({"cmd": "quit"})])
    assert replies[1]["ok"] is False and replies[1]["voice_error"] is True
    assert str(replies[1]["error"]).startswith("the voice nobody.onnx cannot be used: ")
    assert replies[2] == {"ok": True} and code == 0


def test_an_engine_that_cannot_start_says_so_and_exits() -> None:
    """The macOS driver on this Linux machine: the hello is the reason, then exit code 1."""
    replies, code = _talk("companion.voice._tts_helper", "nsss", lines=[])
    assert replies[0]["ok"] is False and replies[0]["fatal"] is True and replies[0]["error"]
    assert len(replies) == 1 and code == 1
