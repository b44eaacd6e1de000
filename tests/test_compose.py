"""The compose stage's building blocks against slow, obvious references.

- :meth:`fastheat.render.Raster.paint` equals ``np.take(table, raster.codes,
  axis=0)`` written into a view of a canvas, and touches nothing else;
- cell annotations (:func:`fastheat.overlays.annotate`, numba kernel
  ``stamp_cells``) equal ``(px * (255 - a) + colour * a + 127) // 255``;
- cached-glyph text (:class:`fastheat.overlays.Stamp`) reproduces Pillow's
  boxes exactly and its pixels up to glyph overlaps (tolerance stated in
  ``test_mask_matches_pillow_text``);
- text masks blended by the ``blend_masks`` kernel equal Pillow's text; the
  ``fill_boxes`` kernel and :func:`~fastheat.overlays.fill` set exactly the
  pixels they are given;
- ``save(..., format="png")`` writes exactly the pixels of ``heatmap``.

Every comparison is exact (uint8) unless a tolerance is written next to it.
"""
from __future__ import annotations

import io
import os
import re

import numpy as np
import pytest
from hypothesis import given, strategies as st
from PIL import Image, ImageDraw, ImageFont, features

import fastheat
from fastheat import api as render
from fastheat import encode
from fastheat.color import _kernels as color_kernels
from fastheat.compose import _kernels as K
from fastheat.compose import overlays as ov

RNG = np.random.default_rng(11)
SEEDS = st.integers(0, 2**32 - 1)

# Targets the compose stage writes into: a whole array, or views of a bigger
# canvas (a window with margins on every side, the first channels of wider
# pixels, every other column, rows upside down).
VIEWS = ("array", "window", "channels", "columns", "flipped")


def make_view(rng, h, w, nch, kind):
    """A random canvas and the index of an ``(h, w, nch)`` uint8 view into it."""
    if kind == "array":
        shape, index = (h, w, nch), np.s_[...]
    elif kind == "window":
        shape, index = (h + 5, w + 7, nch), np.s_[2: 2 + h, 3: 3 + w]
    elif kind == "channels":
        shape, index = (h, w, nch + 1), np.s_[:, :, :nch]
    elif kind == "columns":
        shape, index = (h, 2 * w + 1, nch), np.s_[:, 1::2]
    else:  # rows h..1 in reverse: negative row stride, row 0 stays outside
        shape, index = (h + 1, w, nch), np.s_[h:0:-1]
    canvas = rng.integers(0, 256, shape, dtype=np.uint8)
    assert canvas[index].shape == (h, w, nch)
    return canvas, index


def expected_canvas(before, index, region):
    """``before`` with the view at ``index`` replaced by ``region``."""
    out = before.copy()
    out[index] = region
    return out


# --------------------------------------------------------------------------- Raster.paint

@st.composite
def paint_cases(draw):
    n_rows, n_cols = draw(st.integers(1, 12)), draw(st.integers(1, 12))

    def side(n):  # downsampled, same size or upsampled (by a non-integer factor too)
        return draw(st.one_of(st.integers(1, n), st.integers(n, 5 * n + 3)))

    height, width = side(n_rows), side(n_cols)
    rng = np.random.default_rng(draw(SEEDS))
    data = rng.normal(size=(n_rows, n_cols))
    data[rng.random(data.shape) < draw(st.sampled_from([0.0, 0.2, 1.0]))] = np.nan
    limits = draw(st.sampled_from([{}, dict(vmin=-0.5, vmax=0.5), dict(vmin=0.0)]))
    options = dict(width=width, height=height, origin=draw(st.sampled_from(render.ORIGINS)),
                   cmap=draw(st.sampled_from(["viridis", "tab10"])), **limits)
    return (data, options, draw(st.sampled_from([3, 4])), draw(st.sampled_from(VIEWS)),
            draw(st.integers(0, 2)), rng)


def check_paint(data, options, nch, view, extra, rng):
    raster = render.rasterize(data, **options)
    h, w = raster.shape
    assert (h, w) == raster.codes.shape == (options["height"], options["width"])
    assert raster.top_code == int(raster.codes.max())
    # random colours for every code (the palette's own under/over equal its end
    # colours, which would hide a code mix-up); longer tables are allowed
    table = rng.integers(0, 256, (raster.palette.N + 3 + extra, nch), dtype=np.uint8)
    want = np.take(table, raster.codes, axis=0)
    canvas, index = make_view(rng, h, w, nch, view)
    before = canvas.copy()
    raster.paint(table, canvas[index])
    np.testing.assert_array_equal(canvas[index], want)
    np.testing.assert_array_equal(canvas, expected_canvas(before, index, want))  # rest untouched
    # pixel_values: an outer product of pixel rows and columns, codes or values
    rows, cols = rng.integers(0, h, 5), rng.integers(0, w, 4)
    np.testing.assert_array_equal(raster.pixel_values(rows, cols, of="cell_codes"),
                                  raster.codes[np.ix_(rows, cols)])
    np.testing.assert_array_equal(raster.pixel_values(rows, cols), raster.values[np.ix_(rows, cols)])
    return raster


@given(case=paint_cases())
def test_paint_equals_table_lookup_of_the_codes(case):
    check_paint(*case)


@pytest.mark.parametrize("shape,size", [
    ((1, 7), (1, 7)), ((1, 7), (5, 3)), ((1, 7), (9, 23)),  # one row: down, mixed, up
    ((7, 1), (7, 1)), ((7, 1), (3, 5)), ((7, 1), (23, 9)),  # one column
    ((1, 1), (1, 1)), ((1, 1), (6, 4)),
    ((5, 6), (17, 4)), ((6, 5), (4, 17)),  # up on one axis, down on the other
])
@pytest.mark.parametrize("nch", [3, 4])
def test_paint_thin_matrices(shape, size, nch):
    rng = np.random.default_rng(sum(shape) * 100 + sum(size))
    data = rng.normal(size=shape)
    data.flat[0] = np.nan
    options = dict(height=size[0], width=size[1], vmin=-0.3, vmax=0.3, origin="lower")
    check_paint(data, options, nch, "window", 0, rng)


@pytest.mark.parametrize("origin", render.ORIGINS)
@pytest.mark.parametrize("view", VIEWS)
def test_paint_bad_under_and_over_codes(origin, view):
    data = np.array([[np.nan, -5.0, 0.1], [0.5, 5.0, np.nan], [0.9, 0.2, -1.0]])
    raster = check_paint(data, dict(width=8, height=7, vmin=0.0, vmax=1.0, origin=origin),
                         4, view, 0, np.random.default_rng(3))
    n = raster.palette.N
    assert {n, n + 1, n + 2} <= set(np.unique(raster.codes).tolist())
    assert raster.top_code == n + 2


@pytest.mark.parametrize("case", ["height", "width", "channels", "dtype", "table2", "table5",
                                  "short", "float_table", "flat_table"])
def test_paint_rejects_bad_out_or_table_before_the_kernel(monkeypatch, case):
    raster = render.rasterize(RNG.random((3, 4)), width=9, height=7)
    n = raster.palette.N
    table = RNG.integers(0, 256, (n + 3, 3), dtype=np.uint8)
    out = np.zeros((7, 9, 3), np.uint8)
    if case == "height":
        out = np.zeros((8, 9, 3), np.uint8)
    elif case == "width":
        out = np.zeros((7, 10, 3), np.uint8)
    elif case == "channels":
        out = np.zeros((7, 9, 4), np.uint8)
    elif case == "dtype":
        out = np.zeros((7, 9, 3), np.uint16)
    elif case in ("table2", "table5"):
        nch = int(case[-1])
        table, out = table[:, [0] * nch], np.zeros((7, 9, nch), np.uint8)
    elif case == "float_table":
        table = table / 255.0
    elif case == "flat_table":
        table = table[:, 0]
    else:
        table = table[:-1]
    if case == "short":
        match = re.escape(f"table has {n + 2} colours; codes need {n + 3}")
    elif case in ("float_table", "flat_table"):
        match = re.escape(f"table must be an (n, 3 or 4) uint8 array, got {table.shape} "
                          f"{table.dtype}")
    else:
        match = re.escape(f"out must be a (7, 9, 3 or 4) uint8 array matching the table, "
                          f"got {out.shape} {out.dtype}")
    calls = []
    monkeypatch.setattr(color_kernels, "paint_rows", lambda *args: calls.append(args))
    with pytest.raises(ValueError, match=match):
        raster.paint(table, out)
    assert calls == [] and not out.any()


# --------------------------------------------------------------------------- annotations

def blend_reference(region, a, color_of):
    """``(px * (255 - a) + colour * a + 127) // 255`` per pixel and channel."""
    a = a[..., None].astype(np.int64)
    return ((region.astype(np.int64) * (255 - a) + color_of * a + 127) // 255).astype(np.uint8)


LIGHT, DARK = (250, 20, 130), (5, 200, 60)  # not seaborn's: swapped colours would show


@st.composite
def annotation_cases(draw):
    n_r, n_c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    heights = draw(st.lists(st.integers(12, 40), min_size=n_r, max_size=n_r))
    widths = draw(st.lists(st.integers(20, 70), min_size=n_c, max_size=n_c))
    return (heights, widths, draw(st.integers(8, 16)), draw(st.sampled_from([3, 4])),
            draw(st.sampled_from(VIEWS)), np.random.default_rng(draw(SEEDS)))


def check_annotate(heights, widths, size, nch, view, rng):
    re_, ce = np.cumsum(heights), np.cumsum(widths)
    rs, cs = re_ - heights, ce - widths
    H, W = int(re_[-1]), int(ce[-1])
    cells = np.argwhere(rng.random((len(heights), len(widths))) < 0.8)
    rows, cols = cells[:, 0], cells[:, 1]
    labels, which = ov.annotation_strings(rng.normal(size=len(rows)) * 10, ".2f")
    dark = rng.random(len(rows)) < 0.5
    font = ov.load_font(None, size)

    def run(region, light_color, dark_color):
        return ov.annotate(region, (rs, re_), (cs, ce), rows, cols, labels, which, dark,
                           font=font, min_size=6, explicit=False, light_color=light_color,
                           dark_color=dark_color)

    # white text on black shows each pixel's coverage a: (255 * a + 127) // 255 == a
    coverage = np.zeros((H, W, nch), np.uint8)
    white = (255, 255, 255)
    drawn = run(coverage, white, white)
    a = coverage[..., 0]
    assert (coverage == a[..., None]).all()
    color_of = np.zeros((H, W, nch), np.int64)
    if nch == 4:
        color_of[..., 3] = 255  # text is opaque: alpha blends towards 255
    inside = np.zeros((H, W), bool)
    for r, c, d in zip(rows, cols, dark):
        color_of[rs[r]: re_[r], cs[c]: ce[c], :3] = DARK if d else LIGHT
        inside[rs[r]: re_[r], cs[c]: ce[c]] = True
    assert not a[~inside].any()  # text only in annotated cells
    assert a.any() == (drawn[0] > 0)

    canvas, index = make_view(rng, H, W, nch, view)
    before = canvas.copy()
    assert run(canvas[index], LIGHT, DARK) == drawn  # colours change nothing else
    want = blend_reference(before[index], a, color_of)
    np.testing.assert_array_equal(canvas, expected_canvas(before, index, want))
    return drawn


@given(case=annotation_cases())
def test_annotate_blends_like_the_formula(case):
    check_annotate(*case)


@pytest.mark.parametrize("nch", [3, 4])
@pytest.mark.parametrize("view", VIEWS)
def test_annotate_strided_regions(nch, view):
    drawn, _ = check_annotate([30, 24, 36], [50, 64, 44, 58], 12, nch, view,
                              np.random.default_rng(nch))
    assert drawn >= 6  # most of the 12 cells annotated: not a vacuous comparison


@pytest.mark.parametrize("row_runs,col_runs", [
    (([0], [60]), ([0], [30])),  # cell taller than the region
    (([0], [20]), ([0], [90])),  # wider
    (([-30], [10]), ([0], [30])),  # starts above it
    (([0], [20]), ([-40], [20])),  # left of it
])
def test_annotate_refuses_tiles_outside_the_region(row_runs, col_runs):
    region = np.zeros((20, 30, 3), np.uint8)
    runs = [tuple(np.array(v) for v in r) for r in (row_runs, col_runs)]
    with pytest.raises(AssertionError, match="annotation tiles outside the raster"):
        ov.annotate(region, *runs, [0], [0], ["8"], [0], [False],
                    font=ov.load_font(None, 10), min_size=6)
    assert not region.any()


@given(seed=SEEDS, nch=st.sampled_from([3, 4]), view=st.sampled_from(VIEWS),
       tile=st.tuples(st.integers(1, 6), st.integers(1, 8)), grid=st.tuples(
           st.integers(1, 4), st.integers(1, 4)), n_labels=st.integers(1, 4))
def test_stamp_cells_kernel_matches_formula(seed, nch, view, tile, grid, n_labels):
    """The kernel on its own, with every coverage value 0..255 possible."""
    rng = np.random.default_rng(seed)
    (th, tw), (gr, gc) = tile, grid
    H, W = gr * (th + 2) + 1, gc * (tw + 3) + 2
    slots = np.argwhere(rng.random(grid) < 0.7)  # disjoint places, as the kernel requires
    y0 = (slots[:, 0] * (th + 2) + rng.integers(0, 3, len(slots))).astype(np.intp)
    x0 = (slots[:, 1] * (tw + 3) + rng.integers(0, 4, len(slots))).astype(np.intp)
    label = rng.integers(0, n_labels, len(slots)).astype(np.intp)
    shade = rng.integers(0, 2, len(slots)).astype(np.intp)
    tiles = rng.integers(0, 256, (n_labels, th, tw), dtype=np.uint8)
    tiles[rng.random(tiles.shape) < 0.3] = 0
    tiles[rng.random(tiles.shape) < 0.1] = 255
    # as annotate builds them (a column slice for RGB): no extra kernel compilation
    colors = rng.integers(0, 256, (2, 4), dtype=np.uint8)[:, :nch]
    canvas, index = make_view(rng, H, W, nch, view)
    before = canvas.copy()
    want = before[index].copy()
    for k in range(len(slots)):
        cell = np.s_[y0[k]: y0[k] + th, x0[k]: x0[k] + tw]
        color_of = np.broadcast_to(colors[shade[k]].astype(np.int64), (th, tw, nch))
        want[cell] = blend_reference(want[cell], tiles[label[k]], color_of)
    with K.KERNEL_LOCK:
        K.stamp_cells(canvas[index], y0, x0, label, shade, tiles, colors)
    np.testing.assert_array_equal(canvas, expected_canvas(before, index, want))


# --------------------------------------------------------------------------- text from cached glyphs

TEXTS = ["0", "7", "0.53", "-12.7%", "1e-05", "+3.14", "(1, 2)", "[a; b]", "x_{y}!?", "Wg",
         "gjpqy", "Quality", "a b", "1 000", "\u22121.5", "\u2212", "AVAT", "-", "'", "_",
         "\u00b0C", "12345678901234567890"]
ANCHORS = [h + v for h in "lmr" for v in "satmbd"]
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def test_anchored_box_equals_pillow_getbbox():
    checked = unresolved = 0
    for size in range(1, 49):
        font = ov.load_font(None, size)
        stamp = ov.Stamp.of(font)
        assert ov.Stamp.of(font) is stamp  # shared: its layouts are cached
        for text in TEXTS:
            for anchor in ANCHORS:
                box = stamp.anchored_box(text, anchor)
                want = font.getbbox(text, anchor=anchor)
                assert ov.text_box(font, text, anchor) == want, (size, text, anchor)
                if box is None:  # fractional advance: the caller asks Pillow
                    unresolved += 1
                    continue
                assert tuple(box) == want, (size, text, anchor)
                checked += 1
            x0, y0, x1, y1 = font.getbbox(text, anchor="ls")
            assert (ov.text_width(font, text), ov.text_height(font, text)) == (x1 - x0, y1 - y0)
    assert unresolved <= checked // 10  # the cached path is what runs


@pytest.mark.parametrize("text", [" 1", "1 ", "x ", " ", ""])
def test_anchored_box_with_spaces_at_the_ends(text):
    for size in (8, 12, 20):
        font = ov.load_font(None, size)
        for anchor in ANCHORS:
            assert ov.text_box(font, text, anchor) == font.getbbox(text, anchor=anchor), \
                (size, anchor)


def test_builtin_font_is_composable():
    for size in (1, 6, 10, 12, 13, 24, 48):
        assert ov.composable(ov.load_font(None, size))


@pytest.mark.skipif(not os.path.isfile(DEJAVU) or not features.check("raqm"),
                    reason=f"needs {DEJAVU} and Pillow built with libraqm")
def test_raqm_layout_font_is_not_composable():
    font = ImageFont.truetype(DEJAVU, 12)
    assert font.layout_engine == ImageFont.Layout.RAQM
    assert not ov.composable(font)
    for anchor in ANCHORS:
        assert ov.text_box(font, "AVAT 1.5", anchor) == font.getbbox("AVAT 1.5", anchor=anchor)


@pytest.mark.skipif(not os.path.isfile(DEJAVU), reason=f"needs {DEJAVU}")
def test_kerned_font_is_not_composable():
    font = ImageFont.truetype(DEJAVU, 12, layout_engine=ImageFont.Layout.BASIC)
    assert font.getlength("To") != font.getlength("T") + font.getlength("o")  # Pillow kerns it
    assert not ov.composable(font)
    for anchor in ANCHORS:  # so text boxes come from Pillow, kerning included
        for text in ("To", "Ty. LT", "AVAT"):
            assert ov.text_box(font, text, anchor) == font.getbbox(text, anchor=anchor)


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
        font = ov.load_font(None, size)
        stamp = ov.Stamp.of(font)
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


def blend_masks(canvas, masks, corners, colors):
    """Call the kernel with ``masks`` (2-D uint8) at ``corners`` (x, y) as the
    compose stage does: one flat buffer of all masks."""
    nch = canvas.shape[2]
    with K.KERNEL_LOCK:
        K.blend_masks(canvas, np.concatenate([m.ravel() for m in masks]),
                      np.cumsum([0] + [m.size for m in masks[:-1]]).astype(np.int64),
                      np.array([m.shape for m in masks], np.int64).reshape(-1, 2),
                      np.array(corners, np.int64).reshape(-1, 2),
                      np.array(colors, np.uint8).reshape(-1, 4)[:, :nch])


@given(seed=SEEDS, nch=st.sampled_from([3, 4]), text=st.sampled_from(TEXTS),
       size=st.integers(6, 30), x=st.integers(-40, 80), y=st.integers(-30, 70))
def test_blend_masks_equals_pillow_text(seed, nch, text, size, x, y):
    """Pillow's own coverage of a text, blended by the kernel, gives Pillow's
    ``ImageDraw.text`` on RGB and RGBA canvases, clipped at the edges.

    One exception, left out here: where a pixel's alpha is 0 Pillow paints the
    text's RGB at any coverage, the kernel blends it. compose gives a
    transparent background the text's RGB, where both give the same, and so
    does this canvas."""
    rng = np.random.default_rng(seed)
    font = ov.load_font(None, size)
    canvas = rng.integers(0, 256, (40, 60, nch), dtype=np.uint8)
    color = tuple(int(c) for c in rng.integers(0, 256, 4))
    if nch == 4:
        canvas[rng.random(canvas.shape[:2]) < 0.2, 3] = 0
        canvas[canvas[..., 3] == 0, :3] = color[:3]
    l, t, r, b = font.getbbox(text, anchor="ls")
    pad = 2
    cov = Image.new("L", (r - l + 2 * pad, b - t + 2 * pad))
    ImageDraw.Draw(cov).text((pad - l, pad - t), text, font=font, fill=255, anchor="ls")
    want = Image.fromarray(canvas.copy())
    ImageDraw.Draw(want).text((x, y), text, font=font, fill=color[:nch], anchor="ls")
    blend_masks(canvas, [np.asarray(cov)], [(x + l - pad, y + t - pad)], [color])
    np.testing.assert_array_equal(canvas, np.asarray(want))


@given(seed=SEEDS, nch=st.sampled_from([3, 4]), view=st.sampled_from(VIEWS),
       shapes=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1,
                       max_size=4),
       corners=st.lists(st.tuples(st.integers(-12, 16), st.integers(-12, 14)), min_size=4,
                        max_size=4))
def test_blend_masks_equals_formula_on_views(seed, nch, view, shapes, corners):
    """Masks blended in order (overlapping ones too), clipped to the canvas."""
    rng = np.random.default_rng(seed)
    H, W = 10, 12
    canvas, index = make_view(rng, H, W, nch, view)
    masks = [rng.integers(0, 256, s, dtype=np.uint8) for s in shapes]
    for m in masks:
        m[rng.random(m.shape) < 0.3] = 0
    colors = rng.integers(0, 256, (len(masks), 4))
    corners = corners[: len(masks)]
    before = canvas.copy()
    want = before[index].astype(np.int64)
    for m, (x0, y0), color in zip(masks, corners, colors):
        for (my, mx), a in np.ndenumerate(m):
            py, px = y0 + my, x0 + mx
            if 0 <= py < H and 0 <= px < W:
                want[py, px] = (want[py, px] * (255 - a) + color[:nch] * a + 127) // 255
    blend_masks(canvas[index], masks, corners, colors)
    np.testing.assert_array_equal(canvas, expected_canvas(before, index, want.astype(np.uint8)))


@given(seed=SEEDS, nch=st.sampled_from([3, 4]), view=st.sampled_from(VIEWS),
       boxes=st.lists(st.tuples(*[st.integers(-5, 16)] * 4), min_size=1, max_size=5))
def test_fill_boxes_in_order_clipped(seed, nch, view, boxes):
    rng = np.random.default_rng(seed)
    H, W = 10, 12
    canvas, index = make_view(rng, H, W, nch, view)
    colors = rng.integers(0, 256, (len(boxes), 4), dtype=np.uint8)
    before = canvas.copy()
    want = before[index].copy()
    for (x0, y0, x1, y1), color in zip(boxes, colors):
        want[max(y0, 0): max(0, min(y1, H)), max(x0, 0): max(0, min(x1, W))] = color[:nch]
    with K.KERNEL_LOCK:
        K.fill_boxes(canvas[index], np.array(boxes, np.int64).reshape(-1, 4), colors[:, :nch])
    np.testing.assert_array_equal(canvas, expected_canvas(before, index, want))


# --------------------------------------------------------------------------- fill

def check_fill(h, w, nch, view, color, rng):
    canvas, index = make_view(rng, h, w, nch, view)
    before = canvas.copy()
    ov.fill(canvas[index], color)
    want = np.broadcast_to(np.asarray(color[:nch], np.uint8), (h, w, nch))
    np.testing.assert_array_equal(canvas, expected_canvas(before, index, want))


@pytest.mark.parametrize("shape", [(9, 1, 3), (1, 9, 3), (1, 30, 3), (30, 1, 4), (7, 13, 4),
                                   (5, 8, 3), (5, 9, 3), (0, 12, 3), (12, 0, 4), (0, 0, 3)])
@pytest.mark.parametrize("view", VIEWS)
def test_fill_sets_every_pixel_of_the_view(shape, view):
    h, w, nch = shape
    check_fill(h, w, nch, view, (12, 200, 77, 130), np.random.default_rng(h * 50 + w))


@given(seed=SEEDS, h=st.integers(0, 12), w=st.integers(0, 24), nch=st.sampled_from([3, 4]),
       view=st.sampled_from(VIEWS), color=st.tuples(*[st.integers(0, 255)] * 4))
def test_fill_hypothesis(seed, h, w, nch, view, color):
    check_fill(h, w, nch, view, color, np.random.default_rng(seed))


# --------------------------------------------------------------------------- save == heatmap

@pytest.mark.parametrize("options", [
    dict(colorbar=True, grid=True, title="t"),
    dict(colorbar=True, grid=True, title="t", background="none"),
    dict(colorbar="bottom", xlabel="x", ylabel="y", annot=True, fmt=".1f", width=400,
         height=300),
    dict(colorbar=True, vmin=0.2, vmax=0.8, origin="lower", linewidths=1, scale=2,
         xticklabels=True, yticklabels=True),
    dict(title="t", background="none", annot=True, fmt=".2f", width=500, height=450,
         cmap="tab10"),
])
def test_save_png_is_exactly_heatmap(monkeypatch, options):
    data = np.random.default_rng(5).random((8, 9))
    data[2, 3] = np.nan
    seen = []
    real = encode._save_png

    def spy(image, f, **kw):
        seen.append(type(image))
        return real(image, f, **kw)

    monkeypatch.setattr(encode, "_save_png", spy)
    buf = io.BytesIO()
    fastheat.save(data, buf, format="png", **options)
    assert seen == [np.ndarray]  # the composed canvas, encoded without a Pillow copy
    buf.seek(0)
    with Image.open(buf) as back:
        want = fastheat.heatmap(data, **options)
        assert back.mode == want.mode == ("RGBA" if "background" in options else "RGB")
        np.testing.assert_array_equal(np.asarray(back), np.asarray(want))


# --------------------------------------------------------------------------- review fixes

def test_padded_annotations_are_centred_on_their_ink_and_keep_their_size():
    data = np.full((2, 2), 0.5)
    plain = fastheat.heatmap(data, annot=True, fmt=".2f", cmap="gray", width=200, height=200,
                             xticklabels=False, yticklabels=False)
    padded = fastheat.heatmap(data, annot=True, fmt="7.2f", cmap="gray", width=200,
                              height=200, xticklabels=False, yticklabels=False)
    # "   0.50" and "0.50" have the same ink: the same image
    assert np.array_equal(np.asarray(plain), np.asarray(padded))


def test_text_that_is_not_one_printable_line_is_left_to_pillow():
    font = ov.load_font(None, 12)
    stamp = ov.Stamp.of(font)
    for text in ("r\n0", "a\tb"):
        assert stamp.anchored_box(text, "ls") is None
        assert ov.text_box(font, text) == font.getbbox(text, anchor="ls")


def test_user_font_objects_share_one_stamp_across_renders():
    if not os.path.isfile(DEJAVU):
        pytest.skip(f"needs {DEJAVU}")
    user = ImageFont.truetype(DEJAVU, 12, layout_engine=ImageFont.Layout.BASIC)
    fonts = [ov.load_font(user, 14) for _ in range(5)]  # a new object each time
    assert len({id(f) for f in fonts}) == 5
    assert len({id(ov.Stamp.of(f)) for f in fonts}) == 1
    assert len({ov.composable(f) for f in fonts}) == 1


def test_paint_rejects_indices_outside_the_cells():
    from dataclasses import replace

    raster = render.rasterize(RNG.random((3, 4)), width=8, height=6)
    table = np.zeros((raster.palette.N + 3, 3), np.uint8)
    bad = replace(raster, row_index=np.array([0, 0, 1, 1, 2, 7]))
    with pytest.raises(ValueError, match="row_index points outside the 3 cells"):
        bad.paint(table, np.zeros((6, 8, 3), np.uint8))
    bad = replace(raster, cell_codes=np.full((3, 4), 60000, np.uint16))
    with pytest.raises(ValueError, match="codes need"):
        bad.paint(table, np.zeros((6, 8, 3), np.uint8))


def test_lines_and_boxes_reject_colours_with_too_few_channels():
    region = np.zeros((4, 6, 4), np.uint8)
    with pytest.raises(ValueError, match="colours have 3 channels, the canvas 4"):
        ov.draw_lines(region, [2, 4], vertical=True, width=1, color=(255, 0, 0))
    with pytest.raises(ValueError, match="colours have 3 channels, the canvas 4"):
        ov.blend_masks(region, [np.ones((2, 2), np.uint8)], [(0, 0)], [(1, 2, 3)])
    assert not region.any()
