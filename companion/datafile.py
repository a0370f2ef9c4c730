"""TOML content files with located errors: one way for routines, the screening and Learn.

Every problem is one readable line, `file:line: key.path: message`, with a did-you-mean for an
unknown key; nothing here shows a traceback. Used by `companion.routines.loader`,
`companion.safety.content` and `companion.learn.content` (imports only `companion.errors`).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from companion.errors import KnownError

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, printable as `file:line: key.path: message`."""

    file: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class DataFileError(KnownError):
    """A content file that cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# -- locating keys in the source text -------------------------------------------------------
_TABLE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"']+)\s*=")


def key_lines(text: str) -> dict[Loc, int]:
    """Map key paths like ('exercise', 1, 'reps') to 1-based line numbers."""
    lines: dict[Loc, int] = {}
    prefix: Loc = ()
    counters: dict[str, int] = {}
    for no, raw in enumerate(text.splitlines(), start=1):
        m = _TABLE.match(raw)
        if m:
            parts = [p.strip().strip("\"'") for p in m.group(2).split(".")]
            if m.group(1) == "[[":
                name = ".".join(parts)
                counters[name] = counters.get(name, -1) + 1
                # reset nested array counters under a new parent element
                for k in list(counters):
                    if k.startswith(name + "."):
                        del counters[k]
                prefix = (*_resolve(parts[:-1], counters), parts[-1], counters[name])
            else:
                prefix = _resolve(parts, counters)
            lines.setdefault(prefix, no)
            continue
        key = _KEY.match(raw)
        if key:
            lines.setdefault((*prefix, key.group(1).strip("\"'")), no)
    return lines


def _resolve(parts: list[str], counters: dict[str, int]) -> Loc:
    out: list[str | int] = []
    for i, part in enumerate(parts):
        out.append(part)
        name = ".".join(parts[: i + 1])
        if name in counters:
            out.append(counters[name])
    return tuple(out)


def line_for(loc: Loc, lines: dict[Loc, int]) -> int | None:
    """The line of `loc`, or of its nearest parent that has one (None: not found)."""
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def path_text(loc: Iterable[str | int]) -> str:
    """('exercise', 1, 'reps') -> 'exercise[1].reps'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# -- parsing and validating ------------------------------------------------------------------
def read_toml(text: str, name: str, error: type[DataFileError],
              default_line: int | None = None) -> dict[str, Any]:
    """The TOML table of `text`; raises `error` with the syntax problem and its line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise error([Problem(name, "", f"bad TOML syntax: {exc}",
                             int(m.group(1)) if m else default_line)]) from None


def plain_message(err: Mapping[str, Any], known_keys: Sequence[str]) -> str:
    """One pydantic error in plain words (an unknown key gets a did-you-mean)."""
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        close = difflib.get_close_matches(key, list(known_keys), n=1, cutoff=0.6)
        return f"unknown key '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")
    if kind == "missing":
        return "is required but missing"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "literal_error":
        return f"{err.get('input')!r} is not one of {err.get('ctx', {}).get('expected')}"
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    return str(err["msg"])


def known_keys(*models: type[BaseModel]) -> list[str]:
    """Every key the models accept (the did-you-mean's candidates)."""
    return sorted({k for m in models for k in m.model_fields})


def validate(model: type[M], data: Mapping[str, Any], text: str, name: str,
             error: type[DataFileError], keys: Sequence[str]) -> M:
    """`model` validated from `data`; raises `error` listing every problem, located in `text`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = key_lines(text)
        problems: list[Problem] = []
        for err in exc.errors(include_url=False):
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
            problem = Problem(name, path_text(loc), plain_message(dict(err), keys),
                              line_for(loc, lines))
            if problem not in problems:
                problems.append(problem)
        raise error(problems) from None
