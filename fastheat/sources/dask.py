"""dask arrays: the kernel folds each block where it lives (threads, processes or a cluster).

Each block's partial state covers only the pixels it feeds; partial states are
merged in a tree on the workers, so only output-resolution grids travel back.
dask (and distributed) are imported only here, when a dask array is aggregated.
"""
from __future__ import annotations

import os
import sys

import numpy as np

from .._extras import require
from .._progress import Progress
from ..aggregation.fold import Block, Window, fold, merge_parts, pick_nearest
from .registry import _register_builtin
from .base import Labels, MatrixSource, check_matrix, is_table, module_of
from .files import open_npy

#: Largest number of partial results a dask aggregation sends back.
MAX_GROUPS = 64


class DaskSource(MatrixSource):
    """A dask array: the kernel folds each block where it lives (local
    threads or processes, or the workers of a ``dask.distributed`` client),
    each block's partial state covering only the pixels it feeds; partial
    states are merged in a tree on the workers, in at most :data:`MAX_GROUPS`
    groups, so only output-resolution grids travel back."""

    def __init__(self, x, *, progress=False, labels: Labels = Labels()):
        check_matrix(x.shape, x.dtype, "dask array")
        self.x = x
        self.shape, self.dtype = tuple(int(n) for n in x.shape), np.dtype(x.dtype)
        self.progress, self.labels = progress, labels

    def fold(self, plan):
        dask = require("dask", "aggregating a dask array")
        groups, sizes = self._graph(dask, plan)
        with Progress(sum(sizes), "aggregating dask blocks", enabled=self.progress) as bar:
            results = _compute(dask, self.x, groups, sizes, bar)
        return merge_parts(plan.reduction, results, (plan.height, plan.width))[2]

    def pick(self, plan):
        require("dask", "aggregating a dask array")
        # one computation: only the picked cells travel back
        return pick_nearest(plan, lambda rows, cols: self.x[rows][:, cols].compute())

    def _graph(self, dask, plan):
        """One delayed partial state per block, merged in a tree into at most
        :data:`MAX_GROUPS` group results (contiguous runs in row-major order)."""
        blocks = self.x.to_delayed(optimize_graph=True)
        r_edges = np.concatenate([[0], np.cumsum(self.x.chunks[0])])
        c_edges = np.concatenate([[0], np.cumsum(self.x.chunks[1])])
        token = dask.base.tokenize(self.x, plan.reduce, plan.height, plan.width, plan.track)
        fold_part = dask.delayed(_fold_part, pure=True)
        parts = []
        for bi in range(blocks.shape[0]):
            for bj in range(blocks.shape[1]):
                r0, r1, c0, c1 = r_edges[bi], r_edges[bi + 1], c_edges[bj], c_edges[bj + 1]
                window = Window(plan, r0, r1, c0, c1)
                if window:  # blocks no pixel reads are never computed
                    parts.append(fold_part(blocks[bi, bj], int(r0), int(c0), window,
                                           dask_key_name=(f"fastheat-fold-{token}", bi, bj)))
        merge = dask.delayed(_merge_parts, pure=True)
        n_groups = min(MAX_GROUPS, len(parts))
        bounds = np.linspace(0, len(parts), n_groups + 1).round().astype(int)
        groups, sizes = [], []
        for g in range(n_groups):
            level, depth = parts[bounds[g]:bounds[g + 1]], 0
            sizes.append(len(level))
            while len(level) > 1:  # a tree of fan-in 8: no single task holds every part
                level = [merge(plan.reduction, *level[k:k + 8],
                               dask_key_name=(f"fastheat-merge-{token}", g, depth, k))
                         for k in range(0, len(level), 8)]
                depth += 1
            groups.append(level[0])
        return groups, sizes


def _fold_part(block, row0, col0, window):
    """Dask task: the partial state of one block, as ``(i0, j0, state)``."""
    return window.i0, window.j0, fold(window, [Block(block, row0, col0)])


def _merge_parts(reduction, *parts):
    """Dask task: merge partial states into one covering their bounding box."""
    return merge_parts(reduction, parts)


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


def active_client(collection=None):
    """The ``dask.distributed.Client`` dask would compute ``collection`` on,
    or None for a local scheduler (distributed is never imported here)."""
    if "distributed" not in sys.modules:
        return None
    import dask.base

    scheduler = dask.base.get_scheduler(collections=[collection] if collection is not None else None)
    owner = getattr(scheduler, "__self__", None)
    return owner if type(owner).__name__ == "Client" else None


def task_ticks(bar, key_prefix=None):
    """A local-scheduler callback ticking ``bar`` once per finished task: the
    tasks whose key starts with ``key_prefix``, or every task, the bar's total
    growing by each graph's size (datashader may compute more than once)."""
    from dask.callbacks import Callback

    class _Ticks(Callback):
        def _start_state(self, dsk, state):
            if key_prefix is None:
                bar.total = bar.done + len(dsk)

        def _posttask(self, key, result, dsk, state, id):
            if key_prefix is None or (isinstance(key, tuple)
                                      and str(key[0]).startswith(key_prefix)):
                bar.update(1)

    return _Ticks()


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
    with task_ticks(bar, "fastheat-fold-"):
        return list(dask.compute(*groups))


def _is_dask_array(data):
    return module_of(data) == "dask" and not is_table(data) \
        and hasattr(data, "__dask_graph__") and hasattr(data, "chunks")


_register_builtin(_is_dask_array, lambda x, *, progress=False: DaskSource(x, progress=progress))
