"""The Linux menu entry: the shipped files validate with the freedesktop tools, and
`companion --install-desktop-entry` puts a valid entry and the icon where desktops look."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion import desktop

ROOT = Path(__file__).resolve().parents[2]


def tool(name: str, package: str) -> str:
    """Never skipped: CI installs these (.ci/run, the Makefile's test packages)."""
    path = shutil.which(name)
    assert path, f"{name} is needed to validate the desktop entry: apt-get install {package}"
    return path


def desktop_file_validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("desktop-file-validate", "desktop-file-utils"), str(path)],
                          capture_output=True, text=True)


def test_the_shipped_desktop_entry_validates() -> None:
    result = desktop_file_validate(desktop.DESKTOP_FILE)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_the_appstream_metadata_validates() -> None:
    # The id is `companion`, not reverse-DNS: it is the desktop file's and the icon's name
    # and the Wayland app id the app sets; the project has no domain to build one from. The
    # validator's only remark about it is lowered to information; anything else fails.
    result = subprocess.run(
        [tool("appstreamcli", "appstream"), "validate", "--no-net",
         "--override=cid-desktopapp-is-not-rdns=info", str(desktop.METAINFO_FILE)],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    issues = [line for line in result.stdout.splitlines() if re.match(r"^[EW]:", line)]
    assert issues == []


def test_the_metadata_agrees_with_the_package() -> None:
    import tomllib

    from companion import __version__

    meta = desktop.METAINFO_FILE.read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert f"<project_license>{project['license']}</project_license>" in meta
    assert f'<release version="{__version__}"' in meta
    assert f"<launchable type=\"desktop-id\">{desktop.APP_ID}.desktop</launchable>" in meta
    assert "companion" in project["scripts"] and "companion-gui" in project["gui-scripts"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith(
        "                    GNU GENERAL PUBLIC LICENSE\n                       Version 3")


def test_the_app_sets_the_desktop_file_name_the_entry_has() -> None:
    """Wayland matches the window to the entry by its app id (the desktop file name), X11 by
    the WM_CLASS class, which Qt takes from the application name (checked under Xvfb)."""
    app_py = (ROOT / "companion" / "ui" / "shell" / "app.py").read_text(encoding="utf-8")
    assert f'setDesktopFileName("{desktop.APP_ID}")' in app_py
    entry = desktop.DESKTOP_FILE.read_text(encoding="utf-8")
    assert f"Icon={desktop.APP_ID}\n" in entry
    assert 'setApplicationName("Companion")' in app_py  # X11's WM_CLASS class name
    assert "StartupWMClass=Companion\n" in entry


def _run_cli(*args: str, data_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    return subprocess.run([sys.executable, "-m", "companion", *args], capture_output=True,
                          text=True, env=env, timeout=60)


def _exec_args(entry: Path) -> list[str]:
    line = next(x for x in entry.read_text(encoding="utf-8").splitlines()
                if x.startswith("Exec="))
    return parse_exec(line.removeprefix("Exec="))


def test_install_puts_a_valid_entry_and_the_icon_in_the_xdg_data_folder(
    tmp_path: Path,
) -> None:
    data_home = tmp_path / "xdg data"  # a space, as in many home folders
    result = _run_cli("--install-desktop-entry", data_home=data_home)
    assert result.returncode == 0, result.stderr
    entry = data_home / "applications" / "companion.desktop"
    icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / "companion.svg"
    assert f"installed {entry}" in result.stdout and f"installed {icon}" in result.stdout
    assert icon.read_bytes() == desktop.ICON_FILE.read_bytes()
    check = desktop_file_validate(entry)
    assert check.returncode == 0 and not check.stdout.strip(), check.stdout
    args = _exec_args(entry)
    assert args == [sys.executable, "-m", "companion"]
    # the entry starts this very Companion, whatever PATH the desktop session has
    ran = subprocess.run([*args, "--version"], capture_output=True, text=True, timeout=60,
                         env={"PATH": "/nonexistent", "HOME": str(tmp_path)})
    assert ran.returncode == 0 and ran.stdout.startswith("companion "), ran.stderr
    # installing again replaces the files, leaving nothing half-written behind
    assert _run_cli("--install-desktop-entry", data_home=data_home).returncode == 0
    assert sorted(p.name for p in entry.parent.iterdir()) == ["companion.desktop"]


def test_uninstall_removes_what_install_wrote_and_nothing_else(tmp_path: Path) -> None:
    data_home = tmp_path / "share"
    mine = data_home / "applications" / "other.desktop"
    mine.parent.mkdir(parents=True)
    mine.write_text("[Desktop Entry]\n", encoding="utf-8")
    assert _run_cli("--install-desktop-entry", data_home=data_home).returncode == 0
    result = _run_cli("--uninstall-desktop-entry", data_home=data_home)
    assert result.returncode == 0, result.stderr
    assert "removed" in result.stdout
    assert not (data_home / "applications" / "companion.desktop").exists()
    assert not (data_home / "icons" / "hicolor" / "scalable" / "apps" / "companion.svg").exists()
    assert mine.exists()
    again = _run_cli("--uninstall-desktop-entry", data_home=data_home)
    assert again.returncode == 0 and "no menu entry was installed" in again.stdout


def test_an_unwritable_data_folder_is_a_clear_message(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    result = _run_cli("--install-desktop-entry", data_home=blocked)
    assert result.returncode == 1
    assert result.stderr.startswith("companion: could not install the menu entry")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"XDG_DATA_HOME": "/x/share"}, Path("/x/share")),
     ({"XDG_DATA_HOME": ""}, Path("/home/u/.local/share")),
     ({"XDG_DATA_HOME": "relative/share"}, Path("/home/u/.local/share")),  # the spec: ignored
     ({}, Path("/home/u/.local/share"))],
)
def test_the_xdg_data_folder_follows_the_spec(env: dict[str, str], expected: Path) -> None:
    assert desktop.xdg_data_home(env, home=Path("/home/u")) == expected


# -- Exec= quoting ---------------------------------------------------------------------------
def parse_exec(value: str) -> list[str]:
    """Split an Exec= value as a desktop does (Desktop Entry spec, "The Exec key"): undo
    the string escapes, then split on spaces outside double quotes, un-escaping inside."""
    unescaped = re.sub(r"\\(.)", lambda m: {"s": " ", "n": "\n", "t": "\t", "r": "\r"}.get(
        m.group(1), m.group(1)), value)
    args, cur, quoted, i, started = [], "", False, 0, False
    while i < len(unescaped):
        c = unescaped[i]
        if quoted:
            if c == "\\" and i + 1 < len(unescaped) and unescaped[i + 1] in '"`$\\':
                cur += unescaped[i + 1]
                i += 1
            elif c == '"':
                quoted = False
            else:
                cur += c
        elif c == '"':
            quoted, started = True, True
        elif c == " ":
            if started or cur:
                args.append(cur)
            cur, started = "", False
        else:
            cur += c
        i += 1
    if started or cur:
        args.append(cur)
    return [a.replace("%%", "%") for a in args]


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"))
                        | st.sampled_from("\n\t\r\\\"%$` "), min_size=1),
                min_size=1, max_size=4))
def test_any_command_survives_exec_quoting(command: list[str]) -> None:
    value = " ".join(desktop.exec_quote(a) for a in command)
    assert "\n" not in value
    assert parse_exec(value) == command


def test_a_path_with_every_reserved_character_validates(tmp_path: Path) -> None:
    nasty = '/opt/my apps/"Comp" $HOME `x` 100% \\back\\ (1) & more;#/bin/python3'
    entry = tmp_path / "companion.desktop"
    entry.write_text(desktop.entry_text([nasty, "-m", "companion"]), encoding="utf-8")
    result = desktop_file_validate(entry)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout
    assert _exec_args(entry) == [nasty, "-m", "companion"]


def test_installing_the_entry_needs_no_qt() -> None:
    """The command runs where no display is (an SSH session, a packaging script)."""
    code = ("import sys, companion.cli, companion.desktop\n"
            "print(','.join(sorted(m for m in sys.modules if m.startswith('PySide6'))))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert done.stdout.strip() == ""
