"""Drawing kernels: text tiles in cells, filled boxes, blended coverage masks.

Pure functions on arrays the caller allocated and validated
(:mod:`fastheat.compose.draw`, :mod:`fastheat.compose.annotate`).
"""
from __future__ import annotations

import numba as nb
import numpy as np
from numba.extending import overload

from .._jit import KERNEL_LOCK, jit, pjit  # noqa: F401  (callers lock through K.KERNEL_LOCK)


@pjit
def stamp_cells(region, y0, x0, label, shade, tiles, colors):
    """Blend text tile ``tiles[label[k]]`` (uint8 coverage) in colour
    ``colors[shade[k]]`` into ``region`` at corner ``(y0[k], x0[k])``:
    ``(pixel * (255 - a) + colour * a + 127) // 255``. The tiles must lie in
    disjoint cells (they are blended in parallel)."""
    th, tw = tiles.shape[1], tiles.shape[2]
    for k in nb.prange(y0.shape[0]):
        tile, color = tiles[label[k]], colors[shade[k]]
        for ty in range(th):
            for tx in range(tw):
                a = np.int32(tile[ty, tx])
                if a:
                    px = region[y0[k] + ty, x0[k] + tx]
                    for c in range(region.shape[2]):
                        px[c] = (np.int32(px[c]) * (255 - a) + np.int32(color[c]) * a + 127) // 255


@pjit
def fill_boxes(canvas, boxes, colors):
    """Fill boxes ``(x0, y0, x1, y1)`` of ``canvas`` (clipped to it) with
    ``colors[k]``, in order: ticks, frames, solid lines. Parallel over canvas
    rows, each row painting the boxes that cross it in order (for many
    pixels: :func:`fill_boxes_serial` is faster below a few megapixels)."""
    for y in nb.prange(canvas.shape[0]):
        _fill_boxes_row(canvas, y, boxes, colors)


@jit
def fill_boxes_serial(canvas, boxes, colors):
    """:func:`fill_boxes` on one thread: the same pixels, without a parallel
    launch (the few thousand pixels of ticks, frames and gridlines take
    microseconds; waking the workers takes longer). Row after row, as the
    parallel kernel: box after box, a vertical line would touch a new
    cache line at every pixel."""
    H = canvas.shape[0]
    lo, hi = H, 0
    for k in range(boxes.shape[0]):
        lo, hi = min(lo, max(boxes[k, 1], 0)), max(hi, min(boxes[k, 3], H))
    for y in range(lo, hi):
        _fill_boxes_row(canvas, y, boxes, colors)


@nb.njit(cache=True, nogil=True, inline="always")
def _fill_boxes_row(canvas, y, boxes, colors):
    row, W, nch = canvas[y], canvas.shape[1], canvas.shape[2]
    for k in range(boxes.shape[0]):
        if boxes[k, 1] <= y < boxes[k, 3]:
            color = colors[k]
            for x in range(max(boxes[k, 0], 0), min(boxes[k, 2], W)):
                for c in range(nch):
                    row[x, c] = color[c]


@jit
def blend_masks(canvas, masks, starts, shapes, corners, colors):
    """Blend ``colors[k]`` into ``canvas`` through coverage mask ``k`` (``shapes[k]``
    bytes from ``masks[starts[k]]``, row-major) with its top-left corner at
    ``corners[k] = (x, y)``, clipped to the canvas; rounding as Pillow's text:
    ``(px * (255 - a) + color * a + 127) // 255``."""
    H, W, nch = canvas.shape
    for k in range(starts.shape[0]):
        h, w = shapes[k, 0], shapes[k, 1]
        for r in range(h):
            y = corners[k, 1] + r
            if y < 0 or y >= H:
                continue
            for q in range(w):
                x = corners[k, 0] + q
                a = np.int32(masks[starts[k] + r * w + q])
                if a and 0 <= x < W:
                    for c in range(nch):
                        canvas[y, x, c] = (np.int32(canvas[y, x, c]) * (255 - a)
                                           + np.int32(colors[k, c]) * a + 127) // 255


@pjit
def paint_lined(cell_codes, rows, cols, packed, out, row_layer, row_color, col_layer, col_color,
                line_cols, same_cols):
    """``out[i, j] = packed[cell_codes[rows[i], cols[j]]]`` (the raster, as
    :func:`fastheat.color._kernels.paint_rows` paints it, from the colour
    table as ``uint32`` words) with solid lines over it, in the same pass:
    pixel ``(i, j)`` takes ``row_color[i]`` where ``row_layer[i] >
    col_layer[j]``, ``col_color[j]`` where ``col_layer[j] > row_layer[i]``,
    the raster where both are -1 (the layer drawn last wins, as when the
    lines are drawn after the raster).

    Colours are ``uint32``: for an ``(h, w, 3 or 4)`` uint8 ``out``, channel
    ``k`` in bits ``8k..8k+7``; for an ``(h, w)`` uint32 ``out`` (a 4-channel
    canvas viewed so: one store a pixel, 2x faster), the 4 bytes as stored.
    ``line_cols``: the columns where ``col_layer >= 0``. ``same_cols``: pixel
    column ``j`` is cell column ``j`` (``cols`` is ``0..w - 1``), read without
    the lookup (a raster at its cells' size: 1.7x faster). Each row is painted
    whole (the raster, or its line's colour), then its line columns over it:
    no per-pixel branch. Parallel over rows (:func:`paint_lined_serial`:
    faster below a few megapixels, where one thread fills the memory bus and
    waking the others costs more)."""
    for i in nb.prange(out.shape[0]):
        _paint_lined_row(i, cell_codes, rows, cols, packed, out, row_layer, row_color, col_layer,
                         col_color, line_cols, same_cols)


@jit
def paint_lined_serial(cell_codes, rows, cols, packed, out, row_layer, row_color, col_layer,
                       col_color, line_cols, same_cols):
    """:func:`paint_lined` on one thread: the same pixels."""
    for i in range(out.shape[0]):
        _paint_lined_row(i, cell_codes, rows, cols, packed, out, row_layer, row_color, col_layer,
                         col_color, line_cols, same_cols)


@nb.njit(cache=True, nogil=True, inline="always")
def _paint_lined_row(i, cell_codes, rows, cols, packed, out, row_layer, row_color, col_layer,
                     col_color, line_cols, same_cols):
    src, row, rl = cell_codes[rows[i]], out[i], row_layer[i]
    w = out.shape[1]
    if rl >= 0:
        color = row_color[i]
        for j in range(w):
            _put(row, j, color)
    elif same_cols:
        for j in range(w):
            _put(row, j, packed[src[j]])
    else:
        for j in range(w):
            _put(row, j, packed[src[cols[j]]])
    for q in range(line_cols.shape[0]):
        j = line_cols[q]
        if col_layer[j] > rl:
            _put(row, j, col_color[j])


def _put(row, j, color):
    """Pixel ``j`` of a canvas row takes the ``uint32`` colour (see :func:`paint_lined`)."""


@overload(_put, inline="always")
def _put_impl(row, j, color):
    if row.ndim == 1:
        def put_word(row, j, color):
            row[j] = color
        return put_word

    def put_bytes(row, j, color):
        row[j, 0], row[j, 1], row[j, 2] = color & 255, (color >> 8) & 255, (color >> 16) & 255
        if row.shape[1] == 4:
            row[j, 3] = color >> 24
    return put_bytes
