"""Text for the compose stage: fonts, text boxes and :class:`Stamp`, which
renders many short strings from cached glyph bitmaps.

Measuring is what layout does most (every tick label, every annotation
string), so boxes come from cached glyphs wherever that reproduces Pillow
exactly (:func:`composable`, :meth:`Stamp.anchored_box`) and from Pillow
otherwise. Characters a font lacks are drawn with the glyphs of a fallback
font (:func:`fallback_font`), one by one, by :class:`Stamp`: Pillow has no
font fallback of its own. Drawing the text is :mod:`fastheat.compose.draw`'s.
"""
from __future__ import annotations

import functools
import math
import os

import numpy as np


#: The default font: DejaVu Sans 2.35 (Bitstream Vera licence, see
#: ``fastheat/fonts/LICENSE_DEJAVU``), matplotlib's default: Latin, Greek,
#: Cyrillic, maths symbols (``µ ² −``...). Characters it lacks come from the
#: fallback fonts (:func:`fallback_font`).
DEFAULT_FONT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "fonts", "DejaVuSans.ttf")


def load_font(font=None, size=12):
    """A Pillow FreeType font: ``font`` is None (the bundled DejaVu Sans, in
    Pillow's basic layout), a path to a TrueType/OpenType file, or a
    ``FreeTypeFont``.

    >>> load_font(None, 14).getname(), load_font(None, 14).size
    (('DejaVu Sans', 'Book'), 14)
    """
    size = max(1, int(round(size)))
    if font is None:
        return _cached_font(DEFAULT_FONT, size, _basic())
    if isinstance(font, (str, os.PathLike)):
        return _cached_font(os.fspath(font), size)
    if hasattr(font, "font_variant"):
        return font.font_variant(size=size)
    raise TypeError(f"font={font!r} must be None (the bundled DejaVu Sans), the path of a "
                    f"TrueType/OpenType file, or a PIL.ImageFont.FreeTypeFont")


def _basic():
    from PIL import ImageFont

    return ImageFont.Layout.BASIC


@functools.lru_cache(maxsize=64)
def _cached_font(path, size, layout_engine=None, index=0):
    from PIL import ImageFont

    if not os.path.isfile(path):
        raise ValueError(f"font={path!r} does not exist; pass the path of a TrueType/OpenType "
                         f"(.ttf/.otf) file, or font=None for the bundled DejaVu Sans")
    try:
        return ImageFont.truetype(path, size, index=index, layout_engine=layout_engine)
    except OSError as e:
        raise ValueError(f"font={path!r} could not be read as a TrueType/OpenType font ({e}); "
                         f"pass a .ttf/.otf file, or font=None for the bundled DejaVu Sans") from None


# --------------------------------------------------------------------------- glyph fallback

#: A code point no font maps (plane 16's last private-use one): its glyph is
#: the font's .notdef, the box drawn for missing characters.
NOTDEF_PROBE = "\U0010fffd"

#: Fonts with wide coverage tried, in order, for characters that neither the
#: font nor DejaVu Sans has and fontconfig (``fc-match``) finds nowhere:
#: CJK and symbol fonts of Debian (``fonts-wqy-microhei``, ``fonts-noto-cjk``...),
#: macOS and Windows.
KNOWN_FALLBACKS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/YuGothM.ttc",
    "C:/Windows/Fonts/malgun.ttf",
    "C:/Windows/Fonts/seguisym.ttf",
)

_COVERAGE: dict = {}  # font file and face (or _font_key) -> {char: bool}
_COVERED: dict = {}   # the same key -> the set of the chars it has (a fast first test)
_FOUND: list = []     # fallback files (path, index) found so far, tried first


def _coverage_key(font):
    path = getattr(font, "path", None)
    return (path, getattr(font, "index", 0)) if isinstance(path, str) else _font_key(font)


def covers(font, ch):
    """Whether ``font`` has a glyph of its own for the character ``ch`` (not
    its .notdef box): its advance, box or ink differ from the probe's."""
    key = _coverage_key(font)
    seen = _COVERAGE.setdefault(key, {})
    has = seen.get(ch)
    if has is None:
        if len(seen) > 65536:
            seen.clear()
            _COVERED.pop(key, None)
        if ch == NOTDEF_PROBE or not ch.isprintable() or ch.isspace():
            has = True  # spaces have no ink; control characters are Pillow's business
        elif (font.getlength(ch), font.getbbox(ch)) != (font.getlength(NOTDEF_PROBE),
                                                         font.getbbox(NOTDEF_PROBE)):
            has = True
        else:
            has = bytes(font.getmask(ch)) != bytes(font.getmask(NOTDEF_PROBE))
        seen[ch] = has
        if has:
            _COVERED.setdefault(key, set()).add(ch)
    return has


def needs_fallback(font, text):
    """Whether some character of ``text`` is missing from ``font``."""
    if _COVERED.get(_coverage_key(font), frozenset()).issuperset(text):
        return False
    return not all([covers(font, ch) for ch in text])


def fallback_font(font, ch):
    """The font, at ``font``'s size, that draws ``ch`` when ``font`` lacks it:
    the bundled DejaVu Sans, a fallback found before, the file ``fc-match``
    names for the character, or one of :data:`KNOWN_FALLBACKS`; None if no
    font has it (the .notdef box is drawn)."""
    path = _fallback_for(ch)
    return None if path is None else _cached_font(path[0], font.size, _basic(), path[1])


@functools.lru_cache(maxsize=4096)
def _fallback_for(ch):
    def has(path, index=0):
        try:
            return covers(_cached_font(path, 12, _basic(), index), ch)
        except ValueError:
            return False

    for path in [(DEFAULT_FONT, 0)] + _FOUND:
        if has(*path):
            return path
    for path in [_fc_match(ch)] + [(p, 0) for p in KNOWN_FALLBACKS if os.path.isfile(p)]:
        if path is not None and path not in _FOUND and has(*path):
            _FOUND.append(path)
            return path
    return None


def _fc_match(ch):
    """fontconfig's choice of a font file (and face index) for ``ch``, or
    None without fontconfig."""
    import shutil
    import subprocess

    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "-f", "%{file}\t%{index}", f":charset={ord(ch):x}"],
                             capture_output=True, text=True, timeout=5).stdout
        path, index = out.split("\t")
        return path, int(index or 0)
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def stamp_for(font, text):
    """The :class:`Stamp` that renders ``text`` in ``font``: the shared one
    when the font is :func:`composable` or ``text`` needs glyphs from
    fallback fonts (which Pillow cannot draw), else None (Pillow draws it)."""
    if composable(font) or needs_fallback(font, text):
        return Stamp.of(font)
    return None


_BREAKS = str.maketrans({"\r": " ", "\n": " ", "\v": " ", "\f": " ", "\x1c": " ", "\x1d": " ",
                         "\x1e": " ", "\x85": " ", "\u2028": " ", "\u2029": " "})


def one_line(s):
    """``s`` with its line breaks as spaces: a :class:`Text` is one line (tick
    labels stay one line; titles and axis labels are laid out line by line by
    :func:`fastheat.compose.scene.lines_at`)."""
    return s.translate(_BREAKS)


#: (font key, text, anchor) -> box, of the boxes cached glyphs gave: layout
#: measures the same tick labels many times a render, and from render to render.
_TEXT_BOXES: dict = {}


def text_box(font, text, anchor="ls"):
    """``font.getbbox(text, anchor=anchor)``, from cached glyphs when they
    reproduce it (see :func:`composable`): several times faster."""
    key = (_font_key(font), text, anchor)
    box = _TEXT_BOXES.get(key)
    if box is not None:
        return box
    text = one_line(text)
    stamp = stamp_for(font, text)
    if stamp is not None:
        box = stamp.anchored_box(text, anchor)
        if box is not None:
            if len(_TEXT_BOXES) >= 1 << 16:
                _TEXT_BOXES.clear()
            _TEXT_BOXES[key] = box
            return box
    return font.getbbox(text, anchor=anchor)


ELLIPSIS = "\u2026"
#: A title, axis label or colorbar label longer than the raster's side (the
#: bar's length) and than this (px at scale 1) ends in "…": text does not
#: stretch the canvas past its limit.
MAX_LABEL = 2000


def ellipsize(font, text, max_px):
    """``text`` if it is at most ``max_px`` wide in ``font``, else its longest
    prefix that is with ``…`` appended (each line of a multi-line text on its
    own): a binary search, ``log2(len(text))`` measurements.

    >>> font = load_font(None, 12)
    >>> ellipsize(font, "short", 100), ellipsize(font, "x" * 1000, 40)
    ('short', 'xxxx…')
    """
    if "\n" in text:
        return "\n".join(ellipsize(font, line, max_px) for line in text.split("\n"))
    if text_width(font, text) <= max_px:
        return text
    lo, hi = 0, len(text)  # text[:lo] + "…" fits (or lo is 0); text[:hi] + "…" does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if text_width(font, text[:mid] + ELLIPSIS) <= max_px:
            lo = mid
        else:
            hi = mid
    return text[:lo].rstrip() + ELLIPSIS


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
        return _cached_font(path, max(1, int(round(size))), font.layout_engine,
                            getattr(font, "index", 0))
    return font.font_variant(size=size)


_GLYPHS: dict = {}
_COMPOSABLE: dict = {}
_STAMPS: dict = {}


def composable(font):
    """Whether :class:`Stamp` can reproduce Pillow's text for ``font``:
    Pillow's basic layout (no shaping). Kerned strings are found one by one
    (their length is not the sum of their glyphs' advances) and left to
    Pillow."""
    from PIL import ImageFont

    key = _font_key(font)
    if key not in _COMPOSABLE:
        if len(_COMPOSABLE) > 64:
            _COMPOSABLE.clear()
        _COMPOSABLE[key] = font.layout_engine == ImageFont.Layout.BASIC
    return _COMPOSABLE[key]


def _font_key(font):
    """Equal for fonts that render alike: a font's file, face, size and layout
    engine (user fonts are new objects at every :func:`load_font`)."""
    key = getattr(font, "_fastheat_key", None)  # a font object never changes: kept on it
    if key is None:
        path = getattr(font, "path", None)
        key = (path if isinstance(path, str) else "<builtin>",) + tuple(font.getname()) + \
            (font.size, getattr(font, "index", 0), getattr(font, "layout_engine", None))
        try:
            font._fastheat_key = key
        except AttributeError:
            pass
    return key


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
        if not any(self.glyph(ch)[6] for ch in text) and (
                length != int(length) or (len(text) > 1 and length != self.font.getlength(text))):
            return None  # Pillow rounds differently, or kerns this string
        if not text:
            return (0, 0, 0, 0)
        asc, desc = self.font.getmetrics()
        hx = {"l": 0, "m": -math.floor(length / 2 + 0.5),
              "r": -math.floor(length + 0.5)}[anchor[0]]
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

    def turned(self, text, h, w, gx, gy):
        """``text``'s coverage turned 90 degrees counter-clockwise: an upright
        ``(h, w)`` line box with the ink's top-left corner at ``(gx, gy)`` (ink
        outside clipped), turned to ``(w, h)`` (cached: do not write to it)."""
        key = (text, h, w, gx, gy)
        out = self._masks.get(key)
        if out is None:
            glyphs = self.mask(text)
            upright = np.zeros((h, w), np.uint8)
            view = upright[max(gy, 0): max(gy + glyphs.shape[0], 0),
                           max(gx, 0): max(gx + glyphs.shape[1], 0)]
            view[...] = glyphs[max(-gy, 0): max(-gy, 0) + view.shape[0],
                               max(-gx, 0): max(-gx, 0) + view.shape[1]]
            out = np.ascontiguousarray(np.rot90(upright))
            out.flags.writeable = False
            self._masks[key] = out
        return out

    def glyph(self, ch):
        """``(mask, left, top, advance, right, bottom, fallback)`` of ``ch``:
        from the font, or from :func:`fallback_font` (``fallback`` True) when
        the font lacks it and another font has it."""
        g = self._glyphs.get(ch)
        if g is None:
            from PIL import Image, ImageDraw

            font = self.font
            if not covers(font, ch):
                font = fallback_font(font, ch) or font
            l, t, r, b = font.getbbox(ch, anchor="ls")
            if r > l and b > t:
                im = Image.new("L", (r - l, b - t), 0)
                ImageDraw.Draw(im).text((-l, -t), ch, font=font, fill=255, anchor="ls")
                mask = np.asarray(im)
            else:
                mask = np.zeros((0, 0), np.uint8)
            g = self._glyphs[ch] = (mask, l, t, font.getlength(ch), r, b, font is not self.font)
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
            mask, l, t, adv, r, b, _ = self.glyph(ch)
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

