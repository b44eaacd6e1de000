"""(Temporary, replaced by the sources refactor) the point-table option record."""
from __future__ import annotations

from dataclasses import dataclass, field

_XY = """Render a table of points (pandas or dask DataFrame): the coordinate
columns and the column to reduce (without ``value``, pixels count points),
binned by datashader; ``y`` grows upward."""
_RANGE = "The window of a point table (default: the data's extent)."


def _opt(doc, type, cli):
    return field(default=None, metadata={"doc": doc, "type": type, "cli": cli})


@dataclass(frozen=True)
class Points:
    """Point-table options: which columns, which window."""

    x: str | None = _opt(_XY, "str, optional", dict(
        help="point table (.parquet, .csv, .tsv): column of x coordinates"))
    y: str | None = _opt(_XY, "str, optional", dict(
        help="point table: column of y coordinates (y grows upward)"))
    value: str | None = _opt(_XY, "str, optional", dict(
        help="point table: column to reduce (default: count points)"))
    x_range: tuple | None = _opt(_RANGE, "(float, float), optional", dict(
        nargs=2, type="number", metavar=("LO", "HI"),
        help="point table: x window (default: the data's extent)"))
    y_range: tuple | None = _opt(_RANGE, "(float, float), optional", dict(
        nargs=2, type="number", metavar=("LO", "HI"),
        help="point table: y window (default: the data's extent)"))
