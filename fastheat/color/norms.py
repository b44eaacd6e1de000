"""Normalize stage: output-resolution values -> colormap codes.

Everything here runs on the aggregated grid (about a million pixels), never
on the input. Codes follow matplotlib: for a colormap of ``N`` colours,
``i = floor(t * N)``, ``t == 1 -> N - 1``, ``t < 0 -> N`` (under),
``t > 1 -> N + 1`` (over), NaN and +-inf -> ``N + 2`` (bad, as matplotlib
masks them).

``center=`` follows seaborn: the range stays ``vmin..vmax`` and the colormap is
resampled (:meth:`Norm.recentred`) so that ``center`` gets its middle colour;
``norm="twoslope"`` instead puts ``center`` at the middle of the norm itself
(matplotlib's ``TwoSlopeNorm``). ``levels=`` makes discrete bands
(:class:`LevelsNorm`, matplotlib's ``BoundaryNorm``), and a matplotlib
``Normalize`` object is used as it is (:class:`MatplotlibNorm`).
"""
from __future__ import annotations

import copy

import numpy as np

from .._validate import is_number, real, short_repr

_EQ_HIST_BINS = 256 * 256
#: Most bands ``levels=`` may ask for.
MAX_LEVELS = 1000


def work_dtype(dtype):
    """The float type matplotlib normalizes values of ``dtype`` in (its
    ``Normalize.process_value``): floats keep theirs, small ints -> float32,
    larger ints -> float64."""
    dtype = np.dtype(dtype)
    if dtype.kind in "biu":
        return np.promote_types(dtype, np.float32)
    return dtype.newbyteorder("=")


def _overflows(*spans):
    """Whether a difference of finite values overflowed (their range exceeds
    the float range): the arithmetic is then done on halved values, which
    halving keeps finite and, but for subnormals, exact."""
    return not all(np.isfinite(s).all() for s in spans)


def _lerp(lo, hi, t):
    """``lo + t * (hi - lo)`` for positions ``t``, finite even when ``hi - lo``
    exceeds the float range."""
    t = np.asarray(t, float)
    with np.errstate(over="ignore"):
        span = hi - lo
    if _overflows(span):
        return lo * (1 - t) + hi * t
    return lo + t * span


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

    @property
    def flat(self):
        """Whether ``vmin == vmax`` (one colour). Compared as floats: each
        limit keeps its own type (matplotlib's), and numpy compares a float16
        limit with a Python float one in float16, where the other overflows."""
        return float(self.vmin) == float(self.vmax)

    # --- fitting: what differs between kinds
    @staticmethod
    def usable(finite):
        """The finite values that can set the default range."""
        return finite

    @staticmethod
    def check(vmin, vmax, center, n_usable):
        """Raise for limits this kind cannot take."""

    def finish(self, usable, **params):
        """Set the kind's own parameters (``linthresh``, ``linscale``, ``base``,
        ``gamma``, ``center``) once the range is known."""

    # --- centring (seaborn's ``center=``)
    def centre_span(self, center):
        """The part ``(cmin, cmax)`` of the colormap that ``vmin..vmax`` shows
        once it is resampled around ``center``: seaborn's arithmetic
        (``_HeatMapper._determine_cmap_params``), in float64."""
        vmin, vmax, center = float(self.vmin), float(self.vmax), float(center)
        if self.kind != "linear":  # the same rule in the norm's own scale (log: decades)
            with np.errstate(all="ignore"):
                center = float(np.asarray(self.forward(np.array([center], float)), float)[0])
            vmin, vmax, center = 0.0, 1.0, min(max(center, -1e300), 1e300)
        vrange = max(vmax - center, center - vmin)
        lo, hi = center - vrange, center + vrange
        if _overflows(hi - lo):  # beyond the float range: in quarters, the same ratios
            vmin, vmax, center = vmin / 4, vmax / 4, center / 4
            vrange = max(vmax - center, center - vmin)
            lo, hi = center - vrange, center + vrange
        if hi == lo:
            return 0.0, 0.0
        return (vmin - lo) / (hi - lo), (vmax - lo) / (hi - lo)

    def recentred(self, palette, center):
        """``palette`` resampled to 256 colours so that ``center`` gets its
        middle colour, both sides at the same rate (seaborn's ``center=``);
        its bad colour kept, and its under/over colours where they differ from
        its end colours. ``center=None``: ``palette`` itself."""
        if center is None:
            return palette
        from .colormaps import Palette

        cc = np.linspace(*self.centre_span(center), 256)
        idx = codes(cc[None], palette.N)[0]
        lut, floats = palette.table[idx], palette.float_table  # floats: seaborn's text colours
        n = palette.N
        under = n if (palette.under != palette.lut[0]).any() else idx[0]
        over = n + 1 if (palette.over != palette.lut[-1]).any() else idx[-1]
        return Palette(palette.name, lut, palette.table[under], palette.table[over], palette.bad,
                       np.vstack([floats[idx], floats[[under, over, n + 2]]]))

    # --- coding
    nonfinite = True  # the grid may hold +-inf (fit() clears it when it has none)
    discrete = False  # bands: the colorbar strip shows one colour per band

    def encode(self, x, n):
        """uint16 colormap codes of the values ``x`` for a LUT of ``n`` colours;
        +-inf are bad."""
        fused = _linear_codes(self, x, n) if type(self) is Norm else None
        if fused is not None:
            return fused
        t = self.forward(x)
        if self.nonfinite:
            inf = np.isinf(x)
            if inf.any():
                t = np.array(t)  # (a copy: forward may return its input)
                t[inf] = np.nan
        return codes(t, n)

    def strip_codes(self, t, n):
        """Codes of the colorbar strip at positions ``t`` (0..1): every colour
        in order, or one per band for a discrete norm."""
        t = np.asarray(t, float)
        if self.discrete:
            return self.encode(self.inverse(t)[None], n)[0]
        return np.minimum((t * n).astype(np.int64), n - 1)

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
            if _overflows(hi - lo):  # a range beyond the float range: halved, finite
                half = self.dtype.type(0.5)
                lo, hi = lo * half, hi * half
                t *= half
            t -= lo
            t /= hi - lo
            return t

    def inverse(self, t):
        """Data values at normalized positions ``t`` (0..1)."""
        return _lerp(float(self.vmin), float(self.vmax), t)

    def positions(self, x):
        """:meth:`forward` for values that are not data (colorbar ticks), in
        float64: the linear norm of float16 data maps a tick beyond float16's
        range (80000 on a bar up to ``vmax=1e5``) to inf in its own type, and
        the tick would be lost."""
        if type(self).forward is not Norm.forward or self.dtype == np.float64:
            return self.forward(x)
        wide = copy.copy(self)
        wide.dtype = np.dtype(np.float64)
        return wide.forward(x)


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

    def forward(self, x):
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            t = np.where(np.asarray(x) > 0, x, np.nan)  # one temporary, worked in place
            return _unit(np.log10(t, out=t), np.log10(self.vmin), np.log10(self.vmax), out=t)

    def inverse(self, t):
        lo, hi = np.log10(self.vmin), np.log10(self.vmax)
        return 10 ** (lo + np.asarray(t, float) * (hi - lo))


class SymLogNorm(Norm):
    """matplotlib's SymLogNorm (``linscale`` default 1, ``base`` default 10):
    linear within ``linthresh`` of 0, logarithmic beyond."""

    kind = "symlog"
    linthresh, linscale, base = 1.0, 1.0, 10.0
    from_input = True

    @staticmethod
    def input_extent(lo, hi, data_range):
        return (lo if data_range.min is None else min(lo, data_range.min),
                hi if data_range.max is None else max(hi, data_range.max))

    def finish(self, usable, *, linthresh=None, linscale=None, base=None, **_):
        self.linthresh = float(linthresh) if linthresh is not None else \
            (max(abs(self.vmin), abs(self.vmax)) / 100 or 1.0)
        self.linscale = 1.0 if linscale is None else float(linscale)
        self.base = 10.0 if base is None else float(base)

    @property
    def _scale(self):  # matplotlib's linscale_adj
        return self.linscale / (1 - 1 / self.base)

    def _symlog(self, x):
        x = np.asarray(x, float)
        lt, scale = self.linthresh, self._scale
        a = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.sign(x) * lt * (scale + np.log10(a / lt) / np.log10(self.base))
        return np.where(a <= lt, x * scale, out)

    def forward(self, x):
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            f = self._symlog
            return _unit(f(x), f(self.vmin), f(self.vmax))

    def inverse(self, t):
        lo, hi = self._symlog(self.vmin), self._symlog(self.vmax)
        y = lo + np.asarray(t, float) * (hi - lo)
        lt, scale = self.linthresh, self._scale
        inside = np.abs(y) <= lt * scale
        with np.errstate(over="ignore"):
            out = np.sign(y) * lt * self.base ** (np.abs(y) / lt - scale)
        return np.where(inside, y / scale, out)


class PowerNorm(Norm):
    """``t ** gamma`` of the linear position (``"sqrt"``: gamma 0.5)."""

    kind = "power"
    gamma = 0.5

    def finish(self, usable, *, gamma=None, **_):
        self.gamma = float(gamma if gamma is not None else 0.5)

    def forward(self, x):
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            t = _unit(np.asarray(x, float), self.vmin, self.vmax)
            return np.where(t < 0, t, np.abs(t) ** self.gamma)

    def inverse(self, t):
        with np.errstate(over="ignore"):
            u = np.asarray(t, float) ** (1 / self.gamma)
        return _lerp(float(self.vmin), float(self.vmax), u)


class SqrtNorm(PowerNorm):
    kind = "sqrt"

    def finish(self, usable, **_):
        self.gamma = 0.5


class EqHistNorm(Norm):
    """Histogram equalization: the fraction of pixels below each value."""

    kind = "eq_hist"
    cdf = ()  # (values, levels)

    def finish(self, usable, **_):
        lo, hi = self.vmin, self.vmax
        self.cdf = _eq_hist(usable[(usable >= lo) & (usable <= hi)], lo, hi)

    def forward(self, x):
        x = np.asarray(x)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if self.flat:  # one colour, as the other norms give
                return np.where(np.isnan(x), np.nan, 0.0)
            values, levels = self.cdf
            t = _interp(x, values, levels, None, None)
            t[x < self.vmin] = -1.0
            t[x > self.vmax] = 2.0
            t[np.isnan(x)] = np.nan
            return t

    def inverse(self, t):
        values, levels = self.cdf
        return _interp_values(t, levels, values)


class TwoSlopeNorm(Norm):
    """matplotlib's ``TwoSlopeNorm``: ``vmin..center`` maps to the lower half of
    the colormap and ``center..vmax`` to the upper half, each linearly."""

    kind = "twoslope"
    center = 0.0

    def finish(self, usable, *, center, **_):
        self.center = float(center)

    def recentred(self, palette, center):
        return palette  # center is the norm's own midpoint

    def forward(self, x):
        return _interp(x, [self.vmin, self.center, self.vmax], [0.0, 0.5, 1.0])

    def inverse(self, t):
        return _interp_values(t, [0.0, 0.5, 1.0], [self.vmin, self.center, self.vmax])


class LevelsNorm(Norm):
    """Discrete bands between ``edges`` (``levels=``), coded like matplotlib's
    ``BoundaryNorm(edges, ncolors=N)``: band ``i`` of ``K`` gets colour
    ``int(i * (N - 1) / (K - 1))`` (one band: the middle colour), values below
    the first edge are under, above the last over. Unlike ``BoundaryNorm``, the
    last edge itself belongs to the top band (as ``np.histogram``'s last bin),
    so a range's maximum is not drawn as over. Along the colorbar every band has
    the same length (matplotlib's ``spacing="uniform"``)."""

    kind = "levels"
    discrete = True
    edges = np.array([0.0, 1.0])

    def __repr__(self):
        return f"LevelsNorm(edges={self.edges.tolist()!r})"

    def _steps(self):
        return np.linspace(0.0, 1.0, len(self.edges))

    def forward(self, x):
        return _interp(x, self.edges, self._steps())

    def inverse(self, t):
        return _interp_values(t, self._steps(), self.edges)

    def encode(self, x, n):
        e, k = self.edges, len(self.edges) - 1
        if n < k:
            raise ValueError(f"levels= makes {k} bands but the colormap has only {n} colours; "
                             f"use fewer levels or a colormap with more colours")
        x = np.asarray(x, float)
        band = np.minimum(np.searchsorted(e, x, side="right") - 1, k - 1)
        if k == 1:
            out = np.full(x.shape, (n - 1) // 2, np.uint16)
        else:  # matplotlib's arithmetic: a float64 product truncated
            out = ((n - 1) / (k - 1) * band).astype(np.int16).astype(np.uint16)
        out[x < e[0]], out[x > e[-1]], out[~np.isfinite(x)] = n, n + 1, n + 2
        return out


class MatplotlibNorm(Norm):
    """A matplotlib ``Normalize`` object (``LogNorm``, ``SymLogNorm``,
    ``PowerNorm``, ``TwoSlopeNorm``, ``CenteredNorm``, ``BoundaryNorm``, ...)
    used as it is, on a copy: limits it leaves unset autoscale to the finite
    values as ``imshow`` does (NaN and +-inf are masked, so bad), and its
    codes are matplotlib's bytes for ``cmap(norm(data))``."""

    def __init__(self, obj, grid, dtype=np.float64):
        import copy

        self.obj = copy.deepcopy(obj)  # autoscaling sets limits: never on the user's object
        self.kind = _MPL_KINDS.get(type(obj).__name__, "linear")
        self.discrete = self.kind == "levels"
        self.dtype = np.dtype(dtype)
        data = self._masked(grid)
        if data.count():
            self.obj.autoscale_None(data)
        self.vmin, self.vmax = self.obj.vmin, self.obj.vmax
        if self.vmin is None or self.vmax is None:  # nothing finite: every pixel is bad
            self.vmin, self.vmax = 0.0, 1.0
        self.linthresh = getattr(self.obj, "linthresh", None)
        self.center = getattr(self.obj, "vcenter", None)
        self.edges = np.asarray(getattr(self.obj, "boundaries", ()), float)

    def __repr__(self):
        return f"MatplotlibNorm({self.obj!r}, vmin={self.vmin!r}, vmax={self.vmax!r})"

    def _masked(self, x):
        return np.ma.masked_invalid(np.asarray(x, self.dtype))

    def _call(self, x):
        data = self._masked(x)
        if not data.count():
            return np.ma.masked_all(data.shape)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return self.obj(data)

    def forward(self, x):
        if self.discrete:  # positions along the colorbar: bands of equal length
            return np.interp(np.asarray(x, float), self.edges,
                             np.linspace(0, 1, len(self.edges)), left=-np.inf, right=np.inf)
        return np.ma.filled(np.ma.asarray(self._call(x), float), np.nan)

    def inverse(self, t):
        if self.discrete:
            return np.interp(np.asarray(t, float), np.linspace(0, 1, len(self.edges)), self.edges)
        return np.asarray(self.obj.inverse(np.asarray(t, float)), float)

    def encode(self, x, n):
        t = self._call(x)
        if t.dtype.kind == "f":
            return codes(np.ma.filled(t, np.nan), n)
        i = np.ma.getdata(t).astype(np.int64)  # BoundaryNorm: colour indices, as Colormap takes them
        out = np.where(i < 0, n, np.where(i >= n, n + 1, i)).astype(np.uint16)
        out[np.ma.getmaskarray(t)] = n + 2
        return out


#: Norm kinds of matplotlib's classes, for their colorbar ticks.
_MPL_KINDS = {"LogNorm": "log", "SymLogNorm": "symlog", "TwoSlopeNorm": "twoslope",
              "BoundaryNorm": "levels"}


#: Norm classes by the name ``norm=`` takes.
KINDS = {cls.kind: cls for cls in (Norm, LogNorm, SymLogNorm, SqrtNorm, PowerNorm, EqHistNorm,
                                   TwoSlopeNorm)}
NORMS = tuple(KINDS)


def _unit(x, lo, hi, out=None):
    """``(x - lo) / (hi - lo)``, into ``out`` (``x`` itself, a temporary) when given."""
    if not hi > lo:
        return np.where(np.isnan(x), x, 0.0)
    with np.errstate(over="ignore"):
        if _overflows(hi - lo):  # a range beyond the float range: halved, finite
            x, lo, hi, out = np.asarray(x) * 0.5, lo * 0.5, hi * 0.5, None
    if out is None or np.result_type(out, lo, hi) != out.dtype:  # (float32 x, float64 lo)
        return (x - lo) / (hi - lo)
    np.subtract(x, lo, out=out)
    out /= hi - lo
    return out


def _interp(x, xp, fp, left=-np.inf, right=np.inf):
    """``np.interp`` with -inf/inf outside ``xp`` (as matplotlib's
    ``TwoSlopeNorm``); on halved values when a step of ``xp`` exceeds the
    float range (np.interp's slope would be 0)."""
    x, xp = np.asarray(x, float), np.asarray(xp, float)
    with np.errstate(over="ignore"):
        if _overflows(np.diff(xp)):
            x, xp = x * 0.5, xp * 0.5
    return np.interp(x, xp, fp, left=left, right=right)


def _interp_values(t, tp, values):
    """``np.interp(t, tp, values)`` (positions to data values), on halved
    values when a step of ``values`` exceeds the float range."""
    values = np.asarray(values, float)
    with np.errstate(over="ignore"):
        if _overflows(np.diff(values)):
            return np.interp(np.asarray(t, float), tp, values * 0.5) * 2
    return np.interp(np.asarray(t, float), tp, values)


def _finite(grid, known=None):
    """The finite values of ``grid`` (a view of it when there is nothing to
    drop) and their range (None when there are none); ``known``: the caller's
    ``(grid.min(), grid.max())``, not computed again."""
    lo, hi = known if known is not None else \
        (grid.min(), grid.max()) if grid.size else (np.nan, np.nan)  # NaN propagates
    if not (np.isfinite(lo) and np.isfinite(hi)):
        grid = grid[np.isfinite(grid)]
        lo, hi = (grid.min(), grid.max()) if grid.size else (None, None)
    return grid.ravel(), (lo, hi)


def _check_number(name, v, positive=False):
    """``v`` checked and, where its type cannot do the range arithmetic,
    converted (:func:`fastheat._validate.real`)."""
    if positive:
        v = real(name, v, "a positive number")
        if v is not None and not v > 0:
            raise ValueError(f"{name}={v!r} must be a positive number")
        return v
    return real(name, v)


def takes_input_range(norm, *, vmin=None, vmax=None, robust=False):
    """Whether :func:`fit` with these options would use the input's range
    (so the aggregation should gather it)."""
    cls = KINDS.get(norm) if isinstance(norm, str) else None
    return cls is not None and cls.from_input and not robust and (vmin is None or vmax is None)


def _is_matplotlib_norm(obj):
    return type(obj).__module__.startswith("matplotlib") and callable(obj) and \
        hasattr(obj, "autoscale_None")


def _check_levels(levels):
    """``levels`` as an int of bands or a float array of edges."""
    if isinstance(levels, (int, np.integer)) and not isinstance(levels, (bool, np.bool_)):
        if not 1 <= levels <= MAX_LEVELS:
            raise ValueError(f"levels={short_repr(levels)} must be between 1 and {MAX_LEVELS} "
                             f"bands")
        return int(levels)
    try:
        items = np.ravel(np.asarray(levels, dtype=object)).tolist()
        edges = np.asarray(levels, float) if all(map(is_number, items)) else np.array([np.nan])
    except (TypeError, ValueError):  # (complex, bool, beyond the float range: not edges)
        edges = np.array([np.nan])
    if edges.ndim != 1 or edges.size < 2 or not np.isfinite(edges).all() or \
            not (edges[1:] > edges[:-1]).all():  # (no overflowing difference)
        raise ValueError(f"levels={short_repr(levels)} must be a number of bands or at least 2 "
                         f"increasing finite band edges")
    return edges


def nice_edges(lo, hi, n):
    """Round band edges covering ``lo..hi`` in about ``n`` bands: a step of 1,
    2, 2.5 or 5 x 10^k, as matplotlib's ``MaxNLocator`` picks contour levels.

    >>> nice_edges(0.3, 9.6, 5).tolist()
    [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    """
    lo, hi = float(lo), float(hi)
    if not hi > lo:
        d = 0.1 * abs(lo) or 0.5  # one band around a constant (inside the float range)
        big = np.finfo(float).max
        return np.array([max(lo - d, -big), min(hi + d, big)])
    with np.errstate(over="ignore"):
        raw = (hi - lo) / n
    if _overflows(raw):
        raw = hi / max(n, 2) - lo / max(n, 2)  # finite when hi - lo is not
    raw = max(raw, 5e-324)  # a subnormal range: its ulps
    e = int(np.floor(np.log10(raw)))
    # (10 ** e via its decimal text: 0.0 below the float range, not an error)
    steps = [m * float(f"1e{e}") for m in (1, 2, 2.5, 5)] + [float(f"1e{e + 1}")]
    step = next((m for m in steps if m >= raw * (1 - 1e-9) and np.isfinite(m)), raw)
    k0, k1 = np.floor(lo / step + 1e-9), np.ceil(hi / step - 1e-9)
    big = np.finfo(float).max
    with np.errstate(over="ignore", invalid="ignore"):
        edges = np.clip(np.arange(k0, k1 + 1) * step, -big, big)  # beyond the range: its ends
        rounded = np.round(edges, 12)  # (huge edges overflow when scaled by 10^12: kept)
    return np.unique(np.where(np.isfinite(rounded), rounded, edges) + 0.0)


def fit(grid, *, norm="linear", vmin=None, vmax=None, center=None, robust=False,
        linthresh=None, linscale=None, base=None, gamma=None, levels=None,
        dtype=np.float64, data_range=None, grid_range=None) -> Norm:
    """Fit a :class:`Norm` to the aggregated ``grid``.

    ``vmin``/``vmax`` default to the range of the finite values (2nd-98th
    percentile with ``robust=True``, like seaborn); ``norm="log"`` starts at the
    smallest positive value. ``center`` does not change the range (see
    :meth:`Norm.recentred`), except for ``norm="twoslope"``, whose midpoint it
    is (default 0; a default limit on the same side as ``center`` is mirrored
    around it, as matplotlib's ``TwoSlopeNorm`` autoscales). ``levels``: band
    edges, or a number of bands with round edges over the range. ``norm`` may
    be a matplotlib ``Normalize`` object (:class:`MatplotlibNorm`).

    ``data_range`` (a :class:`~fastheat.aggregation.reductions.DataRange` of
    the input, any field None) sets the default range of ``log`` (the input's
    smallest positive value to its largest, as matplotlib's ``LogNorm``
    autoscales on the whole matrix) and ``symlog`` (the input's min to max),
    so slivers of cells at the edges of pixels do not stretch it; the range
    also takes in the grid's values above (or, for symlog, below) it. The
    other norms, and ``robust=True``, use the grid.

    ``grid_range``: ``(grid.min(), grid.max())`` when the caller has it (NaN
    propagating, as numpy's), so that the grid is not read twice for it.
    """
    if not isinstance(norm, str):
        if not _is_matplotlib_norm(norm):
            raise TypeError(f"norm={norm!r} is not a norm; pass a name (one of "
                            + ", ".join(map(repr, NORMS)) + ") or a matplotlib Normalize object")
        given = [n for n, v in (("vmin", vmin), ("vmax", vmax), ("center", center),
                                ("levels", levels), ("linthresh", linthresh),
                                ("linscale", linscale), ("base", base), ("gamma", gamma))
                 if v is not None] + (["robust"] if robust else [])
        if given:
            raise ValueError(f"{given[0]}= cannot be combined with a matplotlib norm object "
                             f"(norm={norm!r}); set it on the norm object instead")
        fitted = MatplotlibNorm(norm, grid, dtype)
        fitted.nonfinite = False  # it masks them itself
        return fitted
    cls = KINDS.get(norm)
    if cls is None:
        raise ValueError(f"norm={norm!r} is not a norm; choose one of " + ", ".join(map(repr, NORMS))
                         + ", or pass a matplotlib Normalize object")
    vmin, vmax = _check_number("vmin", vmin), _check_number("vmax", vmax)
    center = _check_number("center", center)
    center = None if center is None else float(center)  # range arithmetic in float64
    # compared as floats: numpy compares a float32 vmin with a Python float
    # vmax in float32, where a vmax beyond float32's range overflows
    if vmin is not None and vmax is not None and float(vmin) > float(vmax):
        raise ValueError(f"vmin={vmin!r} is greater than vmax={vmax!r}; vmin must be <= vmax")
    gamma = _check_number("gamma", gamma, positive=True)
    linthresh = _check_number("linthresh", linthresh, positive=True)
    linscale = _check_number("linscale", linscale, positive=True)
    base = _check_number("base", base, positive=True)
    if base is not None and base == 1:
        raise ValueError(f"base={base!r} must be a positive number other than 1")
    if levels is not None:
        if cls is not Norm:
            raise ValueError(f"levels={short_repr(levels)} makes discrete bands and cannot be "
                             f"combined with norm={norm!r}; leave norm='linear'")
        levels = _check_levels(levels)
        if isinstance(levels, np.ndarray):
            if vmin is not None or vmax is not None or robust:
                raise ValueError(f"levels={short_repr(levels.tolist())} sets the range; drop "
                                 f"vmin=, vmax= and robust= or pass a number of levels")
            vmin, vmax = levels[0], levels[-1]
        cls = LevelsNorm
    finite, extent = _finite(grid, grid_range)
    usable = cls.usable(finite)
    if usable is not finite:
        extent = (usable.min(), usable.max()) if usable.size else (None, None)
    cls.check(vmin, vmax, center, usable.size)
    if cls is not Norm:
        # every kind but linear computes its range in float64: a float32 vmin
        # kept as it is would make numpy compare it with the other limit (or
        # center) in float32, where that one overflows
        vmin, vmax = (None if v is None else float(v) for v in (vmin, vmax))
    if data_range is not None and cls.from_input and not robust and extent[0] is not None:
        extent = cls.input_extent(*extent, data_range)
    lo, hi = vmin, vmax
    if usable.size and (lo is None or hi is None):
        if robust:
            from ._kernels import percentiles

            with np.errstate(over="ignore"):
                wide = _overflows(float(extent[1]) - float(extent[0]))
            # beyond the float range, percentiles interpolate in halved values
            p_lo, p_hi = percentiles(usable * 0.5, [2, 98]) * 2 if wide else \
                percentiles(usable, [2, 98])
        else:
            p_lo, p_hi = extent
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
    if cls is TwoSlopeNorm:
        center = 0.0 if center is None else center
        big = np.finfo(float).max  # a mirrored bound beyond the float range: its end
        if vmin is None and lo >= center:
            lo = max(-big, center - (float(hi) - center))
        if vmax is None and hi <= center:
            hi = min(big, center + (center - float(lo)))
        if not lo <= center <= hi:
            raise ValueError(f"center={center!r} must lie between vmin={lo!r} and vmax={hi!r} "
                             f"for norm='twoslope'")
    elif vmin is None and vmax is None and \
            float(hi) - float(lo) <= 2.0 ** -40 * max(abs(float(lo)), abs(float(hi))):
        # A constant matrix resampled with fractional area weights is constant
        # only up to rounding: one colour, not that noise stretched over the map.
        lo = hi
    fitted = cls(lo, hi, dtype)
    fitted.nonfinite = finite.size != np.size(grid)  # NaN or +-inf somewhere
    if cls is LevelsNorm:
        fitted.edges = levels if isinstance(levels, np.ndarray) else nice_edges(lo, hi, levels)
        fitted.vmin, fitted.vmax = fitted.edges[0], fitted.edges[-1]
    fitted.finish(usable, linthresh=linthresh, linscale=linscale, base=base, gamma=gamma,
                  center=center)
    return fitted


def _eq_hist(values, lo, hi):
    """Histogram equalization like datashader's: the cumulative histogram over
    65,536 bins, rescaled so the lowest value maps to 0 and the highest to 1."""
    if values.size == 0 or hi <= lo:
        return np.array([lo, hi]), np.array([0.0, 1.0])
    lo, hi, scale = float(lo), float(hi), 1.0
    with np.errstate(over="ignore"):
        if _overflows(hi - lo):  # beyond the float range: binned in halved values
            values, lo, hi, scale = values * 0.5, lo * 0.5, hi * 0.5, 2.0
    try:
        hist, edges = np.histogram(values, bins=_EQ_HIST_BINS, range=(lo, hi))
    except ValueError:  # a range of a few ulps: fewer, distinct bin edges
        hist, edges = np.histogram(values, bins=np.unique(np.linspace(lo, hi, _EQ_HIST_BINS + 1)))
    lo, hi = lo * scale, hi * scale
    centers = (edges[:-1] * 0.5 + edges[1:] * 0.5) * scale
    keep = hist > 0
    cdf = np.cumsum(hist[keep]).astype(float)
    centers = centers[keep]
    if cdf.size == 1:
        return np.array([lo, hi]), np.array([0.0, 1.0])
    levels = (cdf - cdf[0]) / (cdf[-1] - cdf[0])
    centers[0], centers[-1] = lo, hi
    return centers, levels


def _linear_codes(norm, x, n):
    """:meth:`Norm.encode` of the linear norm in one pass (normalized and coded
    by one kernel), where that is bit-identical: ``x`` a 2-D array of the
    norm's float type (or float64 for a float32 norm: a float32 input's mean),
    ``vmin < vmax``, their difference in that type (else None)."""
    x = np.asarray(x)
    t = norm.dtype
    if x.ndim != 2 or t not in (np.float32, np.float64) or \
            not (x.dtype == t or (x.dtype == np.float64 and t == np.float32)):
        return None
    lo, hi = _mpl_scalar(norm.vmin), _mpl_scalar(norm.vmax)
    with np.errstate(over="ignore", invalid="ignore"):
        span = hi - lo
    if not (lo < hi and np.isfinite(span)) or np.result_type(t, lo.dtype, span.dtype) != t:
        return None
    from ._kernels import KERNEL_LOCK, linear_codes

    out = np.empty(x.shape, np.uint16)
    with KERNEL_LOCK:
        linear_codes(x, t.type(lo), t.type(span), t.type(n), out)
    return out


def codes(t, n):
    """Colormap codes (uint16) of normalized values ``t`` for a LUT of ``n``
    colours: matplotlib's ``Colormap.__call__`` rule, in ``t``'s own dtype."""
    t = np.asarray(t)
    if t.dtype not in (np.float32, np.float64) or t.ndim != 2:
        xa = np.array(t, dtype=t.dtype.newbyteorder("=") if t.dtype.kind == "f" else np.float64)
        with np.errstate(over="ignore"):  # float16 past its max is inf: "over", as it should
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
