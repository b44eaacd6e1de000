"""Memory-mapped matrices (``np.memmap``, ``np.load(..., mmap_mode="r")``), read in row bands in place.

Each band is folded where it lies (no copy for the dtypes the kernel is
compiled for), the next band is read ahead on a helper thread, and folded bands
are dropped from the process's mapping, so resident memory stays bounded
whatever the file size.
"""
from __future__ import annotations

import ctypes
import mmap
import os
import sys

import numpy as np

from .._progress import byte_bar
from ..aggregation.fold import Block, fold_matrix, kernel_dtype, read_as_is
from .registry import _register_builtin
from .array import ArraySource
from .base import Labels, MatrixSource

#: A memory map is folded in bands of about this many bytes: the mapping's
#: pages stay in the page cache, so bands cost no anonymous memory, and each
#: band ends with the kernel's threads waiting for the slowest (few, large
#: bands are faster on a busy machine), while still giving the OS a band to
#: read ahead and the progress bar something to count.
MEMMAP_BAND_BYTES = 256 << 20
#: A band of a memory map covers at least this many output rows, so the
#: kernel's threads (one output row each) have work to share.
MIN_BAND_BINS = 16

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
    band ahead). Older Linux kernels only get a read-ahead hint. A band of a
    column window (rows not adjacent) gets :func:`_prefetch_spans`."""
    if not a.flags.c_contiguous:
        return _prefetch_spans(a)
    if _populate[0] and _advise(a, _MADV_POPULATE_READ) == 0:
        return
    _populate[0] = False
    _advise(a, _MADV_WILLNEED)


def _prefetch_spans(a):
    """Ask the kernel to read every row's span of the 2-D view ``a`` (rows
    apart in the file, each contiguous: a viewer tile's window) at once: one
    ``MADV_WILLNEED`` a span (spans less than a page apart merged), which only
    queues the reads, so the disk gets them all in flight instead of the fold
    faulting them in one by one (each fault a wait, plus a read-around of
    pages outside the window). A no-op for other layouts."""
    if _madvise is None or a.ndim != 2 or a.size == 0 or a.strides[1] != a.itemsize or \
            a.strides[0] < a.shape[1] * a.itemsize:
        return
    page = mmap.PAGESIZE
    span, stride = a.shape[1] * a.itemsize, a.strides[0]
    lo = a.ctypes.data // page * page
    hi = a.ctypes.data + span
    for start in range(a.ctypes.data + stride, a.ctypes.data + stride * a.shape[0], stride):
        if start // page * page > hi + page:  # a gap: the run so far goes
            _madvise(lo, hi - lo, _MADV_WILLNEED)
            lo = start // page * page
        hi = start + span
    _madvise(lo, hi - lo, _MADV_WILLNEED)


class MemmapSource(ArraySource):
    """A memory-mapped matrix, read once in row bands straight from the
    mapping (see the module docstring); masked and nearest-picked like an
    in-memory array."""

    def __init__(self, data, *, progress=False, labels: Labels = Labels()):
        # memmap is an ndarray: the in-memory checks and messages apply as they are
        super().__init__(data, labels=labels)
        self.progress = progress

    def fold(self, plan):
        return fold_matrix(plan, self.array, blocks=self._bands)

    # read in bands (prefetched, pages dropped, progress): the state is divided after
    fold_values = MatrixSource.fold_values

    def _bands(self, plan, a):
        """The :class:`Block`\\ s of ``a``: bands of whole output rows, folded in
        place (C order, a native dtype) or converted tile by tile; each pixel is
        computed exactly as in one call over the whole matrix (bit-identical
        sums, whatever the dtype or layout). A Fortran-ordered file is one
        block, tiled in tall column bands, so it is read in its own order."""
        label = os.path.basename(getattr(a, "filename", None) or "memmap")
        if a.flags.f_contiguous and not a.flags.c_contiguous:
            with byte_bar(a.nbytes, f"reading {label}", self.progress) as bar:
                yield Block(a)
                bar.update(a.nbytes)
            return
        from concurrent.futures import ThreadPoolExecutor  # (imports logging: not at start-up)

        target = kernel_dtype(a.dtype)
        direct = read_as_is(a)
        ahead_ok = direct or a.strides[1] == a.itemsize  # whole bands or row spans
        # Pages are dropped only from a shared file mapping: dropping those of a
        # private copy-on-write mapping (or of anonymous memory) would lose data.
        drop = direct and getattr(a, "_mmap", None) is not None and getattr(a, "mode", "c") != "c"
        spans = _bin_spans(plan, a.shape[1] * max(a.dtype.itemsize, target.itemsize))
        rstart, rstop = plan.rows[:2]
        rows_of = [(rstart[lo], rstop[hi - 1]) for lo, hi in spans]
        with byte_bar(a.nbytes, f"reading {label}", self.progress) as bar, \
                ThreadPoolExecutor(1) as pool:
            ahead = pool.submit(_prefetch, a[slice(*rows_of[0])]) if ahead_ok else None
            for k, (lo, hi) in enumerate(spans):
                r0, r1 = rows_of[k]
                if ahead_ok:
                    ahead.result()  # the helper stays one band ahead, no further
                    if k + 1 < len(spans):
                        ahead = pool.submit(_prefetch, a[slice(*rows_of[k + 1])])
                yield Block(a[r0:r1], r0, 0, bins=(lo, hi))
                if drop:
                    _advise(a[r0:r1], _MADV_DONTNEED)
                bar.update((r1 - r0) * a.shape[1] * a.dtype.itemsize)


def _bin_spans(plan, row_bytes):
    """Output rows in groups of about :data:`MEMMAP_BAND_BYTES` of input (at
    least :data:`MIN_BAND_BINS` rows, so the kernel's threads share the work)."""
    rows_per_bin = max(plan.n_rows / plan.height, 1.0)
    bins = max(MIN_BAND_BINS, int(MEMMAP_BAND_BYTES / max(1, row_bytes) / rows_per_bin))
    return [(i, min(i + bins, plan.height)) for i in range(0, plan.height, bins)]


def _is_file_memmap(data):
    # a memmap's copy has no mapping (its data is in memory): an ArraySource reads it
    return isinstance(data, np.memmap) and getattr(data, "_mmap", None) is not None


_register_builtin(_is_file_memmap, lambda data, *, progress=False: MemmapSource(
    data, progress=progress))
