"""Aggregate stage: any 2-D input -> float grid at output resolution, reading it once.

The work is done by :func:`fastheat._kernels.accumulate`, which folds blocks of
the input into mergeable reduction states; this module validates, picks the
output size, feeds the kernel blocks in a dtype and layout it is compiled for,
and turns the states into values.
"""
from __future__ import annotations

import numpy as np

from . import _kernels as K

REDUCTIONS = ("mean", "sum", "min", "max", "absmax", "std", "count", "nearest")
_OPS = {"mean": K.MOMENTS, "sum": K.MOMENTS, "std": K.MOMENTS2, "count": K.COUNT,
        "min": K.MIN, "max": K.MAX, "absmax": K.ABSMAX}
_PLANES = {K.MOMENTS: 2, K.MOMENTS2: 3, K.COUNT: 1, K.MIN: 1, K.MAX: 1, K.ABSMAX: 1}

#: dtypes the kernel is compiled for; every other dtype (and byte order, layout,
#: masked array) is converted band by band into a small reusable buffer.
NATIVE = tuple(np.dtype(t) for t in ("float32", "float64", "uint8", "uint16", "int16", "int32", "int64"))
_WIDEN = {"b": "uint8", "i1": "int16", "u4": "int64", "u8": "float64", "f2": "float32"}

#: Largest raster side and pixel count accepted (a 2 GiB RGBA buffer).
MAX_SIDE = 65_535
MAX_PIXELS = 1 << 29
#: Automatic size: large matrices shrink to this many pixels on the longest side,
#: small ones grow by a whole factor until the longest side is at least SMALL.
AUTO_SIDE = 1000
SMALL = 400
_BAND_BYTES = 8 << 20


def _check_side(name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer number of pixels, got {value!r}")
    if not 1 <= value <= MAX_SIDE:
        raise ValueError(f"{name} must be between 1 and {MAX_SIDE} pixels, got {value}")
    return int(value)


def output_shape(shape, width=None, height=None):
    """The raster size ``(height, width)`` for a matrix of ``shape``.

    One side given: the other follows the aspect ratio. Neither: matrices larger
    than ``AUTO_SIDE`` on their longest side shrink to it, matrices smaller than
    ``SMALL`` grow by a whole factor (crisp blocks), others keep their size.

    >>> output_shape((10_000, 5_000))
    (1000, 500)
    >>> output_shape((10, 10))
    (400, 400)
    >>> output_shape((300, 600), width=100)
    (50, 100)
    """
    n_rows, n_cols = shape
    if width is not None:
        width = _check_side("width", width)
    if height is not None:
        height = _check_side("height", height)
    if width is None and height is None:
        longest = max(n_rows, n_cols)
        if longest > AUTO_SIDE:
            scale = AUTO_SIDE / longest
        elif longest < SMALL:
            scale = float(-(-SMALL // longest))
        else:
            scale = 1.0
        height = max(1, min(MAX_SIDE, round(n_rows * scale)))
        width = max(1, min(MAX_SIDE, round(n_cols * scale)))
    elif width is None:
        width = max(1, min(MAX_SIDE, round(n_cols * height / n_rows)))
    elif height is None:
        height = max(1, min(MAX_SIDE, round(n_rows * width / n_cols)))
    if width * height > MAX_PIXELS:
        raise ValueError(f"width x height = {width} x {height} exceeds the limit of "
                         f"{MAX_PIXELS} pixels; ask for a smaller raster")
    return height, width


def centre_cells(n_in, n_out):
    """The cell under the centre of each of ``n_out`` pixels spread over
    ``n_in`` cells (``reduce="nearest"``, upsampled axes, tick positions)."""
    i = np.arange(n_out, dtype=np.int64)
    return ((2 * i + 1) * n_in) // (2 * n_out)


def axis_map(n_in, n_out):
    """How ``n_in`` input cells feed ``n_out`` pixels along one axis.

    Returns ``start, stop, offset, weight``: pixel ``i`` reads cells
    ``start[i]:stop[i]``, cell ``k`` with weight ``weight[offset[i] + k - start[i]]``,
    its area inside the pixel in cell units (exact: the bounds are integers
    scaled by ``n_out``). Upsampled axes give each pixel the one cell under its
    centre with weight 1, so cells become crisp blocks.
    """
    i = np.arange(n_out, dtype=np.int64)
    if n_out >= n_in:
        start = centre_cells(n_in, n_out)
        return start, start + 1, i, np.ones(n_out)
    start, stop = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
    length = stop - start
    offset = np.concatenate([[0], np.cumsum(length)[:-1]])
    pixel = np.repeat(i, length)
    cell = np.arange(length.sum()) - np.repeat(offset, length) + np.repeat(start, length)
    lo = np.maximum(cell * n_out, pixel * n_in)
    hi = np.minimum((cell + 1) * n_out, (pixel + 1) * n_in)
    return start, stop, offset, (hi - lo) / n_out


def upsampling(n_in, n_out):
    """``(n_cells, index)`` for one axis: an upsampled axis (``n_out > n_in``)
    is aggregated at its own ``n_in`` cells and pixel ``i`` then shows cell
    ``index[i]`` (the one under its centre, as :func:`axis_map` would pick);
    otherwise ``(n_out, None)``."""
    if n_out <= n_in:
        return n_out, None
    return n_in, axis_map(n_in, n_out)[0]


def expand(cells, row_index=None, col_index=None):
    """Cell grid -> pixel grid for upsampled axes (see :func:`upsampling`):
    columns first (runs of repeats, on the small grid), then whole rows;
    several times faster than two ``take``s."""
    if col_index is not None:
        cells = np.repeat(cells, np.bincount(col_index, minlength=cells.shape[1]), axis=1)
    if row_index is not None:
        cells = cells.take(row_index, axis=0)
    return cells


def reduce_state(op, shape):
    """A fresh reduction state for ``op`` at output ``shape`` (see :mod:`_kernels`)."""
    fill = np.nan if op in (K.MIN, K.MAX, K.ABSMAX) else 0.0
    return np.full((_PLANES[op],) + tuple(shape), fill)


class Plan:
    """The fixed geometry of one aggregation: which input cells feed which pixel."""

    def __init__(self, n_rows, n_cols, height, width, reduce):
        if reduce not in REDUCTIONS:
            raise ValueError(f"reduce={reduce!r} is not a reduction; choose one of "
                             + ", ".join(map(repr, REDUCTIONS)))
        self.n_rows, self.n_cols, self.height, self.width = n_rows, n_cols, height, width
        self.reduce = reduce
        self.op = _OPS.get(reduce)
        self.rows = axis_map(n_rows, height)
        self.cols = axis_map(n_cols, width)

    def new_state(self):
        return reduce_state(self.op, (self.height, self.width))

    def fold(self, block, row0, col0, state):
        """Fold ``block`` (input rows ``row0..``, columns ``col0..``; native dtype,
        C-contiguous) into ``state``."""
        (rstart, rstop, _, _), (cstart, cstop, _, _) = self.rows, self.cols
        nb_, nc = block.shape
        i_lo, i_hi = np.searchsorted(rstop, row0, "right"), np.searchsorted(rstart, row0 + nb_, "left")
        j_lo, j_hi = np.searchsorted(cstop, col0, "right"), np.searchsorted(cstart, col0 + nc, "left")
        if i_lo < i_hi and j_lo < j_hi:
            with K.KERNEL_LOCK:
                K.accumulate(readonly(block), row0, col0, *self.rows, *self.cols, i_lo, i_hi,
                             j_lo, j_hi, self.op, state)

    def finish(self, state):
        """Values from a (merged) state; NaN where a pixel saw no valid value."""
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if self.reduce == "mean":
                return state[0] / state[1]
            if self.reduce == "sum":
                return np.where(state[1] > 0, state[0], np.nan)
            if self.reduce == "std":
                return np.sqrt(state[2] / state[1])
            if self.reduce == "count":
                return np.where(state[0] > 0, state[0], np.nan)
        return state[0]

    def nearest_index(self):
        """Rows and columns under the pixel centres (for ``reduce="nearest"``)."""
        return centre_cells(self.n_rows, self.height), centre_cells(self.n_cols, self.width)


def kernel_dtype(dtype):
    """The dtype a block of ``dtype`` is handed to the kernel in."""
    dtype = np.dtype(dtype)
    native = dtype.newbyteorder("=")
    if native in NATIVE:
        return native
    return np.dtype(_WIDEN.get(native.str[1:], _WIDEN.get(native.kind, "float64")))


def readonly(block):
    """A read-only view: the kernel is compiled once, for read-only input
    (memmaps and arrays alike)."""
    if block.flags.writeable:
        block = block.view()
        block.flags.writeable = False
    return block


def fold_array(plan, a, state, mask=None, row_range=None, origin=(0, 0)):
    """Fold a 2-D array (in memory or memory-mapped; rows ``row_range`` of it,
    the array itself starting at input cell ``origin``) into ``state``.

    C-contiguous arrays of a native dtype go to the kernel as they are (no
    copy); anything else is converted in row bands of about 8 MB into one
    reusable buffer, masked cells set to NaN there.
    """
    r0, r1 = row_range or (0, a.shape[0])
    row0, col0 = origin
    target = kernel_dtype(a.dtype)
    if mask is not None:
        target = np.result_type(target, np.float32 if a.dtype.itemsize <= 2 else np.float64)
    if mask is None and a.dtype == target and a.flags.c_contiguous:
        plan.fold(a[r0:r1], row0 + r0, col0, state)
        return
    rows = max(1, _BAND_BYTES // max(1, a.shape[1] * target.itemsize))
    buf = np.empty((min(rows, r1 - r0), a.shape[1]), target)
    for lo in range(r0, r1, rows):
        hi = min(lo + rows, r1)
        band = buf[: hi - lo]
        np.copyto(band, a[lo:hi], casting="unsafe")
        if mask is not None:
            band[mask[lo:hi]] = np.nan
        plan.fold(band, row0 + lo, col0, state)


def aggregate_matrix(a, mask, height, width, reduce):
    """:func:`aggregate` for an already validated matrix and size."""
    plan = Plan(a.shape[0], a.shape[1], height, width, reduce)
    if reduce == "nearest":
        rows, cols = plan.nearest_index()
        picked = np.asarray(a[rows][:, cols], dtype=np.float64)
        if mask is not None:
            picked[mask[rows][:, cols]] = np.nan
        return picked
    if a.flags.f_contiguous and not a.flags.c_contiguous:
        # The transpose of a Fortran array is C-contiguous: aggregate that, no copy.
        t_mask = None if mask is None else mask.T
        return aggregate_matrix(a.T, t_mask, width, height, reduce).T.copy()
    state = plan.new_state()
    fold_array(plan, a, state, mask)
    return plan.finish(state)
