"""Storage stays Qt-free (the GUI imports it, never the other way round)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_storage_imports_no_qt_and_the_cli_parser_imports_no_database_code() -> None:
    code = (
        "import sys\n"
        "import companion.cli\n"
        "companion.cli.build_parser()\n"
        "assert 'sqlalchemy' not in sys.modules, 'history parser must stay light'\n"
        "import companion.storage, companion.storage.cli, companion.storage.recorder\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
