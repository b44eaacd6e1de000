"""scipy.sparse arrays and matrices (CSR, CSC, COO and any other format), never made dense.

CSR rows are folded as they are stored, CSC as the rows of the transpose (no
copy); other formats are converted to CSR, which sums COO's duplicate entries
as ``toarray()`` does. A CSR/CSC matrix with unsorted indices is read as it is;
rows that store a column twice are copied alone and their duplicates summed. Implicit cells are zeros by default (``implicit="zero"``,
the dense result of ``toarray()``), or missing (``implicit="missing"``: a mean
over stored entries only). See :mod:`fastheat.aggregation.sparse`.
"""
from __future__ import annotations

import numpy as np

from ..aggregation.sparse import DIRECT, check_implicit, find_duplicates, fold_sparse, pick_sparse
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
    flags, outside = find_duplicates(m.indptr, m.indices, n_minor)
    if outside:
        raise ValueError(f"the sparse matrix stores {outside} entries with an index outside "
                         f"0..{n_minor - 1} (its shape is {m.shape}); it is malformed: "
                         f"check_format() says so too")
    rows = np.flatnonzero(flags)
    if not len(rows):
        return None
    lo, hi = m.indptr[rows].astype(np.int64), m.indptr[rows + 1].astype(np.int64)
    ptr = np.concatenate([[0], np.cumsum(hi - lo)])
    take = np.arange(ptr[-1]) + np.repeat(lo - ptr[:-1], hi - lo)
    key = np.repeat(rows.astype(np.int64), hi - lo) * n_minor + m.indices[take]
    cells, inverse = np.unique(key, return_inverse=True)
    # summed in the order stored, into the matrix's dtype, as toarray() sums them
    data = np.zeros(len(cells), m.data.dtype)
    np.add.at(data, inverse, m.data[take])
    indptr = np.zeros(len(m.indptr), np.int64)
    np.add.at(indptr, cells // n_minor + 1, 1)
    np.cumsum(indptr, out=indptr)
    return flags, indptr, (cells % n_minor).astype(m.indices.dtype), data


class SparseSource(MatrixSource):
    """A scipy.sparse array or matrix, folded entry by entry into the output
    states (see the module docstring); ``scales`` (a pair of per-row and
    per-column factor arrays, NaN: the row is missing) multiply the values."""

    def __init__(self, m, *, implicit="zero", what="sparse matrix", labels: Labels = Labels(),
                 scales=(None, None)):
        check_matrix(m.shape, m.dtype, what)
        self.implicit = check_implicit(implicit)
        self.matrix = canonical(m)
        self.shape, self.dtype = tuple(self.matrix.shape), np.dtype(m.dtype)
        self.labels, self.scales = labels, scales
        self._fixed = False

    def _feed(self, fold):
        m = self.matrix
        if self._fixed is False:  # checked once, on the first pass
            self._fixed = duplicates_fixed(m)
        if self._fixed is None:
            fold.add(m.indptr, m.indices, _kernel_data(m.data), mode=DIRECT)
            return
        flags, indptr, indices, data = self._fixed
        fold.add(m.indptr, m.indices, _kernel_data(m.data), mode=DIRECT, skip=flags)
        fold.add(indptr, indices, _kernel_data(data), mode=DIRECT)

    def fold(self, plan):
        if self.matrix.format == "csc":  # the transpose's rows
            rs, cs = self.scales
            state = fold_sparse(plan.transposed(), self._feed, implicit=self.implicit,
                                scales=(cs, rs), track=plan.track)
            return np.ascontiguousarray(state.transpose(0, 2, 1))
        return fold_sparse(plan, self._feed, implicit=self.implicit, scales=self.scales,
                           track=plan.track)

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
