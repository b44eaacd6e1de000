"""Matrices on uneven rectilinear grids: ``xcoords=``/``ycoords=`` (cell edges or
centres), ``xscale=``/``yscale=`` and xarray's uneven coordinates.

Any matrix source is wrapped: it folds an
:class:`~fastheat.aggregation.uneven.UnevenPlan` with its own loop (dense,
out-of-core or sparse), so the raster is in data coordinates with exact area
weights over the uneven cells. Curvilinear grids are out of scope.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..aggregation.uneven import UnevenPlan, cell_edges, check_scale, transformed
from .base import MatrixSource, Source, format_labels


def _index_edges(n):
    return np.arange(n + 1, dtype=np.float64) + 0.5  # cell k centred on k + 1 (log-safe)


def uneven_source(source, *, xcoords=None, ycoords=None, xscale=None, yscale=None):
    """``source`` with its cells at the given coordinates (see :class:`UnevenSource`)."""
    if isinstance(source, UnevenSource):  # given coordinates win over the source's own
        inner = source
        xcoords = inner.given[0] if xcoords is None else xcoords
        ycoords = inner.given[1] if ycoords is None else ycoords
        xscale, yscale = xscale or inner.scales[0], yscale or inner.scales[1]
        source = inner.source
    if not isinstance(source, MatrixSource) or source.shape is None:
        raise TypeError(f"xcoords=, ycoords=, xscale= and yscale= are for matrices, not "
                        f"{type(source).__name__}")
    return UnevenSource(source, xcoords=xcoords, ycoords=ycoords, xscale=xscale, yscale=yscale)


class UnevenSource(Source):
    """A matrix source whose rows and columns are uneven cells: aggregated
    through an :class:`UnevenPlan` by the wrapped source's own fold, so the
    raster is in data coordinates (never upsampled by repeating cells:
    ``resampled``)."""

    resampled = True

    def __init__(self, source, *, xcoords=None, ycoords=None, xscale=None, yscale=None):
        self.source = source
        self.shape, self.dtype, self.progress = source.shape, source.dtype, source.progress
        n_rows, n_cols = source.shape
        self.given = (xcoords, ycoords)
        self.scales = (check_scale(xscale, "xscale"), check_scale(yscale, "yscale"))
        labels = source.labels
        edges = []
        for axis, (coords, scale, n, name) in enumerate(
                ((ycoords, self.scales[1], n_rows, "ycoords"),
                 (xcoords, self.scales[0], n_cols, "xcoords"))):
            if coords is None and scale == "linear":
                edges.append(None)
                continue
            if coords is None:
                e = _index_edges(n)
            elif scale == "log" and np.ndim(coords) == 1 and len(coords) == n:
                # centres on a log axis: edges half-way in log space (as xarray's
                # plots infer them), so log-spaced centres are even cells
                c = np.asarray(coords, dtype=np.float64)
                e = 10 ** cell_edges(transformed(c, scale, name), n, name)
            else:
                e = cell_edges(coords, n, name)
            edges.append((e, transformed(e, scale, name), scale))
        self.row_axis, self.col_axis = edges
        for field, axis in (("row", self.row_axis), ("col", self.col_axis)):
            if axis is None:
                continue
            e, _, scale = axis
            if scale == "linear":  # the raster is linear in data units: round ticks
                labels = replace(labels, **{f"{field}s": None,
                                            f"{field}_edges": (float(e[0]), float(e[-1]))})
            else:
                labels = replace(labels, **{f"{field}s": None, f"{field}_edges": None})
        self.labels = labels

    def plan(self, height, width, reduce, track=False):
        return UnevenPlan(self.shape[0], self.shape[1], height, width, reduce, track,
                          None if self.row_axis is None else self.row_axis[1],
                          None if self.col_axis is None else self.col_axis[1])

    def _aggregate(self, height, width, reduce, track):
        plan = self.plan(height, width, reduce, track)
        if plan.reduction.code is None:
            return self.source.pick(plan), None
        state = self.source.fold(plan)
        return (np.ascontiguousarray(plan.finish(state)),
                plan.reduction.data_range(state) if track else None)

    def default_decor(self):
        """Ticks at round values (1, 2, 5 x 10^k, or decades when the axis spans
        several) on a log axis, in the matrix coordinates the raster maps linearly."""
        out = {}
        for axis, n, ticks, labels in ((self.row_axis, self.shape[0], "yticks", "yticklabels"),
                                       (self.col_axis, self.shape[1], "xticks", "xticklabels")):
            if axis is None or axis[2] != "log":
                continue
            t = axis[1]
            lo, hi = sorted((t[0], t[-1]))
            steps = (1,) if hi - lo >= 2 else (1, 2, 5)
            values = [m * 10.0 ** k for k in range(int(np.floor(lo)), int(np.ceil(hi)) + 1)
                      for m in steps if lo <= np.log10(m * 10.0 ** k) <= hi]
            pos = [(np.log10(v) - t[0]) / (t[-1] - t[0]) * n for v in values]
            out[ticks] = tuple(float(p) for p in pos)
            out[labels] = [_log_label(v) for v in values]
        return out

    def aggregate(self, height, width, reduce):
        return self._aggregate(height, width, reduce, False)[0]

    def aggregate_range(self, height, width, reduce):
        return self._aggregate(height, width, reduce, True)

    def masked(self, mask):
        return self.rewrap(self.source.masked(mask))

    def rewrap(self, source):
        """Another matrix of the same shape (a mask) on these cells."""
        return UnevenSource(source, xcoords=self.given[0], ycoords=self.given[1],
                            xscale=self.scales[0], yscale=self.scales[1])


_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def _log_label(v):
    """``100`` -> ``10²`` as matplotlib's log axes write decades; ``200`` -> ``200``.

    >>> _log_label(1000.0), _log_label(0.01), _log_label(50.0)
    ('10³', '10⁻²', '50')
    """
    k = int(np.floor(np.log10(v) + 1e-9))
    if abs(v / 10.0 ** k - 1) < 1e-9:
        return "10" + str(k).translate(_SUPERSCRIPT)
    return format_labels(np.array([v]))[0]
