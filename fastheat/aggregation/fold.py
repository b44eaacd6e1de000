"""Folding: blocks of any 2-D input, in any dtype and layout, into reduction states.

The kernel (:func:`fastheat.aggregation._kernels.accumulate`) folds blocks of
the input into mergeable reduction states; this module fixes the geometry of
one aggregation (:class:`Plan`, :class:`Window`), feeds the kernel blocks in a
dtype and layout it is compiled for (:func:`fold`, the one fold loop every
source uses), merges partial states and picks cells for ``reduce="nearest"``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._lazy import lazy_module
from .geometry import axis_map, axis_window, centre_cells
from ._states import MEANS
from .reductions import REDUCTIONS, reduction

K = lazy_module("fastheat.aggregation._kernels")  # numba loads when a kernel runs

#: dtypes the kernel is compiled for; every other dtype (and byte order, layout,
#: masked array) is converted band by band into a small reusable buffer.
NATIVE = tuple(np.dtype(t) for t in ("float32", "float64", "uint8", "uint16", "int16", "int32", "int64"))
_WIDEN = {"b": "uint8", "i1": "int16", "u4": "int64", "u8": "float64", "f2": "float32"}
#: Output pixels from which a mean is divided by the parallel kernel (numpy's
#: one thread below: a small raster need not load it).
PARALLEL_FINISH = 1 << 20
#: Converted bands hold about this many bytes.
BAND_BYTES = 8 << 20

__all__ = ["NATIVE", "REDUCTIONS", "Block", "Plan", "Window", "fold", "fold_matrix", "fold_values",
           "merge_parts", "pick_nearest"]


def rows_within(budget, row_bytes):
    """How many rows of ``row_bytes`` fit in ``budget`` bytes (at least one)."""
    return max(1, budget // max(1, row_bytes))


def conversion_rows(n_cols, dtype):
    """Rows per converted band of a matrix ``n_cols`` wide converted to ``dtype``."""
    return rows_within(BAND_BYTES, n_cols * np.dtype(dtype).itemsize)


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


def split_mask(data):
    """``(values, mask)`` of a masked array (mask None when nothing is
    masked); other input is returned as it is, with mask None."""
    if not isinstance(data, np.ma.MaskedArray):
        return data, None
    m = np.ma.getmask(data)
    return data.data, (None if m is np.ma.nomask or not m.any() else np.asarray(m))


class Plan:
    """The fixed geometry of one aggregation: which input cells feed which pixel.

    With ``track=True`` the states also gather the input's range in the same
    pass (:meth:`~fastheat.aggregation.reductions.Reduction.data_range`).
    """

    def __init__(self, n_rows, n_cols, height, width, reduce, track=False):
        self.reduction = reduction(reduce)
        self.n_rows, self.n_cols, self.height, self.width = n_rows, n_cols, height, width
        self.reduce, self.track = reduce, bool(track)
        self.op = self.reduction.code
        self.rows = axis_map(n_rows, height)
        self.cols = axis_map(n_cols, width)

    def transposed(self):
        """The plan of the transposed matrix (a CSC sparse matrix is folded as
        the CSR matrix of its transpose)."""
        return Plan(self.n_cols, self.n_rows, self.width, self.height, self.reduce, self.track)

    def new_state(self, planes=None):
        return self.reduction.new_state((self.height, self.width), self.track, planes)

    def fold(self, block, row0, col0, state, bins=None, col_bins=None, op=None):
        """Fold ``block`` (input rows ``row0..``, columns ``col0..``; native dtype,
        C-contiguous) into ``state``: every output row (column) it touches, or
        only output rows ``bins[0]:bins[1]`` (columns ``col_bins[0]:col_bins[1]``);
        ``op``: the kernel's state kind, if not the reduction's."""
        rstart, rstop, cstart, cstop = self.rows.start, self.rows.stop, self.cols.start, \
            self.cols.stop
        nb_, nc = block.shape
        if bins is None:
            i_lo = np.searchsorted(rstop, row0, "right")
            i_hi = np.searchsorted(rstart, row0 + nb_, "left")
        else:
            i_lo, i_hi = bins
        if col_bins is None:
            j_lo = np.searchsorted(cstop, col0, "right")
            j_hi = np.searchsorted(cstart, col0 + nc, "left")
        else:
            j_lo, j_hi = col_bins
        if i_lo < i_hi and j_lo < j_hi:
            with K.KERNEL_LOCK:
                K.accumulate(readonly(block), row0, col0, *self.rows, *self.cols, i_lo, i_hi,
                             j_lo, j_hi, self.op if op is None else op, self.track, state)

    def finish(self, state):
        """Values from a (merged) state; NaN where a pixel saw no valid value.
        A mean is divided in place, into the state's first plane (no third
        full-size plane for large outputs), a standard deviation into its
        third: the state is used up."""
        if self.reduction.name == "mean":
            if state[0].size >= PARALLEL_FINISH and state.flags.c_contiguous:
                with K.KERNEL_LOCK:
                    K.divide_rows(state[0], state[1])
                return state[0]
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.divide(state[0], state[1], out=state[0])
        if self.reduction.name == "std":  # in place too, into the third plane
            with np.errstate(invalid="ignore", divide="ignore"):
                np.divide(state[2], state[1], out=state[2])
                return np.sqrt(state[2], out=state[2])
        return self.reduction.values(state)

    def nearest_index(self):
        """Rows and columns under the pixel centres (for ``reduce="nearest"``)."""
        return centre_cells(self.n_rows, self.height), centre_cells(self.n_cols, self.width)


class Window:
    """The part of a :class:`Plan` that one block of the input touches: output
    rows ``i0..``, columns ``j0..`` with the geometry of just those bins, so a
    block's partial state is as small as the pixels it feeds (what travels back
    from a dask worker)."""

    __slots__ = ("reduction", "op", "track", "i0", "j0", "rows", "cols", "shape")

    def __init__(self, plan, r0, r1, c0, c1):
        self.reduction, self.op, self.track = plan.reduction, plan.op, plan.track
        self.i0, self.rows = axis_window(plan.rows, r0, r1)
        self.j0, self.cols = axis_window(plan.cols, c0, c1)
        self.shape = (len(self.rows.start), len(self.cols.start))

    def __bool__(self):
        return self.shape[0] > 0 and self.shape[1] > 0

    def new_state(self):
        return self.reduction.new_state(self.shape, self.track)

    fold = Plan.fold  # the same geometry fields: rows, cols, op


class Block(NamedTuple):
    """A piece of the input for :func:`fold`: ``data`` (any dtype, layout,
    masked or not) holds input rows ``row0..`` and columns ``col0..``;
    ``mask`` (True = missing) is of its shape; ``bins`` limits the output rows
    it feeds (see :meth:`Plan.fold`)."""

    data: np.ndarray
    row0: int = 0
    col0: int = 0
    mask: np.ndarray | None = None
    bins: tuple | None = None


def bin_groups(axis, lo, hi, bins, budget):
    """Consecutive output bins of one axis in groups whose input cells (within
    ``lo:hi``) number at most ``budget``: ``[(g0, g1, c0, c1)]``, bins
    ``g0:g1`` reading cells ``c0:c1``. ``bins`` (or, when None, every bin the
    cells ``lo:hi`` feed) are the bins to cover. A bin longer than ``budget``
    is a group of its own, cut into pieces of ``budget`` cells."""
    start, stop = axis.start, axis.stop
    if bins is None:
        b0 = int(np.searchsorted(stop, lo, "right"))
        b1 = int(np.searchsorted(start, hi, "left"))
    else:
        b0, b1 = bins
    groups = []
    g = b0
    while g < b1:
        c0 = max(int(start[g]), lo)
        if min(int(stop[g]), hi) - c0 > budget:
            end = min(int(stop[g]), hi)
            groups += [(g, g + 1, c, min(c + budget, end)) for c in range(c0, end, budget)]
            g += 1
            continue
        # the first bin past the budget, found by bisection (bins are sorted)
        e = min(max(int(np.searchsorted(stop, c0 + budget, "right")), g + 1), b1)
        groups.append((g, e, c0, min(int(stop[e - 1]), hi)))
        g = e
    return groups


def fold_array(plan, a, state, mask=None, origin=(0, 0), bins=None):
    """Fold a 2-D array (in memory or memory-mapped, starting at input cell
    ``origin``) into ``state``.

    C-contiguous arrays of a native dtype go to the kernel as they are (no
    copy); anything else (another dtype or byte order, Fortran order,
    strides, a mask) is converted tile by tile into one reusable buffer of
    about 8 MB, masked cells set to NaN there. Tiles hold whole output bins
    (rows and columns) wherever a bin fits in one, so every pixel's arithmetic,
    and so its value to the last bit, is the same as for the C-ordered native
    array, whatever the layout or dtype of the input's memory (a Fortran-ordered
    array is tiled in tall column bands, read in its own order).
    """
    row0, col0 = origin
    target = kernel_dtype(a.dtype)
    if mask is not None:
        target = np.result_type(target, np.float32 if a.dtype.itemsize <= 2 else np.float64)
    if read_as_is(a, mask):
        plan.fold(a, row0, col0, state, bins)
        return
    n, m = a.shape
    cells = max(1, BAND_BYTES // target.itemsize)
    fortran = a.flags.f_contiguous and not a.flags.c_contiguous
    if fortran:  # tall column bands: each tile is read as whole column pieces
        col_budget = max(1, cells // max(1, n))
        row_budget = max(1, cells // min(col_budget, m))
    else:  # row bands of full rows
        col_budget = m
        row_budget = max(1, cells // max(1, m))
    col_groups = [(None, 0, m)] if col_budget >= m else \
        [((g0, g1), c0 - col0, c1 - col0)
         for g0, g1, c0, c1 in bin_groups(plan.cols, col0, col0 + m, None, col_budget)]
    row_groups = [(b, c0 - row0, c1 - row0)
                  for g0, g1, c0, c1 in bin_groups(plan.rows, row0, row0 + n, bins, row_budget)
                  for b in [(g0, g1)]]
    buf = np.empty(min(cells, n * m) or 1, target)
    for cbins, c0, c1 in col_groups:
        for rbins, r0, r1 in row_groups:
            tile = buf[:(r1 - r0) * (c1 - c0)].reshape(r1 - r0, c1 - c0)
            np.copyto(tile, a[r0:r1, c0:c1], casting="unsafe")
            if mask is not None:
                tile[mask[r0:r1, c0:c1]] = np.nan
            plan.fold(tile, row0 + r0, col0 + c0, state, rbins, cbins)


def read_as_is(a, mask=None):
    """Whether array ``a`` (with ``mask``) goes to the kernel as it is: no
    conversion, no copy."""
    return mask is None and a.dtype == kernel_dtype(a.dtype) and a.flags.c_contiguous


def fold_values(plan, a, mask=None):
    """``(values, state)``: the values of :class:`Plan` ``plan`` over the whole
    2-D array ``a`` and the state they came from (:meth:`Plan.finish` may
    have used it up; its tracked planes hold the input's range).

    A mean of an array the kernel reads as it is is finished in the fold
    (``MEANS``: one plane instead of sums and weights, and no second pass to
    divide them: a large output's memory traffic halved), bit-identical to
    :func:`fold_matrix` then :meth:`Plan.finish` but for NaN's sign bit.
    """
    if plan.reduction.name == "mean" and read_as_is(a, mask):
        state = plan.new_state(planes=1)
        plan.fold(a, 0, 0, state, op=MEANS)
        return state[0], state
    state = fold_matrix(plan, a, mask)
    return plan.finish(state), state


def fold_block(plan, block: Block, state):
    """Fold one :class:`Block` into ``state`` through ``plan`` (a :class:`Plan`
    or :class:`Window`)."""
    data, mask = split_mask(block.data)
    if block.mask is not None:
        mask = block.mask if mask is None else (mask | block.mask)
    fold_array(plan, np.asarray(data), state, mask, (block.row0, block.col0), block.bins)


def fold(plan, blocks):
    """The one fold loop: a fresh state of ``plan`` (a :class:`Plan` or
    :class:`Window`) with every :class:`Block` of ``blocks`` folded in.

    ``blocks`` may be a generator that reads ahead, reports progress or frees
    memory between blocks: each block is dropped before the next is asked for.
    Folding every block of a matrix, in any order, gives the state of the whole.
    """
    state = plan.new_state()
    for block in blocks:
        fold_block(plan, block, state)
        del block  # at most one block in hand while the next one is read
    return state


def fold_matrix(plan, a, mask=None, blocks=None):
    """The state of ``plan`` over the whole 2-D array ``a``.

    ``blocks(plan, a)`` yields the :class:`Block`\\ s of ``a`` (default: ``a`` as
    one block, converted tile by tile when it needs converting, a
    Fortran-ordered array in its own order: see :func:`fold_array`). Each
    pixel is computed as for the C-ordered copy: the memory layout never
    changes a value.
    """
    return fold(plan, blocks(plan, a) if blocks is not None else [Block(a, mask=mask)])


def _unique_take(index):
    """Sorted unique indices and where each original index sits among them."""
    uniq, inverse = np.unique(index, return_inverse=True)
    return uniq, inverse.ravel()


def pick_nearest(plan, take, rows_per_take=None):
    """``reduce="nearest"``: the cells under the pixel centres as float64.

    ``take(rows, cols)`` returns the cells at sorted unique indices (a numpy
    or masked array: masked and +-inf cells become NaN); it is asked for at most
    ``rows_per_take`` rows at a time (default: all at once), so only the rows
    the picked cells lie in are read.
    """
    rows, cols = plan.nearest_index()
    ru, ri = _unique_take(rows)
    cu, ci = _unique_take(cols)
    per = rows_per_take or len(ru)
    picked = np.empty((len(ru), len(cu)))
    for k in range(0, len(ru), per):
        block = take(ru[k:k + per], cu)
        if isinstance(block, np.ma.MaskedArray):
            block = block.astype(np.float64).filled(np.nan)
        picked[k:k + per] = block
    picked[np.isinf(picked)] = np.nan  # missing, as in every reduction
    return picked[ri][:, ci]


def merge_into(op, state, part, i0=0, j0=0, track=False):
    """Merge the partial ``part`` (covering output rows ``i0..``, columns
    ``j0..``) into ``state`` in place, by the rule of state kind ``op`` (see
    :func:`fastheat.aggregation._kernels.merge`); ``track``: both have the
    planes that gather the input's range."""
    h, w = part.shape[1:]
    K.merge(op, track, state[:, i0:i0 + h, j0:j0 + w], part)


def merge_parts(reduction, parts, shape=None):
    """Merge partial states ``(i0, j0, state)``, in order, into one ``(i0, j0,
    state)``: of ``shape`` at ``(0, 0)`` when given, else covering the parts'
    bounding box. A fixed order gives bit-identical sums on every scheduler."""
    if shape is None:
        if len(parts) == 1:
            return parts[0]
        i0 = min(p[0] for p in parts)
        j0 = min(p[1] for p in parts)
        shape = (max(p[0] + p[2].shape[1] for p in parts) - i0,
                 max(p[1] + p[2].shape[2] for p in parts) - j0)
    else:
        i0 = j0 = 0
    track = bool(parts) and reduction.tracks(parts[0][2])
    state = reduction.new_state(shape, track)
    for i, j, part in parts:
        merge_into(reduction.code, state, part, i - i0, j - j0, track)
    return i0, j0, state
