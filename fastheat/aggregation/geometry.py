"""Output sizes and the exact area weights that tie input cells to output pixels.

Pure numpy on integers: which cells feed which pixel and with what weight, the
automatic raster size, upsampled axes (crisp blocks). Nothing here reads data.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

#: Largest raster side and pixel count accepted (a 2 GiB RGBA buffer).
MAX_SIDE = 65_535
MAX_PIXELS = 1 << 29
#: Automatic size: large matrices shrink to this many pixels on the longest side,
#: small ones grow by a whole factor until the longest side is at least SMALL.
AUTO_SIDE = 1000
SMALL = 400
#: ``aspect="auto"``: the short side is at least this fraction of the long one
#: (cells stretch, in whole pixels per cell where the matrix is small).
SHORT_RATIO = 0.25
#: How far a side may grow to give each cell the room its labels need
#: (``room=``); annotations may grow it further, up to ``ANNOT_SIDE``.
LABEL_SIDE = AUTO_SIDE
ANNOT_SIDE = 3000
ASPECTS = ("auto", "equal")


def _check_side(name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer number of pixels, got {value!r}")
    if not 1 <= value <= MAX_SIDE:
        raise ValueError(f"{name} must be between 1 and {MAX_SIDE} pixels, got {value}")
    return int(value)


def check_aspect(aspect):
    """``aspect`` checked: ``"auto"``, ``"equal"`` or a positive number (as a float)."""
    if isinstance(aspect, str):
        if aspect in ASPECTS:
            return aspect
        raise ValueError(f"aspect={aspect!r} is not allowed; use 'auto' (cells stretch), "
                         f"'equal' (square cells) or a number (cell height / cell width)")
    if isinstance(aspect, (bool, np.bool_)) or not isinstance(aspect, (int, float, np.number)):
        raise TypeError(f"aspect={aspect!r} must be 'auto', 'equal' or a number (cell height "
                        f"/ cell width)")
    if not (math.isfinite(aspect) and aspect > 0):
        raise ValueError(f"aspect={aspect!r} must be a finite number > 0 (cell height / cell "
                         f"width), 'auto' or 'equal'")
    return float(aspect)


def output_shape(shape, width=None, height=None, aspect="auto", room=(0, 0), cap=LABEL_SIDE):
    """The raster size ``(height, width)`` for a matrix of ``shape``.

    Neither side given: the long side as for square cells (matrices larger
    than ``AUTO_SIDE`` on their longest side shrink to it, matrices smaller
    than ``SMALL`` grow by a whole factor into crisp blocks, others keep their
    size), then the cells' shape follows ``aspect``: ``"equal"`` square,
    a number ``cell height / cell width``, ``"auto"`` stretched so that the
    short side is at least ``SHORT_RATIO`` of the long one. ``room`` is
    ``(px per row, px per column)`` that labels or annotations need: sides
    grow (in whole pixels per cell, the cells' aspect kept unless ``"auto"``)
    until each cell has it, up to ``cap`` px (never shrinking).

    One side given: the other follows the aspect (``"auto"``: the
    proportions of the default size). ``shape=None`` is a source with no
    matrix of its own (a point table): the raster is square, ``AUTO_SIDE``
    by default, and never counts as upsampled.

    >>> output_shape((10_000, 5_000))
    (1000, 500)
    >>> output_shape((10, 10))
    (400, 400)
    >>> output_shape((17, 700)), output_shape((17, 700), aspect="equal")
    ((187, 700), (17, 700))
    >>> output_shape((17, 700), room=(21, 0))
    (357, 700)
    >>> output_shape((300, 600), width=100)
    (50, 100)
    >>> output_shape(None), output_shape(None, width=300)
    ((1000, 1000), (300, 300))
    """
    if width is not None:
        width = _check_side("width", width)
    if height is not None:
        height = _check_side("height", height)
    aspect = check_aspect(aspect)
    if shape is None:
        width = width or height or AUTO_SIDE
        height = height or width
    else:
        height, width = _fit(tuple(max(1, int(n)) for n in shape), width, height, aspect,
                             room, cap)
    if width * height > MAX_PIXELS:
        raise ValueError(f"width x height = {width} x {height} exceeds the limit of "
                         f"{MAX_PIXELS} pixels; ask for a smaller raster")
    return height, width


def _side(v):
    return max(1, min(MAX_SIDE, int(round(v))))


def _fit(shape, width, height, aspect, room, cap):
    n_rows, n_cols = shape
    ratio = 1.0 if isinstance(aspect, str) else aspect  # cell height / cell width
    if width is not None and height is not None:
        return height, width
    if width is None and height is None:
        return _auto(shape, aspect, ratio, room, cap)
    if aspect == "auto":  # the default picture's proportions
        h0, w0 = _auto(shape, aspect, ratio, (0, 0), cap)
        ratio = h0 * n_cols / (w0 * n_rows)
    with np.errstate(over="ignore"):  # (an extreme aspect: checked below)
        other = np.float64(n_cols * height / (n_rows * ratio)) if width is None else \
            np.float64(n_rows * ratio) * width / n_cols
    if aspect != "auto" and not other < MAX_SIDE + 0.5:
        (given, side), made = (("height", height), "width") if width is None else \
            (("width", width), "height")
        raise ValueError(f"aspect={aspect!r} with {given}={side} makes the {made} {other:.3g} "
                         f"px, beyond the limit of {MAX_SIDE} px; use a less extreme aspect, "
                         f"or give both width and height")
    return (height, _side(other)) if width is None else (_side(other), width)


def _auto(shape, aspect, ratio, room, cap):
    """The size with no side given (see :func:`output_shape`)."""
    n_rows, n_cols = shape
    longest = max(n_rows * ratio, n_cols)  # in cell widths
    if longest > AUTO_SIDE:
        px = AUTO_SIDE / longest  # pixels per cell width
    elif longest < SMALL:
        px = float(-(-SMALL // longest))
    else:
        px = 1.0
    need_h, need_w = room
    if aspect == "auto":
        height, width = _side(n_rows * px * ratio), _side(n_cols * px)
        long_side = max(height, width)
        short = math.ceil(long_side * SHORT_RATIO)
        if height < short:
            height = _whole(n_rows, short)
        if width < short:
            width = _whole(n_cols, short)
        return _grow(n_rows, height, need_h, cap), _grow(n_cols, width, need_w, cap)
    need = max(need_w, need_h / ratio)  # pixels per cell width the room asks for
    if need > px:  # whole pixels per cell within the cap
        fit = cap / longest
        px = max(px, min(math.ceil(need), math.floor(fit) if fit >= 1 else fit))
    return _side(n_rows * px * ratio), _side(n_cols * px)


def _whole(n, target):
    """A side of at least ``target`` px for ``n`` cells: whole pixels per cell
    when the cells are upsampled."""
    return _side(n * math.ceil(target / n) if n < target else target)


def _grow(n, side, need, cap):
    """``side`` grown so that each of ``n`` cells has ``need`` px, in whole
    pixels per cell, up to ``cap`` px (never shrunk)."""
    if n * need <= side:
        return side
    per = min(math.ceil(need), cap // n)
    return max(side, _side(n * per))


def centre_cells(n_in, n_out):
    """The cell under the centre of each of ``n_out`` pixels spread over
    ``n_in`` cells (``reduce="nearest"``, upsampled axes, tick positions)."""
    i = np.arange(n_out, dtype=np.int64)
    return ((2 * i + 1) * n_in) // (2 * n_out)


class AxisMap(NamedTuple):
    """How the input cells of one axis feed its output pixels (see :func:`axis_map`).

    Pixel ``i`` reads cells ``start[i]:stop[i]``; cell ``start[i]`` has weight
    ``first[i]``, cell ``stop[i] - 1`` weight ``last[i]`` (equal to ``first[i]``
    when the pixel reads one cell) and every cell ``c`` in between weight
    ``cells[c]``, or 1 when ``cells`` is empty (a uniform grid: the interior
    cells lie wholly inside the pixel). Arrays of the output's length only, so
    an axis of 10^9 cells costs no more than one of 10^3; ``cells`` is the
    general hook for uneven grids (a weight per input cell).
    """

    start: np.ndarray
    stop: np.ndarray
    first: np.ndarray
    last: np.ndarray
    cells: np.ndarray

    @property
    def uniform(self):
        """Every weight is 1: a whole number of cells per pixel, or upsampled."""
        return self.cells.size == 0 and bool(np.all(self.first == 1.0)) and \
            bool(np.all(self.last == 1.0))

    def weights(self, i):
        """The weights of pixel ``i``'s cells ``start[i]:stop[i]`` (for tests
        and references; the kernels compute them on the fly)."""
        a, b = int(self.start[i]), int(self.stop[i])
        w = self.cells[a:b].copy() if self.cells.size else np.ones(b - a)
        w[-1] = self.last[i]
        w[0] = self.first[i]  # == last when the pixel reads one cell
        return w


_NO_CELLS = np.zeros(0)


def axis_map(n_in, n_out):
    """How ``n_in`` input cells feed ``n_out`` pixels along one axis: an
    :class:`AxisMap` (arrays of length ``n_out``).

    Pixel ``i`` covers ``[i * n_in / n_out, (i + 1) * n_in / n_out)`` in cell
    units; each cell's weight is its length inside the pixel, exact: the bounds
    are integers scaled by ``n_out``, so only the pixel's first and last cell
    can be partial. Upsampled axes give each pixel the one cell under its
    centre with weight 1, so cells become crisp blocks.

    >>> m = axis_map(3, 2)
    >>> m.start.tolist(), m.stop.tolist(), m.weights(0).tolist(), m.weights(1).tolist()
    ([0, 1], [2, 3], [1.0, 0.5], [0.5, 1.0])
    """
    i = np.arange(n_out, dtype=np.int64)
    if n_out >= n_in:
        start = centre_cells(n_in, n_out)
        one = np.ones(n_out)
        return AxisMap(start, start + 1, one, one.copy(), _NO_CELLS)
    n_in, n_out = np.int64(n_in), np.int64(n_out)
    lo, hi = i * n_in, (i + 1) * n_in  # pixel bounds, in cell units times n_out
    start, stop = lo // n_out, -(-hi // n_out)

    def overlap(cell):
        return (np.minimum((cell + 1) * n_out, hi) - np.maximum(cell * n_out, lo)) / n_out

    first = overlap(start)
    last = np.where(stop - start == 1, first, overlap(stop - 1))
    return AxisMap(start, stop, first, last, _NO_CELLS)


def pairs(m):
    """The ``(pixel, cell, weight)`` arrays of every cell each pixel of the
    :class:`AxisMap` ``m`` reads (for sources that fold entry by entry)."""
    length = m.stop - m.start
    offset = np.concatenate([[0], np.cumsum(length)[:-1]]).astype(np.int64)
    pixel = np.repeat(np.arange(len(m.start), dtype=np.int64), length)
    cell = np.arange(int(length.sum()), dtype=np.int64) - np.repeat(offset, length) + \
        np.repeat(m.start, length)
    weight = m.cells[cell].astype(np.float64) if m.cells.size else np.ones(len(cell))
    has = length > 0
    weight[(offset + length - 1)[has]] = m.last[has]
    weight[offset[has]] = m.first[has]
    return pixel, cell, weight


def axis_window(geometry, lo, hi):
    """The part of one axis' :func:`axis_map` that input cells ``lo:hi`` feed:
    ``(first pixel, AxisMap of just those pixels)`` (cell indices stay global)."""
    start, stop = geometry.start, geometry.stop
    a = int(np.searchsorted(stop, lo, "right"))
    b = int(np.searchsorted(start, hi, "left"))
    b = max(a, b)
    return a, AxisMap(*(f[a:b].copy() for f in geometry[:4]), geometry.cells)


def upsampling(n_in, n_out):
    """``(n_cells, index)`` for one axis: an upsampled axis (``n_out > n_in``)
    is aggregated at its own ``n_in`` cells and pixel ``i`` then shows cell
    ``index[i]`` (the one under its centre, as :func:`axis_map` would pick);
    otherwise ``(n_out, None)``."""
    if n_out <= n_in:
        return n_out, None
    return n_in, axis_map(n_in, n_out).start


def expand(cells, row_index=None, col_index=None):
    """Cell grid -> pixel grid for upsampled axes (see :func:`upsampling`):
    columns first (runs of repeats, on the small grid), then whole rows;
    several times faster than two ``take``s."""
    if col_index is not None:
        cells = np.repeat(cells, np.bincount(col_index, minlength=cells.shape[1]), axis=1)
    if row_index is not None:
        cells = cells.take(row_index, axis=0)
    return cells
