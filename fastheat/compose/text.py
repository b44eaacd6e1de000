"""Text for the compose stage: fonts, text boxes and :class:`Stamp`, which
renders many short strings from cached glyph bitmaps.

Measuring is what layout does most (every tick label, every annotation
string), so boxes come from cached glyphs wherever that reproduces Pillow
exactly (:func:`composable`, :meth:`Stamp.anchored_box`) and from Pillow
otherwise. Drawing the text is :mod:`fastheat.compose.draw`'s.
"""
from __future__ import annotations

import functools
import math
import os

import numpy as np


def load_font(font=None, size=12):
    """A Pillow FreeType font: ``font`` is None (Pillow's built-in scalable
    Aileron), a path to a TrueType/OpenType file, or a ``FreeTypeFont``.

    >>> load_font(None, 14).size
    14
    """
    size = max(1, int(round(size)))
    if font is None or isinstance(font, (str, os.PathLike)):
        return _cached_font(None if font is None else os.fspath(font), size)
    if hasattr(font, "font_variant"):
        return font.font_variant(size=size)
    raise TypeError(f"font={font!r} must be None (the built-in font), the path of a TrueType/"
                    f"OpenType file, or a PIL.ImageFont.FreeTypeFont")


@functools.lru_cache(maxsize=64)
def _cached_font(path, size):
    from PIL import ImageFont

    if path is None:
        f = ImageFont.load_default(size=size)
        if not hasattr(f, "font_variant"):  # Pillow < 10.1 or no FreeType
            raise ValueError("the built-in scalable font needs Pillow >= 10.1 built with "
                             "FreeType; upgrade Pillow or pass font= the path of a .ttf file")
        return f
    if not os.path.isfile(path):
        raise ValueError(f"font={path!r} does not exist; pass the path of a TrueType/OpenType "
                         f"(.ttf/.otf) file, or font=None for the built-in font")
    try:
        return ImageFont.truetype(path, size)
    except OSError as e:
        raise ValueError(f"font={path!r} could not be read as a TrueType/OpenType font ({e}); "
                         f"pass a .ttf/.otf file, or font=None for the built-in font") from None


def text_box(font, text, anchor="ls"):
    """``font.getbbox(text, anchor=anchor)``, from cached glyphs when they
    reproduce it (see :func:`composable`): several times faster."""
    if composable(font):
        box = Stamp.of(font).anchored_box(text, anchor)
        if box is not None:
            return box
    return font.getbbox(text, anchor=anchor)


def text_width(font, text):
    x0, _, x1, _ = text_box(font, str(text))
    return x1 - x0


def text_height(font, text):
    _, y0, _, y1 = text_box(font, str(text))
    return y1 - y0


def line_height(font):
    ascent, descent = font.getmetrics()
    return ascent + descent


def resize_font(font, size):
    """``font`` at another size, through the cache when it came from one."""
    path = getattr(font, "path", None)
    if isinstance(path, str):
        return load_font(path, size)
    if font.getname() == load_font(None, font.size).getname():
        return load_font(None, size)
    return font.font_variant(size=size)


_GLYPHS: dict = {}
KERN_PAIRS = ("AV", "AT", "To", "Te", "Ty", "LT", "Yo", "Wa", "VA", "P.", "r,", "F.", "y.")


_COMPOSABLE: dict = {}
_STAMPS: dict = {}


def composable(font):
    """Whether :class:`Stamp` can reproduce Pillow's text for ``font``:
    Pillow's basic layout (no shaping) and no kerning between classic kerning
    pairs. (Each string is checked once more against Pillow's advance.)"""
    from PIL import ImageFont

    key = _font_key(font)
    if key not in _COMPOSABLE:
        if len(_COMPOSABLE) > 64:
            _COMPOSABLE.clear()
        _COMPOSABLE[key] = font.layout_engine == ImageFont.Layout.BASIC and not any(
            font.getlength(p) != font.getlength(p[0]) + font.getlength(p[1]) for p in KERN_PAIRS)
    return _COMPOSABLE[key]


def _font_key(font):
    """Equal for fonts that render alike: a font's file, face, size and layout
    engine (user fonts are new objects at every :func:`load_font`)."""
    path = getattr(font, "path", None)
    return (path if isinstance(path, str) else "<builtin>",) + tuple(font.getname()) + \
        (font.size, getattr(font, "index", 0), getattr(font, "layout_engine", None))


class Stamp:
    """Renders many short strings fast by composing cached glyph bitmaps.

    Pillow's basic layout places glyphs at rounded pen positions, so for a
    font without kerning composed strings match ``ImageDraw.text`` (tested:
    the same ink box, and the same pixels but where two glyphs' edges touch),
    at a fraction of the per-call cost (FreeType renders each glyph once).
    Glyphs are cached per font and size across calls; so are the layouts,
    boxes and masks of up to ``limit`` strings (tick labels recur from render
    to render) in the stamp :meth:`of` a font.
    """

    def __init__(self, font, limit=None):
        self.font, self.limit = font, limit
        if len(_GLYPHS) > 64:
            _GLYPHS.clear()
        self._glyphs = _GLYPHS.setdefault(_font_key(font), {})
        self._layouts, self._boxes, self._masks = {}, {}, {}

    @classmethod
    def of(cls, font):
        """The stamp shared by all renders in fonts like ``font``."""
        key = _font_key(font)
        stamp = _STAMPS.get(key)
        if stamp is None:
            if len(_STAMPS) > 64:
                _STAMPS.clear()
            stamp = _STAMPS[key] = cls(font, limit=4096)
        return stamp

    def anchored_box(self, text, anchor):
        """``font.getbbox(text, anchor=anchor)`` from the cached glyphs, or None
        where that would not be Pillow's: a fractional or kerned advance, or
        text that is not one printable line."""
        key = (text, anchor)
        box = self._boxes.get(key, False)
        if box is False:
            box = self._boxes[key] = self._anchored_box(text, anchor)
        return box

    def _anchored_box(self, text, anchor):
        if not text.isprintable():  # a newline: Pillow lays out several lines
            return None
        placed, (x0, y0, x1, y1) = self.layout(text)
        length = sum(self.glyph(ch)[3] for ch in text)
        if length != int(length) or (len(text) > 1 and length != self.font.getlength(text)):
            return None  # Pillow rounds differently, or kerns this string
        if not text:
            return (0, 0, 0, 0)
        asc, desc = self.font.getmetrics()
        hx = {"l": 0, "m": -math.floor(length / 2 + 0.5), "r": -int(length)}[anchor[0]]
        vy = {"s": 0, "a": asc, "d": -desc, "m": math.floor((asc - desc) / 2 + 0.5),
              "t": -y0, "b": -y1}[anchor[1]]
        return (x0 + hx, y0 + vy, x1 + hx, y1 + vy)

    def mask(self, text):
        """``text``'s coverage, cropped to its ink: a ``(h, w)`` uint8 array
        (cached: do not write to it)."""
        out = self._masks.get(text)
        if out is None:
            placed, (x0, y0, x1, y1) = self.layout(text)
            out = np.zeros((y1 - y0, x1 - x0), np.uint8)
            for glyph, x, y in placed:
                h, w = glyph.shape
                view = out[y - y0: y - y0 + h, x - x0: x - x0 + w]
                np.maximum(view, glyph, out=view)
            out.flags.writeable = False
            self._masks[text] = out
        return out

    def glyph(self, ch):
        g = self._glyphs.get(ch)
        if g is None:
            from PIL import Image, ImageDraw

            l, t, r, b = self.font.getbbox(ch, anchor="ls")
            if r > l and b > t:
                im = Image.new("L", (r - l, b - t), 0)
                ImageDraw.Draw(im).text((-l, -t), ch, font=self.font, fill=255, anchor="ls")
                mask = np.asarray(im)
            else:
                mask = np.zeros((0, 0), np.uint8)
            g = self._glyphs[ch] = (mask, l, t, self.font.getlength(ch), r, b)
        return g

    def layout(self, text):
        """Glyph placements ``[(mask, x, y)]`` relative to the pen origin on the
        baseline, and the ink box ``(x0, y0, x1, y1)``."""
        done = self._layouts.get(text)
        if done is None:
            if self.limit and len(self._layouts) >= self.limit:  # shared: stay small
                self._layouts.clear()
                self._boxes.clear()
                self._masks.clear()
            done = self._layouts[text] = self._layout(text)
        return done

    def _layout(self, text):
        """As Pillow: the box is the union of the glyphs' boxes (a space's is
        empty but spans its advance), ``(0, 0, 0, 0)`` for no text."""
        pen, placed = 0.0, []
        x0 = y0 = math.inf
        x1 = y1 = -math.inf
        for ch in text:
            mask, l, t, adv, r, b = self.glyph(ch)
            at = math.floor(pen + 0.5)
            if mask.size:
                placed.append((mask, at + l, t))
            x0, y0, x1, y1 = min(x0, at + l), min(y0, t), max(x1, at + r), max(y1, b)
            pen += adv
        if not text:
            return placed, (0, 0, 0, 0)
        return placed, (x0, y0, x1, y1)

    def ink_x(self, text):
        """Left and right of ``text``'s ink (not of its advance, as in Pillow's
        boxes: spaces at the ends do not count)."""
        placed = self.layout(text)[0]
        if not placed:
            return 0, 0
        return (min(x for _, x, _ in placed),
                max(x + mask.shape[1] for mask, x, _ in placed))

    def widths(self, texts):
        """Ink widths of ``texts``."""
        out = np.empty(len(texts), np.int64)
        for i, s in enumerate(texts):
            x0, x1 = self.ink_x(s)
            out[i] = x1 - x0
        return out

    def tiles(self, texts, width, top, bottom):
        """``(len(texts), bottom - top, width)`` uint8 coverage: each string
        centred horizontally, its baseline at row ``-top`` (``top`` < 0)."""
        out = np.zeros((len(texts), bottom - top, width), np.uint8)
        for i, s in enumerate(texts):
            placed = self.layout(s)[0]
            x0, x1 = self.ink_x(s)
            dx = (width - (x1 - x0)) // 2 - x0
            tile = out[i]
            for mask, x, y in placed:
                ys, xs = y - top, x + dx
                h, w = mask.shape
                ys0, xs0 = max(ys, 0), max(xs, 0)
                ys1, xs1 = min(ys + h, tile.shape[0]), min(xs + w, tile.shape[1])
                if ys1 > ys0 and xs1 > xs0:
                    np.maximum(tile[ys0:ys1, xs0:xs1], mask[ys0 - ys: ys1 - ys, xs0 - xs: xs1 - xs],
                               out=tile[ys0:ys1, xs0:xs1])
        return out

