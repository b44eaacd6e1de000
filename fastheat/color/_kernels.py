"""Colour kernels: matplotlib's colormap index, and painting codes into a canvas.

Pure functions on arrays the caller allocated and validated
(:func:`fastheat.color.norms.codes`, :meth:`fastheat.color.raster.Raster.paint`).
"""
from __future__ import annotations

import numba as nb
import numpy as np

from .._jit import KERNEL_LOCK, pjit  # noqa: F401  (callers lock through K.KERNEL_LOCK)


@pjit
def colormap_codes(t, n, out):
    """Write matplotlib's colormap index of every normalized value ``t`` into
    ``out``: ``floor(t * n)`` in ``t``'s own float type (``n`` is given in that
    type), ``t * n == n -> n - 1``, below 0 -> ``n`` (under), at or above ``n``
    -> ``n + 1`` (over), NaN -> ``n + 2`` (bad). Bit-identical to
    ``Colormap.__call__``."""
    n_int = np.int64(n)
    for i in nb.prange(t.shape[0]):
        for j in range(t.shape[1]):
            x = t[i, j] * n
            if x == n:
                x = n - 1
            if x != x:
                out[i, j] = n_int + 2
            elif x < 0:
                out[i, j] = n_int
            elif x >= n:
                out[i, j] = n_int + 1
            else:
                out[i, j] = np.int64(x)


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
