"""Drawing primitives for the compose stage: fonts, text stamping, tick
placement at nice numbers, colorbar strips, gridlines, cell borders and cell
annotations.

Everything here works on uint8 arrays or Pillow images at output resolution.
Nothing resamples the raster: lines and text are written over it pixel by
pixel, and the colorbar strip is a fresh lookup of the same colour table.
:mod:`fastheat.layout` decides where things go; this module draws them.
"""
from __future__ import annotations

import functools
import math
import os
import re
import warnings

import numpy as np

from . import _kernels as K

#: seaborn's annotation colours: ``".15"`` grey on light cells, white on dark ones,
#: switching at a relative luminance of 0.408.
DARK_TEXT = (38, 38, 38)
LIGHT_TEXT = (255, 255, 255)
LUMINANCE_SWITCH = 0.408

LINESTYLES = {"-": None, "solid": None, "--": (4, 3), "dashed": (4, 3), ":": (1, 2),
              "dotted": (1, 2), "-.": (6, 3, 1, 3), "dashdot": (6, 3, 1, 3)}


class AnnotationWarning(UserWarning):
    """Some annotated cells are too small for their text and were left blank."""


# --------------------------------------------------------------------------- fonts

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


# --------------------------------------------------------------------------- colours

def relative_luminance(rgb):
    """WCAG relative luminance of uint8 sRGB colours ``(..., 3+)``, as seaborn
    uses to pick annotation colours.

    >>> float(relative_luminance(np.array([255, 255, 255])))
    1.0
    """
    c = np.asarray(rgb)[..., :3] / 255.0
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ np.array([0.2126, 0.7152, 0.0722])


def flatten_table(table, background):
    """Colours of ``table`` (``(n, 4)`` uint8) composited over ``background``
    (RGBA uint8): RGB when the background is opaque, else the table itself."""
    if background[3] < 255:
        return table
    a = table[:, 3:4].astype(np.uint32)
    rgb = (table[:, :3] * a + background[:3].astype(np.uint32) * (255 - a) + 127) // 255
    return rgb.astype(np.uint8)


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


def fill_boxes(canvas, boxes, colors):
    """Fill ``boxes`` (``(n, 4)`` int x0, y0, x1, y1; clipped) of ``canvas``
    (``(H, W, C)`` uint8) with ``colors`` in order: one kernel call."""
    colors = _colors(colors, canvas.shape[2])
    boxes = np.asarray(boxes, np.int64).reshape(-1, 4)
    if len(boxes) != len(colors):
        raise ValueError(f"{len(boxes)} boxes but {len(colors)} colours")
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


# --------------------------------------------------------------------------- ticks

def nice_step(raw):
    """Smallest of 1, 2, 2.5, 5 x 10^k that is >= ``raw``."""
    if not raw > 0 or not math.isfinite(raw):
        return 1.0
    mag = 10.0 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= raw * (1 - 1e-9):
            return m * mag
    return 10 * mag


def nice_ticks(lo, hi, n):
    """About ``n`` (at most) round values in ``[lo, hi]`` and their step.

    >>> nice_ticks(0.0, 1.0, 5)
    ([0.0, 0.2, 0.4, 0.6, 0.8, 1.0], 0.2)
    """
    span = hi - lo
    if not span > 0:
        return [float(lo)], 0.0
    step = nice_step(span / max(n, 1))
    k0, k1 = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    digits = max(0, -math.floor(math.log10(step)) + 2)
    return [round(k * step, digits) + 0.0 for k in range(k0, k1 + 1)], step


def _pretty_sci(v, digits):
    s = f"{v:.{digits}e}"
    mant, exp = s.split("e")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return f"{mant}e{int(exp)}"


def format_ticks(values, step=None):
    """Short labels for tick values: fixed decimals from the step, scientific
    notation for very large or very small magnitudes.

    >>> format_ticks([0.0, 0.25, 0.5], 0.25)
    ['0.00', '0.25', '0.50']
    >>> format_ticks([1e-5, 1e5, 1e6])
    ['1e-5', '100000', '1e6']
    """
    vals = [float(v) for v in values]
    if not vals:
        return []
    big = max(abs(v) for v in vals)
    if step:
        decimals = max(0, -math.floor(math.log10(step) + 1e-9))
        if abs(step / 10 ** -decimals - round(step / 10 ** -decimals)) > 1e-6:
            decimals += 1  # 2.5 x 10^k steps
        if big >= 1e6 or (big < 1e-3 and big > 0):
            sig = max(1, math.floor(math.log10(big)) - math.floor(math.log10(step)) + 1) if big else 1
            return [_pretty_sci(v, sig - 1) if v else "0" for v in vals]
        return [f"{v:.{decimals}f}" if decimals else f"{round(v):d}" for v in vals]
    out = []
    for v in vals:
        if v == 0:
            out.append("0")
        elif abs(v) >= 1e6 or abs(v) < 1e-3:
            out.append(_pretty_sci(v, 2))
        else:
            out.append(f"{v:.3g}" if abs(v) < 1e5 else f"{v:.0f}")
    return out


def _round_sig(v, sig=2):
    if v == 0 or not math.isfinite(v):
        return v
    return round(v, sig - 1 - math.floor(math.log10(abs(v))))


def colorbar_candidates(norm, n):
    """Tick values for a colorbar of ``norm`` (about ``n`` of them) and a step
    to format them with (None: format each value on its own)."""
    lo, hi = float(norm.vmin), float(norm.vmax)
    kind = norm.kind
    if kind == "log" and hi > 0:
        lo = max(lo, np.finfo(float).tiny)
        e0, e1 = math.ceil(math.log10(lo) - 1e-9), math.floor(math.log10(hi) + 1e-9)
        decades = list(range(e0, e1 + 1))
        if len(decades) >= 2:
            every = max(1, math.ceil(len(decades) / max(n, 1)))
            return [10.0 ** e for e in decades[::every]], None
        vals = [m * 10.0 ** e for e in range(e0 - 1, e1 + 2) for m in (1, 2, 5)]
        vals = [v for v in vals if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)]
        if len(vals) >= 2:
            return vals, None
        return nice_ticks(lo, hi, n)
    if kind == "symlog":
        lt = norm.linthresh
        big = max(abs(lo), abs(hi))
        if big <= lt:
            return nice_ticks(lo, hi, n)
        e0, e1 = math.floor(math.log10(lt) + 1e-9), math.floor(math.log10(big) + 1e-9)
        mags = [10.0 ** e for e in range(e0, e1 + 1)]
        every = max(1, math.ceil(2 * len(mags) / max(n, 1)))
        mags = mags[::-1][::every][::-1]
        vals = sorted({0.0, *mags, *(-m for m in mags)})
        return [v for v in vals if lo - 1e-12 <= v <= hi + 1e-12], None
    if kind == "eq_hist" and hi > lo:
        # Evenly spaced along the bar, labelled with the (rounded) value each
        # position stands for, then placed where that rounded value really is.
        ts = np.linspace(0, 1, max(n, 2))
        vals = sorted({_round_sig(float(v), 2) for v in norm.inverse(ts)})
        return [v for v in vals if lo <= v <= hi] or [lo, hi], None
    return nice_ticks(lo, hi, n)


def thin_positions(positions, extents, gap):
    """Indices of ticks to keep (greedy from the low end) so that labels of
    ``extents`` centred on ``positions`` keep ``gap`` between them."""
    keep, last_end = [], -math.inf
    for i in np.argsort(positions, kind="stable"):
        start = positions[i] - extents[i] / 2
        if start >= last_end + gap:
            keep.append(int(i))
            last_end = positions[i] + extents[i] / 2
    return sorted(keep, key=lambda i: positions[i])


def format_with(fmt, values):
    """Format ``values`` with a format spec (``".2f"``), a ``"{...}"`` template
    or a callable."""
    if callable(fmt):
        return [str(fmt(v)) for v in values]
    if "{" in fmt:
        return [fmt.format(v) for v in values]
    return [format(v, fmt) for v in values]


# --------------------------------------------------------------------------- annotations

_INT_TYPES = set("bcdoxXn")


def annotation_strings(values, fmt, name="fmt"):
    """Format the 1-D ``values`` with ``fmt``. Returns ``(labels, index)``: the
    distinct strings and, per value, which one it is. Integer format types
    (``"d"``) take whole-number floats. Raises a ValueError naming ``fmt`` and
    the first value it cannot format.

    >>> annotation_strings(np.array([0.5, 1.0, 0.5]), ".1f")
    (['0.5', '1.0'], array([0, 1, 0]))
    """
    vals = np.asarray(values)
    kind = fmt[-1:] if fmt else ""
    if vals.dtype.kind == "f" and kind in _INT_TYPES:
        whole = np.isfinite(vals) & (vals == np.round(vals))
        if not whole.all():
            bad = vals[~whole][0]
            raise ValueError(f"{name}={fmt!r} formats whole numbers, and the annotation value "
                             f"{float(bad)!r} is not a whole number (annotations show the "
                             f"aggregated grid); use a float format such as '.2f' or '.3g'")
        if vals.size and np.abs(vals).max() < 2.0 ** 62:
            vals = vals.astype(np.int64)
        else:  # beyond int64: Python integers
            vals = np.array([int(v) for v in vals.tolist()] + [None], object)[:-1]
    if vals.dtype.kind in "OUS":
        uniq, inverse = _unique_objects(vals)
    else:
        vals = np.ascontiguousarray(_pre_round(vals, fmt))
        if vals.dtype.kind == "f":  # by bit pattern: -0.0 and 0.0 print differently
            bits, inverse = np.unique(vals.view(f"i{vals.itemsize}"), return_inverse=True)
            uniq = bits.view(vals.dtype)
        else:
            uniq, inverse = np.unique(vals, return_inverse=True)
    items = uniq.tolist()
    try:
        if vals.dtype.kind in "US":
            texts = [str(v) for v in items]
        else:
            formatter = ("{:" + fmt + "}").format
            texts = [v if isinstance(v, str) else formatter(v) for v in items]
    except (ValueError, TypeError) as e:
        bad = next((v for v in items if not _formats(fmt, v)), items[0])
        bad = bad.item() if hasattr(bad, "item") else bad
        raise ValueError(f"{name}={fmt!r} cannot format the annotation value {bad!r} ({e}); "
                         f"use a format spec such as '.2g', '.2f', 'd' (whole numbers) or '.1%'"
                         ) from None
    lookup = {}
    code = np.fromiter((lookup.setdefault(t, len(lookup)) for t in texts), np.intp, len(texts))
    return list(lookup), code[np.asarray(inverse).ravel()]


_FIXED = re.compile(r"^(?:.?[<>=^])?[+\- ]?z?#?0?\d*[,_]?\.(\d+)([fF%])$")


def _pre_round(vals, fmt):
    """For fixed-point formats (``".2f"``, ``".1%"``), replace each value by the
    double nearest the decimal it rounds to, so that a million values that
    print as 201 strings are formatted 201 times. Exact: values within 1e-6 of
    a rounding tie (relative to the last digit) keep their own value, and
    huge magnitudes are left alone."""
    m = _FIXED.match(fmt)
    if m is None or vals.dtype.kind != "f" or vals.size < 64:
        return vals
    digits = int(m.group(1)) + (2 if m.group(2) == "%" else 0)
    if digits > 12:
        return vals
    scale = 10.0 ** digits
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = vals * scale
        frac = np.abs(scaled - np.floor(scaled) - 0.5)
        safe = np.isfinite(scaled) & (np.abs(scaled) < 2.0 ** 50) & (frac > 1e-6)
        rounded = np.round(scaled) / scale
    return np.where(safe, rounded, vals)


def _formats(fmt, v):
    try:
        ("{:" + fmt + "}").format(v)
        return True
    except (ValueError, TypeError):
        return False


def _unique_objects(vals):
    lookup, inverse = {}, np.empty(vals.size, np.intp)
    for i, v in enumerate(vals.ravel().tolist()):
        inverse[i] = lookup.setdefault(v, len(lookup))
    uniq = np.empty(len(lookup), object)
    uniq[:] = list(lookup)
    return uniq, inverse


def annotate(region, row_runs, col_runs, rows, cols, labels, which, dark, *, font, min_size,
             explicit=True, dark_color=DARK_TEXT, light_color=LIGHT_TEXT):
    """Write text centred in cells of ``region`` (H, W, C uint8, in place).

    ``row_runs``/``col_runs`` are ``(starts, stops)`` pixel ranges of the cells;
    cell ``(rows[k], cols[k])`` gets ``labels[which[k]]`` in the dark text colour
    where ``dark[k]``, else the light one. The font shrinks from ``font.size`` to
    fit the smallest cell, but not below ``min_size``; cells whose text still
    does not fit stay blank, with an :class:`AnnotationWarning` when
    ``explicit``. Returns ``(n_drawn, font_size)``.
    """
    rs, re_ = (np.asarray(a) for a in row_runs)
    cs, ce = (np.asarray(a) for a in col_runs)
    n_valid = len(rows)
    if n_valid == 0 or not labels:
        return 0, font.size
    cell_h, cell_w = int((re_ - rs).min()), int((ce - cs).min())
    pad_w, pad_h = max(1, round(cell_w * 0.06)), max(0, round(cell_h * 0.06))
    avail_w, avail_h = cell_w - 2 * pad_w, cell_h - 2 * pad_h
    used = np.zeros(len(labels), bool)
    used[which] = True
    size = font.size
    while True:
        stamp = Stamp(font)
        widths = stamp.widths(labels)
        top, bottom = _ink_rows(stamp, labels)
        fits_h = bottom - top <= avail_h
        widest = int(widths[used].max())
        if (widest <= avail_w and fits_h) or size <= min_size:
            break
        shrink = min(avail_w / max(widest, 1), avail_h / max(bottom - top, 1))
        size = max(min_size, min(size - 1, int(size * shrink)))
        font = resize_font(font, size)
    fits = (widths <= avail_w) & fits_h & (widths > 0)
    ok = fits[which]
    drawn = int(ok.sum())
    blank = int((widths[which] > 0).sum()) - drawn
    if blank and explicit:
        warnings.warn(f"annot: {blank} of {n_valid} annotated cells are too small for their "
                      f"text at font size {size} (cells are {cell_w} x {cell_h} px) and were "
                      f"left blank; render larger (width=, height=, scale=), use a shorter "
                      f"fmt, or pass annot='auto' to skip them silently",
                      AnnotationWarning, stacklevel=4)
    if drawn == 0:
        return 0, size
    tile_w = int(widths[fits].max())
    tile_h = bottom - top
    tiles = stamp.tiles(labels, tile_w, top, bottom)
    tiles[~fits] = 0
    rows, cols, which = np.asarray(rows)[ok], np.asarray(cols)[ok], np.asarray(which)[ok]
    dark = np.asarray(dark)[ok]
    y0 = rs[rows] + (re_[rows] - rs[rows] - tile_h) // 2
    x0 = cs[cols] + (ce[cols] - cs[cols] - tile_w) // 2
    H, W, nch = region.shape
    if y0.min() < 0 or x0.min() < 0 or y0.max() + tile_h > H or x0.max() + tile_w > W:
        raise AssertionError("annotation tiles outside the raster")  # the kernel cannot check
    colors = np.array([(*light_color, 255), (*dark_color, 255)], np.uint8)[:, :nch]
    with K.KERNEL_LOCK:
        K.stamp_cells(region, y0.astype(np.intp), x0.astype(np.intp), which.astype(np.intp),
                      dark.astype(np.intp), tiles, colors)
    return drawn, size


def _ink_rows(stamp, texts):
    """Top and bottom of the ink of all ``texts`` relative to the baseline."""
    top, bottom = 0, 0
    for ch in set("".join(texts)):
        mask, _, t = stamp.glyph(ch)[:3]
        if mask.size:
            top, bottom = min(top, t), max(bottom, t + mask.shape[0])
    if bottom <= top:
        return 0, 1
    return top, bottom
