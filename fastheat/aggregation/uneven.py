"""Uneven cells: matrices on rectilinear grids with given cell edges (``pcolormesh(X, Y, C)``).

The raster is in data coordinates: pixel ``i`` of ``n`` spans an equal part
of the axis from its first edge to its last (equal in log space with
``scale="log"``), and each input cell feeds it with the exact length of their
overlap (in pixel units: a mean is area-weighted over the uneven cells; a sum
takes the fraction of each cell inside the pixel). The weights go into the
same :class:`~fastheat.aggregation.geometry.AxisMap` a uniform
:class:`~fastheat.aggregation.fold.Plan` has, so every source folds an
:class:`UnevenPlan` with its own loop, dense or sparse. Curvilinear grids
(2-D ``X``, ``Y``) are out of scope.
"""
from __future__ import annotations

import numpy as np

from .fold import Plan
from .geometry import AxisMap

SCALES = ("linear", "log")
#: Reductions whose weights are the fraction of each cell inside the pixel
#: (the others weigh by overlap length; counts and extremes only test it is > 0).
_FRACTION = ("sum",)


def cell_edges(coords, n, name="xcoords"):
    """``n + 1`` strictly monotonic float edges from ``n + 1`` edges or ``n``
    centres (edges half-way between centres, the outer ones half a step out).

    >>> cell_edges([1, 2, 4], 3).tolist()
    [0.5, 1.5, 3.0, 5.0]
    >>> cell_edges([0, 1, 10], 2).tolist()
    [0.0, 1.0, 10.0]
    """
    c = np.asarray(coords)
    if c.dtype.kind not in "biuf" or c.ndim != 1:
        raise TypeError(f"{name} must be a 1-D array of numbers, got "
                        f"{'dtype ' + str(c.dtype) if c.ndim == 1 else f'shape {c.shape}'}")
    c = c.astype(np.float64)
    if len(c) not in (n, n + 1):
        raise ValueError(f"{name} has {len(c)} values but the matrix has {n} "
                         f"{'columns' if name.startswith('x') else 'rows'}; give {n + 1} cell "
                         f"edges or {n} cell centres")
    if not np.all(np.isfinite(c)):
        raise ValueError(f"{name} has NaN or infinite values; coordinates must be finite")
    with np.errstate(over="ignore", invalid="ignore"):
        if len(c) == n:
            if n == 1:
                raise ValueError(f"{name} has a single centre; give the cell's 2 edges instead")
            mid = (c[1:] + c[:-1]) / 2
            if not np.all(np.isfinite(mid)):  # huge centres: halves first
                mid = c[1:] / 2 + c[:-1] / 2
            lo, hi = 2 * c[0] - mid[0], 2 * c[-1] - mid[-1]
            lo = lo if np.isfinite(lo) else c[0] - (mid[0] - c[0])
            hi = hi if np.isfinite(hi) else c[-1] + (c[-1] - mid[-1])
            c = np.concatenate([[lo], mid, [hi]])
        d = np.diff(c)
        span = c[-1] - c[0]
    if not (np.all(np.isfinite(c)) and np.isfinite(span)):
        first, last = np.asarray(coords, np.float64)[[0, -1]]
        raise ValueError(f"{name} from {first:g} to {last:g} makes cells wider than the float "
                         f"range (their edges or span overflow); give coordinates whose "
                         f"range is finite")
    if not (np.all(d > 0) or np.all(d < 0)):
        raise ValueError(f"{name} must be strictly increasing or strictly decreasing (a "
                         f"rectilinear grid; curvilinear grids are not supported)")
    return c


def check_scale(scale, name="xscale"):
    if scale is None:
        return "linear"
    if not isinstance(scale, str) or scale not in SCALES:
        raise ValueError(f"{name}={scale!r} is not a scale; use 'linear' or 'log'")
    return scale


def transformed(edges, scale, name="xcoords"):
    """Edges in the space where pixels are equal: themselves, or log10."""
    if scale == "log":
        if not np.all(edges > 0):
            raise ValueError(f"{name} has values <= 0 (the outer edge {edges.min():g}), which a "
                             f"log axis cannot show; give positive coordinates or edges")
        return np.log10(edges)
    return edges


def axis_geometry(edges, n_out, fraction=False):
    """The :class:`~fastheat.aggregation.geometry.AxisMap` of ``n_out`` equal
    pixels over cells with ``edges`` (monotonic, in the pixels' space): pixel
    ``i`` reads the cells that overlap it by more than nothing, each weighted
    by the overlap in pixel widths (``fraction``: in widths of the cell). A
    cell between a pixel's first and last lies wholly inside it: its weight
    is its whole length (1 with ``fraction``), kept once per cell."""
    t = (edges - edges[0]) / (edges[-1] - edges[0]) * n_out  # 0 .. n_out, increasing
    t[-1] = n_out
    i = np.arange(n_out, dtype=np.float64)
    n_in = len(edges) - 1
    start = np.minimum(np.searchsorted(t[1:], i, "right").astype(np.int64), n_in - 1)
    stop = np.maximum(np.searchsorted(t[:-1], i + 1, "left").astype(np.int64), start + 1)
    size = np.diff(t)

    def overlap(cell):
        w = np.maximum(np.minimum(t[cell + 1], i + 1) - np.maximum(t[cell], i), 0.0)
        return w / size[cell] if fraction else w

    first, last = overlap(start), overlap(stop - 1)
    cells = np.ones(n_in) if fraction else size
    return AxisMap(start, stop, first, last, np.ascontiguousarray(cells, np.float64))


def nearest_cells(edges, n_out):
    """The cell under each pixel's centre."""
    t = (edges - edges[0]) / (edges[-1] - edges[0]) * n_out
    centres = np.arange(n_out) + 0.5
    return np.clip(np.searchsorted(t, centres, "right") - 1, 0, len(edges) - 2).astype(np.int64)


class UnevenPlan(Plan):
    """A :class:`Plan` whose axes are uneven cells (``row_edges``,
    ``col_edges``: in the space where pixels are equal; None: even cells)."""

    def __init__(self, n_rows, n_cols, height, width, reduce, track=False, row_edges=None,
                 col_edges=None):
        super().__init__(n_rows, n_cols, height, width, reduce, track)
        self.row_edges, self.col_edges = row_edges, col_edges
        fraction = reduce in _FRACTION
        if row_edges is not None:
            self.rows = axis_geometry(row_edges, height, fraction)
        if col_edges is not None:
            self.cols = axis_geometry(col_edges, width, fraction)

    def transposed(self):
        return UnevenPlan(self.n_cols, self.n_rows, self.width, self.height, self.reduce,
                          self.track, self.col_edges, self.row_edges)

    def nearest_index(self):
        rows, cols = super().nearest_index()
        if self.row_edges is not None:
            rows = nearest_cells(self.row_edges, self.height)
        if self.col_edges is not None:
            cols = nearest_cells(self.col_edges, self.width)
        return rows, cols


def reference_mean(values, row_edges, col_edges, height, width):
    """Slow exact reference (plain numpy, for tests): the area-weighted mean of
    the finite cells of ``values`` over each of ``height x width`` equal
    pixels spanning the edges (edges in the pixels' space)."""
    ry = np.linspace(row_edges[0], row_edges[-1], height + 1)
    rx = np.linspace(col_edges[0], col_edges[-1], width + 1)

    def overlap(edges, pix):
        a = np.minimum(edges[:-1], edges[1:])
        b = np.maximum(edges[:-1], edges[1:])
        p0 = np.minimum(pix[:-1], pix[1:])
        p1 = np.maximum(pix[:-1], pix[1:])
        return np.clip(np.minimum(b[None], p1[:, None]) - np.maximum(a[None], p0[:, None]), 0,
                       None)

    wy, wx = overlap(row_edges, ry), overlap(col_edges, rx)
    ok = np.isfinite(values)
    v = np.where(ok, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (wy @ v @ wx.T) / (wy @ ok.astype(float) @ wx.T)
