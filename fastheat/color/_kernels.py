"""Colour kernels: matplotlib's colormap index, and painting codes into a canvas.

Pure functions on arrays the caller allocated and validated
(:func:`fastheat.color.norms.codes`, :meth:`fastheat.color.raster.Raster.paint`).
The jitted versions live in :mod:`._jitted`, imported (with numba) when one is
first called. The colormap index has a numpy twin, bit-identical, which a
process that has not loaded numba's machinery yet uses on small inputs
(:func:`fastheat._jit.use_jit`): a matrix rendered at its own size never loads numba.
"""
from __future__ import annotations

import numpy as np

from .._jit import KERNEL_LOCK, use_jit  # noqa: F401  (callers lock through K.KERNEL_LOCK)
from .._lazy import lazy_module

J = lazy_module("fastheat.color._jitted")


def colormap_codes(t, n, out):
    """Write matplotlib's colormap index of every normalized value ``t`` into
    ``out``: ``floor(t * n)`` in ``t``'s own float type (``n`` is given in that
    type), ``t * n == n -> n - 1``, below 0 -> ``n`` (under), at or above ``n``
    -> ``n + 1`` (over), NaN -> ``n + 2`` (bad). Bit-identical to
    ``Colormap.__call__``."""
    if use_jit(t.size):
        J.colormap_codes(t, n, out)
    else:
        _colormap_codes_numpy(t, n, out)


def linear_codes(x, lo, span, n, out):
    """Write the colormap index (as :func:`colormap_codes`) of ``(x - lo) /
    span`` into ``out``, non-finite ``x`` bad: matplotlib's ``Normalize`` and
    ``Colormap`` in one pass, with no normalized temporary. ``lo``, ``span``
    and ``n`` are scalars of ``x``'s float type, or float32 for float64 ``x``
    (a float32 input's mean, normalized in float32 as matplotlib normalizes
    float32 data: ``x`` is rounded to float32 first); ``span > 0``.
    Bit-identical to ``Normalize`` then ``Colormap`` in that type (numpy's
    in-place ``t -= lo; t /= span``)."""
    if use_jit(x.size):
        J.linear_codes(x, lo, span, n, out)
    else:
        _linear_codes_numpy(x, lo, span, n, out)


def take_colors(table, codes, out):
    """``out[i, j] = table[codes[i, j]]`` for ``uint32`` colours ``table`` and
    2-D ``codes`` below ``len(table)``: numpy's take (which first widens the
    codes to ``intp``, a 4x larger temporary) until numba is loaded."""
    if use_jit(codes.size):
        J.take_colors(table, codes, out)
    else:
        np.take(table, codes, out=out, mode="clip")


def paint_rows(cell_codes, row_index, col_index, table, out, rows):
    """Paint pixel rows ``rows`` of ``out`` from their cells' codes (see
    :func:`fastheat.color._jitted.paint_rows`; jitted only)."""
    J.paint_rows(cell_codes, row_index, col_index, table, out, rows)


def _linear_codes_numpy(x, lo, span, n, out):
    with np.errstate(invalid="ignore", over="ignore"):
        if x.dtype == lo.dtype:
            t = x - lo
        else:  # float64 values normalized in float32: rounded first
            t = x.astype(lo.dtype)
            t -= lo
        t /= span
        t *= n  # as matplotlib's Colormap: normalized, then times n
        if x.size and 0 <= t.min() and t.max() <= n:  # common: no NaN, +-inf, under or over
            np.minimum(t, n - 1, out=t)  # n -> n - 1; the rest truncated = floored
            np.copyto(out, t, casting="unsafe")
            return
        t[~np.isfinite(x)] = np.nan
    _scaled_codes_numpy(t, n, out)


def _colormap_codes_numpy(t, n, out):
    with np.errstate(invalid="ignore", over="ignore"):
        _scaled_codes_numpy(t * n, n, out)


def _scaled_codes_numpy(x, n, out):
    """The codes of ``x = t * n`` (``x`` is overwritten)."""
    with np.errstate(invalid="ignore", over="ignore"):
        x[x == n] = n - 1
        np.copyto(out, x, casting="unsafe")  # [0, n) truncated = floored; the rest below
        out[x < 0] = n
        out[x >= n] = n + 1
        out[np.isnan(x)] = n + 2


#: Below this many values :func:`percentiles` is numpy's (whose partition is
#: then as fast); the sample it brackets the ranks with.
PERCENTILE_ITEMS = 1 << 16
PERCENTILE_SAMPLE = 1 << 14


def percentiles(x, qs):
    """``np.percentile(x, qs)`` (method "linear") of the 1-D finite float64
    ``x``, bit for bit, without partitioning ``x``: each percentile's two
    order statistics are bracketed by a sorted strided sample, one pass
    counts the values below each bracket and copies those inside, and a
    partition of the copy picks them (1000² values: 2-3 ms, numpy's
    partition 15 ms). A bracket that misses its ranks (a sample unlike the
    values) falls back to numpy."""
    x = np.asarray(x)
    n = x.size
    if n < PERCENTILE_ITEMS or x.dtype != np.float64 or x.ndim != 1 or not use_jit(n):
        return np.percentile(x, qs)
    q = np.true_divide(np.asarray(qs, np.float64), 100)
    virtual = (n - 1) * q  # numpy's index for "linear"; in range for 0 <= q <= 1
    prev = np.floor(virtual).astype(np.int64)
    nxt = np.minimum(prev + 1, n - 1)
    sample = np.sort(x[::max(1, n // PERCENTILE_SAMPLE)])
    m = len(sample)
    # the ranks' places in the sample, +- 8 binomial deviations and 4 places
    p = prev / (n - 1)
    d = (8 * np.sqrt(m * p * (1 - p)) + 4).astype(np.int64)
    at_lo = np.floor(prev * (m / n)).astype(np.int64) - d
    at_hi = np.ceil(nxt * (m / n)).astype(np.int64) + d
    lows = np.where(at_lo < 0, -np.inf, sample[np.clip(at_lo, 0, m - 1)])
    highs = np.where(at_hi >= m, np.inf, sample[np.clip(at_hi, 0, m - 1)])
    below = np.zeros(len(q), np.int64)
    counts = np.zeros(len(q), np.int64)
    # room for 4x the values a bracket should hold (more: the fallback)
    buf = np.empty((len(q), max(1024, 4 * int((at_hi - at_lo).max()) * (n // m + 1))))
    with KERNEL_LOCK:
        J.bracket(x, lows, highs, below, counts, buf)
    out = np.empty(len(q))
    for b in range(len(q)):
        i, j = prev[b] - below[b], nxt[b] - below[b]
        if i < 0 or j >= counts[b]:
            return np.percentile(x, qs)  # the bracket missed
        if lows[b] == highs[b]:  # a run of one value (more than the copy may hold)
            a = c = float(lows[b])
        elif counts[b] >= buf.shape[1]:
            return np.percentile(x, qs)
        else:
            part = np.partition(buf[b, :counts[b]], [i, j])
            a, c = float(part[i]), float(part[j])
        t = float(virtual[b] - prev[b])
        diff = c - a  # numpy's _lerp
        out[b] = c - diff * (1 - t) if t >= 0.5 else a + diff * t
    return out
