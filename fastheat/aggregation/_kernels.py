"""Aggregation kernels: fold blocks of the input into mergeable reduction states, merge states.

Pure functions on arrays the caller allocated and validated
(:mod:`fastheat.aggregation.fold`): numba does not check bounds. Which
reduction uses which state kind is in :mod:`fastheat.aggregation.reductions`.
"""
from __future__ import annotations

import numba as nb
import numpy as np
from numba.extending import overload
from numba.np import numpy_support

from .._jit import KERNEL_LOCK, jit, pjit  # noqa: F401  (callers lock through K.KERNEL_LOCK)

from ._states import ABSMAX, COUNT, MAX, MEANS, MIN, MOMENTS, MOMENTS2, TRACKED  # noqa: F401

def _jit_as(name, fn):
    """``jit(fn)`` compiled under a name of its own: the kernels a factory
    makes (:func:`_pass_of`, :func:`_ilanes_of`, :func:`_runs_of`) share one
    source function, whose qualified name names both their cache files and
    their machine code's symbols (with a per-process compile counter). Under
    one name, a worker that loaded one variant from the cache and compiled
    another could link the wrong one (seen: NaN means in a fresh CI run, where
    pytest-xdist workers filled the cache), as numba issue 10486 describes."""
    fn.__name__ = fn.__qualname__ = name
    return jit(fn)


# Missing input cells are NaN and +-inf (as matplotlib and seaborn mask them):
# ``v - v == 0`` is the branch-free test for a finite ``v``.


@jit
def _better(op, v, a):
    """Whether ``v`` should replace the running extreme ``a`` (``a`` is NaN
    until the first valid value; a NaN ``v`` never replaces a valid ``a``)."""
    if a != a:
        return True
    if op == MIN:
        return v < a
    if op == MAX:
        return v > a
    return abs(v) > abs(a) or (abs(v) == abs(a) and v > a)


@jit
def _chan_shift(s_a, w_a, s_b, w_b):
    """Chan's term for merging two parts' squared deviations, each about its own
    mean (sums ``s``, weights ``w``, both positive): ``M2 = M2_a + M2_b + shift``."""
    delta = s_b / w_b - s_a / w_a
    return delta * delta * (w_a * w_b / (w_a + w_b))


#: Input columns per segment of a row pass: a segment's accumulators
#: (2048 float64, 16 KB) stay in L1 while the rows stream by. Segments start
#: at bin edges (a bin longer than this is cut at fixed offsets from its own
#: first cell), so a pixel's arithmetic depends on its cells only, not on the
#: block it arrived in or its memory layout.
SEGMENT = 2048


@jit
def _weight(start, stop, first, last, cells, i, c):
    """Weight of cell ``c`` in pixel ``i`` of an axis (see
    :class:`fastheat.aggregation.geometry.AxisMap`)."""
    if c == start[i]:
        return first[i]
    if c == stop[i] - 1:
        return last[i]
    return cells[c] if cells.size else 1.0


@jit
def _is_uniform(first, last, cells):
    """Whether every weight of an axis is 1 (none need be read)."""
    if cells.size:
        return False
    for k in range(first.size):
        if first[k] != 1.0 or last[k] != 1.0:
            return False
    return True


@jit
def _redo_column(band, row0, r_a, r_b, rw, c):
    """Weighted (sum, weight) of column ``c``'s finite cells."""
    s = 0.0
    sw = 0.0
    for r in range(r_a, r_b):
        v = np.float64(band[r - row0, c])
        if v - v == 0.0:
            wr = rw[r - r_a]
            s += wr * v
            sw += wr
    return s, sw


@jit
def _set_row(acc, a, wa):
    for k in range(acc.size):
        acc[k] = wa * np.float64(a[k])


@jit
def _rows_1(acc, a, wa):
    for k in range(acc.size):
        acc[k] += wa * np.float64(a[k])


@jit
def _rows_2(acc, a, b, wa, wb):
    for k in range(acc.size):
        acc[k] += wa * np.float64(a[k]) + wb * np.float64(b[k])


@jit
def _rows_4(acc, a, b, c, d, wa, wb, wc, wd):
    for k in range(acc.size):
        acc[k] += (wa * np.float64(a[k]) + wb * np.float64(b[k])) + \
            (wc * np.float64(c[k]) + wd * np.float64(d[k]))


@jit
def _add_8(acc, a, b, c, d, e, f, g, h, add):
    """``acc (+)= ((a + b) + (c + d)) + ((e + f) + (g + h))`` (``=`` unless ``add``)."""
    if add:
        for k in range(acc.size):
            acc[k] += ((np.float64(a[k]) + np.float64(b[k])) +
                       (np.float64(c[k]) + np.float64(d[k]))) + \
                ((np.float64(e[k]) + np.float64(f[k])) + (np.float64(g[k]) + np.float64(h[k])))
    else:
        for k in range(acc.size):
            acc[k] = ((np.float64(a[k]) + np.float64(b[k])) +
                      (np.float64(c[k]) + np.float64(d[k]))) + \
                ((np.float64(e[k]) + np.float64(f[k])) + (np.float64(g[k]) + np.float64(h[k])))


@jit
def _add_1(acc, a, add):
    """``acc (+)= a`` (``=`` unless ``add``)."""
    if add:
        for k in range(acc.size):
            acc[k] += np.float64(a[k])
    else:
        for k in range(acc.size):
            acc[k] = np.float64(a[k])


@nb.njit(cache=True, nogil=True, inline="always")
def _sum_4(a, b, c, d, k):
    return (np.float64(a[k]) + np.float64(b[k])) + (np.float64(c[k]) + np.float64(d[k]))


def _pass_of(m):
    """A kernel ``(acc, band, k, c0, c1, add, first, w0, last, wl)`` that adds
    the ``m < 16`` rows ``band[k:k + m, c0:c1]`` of weight 1 as groups of
    eight, four, two and one, each a tree of pairs (:func:`_add_8`), each
    added to the last; after ``w0 * band[k - 1]`` if ``first``; then
    ``wl * band[k + m]`` if ``last``; the first term sets ``acc`` unless
    ``add``. One pass over ``acc`` for what took a pass per group (a 10-row
    bin's row pass 15% faster, a 10-row bin with partial ends' 35%), the
    same bits. ``m`` is a constant the compiler folds."""
    eight, four, two, one = m >= 8, bool(m & 4), bool(m & 2), bool(m & 1)
    q, p, z = 8 * eight, 8 * eight + 4 * four, m - 1  # the four's, the two's, the one's row

    def row(t):  # a row below k + m: the one asked for where it exists
        return min(t, m - 1)

    r1, r2, r3, r4, r5, r6, r7 = (row(t) for t in range(1, 8))
    q0, q1, q2, q3, p0, p1 = row(q), row(q + 1), row(q + 2), row(q + 3), row(p), row(p + 1)

    def kernel(acc, band, k, c0, c1, add, first, w0, last, wl):
        x0, xl = band[k - 1 if first else k, c0:c1], band[k + m if last else k, c0:c1]
        a, b, c, d = band[k, c0:c1], band[k + r1, c0:c1], band[k + r2, c0:c1], band[k + r3, c0:c1]
        e, f, g, h = (band[k + r4, c0:c1], band[k + r5, c0:c1], band[k + r6, c0:c1],
                      band[k + r7, c0:c1])
        qa, qb, qc, qd = (band[k + q0, c0:c1], band[k + q1, c0:c1], band[k + q2, c0:c1],
                          band[k + q3, c0:c1])
        pa, pb, y = band[k + p0, c0:c1], band[k + p1, c0:c1], band[k + z, c0:c1]
        for i in range(acc.size):
            # the first group's tree
            if eight:
                v = _sum_4(a, b, c, d, i) + _sum_4(e, f, g, h, i)
            elif four:
                v = _sum_4(qa, qb, qc, qd, i)
            elif two:
                v = np.float64(pa[i]) + np.float64(pb[i])
            else:
                v = np.float64(y[i])
            s = (w0 * np.float64(x0[i]) + v) if first else ((acc[i] + v) if add else v)
            if eight and four:
                s += _sum_4(qa, qb, qc, qd, i)
            if two and (eight or four):
                s += np.float64(pa[i]) + np.float64(pb[i])
            if one and (eight or four or two):
                s += np.float64(y[i])
            if last:
                s += wl * np.float64(xl[i])
            acc[i] = s

    return _jit_as(f"_pass_{m}", kernel)


(_PASS_1, _PASS_2, _PASS_3, _PASS_4, _PASS_5, _PASS_6, _PASS_7, _PASS_8, _PASS_9, _PASS_10,
 _PASS_11, _PASS_12, _PASS_13, _PASS_14, _PASS_15) = (_pass_of(m) for m in range(1, 16))


@jit
def _one_pass(acc, band, k, m, c0, c1, add, first, w0, last, wl):
    """:func:`_pass_of` for ``1 <= m <= 15`` rows."""
    args = (acc, band, k, c0, c1, add, first, w0, last, wl)
    if m == 1:
        _PASS_1(*args)
    elif m == 2:
        _PASS_2(*args)
    elif m == 3:
        _PASS_3(*args)
    elif m == 4:
        _PASS_4(*args)
    elif m == 5:
        _PASS_5(*args)
    elif m == 6:
        _PASS_6(*args)
    elif m == 7:
        _PASS_7(*args)
    elif m == 8:
        _PASS_8(*args)
    elif m == 9:
        _PASS_9(*args)
    elif m == 10:
        _PASS_10(*args)
    elif m == 11:
        _PASS_11(*args)
    elif m == 12:
        _PASS_12(*args)
    elif m == 13:
        _PASS_13(*args)
    elif m == 14:
        _PASS_14(*args)
    else:
        _PASS_15(*args)


@jit
def _row_sums(band, row0, r_a, r_b, rw, c0, c1, acc):
    """``acc[k] = sum over rows r of rw[r] * band[r, c0 + k]``, in an order
    fixed by the rows' weights alone: a partial first row, then the rows of
    weight 1 eight at a time without multiplying (a uniform grid's interior
    rows), then four, two and one, each group a tree of pairs added to the
    last (:func:`_pass_of`: the last 8-15 of them, with the partial first and
    last rows, in one pass; the first term sets ``acc``: the sums from 0 but
    for a -0's sign, which adding them to the state, +0 at first, drops);
    other rows four at a time with their weights; then a partial last row.
    Plain sums, no NaN test: a missing cell poisons its column's sum, which
    the column pass redoes."""
    first = rw[0] != 1.0
    r = r_a + 1 if first else r_a
    e = r_b
    if e - 1 > r_a and rw[e - 1 - r_a] != 1.0:
        e -= 1
    last = e < r_b
    ones = True
    for q in range(r, e):
        if rw[q - r_a] != 1.0:
            ones = False
            break
    added = False
    if ones and r < e:
        if e - r >= 16:
            if first:
                _set_row(acc, band[r - 1 - row0, c0:c1], rw[0])
                added, first = True, False
            while e - r >= 16:
                k = r - row0
                _add_8(acc, band[k, c0:c1], band[k + 1, c0:c1], band[k + 2, c0:c1],
                       band[k + 3, c0:c1], band[k + 4, c0:c1], band[k + 5, c0:c1],
                       band[k + 6, c0:c1], band[k + 7, c0:c1], added)
                added = True
                r += 8
        _one_pass(acc, band, r - row0, e - r, c0, c1, added, first, rw[0], last,
                  rw[e - r_a] if last else 0.0)
        return
    if first:
        _set_row(acc, band[r_a - row0, c0:c1], rw[0])
        added = True
    if not ones:
        if not added:
            acc[:] = 0.0
        while r + 4 <= e:
            k = r - row0
            _rows_4(acc, band[k, c0:c1], band[k + 1, c0:c1], band[k + 2, c0:c1],
                    band[k + 3, c0:c1], rw[r - r_a], rw[r + 1 - r_a], rw[r + 2 - r_a],
                    rw[r + 3 - r_a])
            r += 4
        if r + 2 <= e:
            _rows_2(acc, band[r - row0, c0:c1], band[r + 1 - row0, c0:c1], rw[r - r_a],
                    rw[r + 1 - r_a])
            r += 2
        if r < e:
            _rows_1(acc, band[r - row0, c0:c1], rw[r - r_a])
            r += 1
    if last:
        _rows_1(acc, band[e - row0, c0:c1], rw[e - r_a])


#: Integer inputs: the rows of weight 1 are summed exactly, in integer lanes
#: the compiler widens the loads into (no conversion per cell): dtype ->
#: (lane type, rows summed before the lanes could overflow).
_INT_LANES = {"uint8": (np.uint16, 256), "uint16": (np.uint32, 65536),
              "int16": (np.int32, 65536), "int32": (np.int64, 1 << 31)}


def _lane_type(band):
    """``(zero, rows)``: a zero of the integer lane type :func:`_row_sums_any`
    sums ``band``'s rows in and how many rows fit before a lane could
    overflow; ``(0.0, 0)`` for inputs summed in float64."""


@overload(_lane_type)
def _lane_type_impl(band):
    name = numpy_support.as_dtype(band.dtype).name
    lane, rows = _INT_LANES.get(name, (np.float64, 0))
    return lambda band: (lane(0), rows)


def _ilanes_of(m):
    """A kernel ``(lanes, band, k, c0, add)``: ``lanes (+)=`` the sums of the
    ``m`` rows ``band[k:k + m, c0:]`` in one pass (``=`` unless ``add``), the
    loads widened to the lanes' type. ``m`` is a constant: the rows' adds
    unroll, the loop over the lanes vectorizes (a 10-row bin 1.5x faster
    than a pass per group of 8, 4, 2, 1 rows)."""

    def kernel(lanes, band, k, c0, add):
        z = lanes[0] - lanes[0]  # the lanes' type: the loads widen into it
        uk, uc = np.uint64(k), np.uint64(c0)  # (unsigned: no test for a negative index)
        for i in range(lanes.size):
            c = np.uint64(i) + uc
            s = (lanes[i] if add else z) + band[uk, c]
            for t in range(1, m):
                s += band[uk + np.uint64(t), c]
            lanes[i] = s

    return _jit_as(f"_ilanes_{m}", kernel)


(_ILANES_1, _ILANES_2, _ILANES_3, _ILANES_4, _ILANES_5, _ILANES_6, _ILANES_7, _ILANES_8,
 _ILANES_9, _ILANES_10, _ILANES_11, _ILANES_12, _ILANES_13, _ILANES_14, _ILANES_15) = (
    _ilanes_of(m) for m in range(1, 16))


@jit
def _ilanes_pass(lanes, band, k, m, c0, add):
    """:func:`_ilanes_of` for ``1 <= m <= 15`` rows."""
    if m == 1:
        _ILANES_1(lanes, band, k, c0, add)
    elif m == 2:
        _ILANES_2(lanes, band, k, c0, add)
    elif m == 3:
        _ILANES_3(lanes, band, k, c0, add)
    elif m == 4:
        _ILANES_4(lanes, band, k, c0, add)
    elif m == 5:
        _ILANES_5(lanes, band, k, c0, add)
    elif m == 6:
        _ILANES_6(lanes, band, k, c0, add)
    elif m == 7:
        _ILANES_7(lanes, band, k, c0, add)
    elif m == 8:
        _ILANES_8(lanes, band, k, c0, add)
    elif m == 9:
        _ILANES_9(lanes, band, k, c0, add)
    elif m == 10:
        _ILANES_10(lanes, band, k, c0, add)
    elif m == 11:
        _ILANES_11(lanes, band, k, c0, add)
    elif m == 12:
        _ILANES_12(lanes, band, k, c0, add)
    elif m == 13:
        _ILANES_13(lanes, band, k, c0, add)
    elif m == 14:
        _ILANES_14(lanes, band, k, c0, add)
    else:
        _ILANES_15(lanes, band, k, c0, add)


@jit
def _rows_to_lanes(band, row0, r, stop, c0, c1, lanes):
    """``lanes[k] = sum of band[r:stop, c0 + k]`` (0 if no rows) in the integer
    lanes: eight rows a pass while 16 or more are left, then the rest in one
    pass (:func:`_ilanes_of`), the first pass setting the lanes (integer
    sums: exact in any order)."""
    lanes = lanes[:c1 - c0]
    add = False
    while stop - r >= 16:
        _ILANES_8(lanes, band, r - row0, c0, add)
        add = True
        r += 8
    if r < stop:
        _ilanes_pass(lanes, band, r - row0, stop - r, c0, add)
    elif not add:  # no rows
        lanes[:] = 0


@jit
def _lanes_to_acc(acc, lanes, first, wa, add):
    """``acc[k] (+)= float64(lanes[k])``, after ``wa * first[k]`` when ``wa``
    is not 0 (a partial first row), in that order."""
    if wa != 0.0:
        for k in range(acc.size):
            acc[k] = wa * np.float64(first[k]) + np.float64(lanes[k])
    else:
        _add_1(acc, lanes, add)


@jit
def _row_sums_int(band, row0, r_a, r_b, rw, c0, c1, acc, lanes, chunk):
    """:func:`_row_sums` of an integer band whose rows between the first and
    the last have weight 1: those rows summed exactly in integer ``lanes``
    (``chunk`` rows at most between conversions to float64), then
    ``acc[k] = (rw[0] * x_first + sum) + rw[-1] * x_last`` with the partial
    first and last rows, if any. No NaN test: integers are never missing."""
    n = c1 - c0
    r = r_a
    e = r_b
    wa = 0.0
    if rw[0] != 1.0:
        wa = rw[0]
        r += 1
    if e - 1 > r_a and rw[e - 1 - r_a] != 1.0:
        e -= 1
    first = band[r_a - row0, c0:c1]
    lanes = lanes[:n]
    added = False
    while True:
        stop = min(e, r + chunk)
        _rows_to_lanes(band, row0, r, stop, c0, c1, lanes)
        r = stop
        _lanes_to_acc(acc, lanes, first, wa if not added else 0.0, added)
        added = True
        if r >= e:
            break
    if e < r_b:
        _rows_1(acc, band[e - row0, c0:c1], rw[e - r_a])


def _row_sums_lanes(band, row0, r_a, r_b, rw, c0, c1, acc, lanes, chunk):
    """:func:`_row_sums_int` for integer bands; compiled to nothing for the
    others (never called for them), so a float kernel compiles no lane code."""


@overload(_row_sums_lanes)
def _row_sums_lanes_impl(band, row0, r_a, r_b, rw, c0, c1, acc, lanes, chunk):
    if numpy_support.as_dtype(band.dtype).name in _INT_LANES:
        return lambda band, row0, r_a, r_b, rw, c0, c1, acc, lanes, chunk: _row_sums_int(
            band, row0, r_a, r_b, rw, c0, c1, acc, lanes, chunk)
    return lambda band, row0, r_a, r_b, rw, c0, c1, acc, lanes, chunk: None


@jit
def _interior_ones(rw):
    """Whether every row weight but the first and the last is 1."""
    for q in range(1, rw.size - 1):
        if rw[q] != 1.0:
            return False
    return True


def _runs_of(k):
    """A kernel ``(acc, n, sw, out) -> bad``: :func:`_equal_bins` for runs of
    the constant ``k``, in one pass: the run's adds unroll and the loop
    vectorizes across runs with interleaved loads (2.3-5x faster than ``k``
    strided passes for ``k <= 7``). From 8 on the compiler leaves a run's
    loop a loop: its first eight adds are written out (10: 1.7x faster than
    the strided passes)."""
    long = k >= 8

    def runs(acc, n, sw, out):
        uk = np.uint64(k)
        bad = np.uint8(0)
        for j in range(n):
            b = np.uint64(j) * uk
            if long:
                u = np.uint64(1)
                s = ((((((acc[b] + acc[b + u]) + acc[b + 2 * u]) + acc[b + 3 * u]) +
                       acc[b + 4 * u]) + acc[b + 5 * u]) + acc[b + 6 * u]) + acc[b + 7 * u]
                for t in range(8, k):
                    s += acc[b + np.uint64(t)]
            else:
                s = acc[b]
                for t in range(1, k):
                    s += acc[b + np.uint64(t)]
            bad |= np.uint8(s - s != 0.0)
            out[j] = (s + 0.0) / sw
        return bad

    return _jit_as(f"_runs_{k}", runs)


(_RUNS_2, _RUNS_3, _RUNS_4, _RUNS_5, _RUNS_6, _RUNS_7, _RUNS_8, _RUNS_9, _RUNS_10, _RUNS_11,
 _RUNS_12, _RUNS_13, _RUNS_14, _RUNS_15, _RUNS_16) = (_runs_of(k) for k in range(2, 17))


@jit
def _equal_bins(acc, k, n, sw, out):
    """``out[j] = (s_j + 0) / sw`` for the sums ``s_j`` of ``n`` runs of ``k``
    values of ``acc``, each in cell order (bit-identical to one loop per run;
    ``+ 0``: a -0 sum counts as +0, as added to a state's +0); whether any sum
    is NaN or infinite (the bins to redo). One pass for ``k <= 16``
    (:func:`_runs_of`), else ``k`` passes across the runs."""
    if k == 2:
        return _RUNS_2(acc, n, sw, out)
    if k == 3:
        return _RUNS_3(acc, n, sw, out)
    if k == 4:
        return _RUNS_4(acc, n, sw, out)
    if k == 5:
        return _RUNS_5(acc, n, sw, out)
    if k == 6:
        return _RUNS_6(acc, n, sw, out)
    if k == 7:
        return _RUNS_7(acc, n, sw, out)
    if k == 8:
        return _RUNS_8(acc, n, sw, out)
    if k == 9:
        return _RUNS_9(acc, n, sw, out)
    if k == 10:
        return _RUNS_10(acc, n, sw, out)
    if k == 11:
        return _RUNS_11(acc, n, sw, out)
    if k == 12:
        return _RUNS_12(acc, n, sw, out)
    if k == 13:
        return _RUNS_13(acc, n, sw, out)
    if k == 14:
        return _RUNS_14(acc, n, sw, out)
    if k == 15:
        return _RUNS_15(acc, n, sw, out)
    if k == 16:
        return _RUNS_16(acc, n, sw, out)
    uk = np.uint64(k)  # (unsigned indices: numba tests a signed one for a negative value)
    for j in range(n):
        out[j] = acc[np.uint64(j) * uk]
    for t in range(1, k):
        ut = np.uint64(t)
        for j in range(n):
            out[j] += acc[np.uint64(j) * uk + ut]
    bad = np.uint8(0)
    for j in range(n):
        s = out[j]
        bad |= np.uint8(s - s != 0.0)
        out[j] = (s + 0.0) / sw
    return bad


@jit
def _run_sum(acc, o, k):
    """The sum of ``acc[o:o + k]`` in cell order (as :func:`_equal_bins`)."""
    s = acc[o]
    for t in range(o + 1, o + k):
        s += acc[t]
    return s


@jit
def _all_positive(x):
    """Whether every value of ``x`` but NaN is > 0 (no branch per value)."""
    lo = np.inf
    for q in range(x.size):
        v = x[q]
        lo = v if v < lo else lo
    return lo > 0.0


@jit
def _redo_bin(band, row0, r_a, r_b, rw, w_rows, acc, a, b, c0):
    """(sum, weight) of a uniform bin's band columns ``a:b`` without missing cells."""
    s = 0.0
    sw = 0.0
    for c in range(a, b):
        v = acc[c - c0]
        cs, cw = (v, w_rows) if v - v == 0.0 else _redo_column(band, row0, r_a, r_b, rw, c)
        s += cs
        sw += cw
    return s, sw


@jit
def _equal_means(band, row0, r_a, r_b, rw, w_rows, acc, c0, k, means):
    """``op=MEANS`` over whole bins of ``k`` cells side by side (band columns
    ``c0 ..``, ``acc`` their row sums): the means written to ``means`` in one
    pass, with no sums, weights or division pass (bit-identical to
    :func:`_moment_segment` then the division); a bin with a missing cell is
    redone without it."""
    if _equal_bins(acc, k, means.size, w_rows * k, means):
        for q in range(means.size):
            o = q * k
            s = _run_sum(acc, o, k)
            if s - s != 0.0:
                s, w = _redo_bin(band, row0, r_a, r_b, rw, w_rows, acc, c0 + o, c0 + o + k, c0)
                means[q] = _quotient(s + 0.0, w)


@jit
def _all_equal_runs(segments, cstart, cstop, col0):
    """Whether every segment is whole bins of an integer ratio (:func:`_equal_run`)."""
    for g in range(segments.shape[0]):
        if not _equal_run(cstart, cstop, col0, segments[g, 0], segments[g, 1], segments[g, 2],
                          segments[g, 3]):
            return False
    return True


#: Bins of at most this many cells (an output near the input's size: large
#: outputs, posters, tiles) are summed by one branch-free formula,
#: ``((w0 a0 + w1 a1) + w2 a2) + w3 a3`` with zero weights past the bin's end,
#: instead of a loop whose length changes from bin to bin (a mispredicted
#: branch per pixel).
SMALL_BIN = 4


@jit
def _small_bins(j_lo, j_hi, col0, nc, cstart, cstop, cfirst, clast, ccells):
    """Per column bin ``j_lo + q`` lying whole in the block's columns with at
    most :data:`SMALL_BIN` cells: ``offset[q]`` (its first band column) and
    ``w[q] = (w0, w1, w2, w3, total)``, its cells' weights (0 past its end) and
    their sum in cell order; ``offset[q] = -1`` for the other bins."""
    n = j_hi - j_lo
    offset = np.full(n, -1, np.int64)
    w = np.zeros((n, SMALL_BIN + 1))
    for q in range(n):
        j = j_lo + q
        a = cstart[j] - col0
        b = cstop[j] - col0
        if a < 0 or b > nc or b - a > SMALL_BIN or b <= a:
            continue
        offset[q] = a
        t = 0.0
        for c in range(a, b):
            wc = _weight(cstart, cstop, cfirst, clast, ccells, j, c + col0)
            w[q, c - a] = wc
            t += wc
        w[q, SMALL_BIN] = t
    return offset, w


@jit
def _small_sum(acc, o, w, q, last):
    """A small bin's weighted sum of ``acc[o ..]`` (see :data:`SMALL_BIN`);
    padded cells read the bin's ``last`` cell with weight 0, so a missing cell
    anywhere in the bin makes the sum NaN and the bin is redone."""
    a0 = acc[o]
    a1 = acc[min(o + 1, last)]
    a2 = acc[min(o + 2, last)]
    a3 = acc[min(o + 3, last)]
    return ((w[q, 0] * a0 + w[q, 1] * a1) + w[q, 2] * a2) + w[q, 3] * a3


@jit
def _small_run(band, row0, r_a, r_b, rw, w_rows, acc, c0, col0, cstop, j_a, j_b, out_s, out_w,
               j_lo, s_off, s_w):
    """Add the small bins ``j_a ..`` of a segment (whole in it) to
    ``out_s``/``out_w``, up to the first bin that is not one; returns that bin
    (``j_b``: all were). Branch-free but for bins with a missing cell, redone."""
    for j in range(j_a, j_b):
        o = s_off[j - j_lo]
        if o < 0:
            return j
        b = cstop[j] - col0
        s = _small_sum(acc, o - c0, s_w, j - j_lo, b - 1 - c0)
        if s - s == 0.0:
            out_s[j] += s
            out_w[j] += w_rows * s_w[j - j_lo, SMALL_BIN]
        else:
            _redo_small(band, row0, r_a, r_b, rw, w_rows, acc, c0, o, b, s_w, j - j_lo, out_s,
                        out_w, j)
    return j_b


@jit
def _redo_small(band, row0, r_a, r_b, rw, w_rows, acc, c0, o, b, s_w, q, out_s, out_w, j):
    """Small bin ``q`` (band columns ``o:b``) of :func:`_small_run` without its
    missing cells, added to ``out_s[j]``/``out_w[j]`` (kept out of the loop)."""
    s = 0.0
    sw = 0.0
    for c in range(o, b):
        wc = s_w[q, c - o]
        v = acc[c - c0]
        cs, cw = (v, w_rows) if v - v == 0.0 else _redo_column(band, row0, r_a, r_b, rw, c)
        s += wc * cs
        sw += wc * cw
    out_s[j] += s
    out_w[j] += sw


@jit
def _equal_run(cstart, cstop, col0, c0, c1, j_a, j_b):
    """``k`` when band columns ``c0:c1`` are bins ``j_a:j_b`` whole, side by
    side, ``k > 1`` cells each (an integer ratio); else 0."""
    k = cstop[j_a] - cstart[j_a]
    if k > 1 and c0 == cstart[j_a] - col0 and c1 == cstop[j_b - 1] - col0 and \
            c1 - c0 == k * (j_b - j_a):
        return k
    return 0


@jit
def _int_bins(band, row0, r_a, r_b, c0, c1, k, lanes, runs, j_a, w_rows, out_s, out_w):
    """Sums of whole bins of ``k`` cells (band columns ``c0:c1``, bins ``j_a ..``)
    of an integer band whose rows ``r_a:r_b`` all have weight 1 and fit in
    one lane chunk, added to ``out_s``/``out_w``: the rows summed in the
    integer ``lanes``, then a running int64 sum along them (``runs``), whose
    differences at the bin edges are the bins' sums. Exact, as the float64
    route is (no partial sum reaches 2^53: :func:`_int_bins_lanes`), so the
    same values, without float64 row sums, and without a loop of ``k`` per
    bin (a short loop of run-time length: 1.6x slower for uint8 to 1000^2)
    but where ``k`` is 2, 4, 8, 16 or 10, whose loops are unrolled."""
    n = c1 - c0
    lanes = lanes[:n]
    _rows_to_lanes(band, row0, r_a, r_b, c0, c1, lanes)
    sw = w_rows * k
    # Common ratios with the bin's length known to the compiler (unrolled,
    # 2.5-5x faster than the running sum's chain of dependent adds; 10x is
    # written out by hand: LLVM does not unroll it); integer sums, the same
    # values in any order.
    if k == 2:
        return _fixed_bins(lanes, n, 2, j_a, sw, out_s, out_w)
    if k == 4:
        return _fixed_bins(lanes, n, 4, j_a, sw, out_s, out_w)
    if k == 8:
        return _fixed_bins(lanes, n, 8, j_a, sw, out_s, out_w)
    if k == 16:
        return _fixed_bins(lanes, n, 16, j_a, sw, out_s, out_w)
    if k == 10:
        for q in range(n // 10):
            b = q * 10
            v = np.int64(lanes[b]) + lanes[b + 1] + lanes[b + 2] + lanes[b + 3] + \
                lanes[b + 4] + lanes[b + 5] + lanes[b + 6] + lanes[b + 7] + lanes[b + 8] + \
                lanes[b + 9]
            out_s[j_a + q] += np.float64(v)
            out_w[j_a + q] += sw
        return
    run = np.int64(0)
    for c in range(n):
        run += lanes[c]
        runs[c] = run
    before = np.int64(0)
    for q in range(n // k):
        edge = runs[q * k + k - 1]
        out_s[j_a + q] += np.float64(edge - before)
        out_w[j_a + q] += sw
        before = edge


@nb.njit(cache=True, nogil=True, inline="always")
def _fixed_bins(lanes, n, k, j_a, sw, out_s, out_w):
    """:func:`_int_bins`'s bin sums for a ``k`` the caller passes as a
    constant (inlined: the inner loop is unrolled)."""
    for q in range(n // k):
        b = q * k
        v = np.int64(0)
        for t in range(b, b + k):
            v += lanes[t]
        out_s[j_a + q] += np.float64(v)
        out_w[j_a + q] += sw


def _int_bins_lanes(band, row0, r_a, r_b, c0, c1, k, lanes, runs, j_a, w_rows, out_s, out_w):
    """:func:`_int_bins` for uint8, uint16 and int16 bands, returning True;
    False for the others (compiled to nothing). Not int32: its bins can sum
    past 2^53, where float64 sums stop being exact; these cannot (a lane
    chunk of rows times :data:`SEGMENT` columns)."""


#: Integer dtypes whose whole bins :func:`_int_bins` sums in integers throughout.
_INT_BIN_DTYPES = ("uint8", "uint16", "int16")


def _int_bin_route(band):
    """Whether :func:`_int_bins_lanes` sums ``band``'s bins (a compile-time constant)."""


@overload(_int_bin_route)
def _int_bin_route_impl(band):
    small = numpy_support.as_dtype(band.dtype).name in _INT_BIN_DTYPES
    return lambda band: small


@overload(_int_bins_lanes)
def _int_bins_lanes_impl(band, row0, r_a, r_b, c0, c1, k, lanes, runs, j_a, w_rows, out_s,
                         out_w):
    if numpy_support.as_dtype(band.dtype).name in _INT_BIN_DTYPES:
        def impl(band, row0, r_a, r_b, c0, c1, k, lanes, runs, j_a, w_rows, out_s, out_w):
            _int_bins(band, row0, r_a, r_b, c0, c1, k, lanes, runs, j_a, w_rows, out_s, out_w)
            return True
        return impl
    return lambda band, row0, r_a, r_b, c0, c1, k, lanes, runs, j_a, w_rows, out_s, out_w: \
        False


@jit
def _moment_segment(band, row0, r_a, r_b, rw, w_rows, acc, c0, col0, cstart, cstop, cfirst,
                    clast, ccells, uniform, j_a, j_b, out_s, out_w, j_lo, s_off, s_w):
    """Column pass of mean/sum/std over one segment (``acc`` holds the row
    sums of band columns ``c0 ..``): add each bin's weighted sum and weight,
    over its cells in the segment, to ``out_s``/``out_w``. A bin whose sum came
    out NaN or infinite has its non-finite columns redone without their
    missing cells (rare: only where data is missing, or a sum overflows, which
    the redo gives again). ``uniform``: every column weight is 1, none is read."""
    c_end = c0 + acc.size
    k = _equal_run(cstart, cstop, col0, c0, c_end, j_a, j_b) if uniform else 0
    if k:
        # whole bins of k cells side by side (an integer ratio): summed for
        # all bins at once (:func:`_equal_bins`), vectorized across bins
        sums = np.empty(j_b - j_a)
        bad = _equal_bins(acc, k, j_b - j_a, 1.0, sums)
        sw = w_rows * k
        if not bad:  # one loop without a branch (it vectorizes)
            o_s = out_s[j_a:j_b]
            o_w = out_w[j_a:j_b]
            for q in range(sums.size):
                o_s[q] += sums[q]
                o_w[q] += sw
            return
        for j in range(j_a, j_b):
            s = sums[j - j_a]
            w = sw
            if s - s != 0.0:
                s, w = _redo_bin(band, row0, r_a, r_b, rw, w_rows, acc, c0 + (j - j_a) * k,
                                 c0 + (j - j_a + 1) * k, c0)
            out_s[j] += s
            out_w[j] += w
        return
    # a run of small bins first (a large output's segments are nothing else),
    # in a loop of their own: as a branch of the loop below, 2x slower
    j_a = _small_run(band, row0, r_a, r_b, rw, w_rows, acc, c0, col0, cstop, j_a, j_b, out_s,
                     out_w, j_lo, s_off, s_w)
    for j in range(j_a, j_b):
        a = max(cstart[j] - col0, c0)
        b = min(cstop[j] - col0, c_end)
        o = s_off[j - j_lo]
        if o >= 0:  # a small bin after others: the same
            _small_run(band, row0, r_a, r_b, rw, w_rows, acc, c0, col0, cstop, j, j + 1, out_s,
                       out_w, j_lo, s_off, s_w)
            continue
        s = 0.0
        t = 0.0
        lo = a
        hi = b
        s_last = 0.0
        t_last = 0.0
        if not uniform:
            # the partial first and last cells by their weights, the interior
            # by the per-cell weights of an uneven grid, or unweighted
            if lo == cstart[j] - col0:
                s = cfirst[j] * acc[np.uint64(lo - c0)]
                t = cfirst[j]
                lo += 1
            if hi > lo and hi == cstop[j] - col0:
                s_last = clast[j] * acc[np.uint64(hi - 1 - c0)]
                t_last = clast[j]
                hi -= 1
        # (acc's indices unsigned: numba tests a signed one for a negative
        # value, which made this loop 1.4x slower)
        u_lo, u_hi = np.uint64(lo - c0), np.uint64(hi - c0)
        if not uniform and ccells.size:
            for c in range(lo, hi):
                wc = ccells[c + col0]
                s += wc * acc[np.uint64(c - c0)]
                t += wc
        elif uniform:  # one chain, in cell order: as :func:`_equal_bins` sums
            for u in range(u_lo, u_hi):
                s += acc[u]
            t = hi - lo
        else:
            # two chains: the adds overlap instead of waiting on each other
            s0 = 0.0
            s1 = 0.0
            u = u_lo
            one = np.uint64(1)
            while u + one < u_hi:
                s0 += acc[u]
                s1 += acc[u + one]
                u += one + one
            if u < u_hi:
                s0 += acc[u]
            s += s0 + s1
            t += hi - lo
        s += s_last
        t += t_last
        sw = w_rows * t
        if s - s != 0.0:
            s = 0.0
            sw = 0.0
            for c in range(a, b):
                wc = 1.0 if uniform else _weight(cstart, cstop, cfirst, clast, ccells, j,
                                                 c + col0)
                v = acc[c - c0]
                cs, cw = (v, w_rows) if v - v == 0.0 else \
                    _redo_column(band, row0, r_a, r_b, rw, c)
                s += wc * cs
                sw += wc * cw
        out_s[j] += s
        out_w[j] += sw


@jit
def _segments(j_lo, j_hi, col0, nc, cstart, cstop):
    """The column segments of a block (the same for every output row):
    ``(c0, c1, j_a, j_b)`` rows: band columns ``c0:c1`` hold the cells of bins
    ``j_a:j_b`` (clipped to the block) that one row pass sums. Bins of at most
    :data:`SEGMENT` cells are grouped while they fit; a longer bin is cut every
    :data:`SEGMENT` cells from its own first cell, so its partial sums do not
    depend on the block it arrived in."""
    out = np.empty((j_hi - j_lo + nc // SEGMENT + 2, 4), np.int64)
    n = 0
    j = j_lo
    while j < j_hi:
        a = max(cstart[j] - col0, 0)
        if cstop[j] - cstart[j] > SEGMENT:
            b = min(cstop[j] - col0, nc)
            p = cstart[j] - col0
            c = a
            while c < b:
                e = min(p + ((c - p) // SEGMENT + 1) * SEGMENT, b)
                out[n, 0], out[n, 1], out[n, 2], out[n, 3] = c, e, j, j + 1
                n += 1
                c = e
            j += 1
            continue
        j_b = j + 1
        while j_b < j_hi and cstop[j_b] - cstart[j_b] <= SEGMENT and \
                min(cstop[j_b] - col0, nc) - a <= SEGMENT:
            j_b += 1
        out[n, 0], out[n, 1], out[n, 2], out[n, 3] = a, min(cstop[j_b - 1] - col0, nc), j, j_b
        n += 1
        j = j_b
    return out[:n]


@jit
def _deviations(band, row0, r_a, r_b, rw, c_a, c_b, col0, j, cstart, cstop, cfirst, clast,
                ccells, uniform, mean):
    """Weighted sum of squared deviations from ``mean`` over one bin's finite cells."""
    q = 0.0
    for r in range(r_a, r_b):
        wr = rw[r - r_a]
        row = band[r - row0]
        for c in range(c_a, c_b):
            v = np.float64(row[c])
            if v - v == 0.0:
                d = v - mean
                wc = 1.0 if uniform else _weight(cstart, cstop, cfirst, clast, ccells, j,
                                                 c + col0)
                q += wr * wc * d * d
    return q


@jit
def _finite_extremes(band, row0, r_a, r_b, c):
    """``(min, max)`` of column ``c``'s finite cells; ``(inf, -inf)`` if none."""
    lo = np.inf
    hi = -np.inf
    for r in range(r_a, r_b):
        v = np.float64(band[r - row0, c])
        if v - v == 0.0:
            lo = min(lo, v)
            hi = max(hi, v)
    return lo, hi


@jit
def _column_extremes(band, row0, r_a, r_b, c0, lo, hi):
    """Per-column running min and max of the bin's rows, band columns ``c0 ..``
    (as many as ``lo``/``hi`` hold; one of them may be of length 0 and is
    skipped) into ``lo``/``hi``. NaN never wins a comparison; infinities do,
    and are redone by the caller."""
    for r in range(r_a, r_b):
        row = band[r - row0]
        for k in range(lo.size):
            v = np.float64(row[c0 + k])
            lo[k] = v if v < lo[k] else lo[k]
        for k in range(hi.size):
            v = np.float64(row[c0 + k])
            hi[k] = v if v > hi[k] else hi[k]


#: Columns per step of :func:`_track_fold`'s row pass: its three running extremes
#: (3 x 512 values of the input's type) stay in L1 while the rows stream by.
_TRACK_CHUNK = 512


def _lanes(band):
    """``(top, bottom, exact)``: the start values of :func:`_track_fold`'s running
    smallest and largest value, in the type it compares ``band``'s values in:
    the input's own (+-inf for floats, the dtype's bounds for integers, which
    are never missing; ``exact``: top is a value, not just a start). The
    extremes of the values in their own type, converted to float64 afterwards,
    are the extremes of the values converted first (the conversion keeps
    order), without a conversion per cell."""


@overload(_lanes)
def _lanes_impl(band):
    dtype = numpy_support.as_dtype(band.dtype)
    if dtype.kind == "f":
        top, bottom, exact = dtype.type(np.inf), dtype.type(-np.inf), False
    else:
        top, bottom, exact = np.iinfo(dtype).max, np.iinfo(dtype).min, True
    kind = band.dtype
    return lambda band: (kind(top), kind(bottom), exact)


@jit
def _column_range(row_v, row_w, row_x, row_y, lo, hi, pos, top):
    """Fold two rows (of one chunk of columns) into the per-column smallest,
    largest and smallest positive value ``lo``/``hi``/``pos`` (started at
    ``top``, bottom, ``top``: see :func:`_lanes`), in the values' own type. NaN
    never wins a comparison and is never positive; infinities win and are
    redone by the caller (+inf never beats ``pos``'s start).

    Written to vectorize: whole 1-D views indexed from 0 (an index that might
    be negative, ``range(c0, c1)``, keeps LLVM from vectorizing), and two rows
    per step, so every element is stored a value that is not just the one
    loaded (with one row LLVM makes ``lo[c] = v if v < lo[c] else lo[c]`` a
    conditional store, vectorized as masked stores, slow on AMD). An odd last
    row is passed as both rows (harmless for extremes)."""
    for c in range(lo.size):
        v = row_v[c]
        w = row_w[c]
        x = row_x[c]
        y = row_y[c]
        m = lo[c]
        m = v if v < m else m
        m = w if w < m else m
        m = x if x < m else m
        lo[c] = y if y < m else m
        m = hi[c]
        m = v if v > m else m
        m = w if w > m else m
        m = x if x > m else m
        hi[c] = y if y > m else m
        m = pos[c]
        p = v if v > 0 else top
        m = p if p < m else m
        p = w if w > 0 else top
        m = p if p < m else m
        p = x if x > 0 else top
        m = p if p < m else m
        p = y if y > 0 else top
        pos[c] = p if p < m else m


@jit
def _track_lanes(band, n=_TRACK_CHUNK):
    """Fresh per-lane running extremes for :func:`_track_fold`: ``lo``,
    ``hi``, ``pos`` of ``n`` (:data:`_TRACK_CHUNK`; 0: none) values of the
    input's type."""
    top, bottom, exact = _lanes(band)
    return np.full(n, top), np.full(n, bottom), np.full(n, top)


@jit
def _track_fold(band, row0, r_a, r_b, c_a, c_b, lo, hi, pos):
    """Fold the cells ``r_a:r_b`` x ``c_a:c_b`` into the lanes (column ``c``
    into lane ``(c - c_a) % _TRACK_CHUNK``), in chunks of :data:`_TRACK_CHUNK`
    columns, four rows a step. A separate read of rows the hot loop reads
    (from cache: the sums call it segment by segment), so the reductions' own
    loops stay as they are."""
    top, bottom, exact = _lanes(band)
    last = r_b - 1 - row0
    for c0 in range(c_a, c_b, _TRACK_CHUNK):
        c1 = min(c0 + _TRACK_CHUNK, c_b)
        n = c1 - c0
        for r in range(r_a - row0, r_b - row0, 4):
            _column_range(band[r, c0:c1], band[min(r + 1, last), c0:c1],
                          band[min(r + 2, last), c0:c1], band[min(r + 3, last), c0:c1],
                          lo[:n], hi[:n], pos[:n], top)


@jit
def _track_merge(band, row0, r_a, r_b, c_a, c_b, lo, hi, pos, t_lo, t_hi, t_pos):
    """Reduce the lanes that folded cells ``r_a:r_b`` x ``c_a:c_b`` and merge
    their extremes into ``t_lo[0]``/``t_hi[0]``/``t_pos[0]``; only if an
    infinity came out are the cells read again without infinities (rare:
    only input with +-inf)."""
    top, bottom, exact = _lanes(band)
    a, b, p = top, bottom, top
    for k in range(_TRACK_CHUNK):
        m = lo[k]
        a = m if m < a else a
        m = hi[k]
        b = m if m > b else b
        m = pos[k]
        p = m if m < p else p
    # an integer top is the smallest positive value if no smaller one was seen
    # and it was (the largest); +inf never is
    p = np.float64(p) if p < top or (exact and b == top) else np.inf
    a = np.float64(a)
    b = np.float64(b)
    if a == -np.inf or b == np.inf:  # an infinity: the extremes without it
        a, b = np.inf, -np.inf
        for c in range(c_a, c_b):
            l, h = _finite_extremes(band, row0, r_a, r_b, c)
            a = l if l < a else a
            b = h if h > b else b
    if a <= b:  # a finite value was seen
        if _better(MIN, a, t_lo[0]):
            t_lo[0] = a
        if _better(MAX, b, t_hi[0]):
            t_hi[0] = b
    if p < np.inf and _better(MIN, p, t_pos[0]):
        t_pos[0] = p


@pjit
def accumulate(band, row0, col0, rstart, rstop, rfirst, rlast, rcells, cstart, cstop, cfirst,
               clast, ccells, i_lo, i_hi, j_lo, j_hi, op, track, state):
    """Fold one block of the input into the reduction ``state`` in place.

    (Long: one body per state kind keeps each kind's hot loops next to the
    row/column bookkeeping they share, and numba compiles one kernel.)

    ``band`` holds input rows ``row0 ..`` and columns ``col0 ..`` of the matrix;
    output bin ``i`` covers input rows ``rstart[i]:rstop[i]`` with the weights
    ``rfirst``/``rlast``/``rcells`` describe (likewise columns; see
    :class:`fastheat.aggregation.geometry.AxisMap`). Blocks may split bins
    anywhere: folding every block of a matrix, in any order, gives the state
    of the whole (bit-identical for min/max/absmax/count; for sums too when
    each bin lies whole in one block, whatever the blocks and the memory
    layout). NaN and +-inf cells are missing. With ``track``, the last
    :data:`TRACKED` planes of ``state`` gather the input's range (see
    :data:`TRACKED`). Parallel over output rows, each thread owning its rows
    of ``state`` and its :data:`SEGMENT`-long accumulators.

    Sums take the cheapest exact route the data allows: integer inputs add
    their rows of weight 1 in integer lanes (:data:`_INT_LANES`: exact, no
    conversion per cell, no NaN test), bins of at most :data:`SMALL_BIN`
    cells (large outputs) are summed without a branch per pixel, whole bins of
    an integer ratio by :func:`_equal_bins` (of uint8/uint16/int16 input: in
    integers throughout, :func:`_int_bins`); each route depends on the bin
    alone, so a pixel's bits still do not depend on blocks or layout.

    ``op=MEANS`` (a block holding every cell of rows ``i_lo:i_hi``, and
    ``state`` of one plane, plus the tracked): the means themselves, each
    bit-identical to the MOMENTS state's divided by :func:`divide_rows`.
    """
    nb_, nc = band.shape
    uniform = _is_uniform(cfirst, clast, ccells)
    segments = _segments(j_lo, j_hi, col0, nc, cstart, cstop)
    s_off, s_w = _small_bins(j_lo, j_hi, col0, nc, cstart, cstop, cfirst, clast, ccells)
    # means of whole bins (an integer ratio): written straight from each
    # segment's row sums, without the sums, weights and division passes
    equal_means = op == MEANS and uniform and _all_equal_runs(segments, cstart, cstop, col0)
    for i in nb.prange(i_lo, i_hi):
        r_a = max(rstart[i], row0)
        r_b = min(rstop[i], row0 + nb_)
        if r_a >= r_b:
            continue
        rw = np.empty(r_b - r_a)
        for r in range(r_a, r_b):
            rw[r - r_a] = _weight(rstart, rstop, rfirst, rlast, rcells, i, r)
        acc = np.empty(SEGMENT)
        zero, chunk = _lane_type(band)
        sums = op == MOMENTS or op == MOMENTS2 or op == MEANS
        int_rows = chunk > 0 and sums and _interior_ones(rw)
        lanes = np.full(SEGMENT if int_rows else 0, zero)
        # whole integer bins of weight-1 rows: summed in integers throughout
        int_bins = int_rows and uniform and rw[0] == 1.0 and rw[rw.size - 1] == 1.0 and \
            r_b - r_a <= chunk
        runs = np.empty(SEGMENT if int_bins else 0, np.int64)
        # Per segment of columns: a row pass folds this bin's rows into
        # accumulators that stay in L1 (contiguous, so the loops vectorize);
        # the column pass reduces them across the segment's bins.
        t_lo, t_hi, t_pos = _track_lanes(band, _TRACK_CHUNK if track else 0)
        if sums:
            w_rows = 0.0
            for r in range(r_a, r_b):
                w_rows += rw[r - r_a]
            # std: this block's bin sums first, then squared deviations from
            # the block's own bin means (no cancellation, no overflow of x*x),
            # merged into the state by Chan's rule
            direct = equal_means and not (int_bins and _int_bin_route(band))
            out_s = state[0, i] if op == MOMENTS else np.zeros(0 if direct else state.shape[2])
            out_w = state[1, i] if op == MOMENTS else np.zeros(0 if direct else state.shape[2])
            for g in range(segments.shape[0]):
                c0, c1, j_a, j_b = segments[g, 0], segments[g, 1], segments[g, 2], segments[g, 3]
                k = _equal_run(cstart, cstop, col0, c0, c1, j_a, j_b) if int_bins else 0
                if k and _int_bins_lanes(band, row0, r_a, r_b, c0, c1, k, lanes, runs, j_a,
                                         w_rows, out_s, out_w):
                    if track:
                        _track_fold(band, row0, r_a, r_b, c0, c1, t_lo, t_hi, t_pos)
                    continue
                if int_rows:
                    _row_sums_lanes(band, row0, r_a, r_b, rw, c0, c1, acc[:c1 - c0], lanes,
                                    chunk)
                else:
                    _row_sums(band, row0, r_a, r_b, rw, c0, c1, acc[:c1 - c0])
                if direct:
                    _equal_means(band, row0, r_a, r_b, rw, w_rows, acc[:c1 - c0], c0,
                                 _equal_run(cstart, cstop, col0, c0, c1, j_a, j_b),
                                 state[0, i, j_a:j_b])
                else:
                    _moment_segment(band, row0, r_a, r_b, rw, w_rows, acc[:c1 - c0], c0, col0,
                                    cstart, cstop, cfirst, clast, ccells, uniform, j_a, j_b,
                                    out_s, out_w, j_lo, s_off, s_w)
                if track:  # read while the segment's rows are in cache
                    _track_fold(band, row0, r_a, r_b, c0, c1, t_lo, t_hi, t_pos)
            if op == MEANS and not direct:  # the row's sums are whole: its means, as divide_rows
                means = state[0, i, j_lo:j_hi]
                o_s = out_s[j_lo:j_hi]
                o_w = out_w[j_lo:j_hi]
                if _all_positive(o_w):  # one loop without a branch (it vectorizes)
                    for q in range(means.size):
                        means[q] = o_s[q] / o_w[q]
                else:
                    for q in range(means.size):
                        means[q] = _quotient(o_s[q], o_w[q])
            if op == MOMENTS2:
                for j in range(j_lo, j_hi):
                    if out_w[j] > 0:
                        c_a = max(cstart[j] - col0, 0)
                        c_b = min(cstop[j] - col0, nc)
                        mean = out_s[j] / out_w[j]
                        q = _deviations(band, row0, r_a, r_b, rw, c_a, c_b, col0, j, cstart,
                                        cstop, cfirst, clast, ccells, uniform, mean)
                        wa = state[1, i, j]
                        if wa > 0:
                            q += state[2, i, j] + _chan_shift(state[0, i, j], wa, out_s[j],
                                                              out_w[j])
                        state[0, i, j] += out_s[j]
                        state[1, i, j] += out_w[j]
                        state[2, i, j] = q
        elif op == COUNT:
            for g in range(segments.shape[0]):
                c0, c1, j_a, j_b = segments[g, 0], segments[g, 1], segments[g, 2], segments[g, 3]
                cnt = acc[:c1 - c0]
                cnt[:] = 0.0
                for r in range(r_a, r_b):
                    row = band[r - row0, c0:c1]
                    for k in range(cnt.size):
                        v = row[k]
                        cnt[k] += 1.0 if v - v == 0 else 0.0
                for j in range(j_a, j_b):
                    t = 0.0
                    for c in range(max(cstart[j] - col0, c0), min(cstop[j] - col0, c1)):
                        t += cnt[c - c0]
                    state[0, i, j] += t
        else:
            # Running min and/or max per column: `v < lo` is False for NaN, so
            # NaN is skipped without a test; a column whose extreme came out
            # infinite is redone without its infinities (or had no valid cell).
            hi_acc = np.empty(SEGMENT if op != MIN else 0)
            for g in range(segments.shape[0]):
                c0, c1, j_a, j_b = segments[g, 0], segments[g, 1], segments[g, 2], segments[g, 3]
                lo = acc[:c1 - c0] if op != MAX else acc[:0]
                hi = hi_acc[:c1 - c0] if op != MIN else hi_acc[:0]
                lo[:] = np.inf
                hi[:] = -np.inf
                _column_extremes(band, row0, r_a, r_b, c0, lo, hi)
                for j in range(j_a, j_b):
                    a = state[0, i, j]
                    for c in range(max(cstart[j] - col0, c0), min(cstop[j] - col0, c1)):
                        k = c - c0
                        lo_k = lo[k] if op != MAX else 0.0
                        hi_k = hi[k] if op != MIN else 0.0
                        if np.isinf(lo_k) or np.isinf(hi_k):
                            lo_k, hi_k = _finite_extremes(band, row0, r_a, r_b, c)
                            if lo_k > hi_k:  # no finite cell
                                continue
                        if op == MIN:
                            v = lo_k
                        elif op == MAX:
                            v = hi_k
                        else:  # the largest magnitude is the max or the min
                            v = hi_k if hi_k >= -lo_k else lo_k
                        if _better(op, v, a):
                            a = v
                    state[0, i, j] = a
        if track:
            # this output row's cells of the block: its rows, the columns of
            # bins j_lo..j_hi (contiguous: the bins tile the axis, or pick
            # every column's centre pixel); their range goes to pixel (i, j_lo)
            t0 = state.shape[0] - TRACKED
            c_a = max(cstart[j_lo], col0) - col0
            c_b = min(cstop[j_hi - 1], col0 + nc) - col0
            if not sums:  # the sums folded the cells segment by segment
                _track_fold(band, row0, r_a, r_b, c_a, c_b, t_lo, t_hi, t_pos)
            _track_merge(band, row0, r_a, r_b, c_a, c_b, t_lo, t_hi, t_pos,
                         state[t0, i, j_lo:j_lo + 1], state[t0 + 1, i, j_lo:j_lo + 1],
                         state[t0 + 2, i, j_lo:j_lo + 1])


@jit
def merge(op, track, dst, part):
    """Merge the partial state ``part`` into ``dst`` (same shape) in place, by
    the rule of state kind ``op``; bit-identical whatever the order of
    disjoint merges. Sums, weights and counts add; std's squared deviations
    merge by Chan's rule (as :func:`accumulate` merges each block); min, max
    and absmax keep the extreme by :func:`_better` (NaN: none yet; a tie keeps
    ``dst``'s value, as within a block). With ``track``, the tracked planes
    merge as min, max and min."""
    planes, h, w = part.shape
    if track:
        planes -= TRACKED
        for k, rule in ((planes, MIN), (planes + 1, MAX), (planes + 2, MIN)):
            for i in range(h):
                for j in range(w):
                    v = part[k, i, j]
                    if v == v and _better(rule, v, dst[k, i, j]):
                        dst[k, i, j] = v
    for i in range(h):
        for j in range(w):
            if op == MOMENTS2:
                wa = dst[1, i, j]
                wb = part[1, i, j]
                shift = _chan_shift(dst[0, i, j], wa, part[0, i, j], wb) \
                    if wa > 0 and wb > 0 else 0.0
                dst[2, i, j] += part[2, i, j] + shift
                dst[0, i, j] += part[0, i, j]
                dst[1, i, j] += wb
            elif op == MOMENTS or op == COUNT:
                for k in range(planes):
                    dst[k, i, j] += part[k, i, j]
            else:
                v = part[0, i, j]
                if v == v and _better(op, v, dst[0, i, j]):
                    dst[0, i, j] = v


@jit
def _quotient(v, d):
    """``v / d`` as numpy divides (``d`` is a weight: never negative, so a
    zero is +0), but with NaN's sign bit clear."""
    if d != 0.0:
        return v / d
    return np.nan if v == 0.0 or v != v else (np.inf if v > 0 else -np.inf)


@pjit
def divide_rows(s, w):
    """``s /= w`` in place, the values of numpy's ``divide`` (``0 / 0`` is
    NaN: a pixel without a valid cell; numpy's NaN has the sign bit set, this
    one not), on the rows in parallel, so a large output is finished at the
    cores' rate rather than one's."""
    for i in nb.prange(s.shape[0]):
        for j in range(s.shape[1]):
            s[i, j] = _quotient(s[i, j], w[i, j])
