"""xarray DataArrays: coordinates become tick labels, dimension names axis titles.

numpy-backed arrays are read in memory, dask-backed ones by
:class:`~fastheat.sources.dask.DaskSource`, lazily loaded ones (netCDF, zarr)
in row bands by :class:`~fastheat.sources.chunked.ChunkedSource`.
"""
from __future__ import annotations

import numpy as np

from .registry import _register_builtin
from .array import ArraySource
from .base import Labels, check_matrix, coordinate_edges, format_labels, module_of
from .chunked import ChunkedSource
from .dask import DaskSource


def _uneven(coords, edges):
    """``xcoords``/``ycoords`` for the axes whose numeric coordinates are
    strictly monotonic but not evenly spaced (those become positions)."""
    out = {}
    for name, c, e in zip(("ycoords", "xcoords"), coords, edges):
        if c is None or e is not None:
            continue
        v = np.asarray(c)
        if v.dtype.kind in "iuf" and v.ndim == 1 and len(v) >= 2 and np.all(np.isfinite(v)):
            d = np.diff(v.astype(float))
            if np.all(d > 0) or np.all(d < 0):
                out[name] = v
    return out


def xarray_source(da, *, progress=False):
    """The source for an xarray ``DataArray`` (see :func:`_xarray_source`);
    strictly monotonic uneven numeric coordinates are the cells' positions
    (:mod:`fastheat.sources.coords`), as ``pcolormesh`` draws them."""
    source = _xarray_source(da, progress=progress)
    coords = [da.indexes[d] if d in da.indexes else None for d in da.dims]
    uneven = _uneven(coords, (source.labels.row_edges, source.labels.col_edges))
    if uneven:
        from .coords import uneven_source

        return uneven_source(source, **uneven)
    return source


def _xarray_source(da, *, progress=False):
    """The source for an xarray ``DataArray``: coordinates become the row and
    column labels, the dimensions' names the axis titles (like a DataFrame's
    index and columns names) and the array's name the values' name. Evenly
    spaced numeric coordinates are also an axis in data units (ticks at round
    values where they are); others (dates, uneven) stay labels."""
    what = f"DataArray {da.name!r}" if da.name is not None else "DataArray"
    check_matrix(da.shape, da.dtype, what)
    coords = [da.indexes[d] if d in da.indexes else None for d in da.dims]
    rows, cols = (None if c is None else format_labels(c) for c in coords)
    row_edges, col_edges = (None if c is None else coordinate_edges(c) for c in coords)
    row_name, col_name = (str(d) for d in da.dims)
    labels = Labels(rows, cols, row_name, col_name, da.name, row_edges, col_edges)
    if da.chunks is not None:
        return DaskSource(da.data, progress=progress, labels=labels)
    if getattr(da.variable, "_in_memory", True):
        return ArraySource(da.values, what=what, labels=labels)
    variable = da.variable
    return ChunkedSource(da.shape, da.dtype, what=what, progress=progress,
                         chunks=(1, da.shape[1]), labels=labels,
                         read=lambda r0, r1, c0, c1: variable[r0:r1, c0:c1].values,
                         take=lambda rows: variable[rows].values)


def _from_xarray(data, *, progress=False):
    if type(data).__name__ == "Dataset":
        raise TypeError(f"got an xarray Dataset; pass one of its variables, e.g. "
                        f"ds[{next(iter(data.data_vars), 'name')!r}]")
    return xarray_source(data, progress=progress)


_register_builtin(lambda data: module_of(data) == "xarray"
                  and type(data).__name__ in ("DataArray", "Dataset"), _from_xarray)
