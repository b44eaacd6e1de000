"""fastheat.aggregation.fold (and its kernel) against the slow references in tests/reference.py.

Tolerances (see ``reference.tolerance``): min, max, absmax, count and nearest
exact; mean and sum within 1e-12 of the pixel's largest magnitude; std within
1e-7 of it (the kernel's mergeable moments lose about half the digits). Merges
of partial states are bit-identical to the obvious numpy merge.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, strategies as st

import fastheat
import reference as ref
from fastheat.aggregation import _kernels as K
from fastheat.aggregation.fold import (Block, Plan, Window, fold, fold_matrix, fold_values,
                                       kernel_dtype, merge_into, merge_parts)
from fastheat.aggregation.reductions import REDUCTIONS as TABLE, DataRange
from fastheat.sources import open_source
from reference import ALL_TYPES, byte_orders, random_matrix

REDUCTIONS = ref.REDUCTIONS


def check(data, height, width, reduce):
    got = fastheat.aggregate(data, width=width, height=height, reduce=reduce)
    ref.assert_matches(got, data, height, width, reduce)
    # the input's range gathered in the same pass, exactly
    _, tracked = open_source(data).aggregate_range(height, width, reduce)
    assert tracked == tracked_range(data, reduce)
    return got


def tracked_range(data, reduce):
    """The :class:`DataRange` a tracking aggregation must gather: the
    reference's, with only the fields ``reduce`` uses (none: no pass over the
    input for ``nearest``)."""
    if reduce == "nearest":
        return None
    used = TABLE[reduce].input_range
    return DataRange(*(v if f in used else None
                       for f, v in zip(DataRange._fields, ref.data_range(data))))


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


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int16", "int32"])
@pytest.mark.parametrize("shape, out", [((600, 4096), (60, 512)), ((600, 6000), (2, 2)),
                                        ((40, 30), (4, 3)), ((513, 20), (1, 4)),
                                        ((257, 4100), (1, 2)),
                                        # the ratios with their own bin sums: 2, 4, 16, 10
                                        ((64, 4100), (32, 2050)), ((64, 8192), (16, 2048)),
                                        ((160, 4096), (10, 256)), ((30, 10000), (3, 1000))])
def test_integer_bins_summed_in_integers_are_the_float64_sums(dtype, shape, out):
    # whole integer bins of uint8/uint16/int16 are summed in integer lanes and
    # running int64 sums (no float64 row sums): exact, so the same bits as the
    # float64 route takes for the same values as float64; bins taller than a
    # lane chunk (513 and 600 rows of uint8) and segments of 2048 columns too
    info = np.iinfo(dtype)
    rng = np.random.default_rng(8)
    x = rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    x[0, :] = info.max
    x[-1, :7] = info.min
    for reduce in ("mean", "sum", "std"):
        got = fastheat.aggregate(x, width=out[1], height=out[0], reduce=reduce)
        want = fastheat.aggregate(x.astype(np.float64), width=out[1], height=out[0],
                                  reduce=reduce)
        assert got.tobytes() == want.tobytes(), reduce


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
    # at the matrix's own size every pixel is its cell (count: 1 where valid;
    # NaN and +-inf are missing)
    got = fastheat.aggregate(x, width=x.shape[1], height=x.shape[0], reduce=reduce)
    vals = np.ma.getdata(x).astype(np.float64)
    valid = np.isfinite(vals) & ~np.ma.getmaskarray(x)
    want = {"count": np.ones_like(vals), "std": np.zeros_like(vals)}.get(reduce, vals)
    want = np.where(valid, want, np.nan)
    np.testing.assert_array_equal(got, want)


def _bits(v):
    """The bytes of float64 values, every NaN the same (their sign bits differ)."""
    return np.where(np.isnan(v), np.nan, v).tobytes()


@given(x=matrices(), height=st.integers(1, 40), width=st.integers(1, 40),
       track=st.booleans())
def test_hypothesis_a_mean_finished_in_the_fold_is_the_divided_state(x, height, width, track):
    # MEANS (one plane, divided in the kernel) against the MOMENTS state divided
    # afterwards: the same bits, and the same tracked range
    x = np.ascontiguousarray(np.ma.getdata(x), dtype=kernel_dtype(x.dtype))  # read as it is
    height, width = min(height, x.shape[0]), min(width, x.shape[1])
    plan = Plan(*x.shape, height, width, "mean", track)
    values, state = fold_values(plan, x)
    assert state.shape[0] == 1 + K.TRACKED * track  # no weight plane
    divided = fold_matrix(plan, x)
    assert _bits(values) == _bits(plan.finish(divided.copy()))
    if track:
        assert TABLE["mean"].data_range(state) == TABLE["mean"].data_range(divided)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("out", [(10, 10), (7, 9), (50, 100)])
def test_a_pixel_without_a_valid_cell_is_numpys_nan_in_a_mean_finished_in_the_fold(dtype, out):
    # the fold divides whole rows at once where every pixel has a weight; a
    # row with an empty pixel is divided as divide_rows does: np.nan itself
    x = np.ones((100, 100), dtype)
    x[50:] = np.nan
    plan = Plan(100, 100, *out, "mean")
    values, _ = fold_values(plan, x)
    empty = np.isnan(values)
    assert empty.any() and not empty.all()
    assert not np.signbit(values[empty]).any()
    np.testing.assert_allclose(values[~empty], 1.0, rtol=1e-12)


@pytest.mark.parametrize("shape, out", [((200, 300), (150, 260)), ((97, 1000), (41, 999)),
                                        ((64, 5000), (64, 2048)), ((50, 4100), (7, 2050))])
@pytest.mark.parametrize("dtype", ["float32", "float64", "uint8", "int32"])
def test_a_mean_finished_in_the_fold_with_small_bins_and_missing_cells(shape, out, dtype):
    # large outputs (bins of 1-4 cells, the branch-free small-bin run), bins
    # split over segments, missing cells redone; NaN only for float inputs
    rng = np.random.default_rng(5)
    x = rng.normal(size=shape) * 100
    if dtype.startswith("float"):
        x[rng.random(shape) < 0.02] = np.nan
        x[rng.random(shape) < 0.01] = -np.inf
    else:
        x = np.abs(x)
    x = x.astype(dtype)
    plan = Plan(*shape, *out, "mean")
    values, state = fold_values(plan, x)
    assert state.shape[0] == 1
    assert _bits(values) == _bits(plan.finish(fold_matrix(plan, x)))
    check(x, *out, "mean")


def _tree(g):
    """The sum of the list ``g`` as a tree of pairs, the kernels' order for a group of rows."""
    while len(g) > 1:
        g = [g[i] + g[i + 1] for i in range(0, len(g), 2)]
    return g[0]


def _ordered_means(x, kr, kc):
    """Means of whole ``kr`` x ``kc`` bins in the kernel's order, in numpy: the
    rows of weight 1 eight at a time (a tree of pairs), then four, two and one,
    each group added to the last; the row sums' columns added one after
    another, in cell order; then ``(sum + 0) / (kr * kc)``."""
    x = x.astype(np.float64)
    rows = [x[r::kr] for r in range(kr)]
    acc, r = None, 0
    for size in [8] * (kr // 8) + [n for n in (4, 2, 1) if kr % 8 & n]:
        g = _tree(rows[r:r + size])
        acc, r = (g if acc is None else acc + g), r + size
    s = acc[:, 0::kc]
    for t in range(1, kc):
        s = s + acc[:, t::kc]
    return (s + 0.0) / float(kr * kc)


@pytest.mark.parametrize("kc", [2, 3, 4, 5, 6, 7, 8, 10, 11, 16, 17])
@pytest.mark.parametrize("kr", [1, 2, 3, 5, 6, 7, 8, 9, 10, 13, 15, 16, 17, 24])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_means_of_an_integer_ratio_add_in_the_documented_order(kr, kc, dtype):
    # the one-pass row groups (_pass_of) and runs (_runs_of) and the means
    # written straight from them (_equal_means) keep the order of the passes
    # they replace, to the bit: a -0 bin is +0, a bin with a missing cell is
    # redone without it; the wide case has several segments per row
    rng = np.random.default_rng(kr * 100 + kc)
    h, w = 3, (2100 // kc + 1 if kr == 5 else 9)
    x = (rng.normal(size=(kr * h, kc * w)) * 10.0 ** rng.integers(-3, 4, (kr * h, kc * w)))
    x = x.astype(dtype)
    x[:kr, :kc] = -0.0  # a bin of -0
    holes = np.zeros(x.shape, bool)
    holes[kr:2 * kr, kc:3 * kc] = rng.random((kr, 2 * kc)) < 0.3
    holes[kr, kc] = True
    x[holes] = np.nan
    x[-1, -1] = np.inf
    plan = Plan(*x.shape, h, w, "mean")
    values, state = fold_values(plan, x)
    assert state.shape[0] == 1
    missing = holes.reshape(h, kr, w, kc).any(axis=(1, 3))
    missing[-1, -1] = True
    want = _ordered_means(x, kr, kc)
    assert _bits(values[~missing]) == _bits(want[~missing])
    assert not np.signbit(values[0, 0]) and values[0, 0] == 0
    assert _bits(values) == _bits(plan.finish(fold_matrix(plan, x)))
    check(x, h, w, "mean")


def _ordered_row_sums(x, rw):
    """The row sums :func:`K._row_sums` documents, in numpy, one group at a
    time: a partial first row, the rows of weight 1 as groups of 8, 4, 2, 1
    (each a tree of pairs, added to what came before), a partial last row;
    rows of other weights ``w * row`` four, two, one at a time."""
    x = x.astype(np.float64)
    first, n = rw[0] != 1, len(rw)
    last = n - 1 > 0 and rw[-1] != 1
    r, e = int(first), n - int(last)
    acc = rw[0] * x[0] if first else None

    def add(v):
        return v if acc is None else acc + v

    if all(rw[r:e] == 1):
        while r < e:
            size = next(g for g in (8, 4, 2, 1) if e - r >= g)
            acc, r = add(_tree(list(x[r:r + size]))), r + size
    else:
        acc = add(np.zeros(x.shape[1]))
        while r < e:
            size = next(g for g in (4, 2, 1) if e - r >= g)
            acc, r = acc + _tree([rw[q] * x[q] for q in range(r, r + size)]), r + size
    return acc + rw[-1] * x[-1] if last else acc


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rows", list(range(1, 26)) + [33, 40])
def test_row_sums_add_in_the_documented_order(rows, dtype):
    # every count of weight-1 rows with and without partial ends (the one-pass
    # kernels of up to 15 rows, _pass_of, and the groups of 8 before them),
    # and rows of other weights, to the bit
    rng = np.random.default_rng(rows)
    x = (rng.normal(size=(rows + 2, 37)) * 10.0 ** rng.integers(-3, 4, (rows + 2, 37)))
    x = x.astype(dtype)
    for w0, wl in ((1.0, 1.0), (0.3, 1.0), (1.0, 0.7), (0.3, 0.7)):
        rw = np.ones(rows)
        rw[0] = w0
        rw[-1] = wl if rows > 1 else w0
        uneven = rw.copy()
        uneven[rows // 2] = 0.5 if rows > 2 else uneven[rows // 2]
        for weights in (rw, uneven):
            for r_a in (0, 1):
                acc = np.full(x.shape[1] - 5, np.nan)
                K._row_sums(x, 0, r_a, r_a + rows, weights, 2, x.shape[1] - 3, acc)
                want = _ordered_row_sums(x[r_a:r_a + rows, 2:-3], weights)
                assert _bits(acc) == _bits(want), (w0, wl, r_a, list(weights))


def test_only_a_mean_of_an_array_read_as_it_is_is_finished_in_the_fold():
    x = np.arange(12.0).reshape(3, 4)
    for data, reduce in ((x, "sum"), (np.asfortranarray(x), "mean"), (x.astype(">f8"), "mean"),
                         (np.ma.masked_array(x, x > 10), "mean"), (x, "mean")):
        plan = Plan(3, 4, 2, 2, reduce)
        values, state = fold_values(plan, np.ma.getdata(data), np.ma.getmask(data) if
                                    np.ma.isMaskedArray(data) else None)
        direct = reduce == "mean" and data is x
        assert state.shape[0] == (1 if direct else TABLE[reduce].planes)
        np.testing.assert_array_equal(values, fastheat.aggregate(data, width=2, height=2,
                                                                 reduce=reduce))


# --- memory: no full-size temporaries, conversion bands ---------------------------


@pytest.mark.parametrize("make", [
    lambda x: x,
    lambda x: np.asfortranarray(x),
    lambda x: x.astype(">f4"),
    lambda x: np.ma.masked_array(x, mask=np.isnan(x)),
])
def test_in_memory_no_full_size_temporary(make):
    x = make(ref.big_matrix("float32"))
    fastheat.aggregate(x[:10, :10], width=3, height=3)
    grid, peak = ref.peak_memory(lambda: fastheat.aggregate(x, width=250, height=250))
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


# --- NaN and +-inf are missing; the input's range in the same pass ----------------


@pytest.mark.parametrize("dtype", ["float16", ">f4", "float64"])
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_infinities_are_missing_like_nan(dtype, reduce):
    # as matplotlib's imshow and seaborn (np.ma.masked_invalid) mask them
    rng = np.random.default_rng(21)
    x = random_matrix(rng, (61, 47), np.dtype(dtype).newbyteorder("="), inf=0.1).astype(dtype)
    x[:9, :7] = np.inf  # pixels with nothing else: missing
    x[9:18, :7] = -np.inf
    for layout, flip in ((x, False), (np.asfortranarray(x), False), (x[::-1, ::-1], True)):
        nan = np.where(np.isinf(layout), np.nan, layout).astype(dtype)
        for h, w in ((61, 47), (9, 7), (20, 100)):
            got = check(layout, h, w, reduce)
            corner = got[::-1, ::-1] if flip else got
            assert np.isnan(corner[0, 0]) and np.isnan(corner[1, 0])  # only inf, only +-inf
            np.testing.assert_array_equal(
                got, fastheat.aggregate(nan, width=w, height=h, reduce=reduce))
    # a mean's weight counts only the finite cells: [1, inf, 3, -inf] -> 2
    assert fastheat.aggregate(np.array([[1.0, np.inf, 3.0, -np.inf]]), width=1, height=1,
                              reduce=reduce)[0, 0] == {"sum": 4.0, "count": 2.0, "std": 1.0,
                                                       "min": 1.0, "max": 3.0, "absmax": 3.0,
                                                       "nearest": 3.0}.get(reduce, 2.0)


def test_overflowing_sums_are_still_infinite():
    # only input infinities are missing: a sum of finite values may overflow
    x = np.full((2, 2), 1e308)
    assert fastheat.aggregate(x, width=1, height=1, reduce="sum")[0, 0] == np.inf
    check(x, 1, 1, "sum")


@pytest.mark.parametrize("reduce", REDUCTIONS[:-1])
@pytest.mark.parametrize("order", ["C", "F"])
def test_tracking_the_range_leaves_the_state_as_it_is(reduce, order):
    x = np.asarray(random_matrix(np.random.default_rng(22), (61, 47), "float32"), order=order)
    plain = fold_matrix(Plan(61, 47, 9, 7, reduce), x)
    tracked = fold_matrix(Plan(61, 47, 9, 7, reduce, track=True), x)
    n = TABLE[reduce].planes
    assert tracked.shape[0] == n + K.TRACKED
    assert tracked[:n].tobytes() == plain.tobytes()
    assert TABLE[reduce].data_range(tracked) == tracked_range(x, reduce)


@pytest.mark.parametrize("dtype", ["float32", "float64", "uint8", "int32"])
@pytest.mark.parametrize("shape, out", [((12, 9000), (3, 900)),  # many segments a row
                                        ((9, 7000), (2, 2)),  # bins longer than a segment
                                        ((10, 6001), (5, 7))])  # non-integer columns
def test_tracked_range_of_wide_rows_sees_every_segment(dtype, shape, out):
    # the sums fold the range segment by segment (K.SEGMENT columns): each
    # extreme, and an infinity, put in a late segment of one row must be seen
    rng = np.random.default_rng(23)
    x = rng.integers(10, 50, shape).astype(dtype)
    r, c = shape[0] - 2, shape[1] - 3
    x[r, c], x[1, c - K.SEGMENT], x[r, shape[1] // 2] = 3, 99, 7
    if dtype.startswith("float"):
        x[1, c - K.SEGMENT] = np.inf  # not a value: the largest is 50 - 1 then
        x[0, c - 5] = -0.5
    assert c - K.SEGMENT > 0
    for reduce in ("mean", "sum", "max"):
        got = open_source(x).aggregate_range(*out, reduce)[1]
        assert got == tracked_range(x, reduce), (reduce, got)


def test_tracked_range_of_nothing_valid_and_of_no_positive_value():
    x = np.array([[np.nan, np.inf], [-np.inf, np.nan]])
    assert open_source(x).aggregate_range(1, 1, "mean")[1] == DataRange()
    x = np.array([[-3.0, 0.0], [-np.inf, -1.0]])
    assert open_source(x).aggregate_range(1, 1, "mean")[1] == DataRange(-3.0, 0.0, None)


# --- merges of partial states ------------------------------------------------------


def test_merge_rules():
    state = np.array([[[np.nan, 2.0, -3.0, 3.0]]])
    part = np.array([[[-1.0, np.nan, 3.0, -3.0]]])
    s = state.copy()
    merge_into(K.ABSMAX, s, part)
    assert s.ravel().tolist()[1:] == [2.0, 3.0, 3.0] and s[0, 0, 0] == -1.0
    s = state.copy()
    merge_into(K.MIN, s, part)
    np.testing.assert_array_equal(s.ravel(), [-1.0, 2.0, -3.0, -3.0])
    s = np.zeros((2, 3, 3))
    merge_into(K.MOMENTS, s, np.ones((2, 2, 2)), 1, 1)
    assert s.sum() == 8.0 and s[:, 1:, 1:].min() == 1.0


def _partials(x, plan, step_r, step_c):
    """The partial state of each block of ``x`` (blocks ``step_r x step_c``), as
    dask workers make them: ``(i0, j0, state)`` through the block's Window."""
    parts = []
    for r0 in range(0, x.shape[0], step_r):
        for c0 in range(0, x.shape[1], step_c):
            block = x[r0:r0 + step_r, c0:c0 + step_c]
            window = Window(plan, r0, r0 + block.shape[0], c0, c0 + block.shape[1])
            if window:
                parts.append((window.i0, window.j0, fold(window, [Block(block, r0, c0)])))
    return parts


@pytest.mark.parametrize("reduce", REDUCTIONS[:-1])
def test_merge_is_bit_identical_to_the_numpy_merge(reduce):
    x = random_matrix(np.random.default_rng(12), (61, 47), "float64", inf=0)
    plan = Plan(61, 47, 9, 7, reduce)
    parts = _partials(x, plan, 13, 11)
    want = plan.new_state()
    for i0, j0, part in parts:
        h, w = part.shape[1:]
        ref.merge(reduce, want[:, i0:i0 + h, j0:j0 + w], part)
    got = merge_parts(plan.reduction, parts, (9, 7))[2]
    assert got.tobytes() == want.tobytes()
    if reduce in ("min", "max", "absmax", "count"):  # sums depend on the order, extremes not
        tree = merge_parts(plan.reduction, [merge_parts(plan.reduction, parts[:5]),
                                            merge_parts(plan.reduction, parts[5:])], (9, 7))[2]
        assert tree.tobytes() == got.tobytes()


@pytest.mark.parametrize("track", [False, True])
@pytest.mark.parametrize("reduce", REDUCTIONS[:-1])
def test_merged_blocks_give_the_whole(reduce, track):
    x = random_matrix(np.random.default_rng(13), (61, 47), "float32", inf=0.05)
    plan = Plan(61, 47, 9, 7, reduce, track)
    state = fold(plan, [Block(x)])
    whole = plan.finish(state)
    merged_state = merge_parts(plan.reduction, _partials(x, plan, 13, 11), (9, 7))[2]
    merged = plan.finish(merged_state)
    if reduce in ("min", "max", "absmax", "count"):
        np.testing.assert_array_equal(merged, whole)
    else:
        np.testing.assert_allclose(merged, whole, rtol=1e-7 if reduce == "std" else 1e-12)
    if track:  # the input's range merges exactly, in a tree too
        r = plan.reduction
        tree = merge_parts(r, [merge_parts(r, _partials(x, plan, 13, 11)[:5]),
                               merge_parts(r, _partials(x, plan, 13, 11)[5:])], (9, 7))[2]
        assert r.data_range(merged_state) == r.data_range(tree) == r.data_range(state) == \
            tracked_range(x, reduce)


def test_merge_ties_keep_the_first_value_as_the_kernel_does():
    # +0 and -0 tie: a merge keeps the earlier state's zero, as folding one
    # block keeps its first cell, so every path gives the same bytes
    for op, reduce in ((K.MIN, "min"), (K.MAX, "max"), (K.ABSMAX, "absmax")):
        s = np.array([[[0.0, -0.0]]])
        merge_into(op, s, np.array([[[-0.0, 0.0]]]))
        assert np.signbit(s.ravel()).tolist() == [False, True], reduce
        grid = fastheat.aggregate(np.array([[0.0, -0.0]]), width=1, height=1, reduce=reduce)
        assert not np.signbit(grid[0, 0]), reduce


def test_block_bins_limit_the_output_rows():
    x = np.arange(60.0).reshape(10, 6)
    plan = Plan(10, 6, 3, 2, "sum")  # bins of 10/3 rows: bins 0 and 1 share row 3
    state = plan.new_state()
    plan.fold(x[3:7], 3, 0, state, bins=(1, 2))  # only bin 1 (rows 3.33..6.67)
    assert state[1, 0].tolist() == [0.0, 0.0] and state[1, 2].tolist() == [0.0, 0.0]
    assert state[1, 1].tolist() == pytest.approx([10.0, 10.0])  # 10/3 rows x 3 columns


# --- issue 10: layout never changes a pixel; memory does not grow with the long axis ----


@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("shape, out", [((37, 53), (5, 11)), ((500, 700), (99, 101)),
                                        ((3001, 1500), (7, 5))])
def test_every_layout_and_byte_order_gives_the_same_bits(shape, out, reduce):
    # a C and a Fortran copy (and a big-endian, a strided and a masked one) of
    # the same matrix: each pixel's arithmetic is the same, to the last bit
    x = random_matrix(np.random.default_rng(31), shape, "float64")
    want = fastheat.aggregate(x, width=out[1], height=out[0], reduce=reduce)
    for name, v in [("F", np.asfortranarray(x)), (">f8", x.astype(">f8")),
                    ("strided", np.repeat(x, 2, axis=1)[:, ::2]),
                    ("masked", np.ma.masked_array(x, mask=np.zeros(shape, bool)))]:
        got = fastheat.aggregate(v, width=out[1], height=out[0], reduce=reduce)
        assert got.tobytes() == want.tobytes(), name


_LONG_AXIS_CODE = r"""
import os, sys, threading, time, numpy as np, fastheat
def anon():
    with open('/proc/self/status') as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith('RssAnon:'))
n, path = int(sys.argv[1]), sys.argv[2]
m = np.lib.format.open_memmap(path, mode='w+', dtype=np.float32, shape=(1, n))
m[0, ::max(1, n // 7)] = 1.0
m.flush(); del m
a = np.load(path, mmap_mode='r')
fastheat.aggregate(np.zeros((1, 5000), np.float32))  # the JIT loaded first
base = anon(); peak = [base]; done = [False]
def watch():
    while not done[0]:
        peak[0] = max(peak[0], anon()); time.sleep(0.001)
th = threading.Thread(target=watch, daemon=True); th.start()
grid = fastheat.aggregate(a)
done[0] = True; th.join()
peak[0] = max(peak[0], anon())
print(grid.shape[1], peak[0] - base)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status (Linux)")
def test_memory_does_not_grow_with_the_long_axis(tmp_path):
    # issue 10: a (1, 2e8) memmap took 9.2 GB of anonymous memory (arrays per
    # input column); now the growth is the same for 10^6 and 10^8 columns
    grown = {}
    for n in (10**6, 10**8):
        path = tmp_path / f"long{n}.npy"
        out = subprocess.run([sys.executable, "-c", _LONG_AXIS_CODE, str(n), str(path)],
                             check=True, capture_output=True, text=True).stdout.split()
        path.unlink()
        assert int(out[0]) == 1000
        grown[n] = int(out[1])
    # 10^8 float32 columns are 400 MB of file; any per-column array would be >= 400 MB
    assert grown[10**8] < grown[10**6] + (32 << 20), grown


# --- issue 11: the kernel's fast paths give the reference's values ----------------


@pytest.mark.parametrize("dtype, value, rows", [
    ("uint8", 255, 700),  # more rows per pixel than uint16 lanes hold (256) before converting
    ("uint16", 65535, 70_000),  # more than uint32 lanes hold (65536)
    ("int16", -32768, 70_000),
    ("int32", -2**31, 3),
    ("int32", 2**31 - 1, 5),
])
def test_integer_lanes_never_overflow(dtype, value, rows):
    # rows of weight 1 are summed in integer lanes: exact, converted before they could wrap
    x = np.full((rows, 3), value, dtype)
    for h in (1, 2):  # whole rows: exact
        got = fastheat.aggregate(x, width=1, height=h, reduce="sum")
        np.testing.assert_array_equal(got, np.full((h, 1), float(value) * rows * 3 / h))
        np.testing.assert_array_equal(fastheat.aggregate(x, width=1, height=h), float(value))
    check(x, 3, 1, "sum")  # partial rows around the lanes: within the reference's tolerance
    check(x, 3, 1, "mean")


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int16", "int32"])
@pytest.mark.parametrize("reduce", ["mean", "sum", "std"])
def test_integer_lanes_match_the_reference(dtype, reduce):
    rng = np.random.default_rng(41)
    x = random_matrix(rng, (211, 97), dtype)
    for out in ((7, 5), (21, 97), (70, 30), (1, 1), (211, 3)):  # whole, partial, uneven rows
        check(x, *out, reduce)


@pytest.mark.parametrize("reduce", ["mean", "sum", "std"])
def test_small_bins_read_only_their_own_cells(reduce):
    # bins of at most 4 cells are summed by one formula padded with zero
    # weights: the padding must never reach a neighbour's huge or missing cell
    rng = np.random.default_rng(42)
    x = rng.random((50, 61))
    m = Plan(50, 61, 21, 25, "mean").cols
    assert (m.stop - m.start).max() <= K.SMALL_BIN
    x[:, m.stop[:-1:3]] = 1e30  # the cell just past every third bin (float32 too)
    x[::4, m.start[1::3]] = np.nan  # missing cells inside others
    x[1::7, m.start[2::3]] = -np.inf
    check(x, 21, 25, reduce)
    check(x.astype(np.float32), 21, 25, reduce)


def test_parallel_finish_is_numpy_division():
    from fastheat.aggregation.fold import PARALLEL_FINISH

    rng = np.random.default_rng(43)
    n = int(PARALLEL_FINISH ** 0.5) + 1
    state = np.stack([rng.standard_normal((n, n)), rng.random((n, n))])
    state[1, :3] = 0.0  # no valid cell: the sum is 0 too, the mean NaN
    state[0, :3] = 0.0
    state[0, 3, :3], state[1, 3, :3] = np.inf, 1.0  # an overflowing sum stays infinite
    with np.errstate(invalid="ignore", divide="ignore"):
        want = state[0] / state[1]
    got = Plan(1, 1, 1, 1, "mean").finish(state.copy())
    np.testing.assert_array_equal(got, want)  # NaN where numpy's is (its sign bit aside)
    assert np.isnan(got[:3]).all() and np.isinf(got[3, :3]).all()
    finite = np.isfinite(want)
    assert got[finite].tobytes() == want[finite].tobytes()
