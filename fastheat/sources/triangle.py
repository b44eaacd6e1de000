"""``view="triangle"``: any square matrix source seen as its 45°-rotated diagonal band.

The wrapper aggregates through :func:`fastheat.aggregation.triangle.triangle_aggregate`
(the geometry, and what is exact, are documented there): the wrapped source's
own fold reads it (dense, memmap, dask, scipy.sparse, cooler), once. Ticks run
along the diagonal (bins, or a cooler's chromosome names and genome positions)
and up the band (the distance from the diagonal, ``j - i``).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..aggregation.triangle import TriangleMap, check_view, triangle_aggregate, virtual_shape
from .base import MatrixSource, Source


def view_source(source, *, view="matrix", depth=None):
    """``source`` as ``view`` shows it: itself for ``"matrix"``, a
    :class:`TriangleSource` for ``"triangle"``; errors for what cannot be."""
    if check_view(view, depth) is None and view == "matrix":
        return source
    from .coords import UnevenSource

    if isinstance(source, UnevenSource):
        raise ValueError("view='triangle' draws a matrix of equal bins; xcoords=, ycoords=, "
                         "xscale= and yscale= (or an xarray's uneven coordinates) are for "
                         "view='matrix'")
    if not isinstance(source, MatrixSource) or source.shape is None:
        raise TypeError(f"view='triangle' is for square matrices, not "
                        f"{type(source).__name__}")
    if getattr(source, "rregion", None) != getattr(source, "cregion", None) or \
            getattr(source, "r0", 0) != getattr(source, "c0", 0):
        raise ValueError("view='triangle' shows the band around the diagonal: give one region "
                         "(region='chr2:10M-20M'), not a (rows, columns) pair")
    return TriangleSource(source, check_view(view, depth, source.shape))


def check_decor(decor):
    """Refuse the decorations drawn per matrix cell, which the rotated view's
    axis-aligned pixels cannot place (``annot``, ``linewidths``)."""
    if decor is None:
        return
    annot = decor.annot
    if isinstance(annot, np.ndarray) or annot is not False:
        raise ValueError("annot= writes values in matrix cells, which view='triangle' "
                         "turns into diamonds; use view='matrix' for annotations")
    if decor.linewidths:
        raise ValueError(f"linewidths={decor.linewidths!r} draws borders between matrix "
                         f"cells, which view='triangle' turns into diamonds; leave it 0")


class TriangleSource(Source):
    """The triangle view of a square matrix source (``depth`` bins high).

    ``shape`` is the view's size in bins (``(ceil(depth / 2), n)``: default
    sizes keep square pixels), its raster is in the rotated frame
    (``resampled``: never upsampled by repeating cells)."""

    resampled = True
    default_aspect = "equal"

    def __init__(self, source, depth):
        self.source, self.depth = source, int(depth)
        self.n = int(source.shape[0])
        self._maps = {}  # (height, width) -> the TriangleMap last aggregated at that size
        self.shape = virtual_shape(self.n, self.depth)
        self.dtype, self.progress = source.dtype, source.progress
        inner = source.labels
        # rows: the distance from the diagonal, depth at the top edge, 0 at the bottom
        self.labels = replace(inner, rows=None, row_name=None, row_edges=(float(self.depth), 0.0),
                              col_edges=inner.col_edges)

    def aggregate(self, height, width, reduce):
        grid, _, tmap = triangle_aggregate(self.source, self.depth, height, width, reduce)
        self._maps[(height, width)] = tmap
        return grid

    def aggregate_range(self, height, width, reduce):
        grid, state, tmap = triangle_aggregate(self.source, self.depth, height, width, reduce,
                                               track=True)
        self._maps[(height, width)] = tmap
        from ..aggregation.reductions import reduction

        rule = reduction(reduce)
        if state is None or not rule.tracks(state):
            return grid, None
        return grid, rule.data_range(state)

    def outside(self, height, width):
        """``(height, width)`` bool: the pixels outside the band (no cell feeds them)."""
        tmap = self._maps.get((height, width)) or TriangleMap(self.n, self.depth, height, width)
        return tmap.outside

    def masked(self, mask):
        return TriangleSource(self.source.masked(mask), self.depth)

    def rewrap(self, source):
        """The same view of another source of the same shape (a mask)."""
        return TriangleSource(source, self.depth)

    def default_decor(self):
        """A cooler's decorations turned for the view: chromosome names at their
        centres along the diagonal (no lines: its boundaries are diagonal in
        this view), genome positions for one chromosome; nothing for others."""
        inner = getattr(self.source, "default_decor", None)
        if inner is None:
            return {}
        given = inner()
        out = {}
        if "extent" in given:  # one chromosome: bp along the diagonal and up the band
            x0, x1 = given["extent"][:2]
            binsize = (x1 - x0) / self.n
            out.update(extent=(x0, x1, 0.0, self.depth * binsize), xlabel=given.get("xlabel"),
                       ylabel="distance from the diagonal (bp)")
        elif "xticks" in given:
            out.update(xticks=given["xticks"], xticklabels=given["xticklabels"],
                       yticklabels=False)
        return {k: v for k, v in out.items() if v is not None}

    def default_coloring(self, given, cells):
        """The wrapped source's default colours (a cooler's Hi-C defaults)."""
        inner = getattr(self.source, "default_coloring", None)
        return {} if inner is None else inner(given, cells)

