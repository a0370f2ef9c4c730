"""Windows never open larger than the screen (a tester's 1280-pixel-wide screen cut off the
routine editor's problems column)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from companion.ui.widgets.screen_fit import HEIGHT_SHARE, WIDTH_SHARE, fitted_size

SIZES = st.integers(1, 8000)


@given(width=SIZES, height=SIZES, free_width=SIZES, free_height=SIZES)
def test_a_window_fits_the_free_area_and_never_grows(width: int, height: int,
                                                    free_width: int, free_height: int) -> None:
    w, h = fitted_size(width, height, free_width, free_height)
    assert w <= width and h <= height
    assert w <= free_width * WIDTH_SHARE and h <= free_height * HEIGHT_SHARE
    if width <= free_width * WIDTH_SHARE and height <= free_height * HEIGHT_SHARE:
        assert (w, h) == (width, height)


def test_the_editor_on_a_1280_by_800_laptop_screen() -> None:
    assert fitted_size(1360, 860, 1280, 770) == (1216, 693)
    assert fitted_size(1360, 860, 0, 0) == (1360, 860)  # no screen known: as asked
