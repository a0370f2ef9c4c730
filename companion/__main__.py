"""`python -m companion` runs the same entry point as the console script."""

from __future__ import annotations

import sys

from companion.cli import main

if __name__ == "__main__":  # not when multiprocessing's "spawn" re-imports the main module
    sys.exit(main())
