"""Source stage: whatever the user passes -> a :class:`Source` that can
aggregate itself to an output grid.

Nothing here reads the data: arrays, memmaps and views are passed on as they
are; only Python sequences become new arrays. Every later stage sees only the
aggregated grid and the source's description (shape, dtype, labels, name).
"""
from __future__ import annotations

import numpy as np

_KINDS = {"b": "bool", "i": "signed integer", "u": "unsigned integer", "f": "floating point"}


def as_matrix(data, name="data"):
    """Return ``(array, mask)`` for a 2-D numeric matrix; ``mask`` is None or a
    boolean array of the same shape (True = missing).

    >>> as_matrix([[1, 2], [3, 4]])[0].shape
    (2, 2)
    """
    mask = None
    if isinstance(data, np.ma.MaskedArray):
        m = np.ma.getmask(data)
        mask = None if m is np.ma.nomask or not m.any() else np.asarray(m)
        data = data.data
    elif not isinstance(data, np.ndarray):
        try:
            data = np.asarray(data)
        except (ValueError, TypeError) as e:
            raise TypeError(f"{name} could not be read as a 2-D numeric array: {e}") from None
    if data.dtype.kind not in _KINDS:
        raise TypeError(f"{name} has dtype {data.dtype} ({data.dtype.kind!r} kind); "
                        f"allowed are bool, integer and floating point arrays")
    if data.ndim != 2:
        hint = {0: "; pass a matrix, e.g. [[value]]",
                1: "; for a single row use data[np.newaxis, :]",
                3: "; for an RGB(A) image there is nothing to colormap, and for a "
                   "stack pick one 2-D slice"}.get(data.ndim, "")
        raise ValueError(f"{name} is {data.ndim}-dimensional (shape {data.shape}) and "
                         f"must be 2-dimensional{hint}")
    if data.size == 0:
        raise ValueError(f"{name} is empty (shape {data.shape}); it needs at least one row "
                         f"and one column")
    return data, mask


class Source:
    """A 2-D matrix to aggregate. Subclasses read their data their own way
    (in memory, in row bands, by blocks on a cluster) and must give the same
    grid as the in-memory path for the same data."""

    shape: tuple
    dtype: np.dtype
    #: tick labels along rows and columns (None: the indices), and a name for
    #: the values (colorbar label)
    row_labels = None
    col_labels = None
    name = None

    def aggregate(self, height, width, reduce):
        """The ``(height, width)`` float64 grid of ``reduce`` over the matrix."""
        raise NotImplementedError


class ArraySource(Source):
    """An in-memory or memory-mapped numpy array (optionally masked)."""

    def __init__(self, data, name="data"):
        self.array, self.mask = as_matrix(data, name)
        self.shape, self.dtype = self.array.shape, self.array.dtype

    def aggregate(self, height, width, reduce):
        from .aggregation import aggregate_matrix

        return aggregate_matrix(self.array, self.mask, height, width, reduce)


def open_source(data) -> Source:
    """Wrap what the user passed in the :class:`Source` that reads it."""
    if isinstance(data, Source):
        return data
    return ArraySource(data)
