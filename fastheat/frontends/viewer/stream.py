"""One streaming pass over a matrix: every coarse level, and the norm's grid.

The pixels of the viewer's coarse levels do not nest: an edge tile of ``c``
cells has ``ceil(c / f)`` pixels of ``c / ceil(c / f)`` cells each (30,000
cells: the one tile of level 8 has 235 pixels of 127.66 cells). So the
finest level's states cannot be merged into the coarser ones exactly. What
does nest is the common refinement of all of them: *atoms*, the maximal
runs of cells that every grid's pixel boundaries leave whole,
each split cell an atom of its own. Within an atom every grid gives every
cell the same weight, so a pixel's state is exactly the weighted merge of
its atoms' states (a sum: ``sum(w * x) = w * sum(x)`` over the atom).

The pass reads the matrix once, in row bands of whole atoms (a helper thread
maps the next band in, as :mod:`fastheat.sources.memmap` does; folded bands
are dropped from the mapping). Each band is folded once, into the atoms'
states, with fastheat's kernel (:func:`fastheat.aggregation.fold.fold_array`:
any dtype, layout, mask), which are then merged into every coarse level
(:func:`_spread`, at about ``1 / 250`` of the input's size). A coarse level
keeps only its current tile row of states; finished tile rows go to the
pyramid's caches at once, so memory stays bounded by a band plus one tile
row per level, whatever the file's size. The *overview* level (the coarse
level nearest 1000 px a side: the tiles a screen shows the whole matrix
with) is also put together into one grid, the norm's, with the input's
range gathered in the same fold.

Values equal :func:`fastheat.aggregate` of each tile's window to float64
rounding (sums are grouped
differently: atom by atom, band by band), exactly for min, max, absmax and
count.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ...aggregation import _kernels as K
from ...aggregation.fold import Plan, bin_groups, fold_array
from ...aggregation.geometry import AxisMap, axis_map
from ...aggregation.reductions import DataRange
from ...aggregation.reductions import reduction as get_reduction
from ...sources.array import ArraySource
from ...sources.memmap import _MADV_DONTNEED, _advise, _prefetch

#: The side of a tile in pixels (the pyramid's geometry, :mod:`.core`, takes it from here).
TILE = 256
#: Input bytes per band of the pass (at most: bands also end on the finest
#: level's tile rows): the helper thread maps the next band in while the
#: kernel folds this one, and each band ends with the kernel's threads
#: waiting for the slowest (few, large bands are faster on a busy machine).
BAND_BYTES = 512 << 20
_NONE = np.zeros(0)


class _AtomPlan:
    """The fields :meth:`Plan.fold` and :func:`fold_array` read, for a grid
    whose "pixels" are atoms (weights 1)."""

    def __init__(self, reduction, rows, cols, track):
        self.reduction, self.op, self.track = reduction, reduction.code, track
        self.rows, self.cols = rows, cols

    fold = Plan.fold


def level_axis(n, f, tile):
    """One axis of a pyramid level (``f`` cells per pixel) as a single
    :class:`AxisMap` over all ``n`` cells: each tile's own map, side by side
    (tile ``t``'s pixels are ``t * tile ..``)."""
    span = tile * f
    parts = []
    for lo in range(0, n, span):
        hi = min(lo + span, n)
        m = axis_map(hi - lo, -(-(hi - lo) // f))
        parts.append((m.start + lo, m.stop + lo, m.first, m.last))
    return AxisMap(*(np.concatenate([p[k] for p in parts]) for k in range(4)), _NONE)


def atoms(maps, n, cuts=()):
    """The atoms of one axis under the grids ``maps``: sorted cut positions
    (``0 .. n``); atom ``k`` is cells ``cut[k]:cut[k + 1]``. Extra ``cuts``
    (band boundaries) are added."""
    parts = [np.array([0, n], np.int64), np.asarray(cuts, np.int64)]
    for m in maps:
        parts += [m.start, m.stop, (m.start + 1)[m.first < 1], (m.stop - 1)[m.last < 1]]
    return np.unique(np.concatenate(parts))


def atom_targets(m, cut):
    """Where each atom (left cells ``cut[:-1]``) goes in the grid ``m``: the
    ``(k, 2)`` pixel indices (-1: none) and weights of the one or two pixels
    holding its cells (two for a split cell)."""
    a = cut[:-1]
    n_px = len(m.start)
    i0 = np.searchsorted(m.stop, a, "right")
    i1 = np.minimum(i0 + 1, n_px - 1)
    second = (i0 + 1 < n_px) & (m.start[i1] <= a)
    px = np.stack([i0, np.where(second, i0 + 1, -1)], axis=1).astype(np.int64)

    def weight(i):
        return np.where(a == m.start[i], m.first[i], np.where(a == m.stop[i] - 1, m.last[i], 1.0))

    w = np.stack([weight(i0), np.where(second, weight(i1), 0.0)], axis=1)
    return px, w


@K.jit
def _spread(op, src, planes, rp, rw, r_off, cp, cw, dst):
    """Merge the atom states ``src`` (``planes`` planes first) into the
    grid state ``dst`` in place: atom ``(r, c)`` goes to pixels ``rp[r, a] -
    r_off, cp[c, b]`` with weight ``rw[r, a] * cw[c, b]`` (a pixel index -1:
    none), by the rule of state kind ``op`` (weighted sums; std's squared
    deviations by Chan's rule; counts and extremes unweighted)."""
    for r in range(src.shape[1]):
        for a in range(2):
            i = rp[r, a]
            if i < 0:
                continue
            i -= r_off
            wr = rw[r, a]
            for c in range(src.shape[2]):
                for b in range(2):
                    j = cp[c, b]
                    if j < 0:
                        continue
                    w = wr * cw[c, b]
                    if op == K.MOMENTS:
                        dst[0, i, j] += w * src[0, r, c]
                        dst[1, i, j] += w * src[1, r, c]
                    elif op == K.MOMENTS2:
                        wb = w * src[1, r, c]
                        if wb > 0:
                            sb = w * src[0, r, c]
                            wa = dst[1, i, j]
                            q = dst[2, i, j] + w * src[2, r, c]
                            if wa > 0:
                                q += K._chan_shift(dst[0, i, j], wa, sb, wb)
                            dst[0, i, j] += sb
                            dst[1, i, j] += wb
                            dst[2, i, j] = q
                    elif op == K.COUNT:
                        if w > 0:
                            dst[0, i, j] += src[0, r, c]
                    else:
                        v = src[0, r, c]
                        if w > 0 and v == v and K._better(op, v, dst[0, i, j]):
                            dst[0, i, j] = v


def _finish(reduction, state):
    if reduction.name == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.divide(state[0], state[1], out=state[0])
    return reduction.values(state)


class _Grid:
    """One target of the pass: the whole view (all rows kept) or a coarse
    level (one tile row of states at a time)."""

    def __init__(self, reduction, rows, cols, rcut, ccut, level=None, tile=None, f=None):
        self.reduction, self.level, self.tile, self.f = reduction, level, tile, f
        self.rows, self.cols = rows, cols
        self.rp, self.rw = atom_targets(rows, rcut)
        self.cp, self.cw = atom_targets(cols, ccut)
        self.t = 0  # the tile row held (levels)
        self.state = self._strip()

    def _strip(self):
        if self.level is None:
            return self.reduction.new_state((len(self.rows.start), len(self.cols.start)))
        lo = self.t * self.tile
        h = min(self.tile, len(self.rows.start) - lo)
        return self.reduction.new_state((h, len(self.cols.start))) if h > 0 else None

    def add(self, src, a0, a1):
        off = 0 if self.level is None else self.t * self.tile
        _spread(self.reduction.code, src, self.reduction.planes, self.rp[a0:a1],
                self.rw[a0:a1], off, self.cp, self.cw, self.state)

    def tile_rows_done(self, row_end, n_rows):
        """Whether the held tile row's cells all lie above ``row_end``."""
        span = self.tile * self.f
        return self.state is not None and row_end >= min((self.t + 1) * span, n_rows)

    def pop_tiles(self):
        """The finished tiles ``(level, x, y, values)`` of the held tile row,
        and the next tile row's fresh states."""
        values = _finish(self.reduction, self.state)
        out = []
        for x, j in enumerate(range(0, values.shape[1], self.tile)):
            v = np.ascontiguousarray(values[:, j:j + self.tile])
            v.flags.writeable = False
            out.append((self.level, x, self.t, v))
        self.t += 1
        self.state = self._strip()
        return out


def supported(pyramid):
    """Whether :func:`build` can stream ``pyramid``'s matrix (an in-memory or
    memory-mapped array; a reduction with states)."""
    return isinstance(pyramid.source, ArraySource) and pyramid.reduce != "nearest"


def level_shape(pyramid, z):
    """The pixels of level ``z`` over the whole matrix (its tiles side by side)."""
    f = pyramid.factor(z)
    return tuple(sum(-(-(min(lo + TILE * f, n) - lo) // f) for lo in range(0, n, TILE * f))
                 for n in pyramid.shape)


def build(pyramid, *, levels=None, overview=None, track=False, on_tiles=None):
    """Stream ``pyramid``'s matrix once: every tile of ``levels`` (default:
    the coarse levels) handed to ``on_tiles(list of (level, x, y, values))``
    as soon as its tile row is complete; with ``overview`` (a coarse level),
    that level's tiles also put together into one grid (what the norm is
    fitted on) and, with ``track``, the input's range gathered in the pass.

    Returns ``(overview grid or None, DataRange or None)``.
    """
    reduction = get_reduction(pyramid.reduce)
    src = pyramid.source
    a, mask = src.array, src.mask
    n, m = a.shape
    levels = set(pyramid.coarse_levels() if levels is None else levels)
    if overview is not None:
        levels.add(overview)
        grid = np.full(level_shape(pyramid, overview), np.nan)
    levels = sorted(levels)
    if not levels:
        return None, None
    maps_r, maps_c = [], []
    specs = []
    for z in levels:
        f = pyramid.factor(z)
        rr, cc = level_axis(n, f, TILE), level_axis(m, f, TILE)
        maps_r.append(rr)
        maps_c.append(cc)
        specs.append((z, f, rr, cc))
    # bands end on the finest level's tile rows, so each band feeds one tile
    # row of every level (the coarser levels' tile rows are unions of them)
    span = TILE * min(pyramid.factor(z) for z in levels)
    row_cuts = range(0, n, span)
    rcut = atoms(maps_r, n, row_cuts)
    ccut = atoms(maps_c, m)
    grids = [_Grid(reduction, rr, cc, rcut, ccut, z, TILE, f) for z, f, rr, cc in specs]
    ones_r = np.ones(len(rcut) - 1)
    # per-cell weights (all 1) mark the column atoms as an uneven grid: the
    # kernel's fast path for whole bins of k cells assumes equal bin widths
    col_atoms = AxisMap(ccut[:-1], ccut[1:], np.ones(len(ccut) - 1), np.ones(len(ccut) - 1),
                        np.ones(m))
    atom_rows = AxisMap(rcut[:-1], rcut[1:], ones_r, ones_r, _NONE)
    budget = max(1, BAND_BYTES // max(1, m * a.itemsize))
    bounds = list(row_cuts) + [n]
    groups = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        groups += bin_groups(atom_rows, lo, hi, None, budget)
    direct = mask is None and a.flags.c_contiguous
    drop = direct and getattr(a, "_mmap", None) is not None and getattr(a, "mode", "c") != "c"
    track = bool(track and overview is not None and reduction.input_range)
    found = np.full(3, np.nan)  # min, max, smallest positive
    with ThreadPoolExecutor(1) as pool:
        ahead = pool.submit(_prefetch, a[groups[0][2]:groups[0][3]]) if direct else None
        for k, (g0, g1, r0, r1) in enumerate(groups):
            if ahead is not None:
                ahead.result()  # the helper stays one band ahead, no further
                if k + 1 < len(groups):
                    ahead = pool.submit(_prefetch, a[groups[k + 1][2]:groups[k + 1][3]])
            local = AxisMap(rcut[g0:g1] - r0, rcut[g0 + 1:g1 + 1] - r0, ones_r[g0:g1],
                            ones_r[g0:g1], _NONE)
            band = a[r0:r1]
            state = reduction.new_state((g1 - g0, len(ccut) - 1), track)
            fold_array(_AtomPlan(reduction, local, col_atoms, track), band, state,
                       None if mask is None else mask[r0:r1])
            if drop:
                _advise(band, _MADV_DONTNEED)
            if track:
                t0 = reduction.planes
                found = np.array([np.fmin(found[0], np.fmin.reduce(state[t0], axis=None)),
                                  np.fmax(found[1], np.fmax.reduce(state[t0 + 1], axis=None)),
                                  np.fmin(found[2], np.fmin.reduce(state[t0 + 2], axis=None))])
            for g in grids:
                g.add(state, g0, g1)
            del state
            for g in grids:
                while g.tile_rows_done(r1, n):
                    tiles = g.pop_tiles()
                    if g.level == overview:
                        for _, x, y, v in tiles:
                            grid[y * TILE:y * TILE + v.shape[0], x * TILE:x * TILE + v.shape[1]] = v
                    if on_tiles is not None:
                        on_tiles(tiles)
    if overview is None:
        return None, None
    data_range = None
    if track:
        data_range = DataRange(*(float(v) if f in reduction.input_range and v == v else None
                                 for f, v in zip(DataRange._fields, found)))
    return grid, data_range
