"""In-memory matrices: numpy arrays (any dtype, byte order, layout), masked arrays, lists.

Nothing is copied: arrays and views are folded as they are, converted band by
band only when the kernel is not compiled for them; only Python sequences
become new arrays. This is the fallback source: whatever no other source
accepts is read with ``numpy.asarray``.
"""
from __future__ import annotations

import sys

import numpy as np

from ..aggregation.fold import fold_matrix, fold_values, pick_nearest
from .registry import _register_builtin
from .base import Labels, MatrixSource, check_matrix, split_mask


def as_matrix(data, name="data"):
    """Return ``(array, mask)`` for a 2-D numeric matrix; ``mask`` is None or a
    boolean array of the same shape (True = missing).

    >>> as_matrix([[1, 2], [3, 4]])[0].shape
    (2, 2)
    """
    if "numpy.ma" in sys.modules and isinstance(data, np.ma.MaskedArray):  # no import
        # the dtype first: a structured array's mask is structured too, and
        # split_mask's mask.any() would fail with numpy's cast error
        check_matrix(data.shape, data.dtype, name)
    data, mask = split_mask(data)
    if not isinstance(data, np.ndarray):
        try:
            data = np.asarray(data)
        except (ValueError, TypeError) as e:
            raise TypeError(f"{name} could not be read as a 2-D numeric array: {e}") from None
    check_matrix(data.shape, data.dtype, name)
    return data, mask


class ArraySource(MatrixSource):
    """An in-memory numpy array (optionally masked), or anything
    ``numpy.asarray`` makes one of; ``what`` names it in errors."""

    def __init__(self, data, *, what="data", labels: Labels = Labels()):
        self.array, self.mask = as_matrix(data, what)
        self.shape, self.dtype = self.array.shape, self.array.dtype
        self.labels = labels

    def fold(self, plan):
        return fold_matrix(plan, self.array, self.mask)

    def fold_values(self, plan):
        values, state = fold_values(plan, self.array, self.mask)
        return values, plan.reduction.data_range(state) if plan.track else None

    def pick(self, plan):
        return pick_nearest(plan, self._take)

    def _take(self, rows, cols):
        index = np.ix_(rows, cols)
        if self.mask is None:
            return self.array[index]
        return np.ma.masked_array(self.array[index], self.mask[index])

    def _masked(self, mask):
        if self.mask is not None:
            mask = mask | self.mask
        return ArraySource(np.ma.masked_array(self.array, mask=mask, copy=False),
                           labels=self.labels)


def _open(data, *, progress=False):
    return ArraySource(data)


_register_builtin(lambda data: True, _open, last=True)
