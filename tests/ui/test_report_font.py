"""The clinician summary embeds the font the package ships (resources/fonts), also on a
machine with no fonts installed at all, as Windows and macOS have no DejaVu."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from pypdf import PdfReader

from companion.report.fonts import FONT_FILES, FONTS_DIR
from companion.report.pdf import write_pdf
from tests.ui.test_report_pdf import _data

ROOT = Path(__file__).resolve().parents[2]


def embedded_fonts(path: Path) -> dict[str, list[str]]:
    """Each font the PDF uses -> which font-file streams it embeds."""
    fonts: dict[str, list[str]] = {}
    for page in PdfReader(str(path)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            desc = font.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in font:
                desc = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            keys = desc.get_object().keys() if desc is not None else []
            name = str(font["/BaseFont"]).lstrip("/").split("+")[-1]  # subset tag: ABCDEF+
            fonts[name] = sorted(k for k in keys if k.startswith("/FontFile"))
    return fonts


def test_the_shipped_font_files_and_licence_are_there() -> None:
    for name in FONT_FILES:
        assert (FONTS_DIR / name).read_bytes()[:4] == b"\x00\x01\x00\x00", name  # TrueType
    assert "Bitstream Vera" in (FONTS_DIR / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")


def test_the_summary_embeds_dejavu_sans(qapp: object, tmp_path: Path) -> None:
    out = tmp_path / "summary.pdf"
    write_pdf(_data(), out)
    fonts = embedded_fonts(out)
    assert set(fonts) == {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"}, fonts
    assert all(files == ["/FontFile2"] for files in fonts.values()), fonts


def test_the_font_is_embedded_on_a_machine_with_no_fonts(tmp_path: Path) -> None:
    """fontconfig told to look nowhere: without the shipped files the PDF had no text."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?>\n<fontconfig><cachedir>{tmp_path / "fc"}'
                    "</cachedir></fontconfig>\n", encoding="utf-8")
    out = tmp_path / "summary.pdf"
    script = textwrap.dedent(f"""
        from pathlib import Path
        from PySide6.QtGui import QFontDatabase, QGuiApplication
        app = QGuiApplication([])
        system = QFontDatabase.families()
        from companion.report.pdf import write_pdf
        from tests.ui.test_report_pdf import _data
        write_pdf(_data(), Path({str(out)!r}))
        import json; print(json.dumps(system))
    """)
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    # really no fonts on the machine: only fontconfig's generic names, with nothing behind
    assert set(json.loads(run.stdout.splitlines()[-1])) <= {"Monospace", "Sans Serif", "Serif"}
    fonts = embedded_fonts(out)
    assert set(fonts) == {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"}, fonts
