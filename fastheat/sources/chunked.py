"""Chunked stores: zarr arrays (v2 and v3 formats, sharded or not) and HDF5 datasets.

:class:`ChunkedSource` reads any store through ``read``/``take`` callables in
chunk-aligned blocks while a helper thread reads the next block; it also
serves lazily loaded xarray variables (:mod:`.xarray`).
"""
from __future__ import annotations


import numpy as np

from .._progress import byte_bar
from ..aggregation.fold import Block, Window, fold, kernel_dtype, pick_nearest, rows_within
from .registry import _register_builtin
from .base import Labels, MatrixSource, check_matrix, module_of

#: Rows of a chunked store are folded in blocks of about this many bytes
#: (one block in use and one being read ahead keep the memory bounded).
BLOCK_BYTES = 32 << 20
#: A store whose unwritten chunks would be read as more than this many fill
#: value cells, more than half of it, is refused unless ``allow_sparse=True``
#: (a tiny store claiming 10^10 cells would otherwise be folded, fill value
#: after fill value, for hours).
SPARSE_CELLS = 100_000_000


def check_stored(what, shape, stored_fraction, allow_sparse=False):
    """Refuse a store that is mostly chunks never written (see
    :data:`SPARSE_CELLS`); ``stored_fraction`` is the share of chunks stored."""
    cells = int(np.prod(shape, dtype=object))
    missing = cells * (1 - stored_fraction)
    if allow_sparse or missing <= SPARSE_CELLS or stored_fraction >= 0.5:
        return
    raise ValueError(
        f"{what} claims {shape[0]:,} x {shape[1]:,} = {cells:,} cells but only "
        f"{stored_fraction:.2%} of its chunks are stored: the other {missing:,.0f} cells would "
        f"be read as the fill value, which takes long and is rarely meant; if the array is "
        f"sparse on purpose, pass allow_sparse=True (fastheat.sources.chunked.zarr_source/"
        f"hdf5_source; CLI: --allow-sparse)")


def _zarr_stored_fraction(z):
    """The share of the array's chunks (shards) stored, by listing the store:
    cost proportional to the objects stored, never to the chunks claimed
    (zarr's ``nchunks_initialized`` walks every possible chunk key: hours for
    10^10); the count stops at half of them."""
    try:
        import math

        from zarr.core.sync import sync

        grid = getattr(z, "shards", None) or z.chunks
        total = math.prod(-(-int(n) // max(1, int(c))) for n, c in zip(z.shape, grid))
        if total == 0:
            return 1.0
        limit = -(-total // 2)
        store, prefix = z.store_path.store, z.store_path.path
        prefix = prefix.rstrip("/") + "/" if prefix else ""

        async def count():
            n = 0
            async for key in store.list_prefix(prefix):
                base = key.rsplit("/", 1)[-1]
                if base != "zarr.json" and not base.startswith("."):
                    n += 1
                    if n >= limit:
                        break
            return n

        return sync(count()) / total
    except Exception:  # an exotic store that cannot list: no check
        return 1.0


def _hdf5_stored_fraction(ds):
    try:
        if ds.chunks is None:  # contiguous: allocated whole or not at all
            return 1.0 if ds.id.get_storage_size() > 0 or ds.size == 0 else 0.0
        per = int(np.prod(ds.chunks))
        total = -(-int(np.prod(ds.shape, dtype=object)) // per) if per else 1
        n = ds.id.get_num_chunks()
        return min(1.0, n / total) if total else 1.0
    except Exception:
        return 1.0


def _settle_zarr():
    """After a failed zarr read, let zarr's event loop finish the reads of the
    same request that are still running, so that interpreter exit finds no
    pending task (asyncio's "Task was destroyed but it is pending!", once per
    chunk). Nothing is cancelled: other threads' reads go on."""
    import asyncio

    try:
        from zarr.core import sync

        loop = sync.loop[0]
    except (ImportError, AttributeError, IndexError):
        return
    if loop is None or loop.is_closed():
        return

    async def drain():
        me = asyncio.current_task()
        others = [t for t in asyncio.all_tasks() if t is not me]
        if others:
            await asyncio.wait(others, timeout=10)
    try:
        asyncio.run_coroutine_threadsafe(drain(), loop).result(timeout=15)
    except Exception:
        pass


def _guarded(read, what):
    """``read`` with the store's own errors (a corrupt chunk: a codec's
    RuntimeError, a ValueError of the wrong size, ...) as one ValueError."""
    def guarded(*args):
        try:
            return read(*args)
        except Exception as e:
            if "zarr" in what:
                _settle_zarr()
            lines = str(e).strip().splitlines()
            raise ValueError(f"cannot read {what} (a damaged chunk?): {type(e).__name__}: "
                             f"{lines[0] if lines else ''}") from None
    return guarded


class ChunkedSource(MatrixSource):
    """A matrix in a chunked store, read in chunk-aligned blocks of about
    :data:`BLOCK_BYTES` while a helper thread reads the next block.

    Parameters
    ----------
    read : callable
        ``read(r0, r1, c0, c1)`` returns that block as a numpy array.
    take : callable
        ``take(rows)`` returns the full-width rows at the sorted indices ``rows``.
    chunks : tuple of int
        Chunk (or shard) shape; blocks are made of whole chunks.
    what : str
        The store in errors and on the progress bar.
    """

    def __init__(self, shape, dtype, *, read, take, chunks=None, what="array", progress=False,
                 labels: Labels = Labels()):
        check_matrix(shape, dtype, what)
        self.shape, self.dtype = tuple(int(n) for n in shape), np.dtype(dtype)
        self.read, self.take, self.what = read, take, what
        self.chunks = tuple(chunks) if chunks else (1, self.shape[1])
        self.progress, self.labels = progress, labels

    def blocks(self):
        """``(r0, r1, c0, c1)`` of each block, in row-major order."""
        (n, m), (cr, cc) = self.shape, self.chunks
        item = kernel_dtype(self.dtype).itemsize
        row_bytes = m * item
        if cr * row_bytes <= BLOCK_BYTES:  # full-width bands of whole chunk rows
            rows = rows_within(BLOCK_BYTES, cr * row_bytes) * cr
            return [(r, min(r + rows, n), 0, m) for r in range(0, n, rows)]
        cols = rows_within(BLOCK_BYTES, cr * cc * item) * cc
        return [(r, min(r + cr, n), c, min(c + cols, m))
                for r in range(0, n, cr) for c in range(0, m, cols)]

    def fold(self, plan):
        # blocks no pixel reads are skipped
        return fold(plan, self._read_ahead([b for b in self.blocks() if Window(plan, *b)]))

    def _read_ahead(self, blocks):
        """Each block as a :class:`Block`, the next one read meanwhile."""
        from concurrent.futures import ThreadPoolExecutor  # (imports logging: not at start-up)

        total = sum((r1 - r0) * (c1 - c0) for r0, r1, c0, c1 in blocks) * self.dtype.itemsize
        with byte_bar(total, f"reading {self.what}", self.progress) as bar, \
                ThreadPoolExecutor(1) as pool:
            ahead = pool.submit(self.read, *blocks[0]) if blocks else None
            for k, (r0, r1, c0, c1) in enumerate(blocks):
                data = ahead.result()
                ahead = pool.submit(self.read, *blocks[k + 1]) if k + 1 < len(blocks) else None
                yield Block(data, r0, c0)
                del data
                bar.update((r1 - r0) * (c1 - c0) * self.dtype.itemsize)

    def pick(self, plan):
        return pick_nearest(plan, lambda rows, cols: self.take(rows)[:, cols],
                            rows_within(BLOCK_BYTES, self.shape[1] * self.dtype.itemsize))


def zarr_source(z, *, progress=False, labels: Labels = Labels(), what=None,
                allow_sparse=False):
    """A :class:`ChunkedSource` for a zarr array (v2 or v3 format).

    A store most of whose chunks were never written is refused (see
    :func:`check_stored`) unless ``allow_sparse``; a chunk that cannot be
    decoded is a one-line ``ValueError``.
    """
    where = str(getattr(z, "store_path", "") or getattr(z, "name", "") or "")
    what = what or (f"zarr array {where.removeprefix('file://')!r}" if where else "zarr array")
    chunks = getattr(z, "shards", None) or z.chunks
    check_matrix(z.shape, z.dtype, what)
    check_stored(what, z.shape, _zarr_stored_fraction(z), allow_sparse)
    return ChunkedSource(z.shape, z.dtype, chunks=chunks, what=what, progress=progress,
                         labels=labels,
                         read=_guarded(lambda r0, r1, c0, c1: np.asarray(z[r0:r1, c0:c1]), what),
                         take=_guarded(lambda rows: np.asarray(z.get_orthogonal_selection(
                             (rows, slice(None)))), what))


def hdf5_source(ds, *, progress=False, labels: Labels = Labels(), what=None,
                allow_sparse=False):
    """A :class:`ChunkedSource` for an h5py ``Dataset`` (mostly unwritten:
    refused unless ``allow_sparse``, as :func:`zarr_source`)."""
    what = what or f"HDF5 dataset {ds.name!r}"
    check_matrix(ds.shape, ds.dtype, what)
    check_stored(what, ds.shape, _hdf5_stored_fraction(ds), allow_sparse)
    return ChunkedSource(ds.shape, ds.dtype, chunks=ds.chunks, what=what, progress=progress,
                         labels=labels,
                         read=_guarded(lambda r0, r1, c0, c1: ds[r0:r1, c0:c1], what),
                         take=_guarded(lambda rows: ds[rows.tolist(), :], what))


def zarr_members(group, limit=10):
    """The arrays of a zarr group, for errors: ``"name (rows, cols), ..."``."""
    try:
        names = [f"{k} {tuple(v.shape)}" for k, v in group.arrays()]
    except (AttributeError, TypeError):
        names = []
    return ", ".join(names[:limit]) or "no arrays"


def h5_members(group, limit=10):
    """The datasets of an HDF5 group, for errors: ``"/path (rows, cols), ..."``."""
    found = []

    def visit(name, obj):
        if hasattr(obj, "dtype"):
            found.append(f"/{name} {obj.shape}")
        return len(found) >= limit or None

    group.visititems(visit)
    return ", ".join(found) or "no datasets"


def _from_zarr(data, *, progress=False):
    if hasattr(data, "chunks") and hasattr(data, "dtype"):
        return zarr_source(data, progress=progress)
    raise TypeError(f"got a zarr {type(data).__name__}; pass one of its arrays, e.g. "
                    f"group['name'] (it holds: {zarr_members(data)})")


def _from_hdf5(data, *, progress=False):
    if hasattr(data, "dtype") and hasattr(data, "chunks"):
        return hdf5_source(data, progress=progress)
    raise TypeError(f"got an HDF5 {type(data).__name__}; pass one of its datasets, e.g. "
                    f"f['/path/to/dataset'] (it holds: {h5_members(data)})")


_register_builtin(lambda data: module_of(data) == "zarr", _from_zarr)
_register_builtin(lambda data: module_of(data) == "h5py", _from_hdf5)
