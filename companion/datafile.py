"""TOML content files with located errors: one way for routines, the screening and Learn.

Every problem is one readable line, `file:line: key.path: message`, with a did-you-mean for an
unknown key; nothing here shows a traceback. Used by `companion.routines.loader`,
`companion.safety.content` and `companion.learn.content` (imports only `companion.errors`).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from companion.errors import KnownError

#: The app's content folder (routines, screening, Learn, sounds, fonts), inside the checkout.
RESOURCES = Path(__file__).resolve().parent.parent / "resources"

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


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


_TYPE_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "string": "text in quotes",
    "bool": "true or false",
    "list": "a list like [\"a\", \"b\"]",
    "model": "a table",
    "dict": "a table",
}


def _describe(value: Any) -> str:
    """A value as the file wrote it: `true`, `12.5`, `'twelve'`, a list, a table."""
    if isinstance(value, bool):
        return "true" if value else "false"  # as TOML writes it, not Python's True
    kind = {int: "a number", float: "a number", str: "text",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)
    shown = repr(value) if not isinstance(value, dict | list) else kind
    return f"{kind} {shown}" if shown != kind else kind


def _num(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return repr(value)


def plain_message(err: Mapping[str, Any],
                  known_keys: Sequence[str] | Mapping[str, Sequence[str]]) -> str:
    """One pydantic error in plain words: what is wrong and what would be right.

    An unknown key gets a did-you-mean from `known_keys`: one list for the whole file, or
    a list per table name (the key's nearest named parent; "" for the top level).
    """
    kind: str = err["type"]
    loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        if isinstance(known_keys, Mapping):
            parent = next((str(p) for p in reversed(loc[:-1]) if isinstance(p, str)), "")
            known_keys = known_keys.get(parent, known_keys.get("", ()))
        close = difflib.get_close_matches(key, list(known_keys), n=1, cutoff=0.6)
        return f"unknown key '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")
    if kind == "missing":
        return "is required but missing"
    for suffix, words in _TYPE_WORDS.items():
        if kind in (f"{suffix}_type", f"{suffix}_parsing"):
            return f"must be {words}, not {_describe(value)}"
    if isinstance(value, float) and value != value:  # nan: neither large nor small
        return "must be a number (nan is not one)"
    if kind == "greater_than_equal":
        return f"must be at least {_num(ctx.get('ge'))}, not {_num(value)}"
    if kind == "less_than_equal":
        return f"is too large ({_num(value)}); at most {_num(ctx.get('le'))} makes sense here"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty" if not value else f"is too short: {err['msg']}"
    if kind == "too_long":
        n = ctx.get("actual_length", len(value) if isinstance(value, list) else "?")
        what = loc[-1] if loc and isinstance(loc[-1], str) else "item"
        items = "exercises" if what == "exercise" else "items"
        return f"has {n} {items}; at most {ctx.get('max_length')} are allowed"
    if kind == "string_too_long":
        n = len(value) if isinstance(value, str) else "?"
        return f"is too long ({n} characters); at most {ctx.get('max_length')} are allowed"
    if kind == "string_pattern_mismatch":
        return f"{value!r} must be lowercase letters, digits, '-' or '_' (max 40)"
    if kind == "literal_error":
        return f"{value!r} is not one of {ctx.get('expected')}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return str(err["msg"])


def known_keys(*models: type[BaseModel]) -> list[str]:
    """Every key the models accept (the did-you-mean's candidates)."""
    return sorted({k for m in models for k in m.model_fields})


def line_near(loc: Loc, lines: dict[Loc, int]) -> int:
    """The line of `loc`, else of the first key inside it, else of its nearest table, else
    line 1: every problem gets a line a person can go to."""
    exact = lines.get(loc)
    if exact is not None:
        return exact
    inside = [no for key, no in lines.items() if key[: len(loc)] == loc]
    if inside:
        return min(inside)
    return line_for(loc, lines) or 1


def validate(model: type[M], data: Mapping[str, Any], text: str, name: str,
             error: type[DataFileError],
             keys: Sequence[str] | Mapping[str, Sequence[str]]) -> M:
    """`model` validated from `data`; raises `error` listing every problem once, each located
    in `text` (`line_near`); `keys` as for `plain_message`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = key_lines(text)
        problems: list[Problem] = []
        for err in exc.errors(include_url=False):
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
            problem = Problem(name, path_text(loc), plain_message(dict(err), keys),
                              line_near(loc, lines))
            if problem not in problems:
                problems.append(problem)
        raise error(problems) from None


def parse_toml(text: str, name: str, model: type[M], error: type[DataFileError],
               keys: Sequence[str] | Mapping[str, Sequence[str]]) -> M:
    """The TOML `text` of the file called `name`, validated as `model`: the one way content
    files are read. Raises `error` listing every problem, each with a line (`read_toml`,
    `validate`); `keys` as for `plain_message`."""
    data = read_toml(text, name, error, default_line=1)
    return validate(model, data, text, name, error, keys)


def load_file(path: Path, parse: Callable[[str, str], T], error: type[DataFileError]) -> T:
    """`parse(text, name)` of the UTF-8 file at `path` (`name` is the path as text); raises
    `error` naming the file when it cannot be read or is not UTF-8, and whatever `parse`
    raises for its content."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error([Problem(name, "", f"cannot read the file ({exc})")]) from None
    except UnicodeDecodeError as exc:
        raise error([Problem(name, "", f"is not UTF-8 text ({exc.reason})")]) from None
    return parse(text, name)


class BuiltinFile(Generic[T]):
    """One content file of resources/ (`path`) read by `load_file(path, parse, error)`: the
    built-in file is read once and kept; a user's copy is read every time it is asked for.

    `load()` raises `error` listing every problem (nothing is kept then, so a fixed file is
    read again); `cache_clear()` forgets the kept content (tests that point `path` elsewhere).
    """

    def __init__(self, path: Path, parse: Callable[[str, str], T],
                 error: type[DataFileError]) -> None:
        self.path = path
        self.parse = parse
        self.error = error
        self._kept: T | None = None

    def load(self, path: Path | None = None) -> T:
        """The content of `path`, or of the built-in file (kept after the first read)."""
        if path is not None:
            return load_file(path, self.parse, self.error)
        if self._kept is None:
            self._kept = load_file(self.path, self.parse, self.error)
        return self._kept

    def cache_clear(self) -> None:
        """Forget the kept built-in content; the next `load()` reads `path` again."""
        self._kept = None
