"""The raster back-end: a :class:`~fastheat.compose.scene.Scene` -> one
``(H, W, 3 or 4)`` uint8 numpy canvas, and the primitives it paints with.

The canvas is never copied whole. Numba kernels paint the raster into it
(straight from the cell codes), fill boxes (ticks, frames, solid lines),
blend text masks composed from cached glyphs (upright, or turned for
rotated labels) and stamp annotation tiles; Pillow draws only what it alone
can (polygons, text in fonts with shaping or kerning) on small images of the
margins. Every path gives Pillow's own pixels, but where two glyphs' ink
overlaps in cached-glyph text (see :class:`~fastheat.compose.text.Stamp`).
"""
from __future__ import annotations

import math

import numpy as np

from . import _kernels as K
from .scene import LINESTYLES, CellText, Frame, Image, Lines, Polygon, RasterImage, Rect, Text
from .text import _font_key, stamp_for


#: Rasters up to this many pixels are painted on one thread (measured on 2
#: cores, 4-byte pixels: 1000² 0.8 ms against 1.1 ms on two threads; 1500²
#: 2.2 against 2.6; 3000² 7.2 against 6.9).
SERIAL_PIXELS = 1 << 21


# --------------------------------------------------------------------------- the scene

def draw_scene(scene, kept=None, target=None):
    """Paint ``scene`` on a new canvas, or on ``target``: an ``(H, W, 4)``
    uint8 array, a Pillow image's own pixels
    (:func:`fastheat.encode.pil.new_canvas`), whose first
    ``len(scene.background)`` channels are the canvas (an RGB target's 4th
    byte, Pillow's pad, is set to 255). ``kept``: see :func:`draw_raster`.

    The background and the raster first, the layers over the raster and the
    images in order, then all rects and frames in one kernel call, all
    cached-glyph text in another, and what is left to Pillow batched per
    margin: the same pixels as painting the items one by one in order
    (:func:`draw_item`; :mod:`~fastheat.compose.scene` notes the exception),
    with far fewer calls.

    Parameters
    ----------
    scene : fastheat.compose.scene.Scene

    Returns
    -------
    numpy.ndarray
        ``(height, width, len(scene.background))`` uint8 (a view of ``target``).

    Examples
    --------
    >>> from fastheat.compose.scene import Rect, Scene
    >>> tick = Rect("xtick", (1, 1, 3, 2), (0, 0, 0))
    >>> draw_scene(Scene((4, 3), (0, 0, 0, 0), (255, 255, 255), [tick]))[..., 0]
    array([[255, 255, 255, 255],
           [255,   0,   0, 255],
           [255, 255, 255, 255]], dtype=uint8)
    """
    W, H = scene.size
    check_canvas(W, H)
    nch = len(scene.background)
    if target is None:
        whole = canvas = np.empty((H, W, nch), np.uint8)
    else:  # margins and raster painted 4 bytes a pixel, the rest on the canvas channels
        whole, canvas = target, target[..., :nch]
    x0, y0, x1, y1 = scene.raster_box
    # the raster covers its box: fill only the margins
    for margin in (whole[:y0], whole[y1:], whole[y0:y1, :x0], whole[y0:y1, x1:]):
        fill(margin, (*scene.background, 255))
    around, items = [], scene.items
    if items and type(items[0]) is RasterImage:  # the raster and the solid lines over it
        first = items[0]
        if target is not None:
            first = RasterImage(first.kind, first.box, first.raster, widened(first.table))
        items = draw_raster(whole, first, items[1:], kept, nch)
    for it in items:
        if type(it) in _REGIONS:
            draw_item(canvas, it)
        else:
            around.append(it)
    _draw_around(canvas, around, scene.raster_box)
    return canvas


def draw_raster(canvas, item, after, kept=None, channels=None):
    """Paint the :class:`RasterImage` ``item`` and the solid, opaque
    :class:`Lines` that come first in ``after`` (gridlines, cell borders) in
    one pass over the raster's pixels: the pixels of painting the raster, then
    each of those layers (:func:`draw_item`). Returns the rest of ``after``,
    to paint next in order. ``kept``: a dict that keeps the lines' pixel
    planes for the next call with the same ``after`` (a cached layout's,
    :mod:`fastheat.compose.cache`). ``channels``: the canvas's own channels
    where ``canvas`` is a Pillow image's 4-byte pixels (3 for RGB: the 4th
    byte takes 255); by default all of ``canvas``'s."""
    n = 0
    while n < len(after) and one_pass(after[n], item.box):
        n += 1
    if n == 0:
        draw_item(canvas, item)
        return after
    x0, y0, x1, y1 = item.box
    region = canvas[y0:y1, x0:x1]
    h, w, nch = region.shape
    raster, table = item.raster, np.ascontiguousarray(item.table[:, :nch])
    if raster.shape != (h, w) or table.dtype != np.uint8 or table.shape[1] not in (3, 4) or \
            raster.top_code >= len(table):
        raise ValueError(f"a {raster.shape} raster with codes up to {raster.top_code} cannot be "
                         f"painted into a {(h, w)} box with a {table.shape} {table.dtype} table")
    rows, cols = _indices(raster.row_index, h, raster.cell_codes.shape[0]), \
        _indices(raster.col_index, w, raster.cell_codes.shape[1])
    # a 4-channel region of aligned 4-byte pixels is painted a uint32 word a pixel
    words = nch == 4 and region.strides[1:] == (4, 1) and region.strides[0] % 4 == 0 and \
        region.ctypes.data % 4 == 0
    channels = channels or nch
    planes = None if kept is None else kept.get((h, w, channels))
    if planes is None:
        planes = _line_planes(after[:n], h, w, channels)
        if kept is not None:
            kept[(h, w, channels)] = planes
    row_layer, row_color, col_layer, col_color, line_cols = planes
    args = (raster.cell_codes, rows, cols, _colour_words(table, nch, words),
            region.view(np.uint32)[..., 0] if words else region, row_layer,
            _colour_words(row_color, nch, words), col_layer, _colour_words(col_color, nch, words),
            line_cols, raster.col_index is None)
    if h * w <= SERIAL_PIXELS:
        K.paint_lined_serial(*args)
    else:
        with K.KERNEL_LOCK:
            K.paint_lined(*args)
    return after[n:]


def widened(pixels):
    """``(..., 3 or 4)`` uint8 colours with 4 channels (the 4th: 255); an
    ``(h, w, 3)`` block through Pillow's unpacker (C speed: 10x numpy's
    strided copy)."""
    if pixels.shape[-1] == 4:
        return pixels
    if pixels.ndim == 3 and pixels.size:
        from PIL import Image as PILImage

        from ..encode.pil import memory_of

        wide = memory_of(PILImage.fromarray(np.ascontiguousarray(pixels)))
        if wide is not None:
            return wide
    out = np.full(pixels.shape[:-1] + (4,), 255, np.uint8)
    out[..., :3] = pixels
    return out


def one_pass(item, box):
    """Whether :func:`draw_raster` paints ``item`` with the raster in ``box``:
    solid, opaque :class:`Lines` over the whole raster."""
    return type(item) is Lines and item.box == box and item.alpha >= 1 and \
        LINESTYLES[item.style] is None


def _line_planes(lines, h, w, channels):
    """The lines of ``lines`` over an ``(h, w)`` region of a canvas of
    ``channels`` channels: each row's and column's layer (-1: none) and
    ``(n, 4)`` uint8 colour (past ``channels``: 255, Pillow's pad byte of RGB),
    and the columns that have a line."""
    layer = {True: np.full(w, -1, np.int32), False: np.full(h, -1, np.int32)}
    color = {True: np.full((w, 4), 255, np.uint8), False: np.full((h, 4), 255, np.uint8)}
    for k, it in enumerate(lines):
        covered = _line_pixels(it.positions, it.width, w if it.vertical else h)
        layer[it.vertical][covered] = k
        c = np.asarray(it.color, np.uint8)[:channels]
        color[it.vertical][covered, :len(c)] = c
    return layer[False], color[False], layer[True], color[True], np.flatnonzero(layer[True] >= 0)


def _colour_words(colors, nch, words):
    """``(n, >= nch)`` uint8 colours as ``uint32``: their 4 bytes as stored
    (``words``), else channel ``k`` in bits ``8k..8k+7``."""
    if words:
        return np.ascontiguousarray(colors, np.uint8).view(np.uint32)[:, 0]
    t = colors[:, :nch].astype(np.uint32)
    return sum(t[:, k] << np.uint32(8 * k) for k in range(nch))


def _indices(index, n, cells):
    """Pixel -> cell indices of one axis (None: pixel ``i`` is cell ``i``),
    checked to lie in ``0..cells - 1`` (the kernel does not check)."""
    idx = np.arange(n, dtype=np.intp) if index is None else np.asarray(index).astype(np.intp)
    if len(idx) != n or (n and (idx.min() < 0 or idx.max() >= cells)):
        raise ValueError(f"a pixel index of {len(idx)} entries points outside the {cells} cells")
    return idx


def _line_pixels(positions, width, across):
    """Which of ``across`` pixels lines ``width`` px wide centred on
    ``positions`` cover (:func:`draw_lines`'s spans, as a boolean mask)."""
    p = np.asarray(positions, float)
    p = p[(p >= -width - 1) & (p <= across + width + 1)]
    a = np.floor(p - width / 2 + 0.5)
    starts = np.clip(a, 0, across).astype(np.int64)
    stops = np.clip(a + width, 0, across).astype(np.int64)
    ok = stops > starts
    edges = np.zeros(across + 1, np.int64)
    np.add.at(edges, starts[ok], 1)
    np.add.at(edges, stops[ok], -1)
    return np.cumsum(edges[:-1]) > 0


def check_canvas(width, height):
    """Raise a ValueError, before anything is allocated, for a canvas beyond
    the raster's limits (:data:`~fastheat.aggregation.geometry.MAX_SIDE` px
    a side, :data:`~fastheat.aggregation.geometry.MAX_PIXELS` pixels): the
    decorated image is held to the same limits as the raster.

    >>> check_canvas(70000, 10)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: the composed image would be 70000 x 10 px, beyond the limit of 65535 px ...
    """
    from ..aggregation.geometry import MAX_PIXELS, MAX_SIDE

    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE and width * height <= MAX_PIXELS):
        raise ValueError(f"the composed image would be {width} x {height} px, beyond the limit "
                         f"of {MAX_SIDE} px a side and {MAX_PIXELS} pixels; ask for a smaller "
                         f"raster (width=, height=, scale=) or shorter labels")


#: Items painted into the view of their box, one at a time.
_REGIONS = {RasterImage, Image, Lines, CellText}


def draw_item(canvas, item):
    """Paint one scene item on ``canvas`` (``(H, W, C)`` uint8, in place);
    text and polygons that need Pillow get a small window of their own."""
    if type(item) not in _REGIONS:
        _draw_around(canvas, [item], None)
        return
    x0, y0, x1, y1 = item.box
    region = canvas[y0:y1, x0:x1]
    if isinstance(item, RasterImage):
        item.raster.paint(item.table[:, : canvas.shape[2]], region)
    elif isinstance(item, Image):
        region[...] = item.pixels
    elif isinstance(item, Lines):
        draw_lines(region, item.positions, vertical=item.vertical, width=item.width,
                   color=item.color, alpha=item.alpha, style=item.style)
    else:
        draw_cell_text(region, item)


def _draw_around(canvas, items, raster_box, pad=2):
    """Paint rects, frames, text and polygons: the rects and frames in one
    kernel call, then the text masks in another, then the Pillow drawings
    batched per margin (top, bottom, left, right of ``raster_box``) they fit
    in, or each on a small window of its own."""
    H, W = canvas.shape[:2]
    boxes, colors, masks, pillow = [], [], [], []
    for it in items:
        kind = type(it)
        if kind is Rect:
            boxes.append(it.box)
            colors.append(it.color)
        elif kind is Frame:
            sides = it.sides()
            boxes += sides
            colors += [it.color] * len(sides)
        elif kind is Text:
            # cached glyphs where they reproduce Pillow or need fallback fonts, else Pillow
            mask = _text_mask(it)
            if mask is None:
                pillow.append(it)
            elif mask.size:
                masks.append((mask, it))
        else:
            pillow.append(it)
    if boxes:
        fill_boxes(canvas, np.array(boxes, np.int64), colors)
    if masks:
        blend_masks(canvas, [m for m, _ in masks], [it.box[:2] for _, it in masks],
                    [it.color for _, it in masks])
    margins = []
    if raster_box is not None:
        rx0, ry0, rx1, ry1 = raster_box
        margins = [(0, 0, W, ry0), (0, ry1, W, H), (0, ry0, rx0, ry1), (rx1, ry0, W, ry1)]
    batches = {m: [] for m in margins}
    for it in pillow:
        x0, y0 = max(0, math.floor(it.box[0]) - pad), max(0, math.floor(it.box[1]) - pad)
        x1, y1 = min(W, math.ceil(it.box[2]) + pad), min(H, math.ceil(it.box[3]) + pad)
        home = next((m for m in margins
                     if m[0] <= x0 and m[1] <= y0 and x1 <= m[2] and y1 <= m[3]), None)
        if home is not None:
            batches[home].append(it)
        elif x1 > x0 and y1 > y0:
            _draw_with_pillow(canvas, (x0, y0, x1, y1), [it])
    for m, batch in batches.items():
        if batch:
            _draw_with_pillow(canvas, m, batch)


def _draw_with_pillow(canvas, window, items):
    """Run the Pillow drawing of ``items`` on an image of the canvas
    ``window`` (x0, y0, x1, y1), then copy it back: the canvas stays one numpy
    array, never converted whole."""
    from PIL import Image as PILImage, ImageDraw

    x0, y0, x1, y1 = window
    view = canvas[y0:y1, x0:x1]
    img = PILImage.fromarray(view)
    draw = ImageDraw.Draw(img)
    for it in items:
        if isinstance(it, Polygon):
            draw.polygon([(px - x0, py - y0) for px, py in it.points], fill=it.fill,
                         outline=it.outline, width=it.width)
        elif it.rotated:
            _paste_rotated(img, it, -x0, -y0)
        else:
            draw.text((it.xy[0] - x0, it.xy[1] - y0), it.text, font=it.font, fill=it.color,
                      anchor=it.anchor)
    view[...] = np.asarray(img)


_MASKS: dict = {}  # (font key, text, anchor, geometry) -> the mask of _text_mask, or None
_NOT_KEPT = object()


def _text_mask(item):
    """The coverage mask of the :class:`Text` ``item`` from cached glyphs,
    to blend with its top-left corner at ``item.box[:2]`` (a rotated one is
    the upright line box turned counter-clockwise, ink outside it clipped),
    or None where Pillow must draw it. Kept per font, text, anchor and the
    item's geometry relative to its box (tick labels recur)."""
    x0, y0, x1, y1 = item.box
    key = (_font_key(item.font), item.text, item.anchor, item.rotated, x1 - x0, y1 - y0,
           item.xy[0] - x0, item.xy[1] - y1) if item.rotated else \
        (_font_key(item.font), item.text, item.anchor, False)
    mask = _MASKS.get(key, _NOT_KEPT)
    if mask is _NOT_KEPT:
        mask = _text_mask_of(item)
        if len(_MASKS) >= 1 << 14:
            _MASKS.clear()
        _MASKS[key] = mask
    return mask


def _text_mask_of(item):
    stamp = stamp_for(item.font, item.text)
    anchor = "ls" if item.rotated else item.anchor
    ink = None if stamp is None else stamp.anchored_box(item.text, anchor)
    if ink is None:
        return None
    if not item.rotated:
        return stamp.mask(item.text)
    x0, y0, x1, y1 = item.box
    asc, l = item.xy[0] - x0, item.xy[1] - y1  # see scene.rotated_text_at
    return stamp.turned(item.text, x1 - x0, y1 - y0, ink[0] - l, ink[1] + asc)


def _paste_rotated(img, item, dx, dy):
    """Draw the rotated :class:`Text` ``item`` on the Pillow image ``img``
    whose origin is at canvas ``(-dx, -dy)``: its line box rendered upright
    by Pillow, turned, and pasted through itself as a mask."""
    from PIL import Image as PILImage, ImageDraw

    x0, y0, x1, y1 = item.box
    h, w = x1 - x0, y1 - y0
    if w <= 0:
        return
    asc, l = item.xy[0] - x0, item.xy[1] - y0 - w  # see scene.rotated_text_at
    mask = PILImage.new("L", (w, h), 0)
    ImageDraw.Draw(mask).text((-l, asc), item.text, font=item.font, fill=255, anchor="ls")
    mask = mask.transpose(PILImage.Transpose.ROTATE_90)
    img.paste(item.color, (x0 + dx, y0 + dy), mask)


def draw_cell_text(region, item):
    """Stamp the annotation tiles of the :class:`CellText` ``item`` into
    ``region`` (the view of its box; in place): one parallel kernel call.
    Raises AssertionError, before the kernel runs, for tiles outside
    ``region``."""
    tiles = item.tiles
    H, W, nch = region.shape
    th, tw = tiles.shape[1:]
    y0, x0 = item.y, item.x
    if y0.min() < 0 or x0.min() < 0 or y0.max() + th > H or x0.max() + tw > W:
        raise AssertionError("annotation tiles outside the raster")  # the kernel cannot check
    colors = np.array([(*c, 255) for c in item.colors], np.uint8)[:, :nch]
    with K.KERNEL_LOCK:
        K.stamp_cells(region, y0.astype(np.intp), x0.astype(np.intp),
                      item.which.astype(np.intp), item.shade.astype(np.intp), tiles, colors)


# --------------------------------------------------------------------------- canvas primitives

def fill(target, color):
    """Set every pixel of ``target`` (an ``(h, w, C)`` uint8 view) to ``color``:
    one pattern row copied to each row, about 30x faster than a broadcast of
    C values."""
    color = np.asarray(color, np.uint8)[: target.shape[-1]]
    if target.size:
        if target.ndim == 3 and target.shape[1] > 8 and target.strides[1:] == (target.shape[2], 1):
            target.reshape(target.shape[0], -1)[...] = np.tile(color, target.shape[1])
        else:
            target[...] = color


def _colors(colors, nch):
    """``(n, nch)`` uint8 colours, each given with at least ``nch`` channels."""
    out = np.array(colors, np.uint8).reshape(len(colors), -1)
    if out.shape[1] < nch:
        raise ValueError(f"colours have {out.shape[1]} channels, the canvas {nch}")
    return np.ascontiguousarray(out[:, :nch])


#: Pixels from which :func:`fill_boxes` fills in parallel.
PARALLEL_FILL = 1 << 22


def fill_boxes(canvas, boxes, colors):
    """Fill ``boxes`` (``(n, 4)`` int x0, y0, x1, y1; clipped) of ``canvas``
    (``(H, W, C)`` uint8) with ``colors`` in order: one kernel call."""
    boxes = np.asarray(boxes, np.int64).reshape(-1, 4)
    if not len(boxes) and not len(colors):
        return
    colors = _colors(colors, canvas.shape[2])
    if len(boxes) != len(colors):
        raise ValueError(f"{len(boxes)} boxes but {len(colors)} colours")
    H, W = canvas.shape[:2]
    w = np.clip(boxes[:, 2], 0, W) - np.clip(boxes[:, 0], 0, W)
    h = np.clip(boxes[:, 3], 0, H) - np.clip(boxes[:, 1], 0, H)
    if int((np.maximum(w, 0) * np.maximum(h, 0)).sum()) < PARALLEL_FILL:
        K.fill_boxes_serial(canvas, boxes, colors)
    else:
        with K.KERNEL_LOCK:
            K.fill_boxes(canvas, boxes, colors)


def blend_masks(canvas, masks, corners, colors):
    """Blend ``colors[k]`` into ``canvas`` through the uint8 coverage arrays
    ``masks[k]`` with top-left corners ``corners[k] = (x, y)`` (clipped): one
    kernel call."""
    colors = _colors(colors, canvas.shape[2])
    if not (len(masks) == len(corners) == len(colors)):
        raise ValueError("one corner and one colour per mask")
    sizes = [m.size for m in masks]
    K.blend_masks(canvas, np.concatenate([np.asarray(m, np.uint8).ravel() for m in masks]),
                  np.cumsum([0] + sizes[:-1]).astype(np.int64),
                  np.array([m.shape for m in masks], np.int64).reshape(-1, 2),
                  np.array(corners, np.int64).reshape(-1, 2), colors)


def blend_into(target, color, alpha):
    """Paint ``color`` (C channels) over every pixel of the view ``target`` with
    opacity ``alpha`` in 0..1 (in place)."""
    if alpha >= 1:
        fill(target, np.asarray(color, np.float64).astype(np.uint8))
        return
    color = np.asarray(color, np.float64)[: target.shape[-1]]
    mixed = target * (1 - alpha) + color * alpha
    target[...] = np.floor(mixed + 0.5).astype(np.uint8)


# --------------------------------------------------------------------------- lines

def dash_mask(length, style, width):
    """Boolean mask of the pixels drawn along a line of ``length`` pixels."""
    pattern = LINESTYLES[style]
    if pattern is None:
        return np.ones(length, bool)
    unit = max(1, width)
    segs = np.array(pattern) * unit
    period = int(segs.sum())
    pos = np.arange(length) % period
    edges = np.cumsum(segs)
    segment = np.searchsorted(edges, pos, side="right")
    return segment % 2 == 0


def line_span(center, width, limit):
    """Pixel range ``[a, b)`` of a line ``width`` px wide centred on ``center``
    (a pixel-edge coordinate), clipped to ``[0, limit)``."""
    a = math.floor(center - width / 2 + 0.5)
    return max(a, 0), min(a + width, limit)


def draw_lines(region, positions, *, vertical, width, color, alpha=1.0, style="-"):
    """Draw full-length lines across ``region`` (H, W, C) at pixel-edge
    coordinates ``positions`` (in place). Returns the drawn spans."""
    h, w = region.shape[:2]
    along, across = (h, w) if vertical else (w, h)
    # lines far off the region (positions up to +-1e308 are valid input) draw nothing
    positions = [c for c in positions if -width - 1 <= c <= across + width + 1]
    mask = dash_mask(along, style, width)
    full = bool(mask.all())
    if full and alpha >= 1:  # solid lines: boxes, filled in one kernel call
        spans = [s for s in (line_span(c, width, across) for c in positions) if s[1] > s[0]]
        boxes = np.array([(a, 0, b, h) if vertical else (0, a, w, b) for a, b in spans],
                         np.int64).reshape(-1, 4)
        fill_boxes(region, boxes, [color] * len(boxes))
        return spans
    spans = []
    for c in positions:
        a, b = line_span(c, width, across)
        if b <= a:
            continue
        spans.append((a, b))
        view = region[:, a:b] if vertical else region[a:b, :]
        if not full:
            view = view[mask] if vertical else view[:, mask]
            blend_into(view, color, alpha)
            if vertical:
                region[:, a:b][mask] = view
            else:
                region[a:b, :][:, mask] = view
        else:
            blend_into(view, color, alpha)
    return spans

