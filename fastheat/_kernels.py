"""Numba kernels: pure functions on arrays the caller allocated and validated.

Every kernel here assumes its inputs were checked by its caller
(:mod:`fastheat.aggregation`, :meth:`fastheat.render.Raster.paint`,
:mod:`fastheat.overlays`): numba does not check bounds. The JIT options are set once, below.
"""
from __future__ import annotations

import os
import threading

# After each parallel kernel numba's OpenMP workers spin for milliseconds
# before sleeping, taking a core from what runs next (the PNG encoder's
# threads: 6% slower decorated saves on 2 cores). Passive waiting costs the
# kernels nothing measurable. Read once, when OpenMP starts; a user's own
# setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba as nb  # noqa: E402
import numpy as np

# cache=True: a second process loads the machine code instead of recompiling.
# No fastmath: NaN must stay NaN.
jit = nb.njit(cache=True, nogil=True)
pjit = nb.njit(cache=True, nogil=True, parallel=True)
# A parallel kernel entered from several threads at once aborts the process
# under numba's "workqueue" threading layer, and oversubscribes the cores under
# the others: callers hold this lock around every `pjit` call (threads take
# turns, each call using every core).
KERNEL_LOCK = threading.Lock()

# Reduction codes shared with fastheat.aggregation (state planes in brackets).
MOMENTS = 0  # [sum of w*x, sum of w]              -> mean, sum
MOMENTS2 = 1  # [sum of w*x, sum of w, sum of w*(x - mean)^2] -> std (Chan's merge)
COUNT = 2  # [number of valid cells touching the pixel]
MIN = 3  # [min], NaN until a valid value is seen
MAX = 4  # [max]
ABSMAX = 5  # [value of largest magnitude; ties go to the positive one]


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
def _redo_column(band, row0, r_a, r_b, rw, c):
    """NaN-aware weighted (sum, weight) of column ``c``."""
    s = 0.0
    sw = 0.0
    for r in range(r_a, r_b):
        v = np.float64(band[r - row0, c])
        if v == v:
            wr = rw[r - r_a]
            s += wr * v
            sw += wr
    return s, sw


@jit
def _bin_columns(j, col0, nc, cstart, cstop, coff):
    """Bin ``j``'s columns in block coordinates, and the offset that turns a
    block column into an index of the column weights."""
    c_a = max(cstart[j], col0) - col0
    c_b = min(cstop[j], col0 + nc) - col0
    return c_a, c_b, coff[j] - cstart[j] + col0


@jit
def _moment_columns(band, row0, r_a, r_b, rw, acc_s, col0, cstart, cstop, coff, cweight,
                    uniform, j_lo, j_hi, out_s, out_w):
    """Column pass of mean/sum/std: add each bin's weighted sum and weight to
    ``out_s``/``out_w``. The row pass summed without NaN tests, so a bin whose
    sum came out NaN has its NaN columns redone NaN-aware (rare: only where data
    is missing). ``uniform``: every column weight is 1, so none is read."""
    w_rows = rw.sum()
    for j in range(j_lo, j_hi):
        c_a, c_b, base = _bin_columns(j, col0, acc_s.size, cstart, cstop, coff)
        s = 0.0
        t = 0.0
        if uniform:
            for c in range(c_a, c_b):
                s += acc_s[c]
            t = c_b - c_a
        else:
            for c in range(c_a, c_b):
                wc = cweight[base + c]
                s += wc * acc_s[c]
                t += wc
        sw = w_rows * t
        if s != s:
            s = 0.0
            sw = 0.0
            for c in range(c_a, c_b):
                wc = 1.0 if uniform else cweight[base + c]
                cs, cw = (acc_s[c], w_rows) if acc_s[c] == acc_s[c] else \
                    _redo_column(band, row0, r_a, r_b, rw, c)
                s += wc * cs
                sw += wc * cw
        out_s[j] += s
        out_w[j] += sw


@jit
def _deviations(band, row0, r_a, r_b, rw, c_a, c_b, base, cweight, uniform, mean):
    """Weighted sum of squared deviations from ``mean`` over one bin's cells."""
    q = 0.0
    for r in range(r_a, r_b):
        wr = rw[r - r_a]
        row = band[r - row0]
        for c in range(c_a, c_b):
            v = np.float64(row[c])
            if v == v:
                d = v - mean
                q += wr * (1.0 if uniform else cweight[base + c]) * d * d
    return q


@jit
def _has_valid(band, row0, r_a, r_b, c):
    for r in range(r_a, r_b):
        v = band[r - row0, c]
        if v == v:
            return True
    return False


@pjit
def accumulate(band, row0, col0, rstart, rstop, roff, rweight, cstart, cstop, coff,
               cweight, i_lo, i_hi, j_lo, j_hi, op, state):
    """Fold one block of the input into the reduction ``state`` in place.

    ``band`` holds input rows ``row0 ..`` and columns ``col0 ..`` of the matrix;
    output bin ``i`` covers input rows ``rstart[i]:rstop[i]``, row ``r`` with
    area weight ``rweight[roff[i] + r - rstart[i]]`` (likewise columns). Blocks
    may split bins anywhere: folding every block of a matrix, in any order,
    gives the state of the whole (bit-identical for min/max/absmax/count).
    Parallel over output rows, each thread owning its rows of ``state``.
    """
    nb_, nc = band.shape
    uniform = True  # every column weight is 1: integer ratio or upsampled columns
    for k in range(cweight.size):
        if cweight[k] != 1.0:
            uniform = False
            break
    for i in nb.prange(i_lo, i_hi):
        r_a = max(rstart[i], row0)
        r_b = min(rstop[i], row0 + nb_)
        if r_a >= r_b:
            continue
        rw = rweight[roff[i] + r_a - rstart[i]: roff[i] + r_b - rstart[i]]
        # Row pass: fold this bin's rows into row-length accumulators
        # (contiguous, so the inner loops vectorize); column pass: reduce them
        # across the output columns.
        if op == MOMENTS or op == MOMENTS2:
            # Plain weighted sums, no NaN test in the hot loop: a NaN poisons its
            # column's sum, and only such columns are redone.
            acc_s = np.zeros(nc)
            for r in range(r_a, r_b):
                wr = rw[r - r_a]
                row = band[r - row0]
                for c in range(nc):
                    acc_s[c] += wr * row[c]
            if op == MOMENTS:
                _moment_columns(band, row0, r_a, r_b, rw, acc_s, col0, cstart, cstop, coff,
                                cweight, uniform, j_lo, j_hi, state[0, i], state[1, i])
            else:
                # std: this block's bin sums, then squared deviations from the
                # block's own bin means (no cancellation, no overflow of x*x),
                # merged into the state by Chan's rule.
                bs = np.zeros(state.shape[2])
                bw = np.zeros(state.shape[2])
                _moment_columns(band, row0, r_a, r_b, rw, acc_s, col0, cstart, cstop, coff,
                                cweight, uniform, j_lo, j_hi, bs, bw)
                for j in range(j_lo, j_hi):
                    if bw[j] > 0:
                        c_a, c_b, base = _bin_columns(j, col0, nc, cstart, cstop, coff)
                        mean = bs[j] / bw[j]
                        q = _deviations(band, row0, r_a, r_b, rw, c_a, c_b, base, cweight,
                                        uniform, mean)
                        wa = state[1, i, j]
                        if wa > 0:
                            delta = mean - state[0, i, j] / wa
                            q += state[2, i, j] + delta * delta * (wa * bw[j] / (wa + bw[j]))
                        state[0, i, j] += bs[j]
                        state[1, i, j] += bw[j]
                        state[2, i, j] = q
        elif op == COUNT:
            acc = np.zeros(nc)
            for r in range(r_a, r_b):
                row = band[r - row0]
                for c in range(nc):
                    v = row[c]
                    acc[c] += 1.0 if v == v else 0.0
            for j in range(j_lo, j_hi):
                state[0, i, j] += acc[max(cstart[j], col0) - col0: min(cstop[j], col0 + nc) - col0].sum()
        else:
            # Running min and/or max per column: `v < lo` is False for NaN, so
            # NaN is skipped without a test; a column left at +-inf is checked
            # afterwards for whether it saw any valid value at all.
            lo = np.full(nc if op != MAX else 0, np.inf)
            hi = np.full(nc if op != MIN else 0, -np.inf)
            for r in range(r_a, r_b):
                row = band[r - row0]
                if op != MAX:
                    for c in range(nc):
                        v = np.float64(row[c])
                        lo[c] = v if v < lo[c] else lo[c]
                if op != MIN:
                    for c in range(nc):
                        v = np.float64(row[c])
                        hi[c] = v if v > hi[c] else hi[c]
            for j in range(j_lo, j_hi):
                a = state[0, i, j]
                for c in range(max(cstart[j], col0), min(cstop[j], col0 + nc)):
                    k = c - col0
                    if op == MIN:
                        v = lo[k]
                    elif op == MAX:
                        v = hi[k]
                    else:  # the largest magnitude is the max or the min
                        v = hi[k] if hi[k] >= -lo[k] else lo[k]
                    if np.isinf(v) and not _has_valid(band, row0, r_a, r_b, k):
                        continue
                    if _better(op, v, a):
                        a = v
                state[0, i, j] = a

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


@pjit
def stamp_cells(region, y0, x0, label, shade, tiles, colors):
    """Blend text tile ``tiles[label[k]]`` (uint8 coverage) in colour
    ``colors[shade[k]]`` into ``region`` at corner ``(y0[k], x0[k])``:
    ``(pixel * (255 - a) + colour * a + 127) // 255``. The tiles must lie in
    disjoint cells (they are blended in parallel)."""
    th, tw = tiles.shape[1], tiles.shape[2]
    for k in nb.prange(y0.shape[0]):
        tile, color = tiles[label[k]], colors[shade[k]]
        for ty in range(th):
            for tx in range(tw):
                a = np.int32(tile[ty, tx])
                if a:
                    px = region[y0[k] + ty, x0[k] + tx]
                    for c in range(region.shape[2]):
                        px[c] = (np.int32(px[c]) * (255 - a) + np.int32(color[c]) * a + 127) // 255


@jit
def fill_boxes(canvas, boxes, colors):
    """Fill boxes ``(x0, y0, x1, y1)`` of ``canvas`` (clipped to it) with
    ``colors[k]``, in order: ticks, frames, solid lines."""
    H, W, nch = canvas.shape
    for k in range(boxes.shape[0]):
        x0, y0 = max(boxes[k, 0], 0), max(boxes[k, 1], 0)
        x1, y1 = min(boxes[k, 2], W), min(boxes[k, 3], H)
        for y in range(y0, y1):
            for x in range(x0, x1):
                for c in range(nch):
                    canvas[y, x, c] = colors[k, c]


@jit
def blend_masks(canvas, masks, starts, shapes, corners, colors):
    """Blend ``colors[k]`` into ``canvas`` through coverage mask ``k`` (``shapes[k]``
    bytes from ``masks[starts[k]]``, row-major) with its top-left corner at
    ``corners[k] = (x, y)``, clipped to the canvas; rounding as Pillow's text:
    ``(px * (255 - a) + color * a + 127) // 255``."""
    H, W, nch = canvas.shape
    for k in range(starts.shape[0]):
        h, w = shapes[k, 0], shapes[k, 1]
        for r in range(h):
            y = corners[k, 1] + r
            if y < 0 or y >= H:
                continue
            for q in range(w):
                x = corners[k, 0] + q
                a = np.int32(masks[starts[k] + r * w + q])
                if a and 0 <= x < W:
                    for c in range(nch):
                        canvas[y, x, c] = (np.int32(canvas[y, x, c]) * (255 - a)
                                           + np.int32(colors[k, c]) * a + 127) // 255
