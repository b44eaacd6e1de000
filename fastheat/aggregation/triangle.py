"""The 45°-rotated triangle view of a square matrix's diagonal band (Hi-C maps).

Geometry. The view's horizontal axis runs along the diagonal and its vertical
axis away from it: matrix point (row ``r``, column ``c``), in bins, goes to
``x = (r + c) / 2``, ``y = (c - r) / 2``, so the diagonal is the bottom edge
``y = 0``, cell ``(i, j)`` of the upper triangle is a diamond centred at
``x = (i + j + 1) / 2``, and ``depth`` (in bins: the largest ``j - i`` shown)
is the height ``y = depth / 2``. This is cooltools' ``pcolormesh`` of the
rotated matrix and HiGlass's horizontal heatmap. An output of ``(height,
width)`` pixels spans ``x`` in ``0..n`` and ``y`` in ``0..depth / 2``: pixel
``(i, p)`` (row ``i`` from the top) covers ``x`` in ``[p sx, (p + 1) sx)``,
``y`` in ``[(height - 1 - i) sy, (height - i) sy)`` with ``sx = n / width``,
``sy = depth / (2 height)``.

What is exact. The matrix is aggregated once, exactly (area weights), to an
``m x m`` grid of cells of side ``t = n / m`` bins, ``m = ceil(n / min(sx,
sy))`` (for square pixels ``m = width``, ``t = sx``), through the source's own
fold; then every aggregated cell of the upper triangle goes, whole, to the
pixel that contains its centre, and a pixel's value is its cells' states merged
(:func:`fastheat.aggregation.fold.merge_into`): the exact ``reduce`` over the
union of those cells, which is the pixel's area in matrix coordinates up to a
staircase of cells of side ``t`` along its edges. Every cell of the band feeds
exactly one pixel (with square pixels, exactly two aggregated cells each: a
pixel is the exact aggregate of a ``2t x t`` rectangle of the matrix centred
within ``t / 2`` of the pixel's centre). When pixels are smaller than a bin
(``m > n``, small matrices drawn large), each pixel shows the one matrix cell
under its centre, exactly, so cells are crisp diamonds. ``reduce="nearest"``
shows the aggregated cell under the pixel's centre (the matrix cell under
that cell's centre). A thin band of a long matrix (pixels much smaller across
the band than along it) would need an aggregation grid larger than
:data:`MAX_STATE_BYTES`: then the grid is the finest that fits (at least one
cell per pixel along the diagonal) and each pixel shows the exact aggregate of
the grid cell under its centre (nearest, as HiGlass maps its tiles), cells
spanning several pixel rows. Pixels no cell reaches (outside the triangle) are
:func:`outside`: missing, drawn in the bad colour (transparent by default).
"""
from __future__ import annotations

import math

import numpy as np

from .._jit import jit
from .fold import Plan, merge_into
from .reductions import reduction

VIEWS = ("matrix", "triangle")
#: Largest aggregation grid's state, in bytes (the grid is ``m x m``).
MAX_STATE_BYTES = 512 << 20


def check_view(view, depth, shape=None):
    """Validate ``view=``/``depth=`` (and, given ``shape``, the matrix): the
    depth in bins (default: the whole upper triangle), or None for the matrix view."""
    if not isinstance(view, str) or view not in VIEWS:
        raise ValueError(f"view={view!r} is not a view; choose one of "
                         + ", ".join(map(repr, VIEWS)))
    if view == "matrix":
        if depth is not None:
            raise ValueError(f"depth={depth!r} is for view='triangle' (the band's height in "
                             f"bins); leave depth out or pass view='triangle'")
        return None
    if depth is not None and (isinstance(depth, (bool, np.bool_)) or
                              not isinstance(depth, (int, np.integer))):
        raise TypeError(f"depth={depth!r} must be a whole number of bins >= 1 (the band's "
                        f"height from the diagonal)")
    if depth is not None and depth < 1:
        raise ValueError(f"depth={depth!r} must be between 1 and the matrix's size in bins "
                         f"(the band's height from the diagonal)")
    if shape is None:
        return depth
    n_rows, n_cols = shape
    if n_rows != n_cols:
        raise ValueError(f"view='triangle' needs a square matrix (its diagonal band), but the "
                         f"data has shape {tuple(shape)}; select a square part, e.g. "
                         f"data[a:b, a:b] or region='chr2'")
    if depth is None:
        return int(n_rows)
    if not 1 <= depth <= n_rows:
        raise ValueError(f"depth={depth!r} must be between 1 and the matrix's {n_rows} bins "
                         f"(the band's height from the diagonal)")
    return int(depth)


def virtual_shape(n, depth):
    """``(rows, cols)`` of the view in bins (for default sizes and ticks): the
    band is ``depth / 2`` bins high and ``n`` long."""
    return (max(1, math.ceil(depth / 2)), int(n))


class TriangleMap:
    """Where each pixel of a ``(height, width)`` triangle view of an ``n x n``
    matrix takes its value from (see the module docstring): ``m`` (the
    aggregation grid's side), ``picks`` (each pixel shows the grid cell under
    its centre) or else, per grid cell of the band, the pixel it feeds and its
    ``rank`` among that pixel's cells."""

    def __init__(self, n, depth, height, width, planes=2):
        self.n, self.depth, self.height, self.width = int(n), int(depth), int(height), int(width)
        sx, sy = n / width, depth / (2 * height)
        m = math.ceil(n / min(sx, sy) - 1e-9)
        self.picks = m > n or state_bytes(m, planes) > MAX_STATE_BYTES
        if self.picks and m < n:
            # thin bands of long matrices: the finest grid that fits, at least
            # one cell per pixel along the diagonal, each pixel its cell's state
            m = max(int(width), int(math.isqrt(MAX_STATE_BYTES // (8 * (planes + 3)))))
        self.m = min(n, m)
        if self.picks:
            # the grid cell under each pixel centre
            t = n / self.m
            x = (np.arange(width) + 0.5) * sx
            y = (height - 1 - np.arange(height) + 0.5) * sy
            r = np.floor((x[None, :] - y[:, None]) / t).astype(np.int64)
            c = np.floor((x[None, :] + y[:, None]) / t).astype(np.int64)
            inside = (r >= 0) & (c < self.m)
            self.rank = None
            self.pixel = np.flatnonzero(inside)
            self.cell = (r.ravel()[self.pixel], c.ravel()[self.pixel])
            return
        t = n / m
        # aggregated cells of the band (b >= a), centre x = (a + b + 1) t / 2,
        # y = (b - a) t / 2: the pixel holding the centre (q counted from the bottom)
        reach = min(m, int(np.ceil(2 * height * sy / t)) + 2)  # b - a of the top pixels
        pixel, a, b, rank = _band_cells(m, reach, t, sx, sy, height, width)
        self.rank = rank
        self.pixel, self.cell = pixel, (a, b)

    @property
    def outside(self):
        """``(height, width)`` bool: the pixels no cell feeds (outside the triangle)."""
        out = np.ones(self.height * self.width, bool)
        out[self.pixel] = False
        return out.reshape(self.height, self.width)

    def gather(self, grid):
        """The view of an ``(m, m)`` grid of values (``reduce="nearest"``): each
        pixel the grid cell under its centre; NaN outside."""
        out = np.full(self.height * self.width, np.nan)
        if self.rank is None:
            out[self.pixel] = grid[self.cell]
            return out.reshape(self.height, self.width)
        sx, sy, t = self.n / self.width, self.depth / (2 * self.height), self.n / self.m
        x = (np.arange(self.width) + 0.5) * sx
        y = (self.height - 1 - np.arange(self.height) + 0.5) * sy
        r = np.floor((x[None, :] - y[:, None]) / t).astype(np.int64).ravel()
        c = np.floor((x[None, :] + y[:, None]) / t).astype(np.int64).ravel()
        ok = (r >= 0) & (c < self.m) & ~self.outside.ravel()
        out[ok] = grid[r[ok], c[ok]]
        return out.reshape(self.height, self.width)

    def merge(self, rule, state, track):
        """The view's ``(planes, height, width)`` state from the grid's
        ``state``: each pixel its cells' states merged by ``rule`` (a
        :class:`~fastheat.aggregation.reductions.Reduction`)."""
        out = rule.new_state((self.height, self.width), track)
        planes = out.shape[0]
        if self.rank is None:
            flat = out.reshape(planes, -1)
            flat[:, self.pixel] = state[:, self.cell[0], self.cell[1]]
            return out
        ranks = int(self.rank.max(initial=-1)) + 1
        parts = np.empty((ranks,) + out.shape)
        parts[:] = out  # fresh states: the identity of every merge
        _scatter(np.ascontiguousarray(state), parts.reshape(ranks, planes, -1), self.pixel,
                 self.cell[0], self.cell[1], self.rank)
        for k in range(ranks):  # the k-th cell of every pixel, in a fixed order
            merge_into(rule.code, out, parts[k], 0, 0, track)
        return out


@jit
def _band_cells(m, reach, t, sx, sy, height, width):
    """``(pixel, a, b, rank)`` of every grid cell ``(a, b)`` of the band that
    feeds a pixel (the one holding its centre), ``rank`` its order among the
    pixel's cells (in ``(a, b)`` order: merges in a fixed order)."""
    cap = m * reach
    pixel = np.empty(cap, np.int64)
    a_out = np.empty(cap, np.int32)
    b_out = np.empty(cap, np.int32)
    rank = np.empty(cap, np.int32)
    count = np.zeros(height * width, np.int32)
    k = 0
    for a in range(m):
        for d in range(reach):
            b = a + d
            if b >= m:
                break
            p = int(np.floor((a + b + 1) * t / 2 / sx))
            q = int(np.floor((b - a) * t / 2 / sy))
            if p < width and q < height:
                pix = (height - 1 - q) * width + p
                pixel[k], a_out[k], b_out[k] = pix, a, b
                rank[k] = count[pix]
                count[pix] += 1
                k += 1
    return pixel[:k].copy(), a_out[:k].copy(), b_out[:k].copy(), rank[:k].copy()


@jit
def _scatter(state, parts, pixel, a, b, rank):
    """``parts[rank[k], :, pixel[k]] = state[:, a[k], b[k]]`` for every cell ``k``."""
    for k in range(len(pixel)):
        for plane in range(state.shape[0]):
            parts[rank[k], plane, pixel[k]] = state[plane, a[k], b[k]]


def state_bytes(m, planes):
    """Bytes of an ``m x m`` state of ``planes`` planes with the tracked ones."""
    return m * m * (planes + 3) * 8


def triangle_aggregate(source, depth, height, width, reduce, track=False):
    """``(grid, state or None, map)``: the ``(height, width)`` triangle view of
    the square :class:`~fastheat.sources.base.MatrixSource` ``source`` (its
    band of ``depth`` bins), see the module docstring; the view's merged state
    (with the tracked planes when ``track``) for the input range of the band;
    the :class:`TriangleMap` used."""
    n = source.shape[0]
    rule = reduction(reduce)
    tmap = TriangleMap(n, depth, height, width, max(rule.planes, 1))
    plan = Plan(n, n, tmap.m, tmap.m, reduce, track and rule.code is not None)
    if rule.code is None:
        return tmap.gather(source.pick(plan)), None, tmap
    state = source.fold(plan)
    out = tmap.merge(rule, state, plan.track)
    return np.ascontiguousarray(rule.values(out)), out, tmap
