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

Work is split over threads by output rows, as the dense kernels split it:
output row ``i`` walks the stored rows its pixels cover (a row that straddles
two output rows is read by both, each with its own weight), so each thread
writes only its own rows of one set of planes: no per-thread copies of the
output, no merge. A stored row's entries go through a per-column lookup
(:class:`EntryAxis`): the pixel of each column, and its weight only when some
column is split between two pixels; where every pixel holds the same whole
number of columns the pixel is computed (a multiply and a shift), so an entry
costs an index load, the value's load and an add. Every entry's column is
checked against the matrix (an unsigned compare) before it indexes anything.

A matrix that is not canonical may store a column twice in a row: the rows
that do are found (by a bit per column and thread, in the fold's own read of
the row for a mean or sum, else in a search before it), left out, summed as
``toarray()`` sums them and folded as one more block.

Symmetric storage (cooler's upper triangle) folds each off-diagonal entry
twice: directly, and mirrored into planes of the transposed view (owned by
the output rows of the transpose), added in at the end.
"""
from __future__ import annotations

import numba as nb
import numpy as np

from .._jit import KERNEL_LOCK, jit, pjit
from . import _kernels as K
from .geometry import AxisMap, pairs
from .reductions import REDUCTIONS, check_state_memory

IMPLICIT = ("zero", "missing")
#: Helpers of the entry loop are inlined into it (numba IR inlining): a call
#: would pass every array with a reference-count update, an atomic operation
#: on a cache line the threads share, per entry (10x slower).
inline = nb.njit(inline="always", nogil=True, cache=True)
#: Entries a thread should have at least: fewer and one thread folds them all.
MIN_PER_THREAD = 1 << 16

# Direction of entries (``mode`` of :meth:`SparseFold.add`).
DIRECT, MIRROR, BOTH = 0, 1, 2
# Raw planes per state kind: what the kernel folds before the states are made.
#   MOMENTS/MOMENTS2: [sum w*v, sum w (finite), sum w (non-finite), stored entries touching]
#   COUNT:            [finite stored touching, non-finite stored touching]
#   MIN/MAX/ABSMAX:   [extreme of finite stored, stored entries touching]
#   DEVIATIONS (std's second pass): [sum w*(v - mean)^2]
#   PICK (nearest):   [value, 1 where a stored entry was written]
DEVIATIONS = 99
PICK = 98
_RAW = {K.MOMENTS: 4, K.MOMENTS2: 4, K.COUNT: 2, K.MIN: 2, K.MAX: 2, K.ABSMAX: 2,
        DEVIATIONS: 1, PICK: 2}
# How an entry's column finds its pixels (``EntryAxis.kind``).
#   WHOLE: one pixel, weight 1 (a whole number of cells per pixel; nearest's picks)
#   TWO:   the pixel and maybe the next, each with its weight (uniform ratios)
#   MANY:  a list per column (uneven cells wider than a pixel)
WHOLE, TWO, MANY = 0, 1, 2


def check_implicit(implicit):
    """``implicit`` checked against :data:`IMPLICIT`."""
    if implicit not in IMPLICIT:
        raise ValueError(f"implicit={implicit!r} is not allowed; use 'zero' (implicit cells "
                         f"are zeros, as toarray() gives) or 'missing' (only stored entries "
                         f"count)")
    return implicit


class EntryAxis:
    """One axis of a plan turned around, for the entries' column lookups: for
    each input cell the pixels it feeds and their weights (see ``kind``); per
    pixel the cells' total weight and count (``bad``: cells that are missing
    whole, e.g. unbalanceable bins, left out of both); ``good``: the cells
    that are not missing. ``step`` (0: none): every pixel holds ``step`` whole
    cells and the cells are ``n_pixels * step``, so a cell's pixel is computed
    (``c // step``) instead of looked up: a lookup table of a million columns
    is out of the L2 cache, and its load per entry cost more than the rest of
    the fold (0.32 s against 0.18 s for 10^8 entries on a Xeon)."""

    def __init__(self, geometry, n_in, bad=None, pick=None):
        self.ptr = np.zeros(1, np.int64)
        self.list_pix = np.zeros(0, np.int32)
        self.list_w = np.zeros(0)
        self.w = np.zeros((0, 2))
        self.good = n_in if bad is None else int(n_in - np.count_nonzero(bad))
        self.n = n_in
        self.step = 0
        if pick is not None:  # nearest: the first pixel centred on each cell
            self.kind = WHOLE
            self.pix = np.full(n_in, -1, np.int32)
            self.pix[pick[::-1]] = np.arange(len(pick), dtype=np.int32)[::-1]
            return
        n_out = len(geometry.start)
        self.step = regular_step(geometry, n_in)
        if self.step:  # pixel j holds cells j*step ..: computed in the fold, no lookup
            self.kind, self.pix = WHOLE, np.zeros(0, np.int32)
            per = np.full(n_out, float(self.step))
            if bad is None:
                self.total, self.count = per, per.copy()
            else:
                self.total = per - bad.reshape(n_out, self.step).sum(axis=1)
                self.count = self.total.copy()
            return
        pixel, cell, w = pairs(geometry)
        counts = np.bincount(cell, minlength=n_in)[:n_in]
        most = int(counts.max(initial=0))
        self.pix = np.full(n_in, -1, np.int32)
        if most <= 1 and bool(np.all(w == 1.0)):
            self.kind = WHOLE
            self.pix[cell] = pixel
        elif most <= 2:  # a cell feeds its pixel and maybe the next one
            self.kind = TWO
            self.w = np.full((n_in, 2), -1.0)
            order = np.lexsort((pixel, cell))
            pixel, cell, w = pixel[order], cell[order], w[order]
            head = np.ones(len(cell), bool)
            head[1:] = cell[1:] != cell[:-1]
            self.pix[cell[head]] = pixel[head]
            self.w[cell[head], 0] = w[head]
            self.w[cell[~head], 1] = w[~head]
        else:
            self.kind = MANY
            order = np.lexsort((pixel, cell))
            self.list_pix = np.ascontiguousarray(pixel[order], np.int32)
            self.list_w = np.ascontiguousarray(w[order], np.float64)
            self.ptr = np.zeros(n_in + 1, np.int64)
            np.cumsum(counts, out=self.ptr[1:])
        good = np.ones(len(cell), bool) if bad is None else ~bad[cell]
        self.total = np.bincount(pixel, weights=w * good, minlength=n_out)
        self.count = np.bincount(pixel, weights=good.astype(np.float64), minlength=n_out)


def regular_step(geometry, n_in):
    """The cells per pixel when every pixel of the ``AxisMap`` ``geometry``
    holds the same whole number of them, side by side, covering ``0:n_in``
    (pixel ``j``: cells ``j*step:(j+1)*step``, weight 1); else 0."""
    n_out = len(geometry.start)
    if n_out == 0 or n_in % n_out or geometry.cells.size:
        return 0
    step = n_in // n_out
    start = np.arange(n_out, dtype=np.int64) * step
    if np.array_equal(geometry.start, start) and np.array_equal(geometry.stop, start + step) \
            and bool(np.all(geometry.first == 1.0)) and bool(np.all(geometry.last == 1.0)):
        return int(step)
    return 0


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
def _update(op, out, i, j, w, v, finite, mean, unit=False):
    """Fold entry value ``v`` with weight ``w`` into pixel ``(i, j)`` of the
    pixel-major raw planes ``out`` (``[i, j, plane]``: one cache line).
    ``unit`` (every weight is 1): a moment's finite weight is left for
    :meth:`SparseFold._settle` to make (touched minus non-finite): two adds."""
    if (op == K.MOMENTS or op == K.MOMENTS2) and unit:
        if finite:
            out[i, j, 0] += v
        else:
            out[i, j, 2] += 1.0
        out[i, j, 3] += 1.0
    elif op == K.MOMENTS or op == K.MOMENTS2:
        if finite:
            out[i, j, 0] += w * v
            out[i, j, 1] += w
        else:
            out[i, j, 2] += w
        out[i, j, 3] += 1.0
    elif op == K.COUNT:
        if finite:
            out[i, j, 0] += 1.0
        else:
            out[i, j, 1] += 1.0
    elif op == DEVIATIONS:
        if finite:
            d = v - mean[i, j]
            out[i, j, 0] += w * d * d
    elif op == PICK:
        out[i, j, 0] = v
        out[i, j, 1] = 1.0
    else:
        if finite and _better(op, v, out[i, j, 0]):
            out[i, j, 0] = v
        out[i, j, 1] += 1.0


@inline
def _owner_weight(p, a, start, stop, first, last, cells):
    """Weight of cell ``a`` in owner pixel ``p`` (as ``AxisMap.weights``)."""
    if a == start[p]:
        return first[p]
    if a == stop[p] - 1:
        return last[p]
    if cells.size > 0:
        return cells[a]
    return 1.0


@inline
def _mark_row(indices, lo, hi, n_cols, marks):
    """Set the bit (in ``marks``, one per column) of each column of
    ``indices[lo:hi]``: ``(entries whose column an earlier one of them set,
    entries outside 0:n_cols)``, the latter left unmarked."""
    d = 0
    o = 0
    for x in range(lo, hi):
        c = np.uint64(indices[np.uint64(x)])  # (unsigned: no test for a negative index)
        if c >= np.uint64(n_cols):  # (negative ones too)
            o += 1
            continue
        bit = np.uint64(1) << (c & np.uint64(63))
        w = c >> np.uint64(6)
        if marks[w] & bit:
            d += 1
        marks[w] |= bit
    return d, o


@inline
def _unmark_row(indices, lo, hi, n_cols, marks):
    """Clear what :func:`_mark_row` set for ``indices[lo:hi]``."""
    for x in range(lo, hi):
        c = np.uint64(indices[np.uint64(x)])
        if c < np.uint64(n_cols):
            marks[c >> np.uint64(6)] = 0


#: How the entry kernel finds an entry's pixel (``STEP`` of :func:`_make_fold`):
#: from :class:`EntryAxis`' table, or ``c // step`` by :func:`_divisor`'s
#: multiply and shift, or by a division (past 2^31 cells).
LOOKED_UP, BY_MAGIC, BY_DIVISION = 0, 1, 2

#: Range tracking in the entry kernel (``track=`` of :func:`fold_entries`):
#: none, the entries' count only, or count and range.
NO_RANGE, COUNT_ONLY, RANGE = 0, 1, 2


def _make_fold(OP, KIND, SCALED, TRACK, UNIT, LEAN, CHECK, STEP, DUPS, FINITE):
    """The entry kernel for state kind ``OP``, entry axis kind ``KIND``,
    scaled values or not, range tracking level ``TRACK`` (:data:`RANGE`
    ...), every weight 1 or not (``UNIT``), sums alone (``LEAN``: one plane,
    ``sums``, ``out``'s one plane as a 2-D view, and non-finite entries
    counted in ``bad``), columns checked against the window and the diagonal
    or not (``CHECK``), the entry pixel looked up or computed from a regular
    axis' step (``STEP``: :data:`LOOKED_UP`, :data:`BY_MAGIC` or
    :data:`BY_DIVISION`), rows storing a column twice found and left out or
    not (``DUPS``, with ``LEAN``: see :func:`fold_entries`), every value
    known to be finite or each tested (``FINITE``): constants of the closure,
    so numba compiles each combination with its branches folded away (an
    entry of a whole-cell mean is an index load, a value load and an add).
    See :func:`fold_entries`."""

    def fold(indptr, indices, data, a_lo, row_base, col_lo, col_hi, b_shift, skip_diag, skip,
             ostart, ostop, ofirst, olast, ocells, groups, epix, ew, eptr, list_pix, list_w,
             ascale, bscale, out, sums, bad, mean, seen, n_entry, step, magic, shift, bits, dups):
        a_hi = a_lo + len(indptr) - 1
        skipping = skip.size > 0
        for g in nb.prange(len(groups) - 1):
            lo = np.inf
            hi = -np.inf
            pos = np.inf
            n = 0.0
            outside = 0
            marks = bits[g] if DUPS else bits[0]
            for p in range(groups[g], groups[g + 1]):
                pu = np.uint64(p)
                # a cell also in the previous pixel was counted there
                prev = ostop[p - 1] if p > 0 else -1
                for a in range(max(ostart[p], a_lo), min(ostop[p], a_hi)):
                    k = a - a_lo
                    if skipping and skip[k]:
                        continue
                    sa = 1.0
                    if SCALED:
                        sa = ascale[a]
                        if sa != sa:
                            continue
                    if DUPS:  # a bit per column, set along the row, cleared below
                        d, o = _mark_row(indices, indptr[k], indptr[k + 1], n_entry, marks)
                        if d:  # left for the caller to sum (or to refuse)
                            dups[k] = d
                            outside += o
                            _unmark_row(indices, indptr[k], indptr[k + 1], n_entry, marks)
                            continue
                    wa = _owner_weight(p, a, ostart, ostop, ofirst, olast, ocells)
                    primary = a >= prev
                    if TRACK != NO_RANGE and primary and not (CHECK or SCALED):
                        n += indptr[k + 1] - indptr[k]  # (an add per entry: a chain)
                    r = row_base + k
                    for sx in range(indptr[k], indptr[k + 1]):
                        # unsigned indices from here on: numba tests a signed
                        # one for a negative value on every access (0.8x the time)
                        x = np.uint64(sx)
                        c = np.int64(indices[x])
                        if CHECK and (c < col_lo or c >= col_hi or (skip_diag and c == r)):
                            continue
                        b = c - b_shift
                        if np.uint64(b) >= np.uint64(n_entry):  # (b < 0 too): malformed
                            if primary:  # (counted once, where a row feeds two pixels)
                                outside += 1
                            continue
                        ub = np.uint64(b)
                        if DUPS:
                            marks[ub >> np.uint64(6)] = 0
                        v = np.float64(data[x])
                        if SCALED:
                            sb = bscale[ub]
                            if sb != sb:
                                continue
                            v = v * (sa * sb)
                        finite = FINITE or v - v == 0.0  # (FINITE: known, not tested)
                        if TRACK != NO_RANGE and primary:
                            if CHECK or SCALED:
                                n += 1.0
                            if TRACK == RANGE and finite:
                                if v < lo:
                                    lo = v
                                if v > hi:
                                    hi = v
                                if v > 0.0 and v < pos:
                                    pos = v
                        if KIND == WHOLE:
                            if STEP == BY_MAGIC:  # b // step by a multiply and a shift
                                ju = (ub * magic) >> shift
                            elif STEP == BY_DIVISION:
                                ju = ub // np.uint64(step)
                            else:
                                jl = epix[ub]
                                if jl < 0:
                                    continue
                                ju = np.uint64(jl)
                            if not LEAN:
                                _update(OP, out, pu, ju, wa, v, finite, mean, UNIT)
                            elif finite:
                                sums[pu, ju] += v
                            else:
                                bad[pu, ju] += 1.0
                        elif KIND == TWO:
                            j = epix[b]
                            if j >= 0:
                                _update(OP, out, p, j, wa * ew[b, 0], v, finite, mean)
                                w1 = ew[b, 1]
                                if w1 >= 0.0:
                                    _update(OP, out, p, j + 1, wa * w1, v, finite, mean)
                        else:
                            for q in range(eptr[b], eptr[b + 1]):
                                _update(OP, out, p, list_pix[q], wa * list_w[q], v, finite,
                                        mean)
            seen[g, 0] = n
            seen[g, 1] = lo
            seen[g, 2] = hi
            seen[g, 3] = pos
            seen[g, 4] = outside

    return pjit(fold)


_FOLDS = {}


def fold_entries(indptr, indices, data, a_lo, row_base, col_lo, col_hi, b_shift, skip_diag,
                 skip, owner, groups, entry, ascale, bscale, op, out, mean, seen, track=RANGE,
                 bad=None, duplicates=None, finite=False):
    """Fold stored rows into the raw planes ``out`` (``[owner pixel, entry
    pixel, plane]``; writes in place), in parallel over owner pixels; give
    back how many entries have a cell index outside the entry axis (never
    read: the caller refuses the matrix).

    Stored row ``k`` of the CSR arrays is owner cell ``a_lo + k`` (stored row
    ``row_base + k``, for ``skip_diag``), an entry in column ``c`` the entry
    cell ``c - b_shift``; entries with ``c`` outside ``col_lo:col_hi`` are
    skipped, and those with ``c == row_base + k`` when ``skip_diag``; rows
    with ``skip[k]`` (``skip`` empty: none) too. The owner axis is the
    ``AxisMap`` ``owner``; thread ``g`` folds owner pixels ``groups[g]:groups[g
    + 1]``, every cell of each (a cell in two pixels is read by both), so
    threads never share a pixel. The entry axis is the :class:`EntryAxis`
    ``entry``. ``ascale``/``bscale`` (empty: none) multiply values by the
    owner and entry cell's factor; a NaN factor skips the entry (the caller
    accounts for missing rows). ``track``: :data:`RANGE`: ``seen[g]`` gets
    the entries folded (once each) and their smallest, largest and smallest
    positive finite value; :data:`COUNT_ONLY`: the count alone;
    :data:`NO_RANGE`: nothing. ``bad`` (a plane, for a moments fold with
    every weight 1): ``out`` holds the sums alone, ``bad`` counts the
    non-finite entries (see :attr:`SparseFold.lean`). ``duplicates`` (int64
    zeros, one per row; a lean fold of every column only): a row that
    stores some column twice is not folded, and its count of entries whose
    column an earlier entry stores is written there, for the caller to sum
    them as ``toarray()`` does (:func:`sum_duplicates`) and fold the sums:
    the search costs a bit per column and thread, in the same read of the
    row as the fold. ``finite``: every value is known to be finite (unscaled),
    so none is tested.
    """
    op = K.MOMENTS if op == K.MOMENTS2 else op
    unit = is_unit(op, owner, entry)
    lean = bad is not None
    if lean and not unit:
        raise ValueError("a lean fold needs every weight 1")
    bad = np.zeros((0, 0)) if bad is None else bad
    check = skip_diag or not every_column(col_lo, col_hi, b_shift)
    finding = duplicates is not None
    if finding and (not lean or check):
        raise ValueError("duplicates are found by a lean fold of every column")
    threads = len(groups) - 1
    bits = np.zeros((threads if finding else 1, (entry.n + 63) // 64 if finding else 0),
                    np.uint64)
    dups = duplicates if finding else np.zeros(0, np.int64)
    magic, shift = _divisor(entry.step, entry.n)
    step = LOOKED_UP if entry.step == 0 else BY_MAGIC if magic else BY_DIVISION
    key = (op, entry.kind, ascale.size > 0, int(track), unit, lean, check, step, finding,
           bool(finite) and ascale.size == 0)
    kernel = _FOLDS.get(key)
    if kernel is None:
        kernel = _FOLDS[key] = _make_fold(*key)
    sums = out[:, :, 0] if lean else np.zeros((0, 0))  # (a view: planes are [i, j, 1])
    with KERNEL_LOCK:
        kernel(indptr, indices, data, a_lo, row_base, col_lo, col_hi, b_shift, skip_diag, skip,
               owner.start, owner.stop, owner.first, owner.last, owner.cells, groups,
               entry.pix, entry.w, entry.ptr, entry.list_pix, entry.list_w, ascale, bscale,
               out, sums, bad, mean, seen, entry.n, entry.step, magic, shift, bits, dups)
    return int(seen[:, 4].sum())


def _divisor(step, n):
    """``(magic, shift)`` with ``b // step == (b * magic) >> shift`` for every
    ``0 <= b < n`` in uint64 arithmetic (the round-up method: with ``bits``
    the width of ``n - 1`` and ``shift = bits + ceil(log2 step)``, ``magic =
    ceil(2**shift / step)`` errs by less than one step in ``2**bits``), or
    ``(0, 0)`` (a division then) where the product could pass 64 bits."""
    step, bits = int(step), max(int(n - 1).bit_length(), 1)
    if step < 1 or bits > 31:
        return np.uint64(0), np.uint64(0)
    shift = bits + (step - 1).bit_length()
    return np.uint64(-(-(1 << shift) // step)), np.uint64(shift)


def check_indptr(indptr, n_indices, n_data, rebased=False):
    """Refuse a CSR ``indptr`` that falls, does not start at 0 (``rebased``:
    may start anywhere, the entries counted from there) or points past the
    ``n_indices``/``n_data`` stored entries: numba checks no bounds."""
    if len(indptr) == 0:
        raise ValueError("the sparse matrix is malformed: its indptr is empty")
    first = int(indptr[0])
    size = min(n_indices, n_data)
    if (first != 0 and not rebased) or first < 0 or int(indptr[-1]) - first > size or \
            bool(np.any(indptr[1:] < indptr[:-1])):
        raise ValueError(f"the sparse matrix is malformed: its indptr must rise from 0 to at "
                         f"most its {size} stored entries (check_format() says so too)")


def outside_error(outside, n, shape=None):
    """The ValueError for ``outside`` stored entries whose index is not in ``0:n``."""
    of = "" if shape is None else f" (its shape is {shape})"
    return ValueError(f"the sparse matrix stores {outside} entries with an index outside "
                      f"0..{n - 1}{of}; it is malformed: check_format() says so too")


def every_column(col_lo, col_hi, b_shift):
    """Whether every stored column is a column of the view: no window (the
    caller gave none: ``col_hi=None``) and no shift."""
    return col_lo <= 0 and b_shift == 0 and col_hi == np.iinfo(np.int64).max


def is_unit(op, owner, entry):
    """Whether a fold of state kind ``op`` with ``owner`` (an ``AxisMap``) and
    ``entry`` (an :class:`EntryAxis`) has every weight 1, so its moments
    kernel leaves the finite weights out (see :func:`_update`)."""
    return op in (K.MOMENTS, K.MOMENTS2) and entry.kind == WHOLE and owner.cells.size == 0 \
        and bool(np.all(owner.first == 1.0)) and bool(np.all(owner.last == 1.0))


#: Bytes of per-thread column marks the duplicate search and sum may use
#: (all threads together): a wider matrix sorts each row's columns instead.
MARK_BYTES = 1 << 27


@pjit
def duplicate_rows(indptr, indices, n_cols, splits, bits, dups, outside):
    """Count in ``dups[k]`` the entries of CSR row ``k`` whose column an
    earlier entry of the row stores, and in ``outside[t]`` the column indices
    outside ``0:n_cols`` (writes both in place). Thread ``t`` checks rows
    ``splits[t]:splits[t + 1]`` with its own bit per column ``bits[t]``
    (zeros; set along a row, cleared after it: 12 kB for 10^5 columns), or,
    where ``bits`` has no columns, a sorted copy of each row's columns."""
    for t in nb.prange(len(splits) - 1):
        seen = bits[t]
        out = 0
        for k in range(splits[t], splits[t + 1]):
            lo, hi = indptr[k], indptr[k + 1]
            d = 0
            if seen.size == 0:
                row = np.sort(indices[lo:hi])
                for x in range(len(row)):
                    c = np.int64(row[x])
                    if c < 0 or c >= n_cols:
                        out += 1
                    elif x > 0 and row[x - 1] == row[x]:
                        d += 1
            else:
                d, o = _mark_row(indices, lo, hi, n_cols, seen)
                out += o
                _unmark_row(indices, lo, hi, n_cols, seen)
            dups[k] = d
        outside[t] = out


@pjit
def summed_rows(indptr, indices, data, rows, splits, out_ptr, marks, where, out_indices,
                out_data):
    """Write CSR rows ``rows`` with the entries of each column summed, in the
    order stored (as ``toarray()`` sums them): row ``k`` from ``out_ptr[k]``
    on in ``out_indices``/``out_data`` (in place), columns in the order they
    first appear (as the other rows, read as stored). Thread ``t`` writes
    ``rows[splits[t]:splits[t + 1]]`` with its own marks ``marks[t]`` (-1 to
    start: the last row that stored each column) and ``where[t]`` (that
    column's output position), or, where ``marks`` has no columns, a stable
    sort of each row (columns ascending)."""
    for t in nb.prange(len(splits) - 1):
        mark, pos = marks[t], where[t]
        for r in range(splits[t], splits[t + 1]):
            k = rows[r]
            lo, hi = indptr[k], indptr[k + 1]
            w = out_ptr[k]
            if mark.size == 0:
                order = np.argsort(indices[lo:hi], kind="mergesort")
                for x in range(len(order)):
                    y = lo + order[x]
                    if x > 0 and indices[y] == out_indices[w - 1]:
                        out_data[w - 1] += data[y]
                    else:
                        out_indices[w] = indices[y]
                        out_data[w] = data[y]
                        w += 1
                continue
            for sy in range(lo, hi):
                y = np.uint64(sy)  # (unsigned: no negative-index test)
                c = np.uint64(indices[y])
                if mark[c] == k:
                    out_data[pos[c]] += data[y]
                else:
                    mark[c] = k
                    pos[c] = w
                    out_indices[w] = indices[y]
                    out_data[w] = data[y]
                    w += 1


@pjit
def entries_range(indptr, data, skip, splits, seen):
    """``seen[t]`` = the count of the entries in CSR rows ``splits[t]:splits[t
    + 1]`` (rows with ``skip[k]`` left out; ``skip`` empty: none) and the
    smallest, largest and smallest positive of their finite values (writes
    in place): the range an unscaled, unwindowed fold gathers, in one pass
    over the values in memory order instead of inside the scattered adds."""
    skipping = skip.size > 0
    for t in nb.prange(len(splits) - 1):
        lo = np.inf
        hi = -np.inf
        pos = np.inf
        n = 0.0
        for k in range(splits[t], splits[t + 1]):
            if skipping and skip[k]:
                continue
            n += indptr[k + 1] - indptr[k]
            for x in range(indptr[k], indptr[k + 1]):
                v = np.float64(data[np.uint64(x)])  # (unsigned: no negative-index test)
                if v - v == 0.0:
                    if v < lo:
                        lo = v
                    if v > hi:
                        hi = v
                    if v > 0.0 and v < pos:
                        pos = v
        seen[t, 0] = n
        seen[t, 1] = lo
        seen[t, 2] = hi
        seen[t, 3] = pos


#: Largest int64: the keys' "none yet".
_BIG = np.iinfo(np.int64).max


@pjit
def _value_keys(bits, floating, sign, exp, splits, keys):
    """``keys[t, :3]`` = the smallest, largest and smallest positive finite
    value of ``bits[splits[t]:splits[t + 1]]`` as integer keys that order as
    the values do (for floats :data:`_BIG`: none, which no finite float's key
    reaches), ``keys[t, 3]`` how many are not finite (writes in place). The
    keys are the values themselves, or (``floating``) their IEEE bits with the
    magnitude flipped where negative (``sign``: the sign bit's position,
    ``exp``: the exponent mask; -0.0 orders below 0.0). Integer selects only,
    so the loop runs on SIMD lanes: one pass at memory speed, where three
    compares per entry inside the scattered adds cost more (:func:`value_range`)."""
    mag = (np.int64(1) << sign) - 1
    for t in nb.prange(len(splits) - 1):
        lo, hi, pos = _BIG, -_BIG - 1, _BIG
        bad = 0
        part = bits[splits[t]:splits[t + 1]]  # (indices from 0: no wraparound test, SIMD)
        if floating:
            for x in range(len(part)):
                u = np.int64(part[x])
                key = u ^ ((u >> sign) & mag)
                finite = (u & exp) != exp
                bad += 1 - np.int64(finite)
                lo = min(lo, key if finite else _BIG)
                hi = max(hi, key if finite else -_BIG - 1)
                pos = min(pos, key if finite & (key > 0) else _BIG)  # (& not and: no branch)
        else:
            for x in range(len(part)):
                key = np.int64(part[x])
                lo = min(lo, key)
                hi = max(hi, key)
                pos = min(pos, key if key > 0 else _BIG)
        keys[t, 0] = lo
        keys[t, 1] = hi
        keys[t, 2] = pos
        keys[t, 3] = bad


def value_range(data, threads):
    """``(smallest, largest, smallest positive finite value, whether every
    value is finite)`` of the 1-D ``data`` (inf, -inf, inf where none) in one
    parallel pass, or None where its dtype has no integer keys here (uint64,
    float16, not native byte order, ...: the caller's own pass then)."""
    kind, size = data.dtype.kind, data.dtype.itemsize
    keyed = kind == "f" and size in (4, 8) or kind == "i" or kind == "u" and size < 8
    if not (keyed and data.flags.c_contiguous and data.dtype.isnative):
        return None
    floating = kind == "f"
    sign = 8 * size - 1
    bits = data.view(np.dtype(f"i{size}")) if floating else data
    exp = (0x7F800000 if size == 4 else 0x7FF0000000000000) if floating else 0
    n = len(data)
    splits = np.linspace(0, n, max(1, min(threads, n // MIN_PER_THREAD)) + 1).astype(np.int64)
    keys = np.zeros((len(splits) - 1, 4), np.int64)
    with KERNEL_LOCK:
        _value_keys(bits, floating, sign, exp, splits, keys)
    lo, hi, pos = int(keys[:, 0].min()), int(keys[:, 1].max()), int(keys[:, 2].min())
    finite = not keys[:, 3].any()
    if not floating:  # every value is finite: an int64's extremes are values, not "none"
        if n == 0:
            return np.inf, -np.inf, np.inf, True
        return float(lo), float(hi), float(pos) if hi > 0 else np.inf, True
    if lo == _BIG:
        return np.inf, -np.inf, np.inf, finite

    def value(k):
        u = k ^ ((k >> sign) & ((1 << sign) - 1))
        return float(np.array(u, bits.dtype).view(data.dtype))

    return value(lo), value(hi), value(pos) if pos != _BIG else np.inf, finite


@jit
def _merge_mirror(op, out, mirror):
    """Add the transposed view's raw planes ``mirror`` (``[j, i, plane]``)
    into ``out`` (``[i, j, plane]``) in place, by the rule of the planes."""
    h, w, planes = out.shape
    for i in range(h):
        for j in range(w):
            if op == PICK:
                if mirror[j, i, 1] > 0.0:
                    out[i, j, 0] = mirror[j, i, 0]
                    out[i, j, 1] = 1.0
            elif op == K.MIN or op == K.MAX or op == K.ABSMAX:
                v = mirror[j, i, 0]
                if v == v and _better(op, v, out[i, j, 0]):
                    out[i, j, 0] = v
                out[i, j, 1] += mirror[j, i, 1]
            else:
                for k in range(planes):
                    out[i, j, k] += mirror[j, i, k]


@jit
def _fill_unit(planes):
    """A unit moments fold's finite weights, in place: touched minus non-finite."""
    h, w, _ = planes.shape
    for i in range(h):
        for j in range(w):
            planes[i, j, 1] = planes[i, j, 3] - planes[i, j, 2]


@pjit
def _make_state(op, zero, planes, bad, r_total, r_count, c_total, c_count, state):
    """The reduction state (``state[:k]``, in place) from the settled raw
    planes ``planes`` (``[i, j, plane]``; a lean fold's sums, with ``bad``
    its non-finite counts) and each axis' cell weight and count per pixel
    (implicit cells: ``zero`` or missing). A moment's weight is the
    stored weight where every cell is stored, else the cells' total minus
    the non-finite (``op`` MEANS: ``state[0]`` gets the mean, as
    :func:`fastheat.aggregation._kernels.divide_rows` divides); an extreme
    takes in 0 where some cell is implicit; a count is every cell but the
    non-finite ones (``zero``) or the finite stored entries."""
    h, w, _ = planes.shape
    lean = bad.size > 0
    for i in nb.prange(h):
        for j in range(w):
            # some cell implicit (a lean fold has no touched plane, nor needs one)
            rest = zero and not lean and r_count[i] * c_count[j] - planes[i, j, -1] > 0.5
            if op == K.MOMENTS or op == K.MOMENTS2 or op == K.MEANS:
                if lean:  # every weight 1: the stored weight is the cells' too
                    weight = max(r_total[i] * c_total[j] - bad[i, j], 0.0)
                elif rest:
                    weight = max(r_total[i] * c_total[j] - planes[i, j, 2], 0.0)
                else:
                    weight = planes[i, j, 1]
                if op == K.MEANS:
                    state[0, i, j] = K._quotient(planes[i, j, 0], weight)
                else:
                    state[0, i, j] = planes[i, j, 0]
                    state[1, i, j] = weight
            elif op == K.COUNT:
                if zero:
                    state[0, i, j] = r_count[i] * c_count[j] - planes[i, j, 1]
                else:
                    state[0, i, j] = planes[i, j, 0]
            else:
                ext = planes[i, j, 0]
                if rest and _better(op, 0.0, ext):
                    ext = 0.0
                state[0, i, j] = ext


def thread_splits(indptr, threads=None):
    """Row boundaries giving each thread about the same number of entries."""
    n_rows, nnz = len(indptr) - 1, int(indptr[-1])
    threads = threads or nb.get_num_threads()
    threads = max(1, min(threads, n_rows, nnz // MIN_PER_THREAD or 1))
    targets = np.arange(1, threads) * (nnz / threads)
    inner = np.searchsorted(indptr, targets)
    return np.unique(np.concatenate([[0], np.clip(inner, 0, n_rows), [n_rows]])).astype(np.int64)


def find_duplicates(indptr, indices, n_cols):
    """``(dups, out of range)``: per CSR row the count of its entries whose
    column an earlier entry of the row stores (int64), and how many column
    indices lie outside ``0:n_cols``."""
    indptr = np.ascontiguousarray(indptr, np.int64)
    dups = np.zeros(len(indptr) - 1, np.int64)
    splits = thread_splits(indptr)
    threads = len(splits) - 1
    words = (n_cols + 63) // 64
    bits = np.zeros((threads, words if threads * words * 8 <= MARK_BYTES else 0), np.uint64)
    outside = np.zeros(threads, np.int64)
    with KERNEL_LOCK:
        duplicate_rows(indptr, indices, n_cols, splits, bits, dups, outside)
    return dups, int(outside.sum())


def sum_duplicates(indptr, indices, data, dups, n_cols):
    """The CSR rows with duplicates (``dups``: :func:`find_duplicates`'s
    counts; columns checked to lie in ``0:n_cols``) alone, each column's
    entries summed as ``toarray()`` sums them: ``(indptr, indices, data)``
    with every other row empty; bool values are summed as ints and given
    back as bool (True where any is)."""
    indptr = np.ascontiguousarray(indptr, np.int64)
    rows = np.flatnonzero(dups).astype(np.int64)
    lengths = np.zeros(len(indptr) - 1, np.int64)
    lengths[rows] = indptr[rows + 1] - indptr[rows] - dups[rows]
    out_ptr = np.zeros(len(indptr), np.int64)
    np.cumsum(lengths, out=out_ptr[1:])
    boolean = data.dtype == np.bool_
    out_indices = np.empty(out_ptr[-1], indices.dtype)
    out_data = np.empty(out_ptr[-1], np.int64 if boolean else data.dtype)
    work = np.zeros(len(rows) + 1, np.int64)
    np.cumsum(indptr[rows + 1] - indptr[rows], out=work[1:])
    splits = thread_splits(work)
    threads = len(splits) - 1
    # marks pay off where the rows hold more entries than the marks' columns
    # (setting 16 bytes a column; 5·10^5 entries in 5000 rows of 10^6 columns:
    # sorting each row took 23-28 ms, marks 33-45 ms)
    cols = n_cols if threads * n_cols * 16 <= MARK_BYTES and work[-1] >= n_cols else 0
    marks = np.full((threads, cols), -1, np.int64)
    where = np.empty((threads, cols), np.int64)
    with KERNEL_LOCK:
        summed_rows(indptr, indices, data.view(np.uint8) if boolean else data, rows, splits,
                    out_ptr, marks, where, out_indices, out_data)
    return out_ptr, out_indices, out_data != 0 if boolean else out_data


def owner_groups(geometry, indptr, a_lo, threads):
    """Owner pixel boundaries giving each thread about the same number of
    entries, over the pixels that owner cells ``a_lo:a_lo + rows`` feed."""
    start, stop = geometry.start, geometry.stop
    a_hi = a_lo + len(indptr) - 1
    p0 = int(np.searchsorted(stop, a_lo, "right"))
    p1 = max(p0, int(np.searchsorted(start, a_hi, "left")))
    nnz = int(indptr[-1])
    threads = max(1, min(threads, p1 - p0, nnz // MIN_PER_THREAD or 1))
    if threads == 1:
        return np.array([p0, p1], np.int64)
    s = np.clip(start[p0:p1], a_lo, a_hi) - a_lo
    e = np.clip(stop[p0:p1], a_lo, a_hi) - a_lo
    cum = np.cumsum(indptr[e] - indptr[s])
    inner = p0 + 1 + np.searchsorted(cum, np.arange(1, threads) * (cum[-1] / threads))
    return np.unique(np.concatenate([[p0], np.clip(inner, p0, p1), [p1]])).astype(np.int64)


class SparseFold:
    """The fold of one plan over stored entries, fed CSR row blocks in any
    order (:meth:`add`), then turned into the reduction's state (:meth:`state`)
    or, for a mean, straight into its values (:meth:`means`).

    ``plan`` is a :class:`~fastheat.aggregation.fold.Plan` (or an uneven plan)
    of the view: ``plan.n_rows x plan.n_cols`` cells. ``rscale``/``cscale``
    are factors per view row/column (NaN: the row or column is missing
    whole), e.g. balancing weights. ``mean`` makes it std's second pass;
    ``pick`` (the rows and columns under the pixel centres) makes it
    ``reduce="nearest"``'s; ``track`` gathers the range of the entries
    (for :meth:`state` ``(track=True)`` and :meth:`data_range`).
    """

    def __init__(self, plan, *, implicit="zero", rscale=None, cscale=None, mean=None,
                 pick=None, track=False):
        self.plan, self.implicit = plan, check_implicit(implicit)
        self.track = bool(track)
        self.reduction = plan.reduction
        op = self.reduction.code
        self.op = PICK if pick is not None else DEVIATIONS if mean is not None else op
        if rscale is not None and cscale is None or rscale is None and cscale is not None:
            raise ValueError("rscale and cscale go together")
        empty = np.zeros(0)
        self.rscale = empty if rscale is None else np.ascontiguousarray(rscale, np.float64)
        self.cscale = empty if cscale is None else np.ascontiguousarray(cscale, np.float64)
        bad_r = None if rscale is None else ~np.isfinite(self.rscale)
        bad_c = None if cscale is None else ~np.isfinite(self.cscale)
        self.mean = np.zeros((1, 1)) if mean is None else np.ascontiguousarray(mean, np.float64)
        if pick is None:
            self.row_map, self.col_map = plan.rows, plan.cols
            self.rows = EntryAxis(plan.rows, plan.n_rows, bad_r)
            self.cols = EntryAxis(plan.cols, plan.n_cols, bad_c)
        else:
            rows, cols = pick
            self.row_map = _pick_map(rows)
            self.col_map = _pick_map(cols)
            self.rows = EntryAxis(None, plan.n_rows, bad_r, pick=rows)
            self.cols = EntryAxis(None, plan.n_cols, bad_c, pick=cols)
        self.shape = (len(self.row_map.start), len(self.col_map.start))
        self.threads = nb.get_num_threads()
        # planes folded with every weight 1 (direct, mirrored; see _update)
        self.unit = (is_unit(self.op, self.row_map, self.cols),
                     is_unit(self.op, self.col_map, self.rows))
        #: A mean or sum of whole cells with implicit zeros: a pixel's weight is
        #: its cells' minus the non-finite ones, so the planes hold the sums
        #: alone (8 bytes a pixel, not 32: the rows a thread writes stay in
        #: cache) and ``bad`` the non-finite counts (pages touched only by them).
        self.lean = self.op == K.MOMENTS and self.implicit == "zero" and all(self.unit)
        self.planes = self._new_planes(self.shape)
        self.bad = np.zeros(self.shape) if self.lean else None
        self.mirror = None  # the transposed view's planes, made on the first mirrored block
        self.settled = False
        self.seen = np.array([0.0, np.inf, -np.inf, np.inf])

    def _new_planes(self, shape):
        # refused before allocating: the raw planes, then the state or values
        n = 2 if self.lean else _RAW[self.op]  # (lean: the sums and ``bad``)
        check_state_memory((n + self.reduction.planes,) + shape, self.reduction.name)
        planes = np.zeros(shape + (1 if self.lean else n,))
        if self.op in (K.MIN, K.MAX, K.ABSMAX):
            planes[..., 0] = np.nan
        return planes

    def add(self, indptr, indices, data, *, row_base=0, col_lo=0, col_hi=None, r_shift=0,
            c_shift=0, mode=DIRECT, skip=None, duplicates=None):
        """Fold CSR rows (row ``k`` is stored row ``row_base + k``; rows with
        ``skip[k]`` left out) into the planes. Entries whose column lies
        outside ``col_lo:col_hi`` are skipped. ``mode`` DIRECT: entry
        ``(r, c)`` is view cell ``(r - r_shift, c - c_shift)``; MIRROR: view
        cell ``(c - r_shift, r - c_shift)``, diagonal entries skipped; BOTH:
        both (the diagonal once). ``duplicates`` (DIRECT, every column, where
        :meth:`finds_duplicates`): rows that store a column twice are left
        out and counted there, as :func:`fold_entries` says. ``indptr`` may
        start past 0 (a slice of a larger matrix's: ``indices`` and ``data``
        are then the slice's own). A malformed block is refused with a
        ValueError: an ``indptr`` that falls or runs past the entries before
        anything is read, a column index outside the matrix when the fold
        meets it (no array is indexed with it; the planes are then unusable)."""
        check_indptr(indptr, len(indices), len(data), rebased=True)
        if len(indptr) < 2 or indptr[-1] == indptr[0]:
            return
        indptr = np.ascontiguousarray(indptr, np.int64)
        if indptr[0] != 0:
            indptr = indptr - indptr[0]
        col_hi = np.iinfo(np.int64).max if col_hi is None else col_hi
        skip = np.zeros(0, np.uint8) if skip is None else np.ascontiguousarray(skip, np.uint8)
        if duplicates is not None and (mode != DIRECT or not self.finds_duplicates(
                self.plan.n_cols) or not every_column(col_lo, col_hi, c_shift)):
            raise ValueError("duplicates are found by a lean direct fold of every column")
        if mode in (DIRECT, BOTH):
            self._fold(indptr, indices, data, row_base, col_lo, col_hi, skip,
                       row_base - r_shift, c_shift, False, mode == BOTH, duplicates)
        if mode in (MIRROR, BOTH):
            self._fold(indptr, indices, data, row_base, col_lo, col_hi, skip,
                       row_base - c_shift, r_shift, True, mode == BOTH)

    def finds_duplicates(self, n_cols):
        """Whether :meth:`add` can find the rows that store one of ``n_cols``
        columns twice while folding (``duplicates=``): a lean fold (a whole-cell
        mean or sum with implicit zeros), its per-thread column bits within
        :data:`MARK_BYTES`."""
        return self.lean and self.threads * ((n_cols + 63) // 64) * 8 <= MARK_BYTES

    def _fold(self, indptr, indices, data, row_base, col_lo, col_hi, skip, a_lo, b_shift,
              mirror, both, duplicates=None):
        if mirror:  # owned by the transposed view's rows: the view's columns
            owner, entry, ascale, bscale = self.col_map, self.rows, self.cscale, self.rscale
            if self.mirror is None:
                self.mirror = self._new_planes(self.shape[::-1])
                self.mirror_bad = np.zeros(self.shape[::-1]) if self.lean else None
                if self.op == DEVIATIONS:
                    self.mean_t = np.ascontiguousarray(self.mean.T)
            out, bad, mean = self.mirror, self.mirror_bad, getattr(self, "mean_t", self.mean)
        else:
            owner, entry, ascale, bscale = self.row_map, self.cols, self.rscale, self.cscale
            out, bad, mean = self.planes, self.bad, self.mean
        groups = owner_groups(owner, indptr, a_lo, self.threads)
        seen = kernel_seen = np.zeros((len(groups) - 1, 5))
        track = NO_RANGE
        found = None  # (value_range of every row)
        finite = data.dtype.kind in "biu"  # every value finite: the fold tests none
        if self.track and self.op not in (DEVIATIONS, PICK):
            # every entry in view, values as stored: the range is the values'
            n_owner = self.plan.n_cols if mirror else self.plan.n_rows
            whole = ascale.size == 0 and every_column(col_lo, col_hi, b_shift) and \
                0 <= a_lo and a_lo + len(indptr) - 1 <= n_owner
            track = RANGE
            # every value stored is read (but the rows with duplicates, settled
            # after the fold by _kept_range): one pass over them in memory order
            # on SIMD lanes (0.017 s for 10^8 float32, against 0.027 s of three
            # compares per entry in the fold), which also tells the fold
            # whether it must test each value; else, for rows left out or
            # values without keys, a scalar pass unless the fold is cheap
            # enough that the compares in it cost less (a computed pixel)
            if whole and not mirror and skip.size == 0:
                found = value_range(data[:indptr[-1]], self.threads)
            inline = duplicates is not None or entry.step > 0
            if found is not None:
                track = NO_RANGE
                seen = np.array([[float(indptr[-1]), *found[:3]]])
                finite = found[3]  # the fold need not test each value
            elif whole and not mirror and not inline:
                track = NO_RANGE
                splits = thread_splits(indptr, self.threads)
                seen = np.zeros((len(splits) - 1, 4))
                with KERNEL_LOCK:
                    entries_range(indptr, data, skip, splits, seen)
            elif whole and both and mirror:  # the direct pass saw these values
                track = COUNT_ONLY
        outside = fold_entries(indptr, indices, data, a_lo, row_base, col_lo, col_hi, b_shift,
                               mirror, skip, owner, groups, entry, ascale, bscale, self.op, out,
                               mean, kernel_seen, track, bad, duplicates, finite)
        if outside:
            raise outside_error(outside, entry.n)
        if found is not None and duplicates is not None and duplicates.any():
            seen = self._kept_range(found, indptr, data, duplicates)
        if self.track and len(seen):
            self.seen = np.array([self.seen[0] + seen[:, 0].sum(),
                                  min(self.seen[1], seen[:, 1].min()),
                                  max(self.seen[2], seen[:, 2].max()),
                                  min(self.seen[3], seen[:, 3].min())])

    def _kept_range(self, found, indptr, data, dups):
        """``seen`` of the rows a duplicate-finding fold kept (``dups[k]``
        zero), from ``found``, :func:`value_range` of every row: the same
        where the rows it left out hold none of its extremes (a scan of those
        rows alone), else a scalar pass over the rows kept."""
        lo, hi, pos = found[:3]
        left_out = (dups != 0).view(np.uint8)
        splits = thread_splits(indptr, self.threads)
        part = np.zeros((len(splits) - 1, 4))
        with KERNEL_LOCK:
            entries_range(indptr, data, 1 - left_out, splits, part)
        n = float(indptr[-1]) - part[:, 0].sum()
        if lo == np.inf or (part[:, 1].min() > lo and part[:, 2].max() < hi and
                            (pos == np.inf or part[:, 3].min() > pos)):
            return np.array([[n, lo, hi, pos]])
        with KERNEL_LOCK:
            entries_range(indptr, data, left_out, splits, part)
        return part

    def _settle(self):
        """Make the unit planes' finite weights and add the mirrored planes in (once)."""
        if self.settled:
            return
        with KERNEL_LOCK:
            if self.unit[0] and not self.lean:
                _fill_unit(self.planes)
            if self.mirror is not None:
                if self.unit[1] and not self.lean:
                    _fill_unit(self.mirror)
                _merge_mirror(self.op, self.planes, self.mirror)
                if self.lean:
                    self.bad += self.mirror_bad.T
        self.mirror = self.mirror_bad = None
        self.settled = True

    def raw(self):
        """The raw planes (the mirrored ones added in), plane-major ``[plane, i, j]``
        (not of a lean fold: std and nearest's folds are never lean)."""
        self._settle()
        return np.ascontiguousarray(self.planes.transpose(2, 0, 1))

    def implicit_cells(self):
        """``(weight, count)`` per pixel of the cells that are not missing whole."""
        return np.multiply.outer(self.rows.total, self.cols.total), \
            np.multiply.outer(self.rows.count, self.cols.count)

    def state(self, track=False):
        """The reduction's state (as the dense path would give it for the
        matrix made dense, implicit cells zeros or missing), with the input's
        range planes when ``track``."""
        red = self.reduction
        state = red.new_state((self.plan.height, self.plan.width), track)
        self._make(red.code, state)
        if track:
            p = red.planes
            state[p:, 0, 0] = self._found()
        return state

    def means(self):
        """A mean's values, divided straight from the raw planes (no state):
        what :meth:`state` then :meth:`~fastheat.aggregation.fold.Plan.finish`
        give, but for NaN's sign bit."""
        values = np.empty((1, self.plan.height, self.plan.width))
        self._make(K.MEANS, values)
        return values[0]

    def _make(self, op, state):
        assert state.shape[1:] == self.planes.shape[:2]  # the kernel trusts it
        self._settle()
        with KERNEL_LOCK:
            _make_state(op, self.implicit == "zero", self.planes,
                        np.zeros((0, 0)) if self.bad is None else self.bad, self.rows.total,
                        self.rows.count, self.cols.total, self.cols.count, state)

    def _found(self):
        """The smallest, largest and smallest positive finite value of the
        matrix (NaN: none), implicit zeros included (``track=True`` needed)."""
        if not self.track:
            raise ValueError("the input's range needs SparseFold(track=True)")
        n, lo, hi, pos = self.seen
        if self.implicit == "zero" and self.rows.good * self.cols.good > n:
            lo, hi = min(lo, 0.0), max(hi, 0.0)  # some implicit zero was read
        if lo > hi:
            return np.nan, np.nan, np.nan
        return lo, hi, pos if pos < np.inf else np.nan

    def data_range(self):
        """The input's :class:`~fastheat.aggregation.reductions.DataRange`."""
        return self.reduction.range_of(*self._found())

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

    def picked(self, rows, cols):
        """``reduce="nearest"``'s values: the stored entries picked, implicit
        cells 0 (NaN with ``implicit="missing"``), NaN where the row or column
        is missing whole or the value is not finite."""
        value, written = self.raw()
        fill = 0.0 if self.implicit == "zero" else np.nan
        out = np.where(written > 0, value, fill)
        if self.rscale.size:
            bad = ~np.isfinite(self.rscale[rows])[:, None] | ~np.isfinite(self.cscale[cols])
            out[bad] = np.nan
        # a cell under several pixel centres (never when downsampling) was
        # written at its first pixel (or, mirrored, its first row): the others copy it
        out = out[self.rows.pix[rows]][:, self.cols.pix[cols]]
        out[np.isinf(out)] = np.nan
        return out


def _pick_map(cells):
    """The owner-axis map of nearest's picks: each pixel reads its one cell."""
    cells = np.ascontiguousarray(cells, np.int64)
    one = np.ones(len(cells))
    return AxisMap(cells, cells + 1, one, one, np.zeros(0))


def fold_sparse(plan, feed, *, implicit="zero", scales=(None, None), track=False):
    """The state of ``plan`` over stored entries: ``feed(fold)`` calls
    ``fold.add(...)`` with every block of CSR rows (once per pass: std reads
    twice, the mean first)."""
    return _fold_sparse(plan, feed, implicit, scales, track, track)[0]


def sparse_values(plan, feed, *, implicit="zero", scales=(None, None), track=False):
    """``(values, data_range)``: the values of ``plan`` over stored entries
    (``feed`` as :func:`fold_sparse`'s) and, with ``track``, the input's
    :class:`~fastheat.aggregation.reductions.DataRange` (else None). A mean
    is divided straight from the raw planes; no state has range planes."""
    if plan.reduction.name == "mean":
        fold = _fed(plan, feed, implicit, scales, track=track)
        values = fold.means()
    else:
        state, fold = _fold_sparse(plan, feed, implicit, scales, track, False)
        values = plan.finish(state)
    return values, fold.data_range() if track else None


def _fold_sparse(plan, feed, implicit, scales, track, range_planes):
    """``(state, first pass)`` of :func:`fold_sparse`; ``track``: the first
    pass gathers the input's range, ``range_planes``: the state holds it."""
    first = _fed(plan, feed, implicit, scales, track=track)
    state = first.state(range_planes)
    if plan.reduction.code == K.MOMENTS2:
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(state[1] > 0, state[0] / state[1], 0.0)
        second = _fed(plan, feed, implicit, scales, mean=mean)
        state[2] = second.deviations(first.raw())
    return state, first


def _fed(plan, feed, implicit, scales, **kwargs):
    """A :class:`SparseFold` of ``plan`` with every block of ``feed`` folded in."""
    rscale, cscale = scales
    fold = SparseFold(plan, implicit=implicit, rscale=rscale, cscale=cscale, **kwargs)
    feed(fold)
    return fold


def pick_sparse(plan, feed, *, implicit="zero", scales=(None, None)):
    """``reduce="nearest"``: the cells under the pixel centres, float64,
    implicit cells 0 (or NaN with ``implicit="missing"``); ``feed(picker)``
    calls ``picker.add(...)`` like :func:`fold_sparse`'s."""
    rows, cols = plan.nearest_index()
    return _fed(plan, feed, implicit, scales, pick=(rows, cols)).picked(rows, cols)


__all__ = ["IMPLICIT", "SparseFold", "fold_sparse", "pick_sparse", "find_duplicates",
           "check_indptr", "outside_error",
           "sum_duplicates", "sparse_values", "REDUCTIONS"]
