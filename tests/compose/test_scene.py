"""The scene's item types (:mod:`fastheat.compose.scene`) mean what its
docstring says, so that a back-end can paint them without compose's help:
a rotated text is the upright text (as drawn) turned 90 degrees
counter-clockwise about its ``xy``; a frame is a ring inside its box; shifting an item moves all its
coordinates. Exact (uint8) comparisons."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import os

from PIL import Image, ImageDraw, ImageFont

from fastheat.compose import draw
from fastheat.compose.scene import (Frame, Polygon, Rect, Text, frame_around, rotated_text_at,
                                    text_at, union_box)
from fastheat.compose.text import load_font

from .helpers import DEJAVU, TEXTS


@pytest.mark.parametrize("size", [7, 12, 19])
@pytest.mark.parametrize("align", ["top", "center", "right", "left"])
def test_rotated_text_is_the_upright_text_turned_about_xy(size, align):
    font = load_font(None, size)
    p = 240  # turning a 2p x 2p image about its centre is Pillow's ROTATE_90
    for s in TEXTS:
        item = rotated_text_at("label", font, s, 17.3, 41.5, align, (255, 255, 255))
        assert item.rotated and item.anchor == "ls"
        item.shift(p - item.xy[0], p - item.xy[1])
        # the upright text as the back-end draws it (cached glyphs: Pillow's
        # pixels but where two glyphs' ink overlaps, test_text.py), turned
        upright = np.zeros((2 * p, 2 * p, 3), np.uint8)
        draw.draw_item(upright, text_at("label", font, s, p, p, "ls", (255, 255, 255)))
        want = np.ascontiguousarray(np.rot90(upright[..., 0]))
        canvas = np.zeros((2 * p, 2 * p, 3), np.uint8)
        draw.draw_item(canvas, item)
        np.testing.assert_array_equal(canvas[..., 0], want, err_msg=s)
        x0, y0, x1, y1 = item.box
        assert not want[:y0].any() and not want[y1:].any(), s  # ink inside the line box
        assert not want[:, :x0].any() and not want[:, x1:].any(), s


@pytest.mark.skipif(not os.path.isfile(DEJAVU), reason=f"needs the system font {DEJAVU}")
def test_rotated_text_in_a_shaped_font_is_pillows_text_turned():
    """Fonts Pillow shapes (raqm layout) are drawn by Pillow itself, turned."""
    font = ImageFont.truetype(DEJAVU, 13, layout_engine=ImageFont.Layout.RAQM)
    p = 120
    for s in TEXTS:
        item = rotated_text_at("label", font, s, 17.3, 41.5, "top", (255, 255, 255))
        item.shift(p - item.xy[0], p - item.xy[1])
        upright = Image.new("L", (2 * p, 2 * p))
        ImageDraw.Draw(upright).text((p, p), s, font=font, fill=255, anchor="ls")
        want = np.asarray(upright.transpose(Image.Transpose.ROTATE_90))
        canvas = np.zeros((2 * p, 2 * p, 3), np.uint8)
        draw.draw_item(canvas, item)
        np.testing.assert_array_equal(canvas[..., 0], want, err_msg=s)


def test_text_box_is_pillows_box_at_whole_pixels():
    font = load_font(None, 13)
    for anchor in ("lm", "rm", "mt", "mb", "md"):
        item = text_at("t", font, "Quality 0.53", 10.5, 20.49, anchor, (0, 0, 0))
        assert item.xy == (11, 20)
        l, t, r, b = font.getbbox("Quality 0.53", anchor=anchor)
        assert item.box == (11 + l, 20 + t, 11 + r, 20 + b)


def test_frame_is_a_ring_inside_its_box():
    item = frame_around("f", (3, 2, 9, 7), 2, (9, 9, 9))
    assert isinstance(item, Frame) and item.box == (1, 0, 11, 9)
    canvas = np.zeros((10, 12, 3), np.uint8)
    draw.draw_item(canvas, item)
    want = np.zeros((10, 12), bool)
    want[0:9, 1:11] = True
    want[2:7, 3:9] = False
    np.testing.assert_array_equal(canvas[..., 0] == 9, want)


def test_shift_moves_every_coordinate():
    font = load_font(None, 10)
    items = [Rect("r", (1, 2, 3, 4), (0, 0, 0)), text_at("t", font, "x", 5, 6, "lm", (0, 0, 0)),
             rotated_text_at("v", font, "y", 5, 6, "left", (0, 0, 0)),
             Polygon("p", (0, 0, 3, 3), ((0, 0), (2, 0), (1.5, 2)), (1, 1, 1), (0, 0, 0), 1)]
    for it in items:
        m = replace(it)
        m.shift(10, -3)
        assert m.box == (it.box[0] + 10, it.box[1] - 3, it.box[2] + 10, it.box[3] - 3)
        if isinstance(it, Text):
            assert m.xy == (it.xy[0] + 10, it.xy[1] - 3)
        if isinstance(it, Polygon):
            assert m.points == ((10, -3), (12, -3), (11.5, -1))
    assert union_box(items) == (min(it.box[0] for it in items), min(it.box[1] for it in items),
                                max(it.box[2] for it in items), max(it.box[3] for it in items))
