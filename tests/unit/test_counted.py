"""Counts read as English: "1 session", never "1 sessions" (a tester's History header)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from companion.core.wording import counted


def test_one_is_singular_and_the_rest_plural() -> None:
    assert counted(1, "session") == "1 session"
    assert counted(0, "session") == "0 sessions"
    assert counted(2, "red flag") == "2 red flags"


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["session", "week", "set"]))
def test_the_noun_is_plural_unless_the_count_is_one(n: int, noun: str) -> None:
    text = counted(n, noun)
    assert text.startswith(f"{n} {noun}")
    assert text.endswith("s") == (n != 1)
