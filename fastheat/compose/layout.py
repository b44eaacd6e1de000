"""Compose stage: a rendered :class:`~fastheat.color.raster.Raster` -> a
:class:`~fastheat.compose.scene.Scene` of the raster with margins, colorbar,
ticks, labels, title, gridlines, cell borders and annotations, painted by
:mod:`fastheat.compose.draw` into the final image.

The raster is copied into the canvas colour by colour (its colour table
composited over the background once), never resampled: every raster pixel of
the result is the raster's own colour, except where a gridline, cell border or
annotation is drawn over it on purpose. Layout works in raster coordinates
(the raster's top-left corner is ``(0, 0)``); every element adds a box, and the
canvas is the union of the boxes plus a margin, so nothing is clipped. The
items are then moved to canvas coordinates.

:func:`compose` runs the steps in order: colours and sizes, the axes and
their ticks, the lines over the raster, the items around it (ticks, axis
labels, colorbar, title), the annotations, the canvas. A layout composed
before (:mod:`fastheat.compose.cache`) skips all of that: its margins are
copied and only the raster and the layers over it are painted.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..aggregation.geometry import ANNOT_SIDE, LABEL_SIDE
from ..color.colormaps import to_color
from ..encode import pil
from . import cache
from .annotate import annot_font, annotation_layer, annotation_strings, text_room
from .colorbar import colorbar_items
from .colours import canvas_colours
from .draw import check_canvas, draw_scene
from .scene import (Composition, Item, Lines, RasterImage, Rect, Scene, lines_at, rotated_lines_at,
                    rotated_texts_at, texts_at, union_box)
from .text import MAX_LABEL, ellipsize, line_height, load_font
from .ticks import Axis, plan_ticks

# Sizes in pixels at scale=1.
MARGIN = 8
TICK_LENGTH = 4
TICK_GAP = 3
LABEL_GAP = 6
TITLE_RATIO = 1.25


@dataclass(frozen=True)
class Style:
    """What every step draws with: the fonts, the ink (``fill``), the colour
    table over the background, and sizes in pixels at the render's scale."""

    font: object
    title_font: object
    fill: tuple
    opaque: bool
    table: np.ndarray
    tick_len: int
    tick_w: int
    gap: int  # tick to its label
    label_gap: int  # ticks to the axis label, the colorbar to its label
    text_gap: int  # between neighbouring tick labels


def compose(raster, decor, image=False) -> Composition:
    """Lay out ``decor`` around and over ``raster`` and paint it.

    Parameters
    ----------
    raster : fastheat.color.raster.Raster
    decor : fastheat.options.Decor
        An ``annot`` array must have the shape of ``raster.matrix_shape``
        (:func:`fastheat.compose.options.check_annot_shape`, which the driver
        runs before aggregating).
    image : bool
        Whether the caller wants a Pillow image: the canvas is then painted
        straight into the image's memory where Pillow exports it
        (:mod:`fastheat.encode.pil`; a cached layout only where its layers
        are solid lines, :func:`fastheat.compose.cache.compose_cached`).

    Returns
    -------
    Composition
        The canvas (or, with ``image``, possibly already its Pillow image),
        where the raster and each element went, the annotations' font size
        (None without annotations) and the :class:`Scene` painted.
    """
    h, w = raster.shape
    colours = canvas_colours(raster.palette.table, decor.background, decorated=decor.decorated)
    annotated = isinstance(decor.annot, np.ndarray) or decor.annot is True or \
        decor.annot == "auto"
    key = cache.layout_key(raster, decor, annotated)
    kept = cache.lookup(key)
    if kept is not None:  # the same layout as a render before: only the raster is new
        return cache.compose_cached(kept, raster, colours.table, image)
    style = _style(decor, colours)
    xaxis = Axis(raster.matrix_shape[1], w)
    yaxis = Axis(raster.matrix_shape[0], h, flip=raster.origin == "lower")
    xt, yt = _plan_axes(raster, decor, xaxis, yaxis, style)
    box = (0, 0, w, h)
    layers = _cell_borders(decor, xaxis, yaxis, style, box) + \
        _gridlines(decor, xt, yt, style, box) + \
        _lines(decor, _edges(raster, decor), xaxis, yaxis, style, box)
    items = [RasterImage("raster", box, raster, colours.table)]
    items += _tick_items(xt, yt, w, h, style)
    items += _axis_labels(items, raster, decor, style)
    if decor.colorbar:
        items += colorbar_items(raster, decor, style, union_box(items))
    if decor.title:
        top = union_box(items)[1]
        items += lines_at("title", style.title_font, _fit(style.title_font, decor.title, w,
                                                           decor), w / 2,
                          top - style.label_gap, "md", style.fill)
    annot_size = None
    if annotated:  # planned last, as it used to be drawn last: its errors come after the others
        cells, annot_size = annotation_layer(raster, decor, xaxis, yaxis, colours.table,
                                             style.font)
        if cells is not None:
            layers.append(cells)
    scene = _scene(items, layers, colours.background, decor)
    lined = {}
    W, H = scene.size
    check_canvas(W, H)
    made = image and pil.new_canvas("RGB" if len(scene.background) == 3 else "RGBA", W, H)
    canvas = draw_scene(scene, lined, made[1] if made else None)
    placed = [Item(it.kind, it.box, getattr(it, "text", None)) for it in items]
    cache.store(key, canvas, scene, placed, lined, made[1] if made else None)
    return Composition(made[0] if made else canvas, scene.raster_box, placed, annot_size, scene)


def raster_room(source, decor, reduce):
    """What the drawn tick labels and annotations ask of a raster whose size
    the user did not give (see :func:`fastheat.aggregation.geometry.output_shape`).

    Returns ``(room, cap, cells)``: ``(px per row, px per column)`` at scale 1
    (a line height and the labels' gap per labelled row or column, shown or
    rotated; every cell the box of its annotation at the full font size, at
    most twice as wide as tall, when all of them fit in ``ANNOT_SIDE``), the
    largest side they may grow to, and the matrix aggregated at its own size
    when the annotation values had to be read (else None; the driver reuses
    it).
    """
    font = load_font(decor.font, decor.font_size)
    per_label = line_height(font) + _text_gap(font)
    n_rows, n_cols = source.shape
    room = []
    for option, labels, n in ((decor.yticklabels, source.labels.rows, n_rows),
                              (decor.xticklabels, source.labels.cols, n_cols)):
        given = isinstance(option, list) or (labels is not None and len(labels) == n)
        step = option if isinstance(option, int) and not isinstance(option, bool) else 1
        room.append(per_label / step if given and option is not False else 0)
    annot, cells = decor.annot, None
    # text needs at least ~10 px a cell: beyond ANNOT_SIDE it cannot fit anyway
    if annot is False or max(n_rows, n_cols) * 10 > ANNOT_SIDE:
        return tuple(room), LABEL_SIDE, None
    if isinstance(annot, np.ndarray):
        values = annot.ravel()
    else:
        cells = source.aggregate(n_rows, n_cols, reduce)
        values = cells[~np.isnan(cells)]
    if values.size == 0:
        return tuple(room), LABEL_SIDE, cells
    labels, _ = annotation_strings(values, decor.fmt)
    text_h, text_w = text_room(annot_font(decor, font, scale=1.0), labels,
                               decor.annot_kws.bold)
    text_h = max(text_h, -(-text_w // 2))  # annotated cells at most twice as wide as tall
    if n_rows * text_h > ANNOT_SIDE or n_cols * text_w > ANNOT_SIDE:
        return tuple(room), LABEL_SIDE, cells  # cannot fit at full size: no point growing
    return (max(room[0], text_h), max(room[1], text_w)), ANNOT_SIDE, cells


def bare(raster) -> Composition:
    """The Composition of a raster with nothing around it: its Pillow image."""
    h, w = raster.shape
    return Composition(raster.image(), (0, 0, w, h), [Item("raster", (0, 0, w, h))])


def _style(decor, colours):
    """The :class:`Style` of ``decor`` at its scale."""
    s = decor.scale
    font = load_font(decor.font, decor.font_size * s)
    return Style(font=font, title_font=load_font(decor.font, decor.font_size * TITLE_RATIO * s),
                 fill=colours.ink, opaque=colours.opaque, table=colours.table,
                 tick_len=decor.px(TICK_LENGTH), tick_w=decor.px(1), gap=decor.px(TICK_GAP),
                 label_gap=decor.px(LABEL_GAP), text_gap=_text_gap(font))


def _text_gap(font):
    """The gap between neighbouring tick labels."""
    return max(2, font.size // 3)


def _plan_axes(raster, decor, xaxis, yaxis, style):
    """The x and y :class:`~fastheat.compose.ticks.Ticks`: shown by default
    when anything is drawn, planned (not shown) for gridlines alone; None
    when neither."""
    shown = decor.decorated
    plans = []
    xedges, yedges = _edges(raster, decor)
    for axis, option, labels, horizontal, name, edges, positions in (
            (xaxis, decor.xticklabels, raster.labels.cols, True, "xticklabels", xedges,
             decor.xticks),
            (yaxis, decor.yticklabels, raster.labels.rows, False, "yticklabels", yedges,
             decor.yticks)):
        if option is None:
            option = "auto" if shown else False
        ticks = None
        if option is not False or decor.grid or positions is not None:
            ticks = plan_ticks(axis, "auto" if option is False and positions is None else
                               option, labels, style.font, horizontal=horizontal,
                               gap=style.text_gap, name=name, edges=edges, positions=positions)
            ticks.shown = option is not False or positions is not None
        plans.append(ticks)
    return plans


def _edges(raster, decor):
    """The data values at the outer edges of the first and last column and
    row (``extent=``, else the source's coordinates; None: matrix indices)."""
    if decor.extent is None:
        return raster.labels.col_edges, raster.labels.row_edges
    x0, x1, y0, y1 = decor.extent  # row 0 at the top edge unless origin="lower"
    return (x0, x1), ((y0, y1) if raster.origin == "lower" else (y1, y0))


def _cell_borders(decor, xaxis, yaxis, style, box):
    """Lines between cells (``linewidths``), when cells are a few pixels or larger."""
    if not decor.linewidths > 0:
        return []
    lw = decor.px(decor.linewidths)
    w, h = box[2:]
    big = (xaxis.upsampled and yaxis.upsampled and
           min(np.diff(xaxis.starts, append=w).min(), np.diff(yaxis.starts, append=h).min())
           >= max(4, 3 * lw))
    if not big:
        return []
    col = decor.linecolor
    # opaque canvas: blend by the colour's alpha; RGBA canvas: write it as is
    cc, a = (col[:3], col[3] / 255) if style.opaque else (col, 1.0)
    return [Lines("cell-border", box, axis.boundaries(), vertical, lw,
                  tuple(int(c) for c in cc), float(a))
            for vertical, axis in ((True, xaxis), (False, yaxis))]


def _gridlines(decor, xt, yt, style, box):
    """Lines at the tick positions (``grid``)."""
    if not decor.grid:
        return []
    return [_line_layer("grid", decor.grid, t.centers, vertical, style, box, decor)
            for vertical, t in ((True, xt), (False, yt))]


def _lines(decor, edges, xaxis, yaxis, style, box):
    """``hlines``/``vlines`` over the raster, in the tick positions' coordinates."""
    out = []
    for vertical, axis, values, e in ((True, xaxis, decor.vlines, edges[0]),
                                      (False, yaxis, decor.hlines, edges[1])):
        if values:
            pos = axis.data_pixels(values, e) if e is not None else axis.pixels(values)
            out.append(_line_layer("lines", decor.line_kws, pos, vertical, style, box, decor))
    return out


def _line_layer(kind, g, positions, vertical, style, box, decor):
    """Lines of a :class:`~fastheat.compose.options.GridOptions` style ``g``."""
    gc = to_color(g.color, f"{kind} color")
    cc = gc[:3] if style.opaque else gc
    return Lines(kind, box, positions, vertical, decor.px(g.linewidth),
                 tuple(int(c) for c in cc), float(g.alpha * gc[3] / 255), g.linestyle)


def _tick_items(xt, yt, w, h, style):
    """Tick marks and labels left of and below the raster (a mark on the
    raster's far edge is drawn just inside it): each mark followed by its
    label, the labels of an axis made in one pass."""
    items = []
    fill, font, tw = style.fill, style.font, style.tick_w
    if yt is not None and yt.shown:
        starts = _tick_starts(yt.centers, h, tw)
        labels = texts_at("yticklabel", font, yt.texts, [-style.tick_len - style.gap] *
                          len(yt.texts), yt.centers.tolist(), "rm", fill)
        for a, label in zip(starts, labels):
            items.append(Rect("ytick", (-style.tick_len, a, 0, a + tw), fill))
            items.append(label)
    if xt is not None and xt.shown:
        y = h + style.tick_len + style.gap
        starts = _tick_starts(xt.centers, w, tw)
        ys = [y] * len(xt.texts)
        labels = rotated_texts_at("xticklabel", font, xt.texts, xt.centers.tolist(), ys, "top",
                                  fill) if xt.rotated else \
            texts_at("xticklabel", font, xt.texts, xt.centers.tolist(), ys, "mt", fill)
        for a, label in zip(starts, labels):
            items.append(Rect("xtick", (a, h, a + tw, h + style.tick_len), fill))
            items.append(label)
    return items


def _tick_starts(centers, side, width):
    """The first pixel of each tick mark ``width`` px wide centred on
    ``centers`` (one on the far edge ``side`` moved just inside it):
    :func:`~fastheat.compose.draw.line_span`'s start, for all of them."""
    c = np.minimum(np.asarray(centers, float), side - width / 2)
    return np.maximum(np.floor(c - width / 2 + 0.5), 0).astype(np.int64).tolist()


def _axis_labels(items, raster, decor, style):
    """The x label below and the y label left of ``items`` (by default a
    DataFrame's column and index names)."""
    if not decor.decorated:
        return []
    h, w = raster.shape
    xlabel = decor.xlabel if decor.xlabel is not None else raster.labels.col_name
    ylabel = decor.ylabel if decor.ylabel is not None else raster.labels.row_name
    new = []
    if xlabel:
        bottom = union_box(items)[3]
        new += lines_at("xlabel", style.font, _fit(style.font, str(xlabel), w, decor), w / 2,
                        bottom + style.label_gap,
                        "mt", style.fill)
    if ylabel:
        left = union_box(items + new)[0]
        new += rotated_lines_at("ylabel", style.font, _fit(style.font, str(ylabel), h, decor),
                                left - style.label_gap,
                                h / 2, "right", style.fill)
    return new


def _fit(font, text, side, decor):
    """``text`` ellipsized to the longer of ``side`` and :data:`MAX_LABEL`."""
    return ellipsize(font, text, max(side, decor.px(MAX_LABEL)))


def _scene(items, layers, background, decor):
    """The canvas around ``items`` (the raster first) with a margin, and the
    :class:`Scene` of everything moved onto it (in place): the raster, the
    ``layers`` over it, the rest."""
    x0, y0, x1, y1 = union_box(items)
    x0, y0, x1, y1 = math.floor(x0), math.floor(y0), math.ceil(x1), math.ceil(y1)
    margin = decor.px(MARGIN) if len(items) > 1 else 0
    dx, dy = margin - x0, margin - y0
    for it in items + layers:
        it.shift(dx, dy)
    return Scene((x1 - x0 + 2 * margin, y1 - y0 + 2 * margin), items[0].box, background,
                 items[:1] + layers + items[1:])
