"""Slow, obvious numpy references for :func:`fastheat.aggregate` (like stumpy's
``tests/naive.py``). Nothing here calls fastheat code.

Geometry, along one axis of ``n_in`` cells drawn as ``n_out`` pixels: pixel
``i`` covers the interval ``[i * n_in / n_out, (i + 1) * n_in / n_out)`` in cell
units.

- Downsampled axis (``n_out < n_in``): every cell overlapping that interval
  contributes, weighted by the length of the overlap (computed exactly with
  :class:`fractions.Fraction`, rounded to float once).
- Upsampled axis (``n_out >= n_in``): pixel ``i`` shows the single cell
  ``floor((i + 0.5) * n_in / n_out)`` with weight 1 (crisp blocks).

A cell's weight is its row weight times its column weight. NaN, +-inf and
masked cells are missing (as matplotlib and seaborn mask them); a pixel with
no valid cell is NaN for every reduction.
"""
from __future__ import annotations

import functools
import math
import tracemalloc
from fractions import Fraction

import numpy as np

REDUCTIONS = ("mean", "sum", "min", "max", "absmax", "std", "count", "nearest")
INT_TYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
FLOAT_TYPES = ["float16", "float32", "float64"]
ALL_TYPES = ["bool"] + INT_TYPES + FLOAT_TYPES


@functools.lru_cache(maxsize=None)
def axis_cells(n_in: int, n_out: int):
    """For each pixel along an axis: ``(cells, weights)``, the input cells it
    reads and the overlap of each with the pixel, in cell units."""
    pixels = []
    for i in range(n_out):
        if n_out >= n_in:
            k = math.floor(Fraction(2 * i + 1, 2) * n_in / n_out)
            pixels.append((np.array([k]), np.array([1.0])))
            continue
        lo, hi = Fraction(i * n_in, n_out), Fraction((i + 1) * n_in, n_out)
        cells, weights = [], []
        for k in range(math.floor(lo), math.ceil(hi)):
            overlap = min(hi, k + 1) - max(lo, k)
            if overlap > 0:
                cells.append(k)
                weights.append(float(overlap))
        pixels.append((np.array(cells), np.array(weights)))
    return tuple(pixels)


@functools.lru_cache(maxsize=None)
def nearest_cell(n_in: int, n_out: int):
    """The cell under the centre of each pixel: ``floor((i + 0.5) * n_in / n_out)``."""
    return tuple(math.floor(Fraction(2 * i + 1, 2) * n_in / n_out) for i in range(n_out))


def _values_and_valid(data):
    """float64 values and a validity mask (finite, not masked) of a 2-D input."""
    mask = np.ma.getmaskarray(data) if isinstance(data, np.ma.MaskedArray) else None
    x = np.asarray(np.ma.getdata(data)).astype(np.float64)
    valid = np.isfinite(x)
    if mask is not None:
        valid &= ~mask
    return x, valid


def _absmax(v):
    big = np.max(np.abs(v))
    # the value of largest magnitude; +big wins a tie with -big
    return big if (v == big).any() else -big


def reduce_pixel(v, w, reduce):
    """Reduce the valid (finite) values ``v`` with weights ``w`` (1-D, same
    length). Sums that overflow are infinite, as IEEE arithmetic says."""
    with np.errstate(invalid="ignore", over="ignore"):
        return _reduce(v, w, reduce)


def _reduce(v, w, reduce):
    if v.size == 0:
        return np.nan
    if reduce == "mean":
        return np.sum(w * v) / np.sum(w)
    if reduce == "sum":
        return np.sum(w * v)
    if reduce == "std":
        mean = np.sum(w * v) / np.sum(w)
        return np.sqrt(np.sum(w * (v - mean) ** 2) / np.sum(w))
    if reduce == "min":
        return np.min(v)
    if reduce == "max":
        return np.max(v)
    if reduce == "absmax":
        return _absmax(v)
    if reduce == "count":
        return float(v.size)
    raise ValueError(reduce)


def aggregate(data, height: int, width: int, reduce: str = "mean") -> np.ndarray:
    """The ``(height, width)`` float64 grid of ``reduce`` over 2-D ``data``
    (ndarray or masked array), one output pixel at a time."""
    x, valid = _values_and_valid(data)
    out = np.full((height, width), np.nan)
    for i in range(height):
        for j in range(width):
            out[i, j] = _pixel(x, valid, height, width, i, j, reduce)
    return out


def pixel(data, height: int, width: int, i: int, j: int, reduce: str = "mean") -> float:
    """Output pixel ``(i, j)`` alone, reading only the cells it covers (for spot
    checks of inputs too large for :func:`aggregate`)."""
    n_rows, n_cols = data.shape
    if reduce == "nearest":
        r, c = nearest_cell(n_rows, height)[i], nearest_cell(n_cols, width)[j]
        x, valid = _values_and_valid(data[r:r + 1, c:c + 1])
        return x[0, 0] if valid[0, 0] else np.nan
    rows, wr = axis_cells(n_rows, height)[i]
    cols, wc = axis_cells(n_cols, width)[j]
    x, valid = _values_and_valid(data[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])
    ok = valid
    weights = np.outer(wr, wc)
    return reduce_pixel(x[ok], weights[ok], reduce)


def _pixel(x, valid, height, width, i, j, reduce):
    n_rows, n_cols = x.shape
    if reduce == "nearest":
        r, c = nearest_cell(n_rows, height)[i], nearest_cell(n_cols, width)[j]
        return x[r, c] if valid[r, c] else np.nan
    rows, wr = axis_cells(n_rows, height)[i]
    cols, wc = axis_cells(n_cols, width)[j]
    block = x[np.ix_(rows, cols)]
    ok = valid[np.ix_(rows, cols)]
    weights = np.outer(wr, wc)
    return reduce_pixel(block[ok], weights[ok], reduce)


def tolerance(data, height: int, width: int, reduce: str) -> np.ndarray:
    """Per-pixel absolute tolerance for comparing the kernel with :func:`aggregate`.

    min, max, absmax, count and nearest must match exactly (tolerance 0). The
    float reductions are summed in a different order by the kernel, so they
    may differ by rounding: ``1e-12`` relative to the pixel's largest
    magnitude (times its total weight for ``sum``). ``std`` is computed by the
    kernel from mergeable moments (``E[x^2] - E[x]^2``), which loses about half
    the digits when the spread is tiny next to the values: ``1e-7`` of the
    largest magnitude (that is, ``sqrt(eps)``-level).
    """
    if reduce in ("min", "max", "absmax", "count", "nearest"):
        return np.zeros((height, width))
    x, valid = _values_and_valid(data)
    mag = np.where(valid, np.abs(x), 0.0)
    big = aggregate(mag, height, width, "max")
    big = np.where(np.isfinite(big), big, 0.0)
    if reduce == "sum":
        return 1e-12 * aggregate(mag, height, width, "sum") + 1e-300
    if reduce == "std":
        return 1e-7 * big + 1e-300
    return 1e-12 * big + 1e-300


def assert_matches(got, data, height, width, reduce):
    """Assert ``got`` equals the reference within :func:`tolerance`, NaN where
    the reference is NaN and infinities (overflowed sums) equal."""
    want = aggregate(data, height, width, reduce)
    assert got.shape == want.shape == (height, width)
    assert got.dtype == np.float64
    nan_got, nan_want = np.isnan(got), np.isnan(want)
    bad = nan_got != nan_want
    assert not bad.any(), (
        f"{reduce}: NaN pattern differs at {np.argwhere(bad)[:5].tolist()}: "
        f"got {got[bad][:5]}, want {want[bad][:5]}")
    both = ~nan_want
    inf = np.isinf(want) | np.isinf(got)
    assert np.array_equal(got[both & inf], want[both & inf]), f"{reduce}: infinities differ"
    fin = both & ~inf
    tol = tolerance(data, height, width, reduce)
    with np.errstate(invalid="ignore"):
        err = np.abs(got - want)
    bad = fin & (err > tol)
    assert not bad.any(), (
        f"{reduce}: {bad.sum()} pixels differ, first at {np.argwhere(bad)[:3].tolist()}: "
        f"got {got[bad][:3]}, want {want[bad][:3]}, tolerance {tol[bad][:3]}")


# --- test data and measurements shared by the test modules ----------------------------


def random_matrix(rng, shape, dtype, *, nan=0.1, inf=0.02):
    """Values spread over ``dtype``'s range: integer extremes included, floats
    of many magnitudes with NaN and +-inf sprinkled in."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        x = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
        x.flat[:2] = (info.min, info.max)[: x.size]
        return x
    big = {2: 4, 4: 30, 8: 100}[dtype.itemsize]
    x = rng.normal(size=shape) * 10.0 ** rng.integers(-3, big // 2, size=shape)
    x = x.astype(dtype)
    x[rng.random(shape) < nan] = np.nan
    x[rng.random(shape) < inf] = np.inf
    x[rng.random(shape) < inf] = -np.inf
    return x


def byte_orders(dtype):
    """``dtype`` in both byte orders (one for single-byte types)."""
    dtype = np.dtype(dtype)
    if dtype.itemsize == 1:
        return [dtype]
    return [dtype.newbyteorder("<"), dtype.newbyteorder(">")]


def peak_memory(fn):
    """``(fn(), peak bytes traced by tracemalloc while it ran)``."""
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def big_matrix(dtype):
    """A square matrix of at least 64 MB with structure and some NaN."""
    n = max(4000, int(np.sqrt((64 << 20) / np.dtype(dtype).itemsize)))
    i = np.arange(n, dtype=np.float32)
    x = (np.sin(i / 97)[:, None] * np.cos(i / 61)[None, :] * 100).astype(dtype)
    if np.dtype(dtype).kind == "f":
        x[::37, ::41] = np.nan
    return x


def merge(reduce, state, part):
    """Merge partial state ``part`` into ``state`` (same shape) in place, the
    obvious numpy way: sums add, std's squared deviations by Chan's rule,
    extremes by ``numpy.fmin``/``fmax`` or the absmax rule (NaN: none yet)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if reduce == "std":
            wa, wb = state[1], part[1]
            delta = part[0] / wb - state[0] / wa
            shift = np.where((wa > 0) & (wb > 0), delta * delta * (wa * wb / (wa + wb)), 0.0)
            state[2] += part[2] + shift
            state[:2] += part[:2]
        elif reduce in ("mean", "sum", "count"):
            state += part
        elif reduce == "min":
            np.fmin(state, part, out=state)
        elif reduce == "max":
            np.fmax(state, part, out=state)
        else:
            take = (part == part) & ((state != state) | (abs(part) > abs(state))
                                     | ((abs(part) == abs(state)) & (part > state)))
            np.copyto(state, part, where=take)


def data_range(data):
    """``(min, max, smallest positive)`` of the valid cells of 2-D ``data``
    (None where there is none), as a tracking aggregation gathers them."""
    x, valid = _values_and_valid(data)
    v = x[valid]
    pos = v[v > 0]
    return (float(v.min()) if v.size else None, float(v.max()) if v.size else None,
            float(pos.min()) if pos.size else None)
