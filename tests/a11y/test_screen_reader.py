"""A screen-reader user can follow a session (issue 22), checked on the real AT-SPI stack.

The app runs for real under Xvfb with Qt's accessibility bridge on; a separate AT-SPI client
(the walker) reads the tree and listens for events as Orca would. Keys go through the app's
own dispatcher. On each screen: every control a person can reach has a real name (not a bare
key letter), the text a sighted person reads is in the tree and showing, the focus is where
it should be, and what changes is announced once.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from companion.core.safety import CHECKIN_FLAGS, SAFETY_TITLE, safety_steps
from companion.safety.content import load_notice, load_screening
from companion.settings import Settings
from tests.a11y.conftest import App, Reader
from tests.helpers.routine_files import squats_and_plank

pytestmark = pytest.mark.slow

Node = dict[str, Any]

TINY = squats_and_plank("Tiny", "tiny", rest_seconds=20, plank_seconds=20)

#: roles a person operates; any other focusable, showing node counts as a control too
INTERACTIVE = {"push button", "toggle button", "check box", "radio button", "combo box",
               "spin button", "slider", "text", "entry", "password text", "list", "list box",
               "table", "tree", "tree table", "page tab", "menu item", "link", "date editor"}
ANNOUNCEMENT = "object:announcement"
ASSERTIVE = 2  # AT-SPI's live politeness: 1 polite, 2 assertive
#: an announcement must not come again within this long (it is said once, not every second)
QUIET_S = 2.5


def showing(node: Node) -> bool:
    return "showing" in node["states"] and "visible" in node["states"]


def bare(name: str) -> bool:
    """No name, or only a key letter ("C", "(key 5)")."""
    words = re.sub(r"\(?key\s+\S+\)?", "", name, flags=re.IGNORECASE)
    return len(re.sub(r"\W", "", words)) <= 1


def controls(nodes: list[Node]) -> list[Node]:
    return [n for n in nodes if showing(n)
            and (n["role"] in INTERACTIVE or "focusable" in n["states"])]


def assert_controls_named(nodes: list[Node], where: str) -> None:
    found = controls(nodes)
    assert found, f"{where}: no controls in the tree"
    # a table cell's or list item's name is its content (a dash for "no value" included)
    nameless = [(n["role"], n["name"], n["description"]) for n in found
                if bare(n["name"]) and n["role"] not in ("table cell", "list item")]
    assert not nameless, f"{where}: controls without a real name: {nameless}"


def readable(nodes: list[Node]) -> str:
    """Everything a screen reader can read on screen now (names, descriptions, text)."""
    parts = []
    for n in nodes:
        if showing(n):
            parts.extend((n["name"], n["description"], n["text"]))
    return " ".join(" ".join(parts).split())


def assert_readable(nodes: list[Node], texts: list[str], where: str) -> None:
    seen = readable(nodes)
    missing = [t for t in texts if " ".join(t.split()) not in seen]
    assert not missing, f"{where}: not readable by a screen reader: {missing}"


def focused(nodes: list[Node]) -> Node:
    hits = [n for n in nodes if "focused" in n["states"] and showing(n)
            and n["role"] not in ("list item", "table cell")]
    assert hits, "nothing has the focus"
    return hits[-1]


def announcements(reader: Reader, want: str, *, wait: float = 5.0) -> list[dict[str, Any]]:
    """The announcements containing `want`, once one arrived and `QUIET_S` passed after it
    (so a repeat would be caught)."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait
    first = None
    while time.monotonic() < deadline or (first and time.monotonic() < first + QUIET_S):
        for ev in reader.events():
            if ev["type"] == ANNOUNCEMENT and want in str(ev["data"]):
                got.append(ev)
                first = first or time.monotonic()
        if first and time.monotonic() >= first + QUIET_S:
            break
        time.sleep(0.1)
    return got


def announced_once(reader: Reader, want: str) -> dict[str, Any]:
    got = announcements(reader, want)
    others = [e["data"] for e in reader.log if e["type"] == ANNOUNCEMENT][-8:]
    assert len(got) == 1, f"{want!r} announced {len(got)} times; recent: {others}"
    return got[0]


def fresh(reader: Reader) -> None:
    reader.events()  # forget what came before this step


def routine(tmp_path: Path) -> str:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    return str(path)


def test_first_run_notice_screening_and_start_screen_are_read(
        launch: Callable[..., App], screen_reader: Reader) -> None:
    app = launch()
    app.do(cmd="wait", window="NoticeDialog")
    nodes = screen_reader.tree()
    assert_controls_named(nodes, "notice")
    paragraphs = [p for p in load_notice().split("\n\n") if p.strip()]
    assert_readable(nodes, paragraphs, "notice")

    app.key("Return", "\r")
    app.do(cmd="wait", window="ScreeningDialog")
    screening = load_screening()
    fresh(screen_reader)
    app.key("Return", "\r")  # Begin
    first, second = screening.questions[0], screening.questions[1]
    announced_once(screen_reader, first.text)
    nodes = screen_reader.tree()
    assert_controls_named(nodes, "screening question")
    assert_readable(nodes, [first.text, *([first.hint] if first.hint else [])],
                    "screening question 1")
    assert first.text in focused(nodes)["name"]  # the question is read on focus

    fresh(screen_reader)
    app.key("N", "n")
    announced_once(screen_reader, second.text)
    nodes = screen_reader.tree()
    assert_readable(nodes, [second.text, *([second.hint] if second.hint else [])],
                    "screening question 2")
    assert second.text in focused(nodes)["name"]
    assert first.text not in readable(nodes), "the previous question still shows"

    app.key("Escape", "\x1b")  # not now
    app.do(cmd="wait", window="MainWindow", mode="start")
    nodes = screen_reader.tree()
    assert_controls_named(nodes, "start")
    assert_readable(nodes, ["Today:", "This week:", "exercises ×", "Start the session"],
                    "start screen (with the routine preview)")
    assert focused(nodes)["name"] == "Start the session"


def test_a_session_can_be_followed_by_ear(launch: Callable[..., App], screen_reader: Reader,
                                          tmp_path: Path) -> None:
    app = launch("--no-first-run", "--routine", routine(tmp_path),
                 settings={"notice_shown": True})
    app.do(cmd="wait", mode="start")
    fresh(screen_reader)
    app.key("Space", " ")
    app.do(cmd="wait", mode="arrival")
    announced_once(screen_reader, "Arrive and breathe")
    nodes = screen_reader.tree()
    assert_controls_named(nodes, "player")
    assert not [n for n in nodes if n["role"] == "progress bar"], \
        "a progress bar speaks every step ('5 percent... 6 percent')"
    assert_readable(nodes, ["Arrive and breathe", "Tiny: 2 exercises", "Session progress",
                            "Pause the session"], "player (arrival)")

    fresh(screen_reader)
    app.key("Space", " ")
    app.do(cmd="wait", mode="paused")
    announced_once(screen_reader, "Paused")
    nodes = screen_reader.tree()
    assert [n for n in controls(nodes) if n["name"].startswith("Resume the session")], \
        "the pause button's name does not say the session is paused"
    app.key("Space", " ")
    app.do(cmd="wait", mode="arrival")

    fresh(screen_reader)
    app.key("N", "n")  # on to the first set
    announced_once(screen_reader, "Get ready: Squats, 2 reps")
    app.do(cmd="wait", mode="work", timeout=60)
    announced_once(screen_reader, "Go: Squats")
    nodes = screen_reader.tree()
    timer = [n for n in nodes if n["description"] == "Timer"]
    assert timer and re.fullmatch(r"\d+:\d\d", timer[0]["name"]), timer
    assert_readable(nodes, ["Squats", "Set 1 of 2", "/ 2 reps", "Next: Plank"],
                    "player (work)")

    fresh(screen_reader)
    app.do(cmd="skip_until", mode="checkin")
    signs = [text for _symptom, text in CHECKIN_FLAGS]
    said = announced_once(screen_reader, "Do you have any of these right now?")
    assert all(sign in said["data"] for sign in signs), said["data"]
    nodes = screen_reader.tree()
    assert_controls_named(nodes, "check-in")
    assert_readable(nodes, ["Do you have any of these right now?", *signs], "check-in")
    focus = focused(nodes)
    assert "Do you have any of these right now?" in focus["name"], focus
    assert all(sign in focus["description"] for sign in signs), focus
    assert not focus["name"].startswith("All clear")

    app.do(cmd="settle", ms=800)  # past the answer guard
    fresh(screen_reader)
    app.key("C", "c")
    app.do(cmd="wait", mode="effort")
    announced_once(screen_reader, "How hard was that set?")
    assert "How hard was that set?" in focused(screen_reader.tree())["name"]
    fresh(screen_reader)
    app.key("7", "7")
    announced_once(screen_reader, "Effort 7 noted")

    app.key("Escape", "\x1b")
    app.do(cmd="wait", window="QMessageBox")
    fresh(screen_reader)
    app.key("Return", "\r")
    app.do(cmd="wait", window="MainWindow", mode="end")
    announced_once(screen_reader, "Session ended")
    nodes = screen_reader.tree()
    assert_controls_named(nodes, "end")
    assert_readable(nodes, ["Session ended. What you did still counts.", "of 2 sets done",
                            "How do you feel now?"], "end screen")
    assert focused(nodes)["name"] == "Back to the start screen"
    progress_chatter = [e for e in screen_reader.log
                        if e["type"].startswith("object:property-change:accessible-value")
                        and e["role"] == "progress bar"]
    assert not progress_chatter

    app.key("Return", "\r")
    app.do(cmd="wait", mode="start")
    app.key("Comma", ",", ctrl=True)
    app.do(cmd="wait", window="SettingsDialog")
    nodes = screen_reader.tree()
    assert_controls_named(nodes, "settings")
    assert [n for n in nodes if n["role"] == "combo box" and showing(n)
            and n["name"] == "Screen reader announces prompts"]
    assert_readable(nodes, ["When the voice is off", "Emergency number text"], "settings")
    app.key("Escape", "\x1b")
    app.do(cmd="wait", window="MainWindow")

    app.key("H", "h")
    app.do(cmd="wait", window="HistoryWindow")
    nodes = screen_reader.tree()
    assert_controls_named(nodes, "history")
    assert_readable(nodes, ["Tiny"], "history")
    app.do(cmd="close_history")


def test_the_safety_screen_is_read_assertively(launch: Callable[..., App],
                                              screen_reader: Reader, tmp_path: Path) -> None:
    app = launch("--no-first-run", "--routine", routine(tmp_path),
                 settings={"notice_shown": True})
    app.do(cmd="wait", mode="start")
    app.key("Space", " ")
    app.do(cmd="wait", mode="arrival")
    screen_reader.tree()  # the screen reader has seen the player (the safety page hidden)
    fresh(screen_reader)
    app.key("U", "u")
    app.do(cmd="wait", mode="safety")
    steps = list(safety_steps(Settings().emergency_text))
    said = announced_once(screen_reader, SAFETY_TITLE)
    assert said["detail1"] == ASSERTIVE, said
    assert all(step in said["data"] for step in steps), said["data"]
    nodes = screen_reader.tree()
    assert_controls_named(nodes, "safety")
    assert_readable(nodes, [SAFETY_TITLE, *steps], "safety screen")
    focus = focused(nodes)
    assert focus["name"] != "Back to the start screen"  # the page, never the way out
    assert all(step in focus["description"] for step in steps), focus

    fresh(screen_reader)
    app.key("1", "1")
    announced_once(screen_reader, "You reported: chest pain")


def test_with_announcements_off_nothing_is_announced_but_the_focus_still_reads(
        launch: Callable[..., App], screen_reader: Reader, tmp_path: Path) -> None:
    app = launch("--no-first-run", "--routine", routine(tmp_path),
                 settings={"notice_shown": True, "announce_prompts": "off"})
    app.do(cmd="wait", mode="start")
    fresh(screen_reader)
    app.key("Space", " ")
    app.do(cmd="wait", mode="arrival")
    app.do(cmd="skip_until", mode="checkin", timeout=60)
    app.do(cmd="settle", ms=500)
    said = [e for e in screen_reader.events() if e["type"] == ANNOUNCEMENT]
    assert not said, said
    focus = focused(screen_reader.tree())
    assert "Do you have any of these right now?" in focus["name"], focus
