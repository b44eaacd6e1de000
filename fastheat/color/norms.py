"""Normalize stage: output-resolution values -> colormap codes.

Everything here runs on the aggregated grid (about a million pixels), never
on the input. Codes follow matplotlib: for a colormap of ``N`` colours,
``i = floor(t * N)``, ``t == 1 -> N - 1``, ``t < 0 -> N`` (under),
``t > 1 -> N + 1`` (over), NaN -> ``N + 2`` (bad).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NORMS = ("linear", "log", "symlog", "sqrt", "power", "eq_hist")
_EQ_HIST_BINS = 256 * 256


def work_dtype(dtype):
    """The float type matplotlib normalizes values of ``dtype`` in (its
    ``Normalize.process_value``): floats keep theirs, small ints -> float32,
    larger ints -> float64."""
    dtype = np.dtype(dtype)
    if dtype.kind in "biu":
        return np.promote_types(dtype, np.float32)
    return dtype.newbyteorder("=")


def _mpl_scalar(v):
    # matplotlib converts vmin/vmax with the same rule, value by value.
    return np.asarray([v], dtype=work_dtype(np.min_scalar_type([v])))[0]


@dataclass
class Norm:
    """A fitted normalization: ``forward`` maps data values to 0..1 (outside for
    under/over, NaN for bad), ``inverse`` maps back (for colorbar ticks)."""

    kind: str
    vmin: float
    vmax: float
    linthresh: float = 1.0
    gamma: float = 0.5
    dtype: np.dtype = field(default_factory=lambda: np.dtype(np.float64))
    cdf: tuple = ()  # eq_hist: (values, levels)

    def forward(self, x):
        x = np.asarray(x)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if self.kind == "linear":
                # matplotlib's arithmetic, in its dtype, so codes match byte for byte.
                t = np.array(x, dtype=self.dtype)
                lo, hi = _mpl_scalar(self.vmin), _mpl_scalar(self.vmax)
                if lo == hi:
                    return np.where(np.isnan(t), t, 0).astype(self.dtype)
                t -= lo
                t /= hi - lo
                return t
            if self.kind == "log":
                x = np.where(x > 0, x, np.nan)
                lo, hi = np.log10(self.vmin), np.log10(self.vmax)
                return _unit(np.log10(x), lo, hi)
            if self.kind == "symlog":
                f = self._symlog
                return _unit(f(x), f(self.vmin), f(self.vmax))
            if self.kind in ("sqrt", "power"):
                t = _unit(np.asarray(x, float), self.vmin, self.vmax)
                return np.where(t < 0, t, np.abs(t) ** self.gamma)
            # eq_hist: the fraction of pixels below each value
            if self.vmin == self.vmax:  # one colour, as the other norms give
                return np.where(np.isnan(x), np.nan, 0.0)
            values, levels = self.cdf
            t = np.interp(x, values, levels)
            t[np.asarray(x) < self.vmin] = -1.0
            t[np.asarray(x) > self.vmax] = 2.0
            t[np.isnan(x)] = np.nan
            return t

    def inverse(self, t):
        """Data values at normalized positions ``t`` (0..1)."""
        t = np.asarray(t, float)
        if self.kind == "linear":
            return self.vmin + t * (self.vmax - self.vmin)
        if self.kind == "log":
            lo, hi = np.log10(self.vmin), np.log10(self.vmax)
            return 10 ** (lo + t * (hi - lo))
        if self.kind == "symlog":
            lo, hi = self._symlog(self.vmin), self._symlog(self.vmax)
            y = lo + t * (hi - lo)
            lt, scale = self.linthresh, _SYMLOG_SCALE
            inside = np.abs(y) <= lt * scale
            with np.errstate(over="ignore"):
                out = np.sign(y) * lt * 10 ** (np.abs(y) / lt - scale)
            return np.where(inside, y / scale, out)
        if self.kind in ("sqrt", "power"):
            return self.vmin + t ** (1 / self.gamma) * (self.vmax - self.vmin)
        values, levels = self.cdf
        return np.interp(t, levels, values)

    def _symlog(self, x):
        # matplotlib's SymLogNorm transform (base 10, linscale 1).
        x = np.asarray(x, float)
        lt = self.linthresh
        a = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.sign(x) * lt * (_SYMLOG_SCALE + np.log10(a / lt))
        return np.where(a <= lt, x * _SYMLOG_SCALE, out)


_SYMLOG_SCALE = 1 / (1 - 1 / 10)


def _unit(x, lo, hi):
    return (x - lo) / (hi - lo) if hi > lo else np.where(np.isnan(x), x, 0.0)


def _finite(grid):
    """The finite values of ``grid`` (a view of it when there is nothing to
    drop) and their range (None when there are none)."""
    lo, hi = (grid.min(), grid.max()) if grid.size else (np.nan, np.nan)  # NaN propagates
    if not (np.isfinite(lo) and np.isfinite(hi)):
        grid = grid[np.isfinite(grid)]
        lo, hi = (grid.min(), grid.max()) if grid.size else (None, None)
    return grid.ravel(), (lo, hi)


def fit(grid, *, norm="linear", vmin=None, vmax=None, center=None, robust=False,
        linthresh=None, gamma=None, dtype=np.float64) -> Norm:
    """Fit a :class:`Norm` to the aggregated ``grid``.

    ``vmin``/``vmax`` default to the range of the finite values (2nd-98th
    percentile with ``robust=True``, like seaborn); ``center`` makes the range
    symmetric around it (seaborn's diverging maps); ``norm="log"`` starts at the
    smallest positive value.
    """
    if norm not in NORMS:
        raise ValueError(f"norm={norm!r} is not a norm; choose one of " + ", ".join(map(repr, NORMS)))
    for name, v in (("vmin", vmin), ("vmax", vmax), ("center", center)):
        if v is not None and (isinstance(v, (bool, np.bool_)) or not np.isscalar(v)
                              or not np.isreal(v) or not np.isfinite(v)):
            raise ValueError(f"{name}={v!r} must be a finite number or None")
    if vmin is not None and vmax is not None and vmin > vmax:
        raise ValueError(f"vmin={vmin!r} is greater than vmax={vmax!r}; vmin must be <= vmax")
    if gamma is not None and not (np.isscalar(gamma) and np.isreal(gamma) and np.isfinite(gamma)
                                  and gamma > 0):
        raise ValueError(f"gamma={gamma!r} must be a positive number")
    if linthresh is not None and not (np.isscalar(linthresh) and np.isreal(linthresh)
                                      and np.isfinite(linthresh) and linthresh > 0):
        raise ValueError(f"linthresh={linthresh!r} must be a positive number")
    finite, extent = _finite(grid)
    if norm == "log":
        finite = finite[finite > 0]
        extent = (finite.min(), finite.max()) if finite.size else (None, None)
        if finite.size == 0 and (vmin is None or vmax is None):
            raise ValueError("norm='log' needs positive values, and the data has none; "
                             "use norm='symlog' for data with zeros or negatives")
        if vmin is not None and vmin <= 0:
            raise ValueError(f"vmin={vmin!r} must be positive for norm='log'")
        if vmax is not None and vmax <= 0:
            raise ValueError(f"vmax={vmax!r} must be positive for norm='log'")
    lo, hi = vmin, vmax
    if finite.size and (lo is None or hi is None):
        if robust:
            p_lo, p_hi = np.percentile(finite, [2, 98])
        else:
            p_lo, p_hi = extent
        # linear: in the values' own float type, as matplotlib's autoscale keeps
        # it (forward() casts the values to that type too); others compute in
        # float64, where a rounded bound would turn the extreme pixels under/over
        as_type = np.dtype(dtype).type if norm == "linear" else float
        lo = as_type(p_lo) if lo is None else lo
        hi = as_type(p_hi) if hi is None else hi
    if lo is None or hi is None:  # nothing finite: every pixel is bad anyway
        lo, hi = 0.0, 1.0
    if float(lo) > float(hi):  # one bound given, the data on the other side of it
        lo, hi = (lo, lo) if vmin is not None else (hi, hi)
    if center is not None and norm == "log":
        if center <= 0:
            raise ValueError(f"center={center!r} must be positive for norm='log'")
        r = max(np.log10(float(hi) / center), np.log10(center / float(lo)))  # decades
        lo, hi = center / 10 ** r, center * 10 ** r
    elif center is not None:
        r = max(float(hi) - center, center - float(lo))  # not in float16: it may overflow
        lo, hi = center - r, center + r
    if vmin is None and vmax is None and hi <= lo + 2.0 ** -40 * max(abs(lo), abs(hi)):
        # A constant matrix resampled with fractional area weights is constant
        # only up to rounding: one colour, not that noise stretched over the map.
        lo = hi
    fitted = Norm(norm, lo, hi, dtype=np.dtype(dtype))
    if norm == "symlog":
        fitted.linthresh = float(linthresh) if linthresh is not None else \
            (max(abs(lo), abs(hi)) / 100 or 1.0)
    if norm in ("sqrt", "power"):
        fitted.gamma = 0.5 if norm == "sqrt" else float(gamma if gamma is not None else 0.5)
    if norm == "eq_hist":
        fitted.cdf = _eq_hist(finite[(finite >= lo) & (finite <= hi)], lo, hi)
    return fitted


def _eq_hist(values, lo, hi):
    """Histogram equalization like datashader's: the cumulative histogram over
    65,536 bins, rescaled so the lowest value maps to 0 and the highest to 1."""
    if values.size == 0 or hi <= lo:
        return np.array([lo, hi]), np.array([0.0, 1.0])
    try:
        hist, edges = np.histogram(values, bins=_EQ_HIST_BINS, range=(lo, hi))
    except ValueError:  # a range of a few ulps: fewer, distinct bin edges
        hist, edges = np.histogram(values, bins=np.unique(np.linspace(lo, hi, _EQ_HIST_BINS + 1)))
    centers = (edges[:-1] + edges[1:]) / 2
    keep = hist > 0
    cdf = np.cumsum(hist[keep]).astype(float)
    centers = centers[keep]
    if cdf.size == 1:
        return np.array([lo, hi]), np.array([0.0, 1.0])
    levels = (cdf - cdf[0]) / (cdf[-1] - cdf[0])
    centers[0], centers[-1] = lo, hi
    return centers, levels


def codes(t, n):
    """Colormap codes (uint16) of normalized values ``t`` for a LUT of ``n``
    colours: matplotlib's ``Colormap.__call__`` rule, in ``t``'s own dtype."""
    t = np.asarray(t)
    if t.dtype not in (np.float32, np.float64) or t.ndim != 2:
        xa = np.array(t, dtype=t.dtype.newbyteorder("=") if t.dtype.kind == "f" else np.float64)
        xa *= n
        xa[xa == n] = n - 1
        under, over, bad = xa < 0, xa >= n, np.isnan(xa)
        with np.errstate(invalid="ignore"):
            out = xa.astype(np.uint16)
        out[under], out[over], out[bad] = n, n + 1, n + 2
        return out
    from ._kernels import KERNEL_LOCK, colormap_codes

    out = np.empty(t.shape, np.uint16)
    with KERNEL_LOCK:
        colormap_codes(t, t.dtype.type(n), out)
    return out
