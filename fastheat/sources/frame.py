"""pandas DataFrames as matrices: index and columns become the tick labels.

(With point options a DataFrame is a table of points instead: :mod:`.points`.)
"""
from __future__ import annotations

import numpy as np

from .registry import _register_builtin
from .array import ArraySource
from .base import Labels, module_of


def _label(value):
    return "-".join(map(str, value)) if isinstance(value, tuple) else str(value)


def _axis_name(names):
    names = [n for n in names if n is not None]
    return "-".join(map(str, names)) or None


def frame_source(frame) -> ArraySource:
    """A pandas DataFrame as a matrix: its index and columns become the row and
    column labels, and their names the axis labels (seaborn's convention). A
    numeric index stays labels too, one per row like seaborn's (an axis in data
    units is ``extent=``'s, or an xarray's)."""
    values = frame.to_numpy()
    if values.dtype == object:  # nullable (pd.NA) or mixed numeric columns
        try:
            values = frame.to_numpy(dtype="float64", na_value=np.nan)
        except (TypeError, ValueError):
            kinds = sorted({str(t) for t in frame.dtypes})
            raise TypeError(f"the DataFrame has non-numeric columns (dtypes: {', '.join(kinds)}); "
                            f"pass only numeric columns, e.g. frame.select_dtypes('number')"
                            ) from None
    return ArraySource(values, labels=Labels(
        rows=[_label(v) for v in frame.index], cols=[_label(v) for v in frame.columns],
        row_name=_axis_name(frame.index.names), col_name=_axis_name(frame.columns.names)))


def _is_pandas_frame(obj):
    # by module name: numpy input never imports pandas
    return module_of(obj) == "pandas" and type(obj).__name__ == "DataFrame"


_register_builtin(_is_pandas_frame, lambda frame, *, progress=False: frame_source(frame))
