"""What the desktop app was started with, read once from the command line.

`companion [--data-dir DIR] [--db URL] [--profile NAME] [--routine FILE_OR_ID]`: a
subcommand's namespace lacks the options it does not take (argparse SUPPRESS defaults), and
tests build partial namespaces, so every option has a default here.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class LaunchOptions:
    """The desktop app's options (None: not given).

    `data_dir`: the data folder; `db`: a SQLAlchemy URL; `profile`: whose history (None: the
    first profile); `routine`: a routine file or id to select; `no_first_run`: skip the
    first-run notice and health questions (unattended test harnesses).
    """

    data_dir: str | None = None
    db: str | None = None
    profile: str | None = None
    routine: str | None = None
    no_first_run: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace | LaunchOptions) -> LaunchOptions:
        """The options in `args` (what it lacks, or holds as None, takes the default)."""
        if isinstance(args, LaunchOptions):
            return args
        given = vars(args)
        return cls(**{f.name: given[f.name] for f in fields(cls)
                      if given.get(f.name) is not None})
