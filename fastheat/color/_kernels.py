"""Colour kernels: matplotlib's colormap index, and painting codes into a canvas.

Pure functions on arrays the caller allocated and validated
(:func:`fastheat.color.norms.codes`, :meth:`fastheat.color.raster.Raster.paint`).
The colormap index has a numpy twin, bit-identical, which a process that
has not loaded numba's machinery yet uses on small inputs
(:func:`fastheat._jit.use_jit`).
"""
from __future__ import annotations

import numba as nb
import numpy as np

from .._jit import KERNEL_LOCK, pjit, use_jit  # noqa: F401  (callers lock through K.KERNEL_LOCK)


def colormap_codes(t, n, out):
    """Write matplotlib's colormap index of every normalized value ``t`` into
    ``out``: ``floor(t * n)`` in ``t``'s own float type (``n`` is given in that
    type), ``t * n == n -> n - 1``, below 0 -> ``n`` (under), at or above ``n``
    -> ``n + 1`` (over), NaN -> ``n + 2`` (bad). Bit-identical to
    ``Colormap.__call__``."""
    if use_jit(t.size):
        _colormap_codes(t, n, out)
    else:
        _colormap_codes_numpy(t, n, out)


def linear_codes(x, lo, span, n, out):
    """Write the colormap index (as :func:`colormap_codes`) of ``(x - lo) /
    span`` into ``out``, non-finite ``x`` bad: matplotlib's ``Normalize`` and
    ``Colormap`` in one pass, with no normalized temporary. ``lo``, ``span``
    and ``n`` are scalars of ``x``'s float type; ``span > 0``. Bit-identical
    to ``Normalize`` then ``Colormap`` in that type (numpy's in-place
    ``t -= lo; t /= span``)."""
    if use_jit(x.size):
        _linear_codes(x, lo, span, n, out)
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            t = x - lo
            t /= span
            t[~np.isfinite(x)] = np.nan
        _colormap_codes_numpy(t, n, out)


def _colormap_codes_numpy(t, n, out):
    with np.errstate(invalid="ignore", over="ignore"):
        x = t * n
        x[x == n] = n - 1
        np.copyto(out, x, casting="unsafe")  # [0, n) truncated = floored; the rest below
        out[x < 0] = n
        out[x >= n] = n + 1
        out[np.isnan(x)] = n + 2


@nb.njit(cache=True, nogil=True, inline="always")
def _code(x, n, n_int):
    if x == n:
        x = n - 1
    if x != x:
        return n_int + 2
    if x < 0:
        return n_int
    if x >= n:
        return n_int + 1
    return np.int64(x)


@pjit
def _colormap_codes(t, n, out):
    n_int = np.int64(n)
    for i in nb.prange(t.shape[0]):
        for j in range(t.shape[1]):
            out[i, j] = _code(t[i, j] * n, n, n_int)


@pjit
def _linear_codes(x, lo, span, n, out):
    # branch-free (selects): 1.4x faster than _code's branches
    n_int, top, zero = np.int64(n), n - 1, lo - lo
    for i in nb.prange(x.shape[0]):
        row, codes = x[i], out[i]
        for j in range(x.shape[1]):
            v = row[j]
            t = ((v - lo) / span) * n
            c = np.int64(min(max(t, zero), top))  # t == n -> n - 1
            c = n_int if t < 0 else c
            c = n_int + 1 if t > n else c
            codes[j] = n_int + 2 if v - v != 0 else c  # NaN, +-inf: bad


@pjit
def paint_rows(cell_codes, row_index, col_index, table, out, rows):
    """``out[i, j] = table[cell_codes[row_index[i], col_index[j]]]`` for the
    pixel rows ``i`` in ``rows``: the raster in RGB or RGBA, expanded from cells
    to pixels, written straight into its place in a canvas (``out`` may be a
    strided view)."""
    w, nch = out.shape[1], out.shape[2]
    for s in nb.prange(rows.shape[0]):
        i = rows[s]
        src, row = cell_codes[row_index[i]], out[i]
        if nch == 3:  # channels unrolled: 2x faster than a loop over them
            for j in range(w):
                k = src[col_index[j]]
                row[j, 0], row[j, 1], row[j, 2] = table[k, 0], table[k, 1], table[k, 2]
        else:
            for j in range(w):
                k = src[col_index[j]]
                row[j, 0], row[j, 1], row[j, 2], row[j, 3] = \
                    table[k, 0], table[k, 1], table[k, 2], table[k, 3]
