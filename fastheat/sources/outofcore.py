"""Out-of-core and distributed sources: memmaps, zarr, HDF5, dask, xarray, point tables.

Every source here folds its data into the same mergeable reduction states as
the in-memory path (:class:`fastheat.aggregation.Plan`), one row band, chunk or
dask block at a time, so the grid is the same whatever the data came from:

- :class:`MemmapSource`: ``np.memmap`` / ``.npy`` files, read in row bands in
  place (no copy), the next band prefetched and the last one dropped from the
  process's mapping, so memory stays bounded whatever the file size.
- :class:`ChunkedSource`: zarr arrays (v2 and v3 stores), HDF5 datasets and
  lazily loaded xarray variables, read in chunk-aligned blocks while a helper
  thread reads the next block.
- :class:`DaskSource`: dask arrays; the kernel runs on each block where the
  block lives (threads, processes or a ``dask.distributed`` cluster) and only
  the output-resolution partial states travel back to be merged.
- :class:`PointSource`: pandas or dask DataFrames of points, binned by
  datashader's ``Canvas.points``.

Nothing here imports a heavy library at import time: dask, distributed,
datashader, pandas, xarray, zarr and h5py are imported on the path that needs
them, with an error naming the extra to install when one is missing.
"""
from __future__ import annotations

import ctypes
import importlib
import math
import mmap
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..aggregation import _kernels as K
from ..aggregation.fold import _BAND_BYTES, Plan, fold_array, kernel_dtype, readonly, reduce_state
from .base import _KINDS, ArraySource, Source, check_matrix, split_mask

#: Rows of an out-of-core source are folded in blocks of about this many bytes
#: (one block in use and one being read ahead keep the memory bounded).
BLOCK_BYTES = 32 << 20
#: A memory map is folded in bands of about this many bytes: the mapping's
#: pages stay in the page cache, so bands cost no anonymous memory, and each
#: band ends with the kernel's threads waiting for the slowest (few, large
#: bands are faster on a busy machine), while still giving the OS a band to
#: read ahead and the progress bar something to count.
MEMMAP_BAND_BYTES = 256 << 20
#: A band of a memory map covers at least this many output rows, so the
#: kernel's threads (one output row each) have work to share.
MIN_BAND_BINS = 16
#: Largest number of partial results a dask aggregation sends back.
MAX_GROUPS = 64

#: ``pip install 'fastheat[EXTRA]'`` for each optional module.
EXTRAS = {"dask": "dask", "distributed": "dask", "datashader": "datashader",
          "pandas": "datashader", "pyarrow": "datashader", "zarr": "zarr", "h5py": "hdf5",
          "xarray": "xarray"}
REDUCTIONS_POINTS = ("count", "sum", "mean", "min", "max", "std", "absmax")


class MissingExtraError(ImportError):
    """An optional library is not installed; the message names the extra."""


def require(module: str, what: str, extra: str | None = None):
    """Import ``module`` for ``what``, or say which extra installs it
    (``extra``, by default the one of ``module``'s package in :data:`EXTRAS`).

    >>> require("numpy", "arrays").__name__
    'numpy'
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        extra = extra or EXTRAS.get(module.split(".")[0], "all")
        raise MissingExtraError(
            f"{what} needs {module}, which could not be imported ({e}); install it with: "
            f"pip install 'fastheat[{extra}]'") from None


# --------------------------------------------------------------------------- progress

class Progress:
    """A minimal progress bar on stderr (tqdm is not a dependency).

    ``label |#########           |  45% 0.72/1.60 GB 1.3 s``, redrawn at most
    ten times a second; nothing at all when ``enabled`` is false.

    >>> with Progress(3, "demo", enabled=False) as bar:
    ...     bar.update(3)
    """

    def __init__(self, total, label, *, enabled=False, unit="", scale=1.0, stream=None):
        self.total, self.label, self.enabled = max(float(total), 1e-300), label, bool(enabled)
        self.unit, self.scale = unit, scale
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0.0
        self.t0 = time.perf_counter()
        self._last = -1.0
        self._shown = None
        self._lock = threading.Lock()
        if self.enabled:
            self._draw(force=True)

    def update(self, n=1.0):
        with self._lock:
            self.done = min(self.total, self.done + n)
            if self.enabled:
                self._draw()

    def _draw(self, force=False):
        now = time.perf_counter()
        if not force and now - self._last < 0.1:
            return
        self._last, self._shown = now, (self.done, self.total)
        frac = min(1.0, self.done / self.total) if self.total >= 1e-9 else 0.0
        bar = "#" * int(frac * 24)
        digits = 2 if self.scale != 1.0 else 0
        amount = (f"{self.done * self.scale:.{digits}f}/{self.total * self.scale:.{digits}f}"
                  f"{self.unit}")
        self.stream.write(f"\r{self.label} |{bar:<24}| {100 * frac:3.0f}% {amount} "
                          f"{now - self.t0:.1f} s")
        self.stream.flush()

    def close(self):
        if self.enabled:
            if self._shown != (self.done, self.total):
                self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
            self.enabled = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _byte_bar(total_bytes, label, enabled):
    if total_bytes >= 1 << 30:
        return Progress(total_bytes, label, enabled=enabled, unit=" GB", scale=1e-9)
    return Progress(total_bytes, label, enabled=enabled, unit=" MB", scale=1e-6)


# --------------------------------------------------------------------------- checks

def open_npy(path):
    """Memory-map a ``.npy`` file, refusing what cannot be mapped safely.

    Object arrays are refused (loading them would unpickle, which can run
    code); a file shorter than its header promises gets an error naming both
    sizes instead of a failed mapping.
    """
    path = os.fspath(path)
    fmt = np.lib.format
    with open(path, "rb") as f:
        try:
            version = fmt.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = fmt.read_array_header_2_0(f)
            else:
                shape = None
        except (ValueError, EOFError) as e:
            raise ValueError(f"{path!r} is not a valid .npy file ({e})") from None
        offset = f.tell()
    if shape is None:  # format 3.0 (utf-8 field names): let numpy read it
        try:
            return np.load(path, mmap_mode="r", allow_pickle=False)
        except ValueError as e:
            raise ValueError(f"cannot memory-map {path!r}: {e}") from None
    if dtype.hasobject:
        raise ValueError(f"{path!r} holds Python objects (dtype {dtype}); fastheat never "
                         f"unpickles data (it can run code): save a numeric array instead")
    expected = offset + math.prod(shape) * dtype.itemsize
    actual = os.path.getsize(path)
    if actual < expected:
        raise ValueError(f"{path!r} is truncated: its header promises a {shape} {dtype} array "
                         f"({expected:,} bytes) but the file has {actual:,} bytes")
    if math.prod(shape) == 0:
        return np.empty(shape, dtype)
    return np.memmap(path, dtype=dtype, mode="r", shape=shape, order="F" if fortran else "C",
                     offset=offset)


# --------------------------------------------------------------------------- states

class Window:
    """The part of a :class:`Plan` that one block of the input touches: output
    rows ``i0..``, columns ``j0..`` with the geometry of just those bins, so a
    block's partial state is as small as the pixels it feeds (what travels back
    from a dask worker)."""

    __slots__ = ("op", "i0", "j0", "rows", "cols", "shape")

    def __init__(self, plan, r0, r1, c0, c1):
        self.op = plan.op
        self.i0, self.rows = _axis_window(plan.rows, r0, r1)
        self.j0, self.cols = _axis_window(plan.cols, c0, c1)
        self.shape = (len(self.rows[0]), len(self.cols[0]))

    def __bool__(self):
        return self.shape[0] > 0 and self.shape[1] > 0

    def new_state(self):
        return reduce_state(self.op, self.shape)

    fold = Plan.fold  # the same geometry fields: rows, cols, op


def _axis_window(geometry, lo, hi):
    start, stop, offset, weight = geometry
    a = int(np.searchsorted(stop, lo, "right"))
    b = int(np.searchsorted(start, hi, "left"))
    if a >= b:
        empty = np.zeros(0, np.int64)
        return a, (empty, empty, empty, np.zeros(0))
    w0, w1 = offset[a], offset[b - 1] + stop[b - 1] - start[b - 1]
    return a, (start[a:b].copy(), stop[a:b].copy(), offset[a:b] - w0, weight[w0:w1].copy())


def merge_into(op, state, part, i0=0, j0=0):
    """Merge the partial ``part`` (covering output rows ``i0..``, columns
    ``j0..``) into ``state`` in place, by the reduction's rule: sums and
    counts add, squared deviations merge by Chan's rule; min/max/absmax keep
    the extreme, NaN meaning "none yet"."""
    h, w = part.shape[1:]
    dst = state[:, i0:i0 + h, j0:j0 + w]
    if op == K.MOMENTS2:  # Chan's rule: deviations about each side's own mean
        wa, wb = dst[1], part[1]
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = part[0] / wb - dst[0] / wa
            shift = np.where((wa > 0) & (wb > 0), delta * delta * (wa * wb / (wa + wb)), 0.0)
        dst[2] += part[2] + shift
        dst[:2] += part[:2]
    elif op in (K.MOMENTS, K.COUNT):
        dst += part
    elif op == K.MIN:
        np.fmin(dst, part, out=dst)
    elif op == K.MAX:
        np.fmax(dst, part, out=dst)
    else:  # ABSMAX: larger magnitude wins, ties go to the positive value
        with np.errstate(invalid="ignore"):
            take = (part == part) & ((dst != dst) | (abs(part) > abs(dst))
                                     | ((abs(part) == abs(dst)) & (part > dst)))
        np.copyto(dst, part, where=take)


def fold_block(plan, block, row0, col0, state):
    """Fold an in-memory block (any dtype, layout or mask) into ``state``
    through ``plan`` (a :class:`Plan` or :class:`Window`)."""
    block, mask = split_mask(block)
    fold_array(plan, np.asarray(block), state, mask, origin=(row0, col0))


def _unique_take(index):
    """Sorted unique indices and where each original index sits among them."""
    uniq, inverse = np.unique(index, return_inverse=True)
    return uniq, inverse.ravel()


# --------------------------------------------------------------------------- memmap

_MADV_WILLNEED, _MADV_DONTNEED = 3, 4
_MADV_POPULATE_READ = 22  # Linux >= 5.14: read a range and map its pages in one call
try:
    _libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
    _madvise = _libc.madvise if _libc is not None else None
    if _madvise is not None:
        _madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
except (OSError, AttributeError):  # no libc to ask: advice is only a speed-up
    _madvise = None


def _advise(a, advice):
    """Tell the kernel a memory-mapped range is needed soon (read it ahead) or
    no longer needed by this process (unmap its pages; the page cache keeps
    them). Linux only; elsewhere a no-op."""
    if _madvise is None or a.size == 0:
        return
    page = mmap.PAGESIZE
    lo = a.ctypes.data
    hi = lo + a.nbytes
    if advice == _MADV_DONTNEED:  # whole pages inside the range only
        lo, hi = -(-lo // page) * page, hi // page * page
    else:
        lo = lo // page * page
    if hi > lo:
        return _madvise(lo, hi - lo, advice)
    return 0


_populate = [True]  # does this kernel know MADV_POPULATE_READ?


def _prefetch(a):
    """Read a band into the page cache and map it into the process, so the
    kernel's threads do not stop at page faults (run on a helper thread, one
    band ahead). Older Linux kernels only get a read-ahead hint."""
    if _populate[0] and _advise(a, _MADV_POPULATE_READ) == 0:
        return
    _populate[0] = False
    _advise(a, _MADV_WILLNEED)


class MemmapSource(Source):
    """A memory-mapped matrix (``np.memmap``, ``np.load(..., mmap_mode="r")``),
    read once in row bands straight from the mapping.

    Each band is folded where it lies (no copy for the dtypes the kernel is
    compiled for), the next band is read ahead by the OS while this one is
    folded, and folded bands are dropped from the process's mapping, so
    resident memory stays bounded whatever the file size.
    """

    def __init__(self, data, *, progress=False, name=None):
        # memmap is an ndarray: the in-memory checks and messages apply as they are
        self.array = ArraySource(data).array
        self.shape, self.dtype = self.array.shape, self.array.dtype
        self.progress, self.name = progress, name

    def aggregate(self, height, width, reduce):
        a = self.array
        if reduce == "nearest":  # a few rows at a time: no copy of every picked row
            plan = Plan(a.shape[0], a.shape[1], height, width, reduce)
            return pick_nearest(plan, lambda rows: a[rows], a.dtype.itemsize)
        if a.flags.f_contiguous and not a.flags.c_contiguous:
            # the file's rows are the matrix's columns: band over those
            return _fold_memmap(a.T, width, height, reduce, self.progress).T.copy()
        return _fold_memmap(a, height, width, reduce, self.progress)


def _fold_memmap(a, height, width, reduce, progress):
    plan = Plan(a.shape[0], a.shape[1], height, width, reduce)
    state = plan.new_state()
    target = kernel_dtype(a.dtype)
    direct = a.dtype == target and a.flags.c_contiguous
    # Pages are dropped only from a shared file mapping: dropping those of a
    # private copy-on-write mapping (or of anonymous memory) would lose data.
    drop = direct and getattr(a, "_mmap", None) is not None and getattr(a, "mode", "c") != "c"
    spans = _bin_spans(plan, a.shape[1] * a.dtype.itemsize) if direct else \
        _conversion_spans(a.shape, target)
    label = os.path.basename(getattr(a, "filename", None) or "memmap")
    (rstart, rstop, _, _), op = plan.rows, plan.op
    rows_of = [(rstart[lo], rstop[hi - 1]) for lo, hi in spans] if direct else spans
    with _byte_bar(a.nbytes, f"reading {label}", progress) as bar, \
            ThreadPoolExecutor(1) as pool:
        ahead = pool.submit(_prefetch, a[slice(*rows_of[0])]) if direct else None
        for k, (lo, hi) in enumerate(spans):
            if direct:
                r0, r1 = rows_of[k]
                ahead.result()  # the helper stays one band ahead, no further
                if k + 1 < len(spans):
                    ahead = pool.submit(_prefetch, a[slice(*rows_of[k + 1])])
                # Every row of bins lo..hi at once: each pixel is computed exactly
                # as in one call over the whole matrix (bit-identical sums).
                with K.KERNEL_LOCK:
                    K.accumulate(readonly(a[r0:r1]), r0, 0, *plan.rows, *plan.cols, lo, hi, 0,
                                 plan.width, op, state)
                if drop:
                    _advise(a[r0:r1], _MADV_DONTNEED)
            else:
                r0, r1 = lo, hi
                fold_array(plan, a, state, row_range=(r0, r1))
            bar.update((r1 - r0) * a.shape[1] * a.dtype.itemsize)
    return plan.finish(state)


def _bin_spans(plan, row_bytes):
    """Output rows in groups of about :data:`MEMMAP_BAND_BYTES` of input (at
    least :data:`MIN_BAND_BINS` rows, so the kernel's threads share the work)."""
    rows_per_bin = max(plan.n_rows / plan.height, 1.0)
    bins = max(MIN_BAND_BINS, int(MEMMAP_BAND_BYTES / max(1, row_bytes) / rows_per_bin))
    return [(i, min(i + bins, plan.height)) for i in range(0, plan.height, bins)]


def _conversion_spans(shape, target):
    """Row bands for a memmap that is converted on the way in: whole multiples
    of :func:`fastheat.aggregation.fold_array`'s own conversion bands, so bins
    are split exactly where the in-memory path splits them."""
    step = max(1, _BAND_BYTES // max(1, shape[1] * target.itemsize))
    step *= max(1, MEMMAP_BAND_BYTES // (step * shape[1] * target.itemsize))
    return [(lo, min(lo + step, shape[0])) for lo in range(0, shape[0], step)]


# --------------------------------------------------------------------------- chunked stores

class ChunkedSource(Source):
    """A matrix in a chunked store (zarr, HDF5, a lazily loaded xarray
    variable), read block by block in chunk-aligned blocks of about
    :data:`BLOCK_BYTES` while a helper thread reads the next block.

    Parameters
    ----------
    read : callable
        ``read(r0, r1, c0, c1)`` returns that block as a numpy array.
    take : callable
        ``take(rows)`` returns the full-width rows at the sorted indices ``rows``.
    chunks : tuple of int
        Chunk (or shard) shape; blocks are made of whole chunks.
    """

    def __init__(self, shape, dtype, *, read, take, chunks=None, what="array", progress=False,
                 name=None, row_labels=None, col_labels=None):
        check_matrix(shape, dtype, what)
        self.shape, self.dtype = tuple(int(n) for n in shape), np.dtype(dtype)
        self.read, self.take, self.what = read, take, what
        self.chunks = tuple(chunks) if chunks else (1, self.shape[1])
        self.progress, self.name = progress, name
        self.row_labels, self.col_labels = row_labels, col_labels

    def blocks(self):
        """``(r0, r1, c0, c1)`` of each block, in row-major order."""
        (n, m), (cr, cc) = self.shape, self.chunks
        item = kernel_dtype(self.dtype).itemsize
        row_bytes = m * item
        if cr * row_bytes <= BLOCK_BYTES:  # full-width bands of whole chunk rows
            rows = max(1, BLOCK_BYTES // (cr * row_bytes)) * cr
            return [(r, min(r + rows, n), 0, m) for r in range(0, n, rows)]
        cols = max(1, BLOCK_BYTES // (cr * cc * item)) * cc
        return [(r, min(r + cr, n), c, min(c + cols, m))
                for r in range(0, n, cr) for c in range(0, m, cols)]

    def aggregate(self, height, width, reduce):
        plan = Plan(self.shape[0], self.shape[1], height, width, reduce)
        if reduce == "nearest":
            return self._nearest(plan)
        state = plan.new_state()
        blocks = [b for b in self.blocks() if Window(plan, *b)]  # skip blocks no pixel reads
        total = sum((r1 - r0) * (c1 - c0) for r0, r1, c0, c1 in blocks) * self.dtype.itemsize
        with _byte_bar(total, f"reading {self.what}", self.progress) as bar, \
                ThreadPoolExecutor(1) as pool:
            ahead = pool.submit(self.read, *blocks[0]) if blocks else None
            for k, (r0, r1, c0, c1) in enumerate(blocks):
                block = ahead.result()
                ahead = pool.submit(self.read, *blocks[k + 1]) if k + 1 < len(blocks) else None
                fold_block(plan, block, r0, c0, state)
                del block
                bar.update((r1 - r0) * (c1 - c0) * self.dtype.itemsize)
        return plan.finish(state)

    def _nearest(self, plan):
        return pick_nearest(plan, self.take, self.dtype.itemsize)


def pick_nearest(plan, take, itemsize):
    """``reduce="nearest"``: the cells under the pixel centres, reading only
    the rows they lie in, a few at a time (``take(rows)`` returns full-width
    rows at sorted unique indices)."""
    rows, cols = plan.nearest_index()
    ru, ri = _unique_take(rows)
    cu, ci = _unique_take(cols)
    per = max(1, BLOCK_BYTES // max(1, plan.n_cols * itemsize))
    picked = np.empty((len(ru), len(cu)))
    for k in range(0, len(ru), per):
        block = take(ru[k:k + per])
        if isinstance(block, np.ma.MaskedArray):
            block = block.astype(np.float64).filled(np.nan)
        picked[k:k + per] = np.asarray(block)[:, cu]
    return picked[ri][:, ci]


def zarr_source(z, *, progress=False, name=None, what=None):
    """A :class:`ChunkedSource` for a zarr array (v2 or v3 format)."""
    where = str(getattr(z, "store_path", "") or getattr(z, "name", "") or "")
    what = what or (f"zarr array {where.removeprefix('file://')!r}" if where else "zarr array")
    chunks = getattr(z, "shards", None) or z.chunks
    check_matrix(z.shape, z.dtype, what)
    return ChunkedSource(z.shape, z.dtype, chunks=chunks, what=what, progress=progress,
                         name=name,
                         read=lambda r0, r1, c0, c1: np.asarray(z[r0:r1, c0:c1]),
                         take=lambda rows: np.asarray(z.get_orthogonal_selection(
                             (rows, slice(None)))))


def hdf5_source(ds, *, progress=False, name=None, what=None):
    """A :class:`ChunkedSource` for an h5py ``Dataset``."""
    what = what or f"HDF5 dataset {ds.name!r}"
    check_matrix(ds.shape, ds.dtype, what)
    return ChunkedSource(ds.shape, ds.dtype, chunks=ds.chunks, what=what, progress=progress,
                         name=name,
                         read=lambda r0, r1, c0, c1: ds[r0:r1, c0:c1],
                         take=lambda rows: ds[rows.tolist(), :])


# --------------------------------------------------------------------------- dask

class DaskSource(Source):
    """A dask array: the kernel folds each block where it lives (local
    threads or processes, or the workers of a ``dask.distributed`` client),
    each block's partial state covering only the pixels it feeds; partial
    states are merged in a tree on the workers, in at most :data:`MAX_GROUPS`
    groups, so only output-resolution grids travel back."""

    def __init__(self, x, *, progress=False, name=None, row_labels=None, col_labels=None):
        check_matrix(x.shape, x.dtype, "dask array")
        self.x = x
        self.shape, self.dtype = tuple(int(n) for n in x.shape), np.dtype(x.dtype)
        self.progress, self.name = progress, name
        self.row_labels, self.col_labels = row_labels, col_labels

    def aggregate(self, height, width, reduce):
        dask = require("dask", "aggregating a dask array")
        plan = Plan(self.shape[0], self.shape[1], height, width, reduce)
        if reduce == "nearest":
            rows, cols = plan.nearest_index()
            ru, ri = _unique_take(rows)
            cu, ci = _unique_take(cols)
            picked = self.x[ru][:, cu].compute()
            if isinstance(picked, np.ma.MaskedArray):
                picked = picked.astype(np.float64).filled(np.nan)
            return np.asarray(picked, dtype=np.float64)[ri][:, ci]
        groups, sizes = self._graph(dask, plan)
        with Progress(sum(sizes), "aggregating dask blocks", enabled=self.progress) as bar:
            results = _compute(dask, self.x, groups, sizes, bar)
        # Merged in a fixed order, so every scheduler gives bit-identical sums.
        state = plan.new_state()
        for i0, j0, part in results:
            merge_into(plan.op, state, part, i0, j0)
        return plan.finish(state)

    def _graph(self, dask, plan):
        """One delayed partial state per block, merged in a tree into at most
        :data:`MAX_GROUPS` group results (contiguous runs in row-major order)."""
        blocks = self.x.to_delayed(optimize_graph=True)
        r_edges = np.concatenate([[0], np.cumsum(self.x.chunks[0])])
        c_edges = np.concatenate([[0], np.cumsum(self.x.chunks[1])])
        token = dask.base.tokenize(self.x, plan.reduce, plan.height, plan.width)
        fold = dask.delayed(_fold_part, pure=True)
        parts = []
        for bi in range(blocks.shape[0]):
            for bj in range(blocks.shape[1]):
                r0, r1, c0, c1 = r_edges[bi], r_edges[bi + 1], c_edges[bj], c_edges[bj + 1]
                window = Window(plan, r0, r1, c0, c1)
                if window:  # blocks no pixel reads are never computed
                    parts.append(fold(blocks[bi, bj], int(r0), int(c0), window,
                                      dask_key_name=(f"fastheat-fold-{token}", bi, bj)))
        merge = dask.delayed(_merge_parts, pure=True)
        n_groups = min(MAX_GROUPS, len(parts))
        bounds = np.linspace(0, len(parts), n_groups + 1).round().astype(int)
        groups, sizes = [], []
        for g in range(n_groups):
            level, depth = parts[bounds[g]:bounds[g + 1]], 0
            sizes.append(len(level))
            while len(level) > 1:  # a tree of fan-in 8: no single task holds every part
                level = [merge(plan.op, *level[k:k + 8],
                               dask_key_name=(f"fastheat-merge-{token}", g, depth, k))
                         for k in range(0, len(level), 8)]
                depth += 1
            groups.append(level[0])
        return groups, sizes


def dask_from_npy(path, *, chunks="auto"):
    """A dask array over a ``.npy`` file: each block's task memory-maps the
    file and reads its own slice (``dask.array.from_array`` copies a memmap
    into memory first). On a cluster the workers must see ``path``.

    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "m.npy")
    >>> np.save(path, np.arange(12.0).reshape(3, 4))
    >>> dask_from_npy(path, chunks=2).sum().compute()
    np.float64(66.0)
    """
    da = require("dask.array", "dask_from_npy")
    m = open_npy(path)
    chunks = da.core.normalize_chunks(chunks, m.shape, dtype=m.dtype)
    return da.map_blocks(_npy_block, path=os.path.abspath(path), chunks=chunks, dtype=m.dtype,
                         meta=np.empty((0,) * m.ndim, m.dtype))


def _npy_block(path, block_info=None):
    location = block_info[None]["array-location"]
    return open_npy(path)[tuple(slice(lo, hi) for lo, hi in location)]


def _fold_part(block, row0, col0, window):
    """Dask task: the partial state of one block, as ``(i0, j0, state)``."""
    state = window.new_state()
    fold_block(window, block, row0, col0, state)
    return window.i0, window.j0, state


def _merge_parts(op, *parts):
    """Dask task: merge partial states into one covering their bounding box."""
    if len(parts) == 1:
        return parts[0]
    i0 = min(p[0] for p in parts)
    j0 = min(p[1] for p in parts)
    i1 = max(p[0] + p[2].shape[1] for p in parts)
    j1 = max(p[1] + p[2].shape[2] for p in parts)
    state = reduce_state(op, (i1 - i0, j1 - j0))
    for i, j, part in parts:
        merge_into(op, state, part, i - i0, j - j0)
    return i0, j0, state


def active_client(collection=None):
    """The ``dask.distributed.Client`` dask would compute ``collection`` on,
    or None for a local scheduler (distributed is never imported here)."""
    if "distributed" not in sys.modules:
        return None
    import dask.base

    scheduler = dask.base.get_scheduler(collections=[collection] if collection is not None else None)
    owner = getattr(scheduler, "__self__", None)
    return owner if type(owner).__name__ == "Client" else None


def _compute(dask, collection, groups, sizes, bar):
    """The results of ``groups`` (in order), ticking ``bar`` by each group's
    number of blocks as groups finish."""
    client = active_client(collection)
    if client is not None:
        from distributed import as_completed

        futures = client.compute(groups)
        index = {f.key: k for k, f in enumerate(futures)}
        results = [None] * len(futures)
        try:
            for future in as_completed(futures):
                k = index[future.key]
                results[k] = future.result()
                bar.update(sizes[k])
                future.release()
        finally:
            client.cancel([f for f in futures if not f.done()])
        return results
    from dask.callbacks import Callback

    class _Ticks(Callback):
        def _posttask(self, key, result, dsk, state, id):
            if isinstance(key, tuple) and str(key[0]).startswith("fastheat-fold-"):
                bar.update(1)

    with _Ticks():
        return list(dask.compute(*groups))


# --------------------------------------------------------------------------- xarray

def xarray_source(da, *, progress=False):
    """A source for an xarray ``DataArray``: coordinates become the row and
    column labels, the name the values' name; numpy-backed arrays are read in
    memory, dask-backed ones by :class:`DaskSource`, lazily loaded ones (netCDF,
    zarr) in bands."""
    what = f"DataArray {da.name!r}" if da.name is not None else "DataArray"
    check_matrix(da.shape, da.dtype, what)
    labels = [format_labels(da.indexes[d]) if d in da.indexes else None for d in da.dims]
    meta = dict(name=da.name, row_labels=labels[0], col_labels=labels[1])
    if da.chunks is not None:
        source = DaskSource(da.data, progress=progress, **meta)
    elif getattr(da.variable, "_in_memory", True):
        source = ArraySource(da.values, name=what)
        source.name, source.row_labels, source.col_labels = meta.values()
    else:
        variable = da.variable
        source = ChunkedSource(da.shape, da.dtype, what=what, progress=progress,
                               chunks=(1, da.shape[1]), **meta,
                               read=lambda r0, r1, c0, c1: variable[r0:r1, c0:c1].values,
                               take=lambda rows: variable[rows].values)
    # the dimensions' names label the axes (like a DataFrame's index and columns names)
    source.row_name, source.col_name = (str(d) for d in da.dims)
    return source


def format_labels(values, digits=None):
    """Tick label texts for coordinate values: numbers with at most 6
    significant digits (or ``digits`` decimals), dates without trailing zeros.

    >>> format_labels([0.1 + 0.2, 2.0, 1e-7])
    ['0.3', '2', '1e-07']
    >>> format_labels([0.125, 0.375], digits=2)
    ['0.12', '0.38']
    """
    values = np.asarray(values)
    if values.dtype.kind == "M":
        return list(np.datetime_as_string(values, unit="auto"))
    if values.dtype.kind == "f":
        if digits is not None:
            return [f"{v:.{digits}f}" for v in values]
        return [f"{v:.6g}" for v in values]
    return [str(v) for v in values.tolist()]


# --------------------------------------------------------------------------- points

class PointSource(Source):
    """A table of points (pandas or dask DataFrame) binned on a grid by
    datashader's ``Canvas.points``.

    The grid's row 0 is the top of the window (largest ``y``), so the default
    ``origin="upper"`` shows ``y`` growing upward, as in a scatter plot. Row and
    column labels are the bin centres; a pixel with no point is NaN. Without
    ``value``, pixels count points.
    """

    def __init__(self, df, *, x, y, value=None, x_range=None, y_range=None, progress=False):
        kind = "dask" if type(df).__module__.startswith("dask") else "pandas"
        if x is None or y is None:
            raise ValueError(f"a point table needs both x= and y= column names, got x={x!r}, y={y!r}")
        columns = list(df.columns)
        for option, col in (("x", x), ("y", y), ("value", value)):
            if col is None:
                continue
            if col not in columns:
                shown = ", ".join(map(repr, columns[:20])) + (", ..." if len(columns) > 20 else "")
                raise ValueError(f"{option}={col!r} is not a column of the DataFrame; its "
                                 f"columns are: {shown}")
            dtype = df.dtypes[col]
            if getattr(dtype, "kind", "O") not in _KINDS:
                raise TypeError(f"column {col!r} ({option}=) has dtype {dtype}; x, y and value "
                                f"columns must be numeric (bool, integer or float)")
        self.df, self.kind = df, kind
        self.x, self.y, self.value = x, y, value
        self.x_range = _check_range("x_range", x_range)
        self.y_range = _check_range("y_range", y_range)
        self.progress = progress
        from ..aggregation.fold import MAX_SIDE

        # No matrix to take a size from: as large as a raster may be, so that the
        # default raster is square (AUTO_SIDE) and no size counts as upsampling
        # (which would repeat cells of a coarser grid); aggregate() then sets
        # the grid's own shape.
        self.shape = (MAX_SIDE, MAX_SIDE)
        self.dtype = np.dtype(np.float64)
        self.name = value if value is not None else "count"
        self.row_name, self.col_name = str(y), str(x)

    def aggregate(self, height, width, reduce):
        ds = require("datashader", "binning a point table")
        if self.value is None and reduce not in ("mean", "count"):
            raise ValueError(f"reduce={reduce!r} needs a value= column; without one, pixels "
                             f"count points (reduce='count')")
        if reduce not in REDUCTIONS_POINTS + ("mean",):
            raise ValueError(f"reduce={reduce!r} is not available for point tables; choose one "
                             f"of " + ", ".join(map(repr, REDUCTIONS_POINTS)))
        canvas = ds.Canvas(plot_width=width, plot_height=height, x_range=self.x_range,
                           y_range=self.y_range)
        v = self.value
        if v is None or reduce == "count":
            agg = ds.count(v)
        elif reduce == "absmax":
            agg = ds.summary(hi=ds.max(v), lo=ds.min(v))
        else:
            agg = {"sum": ds.sum, "mean": ds.mean, "min": ds.min, "max": ds.max,
                   "std": ds.std}[reduce](v)
        if self.kind == "dask" and self.progress and active_client(self.df) is None:
            from dask.callbacks import Callback

            bar = Progress(0, "aggregating points", enabled=True, unit=" tasks")

            class _Ticks(Callback):
                def _start_state(self, dsk, state):
                    # datashader may compute more than once (ranges, then bins)
                    bar.total = bar.done + len(dsk)

                def _posttask(self, key, result, dsk, state, id):
                    bar.update(1)

            with bar, _Ticks():
                grid = canvas.points(self.df, self.x, self.y, agg=agg)
        else:
            with Progress(1, "aggregating points", enabled=self.progress) as bar:
                grid = canvas.points(self.df, self.x, self.y, agg=agg)
                bar.update(1)
        if reduce == "absmax":
            hi, lo = grid["hi"].values, grid["lo"].values
            with np.errstate(invalid="ignore"):
                values = np.where((np.abs(lo) > np.abs(hi)) | (hi != hi), lo, hi)
        else:
            values = np.asarray(grid.values, dtype=np.float64)
            if v is None or reduce == "count":
                values[values == 0] = np.nan
        # The matrix of a point table is its grid: later stages (ticks) see the
        # grid's shape, and the bin centres as labels. datashader names the
        # grid's dimensions after the columns.
        self.shape = (height, width)
        self.col_labels = _centre_labels(grid.coords[self.x].values)
        self.row_labels = _centre_labels(grid.coords[self.y].values[::-1])
        return np.ascontiguousarray(values[::-1], dtype=np.float64)


def _centre_labels(centres):
    """Bin centres as texts, with enough decimals to tell neighbours apart."""
    step = abs(centres[1] - centres[0]) if len(centres) > 1 else 0.0
    if not step or not math.isfinite(step):
        return format_labels(centres)
    return format_labels(centres, digits=max(0, 1 - math.floor(math.log10(step))))


def _check_range(name, r):
    if r is None:
        return None
    try:
        lo, hi = (float(v) for v in r)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a (low, high) pair of numbers, got {r!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be finite with low < high, got {r!r}")
    return (lo, hi)


# --------------------------------------------------------------------------- dispatch

def detect(data, *, x=None, y=None, value=None, x_range=None, y_range=None, progress=False):
    """The out-of-core :class:`Source` for ``data``, or None when ``data`` is
    not one of the types handled here (an ndarray, list, pandas DataFrame
    without point options ...). Types are recognised by module name, so no
    optional library is imported to find out."""
    module = type(data).__module__ or ""
    top = module.split(".")[0]
    points = any(v is not None for v in (x, y, value, x_range, y_range))
    is_frame = top in ("pandas", "dask") and hasattr(data, "columns") and hasattr(data, "dtypes")
    if points:
        if not is_frame:
            raise TypeError(f"x=, y=, value=, x_range= and y_range= are options for point tables "
                            f"(a pandas or dask DataFrame), not for {type(data).__name__}")
        return PointSource(data, x=x, y=y, value=value, x_range=x_range, y_range=y_range,
                           progress=progress)
    if isinstance(data, np.memmap) and getattr(data, "_mmap", None) is not None:
        return MemmapSource(data, progress=progress)  # (a memmap's copy is in memory)
    if top == "dask":
        if is_frame:
            raise TypeError("a dask DataFrame is read as a table of points: pass x= and y= "
                            "column names (and value= to aggregate a column)")
        if hasattr(data, "__dask_graph__") and hasattr(data, "chunks"):
            return DaskSource(data, progress=progress)
    if top == "zarr":
        if hasattr(data, "chunks") and hasattr(data, "dtype"):
            return zarr_source(data, progress=progress)
        raise TypeError(f"got a zarr {type(data).__name__}; pass one of its arrays, e.g. "
                        f"group['name'] (it holds: {_zarr_members(data)})")
    if top == "h5py":
        if hasattr(data, "dtype") and hasattr(data, "chunks"):
            return hdf5_source(data, progress=progress)
        raise TypeError(f"got an HDF5 {type(data).__name__}; pass one of its datasets, e.g. "
                        f"f['/path/to/dataset'] (it holds: {_h5_members(data)})")
    if top == "xarray":
        if type(data).__name__ == "DataArray":
            return xarray_source(data, progress=progress)
        if type(data).__name__ == "Dataset":
            raise TypeError(f"got an xarray Dataset; pass one of its variables, e.g. "
                            f"ds[{next(iter(data.data_vars), 'name')!r}]")
    return None


def _zarr_members(group, limit=10):
    try:
        names = [f"{k} {tuple(v.shape)}" for k, v in group.arrays()]
    except (AttributeError, TypeError):
        names = []
    return ", ".join(names[:limit]) or "no arrays"


def _h5_members(group, limit=10):
    found = []

    def visit(name, obj):
        if hasattr(obj, "dtype"):
            found.append(f"/{name} {obj.shape}")
        return len(found) >= limit or None

    group.visititems(visit)
    return ", ".join(found) or "no datasets"


# --------------------------------------------------------------------------- files (CLI)

ZARR_SUFFIXES = (".zarr",)
HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf", ".he5", ".nc")
TABLE_SUFFIXES = (".parquet", ".pq", ".csv", ".tsv")


def split_dataset(path, dataset=None):
    """``"file.h5:/group/data"`` -> ``("file.h5", "/group/data")``; a path that
    exists as given is never split.

    >>> split_dataset("run.h5:/maps/a")
    ('run.h5', '/maps/a')
    """
    path = os.fspath(path)
    if not os.path.exists(path) and ":" in path:
        head, tail = path.rsplit(":", 1)
        if head.lower().rstrip("/\\").endswith(ZARR_SUFFIXES + HDF5_SUFFIXES) and tail:
            if dataset is not None and dataset != tail:
                raise ValueError(f"two dataset paths given: {tail!r} in {path!r} and "
                                 f"--dataset {dataset!r}; give one")
            return head, tail
    return path, dataset


def open_path(path, *, dataset=None, points=False, columns=()):
    """Open a file the CLI was given, or return None when it is not one of the
    formats handled here (``.npy``, ``.npz`` and text matrices are opened by
    the CLI itself).

    zarr (``file.zarr``, ``--dataset`` for an array inside a group), HDF5
    (``file.h5:/path`` or ``--dataset``), and with ``points`` a parquet or
    CSV/TSV point table read lazily with dask (only ``columns``).
    """
    path, dataset = split_dataset(path, dataset)
    ext = os.path.splitext(path.rstrip("/\\"))[1].lower()
    if ext not in ZARR_SUFFIXES + HDF5_SUFFIXES + TABLE_SUFFIXES:
        if dataset is not None:
            raise ValueError(f"--dataset is for zarr and HDF5 files, not {path!r}")
        return None
    if ext in TABLE_SUFFIXES and not points:
        if ext in (".csv", ".tsv"):
            return None  # a matrix of numbers: the CLI's text reader
        raise ValueError(f"{path!r} is a table: give the point columns with --x and --y "
                         f"(and --value to aggregate a column)")
    if not os.path.exists(path):
        raise FileNotFoundError(f"input {path!r} does not exist")
    if ext in ZARR_SUFFIXES:
        return _open_zarr(path, dataset)
    if ext in HDF5_SUFFIXES:
        return _open_hdf5(path, dataset)
    return _open_table(path, ext, columns)


def _open_zarr(path, dataset):
    zarr = require("zarr", "reading .zarr files")
    try:
        node = zarr.open(path, mode="r")
    except Exception as e:  # zarr raises many types for a bad store
        raise ValueError(f"cannot open {path!r} as zarr: {_one_line(e)}") from None
    if dataset is not None:
        if hasattr(node, "shape"):
            raise ValueError(f"{path!r} is a single zarr array; drop the dataset path {dataset!r}")
        try:
            node = node[dataset.strip("/")]
        except KeyError:
            raise ValueError(f"no array {dataset!r} in {path!r}; it holds: "
                             f"{_zarr_members(node)}") from None
    if not hasattr(node, "shape"):
        arrays = list(node.arrays())
        if len(arrays) != 1:
            raise ValueError(f"{path!r} is a zarr group; choose an array with --dataset "
                             f"(it holds: {_zarr_members(node)})")
        node = arrays[0][1]
    return node


def _open_hdf5(path, dataset):
    h5py = require("h5py", "reading HDF5 files")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ValueError(f"cannot open {path!r} as HDF5: {_one_line(e)}") from None
    try:
        return _hdf5_dataset(f, path, dataset)
    except BaseException:
        f.close()
        raise


def _hdf5_dataset(f, path, dataset):
    if dataset is None:
        found = []
        f.visititems(lambda name, obj: found.append(obj) if hasattr(obj, "dtype") else None)
        if len(found) != 1:
            raise ValueError(f"{path!r} holds {len(found)} datasets; choose one with "
                             f"{path}:/path or --dataset (it holds: {_h5_members(f)})")
        return found[0]
    try:
        node = f[dataset]
    except KeyError:
        raise ValueError(f"no dataset {dataset!r} in {path!r}; it holds: {_h5_members(f)}") from None
    if not hasattr(node, "dtype"):
        raise ValueError(f"{dataset!r} in {path!r} is a group, not a dataset; it holds: "
                         f"{_h5_members(node)}")
    return node


def _open_table(path, ext, columns):
    columns = [c for c in dict.fromkeys(columns) if c is not None]
    have = _table_columns(path, ext)
    for c in columns:
        if c not in have:
            raise ValueError(f"column {c!r} is not in {path!r}; its columns are: "
                             + ", ".join(map(repr, have[:20])))
    dd = require("dask.dataframe", "reading a point table file", extra="datashader")
    try:
        if ext in (".parquet", ".pq"):
            return dd.read_parquet(path, columns=columns)
        return dd.read_csv(path, sep="\t" if ext == ".tsv" else ",", usecols=columns,
                           blocksize="64MB")
    except (ValueError, OSError) as e:
        raise ValueError(f"cannot read {path!r}: {_one_line(e)}") from None


def _table_columns(path, ext):
    if ext in (".parquet", ".pq"):
        pq = require("pyarrow.parquet", "reading parquet files", extra="datashader")
        try:
            return list(pq.read_schema(path).names)
        except Exception as e:  # pyarrow's ArrowInvalid is not an OSError
            raise ValueError(f"cannot read {path!r} as parquet: {_one_line(e)}") from None
    import csv

    with open(path, newline="") as f:
        header = next(csv.reader(f, delimiter="\t" if ext == ".tsv" else ","), [])
    return [h.strip() for h in header]


def _one_line(e):
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__
