"""Point tables: pandas or dask DataFrames of points, binned by datashader's ``Canvas.points``.

:class:`Points` holds the point options (each declared once, with its help
text, for the public signatures and the CLI); a DataFrame given any of them is
a :class:`PointSource`, one given none is a matrix (:mod:`.frame`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np

from .._extras import require
from .._fields import opt
from .._progress import Progress
from ..aggregation.fold import merge_into
from ..aggregation.reductions import REDUCTIONS
from .registry import _register_builtin
from .base import _KINDS, Labels, Source, coordinate_edges, format_labels, is_table, module_of

#: The reductions point tables offer, in the order errors list them (count,
#: the default without ``value``, first): those with a datashader aggregation.
LISTED = ("count", "sum", "mean", "min", "max", "std", "absmax")


_XY = """Render a table of points (pandas or dask DataFrame): the coordinate
columns and the column to reduce (without ``value``, pixels count points),
binned by datashader; ``y`` grows upward."""
_RANGE = "The window of a point table (default: the data's extent)."


@dataclass(frozen=True)
class Points:
    """The point options: which columns of a table are the points, and the window.

    All None (the default) means no point options: the input is a matrix.
    """

    x: str | None = opt(None, _XY, type="str, optional", cli=dict(
        help="point table (.parquet, .csv, .tsv): column of x coordinates"))
    y: str | None = opt(None, _XY, type="str, optional", cli=dict(
        help="point table: column of y coordinates (y grows upward)"))
    value: str | None = opt(None, _XY, type="str, optional", cli=dict(
        help="point table: column to reduce (default: count points)"))
    x_range: tuple | None = opt(None, _RANGE, type="(float, float), optional", cli=dict(
        nargs=2, type="number", metavar=("LO", "HI"),
        help="point table: x window (default: the data's extent)"))
    y_range: tuple | None = opt(None, _RANGE, type="(float, float), optional", cli=dict(
        nargs=2, type="number", metavar=("LO", "HI"),
        help="point table: y window (default: the data's extent)"))

    @property
    def active(self) -> bool:
        """Whether any point option is given."""
        return any(getattr(self, f.name) is not None for f in fields(self))


class PointSource(Source):
    """A table of points (pandas or dask DataFrame) binned on a grid by
    datashader's ``Canvas.points``.

    It has no matrix of its own (``shape`` is None): the grid is as large as
    asked. The grid's row 0 is the top of the window (largest ``y``), so the
    default ``origin="upper"`` shows ``y`` growing upward, as in a scatter plot.
    A pixel with no point is NaN; without ``value``, pixels count points.
    ``labels`` are the bin centres and the window's edges of the grid last
    aggregated (before that, only the axis titles and the values' name): the
    default ticks are at round x and y values.
    """

    shape = None
    dtype = np.dtype(np.float64)

    def __init__(self, df, points: Points, *, progress=False):
        x, y, value = points.x, points.y, points.value
        if x is None or y is None:
            raise ValueError(f"a point table needs both x= and y= column names, got x={x!r}, y={y!r}")
        columns = list(df.columns)
        for option, col in (("x", x), ("y", y), ("value", value)):
            if col is None:
                continue
            if col not in columns:
                shown = ", ".join(map(repr, columns[:20])) + (", ..." if len(columns) > 20 else "")
                raise ValueError(f"{option}={col!r} is not a column of the DataFrame; its "
                                 f"columns are: {shown}")
            dtype = df.dtypes[col]
            if getattr(dtype, "kind", "O") not in _KINDS:
                raise TypeError(f"column {col!r} ({option}=) has dtype {dtype}; x, y and value "
                                f"columns must be numeric (bool, integer or float)")
        self.df, self.kind = df, "dask" if module_of(df) == "dask" else "pandas"
        self.x, self.y, self.value = x, y, value
        self.x_range = _check_range("x_range", points.x_range)
        self.y_range = _check_range("y_range", points.y_range)
        self.progress = progress
        self.labels = Labels(row_name=str(y), col_name=str(x),
                             name=value if value is not None else "count")

    def aggregate(self, height, width, reduce):
        ds = require("datashader", "binning a point table")
        if self.value is None and reduce not in ("mean", "count"):
            raise ValueError(f"reduce={reduce!r} needs a value= column; without one, pixels "
                             f"count points (reduce='count')")
        if reduce not in LISTED:
            raise ValueError(f"reduce={reduce!r} is not available for point tables; choose one "
                             f"of " + ", ".join(map(repr, LISTED)))
        # without a value column the mean of nothing is the count of points
        reduction = REDUCTIONS["count" if self.value is None else reduce]
        canvas = ds.Canvas(plot_width=width, plot_height=height, x_range=self.x_range,
                           y_range=self.y_range)
        grid = self._bin(canvas, reduction.datashader(ds, self.value))
        if reduction.name == "absmax":  # the extreme of larger magnitude, by the merge rule
            values = np.array([grid["hi"].values], dtype=np.float64)
            merge_into(reduction.code, values, np.array([grid["lo"].values], dtype=np.float64))
            values = values[0]
        else:
            values = np.asarray(grid.values, dtype=np.float64)
            if reduction.name == "count":  # a count state: no point -> NaN
                values = reduction.values(values[np.newaxis])
        # The labels are the bin centres, the axes the window's edges (row 0
        # is the top: its outer edge is the largest y); datashader names the
        # grid's dimensions after the columns.
        xc, yc = grid.coords[self.x].values, grid.coords[self.y].values[::-1]
        self.labels = replace(self.labels, cols=_centre_labels(xc), rows=_centre_labels(yc),
                              col_edges=coordinate_edges(xc), row_edges=coordinate_edges(yc))
        return np.ascontiguousarray(values[::-1], dtype=np.float64)

    def _bin(self, canvas, agg):
        if self.kind == "dask" and self.progress:
            from .dask import active_client, task_ticks

            if active_client(self.df) is None:
                bar = Progress(0, "aggregating points", enabled=True, unit=" tasks")
                with bar, task_ticks(bar):
                    return canvas.points(self.df, self.x, self.y, agg=agg)
        with Progress(1, "aggregating points", enabled=self.progress) as bar:
            grid = canvas.points(self.df, self.x, self.y, agg=agg)
            bar.update(1)
        return grid


def _centre_labels(centres):
    """Bin centres as texts, with enough decimals to tell neighbours apart."""
    step = abs(centres[1] - centres[0]) if len(centres) > 1 else 0.0
    if not step or not math.isfinite(step):
        return format_labels(centres)
    return format_labels(centres, digits=max(0, 1 - math.floor(math.log10(step))))


def _check_range(name, r):
    if r is None:
        return None
    try:
        lo, hi = (float(v) for v in r)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a (low, high) pair of numbers, got {r!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be finite with low < high, got {r!r}")
    return (lo, hi)


def _no_point_options(frame, *, progress=False):
    raise TypeError("a dask DataFrame is read as a table of points: pass x= and y= "
                    "column names (and value= to aggregate a column)")


_register_builtin(is_table, lambda df, *, points, progress=False: PointSource(
    df, points, progress=progress), points=True)
_register_builtin(lambda data: module_of(data) == "dask" and is_table(data), _no_point_options)
