"""Ticks: where each matrix axis's cells sit on the pixels (:class:`Axis`),
which of them get a tick label (:func:`plan_ticks`), and the colorbar's
ticks at nice values of its norm (:func:`colorbar_ticks`).

Tick labels are thinned so that they never overlap; x labels turn vertical
when that shows more of them. Widths come from :mod:`fastheat.compose.text`,
so planning measures with the same glyphs that are drawn.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..aggregation.geometry import centre_cells
from .text import ellipsize, line_height, text_box, text_height, text_width

TICK_MODES = "True, False, 'auto', a positive integer step, or a list of labels"
#: Pixels along an axis per drawn tick label, at least: denser labels (``True``,
#: a small step, many ``xticks``) would only overprint each other, and drawing
#: tens of thousands of them is seconds of work for the same smear.
MIN_TICK_PITCH = 2
#: Longest tick label in px at scale 1 (longer ones end in "…").
MAX_TICK_LABEL = 1000


# --------------------------------------------------------------------------- matrix axes

class Axis:
    """How the ``n_in`` cells of one matrix axis sit on ``n_out`` pixels:
    pixel ``i`` shows the cell under its centre (``idx[i]``), runs of equal
    ``idx`` are the visible cells, and a cell's centre is where its tick goes."""

    def __init__(self, n_in, n_out, flip=False):
        self.n_in, self.n_out, self.flip = n_in, n_out, flip
        idx = centre_cells(n_in, n_out)
        self.idx = idx[::-1] if flip else idx
        change = np.flatnonzero(self.idx[1:] != self.idx[:-1]) + 1
        self.starts = np.concatenate([[0], change])
        self.stops = np.concatenate([change, [n_out]])
        self.cells = self.idx[self.starts]  # matrix index of each visible cell
        self.upsampled = n_out >= n_in

    @property
    def cell_px(self):
        return self.n_out / self.n_in

    def centers(self, k):
        """Pixel-edge coordinates of the centres of matrix cells ``k``."""
        return self.pixels(np.asarray(k, dtype=np.int64) + 0.5)

    def pixels(self, p):
        """Pixel-edge coordinates of matrix coordinates ``p`` (seaborn's: cell
        ``k`` spans ``k..k+1``), linear within each drawn cell."""
        p = np.asarray(p, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):  # far off the view: off it
            return self._pixels(p)

    def _pixels(self, p):
        if self.upsampled:  # every cell drawn: through the edges of its pixel run
            edges = np.concatenate([self.starts, [self.n_out]]).astype(float)
            inside = np.clip(p, 0, self.n_in)
            c = np.interp(inside, np.arange(self.n_in + 1), edges if not self.flip else
                          self.n_out - edges[::-1]) + (p - inside) * self.cell_px
        else:
            c = p * self.n_out / self.n_in
        return self.n_out - c if self.flip else c

    def data_pixels(self, v, edges):
        """Pixel-edge coordinates of data values ``v`` on an axis whose first
        and last cells' outer edges are at data values ``edges``."""
        a, b = float(edges[0]), float(edges[1])
        v = np.asarray(v, dtype=float)
        if not math.isfinite(b - a):  # edges further apart than the float range: halved
            v, a, b = v * 0.5, a * 0.5, b * 0.5
        with np.errstate(over="ignore", invalid="ignore"):  # (a subnormal span: values
            return self.pixels((v - a) / (b - a) * self.n_in)  # off it are +-inf, not shown)

    def boundaries(self):
        """Pixel-edge coordinates between visible cells."""
        return self.starts[1:].astype(float)


@dataclass
class Ticks:
    """The tick labels of one axis (:func:`plan_ticks`); ``shown`` False when
    only the gridlines use their positions."""

    texts: list
    centers: np.ndarray  # pixel-edge coordinates along the axis
    rotated: bool = False
    shown: bool = True


def _nice_int(raw):
    """Smallest index step >= raw that reads well and packs about as densely
    as seaborn's (which takes any step): any integer up to 10, multiples of 5
    up to 50, then 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 x 10^k.

    >>> [_nice_int(r) for r in (0.3, 3.5, 10, 10.2, 35, 52, 130, 2600)]
    [1, 4, 10, 15, 35, 60, 150, 3000]
    """
    raw = max(1, math.ceil(raw))
    if raw <= 10:
        return raw
    if raw <= 50:
        return 5 * math.ceil(raw / 5)
    mag = 10 ** (len(str(raw)) - 1)
    return next(int(m * mag) for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * mag >= raw)


def _label_width(font, texts):
    return max((text_width(font, t) for t in texts), default=0)


def plan_ticks(axis, option, source_labels, font, *, horizontal, gap, name, edges=None,
               positions=None):
    """Which matrix indices get a tick label, the texts, their pixel centres and
    whether x labels are rotated (vertical text) to make room.

    ``edges`` (the data values of the axis's outer edges: an ``extent=`` or a
    source's coordinates) give ticks at round data values, for the default
    ``"auto"``; ``positions`` (``xticks=``) are where the ticks go, in data
    coordinates with ``edges``, else in matrix coordinates (cell ``k`` spans
    ``k..k+1``), labelled by the option's list or by their values."""
    if positions is not None:
        return _given_ticks(axis, option, font, horizontal=horizontal, gap=gap, name=name,
                            edges=edges, positions=positions)
    if edges is not None and option == "auto":
        return coordinate_ticks(axis, edges, font, horizontal=horizontal, gap=gap)
    n = axis.n_in
    labels, mode = _tick_mode(option, source_labels, n, horizontal=horizontal, name=name)
    texts_of = (lambda ks: [str(k) for k in ks]) if labels is None else \
        (lambda ks: [str(labels[k]) for k in ks])
    rotated = False
    if mode == "all":
        step = 1
    elif mode == "step":
        step = option
    else:
        step, rotated = _auto_step(axis, font, texts_of, labels, horizontal=horizontal, gap=gap)
    ks = np.arange(0, n, step)
    ks = ks[::max(1, math.ceil(len(ks) * MIN_TICK_PITCH / max(axis.n_out, 1)))]  # bounded work
    texts = _short(font, texts_of(ks.tolist()))
    if mode in ("all", "step") and horizontal and len(ks) > 1:
        rotated = step * axis.cell_px < _label_width(font, texts) + gap
    return Ticks(texts, axis.centers(ks), rotated)


def _short(font, texts):
    """``texts`` with those longer than :data:`MAX_TICK_LABEL` (at the font's
    scale) ellipsized."""
    limit = MAX_TICK_LABEL * max(1.0, font.size / 12)
    return [ellipsize(font, t, limit) for t in texts]


def _tick_mode(option, source_labels, n, *, horizontal, name):
    """``(labels or None, mode)``: the labels to show (the option's list, else
    the source's when there is one per cell) and ``"all"``, ``"step"`` or
    ``"auto"``."""
    labels = None
    if isinstance(option, list):
        if len(option) != n:
            raise ValueError(f"{name} has {len(option)} labels but the data has {n} "
                             f"{'columns' if horizontal else 'rows'}; pass one label per "
                             f"{'column' if horizontal else 'row'}, or {TICK_MODES}")
        labels, mode = option, "all"
    elif source_labels is not None and len(source_labels) == n:
        labels = list(source_labels)
    if option is True:
        mode = "all"
    elif isinstance(option, int) and not isinstance(option, bool):
        mode = "step"
    elif not isinstance(option, list):
        mode = "auto"
    return labels, mode


def _auto_step(axis, font, texts_of, labels, *, horizontal, gap):
    """The ``"auto"`` step, as dense as fits: like seaborn's ``_auto_ticks``
    (any step for given labels; for indices a multiple of 5 beyond 10, :func:`_nice_int`)
    but from the labels' real glyph boxes, so that neighbours' ink keeps
    ``gap`` pixels and their boxes never overlap. Along y a label takes its
    ink height; along x its width, or, turned vertical (which x labels are when
    that shows more of them, as seaborn turns them), its ink height
    and at least its line box.
    Returns ``(step, rotated)``."""
    n, ppc = axis.n_in, axis.cell_px
    if labels is None:  # indices: the widest is the last one
        sample, fit = texts_of([0, n - 1]), _nice_int
    else:  # the 200 longest labels stand for the widest of many
        sample = [str(t) for t in labels] if n <= 2000 else \
            [str(labels[i]) for i in np.argsort([-len(str(t)) for t in labels])[:200]]
        fit = lambda raw: max(1, math.ceil(raw))  # noqa: E731
    boxes = np.array([text_box(font, t) for t in sample], float).reshape(-1, 4)
    ink = (boxes[:, 3] - boxes[:, 1]).max() + gap
    if not horizontal:
        return fit(ink / ppc), False
    step_h = fit(((boxes[:, 2] - boxes[:, 0]).max() + gap) / ppc)
    step_v = fit(max(ink, line_height(font)) / ppc)
    return (step_v, True) if step_v < step_h else (step_h, False)


def coordinate_ticks(axis, edges, font, *, horizontal, gap):
    """Ticks at round data values of an axis whose outer edges are at data
    values ``edges``, placed at their true positions, in one number style:
    about as many as matplotlib's ``MaxNLocator`` (a label every 3 em along x,
    2 em along y, 3 to 9 of them), fewer until no two labels overlap."""
    lo, hi = sorted(float(e) for e in edges)
    n = int(np.clip(axis.n_out / (font.size * (3 if horizontal else 2)), 2, 9))

    def make(n):
        values, step = nice_ticks(lo, hi, n)
        return axis.data_pixels(values, edges).tolist(), format_ticks(values, step)

    pos, texts = fit_ticks(make, n, font, vertical=not horizontal, gap=gap)
    return Ticks(texts, np.asarray(pos, float))


def _given_ticks(axis, option, font, *, horizontal, gap, name, edges, positions):
    """Ticks at ``positions`` (``xticks=``/``yticks=``), every one on the raster,
    labelled by the option's list (one text each) or by their values."""
    values = list(positions)
    where = "xticks" if horizontal else "yticks"
    if isinstance(option, list):
        if len(option) != len(values):
            raise ValueError(f"{name} has {len(option)} labels but {where} has {len(values)} "
                             f"positions; pass one label per position")
        texts = [str(t) for t in option]
    elif option is False:
        texts = [""] * len(values)
    else:
        texts = format_ticks(values)
    centers = axis.data_pixels(values, edges) if edges is not None else axis.pixels(values)
    inside = (centers >= -0.5) & (centers <= axis.n_out + 0.5)  # as matplotlib: off the view, none
    centers, texts = centers[inside], [t for t, i in zip(texts, inside) if i]
    every = max(1, math.ceil(len(texts) * MIN_TICK_PITCH / max(axis.n_out, 1)))  # bounded work
    if every > 1:
        order = np.argsort(centers, kind="stable")[::every]
        centers, texts = centers[order], [texts[i] for i in order]
    texts = _short(font, texts)
    rotated = False
    if horizontal and len(values) > 1:  # turned vertical when neighbours would overlap
        order = np.argsort(centers, kind="stable")
        half = np.array([text_width(font, t) for t in texts])[order] / 2
        rotated = bool(np.any(half[1:] + half[:-1] + gap > np.diff(centers[order])))
    return Ticks(texts, centers, rotated)


# --------------------------------------------------------------------------- nice numbers

def pow10(e):
    """``10.0 ** e`` for an integer ``e``, 0.0 below the float range and inf
    above it instead of an OverflowError (``10.0 ** 309`` raises).

    >>> pow10(3), pow10(-400), pow10(400)
    (1000.0, 0.0, inf)
    """
    return float(f"1e{int(e)}")


def shift10(v, e):
    """``v / 10 ** e`` rounded once, exactly (``10.0 ** -324`` is 0: a plain
    division by it raises ZeroDivisionError).

    >>> shift10(5e-324, -324), shift10(1.5e308, 308)
    (4.940656458412465, 1.5)
    """
    from decimal import Decimal

    return float(Decimal(v).scaleb(-int(e)))


def nice_step(raw):
    """Smallest of 1, 2, 2.5, 5 x 10^k that is >= ``raw``."""
    if not raw > 0 or not math.isfinite(raw):
        return 1.0
    e = math.floor(math.log10(raw))
    for m, k in ((1, e), (2, e), (2.5, e), (5, e), (1, e + 1)):
        step = m * pow10(k)
        if step >= raw * (1 - 1e-9) and math.isfinite(step):
            return step
    return raw  # the next power of ten is beyond the float range


#: Most values :func:`nice_ticks` returns (a bound on its work, whatever the range).
MAX_TICKS = 100


def nice_ticks(lo, hi, n):
    """About ``n`` (at most) round values in ``[lo, hi]`` and their step: at
    most :data:`MAX_TICKS`, computed in finite arithmetic even when ``hi - lo``
    exceeds the float range.

    >>> nice_ticks(0.0, 1.0, 5)
    ([0.0, 0.2, 0.4, 0.6, 0.8, 1.0], 0.2)
    >>> len(nice_ticks(-1e308, 1e308, 5)[0])
    5
    """
    lo, hi, n = float(lo), float(hi), max(int(n), 1)
    if not hi > lo:
        return [lo], 0.0
    span = hi - lo
    raw = span / n if math.isfinite(span) else hi / n - lo / n
    if not math.isfinite(raw):  # one tick over a range beyond the float range: its ends
        return [lo, hi], 0.0
    raw = max(raw, 5e-324)  # a subnormal range: its ulps
    step = nice_step(raw)
    k0, k1 = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    if k1 - k0 > MAX_TICKS:  # rounding at the float's limits: its ends only
        return [lo, hi], 0.0
    digits = max(0, -math.floor(math.log10(step)) + 2)
    out, slack = [], step * 1e-6
    for k in range(k0, k1 + 1):
        v = _round(k * step, digits) + 0.0
        # (a step of a few ulps rounds values together, or out of the range)
        if math.isfinite(v) and lo - slack <= v <= hi + slack and (not out or v > out[-1]):
            out.append(v)
    return (out or [lo, hi]), step


def _round(v, digits):
    """``round(v, digits)``, or ``v`` where rounding would overflow."""
    try:
        r = round(v, digits)
    except OverflowError:
        return v
    return r if math.isfinite(r) else v


MINUS = "\u2212"  # a true minus sign, as matplotlib draws
_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075"
                             "\u2076\u2077\u2078\u2079")


def _minus(text):
    return text.replace("-", MINUS)


def _power(e):
    """``10`` with ``e`` as superscript digits: ``10³``, ``10⁻⁴``."""
    return "10" + str(int(e)).translate(_SUPERSCRIPT)


def _sci(v, exp, decimals):
    """``v`` as ``m×10ᵉ`` with the exponent ``exp`` (``0`` stays ``0``)."""
    if v == 0:
        return "0"
    return _minus(f"{shift10(v, exp):.{decimals}f}") + "\u00d7" + _power(exp)


def _is_power_of_ten(v):
    return v != 0 and abs(math.log10(abs(v)) - round(math.log10(abs(v)))) < 1e-9


def format_ticks(values, step=None):
    """The labels of one axis's tick values, all in one style (like matplotlib's
    ``ScalarFormatter`` and ``LogFormatterSciNotation``), with a true minus
    sign ``−`` (U+2212):

    - powers of ten (log and symlog ticks, ``step`` None) as ``10ⁿ``;
    - magnitudes from 0.001 to below a million as plain decimals (with
      ``step``: as many decimals as the step needs, the same for all);
    - larger or smaller magnitudes as ``m×10ⁿ`` (with ``step``: one exponent,
      the largest value's, for all).

    >>> format_ticks([0.0, 0.25, 0.5], 0.25)
    ['0.00', '0.25', '0.50']
    >>> format_ticks([1e-4, 1e-2, 1, 100])
    ['10⁻⁴', '10⁻²', '10⁰', '10²']
    >>> format_ticks([-2e6, 0, 2e6], 2e6)
    ['−2×10⁶', '0', '2×10⁶']
    >>> format_ticks([-0.5, 0.02, 3])
    ['−0.5', '0.02', '3']
    """
    vals = [float(v) for v in values]
    if not vals:
        return []
    big = max(abs(v) for v in vals)
    sci = big >= 1e6 or 0 < big < 1e-3
    if step and not big:  # only zeros: the step's magnitude decides the style
        big = abs(step)
        sci = big >= 1e6 or big < 1e-3
    if not step:  # None, or 0 for a single value
        nonzero = [v for v in vals if v]
        if len(nonzero) >= 2 and all(_is_power_of_ten(v) for v in nonzero):
            return [("" if v > 0 else MINUS) + _power(round(math.log10(abs(v)))) if v else "0"
                    for v in vals]
        if sci:
            return [_sci(v, math.floor(math.log10(abs(v))), 0 if _one_digit(v) else 1)
                    if v else "0" for v in vals]
        return [_minus(np.format_float_positional(_round_sig(v, 6), trim="-")) for v in vals]
    exp = math.floor(math.log10(big)) if sci else 0
    scaled = shift10(step, exp)
    decimals = min(20, max(0, -math.floor(math.log10(scaled) + 1e-9)))
    if abs(scaled * 10 ** decimals - round(scaled * 10 ** decimals)) > 1e-6:
        decimals += 1  # 2.5 x 10^k steps
    if sci:
        return [_sci(v, exp, decimals) for v in vals]
    return [_minus(f"{v:.{decimals}f}") if decimals else _minus(f"{round(v):d}") for v in vals]


def _one_digit(v):
    """Whether ``v`` is one significant digit (1.8e308 rounds past the float
    range: not)."""
    try:
        return round(v, -math.floor(math.log10(abs(v)))) == v
    except OverflowError:
        return False


def _round_sig(v, sig=2):
    if v == 0 or not math.isfinite(v):
        return v
    return _round(v, sig - 1 - math.floor(math.log10(abs(v))))


def _log_candidates(norm, lo, hi, n):
    if hi <= 0:
        return nice_ticks(lo, hi, n)
    lo = max(lo, np.finfo(float).tiny)
    e0, e1 = math.ceil(math.log10(lo) - 1e-9), math.floor(math.log10(hi) + 1e-9)
    decades = list(range(e0, e1 + 1))
    if len(decades) >= 3:  # else 1-2-5 steps too, so a short range still gets 3 ticks
        every = max(1, math.ceil(len(decades) / max(n, 1)))
        return [pow10(e) for e in decades[::every]], None
    vals = [m * pow10(e) for e in range(e0 - 1, e1 + 2) for m in (1, 2, 5)]
    vals = [v for v in vals if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)]
    if len(vals) >= 2:
        return vals, None
    return nice_ticks(lo, hi, n)


def _symlog_candidates(norm, lo, hi, n):
    lt = norm.linthresh
    big = max(abs(lo), abs(hi))
    if big <= lt:
        return nice_ticks(lo, hi, n)
    e0, e1 = math.floor(math.log10(lt) + 1e-9), math.floor(math.log10(big) + 1e-9)
    mags = [pow10(e) for e in range(e0, e1 + 1)]
    every = max(1, math.ceil(2 * len(mags) / max(n, 1)))
    mags = mags[::-1][::every][::-1]
    vals = sorted({0.0, *mags, *(-m for m in mags)})
    return [v for v in vals if lo - 1e-12 <= v <= hi + 1e-12], None


def _eq_hist_candidates(norm, lo, hi, n):
    if not hi > lo:
        return nice_ticks(lo, hi, n)
    # Evenly spaced along the bar, labelled with the (rounded) value each
    # position stands for, then placed where that rounded value really is.
    ts = np.linspace(0, 1, max(n, 2))
    vals = sorted({_round_sig(float(v), 2) for v in norm.inverse(ts)})
    return [v for v in vals if lo <= v <= hi] or [lo, hi], None


def _twoslope_candidates(norm, lo, hi, n):
    # nice steps on each side of the centre, which is always a tick
    c, half = float(norm.center), max(1, n // 2)
    below, _ = nice_ticks(lo, c, half)
    above, _ = nice_ticks(c, hi, half)
    return sorted({c, *below, *above}), None


def _levels_candidates(norm, lo, hi, n):
    return [float(e) for e in norm.edges], None  # the band edges


#: Norm kinds with tick values of their own (the others: nice linear steps).
#: Their ticks are thinned to fit rather than re-chosen with fewer candidates.
CANDIDATES = {"log": _log_candidates, "symlog": _symlog_candidates,
              "eq_hist": _eq_hist_candidates, "twoslope": _twoslope_candidates,
              "levels": _levels_candidates}


def colorbar_candidates(norm, n):
    """Tick values for a colorbar of ``norm`` (about ``n`` of them) and a step
    to format them with (None: format each value on its own)."""
    lo, hi = float(norm.vmin), float(norm.vmax)
    own = CANDIDATES.get(norm.kind)
    return own(norm, lo, hi, n) if own else nice_ticks(lo, hi, n)


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



# --------------------------------------------------------------------------- colorbar ticks

def colorbar_ticks(norm, L, font, cb, vertical):
    """``[(position along the strip from its low end, label)]`` for a strip of
    ``L`` pixels: nice values for the norm, spaced so labels never overlap."""
    gap = max(2, font.size // 2)
    if cb.ticks is not None:
        pos, texts = _place_values(norm, cb, L, cb.ticks, None)
        return list(zip(pos, texts))
    unit = max(_extents(font, ["0.0"] if vertical else ["0.000"], vertical)[0], 1)
    n = max(2, min(11, int(L / (unit + gap) / 1.6)))

    def make(n):
        values, step = colorbar_candidates(norm, n)
        return _place_values(norm, cb, L, values, step)

    thin_only = norm.kind in CANDIDATES
    pos, texts = fit_ticks(make, n, font, vertical=vertical, gap=gap, thin_only=thin_only)
    for more in range(n + 1, 12) if len(pos) < 3 and not thin_only else ():
        # fewer than 3 ticks: a denser nice step, if its labels fit with none dropped
        p, t = make(more)
        if len(p) >= 3 and len(thin_positions(np.array(p, float), np.array(
                _extents(font, t, vertical), float), gap)) == len(p):
            pos, texts = p, t
            break
    return list(zip(pos, texts))


def fit_ticks(make, n, font, *, vertical, gap, thin_only=False):
    """``(positions, texts)`` of ``make(n)`` with ``n`` lowered until no label
    has to be dropped to keep ``gap`` between neighbours (at 2, or at once with
    ``thin_only``, the overlapping ones are dropped). Label extents along the
    axis are heights when ``vertical``, else widths."""
    while True:
        pos, texts = make(n)
        keep = thin_positions(np.array(pos, float), np.array(_extents(font, texts, vertical),
                                                             float), gap)
        if len(keep) == len(pos) or thin_only or n <= 2:
            return [pos[i] for i in keep], [texts[i] for i in keep]
        n -= 1


def _extents(font, texts, vertical):
    """Each label's size along the strip: its height on a vertical bar."""
    if vertical:
        return [text_height(font, t) for t in texts]
    return [text_width(font, t) for t in texts]


def _place_values(norm, cb, L, values, step):
    """Positions along a strip of ``L`` pixels and labels of those of
    ``values`` the norm maps into 0..1 (all of them at 0 for a flat norm)."""
    vals = np.asarray(values, float)
    with np.errstate(all="ignore"):
        t = np.asarray(norm.positions(vals), float)
    if norm.flat:
        t = np.where(vals == float(norm.vmin), 0.0, np.nan)
    ok = np.isfinite(t) & (t >= -1e-9) & (t <= 1 + 1e-9)
    vals, t = vals[ok], np.clip(t[ok], 0, 1)
    if isinstance(cb.format, str):
        try:
            texts = format_with(cb.format, vals.tolist())
        except (ValueError, TypeError, IndexError, KeyError, OverflowError) as e:
            raise ValueError(f"colorbar format={cb.format!r} cannot format the tick values "
                             f"{vals.tolist()!r} ({e}); use a spec such as '.2f', '.3g' or "
                             f"'.0%'") from None
    elif cb.format is not None:
        texts = format_with(cb.format, vals.tolist())
    else:
        texts = format_ticks(vals.tolist(), step)
    return list(t * L), texts
