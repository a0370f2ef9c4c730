"""`datafile.BuiltinFile`: the one cached loader behind the screening and Learn content."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from companion.datafile import BuiltinFile, DataFileError


def _counting_parse(calls: list[str]) -> Callable[[str, str], str]:
    def parse(text: str, name: str) -> str:
        calls.append(name)
        if text.startswith("bad"):
            raise DataFileError([])
        return text.strip()
    return parse


def test_the_builtin_file_is_read_once_and_a_users_copy_every_time(tmp_path: Path) -> None:
    builtin, mine = tmp_path / "builtin.toml", tmp_path / "mine.toml"
    builtin.write_text("one\n", encoding="utf-8")
    mine.write_text("mine\n", encoding="utf-8")
    calls: list[str] = []
    content = BuiltinFile(builtin, _counting_parse(calls), DataFileError)
    assert content.load() == "one"
    builtin.write_text("two\n", encoding="utf-8")
    assert content.load() == "one"  # kept
    assert content.load(mine) == content.load(mine) == "mine"
    assert calls == [str(builtin), str(mine), str(mine)]
    content.cache_clear()
    assert content.load() == "two"


def test_a_broken_builtin_file_is_not_kept_so_a_fixed_one_is_read(tmp_path: Path) -> None:
    builtin = tmp_path / "builtin.toml"
    builtin.write_text("bad\n", encoding="utf-8")
    content = BuiltinFile(builtin, _counting_parse([]), DataFileError)
    with pytest.raises(DataFileError):
        content.load()
    builtin.write_text("good\n", encoding="utf-8")
    assert content.load() == "good"


def test_an_unreadable_file_names_it_with_the_given_error(tmp_path: Path) -> None:
    class MyError(DataFileError):
        pass

    content = BuiltinFile(tmp_path / "missing.toml", _counting_parse([]), MyError)
    with pytest.raises(MyError, match=re.escape("missing.toml: cannot read the file")):
        content.load()
    (tmp_path / "latin1.toml").write_bytes(b"caf\xe9")
    with pytest.raises(MyError, match="is not UTF-8 text"):
        content.load(tmp_path / "latin1.toml")
