"""Canvas colours (:mod:`fastheat.compose.colours`): the ink is dark on light
backgrounds and light on dark ones; a transparent canvas takes the ink's
RGB so anti-aliased edges keep their colour; the palette is composited over
an opaque background with Pillow's rounding, and kept as it is otherwise."""
from __future__ import annotations

import numpy as np
import pytest

from fastheat.color.colormaps import to_color
from fastheat.color.colormaps import resolve
from fastheat.compose.colours import (canvas_colours, cell_luminance, flatten_table,
                                      relative_luminance)

TABLE = np.random.default_rng(2).integers(0, 256, (259, 4), dtype=np.uint8)


@pytest.mark.parametrize("background,decorated,want_bg,want_ink", [
    (None, True, (255, 255, 255), (0, 0, 0)),
    (None, False, (0, 0, 0, 0), (0, 0, 0, 255)),
    ("black", True, (0, 0, 0), (240, 240, 240)),
    ("#102030", True, (16, 32, 48), (240, 240, 240)),
    ("yellow", True, (255, 255, 0), (0, 0, 0)),
    ("#80808080", True, (128, 128, 128, 128), (0, 0, 0, 255)),
])
def test_background_and_ink(background, decorated, want_bg, want_ink):
    bg = None if background is None else to_color(background)
    c = canvas_colours(TABLE, bg, decorated=decorated)
    assert (c.background, c.ink, c.opaque) == (want_bg, want_ink, len(want_bg) == 3)
    assert c.table.shape == (len(TABLE), len(want_bg))


def test_table_composited_over_an_opaque_background():
    bg = np.array([16, 32, 48, 255], np.uint8)
    got = flatten_table(TABLE, bg)
    a = TABLE[:, 3:4].astype(int)
    want = (TABLE[:, :3].astype(int) * a + bg[:3].astype(int) * (255 - a) + 127) // 255
    np.testing.assert_array_equal(got, want)
    assert flatten_table(TABLE, np.array([1, 2, 3, 254], np.uint8)) is TABLE


def test_relative_luminance_orders_greys():
    greys = np.repeat(np.arange(256)[:, None], 3, axis=1)
    lum = relative_luminance(greys)
    assert lum[0] == 0 and lum[-1] == pytest.approx(1) and (np.diff(lum) > 0).all()


def test_relative_luminance_of_floats_is_seaborns():
    import matplotlib
    from seaborn.utils import relative_luminance as seaborn_luminance

    rgba = np.concatenate([matplotlib.colormaps["viridis"](np.linspace(0, 1, 256)),
                           np.random.default_rng(0).random((2000, 4))])
    want = np.array([seaborn_luminance(c) for c in rgba])
    np.testing.assert_array_equal(relative_luminance(rgba), want)
    # bytes floored from the floats are darker: near 0.408 the two tests disagree
    near = relative_luminance((rgba[:256] * 255).astype(np.uint8))
    assert ((near > 0.408) != (want[:256] > 0.408)).sum() == 1


def test_cell_luminance_float_when_opaque_seen_colour_when_translucent():
    pal = resolve(["#00000010", "#000000", (0.21, 0.41, 0.61)])
    bg = to_color("white")
    lum = cell_luminance(pal.float_table, flatten_table(pal.table, bg))
    # faint black over white reads light, as it is seen (seaborn would take it as black)
    assert lum[0] > 0.8 and lum[1] == 0
    assert lum[2] == relative_luminance(np.array([0.21, 0.41, 0.61]))
    assert lum[2] != relative_luminance(pal.table[2])  # the float colour, not its bytes


def test_float_table_only_while_it_matches_the_bytes():
    import dataclasses

    pal = resolve("viridis")
    assert pal.float_table is pal.rgba
    moved = dataclasses.replace(pal, lut=pal.lut[::-1].copy())  # rgba now stale
    np.testing.assert_array_equal(moved.float_table, moved.table / 255)
