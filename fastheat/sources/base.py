"""The Source protocol and what every source shares: Labels, the matrix checks.

A source is whatever the user passed, wrapped so that it can aggregate itself
to an output grid (:meth:`Source.aggregate`); every later stage sees only that
grid and the source's description (``shape``, ``dtype``, ``labels``).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from ..aggregation.fold import Plan
from ..aggregation.fold import split_mask as _split_mask

_KINDS = "biuf"  # bool, signed and unsigned integers, floating point
_NDIM_HINTS = {0: "; pass a matrix, e.g. [[value]]",
               1: "; for a single row use data[np.newaxis, :]",
               3: "; for an RGB(A) image there is nothing to colormap, and for a "
                  "stack pick one 2-D slice"}


def check_matrix(shape, dtype, name="data"):
    """Raise the errors for a matrix of ``shape`` and ``dtype`` that fastheat
    cannot render, without reading it (shared by every source)."""
    dtype = np.dtype(dtype)
    if dtype.kind not in _KINDS:
        raise TypeError(f"{name} has dtype {dtype} ({dtype.kind!r} kind); "
                        f"allowed are bool, integer and floating point arrays")
    if len(shape) != 2:
        hint = _NDIM_HINTS.get(len(shape), "; pick a 2-D slice of it")
        raise ValueError(f"{name} is {len(shape)}-dimensional (shape {tuple(shape)}) and "
                         f"must be 2-dimensional{hint}")
    if any(isinstance(n, float) and np.isnan(n) for n in shape):  # dask, before compute
        raise ValueError(f"{name} has unknown chunk sizes (shape {tuple(shape)}); call "
                         f"x.compute_chunk_sizes() first")
    if 0 in shape:
        raise ValueError(f"{name} is empty (shape {tuple(shape)}); it needs at least one row "
                         f"and one column")


def split_mask(data):
    """``(values, mask)`` of a masked array (see
    :func:`fastheat.aggregation.fold.split_mask`; shared by sources); other
    input as it is, with mask None, without importing ``numpy.ma`` (13 ms of
    a command line's start-up): a masked array exists only once it is imported."""
    if "numpy.ma" not in sys.modules:
        return data, None
    return _split_mask(data)


def module_of(obj):
    """The top-level package of ``obj``'s type: sources recognise their input
    by it, so finding out imports no optional library."""
    return (type(obj).__module__ or "").split(".")[0]


def is_table(obj):
    """Whether ``obj`` is a pandas or dask DataFrame (by its type's module)."""
    return module_of(obj) in ("pandas", "dask") and hasattr(obj, "columns") \
        and hasattr(obj, "dtypes")


@dataclass(frozen=True)
class Labels:
    """What a source knows about its axes and values, for ticks and titles."""

    rows: list | None = None  # one tick label per matrix row (None: the indices)
    cols: list | None = None
    row_name: str | None = None  # axis titles (a DataFrame's index and columns names)
    col_name: str | None = None
    name: str | None = None  # the values' name (colorbar label)
    # Numeric coordinates of evenly spaced axes (xarray coordinates, a point
    # table's window): the data values at the outer edges of the first and
    # the last row/column, ``(edge of row 0, edge of row n-1)``. The default
    # ticks are then at round data values (None: the labels above).
    row_edges: tuple | None = None
    col_edges: tuple | None = None


def coordinate_edges(coords):
    """``(first, last)`` outer cell edges of evenly spaced numeric coordinates
    (cell centres), or None for others (dates, uneven, fewer than two): those
    stay categorical labels.

    >>> coordinate_edges([0.5, 1.5, 2.5])
    (0.0, 3.0)
    >>> coordinate_edges([1, 2, 4]) is None
    True
    """
    c = np.asarray(coords)
    if c.dtype.kind not in "iuf" or c.ndim != 1 or len(c) < 2:
        return None
    c = c.astype(float)
    d = np.diff(c)
    if not (np.all(np.isfinite(c)) and d[0] != 0 and
            np.allclose(d, d[0], rtol=1e-6, atol=0)):
        return None
    step = (c[-1] - c[0]) / (len(c) - 1)
    return (float(c[0] - step / 2), float(c[-1] + step / 2))


def format_labels(values, digits=None):
    """Tick label texts for coordinate values: numbers with at most 6
    significant digits (or ``digits`` decimals) and a true minus sign, dates
    without trailing zeros.

    >>> format_labels([0.1 + 0.2, -2.0, 1e-7])
    ['0.3', '−2', '1e−07']
    >>> format_labels([0.125, 0.375], digits=2)
    ['0.12', '0.38']
    """
    values = np.asarray(values)
    if values.dtype.kind == "M":
        return list(np.datetime_as_string(values, unit="auto"))
    if values.dtype.kind == "f":
        fmt = f".{digits}f" if digits is not None else ".6g"
        return [format(v, fmt).replace("-", "\u2212") for v in values]
    if values.dtype.kind in "iu":
        return [str(v).replace("-", "\u2212") for v in values.tolist()]
    return [str(v) for v in values.tolist()]


class Source:
    """What the pipeline reads: a 2-D matrix (or a point table) that
    aggregates itself to an output grid.

    Attributes
    ----------
    shape : (int, int) or None
        ``(rows, cols)`` of the matrix; None for a source with no matrix of its
        own (a point table), whose grid is whatever size is asked for.
    dtype : numpy.dtype
        The values' dtype (what norms compute in for reductions that keep it).
    labels : Labels
        Tick labels, axis titles and the values' name (default: none).
    progress : bool
        Whether reading shows a progress bar on stderr (set once, by the factory).

    Subclasses read their data their own way (in memory, in row bands, by
    blocks on a cluster) and must give the same grid as the in-memory path for
    the same data; :class:`MatrixSource` does the common part.
    """

    shape: tuple | None
    dtype: np.dtype
    labels = Labels()
    progress = False

    def aggregate(self, height, width, reduce):
        """The ``(height, width)`` float64 grid of ``reduce`` over the matrix."""
        raise NotImplementedError

    def aggregate_range(self, height, width, reduce):
        """``(grid, data_range)``: :meth:`aggregate`'s grid and the input's
        :class:`~fastheat.aggregation.reductions.DataRange` gathered in the same
        pass, or None where the source does not gather it (then a norm's
        default range is the grid's)."""
        return self.aggregate(height, width, reduce), None

    def masked(self, mask) -> Source:
        """This source with ``mask`` (True = hide the cell) added as missing cells."""
        m = np.asarray(mask)
        if m.dtype.kind not in "biu":
            raise TypeError(f"mask must be a boolean array (True = hide the cell), got dtype "
                            f"{m.dtype}")
        if self.shape is not None and m.shape != tuple(self.shape):
            raise ValueError(f"mask has shape {m.shape} but the data has shape "
                             f"{tuple(self.shape)}; pass a boolean array of the data's shape")
        return self._masked(m.astype(bool, copy=False))

    def _masked(self, mask):
        raise TypeError(f"mask= works with in-memory and memory-mapped arrays, not "
                        f"{type(self).__name__}; put NaN in the data to hide cells instead")



class MatrixSource(Source):
    """A source with a matrix of its own, aggregated through a :class:`Plan`:
    subclasses give :meth:`fold` (the state of a plan) and :meth:`pick` (the
    cells for ``reduce="nearest"``)."""

    def aggregate(self, height, width, reduce):
        return self._aggregate(height, width, reduce, track=False)[0]

    def aggregate_range(self, height, width, reduce):
        # picked cells (reduce="nearest") are all that is read: no input range
        return self._aggregate(height, width, reduce, track=True)

    def _aggregate(self, height, width, reduce, track):
        plan = Plan(self.shape[0], self.shape[1], height, width, reduce, track)
        if plan.reduction.code is None:
            return self.pick(plan), None
        values, data_range = self.fold_values(plan)
        return np.ascontiguousarray(values), data_range

    def fold_values(self, plan):
        """``(values, data_range)``: the values of ``plan`` over the whole
        matrix and, when ``plan.track``, the input's
        :class:`~fastheat.aggregation.reductions.DataRange` (else None)."""
        state = self.fold(plan)
        data_range = plan.reduction.data_range(state) if plan.track else None
        return plan.finish(state), data_range  # the state is used up

    def fold(self, plan):
        """The reduction state of ``plan`` over the whole matrix (see
        :func:`fastheat.aggregation.fold.fold`)."""
        raise NotImplementedError

    def pick(self, plan):
        """The float64 cells under the pixel centres (see
        :func:`fastheat.aggregation.fold.pick_nearest`)."""
        raise NotImplementedError
