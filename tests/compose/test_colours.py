"""Canvas colours (:mod:`fastheat.compose.colours`): the ink is dark on light
backgrounds and light on dark ones; a transparent canvas takes the ink's
RGB so anti-aliased edges keep their colour; the palette is composited over
an opaque background with Pillow's rounding, and kept as it is otherwise."""
from __future__ import annotations

import numpy as np
import pytest

from fastheat.color.colormaps import to_color
from fastheat.compose.colours import canvas_colours, flatten_table, relative_luminance

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
