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
from .text import line_height, text_height, text_width

TICK_MODES = "True, False, 'auto', a positive integer step, or a list of labels"


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
        k = np.asarray(k, dtype=np.int64)
        if self.upsampled:
            run = np.empty(self.n_in, np.int64)
            run[self.cells] = np.arange(len(self.cells))
            r = run[k]
            return (self.starts[r] + self.stops[r]) / 2
        c = (k + 0.5) * self.n_out / self.n_in
        return self.n_out - c if self.flip else c

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
    """Smallest 1, 2, 5 x 10^k >= raw (integers)."""
    raw = max(1, math.ceil(raw))
    mag = 10 ** int(math.floor(math.log10(raw)))
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return m * mag
    return 10 * mag


def _label_width(font, texts):
    return max((text_width(font, t) for t in texts), default=0)


def plan_ticks(axis, option, source_labels, font, *, horizontal, gap, name):
    """Which matrix indices get a tick label, the texts, their pixel centres and
    whether x labels are rotated (vertical text) to make room."""
    n = axis.n_in
    labels, mode = _tick_mode(option, source_labels, n, horizontal=horizontal, name=name)
    texts_of = (lambda ks: [str(k) for k in ks]) if labels is None else \
        (lambda ks: [str(labels[k]) for k in ks])
    rotated = False
    if mode == "all":
        step = 1
    elif mode == "step":
        step = option
    elif labels is None:
        step = _number_step(axis, font, texts_of, horizontal=horizontal, gap=gap)
    else:
        step, rotated = _label_step(axis, font, labels, horizontal=horizontal, gap=gap)
    ks = np.arange(0, n, step)
    texts = texts_of(ks.tolist())
    if mode in ("all", "step") and horizontal and len(ks) > 1:
        wide = _label_width(font, texts)
        rotated = step * axis.cell_px < wide + gap
    return Ticks(texts, axis.centers(ks), rotated)


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


def _number_step(axis, font, texts_of, *, horizontal, gap):
    """The ``"auto"`` step for index labels: every index when each cell has
    room for its own label (small matrices, like seaborn), else a nice step
    with generous spacing, wide enough for the widest number shown."""
    n, ppc = axis.n_in, axis.cell_px
    lh = line_height(font)
    step = 1
    for _ in range(20):  # the widest number depends on the step: iterate to a fixed point
        extent = (_label_width(font, texts_of([0, (n - 1) // step * step])) if horizontal
                  else lh)
        room = extent + gap if step == 1 and ppc >= extent + gap else \
            max(extent + gap, 5 * font.size)
        need = _nice_int(room / ppc)
        if need <= step:
            break
        step = need
    return step


def _label_step(axis, font, labels, *, horizontal, gap):
    """seaborn's ``"auto"`` for given labels: any integer step; x labels turn
    vertical when that shows more of them. Returns ``(step, rotated)``."""
    n, ppc = axis.n_in, axis.cell_px
    lh = line_height(font)
    # the 200 longest labels stand for the widest of many
    sample = labels if n <= 2000 else \
        [labels[i] for i in np.argsort([-len(str(t)) for t in labels])[:200]]
    wide = _label_width(font, [str(t) for t in sample])
    step_v = max(1, math.ceil((lh + gap) / ppc))
    step_h = max(1, math.ceil((wide + gap) / ppc)) if horizontal else step_v
    if horizontal and step_h > step_v:
        return step_v, True
    return step_h, False


# --------------------------------------------------------------------------- nice numbers

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


def _log_candidates(norm, lo, hi, n):
    if hi <= 0:
        return nice_ticks(lo, hi, n)
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


def _symlog_candidates(norm, lo, hi, n):
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
    best = None
    while n >= 2:  # fewer candidates until none has to be dropped
        values, step = colorbar_candidates(norm, n)
        pos, texts = _place_values(norm, cb, L, values, step)
        ex = _extents(font, texts, vertical)
        keep = thin_positions(np.array(pos), np.array(ex, float), gap)
        if len(keep) == len(pos) or norm.kind in CANDIDATES:
            best = [(pos[i], texts[i]) for i in keep]
            break
        n -= 1
    if best is None:
        best = [(pos[i], texts[i]) for i in keep]
    return best


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
        t = np.asarray(norm.forward(vals), float)
    if norm.vmin == norm.vmax:
        t = np.where(vals == norm.vmin, 0.0, np.nan)
    ok = np.isfinite(t) & (t >= -1e-9) & (t <= 1 + 1e-9)
    vals, t = vals[ok], np.clip(t[ok], 0, 1)
    if cb.format is not None:
        texts = format_with(cb.format, vals.tolist())
    else:
        texts = format_ticks(vals.tolist(), step)
    return list(t * L), texts
