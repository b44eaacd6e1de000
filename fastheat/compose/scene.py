"""The scene: everything a composed heatmap shows, as plain data that any
back-end can paint (:mod:`fastheat.compose.draw` paints it on a numpy canvas).

:func:`fastheat.compose.layout.compose` builds a :class:`Scene`: the canvas
size, its background, where the raster went, and a list of items in
painting order. Items are plain records (slotted dataclasses: cheap to make
by the thousand); none holds a drawing function, so a vector back-end (SVG,
PDF) can replay every one of them.

Conventions
-----------
Coordinates are canvas pixels, x to the right and y down from the canvas's
top-left corner. A box is ``(x0, y0, x1, y1)``, ``x1`` and ``y1`` exclusive.
A colour is a tuple of uint8 channels, as many as the canvas has (3: RGB on
an opaque background, 4: RGBA). Text is in ``font``, a Pillow
``FreeTypeFont``: ``font.path`` (a file, or Pillow's built-in font when it
is not a str) at ``font.size`` pixels; anchors are Pillow's two-letter text
anchors (``"lm"``: left, middle).

Item types
----------
``RasterImage(kind, box, raster, table)``
    The heatmap: the pixel at ``(x0 + i, y0 + j)`` is ``table[raster.codes[j,
    i]]``; :meth:`RasterImage.pixels` gives them as an array.
``Image(kind, box, pixels)``
    An ``(h, w, channels)`` uint8 array to copy into ``box``: the colorbar's
    colour strip.
``Lines(kind, box, positions, vertical, width, color, alpha, style)``
    Lines across the whole ``box`` (gridlines, cell borders): each ``width``
    px wide, centred on a position (a pixel-edge coordinate from the box's
    left edge for vertical lines, from its top for horizontal ones; pixels
    ``[floor(p - width / 2 + 0.5), ... + width)``), dashed by
    ``LINESTYLES[style]`` and painted with opacity ``alpha``.
``CellText(kind, box, font, labels, which, x, y, shade, colors, tiles, baseline)``
    Cell annotations: cell ``k`` shows ``labels[which[k]]`` in
    ``colors[shade[k]]`` (RGB), its ink centred in a tile of
    ``tiles.shape[2]`` x ``tiles.shape[1]`` px whose top-left corner is ``(x[k],
    y[k])`` from the box's corner, on a baseline ``baseline`` px below the
    tile's top. ``tiles[i]`` is label ``i``'s coverage (uint8), for raster
    back-ends.
``Rect(kind, box, color)``
    A filled rectangle: tick marks, the colorbar's bad-colour swatch.
``Frame(kind, box, color, width)``
    The ring ``width`` px wide just inside ``box``: the colorbar's outline.
``Text(kind, box, text, font, xy, anchor, color, rotated)``
    ``text`` drawn as Pillow's ``ImageDraw.text(xy, text, font=font,
    anchor=anchor)``; ``box`` is Pillow's box of it. ``rotated``: turned 90
    degrees counter-clockwise about ``xy`` (it reads bottom to top; the anchor
    is then ``"ls"``, ``xy`` the start of its baseline) and ``box`` is its line
    box (ascent + descent wide), so rotated labels in a row line up.
``Polygon(kind, box, points, fill, outline, width)``
    A filled polygon with an outline ``width`` px wide, as Pillow's
    ``ImageDraw.polygon`` (points are pixel centres): the colorbar's extend
    triangles.

Every item has ``kind`` (``"raster"``, ``"grid"``, ``"xticklabel"``,
``"colorbar-over"``...) and ``box``; text items have ``text``. Items are
listed in painting order: the raster, the layers over it (``LAYERS``: cell
borders, gridlines, annotations), then what sits around it. Only the layers
overlap in a way that depends on the order, so a back-end may batch the rest
by type, as the raster back-end does. (Multi-line text is the exception:
Pillow's box of it covers one line, so its ink can leave its box.)
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from .text import one_line, text_box

#: Dash patterns of ``Lines.style``: on and off lengths in line widths (None: solid).
LINESTYLES = {"-": None, "solid": None, "--": (4, 3), "dashed": (4, 3), ":": (1, 2),
              "dotted": (1, 2), "-.": (6, 3, 1, 3), "dashdot": (6, 3, 1, 3)}


# --------------------------------------------------------------------------- item types

class _Item:
    """What every item has: ``kind`` and ``box`` (and text items ``text``)."""

    __slots__ = ()

    def shift(self, dx, dy):
        """Move the item by ``(dx, dy)`` pixels, in place (positions inside
        the box of lines and cell text are relative to it, and move with it)."""
        x0, y0, x1, y1 = self.box
        self.box = (x0 + dx, y0 + dy, x1 + dx, y1 + dy)


@dataclass(slots=True)
class RasterImage(_Item):
    kind: str
    box: tuple
    raster: object  # a fastheat.color.raster.Raster
    table: np.ndarray  # (n, channels) uint8 colour of each code

    def pixels(self):
        """The ``(h, w, channels)`` uint8 pixels (a new array)."""
        return np.take(self.table, self.raster.codes, axis=0)


@dataclass(slots=True)
class Image(_Item):
    kind: str
    box: tuple
    pixels: np.ndarray


@dataclass(slots=True)
class Lines(_Item):
    kind: str
    box: tuple
    positions: np.ndarray
    vertical: bool
    width: int
    color: tuple
    alpha: float = 1.0
    style: str = "-"


@dataclass(slots=True)
class CellText(_Item):
    kind: str
    box: tuple
    font: object
    labels: list
    which: np.ndarray  # per cell: index into labels
    x: np.ndarray  # per cell: tile corner from the box's left edge
    y: np.ndarray
    shade: np.ndarray  # per cell: index into colors (0 light, 1 dark)
    colors: tuple  # (light RGB, dark RGB)
    tiles: np.ndarray  # (len(labels), h, w) uint8 coverage
    baseline: int


@dataclass(slots=True)
class Rect(_Item):
    kind: str
    box: tuple
    color: tuple


@dataclass(slots=True)
class Frame(_Item):
    kind: str
    box: tuple
    color: tuple
    width: int

    def sides(self):
        """The four filled boxes of the ring: top, bottom, left, right."""
        x0, y0, x1, y1 = self.box
        w = self.width
        return [(x0, y0, x1, y0 + w), (x0, y1 - w, x1, y1), (x0, y0 + w, x0 + w, y1 - w),
                (x1 - w, y0 + w, x1, y1 - w)]


@dataclass(slots=True)
class Text(_Item):
    kind: str
    box: tuple
    text: str
    font: object
    xy: tuple
    anchor: str
    color: tuple
    rotated: bool = False

    def shift(self, dx, dy):
        _Item.shift(self, dx, dy)
        self.xy = (self.xy[0] + dx, self.xy[1] + dy)


@dataclass(slots=True)
class Polygon(_Item):
    kind: str
    box: tuple
    points: tuple
    fill: tuple
    outline: tuple
    width: int

    def shift(self, dx, dy):
        _Item.shift(self, dx, dy)
        self.points = tuple((x + dx, y + dy) for x, y in self.points)


#: Items painted over the raster, inside its box.
LAYERS = (Lines, CellText)


def text_at(kind, font, s, x, y, anchor, color):
    """A :class:`Text` anchored at ``(x, y)``, rounded to whole pixels
    (fractional positions would render the glyphs blurred).

    Parameters
    ----------
    kind : str
    font : PIL.ImageFont.FreeTypeFont
    s : str
    x, y : float
        Where the anchor goes.
    anchor : str
        A Pillow text anchor, e.g. ``"mt"`` (middle, top).
    color : tuple of int

    Returns
    -------
    Text
        With Pillow's box of the text (from cached glyphs where they reproduce it).

    Examples
    --------
    >>> from fastheat.compose.text import load_font
    >>> font = load_font(None, 12)
    >>> t = text_at("title", font, "T", 10.5, 3.2, "mt", (0, 0, 0))
    >>> t.xy
    (11, 3)
    >>> t.box == tuple(a + b for a, b in zip((11, 3, 11, 3), font.getbbox("T", anchor="mt")))
    True
    """
    x, y = math.floor(x + 0.5), math.floor(y + 0.5)
    s = one_line(s)
    b = text_box(font, s, anchor)
    return Text(kind, (x + b[0], y + b[1], x + b[2], y + b[3]), s, font, (x, y), anchor, color)


def texts_at(kind, font, strings, xs, ys, anchor, color):
    """``[text_at(kind, font, s, x, y, anchor, color) for s, x, y in zip(strings,
    xs, ys)]``: the same items, made in one pass (a row of tick labels)."""
    out = []
    for s, x, y in zip(strings, xs, ys):
        x, y = math.floor(x + 0.5), math.floor(y + 0.5)
        b = text_box(font, s, anchor)
        out.append(Text(kind, (x + b[0], y + b[1], x + b[2], y + b[3]), one_line(s), font,
                        (x, y), anchor, color))
    return out


def _lines(s):
    return s.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def line_pitch(font):
    """Baseline to baseline of stacked lines: the line box and Pillow's
    default ``spacing`` of 4 px."""
    asc, desc = font.getmetrics()
    return asc + desc + 4


def lines_at(kind, font, s, x, y, anchor, color):
    """:func:`text_at` for text of one or more lines (``"\\n"``), each a
    :class:`Text` of its own, stacked ``line_pitch`` apart and aligned by
    ``anchor``'s first letter; its second places the block (``"t"``/``"a"``:
    its top at ``y``, ``"b"``/``"d"``/``"s"``: its bottom, ``"m"``: its
    middle). One line: ``[text_at(...)]``, unchanged."""
    lines = _lines(s)
    if len(lines) == 1:
        return [text_at(kind, font, s, x, y, anchor, color)]
    pitch, (asc, desc) = line_pitch(font), font.getmetrics()
    height = pitch * (len(lines) - 1) + asc + desc
    v = anchor[1]
    top = y if v in "ta" else y - height if v in "bds" else y - height / 2
    return [text_at(kind, font, line, x, top + i * pitch, anchor[0] + "a", color)
            for i, line in enumerate(lines)]


def rotated_text_at(kind, font, s, x, y, align, color):
    """A :class:`Text` turned 90 degrees (reads bottom to top).

    Parameters
    ----------
    kind, font, s, color
        As for :func:`text_at`.
    x, y : float
        Where ``align`` puts the turned line box (rounded to whole pixels).
    align : {"top", "center", "right", "left"}
        Which point of the box goes to ``(x, y)``: its top-centre (the text's
        end), its centre, its right-middle or its left-middle.

    Returns
    -------
    Text
        ``rotated=True``, anchor ``"ls"``, ``xy`` the start of the baseline,
        ``box`` the turned line box.
    """
    s = one_line(s)
    l, _, r, _ = text_box(font, s, "ls")
    asc, desc = font.getmetrics()
    w, h = r - l, asc + desc  # line box: labels in a row share a baseline
    if align == "top":
        x0, y0 = x - h / 2, y
    elif align == "center":
        x0, y0 = x - h / 2, y - w / 2
    elif align == "right":
        x0, y0 = x - h, y - w / 2
    else:
        x0, y0 = x, y - w / 2
    x0, y0 = int(round(x0)), int(round(y0))
    # the unrotated line box has its baseline start at (-l, asc); turned
    # counter-clockwise, that point lands at (asc, w + l) of the box
    return Text(kind, (x0, y0, x0 + h, y0 + w), s, font, (x0 + asc, y0 + w + l), "ls", color,
                rotated=True)


def rotated_texts_at(kind, font, strings, xs, ys, align, color):
    """``[rotated_text_at(kind, font, s, x, y, align, color) for s, x, y in
    zip(strings, xs, ys)]``: the same items, made in one pass."""
    asc, desc = font.getmetrics()
    h = asc + desc
    out = []
    for s, x, y in zip(strings, xs, ys):
        l, _, r, _ = text_box(font, s, "ls")
        w = r - l
        if align == "top":
            x0, y0 = x - h / 2, y
        elif align == "center":
            x0, y0 = x - h / 2, y - w / 2
        elif align == "right":
            x0, y0 = x - h, y - w / 2
        else:
            x0, y0 = x, y - w / 2
        x0, y0 = int(round(x0)), int(round(y0))
        out.append(Text(kind, (x0, y0, x0 + h, y0 + w), one_line(s), font,
                        (x0 + asc, y0 + w + l), "ls", color, rotated=True))
    return out


def rotated_lines_at(kind, font, s, x, y, align, color):
    """:func:`rotated_text_at` for text of one or more lines: turned lines side
    by side (the first leftmost, as turned text reads), ``line_pitch`` apart,
    the block placed by ``align``. One line: ``[rotated_text_at(...)]``."""
    lines = _lines(s)
    if len(lines) == 1:
        return [rotated_text_at(kind, font, s, x, y, align, color)]
    pitch, (asc, desc) = line_pitch(font), font.getmetrics()
    h = asc + desc
    width = pitch * (len(lines) - 1) + h
    left = x - width / 2 if align in ("top", "center") else x - width if align == "right" else x
    each = "top" if align == "top" else "center"
    return [rotated_text_at(kind, font, line, left + i * pitch + h / 2, y, each, color)
            for i, line in enumerate(lines)]


def frame_around(kind, inner, width, color):
    """A :class:`Frame` ``width`` px wide around (outside) the box ``inner``.

    >>> frame_around("colorbar-frame", (10, 10, 20, 50), 1, (0, 0, 0)).box
    (9, 9, 21, 51)
    """
    x0, y0, x1, y1 = inner
    return Frame(kind, (x0 - width, y0 - width, x1 + width, y1 + width), color, width)


def union_box(items):
    """The smallest box holding the boxes of ``items``.

    >>> union_box([Rect("a", (0, 0, 4, 4), (0,)), Rect("b", (-2, 1, 3, 9), (0,))])
    (-2, 0, 4, 9)
    """
    x0, y0, x1, y1 = zip(*[it.box for it in items])
    return min(x0), min(y0), max(x1), max(y1)


# --------------------------------------------------------------------------- scene and result

@dataclass(slots=True)
class Scene:
    """A composed heatmap: a ``size = (width, height)`` canvas filled with
    ``background``, the raster at ``raster_box``, and ``items`` in painting
    order (the first is the :class:`RasterImage`)."""

    size: tuple
    raster_box: tuple
    background: tuple
    items: list

    def boxes(self, kind):
        return [it.box for it in self.items if it.kind == kind]


@dataclass(slots=True)
class Item(_Item):
    """Where one element went: its kind, its box (canvas coordinates) and,
    for text, the text."""

    kind: str
    box: tuple
    text: str | None = None


@dataclass
class Composition:
    """The composed image and where everything went (canvas coordinates).

    ``pixels`` is the ``(H, W, 3 or 4)`` uint8 canvas, or already a Pillow
    image (a bare raster's; a composition painted into the image's own memory
    for :func:`fastheat.heatmap`, :func:`fastheat.compose.layout.compose`
    with ``image=True``); ``image`` the Pillow image of it. ``items`` are
    :class:`Item` records of the raster and what was laid out around it (the
    layers over the raster, gridlines, borders and annotations, are in
    ``scene`` only); ``scene`` is what was painted (None for a bare raster).
    Compositions in one layout share their scene items but the first (the
    decoration layer cache, :mod:`fastheat.compose.cache`): read them, do not
    change them."""

    pixels: object
    raster_box: tuple
    items: list
    annot_font_size: int | None = None
    scene: Scene | None = field(default=None, repr=False)

    @functools.cached_property
    def image(self):
        return self.as_image(self.pixels)

    @staticmethod
    def as_image(pixels):
        """A Pillow image of a canvas array (a Pillow image stays as it is)."""
        from PIL import Image

        return Image.fromarray(pixels) if isinstance(pixels, np.ndarray) else pixels

    def boxes(self, kind):
        return [it.box for it in self.items if it.kind == kind]
