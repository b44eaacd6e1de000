"""The rendered raster: what every front-end (compose, encode, viewers) starts from."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..aggregation.geometry import expand
from ..sources.base import Labels
from . import colormaps, norms

ORIGINS = ("upper", "lower")


@dataclass
class Raster:
    """One rendered raster and how it was made.

    Upsampled axes are kept at the matrix's own resolution: ``cells`` holds
    one value per (aggregated) cell, and pixel ``i`` shows cell row
    ``row_index[i]`` (``None``: pixel ``i`` is row ``i``; likewise columns).
    So a 1000 x 1000 matrix at 20,000 px is aggregated, normalized and coded
    once per cell, and only the final codes are expanded.
    """

    cells: np.ndarray  # aggregated floats, in display order
    cell_codes: np.ndarray  # uint16 colormap codes of `cells`
    palette: colormaps.Palette
    norm: norms.Norm
    labels: Labels  # tick labels, axis names and the values' name
    matrix_shape: tuple  # (rows, cols) of the matrix the cells were aggregated from
    origin: str = "upper"
    row_index: np.ndarray | None = None
    col_index: np.ndarray | None = None
    hidden: np.ndarray | None = None  # bool per cell: all of it hidden by mask=

    @functools.cached_property
    def missing(self) -> bool:
        """True when some cell is missing in the data (NaN, ±inf, masked in a
        masked array), not only hidden by ``mask=`` (nor bad under a log norm)."""
        bad = ~np.isfinite(self.cells)
        if self.hidden is not None:
            bad &= ~self.hidden
        return bool(bad.any())

    def _expand(self, a):
        return expand(a, self.row_index, self.col_index)

    @property
    def shape(self) -> tuple:
        """``(height, width)`` in pixels."""
        h, w = self.cell_codes.shape
        return (h if self.row_index is None else len(self.row_index),
                w if self.col_index is None else len(self.col_index))

    @functools.cached_property
    def top_code(self) -> int:
        """The largest code: ``>= palette.N`` when there are under, over or bad pixels."""
        return int(self.cell_codes.max(initial=0))

    @functools.cached_property
    def codes(self) -> np.ndarray:
        """``(height, width)`` uint16 colormap codes of every pixel."""
        return self._expand(self.cell_codes)

    @property
    def values(self) -> np.ndarray:
        """``(height, width)`` aggregated value of every pixel."""
        return self._expand(self.cells)

    def pixel_values(self, rows, cols, of="cells"):
        """Values (``of="cell_codes"``: codes) at pixel rows x pixel columns
        (an outer product, like ``np.ix_``)."""
        if self.row_index is not None:
            rows = self.row_index[rows]
        if self.col_index is not None:
            cols = self.col_index[cols]
        return getattr(self, of)[np.ix_(rows, cols)]

    def rgba(self) -> np.ndarray:
        """``(height, width, 4)`` uint8: the palette's colour of every pixel, each
        pixel one ``uint32`` taken from the table (3x faster than indexing
        the ``(n, 4)`` table)."""
        from . import _kernels as K

        table = np.ascontiguousarray(self.palette.table, dtype=np.uint8)
        h, w = self.shape
        out = np.empty((h, w, 4), np.uint8)
        if self.top_code >= len(table):
            raise ValueError(f"table has {len(table)} colours; codes need {self.top_code + 1}")
        with K.KERNEL_LOCK:
            K.take_colors(table.view(np.uint32)[:, 0], self.codes, out.view(np.uint32)[..., 0])
        return out

    def paint(self, table, out):
        """Write ``table[code]`` for every pixel into ``out`` (``(height, width,
        channels)`` uint8, possibly a view into a larger canvas): one parallel
        pass from the cell codes, expanding upsampled axes on the fly."""
        from . import _kernels as K

        h, w = self.shape
        table = np.asarray(table)
        if table.dtype != np.uint8 or table.ndim != 2:
            raise ValueError(f"table must be an (n, 3 or 4) uint8 array, got {table.shape} "
                             f"{table.dtype}")
        table = np.ascontiguousarray(table)
        if out.shape != (h, w, table.shape[1]) or out.dtype != np.uint8 or \
                table.shape[1] not in (3, 4):
            raise ValueError(f"out must be a ({h}, {w}, 3 or 4) uint8 array matching the "
                             f"table, got {out.shape} {out.dtype}")
        if len(table) < self.palette.N + 3 or self.top_code >= len(table):
            raise ValueError(f"table has {len(table)} colours; codes need {self.palette.N + 3}")
        rows = np.arange(h) if self.row_index is None else self.row_index.astype(np.intp)
        cols = np.arange(w) if self.col_index is None else self.col_index.astype(np.intp)
        for name, idx, n in (("row_index", rows, self.cell_codes.shape[0]),
                             ("col_index", cols, self.cell_codes.shape[1])):
            if len(idx) and (idx.min() < 0 or idx.max() >= n):
                raise ValueError(f"{name} points outside the {n} cells")
        # Of a run of pixel rows showing one cell row, paint the first and
        # copy it to the others.
        firsts = np.flatnonzero(np.diff(rows, prepend=-1))
        with K.KERNEL_LOCK:
            K.paint_rows(self.cell_codes, rows, cols, table, out, firsts)
        for a, b in zip(firsts.tolist(), np.append(firsts[1:], h).tolist()):
            if b - a > 1:
                out[a + 1: b] = out[a]

    def image(self, table=None):
        """A Pillow image of ``table[code]`` for every pixel (default table: the
        palette's RGBA colours; overlays pass one flattened onto their
        background, with 3 or 4 channels). Palette mode when the raster has at
        most 256 distinct colours (4x faster to encode as PNG, and smaller),
        else RGB(A)."""
        indexed = self.indexed(table)
        if indexed is not None:
            return indexed.to_image()
        from PIL import Image

        table = self.palette.table if table is None else np.ascontiguousarray(table)
        return Image.fromarray(np.take(table, self.codes, axis=0),
                               "RGB" if table.shape[1] == 3 else "RGBA")

    def indexed(self, table=None):
        """The raster as a palette image, :class:`fastheat.encode.Indexed`
        (``(height, width)`` uint8 indices into at most 256 colours of ``table``,
        as :meth:`image`), without Pillow; None when it has more colours."""
        from ..encode import Indexed

        table = self.palette.table if table is None else np.ascontiguousarray(table)
        n = self.palette.N
        if n <= 256 and self.top_code < n:  # common: no under/over/bad pixel
            colors, index = table[:n], self.cell_codes.astype(np.uint8)
        else:
            used = np.flatnonzero(np.bincount(self.cell_codes.ravel(), minlength=len(table)))
            colors, inverse = np.unique(table[used], axis=0, return_inverse=True)
            if len(colors) > 256:
                return None
            lookup = np.zeros(len(table), np.uint8)
            lookup[used] = inverse.ravel()
            index = lookup.take(self.cell_codes)
        return Indexed(self._expand(index), colors)
