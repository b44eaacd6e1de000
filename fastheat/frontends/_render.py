"""What the front-ends share: the norm fitted once on the whole matrix and the
render of a window of it with that norm (so zoomed views and tiles agree with
the full view's colours, as a tile server's do)."""
from __future__ import annotations

import math

import numpy as np

from .. import api, options

#: Options a front-end renders with: how cells are read and coloured.
RENDER_RECORDS = ("reading", "coloring")
#: Norm kinds fully fixed by their limits and parameters: a window rendered with
#: the fitted vmin/vmax has the full view's colours. The others (eq_hist, a
#: matplotlib norm object) keep the fitted norm itself.
_BY_LIMITS = frozenset({"linear", "log", "symlog", "sqrt", "power", "twoslope"})


def split_render_options(kwargs: dict, function: str) -> dict:
    """The reading and colouring options of ``kwargs``; anything else is an
    error naming it (``function`` names the caller)."""
    allowed = {n for n, cls in options.OWNER.items()
               if cls.__name__.lower() in RENDER_RECORDS}
    call = function if function.endswith(")") else function + "()"
    bad = sorted(set(kwargs) - allowed)
    if bad:
        raise TypeError(f"{call} got option(s) {', '.join(map(repr, bad))} it does not "
                        f"take; it takes the reading and colouring options: "
                        f"{', '.join(sorted(allowed))}")
    view = kwargs.get("view")
    if view not in (None, "matrix"):  # its raster is not in the matrix's coordinates
        raise ValueError(f"{call} draws the matrix in its own rows and columns, so "
                         f"view={view!r} is not available there; fastheat.heatmap(), "
                         f"fastheat.save() and `fastheat render --view {view}` draw it")
    return dict(kwargs)


def as_matrix(data):
    """``data`` as something sliceable by ``[r0:r1, c0:c1]`` without reading
    it (arrays, memmaps, zarr, h5py, dask, xarray stay as they are; lists
    become arrays; a DataFrame is sliced by position)."""
    if hasattr(data, "iloc") and hasattr(data, "columns"):
        return data
    if hasattr(data, "shape") and hasattr(data, "__getitem__") and hasattr(data, "dtype"):
        return data
    return np.asarray(data)


def open_matrix(data, function, point_table_hint):
    """``data`` (as :func:`as_matrix` gives it) and its source; a point table
    is a ``TypeError`` naming ``function`` and saying what to use instead."""
    from ..sources import open_source

    data = as_matrix(data)
    source = open_source(data)
    if source.shape is None:
        raise TypeError(f"{function} draws a matrix; {point_table_hint}")
    return data, source


def window_of(data, r0, r1, c0, c1):
    """The rows ``r0:r1`` and columns ``c0:c1`` of ``data`` (a view or a lazy
    slice where the input type has one)."""
    if hasattr(data, "iloc") and hasattr(data, "columns"):
        return data.iloc[r0:r1, c0:c1]
    return data[r0:r1, c0:c1]


class Fitted:
    """The raster of the whole matrix at one size, whose norm and palette every
    window render reuses."""

    def __init__(self, data, width, height, opts):
        self.data = as_matrix(data)
        self.opts = dict(opts)
        self.opts.pop("origin", None)
        self.origin = opts.get("origin", "upper")
        self.raster = api.rasterize(self.data, width=width, height=height, **self.opts)
        self.norm, self.palette = self.raster.norm, self.raster.palette
        self.shape = tuple(self.raster.matrix_shape)

    def window_raster(self, r0, r1, c0, c1, width, height):
        """The :class:`~fastheat.color.raster.Raster` of rows ``r0:r1`` x columns
        ``c0:c1`` at ``width`` x ``height`` px, coded with the fitted norm
        (row 0 of the window on top)."""
        opts = dict(self.opts)
        mask = opts.pop("mask", None)
        if mask is not None:
            opts["mask"] = np.asarray(mask)[r0:r1, c0:c1]
        full = (r0, r1, c0, c1) == (0, self.shape[0], 0, self.shape[1]) and \
            (height, width) == self.raster.shape
        if full:
            return self.raster
        norm = self.norm
        if norm.kind in _BY_LIMITS and type(norm).__name__ != "MatplotlibNorm":
            opts.update(vmin=norm.vmin, vmax=norm.vmax, robust=False)
            if norm.kind == "symlog":
                opts.update(linthresh=norm.linthresh)
            if norm.kind == "twoslope":
                opts.update(center=norm.center)
            return api.rasterize(window_of(self.data, r0, r1, c0, c1), width=width,
                                 height=height, **opts)
        # eq_hist, levels, a matplotlib norm: the fitted norm codes the window's cells
        opts.update(vmin=norm.vmin, vmax=norm.vmax, robust=False)
        raster = api.rasterize(window_of(self.data, r0, r1, c0, c1), width=width,
                               height=height, **opts)
        raster.norm = norm
        raster.palette = self.palette
        raster.cell_codes = norm.encode(raster.cells, self.palette.N)
        raster.__dict__.pop("codes", None)
        raster.__dict__.pop("top_code", None)
        return raster


def cell_window(lo, hi, edge0, edge1, n):
    """The cells ``[i0, i1)`` of an axis of ``n`` cells from ``edge0`` to
    ``edge1`` (data coordinates, either order) that the interval ``lo..hi``
    touches, or None when it misses them all.

    >>> cell_window(0.2, 2.6, -0.5, 9.5, 10)
    (0, 4)
    """
    lo, hi = min(lo, hi), max(lo, hi)
    span = edge1 - edge0
    a, b = sorted(((lo - edge0) / span * n, (hi - edge0) / span * n))
    eps = 1e-9
    i0, i1 = max(0, math.floor(a + eps)), min(n, math.ceil(b - eps))
    if i1 <= i0:
        return None
    return i0, i1
