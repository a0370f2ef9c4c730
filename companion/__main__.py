"""`python -m companion` runs the same entry point as the console script."""

from __future__ import annotations

import sys

from companion.cli import main

sys.exit(main())
