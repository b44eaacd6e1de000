"""The colorbar as scene items: a strip of the colour table beside the
raster, framed, with extend triangles for the under/over colours, a swatch
for the bad colour, ticks at nice values of the norm and a label.

Both orientations share one geometry (:class:`_Bar`): positions are worked
out along the bar, counted from its low end, and across it, then turned into
canvas boxes and points; a vertical bar is a horizontal one transposed, with
its low end at the bottom.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .draw import line_span
from .scene import (Image, Polygon, Rect, frame_around, lines_at, rotated_lines_at, text_at,
                    union_box)
from .ticks import colorbar_ticks
from .text import MAX_LABEL, ellipsize

#: The colour strip's readable minimum, in font sizes (vertical, horizontal):
#: room for at least 3 tick labels even beside a raster a few pixels long.
MIN_STRIP = {True: 10, False: 20}
#: Anchor of tick and swatch labels by (vertical, on the outer side).
_ANCHORS = {(True, True): "lm", (True, False): "rm", (False, True): "mt", (False, False): "mb"}


@dataclass(frozen=True)
class _Bar:
    """Where the colorbar's parts go.

    Along the bar, ``u`` counts pixels from its low end: the bad swatch
    ``[0, swatch)``, a gap, the under triangle, the strip ``[strip_u,
    strip_u + length)``, the over triangle. Across it the bar spans ``[c0,
    c0 + thick)``; ticks and labels sit on its ``outer`` side (+1: right or
    below, -1: left or above).
    """

    vertical: bool
    outer: int
    start: int  # the bar's first pixel along the raster's side
    total: int  # its length, triangles and swatch included
    length: int  # the colour strip's length
    thick: int
    tri: int
    under: bool
    over: bool
    bad: bool
    swatch: int
    swatch_gap: int
    c0: int
    outline: int

    @property
    def c1(self):
        return self.c0 + self.thick

    @property
    def strip_u(self):
        return self.swatch + self.swatch_gap + (self.tri if self.under else 0)

    def span(self, u0, u1):
        """The canvas interval along the bar of ``[u0, u1)``."""
        if self.vertical:
            end = self.start + self.total
            return end - u1, end - u0
        return self.start + u0, self.start + u1

    def pixel(self, u):
        """The canvas pixel along the bar of pixel ``u``."""
        return self.start + self.total - 1 - u if self.vertical else self.start + u

    def box(self, along, across):
        """The box of intervals along and across the bar."""
        (a0, a1), (c0, c1) = along, across
        return (c0, a0, c1, a1) if self.vertical else (a0, c0, a1, c1)

    def point(self, along, across):
        return (across, along) if self.vertical else (along, across)


def colorbar_items(raster, decor, style, around):
    """The scene items of ``decor.colorbar``, in raster coordinates.

    Parameters
    ----------
    raster : fastheat.color.raster.Raster
    decor : fastheat.options.Decor
    style : fastheat.compose.layout.Style
        The font, ink, colour table and tick sizes.
    around : tuple
        The box of everything laid out so far: the bar goes beyond it.

    Returns
    -------
    list
        The strip (an ``Image`` of kind ``"colorbar"``), its frame, the
        extend triangles, the bad swatch and its frame, ticks, tick labels,
        the swatch's label and the colorbar's label, in that order.

    Raises
    ------
    ValueError
        When ``length`` leaves less than 4 px for the colour strip.
    """
    cb, N = decor.colorbar, raster.palette.N
    bar = _bar(raster, decor, around)
    table, ink = style.table, style.fill
    strip_along = bar.span(bar.strip_u, bar.strip_u + bar.length)
    strip_box = bar.box(strip_along, (bar.c0, bar.c1))
    items = [Image("colorbar", strip_box, _strip(table, raster.norm, N, bar)),
             frame_around("colorbar-frame", strip_box, bar.outline, ink)]
    items += _triangles(bar, table, ink, N)
    if bar.bad:
        bad_along = bar.span(0, bar.swatch)
        bad_box = bar.box(bad_along, (bar.c0, bar.c1))
        items += [Rect("colorbar-bad", bad_box, _flat(table, N + 2)),
                  frame_around("colorbar-bad-frame", bad_box, bar.outline, ink)]
    items += _tick_items(bar, strip_along, raster.norm, cb, style)
    if bar.bad:
        across = bar.c1 + bar.outline + style.gap if bar.outer > 0 else \
            bar.c0 - bar.outline - style.gap
        items.append(text_at("colorbar-badlabel", style.font,
                             ellipsize(style.font, cb.bad_label, decor.px(MAX_LABEL)),
                             *bar.point(sum(bad_along) / 2, across),
                             _ANCHORS[bar.vertical, bar.outer > 0], ink))
    label = cb.label if cb.label is not None else raster.labels.name
    if label:
        label = ellipsize(style.font, str(label), max(bar.length, decor.px(MAX_LABEL)))
        items += _label(bar, label, strip_along, union_box(items), style)
    return items


def _bar(raster, decor, around):
    """The :class:`_Bar` of ``decor.colorbar``: centred on the raster's side,
    ``pad`` px beyond the box ``around``, its strip ``length`` of the side
    but at least :data:`MIN_STRIP` font sizes (beyond a short raster's ends)."""
    cb, N = decor.colorbar, raster.palette.N
    h, w = raster.shape
    vertical = cb.position in ("right", "left")
    side = h if vertical else w
    total = max(8, int(round(cb.length * side)))
    thick = decor.px(cb.thickness) if cb.thickness else \
        int(round(min(max(total / 20, 12 * decor.scale), 24 * decor.scale)))
    codes = raster.cell_codes  # the same set of codes as the pixels
    has = {k: raster.top_code >= N + i and bool((codes == N + i).any())
           for i, k in enumerate(("under", "over", "bad"))}
    ext = cb.extend
    under = ext in ("both", "min") or (ext == "auto" and has["under"])
    over = ext in ("both", "max") or (ext == "auto" and has["over"])
    # "auto": a swatch for the data's missing values, not for cells hidden by
    # mask= or non-positive values under a log norm
    bad = cb.bad is True or (cb.bad == "auto" and has["bad"] and raster.missing)
    tri = max(4, min(thick, total // 12))
    swatch = thick if bad else 0
    swatch_gap = max(thick // 2, decor.px(6)) if bad else 0
    extras = (tri if under else 0) + (tri if over else 0) + swatch + swatch_gap
    total = max(total, decor.px(MIN_STRIP[vertical] * decor.font_size) + extras)
    length = total - extras
    if length < 4:
        raise ValueError(f"colorbar length={cb.length!r} leaves no room for the colour strip "
                         f"on a {side}-pixel raster; use a longer colorbar")
    outer = 1 if cb.position in ("right", "bottom") else -1
    pad = decor.px(14)
    lo, hi = (around[0], around[2]) if vertical else (around[1], around[3])
    c0 = hi + pad if outer > 0 else lo - pad - thick
    return _Bar(vertical, outer, (side - total) // 2, total, length, thick, tri, under, over,
                bad, swatch, swatch_gap, c0, decor.px(1))


def _flat(table, code):
    return tuple(int(c) for c in table[code])


def _strip(table, norm, N, bar):
    """The strip's pixels: every colour of the table in order (a discrete
    norm's: one band of its colour per level), low values at the bottom
    (vertical) or left (horizontal)."""
    colors = table[norm.strip_codes((np.arange(bar.length) + 0.5) / bar.length, N)]
    if bar.vertical:
        return np.repeat(colors[::-1, None, :], bar.thick, axis=1)
    return np.repeat(colors[None, :, :], bar.thick, axis=0)


def _triangles(bar, table, ink, N):
    """The extend triangles, in canvas order (the over one is on top of a
    vertical bar): a base on the pixel next to the strip, an apex ``tri - 1``
    pixels further."""
    ends = []
    if bar.under:
        ends.append(("colorbar-under", N, bar.strip_u - 1, bar.strip_u - bar.tri))
    if bar.over:
        far = bar.strip_u + bar.length
        ends.append(("colorbar-over", N + 1, far, far + bar.tri - 1))
    if bar.vertical:
        ends.reverse()
    mid = (bar.c0 + bar.c1 - 1) / 2
    items = []
    for kind, code, base, apex in ends:
        b, a = bar.pixel(base), bar.pixel(apex)
        points = (bar.point(b, bar.c0), bar.point(b, bar.c1 - 1), bar.point(a, mid))
        xs, ys = [q[0] for q in points], [q[1] for q in points]
        items.append(Polygon(kind, (min(xs), min(ys), max(xs) + 1, max(ys) + 1), points,
                             _flat(table, code), ink, bar.outline))
    return items


def _tick_items(bar, strip_along, norm, cb, style):
    """Tick marks outside the frame and their labels beyond them."""
    ticks = colorbar_ticks(norm, bar.length, style.font, cb, bar.vertical)
    t0 = bar.c1 + bar.outline if bar.outer > 0 else bar.c0 - bar.outline - style.tick_len
    across = t0 + style.tick_len + style.gap if bar.outer > 0 else t0 - style.gap
    anchor = _ANCHORS[bar.vertical, bar.outer > 0]
    a0, a1 = strip_along
    items = []
    for pos, s in ticks:
        c = (a1 - pos) if bar.vertical else (a0 + pos)  # from the strip's low end
        a, _ = line_span(c, style.tick_w, 10 ** 9)
        items.append(Rect("colorbar-tick", bar.box((a, a + style.tick_w),
                                                   (t0, t0 + style.tick_len)), style.fill))
        items.append(text_at("colorbar-ticklabel", style.font, s, *bar.point(c, across), anchor,
                             style.fill))
    return items


def _label(bar, label, strip_along, around, style):
    """The colorbar's label beyond everything else of it (the box ``around``),
    centred on the strip; rotated on a vertical bar. A list of text items:
    one a line."""
    lo, hi = (around[0], around[2]) if bar.vertical else (around[1], around[3])
    across = hi + style.label_gap if bar.outer > 0 else lo - style.label_gap
    mid = sum(strip_along) / 2
    if bar.vertical:
        return rotated_lines_at("colorbar-label", style.font, label, across, mid,
                                "left" if bar.outer > 0 else "right", style.fill)
    return lines_at("colorbar-label", style.font, label, mid, across,
                    "mt" if bar.outer > 0 else "mb", style.fill)
