"""scipy.sparse arrays and matrices (CSR, CSC, COO and any other format), never made dense.

CSR rows are folded as they are stored, CSC as the rows of the transpose (no
copy); other formats are converted to CSR, which sums COO's duplicate entries
as ``toarray()`` does. A CSR/CSC matrix with unsorted indices is read as it is;
rows that store a column twice (only a matrix that is not canonical can) are
found while folding (a mean or sum) or in a search before it, copied alone and
their duplicates summed. A malformed matrix is refused with a ValueError: an
``indptr`` that falls, does not start at 0 or runs past the entries when the
source is made, an index outside the shape when a fold or the duplicate search
meets it (numba checks no bounds: no array is indexed with it).
Implicit cells are zeros by default (``implicit="zero"``, the dense result of
``toarray()``), or missing (``implicit="missing"``: a mean over stored entries
only). See :mod:`fastheat.aggregation.sparse`.
"""
from __future__ import annotations

import numpy as np

from ..aggregation.sparse import (DIRECT, check_implicit, check_indptr, find_duplicates,
                                  fold_sparse, outside_error, pick_sparse, sparse_values,
                                  sum_duplicates)
from .base import Labels, MatrixSource, check_matrix, module_of
from .registry import _register_builtin

#: Formats folded without conversion (CSC as the transpose's CSR).
DIRECT_FORMATS = ("csr", "csc")


def _kernel_data(data):
    """Stored values in a dtype the kernel reads (bool as uint8: no copy)."""
    return data.view(np.uint8) if data.dtype == np.bool_ else data


def canonical(m):
    """``m`` as CSR or CSC (a copy only when ``m`` is another format; COO's
    duplicates are summed then, as ``toarray()`` sums them)."""
    if m.format not in DIRECT_FORMATS:
        return m.tocsr()
    return m


def duplicates_fixed(m):
    """``None`` when no row of the CSR/CSC ``m`` (a column, for CSC) stores
    an index twice, else ``(flags, indptr, indices, data)``: a flag per row
    that does, and those rows alone with their duplicates summed (in the
    order stored, as ``toarray()`` sums them), the other rows empty.
    Unsorted indices are fine: only the flagged rows are copied."""
    if m.has_canonical_format:
        return None
    n_minor = m.shape[1] if m.format == "csr" else m.shape[0]
    dups, outside = find_duplicates(m.indptr, m.indices, n_minor)
    if outside:
        raise outside_error(outside, n_minor, m.shape)
    return _summed(m, dups, n_minor)


def _summed(m, dups, n_minor):
    """:func:`duplicates_fixed`'s result from the duplicate counts per row ``dups``."""
    if not dups.any():
        return None
    fixed = sum_duplicates(m.indptr, m.indices, m.data, dups, n_minor)
    return ((dups > 0).view(np.uint8),) + fixed


class SparseSource(MatrixSource):
    """A scipy.sparse array or matrix, folded entry by entry into the output
    states (see the module docstring); ``scales`` (a pair of per-row and
    per-column factor arrays, NaN: the row is missing) multiply the values."""

    def __init__(self, m, *, implicit="zero", what="sparse matrix", labels: Labels = Labels(),
                 scales=(None, None)):
        check_matrix(m.shape, m.dtype, what)
        self.implicit = check_implicit(implicit)
        self.matrix = canonical(m)
        # before scipy's has_canonical_format or any kernel reads the rows
        check_indptr(self.matrix.indptr, len(self.matrix.indices), len(self.matrix.data))
        self.shape, self.dtype = tuple(self.matrix.shape), np.dtype(m.dtype)
        self.labels, self.scales = labels, scales
        self._fixed = False

    def _feed(self, fold):
        m = self.matrix
        n_minor = m.shape[1] if m.format == "csr" else m.shape[0]
        if self._fixed is False and not m.has_canonical_format and \
                fold.finds_duplicates(n_minor):
            # found while folding: the rows with duplicates are left out, then summed
            dups = np.zeros(len(m.indptr) - 1, np.int64)
            fold.add(m.indptr, m.indices, _kernel_data(m.data), mode=DIRECT, duplicates=dups)
            self._fixed = _summed(m, dups, n_minor)
            if self._fixed is not None:
                _, indptr, indices, data = self._fixed
                fold.add(indptr, indices, _kernel_data(data), mode=DIRECT)
            return
        if self._fixed is False:  # checked once, on the first pass
            self._fixed = duplicates_fixed(m)
        if self._fixed is None:
            fold.add(m.indptr, m.indices, _kernel_data(m.data), mode=DIRECT)
            return
        flags, indptr, indices, data = self._fixed
        fold.add(m.indptr, m.indices, _kernel_data(m.data), mode=DIRECT, skip=flags)
        fold.add(indptr, indices, _kernel_data(data), mode=DIRECT)

    def _folded(self, function, plan):
        """``function(plan, feed, ...)`` of this matrix: a CSC matrix folds its
        transpose's rows into the transposed plan, and the result is turned back."""
        if self.matrix.format != "csc":
            return function(plan, self._feed, implicit=self.implicit, scales=self.scales,
                            track=plan.track)
        rs, cs = self.scales
        return function(plan.transposed(), self._feed, implicit=self.implicit,
                        scales=(cs, rs), track=plan.track)

    def fold(self, plan):
        state = self._folded(fold_sparse, plan)
        if self.matrix.format == "csc":
            return np.ascontiguousarray(state.transpose(0, 2, 1))
        return state

    def fold_values(self, plan):
        values, data_range = self._folded(sparse_values, plan)
        return (values.T if self.matrix.format == "csc" else values), data_range

    def pick(self, plan):
        if self.matrix.format == "csc":
            rs, cs = self.scales
            return pick_sparse(plan.transposed(), self._feed, implicit=self.implicit,
                               scales=(cs, rs)).T.copy()
        return pick_sparse(plan, self._feed, implicit=self.implicit, scales=self.scales)


def is_scipy_sparse(data):
    """Whether ``data`` is a scipy.sparse array or matrix (by its type's module:
    scipy is not imported)."""
    return module_of(data) == "scipy" and hasattr(data, "tocsr") and hasattr(data, "nnz")


def _open(data, *, progress=False, implicit="zero"):
    if len(data.shape) != 2:
        check_matrix(data.shape, data.dtype, "sparse array")
    return SparseSource(data, implicit=implicit)


_register_builtin(is_scipy_sparse, _open, options=("implicit",))
