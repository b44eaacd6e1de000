"""Fonts and cached-glyph text (:mod:`fastheat.compose.text`): :class:`Stamp`
reproduces Pillow's boxes exactly and its pixels up to glyph overlaps
(tolerance stated in ``test_mask_matches_pillow_text``), and only for fonts
where that holds (:func:`composable`); the default DejaVu Sans and the
per-glyph fallback fonts draw international text with real glyphs, never the
.notdef box."""
from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont, features

import fastheat
from fastheat.compose.text import (NOTDEF_PROBE, Stamp, composable, covers, fallback_font, load_font,
                                   needs_fallback, text_box, text_height, text_width)

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


def test_kerned_strings_are_left_to_pillow():
    """DejaVu Sans (the default) kerns in Pillow's basic layout: the font is
    composable, but each kerned string gets Pillow's box, kerning included."""
    font = load_font(None, 12)
    assert font.getlength("To") != font.getlength("T") + font.getlength("o")  # Pillow kerns it
    assert composable(font)
    for text in ("To", "Ty. LT"):
        assert font.getlength(text) != sum(font.getlength(ch) for ch in text)
        assert Stamp.of(font).anchored_box(text, "ls") is None
        for anchor in ANCHORS:
            assert text_box(font, text, anchor) == font.getbbox(text, anchor=anchor)
    assert Stamp.of(font).anchored_box("0.53", "ls") == font.getbbox("0.53", anchor="ls")


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
    that is at most 6 pixels a string (4 seen). Strings that Pillow kerns
    are left to Pillow (their box is None), so they are not compared."""
    kerned = 0
    for size in range(1, 41):
        font = load_font(None, size)
        stamp = Stamp.of(font)
        for text in TEXTS:
            mask = stamp.mask(text)
            box = stamp.anchored_box(text, "ls")
            if box is None:
                kerned += 1
                continue
            x0, y0, x1, y1 = box
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
    assert kerned <= 40 * len(TEXTS) // 10


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
    assert text_box(font, "a\tb") == font.getbbox("a\tb", anchor="ls")


def test_a_line_break_is_measured_as_the_space_a_text_item_draws():
    # a Text item is one line (scene.lines_at lays out several); Pillow's
    # multi-line box would disagree with what is drawn
    font = load_font(None, 12)
    assert text_box(font, "r\n0") == text_box(font, "r 0") == font.getbbox("r 0", anchor="ls")


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


# --------------------------------------------------------------------------- coverage, fallback

INTERNATIONAL = "üãαµ²\u2212"  # the characters Pillow's built-in Aileron drew as boxes
CJK = "中文"


def drawn(font, text):
    """``text`` drawn by Pillow in ``font``, cropped to its ink."""
    size = int(font.size) * (len(text) + 2)
    im = Image.new("L", (size, size))
    ImageDraw.Draw(im).text((font.size, size // 2), text, font=font, fill=255, anchor="ls")
    return ink(np.asarray(im))


def ink(mask):
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return mask[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1] if rows.size else mask[:0, :0]


def notdef_mask(font):
    """The .notdef box ``font`` draws for characters it lacks."""
    return drawn(font, NOTDEF_PROBE)


def test_coverage_check_tells_real_glyphs_from_the_notdef_box():
    aileron = ImageFont.load_default(size=12)  # the old default: it lacks them
    assert all(covers(aileron, ch) for ch in "aZ09.-")
    assert not any(covers(aileron, ch) for ch in INTERNATIONAL + CJK)
    for ch in INTERNATIONAL + CJK:  # it drew them as its box
        np.testing.assert_array_equal(drawn(aileron, ch), notdef_mask(aileron))


@pytest.mark.parametrize("size", [8, 12, 20])
def test_default_font_draws_international_text_with_its_own_glyphs(size):
    font = load_font(None, size)
    assert font.getname() == ("DejaVu Sans", "Book")
    stamp = Stamp.of(font)
    box = notdef_mask(font)
    for ch in INTERNATIONAL:
        assert covers(font, ch), ch
        mask, *_, fallback = stamp.glyph(ch)
        assert not fallback and mask.any(), ch
        mask = ink(mask)
        assert mask.shape != box.shape or (mask != box).any(), ch
        np.testing.assert_array_equal(mask, drawn(font, ch))
    text = "Größe µm² \u22121.5 α"
    assert not needs_fallback(font, text)
    assert text_box(font, text) == font.getbbox(text, anchor="ls")  # Pillow's own text


def cjk_font_or_skip(font):
    fallback = fallback_font(font, CJK[0])
    if fallback is None:
        pytest.skip("no CJK font on this machine (Debian: apt-get install fonts-wqy-microhei)")
    return fallback


@pytest.mark.parametrize("size", [10, 16])
def test_cjk_glyphs_come_from_a_fallback_font(size):
    font = load_font(None, size)
    cjk = cjk_font_or_skip(font)
    assert cjk.size == size and covers(cjk, CJK[0]) and not covers(font, CJK[0])
    assert needs_fallback(font, "温度 " + CJK) and not needs_fallback(font, "abc")
    stamp = Stamp.of(font)
    for ch in CJK:  # each glyph is the fallback font's own, pixel for pixel
        mask, l, t, *_, fallback = stamp.glyph(ch)
        assert fallback
        ref = drawn(cjk, ch)
        assert ref.any() and not np.array_equal(ref, notdef_mask(font))
        np.testing.assert_array_equal(ink(mask), ref)
    # a mixed string: the Latin glyphs stay the main font's, the pen runs on
    mixed = "a" + CJK + "b"
    box = text_box(font, mixed)
    assert box == stamp.anchored_box(mixed, "ls")
    assert box[2] - box[0] >= font.getlength("ab") + cjk.getlength(CJK) - 2


def test_a_user_font_falls_back_per_glyph_to_dejavu():
    aileron = ImageFont.load_default(size=12)
    font = load_font(aileron, 12)
    stamp = Stamp.of(font)
    assert not stamp.glyph("a")[6]  # its own glyphs where it has them
    mask, *_, fallback = stamp.glyph("α")
    assert fallback
    np.testing.assert_array_equal(ink(mask), drawn(load_font(None, 12), "α"))


def title_pixels(title, **kwargs):
    img = np.asarray(fastheat.heatmap(DATA, title=title, width=200, height=200, **kwargs))
    return img[:40]  # the title's band, above the raster


def test_heatmap_text_is_not_drawn_as_boxes():
    boxes = title_pixels(NOTDEF_PROBE * 2)
    assert (boxes != title_pixels(" ")).any()  # the probe itself draws boxes
    for text in ("ü ã", "α µ", "²\u2212"):
        assert (title_pixels(text) != boxes).any(), text
    aileron = ImageFont.load_default(size=12)
    # a user font without them: DejaVu's glyphs (test_a_user_font_falls_back_per_glyph_to_dejavu)
    assert (title_pixels("αµ", font=aileron) != title_pixels(NOTDEF_PROBE * 2, font=aileron)).any()


def shows(img, pattern):
    """Whether the ink pattern ``pattern`` (bool) appears somewhere in the
    RGB image ``img`` (dark text on white)."""
    dark = np.asarray(img)[..., 0] < 255
    windows = np.lib.stride_tricks.sliding_window_view(dark, pattern.shape)
    return bool((windows == pattern).all(axis=(2, 3)).any())


def test_heatmap_cjk_labels_upright_and_rotated():
    font = load_font(None, 12)
    cjk = cjk_font_or_skip(font)
    img = fastheat.heatmap(DATA, title=CJK, ylabel=CJK, width=200, height=200)
    title = drawn(cjk_font_or_skip(load_font(None, 15)), CJK) > 0  # titles are 1.25x
    assert shows(img, title)
    assert shows(img, np.rot90(drawn(cjk, CJK) > 0))  # the y label reads bottom to top
    boxes = fastheat.heatmap(DATA, title=NOTDEF_PROBE * 2, width=200, height=200)
    assert not shows(boxes, title)  # the check can fail
