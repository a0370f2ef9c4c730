"""Thin shim so `python main.py` behaves exactly like the `companion` command."""

from __future__ import annotations

import sys

from companion.cli import main

if __name__ == "__main__":
    sys.exit(main())
