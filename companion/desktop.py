"""The desktop integration files: the icon, the Linux menu entry and its AppStream metadata.

The files live in `resources/desktop/` (validated in the suite with `desktop-file-validate`
and `appstreamcli validate`); `companion --install-desktop-entry` copies the menu entry and
the icon into the user's XDG data folder (`$XDG_DATA_HOME`, else `~/.local/share`), where
every freedesktop desktop (GNOME, KDE Plasma, Xfce, Cinnamon, MATE...) looks, with `Exec=`
pointing at the Python that runs this very install, so the entry starts the same Companion
whether or not its `bin` folder is on the desktop session's PATH. Windows and macOS have no
such folder to write into: the command says what to do there instead (README).

Qt-free, so the command line can install the entry without a display.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from companion.errors import KnownError

DESKTOP_DIR = Path(__file__).resolve().parent.parent / "resources" / "desktop"
APP_ID = "companion"  # the desktop file's name, the icon's name and the Wayland app id
ICON_FILE = DESKTOP_DIR / f"{APP_ID}.svg"
DESKTOP_FILE = DESKTOP_DIR / f"{APP_ID}.desktop"
METAINFO_FILE = DESKTOP_DIR / f"{APP_ID}.metainfo.xml"

OTHER_DESKTOPS = {
    "win32": (
        "On Windows there is no menu folder to write into: find companion-gui.exe in the "
        "Scripts folder of Companion's environment (for example .venv\\Scripts), right-click "
        "it and choose 'Pin to Start' (or 'Send to > Desktop (create shortcut)')."
    ),
    "darwin": (
        "On macOS there is no menu folder to write into: run companion-gui from a terminal "
        "(from Companion's environment, for example .venv/bin/companion-gui), then "
        "right-click its icon in the Dock and choose 'Options > Keep in Dock'."
    ),
}


class DesktopEntryError(KnownError):
    """The entry cannot be installed here (another desktop, or a folder not writable)."""


@dataclass(frozen=True)
class EntryPaths:
    """Where the menu entry and the icon go under one XDG data folder."""

    data_home: Path

    @property
    def desktop(self) -> Path:
        return self.data_home / "applications" / f"{APP_ID}.desktop"

    @property
    def icon(self) -> Path:
        return self.data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"


def xdg_data_home(env: dict[str, str] | None = None, home: Path | None = None) -> Path:
    """`$XDG_DATA_HOME` when it is set to an absolute path (the spec ignores a relative one),
    else `~/.local/share`."""
    env = dict(os.environ) if env is None else env
    value = env.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return (home or Path.home()) / ".local" / "share"


def exec_quote(arg: str) -> str:
    """One argument of a desktop entry's `Exec=` key, quoted by the Desktop Entry spec's
    rules (reserved characters inside double quotes, with `"`, `` ` ``, `$` and `\\`
    escaped; `%` doubled), then escaped as a string value (`\\` written twice; a newline,
    tab or carriage return as `\\n`, `\\t`, `\\r`), so any path keeps the entry one line."""
    arg = arg.replace("%", "%%")
    if re.search(r"""[\s"'\\><~|&;$*?#()`]""", arg):
        arg = '"' + re.sub(r'(["`$\\])', r"\\\1", arg) + '"'
    arg = arg.replace("\\", "\\\\")
    return arg.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def launch_command(executable: str | None = None, *, frozen: bool | None = None) -> list[str]:
    """The command the menu entry runs: this Python, `-m companion` (the same app as the
    `companion` command, found even when the environment's bin folder is not on PATH); in a
    frozen build, the app's own executable."""
    exe = executable or sys.executable
    if getattr(sys, "frozen", False) if frozen is None else frozen:
        return [exe]
    return [exe, "-m", "companion"]


def entry_text(command: list[str], template: str | None = None) -> str:
    """The shipped `companion.desktop` with `Exec=` set to `command`."""
    text = DESKTOP_FILE.read_text(encoding="utf-8") if template is None else template
    exec_line = "Exec=" + " ".join(exec_quote(a) for a in command)
    out, n = re.subn(r"(?m)^Exec=.*$", lambda _m: exec_line, text)
    if n != 1:
        raise DesktopEntryError(f"{DESKTOP_FILE} must have exactly one Exec= line")
    return out


def _check_platform(platform_name: str | None) -> None:
    hint = OTHER_DESKTOPS.get(platform_name or sys.platform)
    if hint is not None:
        raise DesktopEntryError(hint)


def install_entry(data_home: Path | None = None, *, executable: str | None = None,
                  platform_name: str | None = None) -> list[Path]:
    """Write the menu entry and the icon into `data_home` (default: the XDG data folder);
    returns the files written. Installing again replaces them (e.g. after moving the
    environment). Raises `DesktopEntryError` on Windows or macOS, or if a file cannot be
    written."""
    _check_platform(platform_name)
    paths = EntryPaths(data_home or xdg_data_home())
    text = entry_text(launch_command(executable))
    try:
        for target, content in ((paths.icon, ICON_FILE.read_bytes()),
                                (paths.desktop, text.encode("utf-8"))):
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = target.with_name(f".{target.name}.part")
            staging.write_bytes(content)
            os.replace(staging, target)  # a desktop watching the folder never sees half a file
    except OSError as exc:
        raise DesktopEntryError(f"could not install the menu entry: {exc}") from exc
    return [paths.desktop, paths.icon]


def uninstall_entry(data_home: Path | None = None, *,
                    platform_name: str | None = None) -> list[Path]:
    """Remove the menu entry and the icon `install_entry` wrote; returns the files removed
    (none if it was not installed). Your data is never touched."""
    _check_platform(platform_name)
    paths = EntryPaths(data_home or xdg_data_home())
    removed = []
    for target in (paths.desktop, paths.icon):
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise DesktopEntryError(f"could not remove {target}: {exc}") from exc
        removed.append(target)
    return removed
