"""AnnData objects and ``.h5ad`` files: ``.X`` (or ``layer=``), dense or sparse, cells x genes.

``obs_names`` and ``var_names`` are the row and column labels. In memory,
``.X`` is read as what it is (a numpy array, a scipy.sparse matrix); a
``.h5ad`` file is opened in backed mode, its sparse ``X`` read from HDF5 in
chunks of rows (CSR; CSC as the transpose's rows), never loaded whole.
"""
from __future__ import annotations

import os

import numpy as np

from .._extras import require
from ..aggregation.sparse import (DIRECT, check_implicit, fold_sparse, pick_sparse,
                                  sparse_values)
from .base import Labels, MatrixSource, check_matrix, module_of
from .registry import _register_builtin, open_source

#: Stored entries read per chunk of a backed sparse matrix.
CHUNK_ENTRIES = 1 << 23


def _matrix(adata, layer):
    if layer is None:
        x, what = adata.X, "AnnData.X"
        if x is None:
            raise ValueError("this AnnData has no X; pass layer= with one of its layers: "
                             + (", ".join(map(repr, adata.layers)) or "(none)"))
        return x, what
    if not isinstance(layer, str):
        raise TypeError(f"layer={layer!r} must be the name of a layer")
    if layer not in adata.layers:
        raise ValueError(f"layer={layer!r} is not a layer of this AnnData; its layers are: "
                         + (", ".join(map(repr, adata.layers)) or "(none: draw X, without "
                            "layer=)"))
    return adata.layers[layer], f"AnnData layer {layer!r}"


class BackedSparseSource(MatrixSource):
    """A CSR or CSC matrix stored in an HDF5 group (``data``, ``indices``,
    ``indptr``), as AnnData writes ``X``: read in chunks of rows."""

    def __init__(self, group, shape, fmt, dtype, *, implicit="zero", labels=Labels(),
                 progress=False):
        self.group, self.format = group, fmt
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)
        self.implicit, self.labels, self.progress = check_implicit(implicit), labels, progress

    def _feed(self, fold):
        g = self.group
        ptr = np.asarray(g["indptr"][:], np.int64)
        data, indices = g["data"], g["indices"]
        n = len(ptr) - 1
        s = 0
        while s < n:
            e = int(np.searchsorted(ptr, ptr[s] + CHUNK_ENTRIES, "right")) - 1
            e = min(max(e, s + 1), n)
            p0, p1 = int(ptr[s]), int(ptr[e])
            vals = data[p0:p1]
            fold.add(ptr[s:e + 1] - p0, indices[p0:p1],
                     vals.view(np.uint8) if vals.dtype == np.bool_ else vals,
                     row_base=s, mode=DIRECT)
            s = e

    def fold(self, plan):
        if self.format == "csc":
            state = fold_sparse(plan.transposed(), self._feed, implicit=self.implicit,
                                track=plan.track)
            return np.ascontiguousarray(state.transpose(0, 2, 1))
        return fold_sparse(plan, self._feed, implicit=self.implicit, track=plan.track)

    def fold_values(self, plan):
        csc = self.format == "csc"
        values, data_range = sparse_values(plan.transposed() if csc else plan, self._feed,
                                           implicit=self.implicit, track=plan.track)
        return (values.T if csc else values), data_range

    def pick(self, plan):
        if self.format == "csc":
            return pick_sparse(plan.transposed(), self._feed, implicit=self.implicit).T.copy()
        return pick_sparse(plan, self._feed, implicit=self.implicit)


def anndata_source(adata, *, layer=None, implicit=None, progress=False):
    """The source of an AnnData's ``X`` (or ``layers[layer]``), labelled by
    ``obs_names`` x ``var_names``."""
    x, what = _matrix(adata, layer)
    shape = getattr(x, "shape", ())
    if len(shape) != 2:
        check_matrix(shape, getattr(x, "dtype", np.float64), what)
    labels = Labels(rows=[str(v) for v in adata.obs_names],
                    cols=[str(v) for v in adata.var_names], row_name="obs", col_name="var",
                    name=layer or "X")
    implicit = implicit or "zero"
    group = getattr(x, "group", None)
    fmt = getattr(x, "format", None)
    if group is not None and fmt in ("csr", "csc"):  # backed sparse
        return BackedSparseSource(group, shape, fmt, group["data"].dtype, implicit=implicit,
                                  labels=labels, progress=progress)
    if module_of(x) == "scipy":
        from .sparse import SparseSource

        return SparseSource(x, implicit=implicit, what=what, labels=labels)
    if implicit != "zero":
        raise ValueError(f"implicit={implicit!r} is for sparse matrices; {what} is dense")
    check_matrix(shape, x.dtype, what)
    source = open_source(x, progress=progress)
    source.labels = labels
    return source


def is_h5ad_path(data):
    return isinstance(data, (str, os.PathLike)) and isinstance(os.fspath(data), str) and \
        os.fspath(data).lower().endswith(".h5ad")


def _open(data, *, progress=False, layer=None, implicit=None):
    if is_h5ad_path(data):
        anndata = require("anndata", "reading .h5ad files", extra="anndata")
        if not os.path.exists(os.fspath(data)):
            raise FileNotFoundError(f"AnnData file {os.fspath(data)!r} does not exist")
        data = anndata.read_h5ad(os.fspath(data), backed="r")
    return anndata_source(data, layer=layer, implicit=implicit, progress=progress)


_register_builtin(lambda data: is_h5ad_path(data) or (
    module_of(data) == "anndata" and type(data).__name__ == "AnnData"), _open,
    options=("layer", "implicit"))
