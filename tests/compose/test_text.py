"""Fonts and cached-glyph text (:mod:`fastheat.compose.text`): :class:`Stamp`
reproduces Pillow's boxes exactly and its pixels up to glyph overlaps
(tolerance stated in ``test_mask_matches_pillow_text``), and only for fonts
where that holds (:func:`composable`)."""
from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont, features

import fastheat
from fastheat.compose.text import Stamp, composable, load_font, text_box, text_height, text_width

from .helpers import ANCHORS, DEJAVU, TEXTS

DATA = np.random.default_rng(7).random((10, 10))


def test_anchored_box_equals_pillow_getbbox():
    checked = unresolved = 0
    for size in range(1, 49):
        font = load_font(None, size)
        stamp = Stamp.of(font)
        assert Stamp.of(font) is stamp  # shared: its layouts are cached
        for text in TEXTS:
            for anchor in ANCHORS:
                box = stamp.anchored_box(text, anchor)
                want = font.getbbox(text, anchor=anchor)
                assert text_box(font, text, anchor) == want, (size, text, anchor)
                if box is None:  # fractional advance: the caller asks Pillow
                    unresolved += 1
                    continue
                assert tuple(box) == want, (size, text, anchor)
                checked += 1
            x0, y0, x1, y1 = font.getbbox(text, anchor="ls")
            assert (text_width(font, text), text_height(font, text)) == (x1 - x0, y1 - y0)
    assert unresolved <= checked // 10  # the cached path is what runs


@pytest.mark.parametrize("text", [" 1", "1 ", "x ", " ", ""])
def test_anchored_box_with_spaces_at_the_ends(text):
    for size in (8, 12, 20):
        font = load_font(None, size)
        for anchor in ANCHORS:
            assert text_box(font, text, anchor) == font.getbbox(text, anchor=anchor), \
                (size, anchor)


def test_builtin_font_is_composable():
    for size in (1, 6, 10, 12, 13, 24, 48):
        assert composable(load_font(None, size))


@pytest.mark.skipif(not os.path.isfile(DEJAVU) or not features.check("raqm"),
                    reason=f"needs {DEJAVU} and Pillow built with libraqm")
def test_raqm_layout_font_is_not_composable():
    font = ImageFont.truetype(DEJAVU, 12)
    assert font.layout_engine == ImageFont.Layout.RAQM
    assert not composable(font)
    for anchor in ANCHORS:
        assert text_box(font, "AVAT 1.5", anchor) == font.getbbox("AVAT 1.5", anchor=anchor)


@pytest.mark.skipif(not os.path.isfile(DEJAVU), reason=f"needs {DEJAVU}")
def test_kerned_font_is_not_composable():
    font = ImageFont.truetype(DEJAVU, 12, layout_engine=ImageFont.Layout.BASIC)
    assert font.getlength("To") != font.getlength("T") + font.getlength("o")  # Pillow kerns it
    assert not composable(font)
    for anchor in ANCHORS:  # so text boxes come from Pillow, kerning included
        for text in ("To", "Ty. LT", "AVAT"):
            assert text_box(font, text, anchor) == font.getbbox(text, anchor=anchor)


def glyph_ink_count(stamp, text):
    """How many glyphs have ink at each pixel of ``stamp.mask(text)``."""
    placed, (x0, y0, x1, y1) = stamp.layout(text)
    count = np.zeros((y1 - y0, x1 - x0), int)
    for glyph, x, y in placed:
        h, w = glyph.shape
        count[y - y0: y - y0 + h, x - x0: x - x0 + w] += glyph > 0
    return count


def test_mask_matches_pillow_text():
    """Tolerance: identical wherever at most one glyph has ink. Where two
    glyphs' ink overlaps Pillow composites them over each other and the mask
    keeps their maximum, so Pillow's value is larger there; from size 8 up
    that is at most 6 pixels a string (4 seen)."""
    for size in range(1, 41):
        font = load_font(None, size)
        stamp = Stamp.of(font)
        for text in TEXTS:
            mask = stamp.mask(text)
            x0, y0, x1, y1 = stamp.anchored_box(text, "ls")
            assert mask.shape == (y1 - y0, x1 - x0) and mask.dtype == np.uint8
            pad = 4
            ref = Image.new("L", (x1 - x0 + 2 * pad, y1 - y0 + 2 * pad))
            ImageDraw.Draw(ref).text((pad - x0, pad - y0), text, font=font, fill=255,
                                     anchor="ls")
            ref = np.asarray(ref)
            inner = ref[pad:-pad, pad:-pad]
            assert ref.sum() == inner.sum(), (size, text)  # no ink outside the box
            assert mask.any() and (mask > 0).sum() == (inner > 0).sum(), (size, text)
            differ = mask != inner
            overlap = glyph_ink_count(stamp, text) >= 2
            assert not (differ & ~overlap).any(), (size, text)
            assert (inner[differ] > mask[differ]).all(), (size, text)
            if size >= 8:
                assert differ.sum() <= 6, (size, text)


def test_stamped_text_matches_pillow_text():
    font = load_font(None, 13)
    stamp = Stamp(font)
    for text in ["0.53", "-12.7%", "1e-05", "Wg"]:
        _, (x0, y0, x1, y1) = stamp.layout(text)
        ref = Image.new("L", (x1 - x0 + 4, y1 - y0 + 4))
        ImageDraw.Draw(ref).text((2 - x0, 2 - y0), text, font=font, fill=255, anchor="ls")
        tile = stamp.tiles([text], x1 - x0, y0, y1)[0]
        np.testing.assert_array_equal(tile, np.asarray(ref)[2:-2, 2:-2])


def test_text_that_is_not_one_printable_line_is_left_to_pillow():
    font = load_font(None, 12)
    stamp = Stamp.of(font)
    for text in ("r\n0", "a\tb"):
        assert stamp.anchored_box(text, "ls") is None
        assert text_box(font, text) == font.getbbox(text, anchor="ls")


def test_user_font_objects_share_one_stamp_across_renders():
    if not os.path.isfile(DEJAVU):
        pytest.skip(f"needs {DEJAVU}")
    user = ImageFont.truetype(DEJAVU, 12, layout_engine=ImageFont.Layout.BASIC)
    fonts = [load_font(user, 14) for _ in range(5)]  # a new object each time
    assert len({id(f) for f in fonts}) == 5
    assert len({id(Stamp.of(f)) for f in fonts}) == 1
    assert len({composable(f) for f in fonts}) == 1


def test_font_file_that_is_not_a_font(tmp_path):
    bogus = tmp_path / "font.ttf"
    bogus.write_text("not a font")
    with pytest.raises(ValueError, match=r"could not be read as a TrueType"):
        fastheat.heatmap(DATA, title="t", font=str(bogus))
