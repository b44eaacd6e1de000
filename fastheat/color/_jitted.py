"""The jitted colour kernels (numba): imported when one is first called, through
:mod:`fastheat.color._kernels`, which also holds their numpy twins."""
from __future__ import annotations

import numba as nb
import numpy as np
from numba.extending import overload

from .._jit import pjit


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
def colormap_codes(t, n, out):
    """Writes matplotlib's colormap index of ``t`` into ``out`` (see
    :func:`fastheat.color._kernels.colormap_codes`)."""
    n_int = np.int64(n)
    for i in nb.prange(t.shape[0]):
        for j in range(t.shape[1]):
            out[i, j] = _code(t[i, j] * n, n, n_int)


def _as_type_of(w, like):
    """``w`` rounded to ``like``'s float type (a float64 value to float32, as
    ``np.array(x, np.float32)`` rounds it), or ``w`` itself when the types agree."""
    return like.__class__(w)


@overload(_as_type_of, inline="always")
def _as_type_of_impl(w, like):
    if w == like:
        return lambda w, like: w
    return lambda w, like: np.float32(w)


@pjit
def linear_codes(x, lo, span, n, out):
    """Writes the colormap index of ``(x - lo) / span`` into ``out`` (see
    :func:`fastheat.color._kernels.linear_codes`); float64 ``x`` with float32
    ``lo`` is rounded to float32 first, its own NaN and +-inf are bad."""
    # Branch-free, every select in the float lane and one conversion to int32
    # at the end: the loop vectorises (vdivpd, vcvttpd2dq on AVX2; there is no
    # vector float64 -> int64 conversion before AVX-512), 2x faster than
    # converting to int64 first. n + 2 <= 65,535 is exact in float32 too.
    top, zero = n - 1, lo - lo
    for i in nb.prange(x.shape[0]):
        row, codes = x[i], out[i]
        for j in range(x.shape[1]):
            w = row[j]
            v = _as_type_of(w, lo)
            t = ((v - lo) / span) * n
            c = min(max(t, zero), top)  # t == n -> n - 1; [0, n) truncated = floored
            c = n if t < 0 else c
            c = n + 1 if t > n else c
            c = n + 2 if w - w != 0 else c  # NaN, +-inf: bad (a float32 overflow is over/under)
            codes[j] = np.int32(c)


@pjit
def take_colors(table, codes, out):
    """``out[i, j] = table[codes[i, j]]``: one ``uint32`` colour per pixel
    (codes checked against the table by the caller)."""
    for i in nb.prange(codes.shape[0]):
        src, dst = codes[i], out[i]
        for j in range(codes.shape[1]):
            dst[j] = table[src[j]]


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


@nb.njit(cache=True, nogil=True)
def bracket(x, lows, highs, below, counts, buf):
    """For each bracket ``b``: ``below[b]`` = how many of ``x`` lie below
    ``lows[b]``, ``counts[b]`` = how many lie in ``[lows[b], highs[b]]``, the
    first ``buf.shape[1] - 1`` of those copied into ``buf[b]`` (in place; see
    :func:`fastheat.color._kernels.percentiles`). No branch per value: each is
    stored at the copy's end, which moves on when the value is inside."""
    last = buf.shape[1] - 1
    for b in range(len(lows)):
        lo, hi = lows[b], highs[b]
        out = buf[b]
        n_below = 0
        c = 0
        for i in range(x.size):
            v = x[i]
            n_below += v < lo
            out[np.uint64(min(c, last))] = v  # (unsigned: no negative-index test)
            c += (v >= lo) & (v <= hi)
        below[b] = n_below
        counts[b] = c
