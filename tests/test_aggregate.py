"""fastheat.aggregate against the slow references in tests/reference.py.

Tolerances (see ``reference.tolerance``): min, max, absmax, count and nearest
exact; mean and sum within 1e-12 of the pixel's largest magnitude; std within
1e-7 of it (the kernel's mergeable moments lose about half the digits).
"""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, strategies as st

import fastheat
import reference as ref

REDUCTIONS = ref.REDUCTIONS
INT_TYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
FLOAT_TYPES = ["float16", "float32", "float64"]
ALL_TYPES = ["bool"] + INT_TYPES + FLOAT_TYPES


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


def check(data, height, width, reduce):
    got = fastheat.aggregate(data, width=width, height=height, reduce=reduce)
    ref.assert_matches(got, data, height, width, reduce)
    return got


# (input shape, output (height, width)): integer and non-integer ratios, down,
# up, same size, mixed (down on one axis, up on the other), extreme aspect.
GEOMETRIES = [
    ((40, 60), (10, 20)),  # integer down
    ((37, 53), (9, 11)),  # non-integer down
    ((100, 100), (99, 99)),  # barely down
    ((10, 10), (40, 40)),  # integer up
    ((7, 9), (23, 31)),  # non-integer up
    ((13, 17), (13, 17)),  # same size
    ((50, 6), (7, 25)),  # rows down, columns up
    ((6, 50), (25, 7)),  # rows up, columns down
    ((1, 500), (1, 37)),  # 1 x N
    ((500, 1), (37, 1)),  # N x 1
    ((1, 1), (5, 3)),  # one cell
    ((300, 2), (1, 1)),  # everything into one pixel
    ((3, 400), (7, 3)),
]


@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("shape, out", GEOMETRIES, ids=lambda g: "x".join(map(str, g)))
def test_matches_reference(shape, out, reduce):
    x = random_matrix(np.random.default_rng(hash((shape, out)) % 2**32), shape, "float64")
    check(x, *out, reduce)


@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_docstring_geometry(reduce):
    # 4 x 4 -> 2 x 2 and 3 -> 2 by hand, so the reference itself is checked
    x = np.arange(16.0).reshape(4, 4)
    want = {"mean": [[2.5, 4.5], [10.5, 12.5]], "sum": [[10, 18], [42, 50]],
            "min": [[0, 2], [8, 10]], "max": [[5, 7], [13, 15]],
            "absmax": [[5, 7], [13, 15]], "count": [[4, 4], [4, 4]],
            "std": [[np.sqrt(4.25)] * 2] * 2, "nearest": [[5, 7], [13, 15]]}[reduce]
    np.testing.assert_allclose(ref.aggregate(x, 2, 2, reduce), want, rtol=1e-15)
    np.testing.assert_allclose(fastheat.aggregate(x, width=2, height=2, reduce=reduce), want,
                               rtol=1e-14)


def test_reference_exact_area_weights():
    # 3 cells -> 2 pixels: pixel 0 covers [0, 1.5): cell 0 fully, cell 1 half.
    cells = ref.axis_cells(3, 2)
    assert [c.tolist() for c, _ in cells] == [[0, 1], [1, 2]]
    assert [w.tolist() for _, w in cells] == [[1.0, 0.5], [0.5, 1.0]]
    x = np.array([[0.0, 3.0, 6.0]])
    # (0*1 + 3*0.5) / 1.5 = 1 and (3*0.5 + 6*1) / 1.5 = 5
    assert fastheat.aggregate(x, width=2, height=1).tolist() == [[1.0, 5.0]]
    assert fastheat.aggregate(x, width=2, height=1, reduce="sum").tolist() == [[1.5, 7.5]]
    # min/max/count see every cell with positive overlap, unweighted
    assert fastheat.aggregate(x, width=2, height=1, reduce="max").tolist() == [[3.0, 6.0]]
    assert fastheat.aggregate(x, width=2, height=1, reduce="count").tolist() == [[2.0, 2.0]]


def test_absmax_keeps_sign_and_prefers_positive_on_ties():
    x = np.array([[-3.0, 3.0, 3.0, -3.0, -5.0, 4.0, 2.0, np.nan]])
    got = fastheat.aggregate(x, width=4, height=1, reduce="absmax")
    assert got.tolist() == [[3.0, 3.0, -5.0, 2.0]]


def test_missing_pixels_are_nan_for_every_reduction():
    x = np.ones((4, 4))
    x[:2, :2] = np.nan
    for reduce in REDUCTIONS:
        got = fastheat.aggregate(x, width=2, height=2, reduce=reduce)
        assert np.isnan(got[0, 0]), reduce
        assert not np.isnan(got[1:, :]).any() and not np.isnan(got[0, 1]), reduce
    assert fastheat.aggregate(x, width=2, height=2, reduce="count").tolist()[1] == [4.0, 4.0]


# --- dtypes, byte orders, layouts ----------------------------------------------


def byte_orders(dtype):
    dtype = np.dtype(dtype)
    if dtype.itemsize == 1:
        return [dtype]
    return [dtype.newbyteorder("<"), dtype.newbyteorder(">")]


DTYPE_CASES = [d for t in ALL_TYPES for d in byte_orders(t)]


@pytest.mark.parametrize("dtype", DTYPE_CASES, ids=lambda d: d.str)
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_dtypes_and_byte_orders(dtype, reduce):
    rng = np.random.default_rng(7)
    x = random_matrix(rng, (29, 43), dtype.newbyteorder("="))
    x = x.astype(dtype)
    assert x.dtype == dtype
    check(x, 6, 10, reduce)  # non-integer down
    check(x, 58, 50, reduce)  # up, non-integer on columns


@pytest.mark.parametrize("dtype", ["int64", "uint64"])
def test_large_integers_exact_for_extremes(dtype):
    info = np.iinfo(dtype)
    x = np.array([[info.min, info.max, 0, 1]], dtype=dtype)
    for reduce in ("min", "max", "absmax", "nearest", "count"):
        check(x, 1, 2, reduce)
    assert fastheat.aggregate(x, width=1, height=1, reduce="max")[0, 0] == float(info.max)


def layouts(x):
    """The same values in many memory layouts: (name, array)."""
    f = np.asfortranarray(x)
    big = np.zeros((x.shape[0] * 2 + 1, x.shape[1] * 3 + 2), x.dtype)
    big[1::2, 2::3] = x
    return [
        ("C", np.ascontiguousarray(x)),
        ("F", f),
        ("strided", big[1::2, 2::3]),
        ("reversed", np.ascontiguousarray(x[::-1, ::-1])[::-1, ::-1]),
        ("transposed-view", np.ascontiguousarray(x.T).T),
        ("column-slice", np.ascontiguousarray(np.hstack([x, x]))[:, : x.shape[1]]),
        ("readonly", np.frombuffer(x.tobytes(), x.dtype).reshape(x.shape)),
    ]


@pytest.mark.parametrize("dtype", ["float32", ">f8", "int16", "<u2", "float16", "bool"])
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_layouts(dtype, reduce):
    x = random_matrix(np.random.default_rng(3), (23, 31), np.dtype(dtype).newbyteorder("="))
    x = x.astype(dtype)
    expected = ref.aggregate(x, 7, 9, reduce)
    for name, view in layouts(x):
        assert np.array_equal(np.asarray(view), x, equal_nan=x.dtype.kind == "f")
        got = fastheat.aggregate(view, width=9, height=7, reduce=reduce)
        ref.assert_matches(got, view, 7, 9, reduce)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(expected), err_msg=name)


def test_input_is_not_modified():
    x = random_matrix(np.random.default_rng(1), (20, 30), ">f4")
    f = np.asfortranarray(x)
    m = np.ma.masked_array(x, mask=np.random.default_rng(2).random(x.shape) < 0.3)
    copies = [x.copy(), f.copy(), m.copy()]
    for reduce in REDUCTIONS:
        for a in (x, f, m):
            fastheat.aggregate(a, width=7, height=5, reduce=reduce)
    for a, c in zip((x, f, m), copies):
        np.testing.assert_array_equal(np.ma.getdata(a), np.ma.getdata(c))
    assert f.flags.f_contiguous and x.dtype == np.dtype(">f4")


# --- masked arrays -------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64", "int8", ">i4", "uint16", "bool", "float16"])
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_masked_arrays(dtype, reduce):
    rng = np.random.default_rng(11)
    x = random_matrix(rng, (31, 27), np.dtype(dtype).newbyteorder("="), nan=0.05).astype(dtype)
    mask = rng.random(x.shape) < 0.3
    mask[:8, :8] = True  # whole output pixels masked -> NaN
    m = np.ma.masked_array(x, mask=mask)
    got = check(m, 9, 8, reduce)
    assert np.isnan(got[0, 0])
    check(m, 40, 60, reduce)  # upsampled
    check(np.ma.masked_array(x), 9, 8, reduce)  # nomask
    check(np.ma.masked_array(x, mask=np.zeros(x.shape, bool)), 9, 8, reduce)


def test_masked_values_are_ignored_not_just_hidden():
    # a huge value under the mask must not leak into any reduction
    x = np.ones((4, 4))
    x[0, 0] = 1e30
    m = np.ma.masked_array(x, mask=x > 10)
    for reduce in ("mean", "sum", "max", "absmax", "std", "count"):
        got = fastheat.aggregate(m, width=1, height=1, reduce=reduce)[0, 0]
        assert got == {"mean": 1, "sum": 15, "max": 1, "absmax": 1, "std": 0, "count": 15}[reduce]
    assert fastheat.aggregate(m, width=1, height=1, reduce="nearest").item() == 1.0
    all_masked = np.ma.masked_all((3, 3))
    for reduce in REDUCTIONS:
        assert np.isnan(fastheat.aggregate(all_masked, width=2, height=2, reduce=reduce)).all()


# --- hypothesis: shapes, dtypes, byte orders, strides, NaN/inf ----------------------


@st.composite
def matrices(draw):
    kind = draw(st.sampled_from(ALL_TYPES))
    dtype = draw(st.sampled_from(byte_orders(kind)))
    shape = draw(st.one_of(
        st.tuples(st.integers(1, 40), st.integers(1, 40)),
        st.tuples(st.just(1), st.integers(1, 2000)),  # extreme aspect ratios
        st.tuples(st.integers(1, 2000), st.just(1)),
    ))
    if dtype.kind == "b":
        elements = st.booleans()
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        elements = st.integers(int(info.min), int(info.max))
    else:
        # |x| <= 1e100 keeps sums and squares finite in float64; inf is drawn separately
        width = 8 * dtype.itemsize
        limit = {16: 65504.0, 32: float(np.finfo(np.float32).max), 64: 1e100}[width]
        elements = st.one_of(st.floats(-limit, limit, width=width),
                             st.sampled_from([np.nan, np.inf, -np.inf]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # a few drawn values (the interesting ones), the rest random from the same pool
    pool = draw(st.lists(elements, min_size=1, max_size=8))
    x = np.array(pool, dtype=dtype.newbyteorder("="))[rng.integers(0, len(pool), size=shape)]
    x = x.astype(dtype)
    step_r, step_c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    layout = draw(st.sampled_from(["C", "F", "strided", "negative"]))
    if layout == "F":
        x = np.asfortranarray(x)
    elif layout == "strided":
        big = np.zeros((shape[0] * step_r, shape[1] * step_c), dtype)
        big[::step_r, ::step_c] = x
        x = big[::step_r, ::step_c]
    elif layout == "negative":
        x = np.ascontiguousarray(x[::-1, ::-1])[::-1, ::-1]
    if draw(st.booleans()):
        x = np.ma.masked_array(x, mask=rng.random(shape) < draw(st.sampled_from([0.0, 0.3, 1.0])))
    return x


@given(x=matrices(), height=st.integers(1, 25), width=st.integers(1, 25),
       reduce=st.sampled_from(REDUCTIONS))
def test_hypothesis_matches_reference(x, height, width, reduce):
    check(x, height, width, reduce)


@given(x=matrices(), reduce=st.sampled_from(REDUCTIONS))
def test_hypothesis_same_size_is_identity(x, reduce):
    # at the matrix's own size every pixel is its cell (count: 1 where valid)
    got = fastheat.aggregate(x, width=x.shape[1], height=x.shape[0], reduce=reduce)
    vals = np.ma.getdata(x).astype(np.float64)
    valid = ~np.isnan(vals) & ~np.ma.getmaskarray(x)
    want = {"count": np.ones_like(vals), "std": np.where(np.isinf(vals), np.nan, 0.0),
            "sum": vals}.get(reduce, vals)
    want = np.where(valid, want, np.nan)
    np.testing.assert_array_equal(got, want)


# --- exact resampling: no moire, crisp blocks ---------------------------------------


@pytest.fixture(scope="module")
def checkerboard():
    """A 10,000 x 10,000 0/1 checkerboard of single cells (100 MB of uint8)."""
    parity = (np.arange(10_000) % 2).astype(np.uint8)
    return np.bitwise_xor.outer(parity, parity)


@pytest.mark.slow
@pytest.mark.parametrize("out", [(999, 999), (1000, 1000), (997, 1000), (1000, 613),
                                 (501, 777), (137, 1000)])
def test_checkerboard_is_flat_grey(checkerboard, out):
    assert checkerboard[0, :3].tolist() == [0, 1, 0] and checkerboard[1, :3].tolist() == [1, 0, 1]
    grid = fastheat.aggregate(checkerboard, width=out[1], height=out[0])
    assert grid.shape == out
    assert np.abs(grid - 0.5).max() <= 0.01, (grid.min(), grid.max())
    # and each pixel is the exact area-weighted mean (spot checks)
    rng = np.random.default_rng(0)
    for i, j in zip(rng.integers(0, out[0], 20), rng.integers(0, out[1], 20)):
        assert grid[i, j] == pytest.approx(ref.pixel(checkerboard, *out, i, j), abs=1e-12)


@pytest.mark.slow
def test_checkerboard_bool_non_native_path(checkerboard):
    # bool goes through the band-by-band conversion path; same flat grey
    grid = fastheat.aggregate(checkerboard.view(bool), width=999, height=999)
    assert np.abs(grid - 0.5).max() <= 0.01
    np.testing.assert_allclose(grid, fastheat.aggregate(checkerboard, width=999, height=999),
                               rtol=0, atol=1e-12)


def test_checkerboard_nearest_shows_why_area_weights_matter():
    # decimation of a fine checkerboard is all one colour (aliasing) ...
    parity = (np.arange(1000) % 2).astype(np.uint8)
    board = np.bitwise_xor.outer(parity, parity)
    near = fastheat.aggregate(board, width=100, height=100, reduce="nearest")
    assert np.unique(near).size == 1
    # ... while the area-weighted mean is grey, also at a non-integer ratio
    for side in (100, 99, 97):
        mean = fastheat.aggregate(board, width=side, height=side)
        assert np.abs(mean - 0.5).max() <= 0.01


@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_upsampling_is_crisp_blocks(reduce):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(10, 10))
    for grid in (fastheat.aggregate(x, reduce=reduce),  # default size: 400 x 400
                 fastheat.aggregate(x, width=400, height=400, reduce=reduce)):
        assert grid.shape == (400, 400)
        blocks = grid.reshape(10, 40, 10, 40)
        want = {"count": np.ones((10, 10)), "std": np.zeros((10, 10))}.get(reduce, x)
        np.testing.assert_array_equal(blocks, np.broadcast_to(want[:, None, :, None], blocks.shape))


def test_to_rgba_upsampling_is_crisp_blocks():
    x = np.random.default_rng(6).normal(size=(10, 10))
    rgba = fastheat.to_rgba(x)
    assert rgba.shape == (400, 400, 4)
    blocks = rgba.reshape(10, 40, 10, 40, 4)
    assert (blocks == blocks[:, :1, :, :1]).all()
    assert len(np.unique(rgba.reshape(-1, 4), axis=0)) > 50  # not all one colour


# --- files and memory -----------------------------------------------------------------


def _peak(fn):
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _big(dtype):
    """A square matrix of at least 64 MB with structure and some NaN."""
    n = max(4000, int(np.sqrt((64 << 20) / np.dtype(dtype).itemsize)))
    i = np.arange(n, dtype=np.float32)
    x = (np.sin(i / 97)[:, None] * np.cos(i / 61)[None, :] * 100).astype(dtype)
    if np.dtype(dtype).kind == "f":
        x[::37, ::41] = np.nan
    return x


@pytest.mark.parametrize("dtype, order", [("float32", "C"), ("float32", "F"), (">f4", "C"),
                                          ("float16", "C"), ("int8", "F"), ("float64", "C")])
def test_memory_mapped_without_copy(tmp_path, dtype, order):
    x = _big(dtype)
    if order == "F":
        x = np.asfortranarray(x)
    path = tmp_path / "m.npy"
    np.save(path, x)
    mm = np.load(path, mmap_mode="r")
    assert isinstance(mm, np.memmap) and mm.dtype == np.dtype(dtype)
    assert mm.flags.f_contiguous == (order == "F")
    fastheat.aggregate(mm[:50, :50], width=7, height=5)  # compile outside the measurement
    for reduce in ("mean", "max", "std"):
        got, peak = _peak(lambda: fastheat.aggregate(mm, width=123, height=77, reduce=reduce))
        assert peak < mm.nbytes / 4, f"{reduce}: peak {peak} bytes for a {mm.nbytes} byte file"
        np.testing.assert_array_equal(got, fastheat.aggregate(np.array(x), width=123, height=77,
                                                              reduce=reduce))
        rng = np.random.default_rng(0)
        for i, j in zip(rng.integers(0, 77, 10), rng.integers(0, 123, 10)):
            want = ref.pixel(mm, 77, 123, i, j, reduce)
            assert got[i, j] == pytest.approx(want, rel=1e-9, abs=1e-7, nan_ok=True)


@pytest.mark.parametrize("make", [
    lambda x: x,
    lambda x: np.asfortranarray(x),
    lambda x: x.astype(">f4"),
    lambda x: np.ma.masked_array(x, mask=np.isnan(x)),
])
def test_in_memory_no_full_size_temporary(make):
    x = make(_big("float32"))
    fastheat.aggregate(x[:10, :10], width=3, height=3)
    grid, peak = _peak(lambda: fastheat.aggregate(x, width=250, height=250))
    assert grid.shape == (250, 250)
    assert peak < np.ma.getdata(x).nbytes / 4, peak


@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("dtype", ["float16", ">f8", "int8"])
def test_bins_split_across_conversion_bands(dtype, reduce):
    # > 8 MB after conversion: converted in several row bands, bins straddling
    # the band edges must come out as if unsplit
    rng = np.random.default_rng(9)
    x = random_matrix(rng, (3001, 1500), np.dtype(dtype).newbyteorder("="), inf=0).astype(dtype)
    assert np.dtype(dtype) not in fastheat.aggregation.NATIVE
    check(x, 7, 5, reduce)


# --- std is computed from deviations about the mean: no cancellation, no overflow ------


def test_std_of_huge_values():
    x = np.full((2, 2), 1e200)
    assert fastheat.aggregate(x, width=1, height=1, reduce="std")[0, 0] == 0.0


@pytest.mark.parametrize("chunks", [None, (3, 5)])
def test_std_with_a_large_offset(chunks):
    # E[x^2] - E[x]^2 would lose every digit here: spread 1e-3 around 1e8
    rng = np.random.default_rng(4)
    x = 1e8 + rng.normal(0, 1e-3, size=(12, 20))
    want = np.array([[x[r:r + 6, c:c + 10].std() for c in (0, 10)] for r in (0, 6)])
    if chunks is None:
        got = fastheat.aggregate(x, width=2, height=2, reduce="std")
    else:  # partial states merged across blocks that split every bin
        da = pytest.importorskip("dask.array", reason="dask is in the test extra")
        got = fastheat.aggregate(da.from_array(x, chunks=chunks), width=2, height=2,
                                 reduce="std")
    np.testing.assert_allclose(got, want, rtol=1e-6)


# --- output size ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape, want", [
    ((10_000, 10_000), (1000, 1000)),  # large: longest side about 1000
    ((10_000, 5_000), (1000, 500)),
    ((3_000, 20_000), (150, 1000)),
    ((500, 600), (500, 600)),  # medium: own size
    ((10, 10), (400, 400)),  # small: a whole factor, crisp blocks
    ((3, 7), None),
    ((1, 1), None),
])
def test_default_size(shape, want):
    h, w = fastheat.aggregation.output_shape(shape)
    if want is not None:
        assert (h, w) == want
    if max(shape) < 400:  # grown by the same whole factor on both axes
        k = h // shape[0]
        assert (h, w) == (k * shape[0], k * shape[1]) and k > 1 and max(h, w) >= 400


def test_one_side_given_keeps_the_aspect_ratio():
    x = np.zeros((300, 600))
    assert fastheat.aggregate(x, width=100).shape == (50, 100)
    assert fastheat.aggregate(x, height=100).shape == (100, 200)
    assert fastheat.to_rgba(x, width=100).shape == (50, 100, 4)
    assert fastheat.aggregate(np.zeros((1, 10_000)), width=10).shape == (1, 10)  # at least 1 px
