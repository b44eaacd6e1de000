"""Colours of a composed canvas: its background and ink, the palette
composited over the background once, and the luminance that picks dark or
light text (seaborn's rule).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..color.colormaps import to_color

#: Canvases darker than this (relative luminance) get light text and ticks.
DARK_BACKGROUND = 0.18


@dataclass(frozen=True)
class CanvasColours:
    """What a composition is painted with: ``background`` and ``ink`` (text,
    ticks, frames) as tuples of the canvas's channels (3 on an opaque
    background, else 4), and the palette ``table`` over the background."""

    background: tuple
    ink: tuple
    table: np.ndarray  # (n, channels) uint8
    opaque: bool


def canvas_colours(table, background, *, decorated):
    """The colours of a canvas.

    Parameters
    ----------
    table : numpy.ndarray
        The palette's ``(n, 4)`` uint8 colours.
    background : numpy.ndarray or None
        RGBA uint8; None: white when something is drawn around the raster
        (``decorated``), else transparent.
    decorated : bool

    Returns
    -------
    CanvasColours
        Light ink on dark backgrounds; a transparent background takes the
        ink's RGB, so anti-aliased edges keep their colour.

    Examples
    --------
    >>> c = canvas_colours(np.zeros((259, 4), np.uint8), None, decorated=True)
    >>> c.background, c.ink, c.table.shape
    ((255, 255, 255), (0, 0, 0), (259, 3))
    """
    key = (np.ascontiguousarray(table).tobytes(), table.shape,
           None if background is None else bytes(background), bool(decorated))
    kept = _KEPT.get(key)
    if kept is None:
        kept = _canvas_colours(table, background, decorated=decorated)
        own = np.array(kept.table)  # kept: not the caller's array, and read-only
        own.flags.writeable = False
        kept = CanvasColours(kept.background, kept.ink, own, kept.opaque)
        if len(_KEPT) >= 64:
            _KEPT.clear()
        _KEPT[key] = kept
    return kept


_KEPT: dict = {}  # the colours of recent (table, background, decorated): the same each render


def _canvas_colours(table, background, *, decorated):
    bg = background
    if bg is None:
        bg = to_color("white") if decorated else np.zeros(4, np.uint8)
    opaque = bool(bg[3] == 255)
    fg = np.array([0, 0, 0, 255], np.uint8)
    if opaque and relative_luminance(bg) < DARK_BACKGROUND:
        fg = np.array([240, 240, 240, 255], np.uint8)
    if not opaque and bg[3] == 0:
        bg = np.array([*fg[:3], 0], np.uint8)  # anti-aliased text edges keep their colour
    channels = 3 if opaque else 4
    return CanvasColours(tuple(int(c) for c in bg[:channels]),
                         tuple(int(c) for c in fg[:channels]),
                         flatten_table(table, bg), opaque)


def relative_luminance(rgb):
    """WCAG relative luminance of sRGB colours ``(..., 3+)``: floats in 0..1
    (seaborn's ``relative_luminance``, which picks annotation colours), or
    integers in 0..255.

    >>> float(relative_luminance(np.array([255, 255, 255])))
    1.0
    >>> float(relative_luminance(np.array([0.5, 0.5, 0.5])))
    0.21404114048223255
    """
    c = np.asarray(rgb)[..., :3]
    c = c / 255.0 if c.dtype.kind in "iub" else c.astype(float)
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    # seaborn's product, colour by colour: a (1, 3) array dotted with the
    # weights. How BLAS rounds it depends on the CPU (fused multiply-adds
    # where AVX-512 kernels run) and on the shape (one (n, 3) product or
    # plain sums differ in the last bit near the 0.408 threshold), so only
    # the same call is the same number everywhere.
    flat = c.reshape(-1, 1, 3)
    return np.array([x.dot(_WEIGHTS) for x in flat]).reshape(c.shape[:-1])


_WEIGHTS = [0.2126, 0.7152, 0.0722]


def cell_luminance(rgba, table):
    """Luminance of each palette code under annotation text.

    Parameters
    ----------
    rgba : numpy.ndarray
        ``(n, 4)`` float colours of the codes (``Palette.float_table``).
    table : numpy.ndarray
        ``(n, 3|4)`` uint8: the same colours on the canvas.

    Returns
    -------
    numpy.ndarray
        ``(n,)``: for opaque colours seaborn's test exactly, the luminance of
        the float colour (matplotlib's, not the bytes floored from it: 6 entries of
        viridis, mako, icefire, vlag and Spectral lie between the two); for
        translucent ones, of the colour seen on the canvas (seaborn ignores
        alpha, which would put white text on a faint colour over white).
    """
    rgba = np.asarray(rgba, float)
    key = (rgba.tobytes(), rgba.shape, np.ascontiguousarray(table).tobytes(), table.shape,
           table.dtype.str)
    lum = _LUMINANCE.get(key)
    if lum is None:  # a Python loop over the colours (relative_luminance): kept per palette
        lum = np.where(rgba[:, 3] == 1.0, relative_luminance(rgba), relative_luminance(table))
        lum.flags.writeable = False
        if len(_LUMINANCE) >= 64:
            _LUMINANCE.clear()
        _LUMINANCE[key] = lum
    return lum


_LUMINANCE: dict = {}


def flatten_table(table, background):
    """Colours of ``table`` (``(n, 4)`` uint8) composited over ``background``
    (RGBA uint8): RGB when the background is opaque, else the table itself."""
    if background[3] < 255:
        return table
    a = table[:, 3:4].astype(np.uint32)
    rgb = (table[:, :3] * a + background[:3].astype(np.uint32) * (255 - a) + 127) // 255
    return rgb.astype(np.uint8)

