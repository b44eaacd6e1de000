"""Folding stored entries: sparse rows (CSR form) straight into reduction states.

A sparse matrix is never made dense: each stored entry ``(r, c, v)`` adds
itself to the pixels its cell overlaps, with the same exact area weights a
:class:`~fastheat.aggregation.fold.Plan` gives a dense matrix (or an uneven
plan's, :mod:`fastheat.aggregation.uneven`); implicit cells are accounted for
at output resolution from the geometry alone. The result is the state of the
reductions table (:mod:`fastheat.aggregation.reductions`) for the same matrix
made dense, so ``finish`` and merges are the dense path's.

Two readings of a pixel (``implicit=``):

* ``"zero"`` (the default, what ``toarray()`` would give): implicit cells are
  zeros, so a mean counts them, a max of negative entries is 0, ``count``
  counts every cell;
* ``"missing"``: only stored entries count (a mean over stored values, a
  pixel with none is missing).

Work is split over threads by input rows, each thread folding into its own
partial planes, merged afterwards (threads never race); entries are read in
the order they are stored, once.
"""
from __future__ import annotations

import numba as nb
import numpy as np

from .._jit import KERNEL_LOCK, jit, pjit
from . import _kernels as K
from .fold import merge_into
from .geometry import pairs
from .reductions import REDUCTIONS

IMPLICIT = ("zero", "missing")
#: Helpers of the entry loop are inlined into it (numba IR inlining): a call
#: would pass every array with a reference-count update, an atomic operation
#: on a cache line the threads share, per entry (10x slower).
inline = nb.njit(inline="always", nogil=True, cache=True)
#: Entries a thread should have at least: fewer and one thread folds them all.
MIN_PER_THREAD = 1 << 16

# Direction of entries (``mode`` of the kernel).
DIRECT, MIRROR, BOTH = 0, 1, 2
# Raw planes per state kind: what the kernel folds before the states are made.
#   MOMENTS/MOMENTS2: [sum w*v, sum w (finite), sum w (non-finite), stored entries touching]
#   COUNT:            [finite stored touching, non-finite stored touching]
#   MIN/MAX/ABSMAX:   [extreme of finite stored, stored entries touching]
#   DEVIATIONS (std's second pass): [sum w*(v - mean)^2]
DEVIATIONS = 99
_RAW = {K.MOMENTS: 4, K.MOMENTS2: 4, K.COUNT: 2, K.MIN: 2, K.MAX: 2, K.ABSMAX: 2, DEVIATIONS: 1}


def check_implicit(implicit):
    """``implicit`` checked against :data:`IMPLICIT`."""
    if implicit not in IMPLICIT:
        raise ValueError(f"implicit={implicit!r} is not allowed; use 'zero' (implicit cells "
                         f"are zeros, as toarray() gives) or 'missing' (only stored entries "
                         f"count)")
    return implicit


class AxisIndex:
    """One axis of a plan turned around: for each input cell ``k``, the pixels
    it feeds, ``pix[ptr[k]:ptr[k + 1]]`` with weights ``w[...]``; and per
    pixel the cells' total weight and count (``bad``: cells that are missing
    whole, e.g. unbalanceable bins, left out of both)."""

    def __init__(self, geometry, n_in, bad=None):
        pixel, cell, w = pairs(geometry)
        n_out = len(geometry.start)
        order = np.argsort(cell, kind="stable")
        self.pix = np.ascontiguousarray(pixel[order])
        self.w = np.ascontiguousarray(w[order], dtype=np.float64)
        self.ptr = np.zeros(n_in + 1, np.int64)
        np.cumsum(np.bincount(cell, minlength=n_in)[:n_in], out=self.ptr[1:])
        counts = np.diff(self.ptr)
        self.pack = np.zeros((0, 4))
        if counts.max(initial=0) <= 2:  # each cell feeds at most two pixels: one line each
            pack = np.full((n_in, 4), -1.0)
            pack[:, 1] = pack[:, 3] = 0.0
            first = self.ptr[:-1]
            has = counts > 0
            pack[has, 0] = self.pix[first[has]]
            pack[has, 1] = self.w[first[has]]
            two = counts == 2
            pack[two, 2] = self.pix[first[two] + 1]
            pack[two, 3] = self.w[first[two] + 1]
            self.pack = pack
        good = np.ones(len(cell), bool) if bad is None else ~bad[cell]
        self.total = np.bincount(pixel, weights=w * good, minlength=n_out)
        self.count = np.bincount(pixel, weights=good.astype(np.float64), minlength=n_out)


@inline
def _better(op, v, a):
    """Whether ``v`` replaces the running extreme ``a`` (NaN: none yet), by
    the rules of the dense kernels' MIN, MAX and ABSMAX states."""
    if a != a:
        return True
    if op == K.MIN:
        return v < a
    if op == K.MAX:
        return v > a
    return abs(v) > abs(a) or (abs(v) == abs(a) and v > a)


@inline
def _update(op, part, i, j, w, v, finite, mean):
    """Fold entry value ``v`` with weight ``w`` into pixel ``(i, j)`` of the
    pixel-major raw planes ``part`` (``[i, j, plane]``: one cache line)."""
    if op == K.MOMENTS or op == K.MOMENTS2:
        if finite:
            part[i, j, 0] += w * v
            part[i, j, 1] += w
        else:
            part[i, j, 2] += w
        part[i, j, 3] += 1.0
    elif op == K.COUNT:
        if finite:
            part[i, j, 0] += 1.0
        else:
            part[i, j, 1] += 1.0
    elif op == DEVIATIONS:
        if finite:
            d = v - mean[i, j]
            part[i, j, 0] += w * d * d
    else:
        if finite and _better(op, v, part[i, j, 0]):
            part[i, j, 0] = v
        part[i, j, 1] += 1.0


@inline
def _add(op, vr, vc, v, rpack, rptr, rpix, rw, cpack, cptr, cpix, cw, part, mean):
    """Fold entry ``v`` of view cell ``(vr, vc)`` into every pixel its cell
    overlaps. ``rpack[vr]`` = ``(pixel, weight, pixel or -1, weight)`` when
    every cell feeds at most two pixels (one cache line per lookup), else
    (``rpack`` empty) the ``ptr``/``pix``/``w`` lists."""
    finite = v - v == 0.0
    if rpack.shape[0] > 0 and cpack.shape[0] > 0:
        i0 = np.int64(rpack[vr, 0])
        wr0 = rpack[vr, 1]
        i1 = np.int64(rpack[vr, 2])
        wr1 = rpack[vr, 3]
        j0 = np.int64(cpack[vc, 0])
        wc0 = cpack[vc, 1]
        j1 = np.int64(cpack[vc, 2])
        wc1 = cpack[vc, 3]
        _update(op, part, i0, j0, wr0 * wc0, v, finite, mean)
        if j1 >= 0:
            _update(op, part, i0, j1, wr0 * wc1, v, finite, mean)
        if i1 >= 0:
            _update(op, part, i1, j0, wr1 * wc0, v, finite, mean)
            if j1 >= 0:
                _update(op, part, i1, j1, wr1 * wc1, v, finite, mean)
        return
    for p in range(rptr[vr], rptr[vr + 1]):
        i = rpix[p]
        wr = rw[p]
        for q in range(cptr[vc], cptr[vc + 1]):
            _update(op, part, i, cpix[q], wr * cw[q], v, finite, mean)


@pjit
def fold_rows(indptr, indices, data, row_base, col_lo, col_hi, r_shift, c_shift, mode,
              rscale, cscale, rpack, rptr, rpix, rw, cpack, cptr, cpix, cw, op, splits, parts,
              mean, seen):
    """Fold sparse rows into per-thread raw planes ``parts[t]`` (pixel-major
    ``[i, j, plane]``; writes them in place).

    Row ``k`` of the CSR arrays is stored row ``row_base + k``; entries whose
    column lies outside ``col_lo:col_hi`` are skipped. ``mode`` DIRECT: entry
    ``(r, c)`` is view cell ``(r - r_shift, c - c_shift)``; MIRROR: view cell
    ``(c - r_shift, r - c_shift)``, diagonal entries skipped; BOTH: both (the
    diagonal once). ``rscale``/``cscale`` (empty: none) multiply values by the
    view row's and column's factor; a NaN factor skips the entry (its row is
    missing whole, accounted for by the caller). Thread ``t`` folds CSR rows
    ``splits[t]:splits[t + 1]``; ``seen[t]`` gets its entries folded and the
    smallest, largest and smallest positive finite value.
    """
    scaled = rscale.size > 0
    for t in nb.prange(len(splits) - 1):
        part = parts[t]
        lo = np.inf
        hi = -np.inf
        pos = np.inf
        n = 0.0
        for k in range(splits[t], splits[t + 1]):
            r = row_base + k
            for e in range(indptr[k], indptr[k + 1]):
                c = np.int64(indices[e])
                if c < col_lo or c >= col_hi:
                    continue
                v0 = np.float64(data[e])
                for side in range(2):
                    if side == 0:
                        if mode == MIRROR:
                            continue
                        vr = r - r_shift
                        vc = c - c_shift
                    else:
                        if mode == DIRECT or r == c:
                            continue
                        vr = c - r_shift
                        vc = r - c_shift
                    v = v0
                    if scaled:
                        s = rscale[vr] * cscale[vc]
                        if s != s:
                            continue
                        v = v * s
                    n += 1.0
                    if v - v == 0.0:
                        lo = min(lo, v)
                        hi = max(hi, v)
                        if v > 0.0:
                            pos = min(pos, v)
                    _add(op, vr, vc, v, rpack, rptr, rpix, rw, cpack, cptr, cpix, cw, part,
                         mean)
        seen[t, 0] = n
        seen[t, 1] = lo
        seen[t, 2] = hi
        seen[t, 3] = pos


@jit
def pick_rows(indptr, indices, data, row_base, col_lo, col_hi, r_shift, c_shift, mode,
              rscale, cscale, rowpick, colpick, out):
    """``reduce="nearest"``: write the stored entries under the picked rows and
    columns (``rowpick[view row]``: its output row, -1 if none) into ``out``."""
    scaled = rscale.size > 0
    for k in range(len(indptr) - 1):
        r = row_base + k
        for e in range(indptr[k], indptr[k + 1]):
            c = np.int64(indices[e])
            if c < col_lo or c >= col_hi:
                continue
            for side in range(2):
                if side == 0:
                    if mode == MIRROR:
                        continue
                    vr = r - r_shift
                    vc = c - c_shift
                else:
                    if mode == DIRECT or r == c:
                        continue
                    vr = c - r_shift
                    vc = r - c_shift
                i = rowpick[vr]
                j = colpick[vc]
                if i >= 0 and j >= 0:
                    v = np.float64(data[e])
                    if scaled:
                        v = v * rscale[vr] * cscale[vc]
                    out[i, j] = v


def thread_splits(indptr, threads=None):
    """Row boundaries giving each thread about the same number of entries."""
    n_rows, nnz = len(indptr) - 1, int(indptr[-1])
    threads = threads or nb.get_num_threads()
    threads = max(1, min(threads, n_rows, nnz // MIN_PER_THREAD or 1))
    targets = np.arange(1, threads) * (nnz / threads)
    inner = np.searchsorted(indptr, targets)
    return np.unique(np.concatenate([[0], np.clip(inner, 0, n_rows), [n_rows]])).astype(np.int64)


class SparseFold:
    """The fold of one plan over stored entries, fed CSR row blocks in any
    order (:meth:`add`), then turned into the reduction's state (:meth:`state`).

    ``plan`` is a :class:`~fastheat.aggregation.fold.Plan` (or an uneven plan)
    of the view: ``plan.n_rows x plan.n_cols`` cells. ``bad_rows``/``bad_cols``
    mark view rows/columns missing whole; ``rscale``/``cscale`` are factors
    per view row/column (NaN where bad), e.g. balancing weights.
    """

    def __init__(self, plan, *, implicit="zero", rscale=None, cscale=None, mean=None):
        self.plan, self.implicit = plan, check_implicit(implicit)
        self.reduction = plan.reduction
        op = self.reduction.code
        self.op = DEVIATIONS if mean is not None else op
        self.mean = np.zeros((1, 1)) if mean is None else np.ascontiguousarray(mean)
        bad_r = None if rscale is None else ~np.isfinite(rscale)
        bad_c = None if cscale is None else ~np.isfinite(cscale)
        self.rows = AxisIndex(plan.rows, plan.n_rows, bad_r)
        self.cols = AxisIndex(plan.cols, plan.n_cols, bad_c)
        empty = np.zeros(0)
        self.rscale = empty if rscale is None else np.ascontiguousarray(rscale, np.float64)
        self.cscale = empty if cscale is None else np.ascontiguousarray(cscale, np.float64)
        if rscale is not None and cscale is None or rscale is None and cscale is not None:
            raise ValueError("rscale and cscale go together")
        self.threads = nb.get_num_threads()
        shape = (self.threads, plan.height, plan.width, _RAW[self.op])
        self.parts = np.zeros(shape)
        if self.op in (K.MIN, K.MAX, K.ABSMAX):
            self.parts[..., 0] = np.nan
        self.seen = np.array([0.0, np.inf, -np.inf, np.inf])

    def add(self, indptr, indices, data, *, row_base=0, col_lo=0, col_hi=None, r_shift=0,
            c_shift=0, mode=DIRECT):
        """Fold CSR rows (row ``k`` is stored row ``row_base + k``) into the
        partial planes; see :func:`fold_rows` for the window and ``mode``."""
        if len(indptr) < 2 or indptr[-1] == indptr[0]:
            return
        indptr = np.ascontiguousarray(indptr, np.int64)
        if indptr[0] != 0:
            indptr = indptr - indptr[0]
        col_hi = np.iinfo(np.int64).max if col_hi is None else col_hi
        splits = thread_splits(indptr, self.threads)
        seen = np.zeros((self.threads, 4))
        seen[:, 1:] = (np.inf, -np.inf, np.inf)
        with KERNEL_LOCK:
            fold_rows(indptr, indices, data, row_base, col_lo, col_hi, r_shift, c_shift, mode,
                      self.rscale, self.cscale, self.rows.pack, self.rows.ptr, self.rows.pix,
                      self.rows.w, self.cols.pack, self.cols.ptr, self.cols.pix, self.cols.w,
                      self.op, splits, self.parts,
                      self.mean, seen)
        self.seen = np.array([self.seen[0] + seen[:, 0].sum(), min(self.seen[1], seen[:, 1].min()),
                              max(self.seen[2], seen[:, 2].max()),
                              min(self.seen[3], seen[:, 3].min())])

    def raw(self):
        """The threads' partial planes merged, plane-major ``[plane, i, j]``."""
        parts = np.ascontiguousarray(self.parts.transpose(0, 3, 1, 2))
        if self.op in (K.MIN, K.MAX, K.ABSMAX):
            out = parts[0].copy()
            for t in range(1, len(parts)):
                merge_into(self.op, out[:1], parts[t][:1].copy())
                out[1] += parts[t][1]
            return out
        return parts.sum(axis=0)

    def implicit_cells(self):
        """``(weight, count)`` per pixel of the cells that are not missing whole."""
        return np.multiply.outer(self.rows.total, self.cols.total), \
            np.multiply.outer(self.rows.count, self.cols.count)

    def state(self, track=False):
        """The reduction's state (as the dense path would give it for the
        matrix made dense, implicit cells zeros or missing), with the input's
        range planes when ``track``."""
        raw = self.raw()
        red = self.reduction
        zero = self.implicit == "zero"
        weight, count = self.implicit_cells()
        state = red.new_state((self.plan.height, self.plan.width), track)
        op = red.code
        if op in (K.MOMENTS, K.MOMENTS2):
            s, w_ok, w_bad, touched = raw
            if zero:
                # where every cell is stored, the stored weights are the exact total
                rest = count - touched > 0.5
                state[0] = s
                state[1] = np.where(rest, np.maximum(weight - w_bad, 0.0), w_ok)
            else:
                state[0], state[1] = s, w_ok
        elif op == K.COUNT:
            ok, bad = raw
            state[0] = count - bad if zero else ok
        else:
            ext, touched = raw
            if zero:
                rest = count - touched > 0.5
                zeros = np.where(rest, 0.0, np.nan)[np.newaxis]
                ext = ext[np.newaxis].copy()
                merge_into(op, ext, zeros)
                ext = ext[0]
            state[0] = ext
        if track:
            n, lo, hi, pos = self.seen
            if zero and count.sum() - n > 0.5:  # some implicit zero was read
                lo, hi = min(lo, 0.0), max(hi, 0.0)
            if lo <= hi:
                p = red.planes
                state[p, 0, 0], state[p + 1, 0, 0] = lo, hi
                if pos < np.inf:
                    state[p + 2, 0, 0] = pos
        return state

    def deviations(self, raw_first):
        """std's M2 plane from its second pass (this fold, ``mean=`` given) and
        the first pass's raw planes: deviations of the stored entries plus
        those of the implicit zeros (weight ``W - w_ok - w_bad``, each ``mean``
        away)."""
        m2 = self.raw()[0]
        if self.implicit == "zero":
            weight, count = self.implicit_cells()
            _, w_ok, w_bad, touched = raw_first
            rest = np.where(count - touched > 0.5, np.maximum(weight - w_ok - w_bad, 0.0), 0.0)
            m2 = m2 + rest * self.mean * self.mean
        return m2


def fold_sparse(plan, feed, *, implicit="zero", scales=(None, None), track=False):
    """The state of ``plan`` over stored entries: ``feed(fold)`` calls
    ``fold.add(...)`` with every block of CSR rows (once per pass: std reads
    twice, the mean first)."""
    rscale, cscale = scales
    first = SparseFold(plan, implicit=implicit, rscale=rscale, cscale=cscale)
    feed(first)
    state = first.state(track)
    if plan.reduction.code == K.MOMENTS2:
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(state[1] > 0, state[0] / state[1], 0.0)
        second = SparseFold(plan, implicit=implicit, rscale=rscale, cscale=cscale, mean=mean)
        feed(second)
        state[2] = second.deviations(first.raw())
    return state


def pick_sparse(plan, feed, *, implicit="zero", scales=(None, None)):
    """``reduce="nearest"``: the cells under the pixel centres, float64,
    implicit cells 0 (or NaN with ``implicit="missing"``); ``feed(picker)``
    calls ``picker.add(...)`` like :func:`fold_sparse`'s."""
    rows, cols = plan.nearest_index()
    rscale, cscale = scales
    return _Picker(plan, rows, cols, implicit, rscale, cscale).run(feed)


class _Picker:
    def __init__(self, plan, rows, cols, implicit, rscale, cscale):
        self.rowpick = np.full(plan.n_rows, -1, np.int64)
        self.colpick = np.full(plan.n_cols, -1, np.int64)
        # an input cell under several pixel centres (never when downsampling):
        # the first pixel gets it, the others copy below
        self.rows, self.cols = rows, cols
        self.rowpick[rows[::-1]] = np.arange(len(rows))[::-1]
        self.colpick[cols[::-1]] = np.arange(len(cols))[::-1]
        fill = 0.0 if check_implicit(implicit) == "zero" else np.nan
        self.out = np.full((len(rows), len(cols)), fill)
        empty = np.zeros(0)
        self.rscale = empty if rscale is None else np.ascontiguousarray(rscale, np.float64)
        self.cscale = empty if cscale is None else np.ascontiguousarray(cscale, np.float64)
        if rscale is not None:
            bad = ~np.isfinite(self.rscale[rows])[:, None] | ~np.isfinite(self.cscale[cols])
            self.out[bad] = np.nan

    def add(self, indptr, indices, data, *, row_base=0, col_lo=0, col_hi=None, r_shift=0,
            c_shift=0, mode=DIRECT):
        indptr = np.ascontiguousarray(indptr, np.int64)
        if indptr[0] != 0:
            indptr = indptr - indptr[0]
        col_hi = np.iinfo(np.int64).max if col_hi is None else col_hi
        pick_rows(indptr, indices, data, row_base, col_lo, col_hi, r_shift, c_shift, mode,
                  self.rscale, self.cscale, self.rowpick, self.colpick, self.out)

    def run(self, feed):
        feed(self)
        out = self.out[self.rowpick[self.rows]][:, self.colpick[self.cols]]
        out[np.isinf(out)] = np.nan
        return out


__all__ = ["IMPLICIT", "SparseFold", "fold_sparse", "pick_sparse", "REDUCTIONS"]
