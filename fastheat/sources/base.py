"""Source stage: whatever the user passes -> a :class:`Source` that can
aggregate itself to an output grid.

Nothing here reads the data: arrays, memmaps and views are passed on as they
are; only Python sequences become new arrays. Every later stage sees only the
aggregated grid and the source's description (shape, dtype, labels, name).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_KINDS = "biuf"  # bool, signed and unsigned integers, floating point
_NDIM_HINTS = {0: "; pass a matrix, e.g. [[value]]",
               1: "; for a single row use data[np.newaxis, :]",
               3: "; for an RGB(A) image there is nothing to colormap, and for a "
                  "stack pick one 2-D slice"}


def check_matrix(shape, dtype, name="data"):
    """Raise the errors for a matrix of ``shape`` and ``dtype`` that fastheat
    cannot render, without reading it (shared by every source)."""
    dtype = np.dtype(dtype)
    if dtype.kind not in _KINDS:
        raise TypeError(f"{name} has dtype {dtype} ({dtype.kind!r} kind); "
                        f"allowed are bool, integer and floating point arrays")
    if len(shape) != 2:
        hint = _NDIM_HINTS.get(len(shape), "; pick a 2-D slice of it")
        raise ValueError(f"{name} is {len(shape)}-dimensional (shape {tuple(shape)}) and "
                         f"must be 2-dimensional{hint}")
    if any(isinstance(n, float) and np.isnan(n) for n in shape):  # dask, before compute
        raise ValueError(f"{name} has unknown chunk sizes (shape {tuple(shape)}); call "
                         f"x.compute_chunk_sizes() first")
    if 0 in shape:
        raise ValueError(f"{name} is empty (shape {tuple(shape)}); it needs at least one row "
                         f"and one column")


def split_mask(data):
    """``(values, mask)`` of a masked array (mask None when nothing is
    masked); other input is returned as it is, with mask None."""
    if not isinstance(data, np.ma.MaskedArray):
        return data, None
    m = np.ma.getmask(data)
    return data.data, (None if m is np.ma.nomask or not m.any() else np.asarray(m))


def as_matrix(data, name="data"):
    """Return ``(array, mask)`` for a 2-D numeric matrix; ``mask`` is None or a
    boolean array of the same shape (True = missing).

    >>> as_matrix([[1, 2], [3, 4]])[0].shape
    (2, 2)
    """
    data, mask = split_mask(data)
    if not isinstance(data, np.ndarray):
        try:
            data = np.asarray(data)
        except (ValueError, TypeError) as e:
            raise TypeError(f"{name} could not be read as a 2-D numeric array: {e}") from None
    check_matrix(data.shape, data.dtype, name)
    return data, mask


@dataclass(frozen=True)
class Labels:
    """What a source knows about its axes and values, for ticks and titles."""

    rows: list | None = None  # one tick label per matrix row (None: the indices)
    cols: list | None = None
    row_name: str | None = None  # axis titles (a DataFrame's index and columns names)
    col_name: str | None = None
    name: str | None = None  # the values' name (colorbar label)


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
        from ..aggregation.fold import aggregate_matrix

        return aggregate_matrix(self.array, self.mask, height, width, reduce)


def open_source(data, *, x=None, y=None, value=None, x_range=None, y_range=None,
                progress: bool = False) -> Source:
    """Wrap what the user passed in the :class:`Source` that reads it.

    Out-of-core and distributed inputs (``np.memmap``, zarr, HDF5, dask,
    xarray, and DataFrames given point options ``x``/``y``/``value``/
    ``x_range``/``y_range``) are recognised by :func:`fastheat.outofcore.detect`
    without importing their libraries; ``progress`` shows a bar on stderr while
    they are read. A DataFrame without point options is a matrix.
    """
    if isinstance(data, Source):
        return data
    from .outofcore import detect

    source = detect(data, x=x, y=y, value=value, x_range=x_range, y_range=y_range,
                    progress=progress)
    if source is not None:
        return source
    if _is_pandas_frame(data):
        return frame_source(data)
    return ArraySource(data)


def _is_pandas_frame(obj):
    # by module name: numpy input never imports pandas
    return type(obj).__module__.split(".")[0] == "pandas" and type(obj).__name__ == "DataFrame"


def _label(value):
    return "-".join(map(str, value)) if isinstance(value, tuple) else str(value)


def frame_source(frame) -> ArraySource:
    """A pandas DataFrame as a matrix: its index and columns become the row and
    column labels, and their names the axis labels (seaborn's convention)."""
    values = frame.to_numpy()
    if values.dtype == object:  # nullable (pd.NA) or mixed numeric columns
        try:
            values = frame.to_numpy(dtype="float64", na_value=np.nan)
        except (TypeError, ValueError):
            kinds = sorted({str(t) for t in frame.dtypes})
            raise TypeError(f"the DataFrame has non-numeric columns (dtypes: {', '.join(kinds)}); "
                            f"pass only numeric columns, e.g. frame.select_dtypes('number')"
                            ) from None
    source = ArraySource(values)
    source.row_labels = [_label(v) for v in frame.index]
    source.col_labels = [_label(v) for v in frame.columns]
    names = [n for n in frame.index.names if n is not None]
    source.row_name = "-".join(map(str, names)) or None
    names = [n for n in frame.columns.names if n is not None]
    source.col_name = "-".join(map(str, names)) or None
    return source
