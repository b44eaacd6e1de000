"""Normalize stage: output-resolution values -> colormap codes.

Everything here runs on the aggregated grid (about a million pixels), never
on the input. Codes follow matplotlib: for a colormap of ``N`` colours,
``i = floor(t * N)``, ``t == 1 -> N - 1``, ``t < 0 -> N`` (under),
``t > 1 -> N + 1`` (over), NaN -> ``N + 2`` (bad).
"""
from __future__ import annotations

import numpy as np

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


class Norm:
    """A fitted normalization: ``forward`` maps data values to 0..1 (outside for
    under/over, NaN for bad), ``inverse`` maps back (for colorbar ticks). One
    subclass per kind, found by name in :data:`KINDS`; :func:`fit` makes them."""

    kind = "linear"

    def __init__(self, vmin, vmax, dtype=np.float64):
        self.vmin, self.vmax, self.dtype = vmin, vmax, np.dtype(dtype)

    def __repr__(self):
        return f"{type(self).__name__}(vmin={self.vmin!r}, vmax={self.vmax!r})"

    # --- fitting: what differs between kinds
    @staticmethod
    def usable(finite):
        """The finite values that can set the default range."""
        return finite

    @staticmethod
    def check(vmin, vmax, center, n_usable):
        """Raise for limits this kind cannot take."""

    @staticmethod
    def centred(lo, hi, center):
        """The range made symmetric around ``center``."""
        r = max(float(hi) - center, center - float(lo))  # not in float16: it may overflow
        return center - r, center + r

    def finish(self, usable, *, linthresh, gamma):
        """Set the kind's own parameters once the range is known."""

    #: Whether the default range comes from the input's values (see :func:`fit`).
    from_input = False

    @staticmethod
    def input_extent(lo, hi, data_range):
        """The default range from the grid's ``(lo, hi)`` and the input's range."""
        return lo, hi

    # --- mapping
    def forward(self, x):
        # matplotlib's arithmetic, in its dtype, so codes match byte for byte.
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            t = np.array(x, dtype=self.dtype)
            lo, hi = _mpl_scalar(self.vmin), _mpl_scalar(self.vmax)
            if lo == hi:
                return np.where(np.isnan(t), t, 0).astype(self.dtype)
            t -= lo
            t /= hi - lo
            return t

    def inverse(self, t):
        """Data values at normalized positions ``t`` (0..1)."""
        t = np.asarray(t, float)
        return self.vmin + t * (self.vmax - self.vmin)


class LogNorm(Norm):
    """Decades; non-positive values are bad."""

    kind = "log"
    from_input = True

    @staticmethod
    def input_extent(lo, hi, data_range):
        # the input's smallest positive value, not the slivers of cells that
        # area weights leave below it; an ulp of rounding above the input's max
        # stays in range
        if data_range.max is not None:
            hi = max(hi, data_range.max)
        bottom = data_range.min_positive
        return (bottom if bottom is not None and bottom <= hi else lo), hi

    @staticmethod
    def usable(finite):
        return finite[finite > 0]

    @staticmethod
    def check(vmin, vmax, center, n_usable):
        if n_usable == 0 and (vmin is None or vmax is None):
            raise ValueError("norm='log' needs positive values, and the data has none; "
                             "use norm='symlog' for data with zeros or negatives")
        if vmin is not None and vmin <= 0:
            raise ValueError(f"vmin={vmin!r} must be positive for norm='log'")
        if vmax is not None and vmax <= 0:
            raise ValueError(f"vmax={vmax!r} must be positive for norm='log'")
        if center is not None and center <= 0:
            raise ValueError(f"center={center!r} must be positive for norm='log'")

    @staticmethod
    def centred(lo, hi, center):
        r = max(np.log10(float(hi) / center), np.log10(center / float(lo)))  # decades
        return center / 10 ** r, center * 10 ** r

    def forward(self, x):
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            x = np.where(np.asarray(x) > 0, x, np.nan)
            return _unit(np.log10(x), np.log10(self.vmin), np.log10(self.vmax))

    def inverse(self, t):
        lo, hi = np.log10(self.vmin), np.log10(self.vmax)
        return 10 ** (lo + np.asarray(t, float) * (hi - lo))


class SymLogNorm(Norm):
    """matplotlib's SymLogNorm (base 10, linscale 1): linear within
    ``linthresh`` of 0, logarithmic beyond."""

    kind = "symlog"
    linthresh = 1.0
    from_input = True

    @staticmethod
    def input_extent(lo, hi, data_range):
        return (lo if data_range.min is None else min(lo, data_range.min),
                hi if data_range.max is None else max(hi, data_range.max))

    def finish(self, usable, *, linthresh, gamma):
        self.linthresh = float(linthresh) if linthresh is not None else \
            (max(abs(self.vmin), abs(self.vmax)) / 100 or 1.0)

    def _symlog(self, x):
        x = np.asarray(x, float)
        lt = self.linthresh
        a = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.sign(x) * lt * (_SYMLOG_SCALE + np.log10(a / lt))
        return np.where(a <= lt, x * _SYMLOG_SCALE, out)

    def forward(self, x):
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            f = self._symlog
            return _unit(f(x), f(self.vmin), f(self.vmax))

    def inverse(self, t):
        lo, hi = self._symlog(self.vmin), self._symlog(self.vmax)
        y = lo + np.asarray(t, float) * (hi - lo)
        lt, scale = self.linthresh, _SYMLOG_SCALE
        inside = np.abs(y) <= lt * scale
        with np.errstate(over="ignore"):
            out = np.sign(y) * lt * 10 ** (np.abs(y) / lt - scale)
        return np.where(inside, y / scale, out)


class PowerNorm(Norm):
    """``t ** gamma`` of the linear position (``"sqrt"``: gamma 0.5)."""

    kind = "power"
    gamma = 0.5

    def finish(self, usable, *, linthresh, gamma):
        self.gamma = float(gamma if gamma is not None else 0.5)

    def forward(self, x):
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            t = _unit(np.asarray(x, float), self.vmin, self.vmax)
            return np.where(t < 0, t, np.abs(t) ** self.gamma)

    def inverse(self, t):
        return self.vmin + np.asarray(t, float) ** (1 / self.gamma) * (self.vmax - self.vmin)


class SqrtNorm(PowerNorm):
    kind = "sqrt"

    def finish(self, usable, *, linthresh, gamma):
        self.gamma = 0.5


class EqHistNorm(Norm):
    """Histogram equalization: the fraction of pixels below each value."""

    kind = "eq_hist"
    cdf = ()  # (values, levels)

    def finish(self, usable, *, linthresh, gamma):
        lo, hi = self.vmin, self.vmax
        self.cdf = _eq_hist(usable[(usable >= lo) & (usable <= hi)], lo, hi)

    def forward(self, x):
        x = np.asarray(x)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if self.vmin == self.vmax:  # one colour, as the other norms give
                return np.where(np.isnan(x), np.nan, 0.0)
            values, levels = self.cdf
            t = np.interp(x, values, levels)
            t[x < self.vmin] = -1.0
            t[x > self.vmax] = 2.0
            t[np.isnan(x)] = np.nan
            return t

    def inverse(self, t):
        values, levels = self.cdf
        return np.interp(np.asarray(t, float), levels, values)


#: Norm classes by the name ``norm=`` takes.
KINDS = {cls.kind: cls for cls in (Norm, LogNorm, SymLogNorm, SqrtNorm, PowerNorm, EqHistNorm)}
NORMS = tuple(KINDS)
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


def _check_number(name, v, positive=False):
    if v is None:
        return
    ok = not isinstance(v, (bool, np.bool_)) and np.isscalar(v) and np.isreal(v) and \
        np.isfinite(v)
    if positive:
        if not (np.isscalar(v) and np.isreal(v) and np.isfinite(v) and v > 0):
            raise ValueError(f"{name}={v!r} must be a positive number")
    elif not ok:
        raise ValueError(f"{name}={v!r} must be a finite number or None")


def takes_input_range(norm, *, vmin=None, vmax=None, robust=False):
    """Whether :func:`fit` with these options would use the input's range
    (so the aggregation should gather it)."""
    cls = KINDS.get(norm) if isinstance(norm, str) else None
    return cls is not None and cls.from_input and not robust and (vmin is None or vmax is None)


def fit(grid, *, norm="linear", vmin=None, vmax=None, center=None, robust=False,
        linthresh=None, gamma=None, dtype=np.float64, data_range=None) -> Norm:
    """Fit a :class:`Norm` to the aggregated ``grid``.

    ``vmin``/``vmax`` default to the range of the finite values (2nd-98th
    percentile with ``robust=True``, like seaborn); ``center`` makes the range
    symmetric around it (seaborn's diverging maps); ``norm="log"`` starts at the
    smallest positive value.

    ``data_range`` (a :class:`~fastheat.aggregation.reductions.DataRange` of
    the input, any field None) sets the default range of ``log`` (the input's
    smallest positive value to its largest, as matplotlib's ``LogNorm``
    autoscales on the whole matrix) and ``symlog`` (the input's min to max),
    so slivers of cells at the edges of pixels do not stretch it; the range
    also takes in the grid's values above (or, for symlog, below) it. The
    other norms, and ``robust=True``, use the grid.
    """
    cls = KINDS.get(norm) if isinstance(norm, str) else None
    if cls is None:
        raise ValueError(f"norm={norm!r} is not a norm; choose one of " + ", ".join(map(repr, NORMS)))
    for name, v in (("vmin", vmin), ("vmax", vmax), ("center", center)):
        _check_number(name, v)
    if vmin is not None and vmax is not None and vmin > vmax:
        raise ValueError(f"vmin={vmin!r} is greater than vmax={vmax!r}; vmin must be <= vmax")
    _check_number("gamma", gamma, positive=True)
    _check_number("linthresh", linthresh, positive=True)
    finite, extent = _finite(grid)
    usable = cls.usable(finite)
    if usable is not finite:
        extent = (usable.min(), usable.max()) if usable.size else (None, None)
    cls.check(vmin, vmax, None, usable.size)
    if data_range is not None and cls.from_input and not robust and extent[0] is not None:
        extent = cls.input_extent(*extent, data_range)
    lo, hi = vmin, vmax
    if usable.size and (lo is None or hi is None):
        p_lo, p_hi = np.percentile(usable, [2, 98]) if robust else extent
        # linear: in the values' own float type, as matplotlib's autoscale keeps
        # it (forward() casts the values to that type too); others compute in
        # float64, where a rounded bound would turn the extreme pixels under/over
        as_type = np.dtype(dtype).type if cls is Norm else float
        lo = as_type(p_lo) if lo is None else lo
        hi = as_type(p_hi) if hi is None else hi
    if lo is None or hi is None:  # nothing finite: every pixel is bad anyway
        lo, hi = 0.0, 1.0
    if float(lo) > float(hi):  # one bound given, the data on the other side of it
        lo, hi = (lo, lo) if vmin is not None else (hi, hi)
    if center is not None:
        cls.check(None, None, center, 1)
        lo, hi = cls.centred(lo, hi, center)
    if vmin is None and vmax is None and hi <= lo + 2.0 ** -40 * max(abs(lo), abs(hi)):
        # A constant matrix resampled with fractional area weights is constant
        # only up to rounding: one colour, not that noise stretched over the map.
        lo = hi
    fitted = cls(lo, hi, dtype)
    fitted.finish(usable, linthresh=linthresh, gamma=gamma)
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
