"""A small AT-SPI client, run with the *system* Python (`/usr/bin/python3`): it needs the
Debian packages python3-gi and gir1.2-atspi-2.0, which a virtualenv's Python cannot import.

It stands where a screen reader stands: on the accessibility bus, listening for the same kinds
of events Orca listens for (focus, state and property changes, announcements), so Qt sends
them, and reading the tree through libatspi (with its cache, as Orca does). The test drives
it over stdin/stdout, one JSON object per line:

    {"cmd": "tree", "app": "Companion"}   -> {"ok": true, "nodes": [...]}  (every window)
    {"cmd": "events"}                      -> {"ok": true, "events": [...]}  (and forgets them)
    {"cmd": "quit"}

A node is {"path", "depth", "role", "name", "description", "states", "text", "actions"};
an event is {"type", "detail1", "detail2", "data", "role", "name", "description", "time"}.
It prints {"ready": true} once its listeners are registered.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi, GLib  # noqa: E402

#: what Orca registers for (the part that matters here): Qt only sends what someone listens to
EVENT_TYPES = (
    "focus:",
    "object:announcement",
    "object:state-changed",
    "object:property-change",
    "object:children-changed",
    "object:text-changed",
    "window:activate",
)

events: list[dict[str, Any]] = []


def _safe(call: Any, default: Any = "") -> Any:
    try:
        return call()
    except Exception:  # a vanished object: report what can be read
        return default


def _event(ev: Any) -> None:
    src = ev.source
    data = ev.any_data
    if data is not None and not isinstance(data, str | int | float | bool):
        data = _safe(lambda: data.get_name(), str(data)) if hasattr(data, "get_name") \
            else str(data)
    events.append({
        "type": ev.type, "detail1": ev.detail1, "detail2": ev.detail2, "data": data,
        "role": _safe(lambda: src.get_role_name()) if src else "",
        "name": _safe(lambda: src.get_name()) if src else "",
        "description": _safe(lambda: src.get_description()) if src else "",
        "time": time.monotonic(),
    })


def _states(acc: Any) -> list[str]:
    state_set = acc.get_state_set()
    return sorted(s.value_nick for s in state_set.get_states())


def _text(acc: Any) -> str:
    iface = _safe(lambda: acc.get_text_iface(), None)
    if iface is None:
        return ""
    count = _safe(lambda: iface.get_character_count(), 0)
    return _safe(lambda: iface.get_text(0, count), "") if count else ""


def _actions(acc: Any) -> list[str]:
    iface = _safe(lambda: acc.get_action_iface(), None)
    if iface is None:
        return []
    n = _safe(lambda: iface.get_n_actions(), 0)
    return [_safe(lambda i=i: iface.get_action_name(i)) for i in range(n)]


def _walk(acc: Any, path: list[int], depth: int, out: list[dict[str, Any]]) -> None:
    if acc is None or depth > 60:
        return
    out.append({
        "path": path, "depth": depth,
        "role": _safe(lambda: acc.get_role_name()),
        "name": _safe(lambda: acc.get_name()),
        "description": _safe(lambda: acc.get_description()),
        "states": _safe(lambda: _states(acc), []),
        "text": _text(acc),
        "actions": _actions(acc),
    })
    count = _safe(lambda: acc.get_child_count(), 0)
    for i in range(count):
        child = _safe(lambda i=i: acc.get_child_at_index(i), None)
        _walk(child, [*path, i], depth + 1, out)


def _tree(app_name: str) -> list[dict[str, Any]]:
    desktop = Atspi.get_desktop(0)
    out: list[dict[str, Any]] = []
    for i in range(desktop.get_child_count()):
        app = _safe(lambda i=i: desktop.get_child_at_index(i), None)
        if app is not None and _safe(lambda app=app: app.get_name()) == app_name:
            _walk(app, [], 0, out)
    return out


def _answer(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _on_line(source: Any, condition: Any) -> bool:
    line = sys.stdin.readline()
    if not line:
        Atspi.event_quit()
        return False
    try:
        request = json.loads(line)
        cmd = request.get("cmd")
        if cmd == "tree":
            _answer({"ok": True, "nodes": _tree(request.get("app", "Companion"))})
        elif cmd == "events":
            taken = list(events)
            events.clear()
            _answer({"ok": True, "events": taken})
        elif cmd == "quit":
            _answer({"ok": True})
            Atspi.event_quit()
            return False
        else:
            _answer({"ok": False, "error": f"unknown command {cmd!r}"})
    except Exception as exc:  # report, keep serving
        _answer({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    return True


def main() -> int:
    Atspi.init()
    listener = Atspi.EventListener.new(_event)
    for kind in EVENT_TYPES:
        listener.register(kind)
    GLib.io_add_watch(GLib.IOChannel.unix_new(sys.stdin.fileno()),
                      GLib.PRIORITY_DEFAULT, GLib.IOCondition.IN | GLib.IOCondition.HUP,
                      _on_line)
    _answer({"ready": True})
    Atspi.event_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
