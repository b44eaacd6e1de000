"""The compose stage's numba kernels (:mod:`fastheat.compose._kernels`) on
their own, against the formula they state, on every kind of canvas view:
``stamp_cells`` and ``blend_masks`` blend as
``(px * (255 - a) + colour * a + 127) // 255`` (so text masks blended by the
kernel equal Pillow's text), ``fill_boxes`` sets exactly the pixels it is
given. Every comparison is exact (uint8)."""
from __future__ import annotations

import numpy as np
from hypothesis import given, strategies as st
from PIL import Image, ImageDraw

from fastheat.compose import _kernels as K
from fastheat.compose.text import load_font

from .helpers import SEEDS, TEXTS, VIEWS, blend_reference, expected_canvas, make_view


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
    font = load_font(None, size)
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
