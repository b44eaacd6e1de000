"""scipy.sparse sources (fastheat/sources/sparse.py, fastheat/aggregation/sparse.py):
every reduction over every format equals the dense result of ``toarray()``."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

sp = pytest.importorskip("scipy.sparse", reason="scipy is in the test extra (sparse sources)")
from hypothesis import given, settings, strategies as st  # noqa: E402

import fastheat  # noqa: E402
from fastheat.aggregation.reductions import REDUCTIONS  # noqa: E402

#: Sums in a different order than the dense kernel's (entry by entry instead
#: of row pass then column pass): equal to within float rounding.
RTOL = 1e-12
EXACT = ("min", "max", "absmax", "count", "nearest")
FORMATS = ("csr", "csc", "coo", "lil", "dok", "bsr", "dia")


def random_sparse(rng, shape, density, dtype=np.float64, bad=0.0):
    m = sp.random(*shape, density=density, random_state=rng, format="coo", dtype=np.float64)
    m.data = (m.data * 10 - 4).astype(dtype) if np.dtype(dtype).kind == "f" else \
        (m.data * 100 - (40 if np.dtype(dtype).kind == "i" else 0)).astype(dtype)
    if bad and np.dtype(dtype).kind == "f" and m.nnz:
        pick = rng.random(m.nnz) < bad
        m.data[pick] = rng.choice([np.nan, np.inf, -np.inf], pick.sum())
    return m.tocsr()


def dense_of(m, implicit):
    """What the sparse matrix is as a dense one: implicit cells 0 or NaN (the
    entries stored are those of its CSR form: DIA drops explicit zeros)."""
    d = m.toarray().astype(np.float64)
    if implicit == "missing":
        c = m.tocsr()
        c.sum_duplicates()
        stored = sp.csr_matrix((np.ones(c.nnz), c.indices, c.indptr), shape=m.shape).toarray() > 0
        d[~stored] = np.nan
    return d


def assert_same(a, b, reduce):
    assert a.shape == b.shape
    assert np.array_equal(np.isnan(a), np.isnan(b)), reduce
    if reduce in EXACT:
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), rows=st.integers(1, 40), cols=st.integers(1, 40),
       density=st.sampled_from([0.0, 0.05, 0.3, 1.0]), h=st.integers(1, 12),
       w=st.integers(1, 12), fmt=st.sampled_from(FORMATS),
       reduce=st.sampled_from(list(REDUCTIONS)), implicit=st.sampled_from(["zero", "missing"]),
       dtype=st.sampled_from(["float64", "float32", "int32", "uint8"]))
def test_every_reduction_and_format_equals_dense(seed, rows, cols, density, h, w, fmt, reduce,
                                                 implicit, dtype):
    rng = np.random.default_rng(seed)
    m = random_sparse(rng, (rows, cols), density, dtype, bad=0.1)
    h, w = min(h, rows), min(w, cols)  # downsampling (upsampled axes repeat cells)
    m = m.asformat(fmt)
    a = fastheat.aggregate(m, height=h, width=w, reduce=reduce, implicit=implicit)
    b = fastheat.aggregate(dense_of(m, implicit), height=h, width=w, reduce=reduce)
    assert_same(a, b, reduce)


def test_coo_duplicates_are_summed_as_toarray_sums_them():
    m = sp.coo_matrix(([1.0, 2.0, 5.0], ([0, 0, 1], [1, 1, 0])), shape=(2, 2))
    np.testing.assert_array_equal(fastheat.aggregate(m, width=2, height=2),
                                  [[0.0, 3.0], [5.0, 0.0]])
    m = sp.csr_matrix(([1.0, 2.0], [1, 1], [0, 2, 2]), shape=(2, 2))  # non-canonical CSR
    np.testing.assert_array_equal(fastheat.aggregate(m, width=2, height=2,
                                                     implicit="missing"),
                                  [[np.nan, 3.0], [np.nan, np.nan]])
    assert m.data.tolist() == [1.0, 2.0]  # the user's matrix is left as it was


def test_implicit_zeros_count_in_mean_and_max_but_not_when_missing():
    m = sp.csr_matrix(np.array([[-2.0, 0], [0, 0]]))
    m.eliminate_zeros()
    assert fastheat.aggregate(m, width=1, height=1).item() == -0.5
    assert fastheat.aggregate(m, width=1, height=1, reduce="max").item() == 0.0
    assert fastheat.aggregate(m, width=1, height=1, reduce="count").item() == 4
    assert fastheat.aggregate(m, width=1, height=1, implicit="missing").item() == -2.0
    assert fastheat.aggregate(m, width=1, height=1, reduce="count",
                              implicit="missing").item() == 1


@pytest.mark.parametrize("norm", ["log", "linear", "symlog"])
def test_rendered_bytes_equal_the_dense_render(norm):
    rng = np.random.default_rng(3)
    m = random_sparse(rng, (300, 250), 0.05)
    m.data = np.abs(m.data) + 0.1
    a = fastheat.to_rgba(m, width=120, height=100, norm=norm)
    b = fastheat.to_rgba(m.toarray(), width=120, height=100, norm=norm)
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1  # rounding of sums at code edges
    assert (a == b).mean() > 0.999


def test_upsampled_sparse_matrix_is_crisp_blocks():
    m = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 2.0]]))
    out = fastheat.aggregate(m, width=4, height=4)
    np.testing.assert_array_equal(out, np.kron([[1.0, 0], [0, 2]], np.ones((2, 2))))


def test_chunked_threads_give_the_same_grid(monkeypatch):
    from fastheat.aggregation import sparse as agg

    rng = np.random.default_rng(5)
    m = random_sparse(rng, (400, 300), 0.2)
    whole = fastheat.aggregate(m, width=33, height=27)
    monkeypatch.setattr(agg, "MIN_PER_THREAD", 16)  # several threads' partial planes merged
    np.testing.assert_allclose(fastheat.aggregate(m, width=33, height=27), whole, rtol=RTOL)
    np.testing.assert_allclose(whole, fastheat.aggregate(m.toarray(), width=33, height=27),
                               rtol=RTOL)


def test_errors_name_the_option_and_what_is_allowed():
    m = sp.csr_matrix(np.eye(3))
    with pytest.raises(ValueError, match=r"implicit='nope' is not allowed; use 'zero'"):
        fastheat.aggregate(m, implicit="nope")
    with pytest.raises(TypeError, match=r"implicit= is an option for sparse inputs .* not for "
                                        r"ndarray"):
        fastheat.aggregate(np.eye(3), implicit="zero")
    with pytest.raises(TypeError, match=r"region= is an option for cooler .* not for csr_"):
        fastheat.aggregate(m, region="chr1")
    with pytest.raises(TypeError, match="dtype complex128"):
        fastheat.aggregate(sp.csr_matrix(np.eye(2) * 1j))
    with pytest.raises(ValueError, match="empty"):
        fastheat.aggregate(sp.csr_matrix((0, 3)))


def test_the_old_object_dtype_message_is_gone():
    # before: "data has dtype object" (numpy wrapped the matrix in a 0-d object array)
    m = sp.random(50, 40, density=0.1, random_state=0, format="csr")
    assert fastheat.heatmap(m).size == (320, 400)  # 40 x 50 cells, 8 px each


def test_cli_renders_a_save_npz_file(tmp_path):
    from fastheat import cli

    m = sp.random(60, 50, density=0.1, random_state=0, format="csr")
    sp.save_npz(tmp_path / "m.npz", m)
    assert cli.main(["render", str(tmp_path / "m.npz"), "--width", "50", "--height", "60",
                     "-o", str(tmp_path / "a.png"), "-q"]) == 0
    fastheat.save(m.toarray(), tmp_path / "b.png", width=50, height=60)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def test_import_fastheat_loads_no_sparse_library():
    # numba itself imports scipy's top level when scipy is installed (its BLAS
    # probe), before fastheat runs; fastheat must not add scipy.sparse
    code = ("import sys, json, numpy as np, fastheat\n"
            "fastheat.aggregate(np.eye(3), width=2, height=2)\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'cooler', 'anndata', 'h5py', 'pandas'} | ({'scipy.sparse'} & set(sys.modules)))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=300)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_unsorted_rows_with_duplicates_equal_the_dense_sum():
    # indices unsorted within rows and some rows storing a column twice: only
    # those rows are copied and summed (as toarray() sums them), the rest read as stored
    rng = np.random.default_rng(11)
    n, per = 300, 40
    indptr = np.arange(n + 1, dtype=np.int64) * per
    indices = rng.integers(0, 200, n * per).astype(np.int32)
    data = rng.random(n * per) - 0.3
    m = sp.csr_matrix((data, indices, indptr), shape=(n, 200))
    indices = indices.copy()  # (the matrix holds the array itself)
    assert not m.has_canonical_format
    dense = m.toarray()
    for reduce in ("mean", "max", "count"):
        for implicit in ("zero", "missing"):
            a = fastheat.aggregate(m, width=70, height=90, reduce=reduce, implicit=implicit)
            b = fastheat.aggregate(dense_of(m.copy(), implicit), width=70, height=90,
                                   reduce=reduce)  # (dense_of sums m's duplicates in place)
            assert_same(a, b, reduce)
    np.testing.assert_array_equal(m.indices, indices)  # the user's matrix is left as it was
    assert np.array_equal(dense, m.toarray())


def test_fully_stored_matrix_has_no_implicit_zero_in_its_log_range():
    # every cell stored, a ratio that splits cells between pixels: the log
    # norm's range is the stored values' (before: cells in two pixels were
    # counted twice, so an implicit 0 was assumed and the range went to 0)
    d = np.arange(1.0, 10.0).reshape(3, 3)
    m = sp.csr_matrix(d)
    info = fastheat.render_info(m, width=2, height=2, norm="log")
    ref = fastheat.render_info(d, width=2, height=2, norm="log")
    assert (info.vmin, info.vmax) == (ref.vmin, ref.vmax) == (1.0, 9.0)


def test_malformed_indices_are_an_error_not_a_crash():
    m = sp.csr_matrix((np.ones(2), np.array([0, 7], np.int32), np.array([0, 1, 2])),
                      shape=(2, 3))
    m.has_canonical_format = False
    with pytest.raises(ValueError, match=r"1 entries with an index outside 0\.\.2"):
        fastheat.aggregate(m, width=2, height=2)


def _rows_with_duplicates(seed, n_rows, n_cols, per_row, dtype, index_dtype):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, per_row + 1, n_rows)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(index_dtype)
    indices = rng.integers(0, n_cols, indptr[-1]).astype(index_dtype)
    if np.dtype(dtype) == np.bool_:
        data = rng.random(indptr[-1]) < 0.5
    elif np.dtype(dtype).kind == "f":
        data = (rng.random(indptr[-1]) * 1e3 - 300).astype(dtype)
    else:
        data = rng.integers(-128, 128, indptr[-1]).astype(dtype)
    return indptr, indices, data


@pytest.mark.parametrize("marks", ["column marks", "sorted rows"])
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n_rows=st.integers(1, 60), n_cols=st.integers(1, 130),
       per_row=st.integers(0, 50), dtype=st.sampled_from(["float32", "float64", "int8", "bool"]),
       index_dtype=st.sampled_from(["int32", "int64"]), threads=st.sampled_from([1, 2]))
def test_duplicates_are_counted_and_summed_as_toarray_sums_them(marks, seed, n_rows, n_cols,
                                                               per_row, dtype, index_dtype,
                                                               threads):
    from fastheat.aggregation import sparse as S

    indptr, indices, data = _rows_with_duplicates(seed, n_rows, n_cols, per_row, dtype,
                                                  index_dtype)
    with pytest.MonkeyPatch.context() as mp:
        if marks == "sorted rows":  # a matrix too wide for per-thread marks
            mp.setattr(S, "MARK_BYTES", 0)
        if threads > 1:  # rows split between the threads even at this size
            mp.setattr(S, "MIN_PER_THREAD", 4)
        dups, outside = S.find_duplicates(indptr, indices, n_cols)
        ptr, idx, val = S.sum_duplicates(indptr, indices, data, dups, n_cols)
    assert outside == 0
    expect = [hi - lo - len(np.unique(indices[lo:hi])) for lo, hi in zip(indptr, indptr[1:])]
    np.testing.assert_array_equal(dups, expect)
    assert val.dtype == data.dtype and idx.dtype == indices.dtype
    m = sp.csr_matrix((data, indices, indptr), shape=(n_rows, n_cols))
    fixed = sp.csr_matrix((val, idx, ptr), shape=(n_rows, n_cols))
    flagged = dups > 0
    for k in range(n_rows):  # each column once, in the row's own span
        assert len(set(idx[ptr[k]:ptr[k + 1]])) == ptr[k + 1] - ptr[k] == \
            (len(np.unique(indices[indptr[k]:indptr[k + 1]])) if flagged[k] else 0)
    # bit for bit what toarray() gives (it sums a cell's entries in the order stored)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(fixed.toarray()[flagged], m.toarray()[flagged])


def test_indices_outside_the_shape_are_counted_on_both_duplicate_paths(monkeypatch):
    from fastheat.aggregation import sparse as S

    indptr = np.array([0, 3, 5], np.int64)
    indices = np.array([1, -1, 1, 9, 0], np.int32)
    for marks in (S.MARK_BYTES, 0):
        monkeypatch.setattr(S, "MARK_BYTES", marks)
        dups, outside = S.find_duplicates(indptr, indices, 4)
        assert outside == 2 and list(dups) == [1, 0]


@pytest.mark.parametrize("reduce", ["mean", "sum", "max", "count", "std"])
@pytest.mark.parametrize("implicit", ["zero", "missing"])
def test_sparse_values_equal_the_state_finished(reduce, implicit):
    # the render's path (sparse_values: a mean divided straight from the raw
    # planes, the range from the fold's own count) equals state, finish and the
    # state's range planes
    from fastheat.aggregation.fold import Plan
    from fastheat.aggregation.sparse import fold_sparse, sparse_values
    from fastheat.sources.sparse import SparseSource

    rng = np.random.default_rng(5)
    m = random_sparse(rng, (90, 70), 0.2, bad=0.05)
    m = m.tolil()
    m[3:6, :] = 0  # a pixel row without entries: NaN (mean, missing) or 0
    m = m.tocsr()
    src = SparseSource(m, implicit=implicit)
    dense = dense_of(m, implicit)
    for h, w in ((30, 35), (13, 9), (90, 70)):
        plan = Plan(90, 70, h, w, reduce, True)
        values, found = sparse_values(plan, src._feed, implicit=implicit, track=True)
        state = fold_sparse(plan, src._feed, implicit=implicit, track=True)
        assert plan.reduction.data_range(state) == found
        np.testing.assert_array_equal(values, plan.finish(state))  # bit for bit, NaN where NaN
        finite = dense[np.isfinite(dense)]  # the range is the whole matrix's
        want = (finite.min(), finite.max(), finite[finite > 0].min())
        assert found == plan.reduction.range_of(*want)


def test_divisor_gives_the_quotient_of_every_cell():
    # a regular axis' pixel is computed as (b * magic) >> shift: exact for every cell
    from fastheat.aggregation.sparse import _divisor

    rng = np.random.default_rng(0)
    for step in (1, 2, 3, 7, 10, 999, 1000, 1024, 4097, 12345, 2**20 + 1):
        for n in (step, 3 * step, 1000 * step, 2**31 - 2**31 % step):
            magic, shift = _divisor(step, n)
            assert magic > 0
            b = np.concatenate([np.arange(min(n, 10**5)), n - 1 - np.arange(min(n, 10**5)),
                                rng.integers(0, n, 10**5)]).astype(np.uint64)
            np.testing.assert_array_equal((b * magic) >> shift, b // np.uint64(step))
    assert _divisor(3, 2**31 + 3) == (0, 0)  # a product past 64 bits: the kernel divides


def test_computed_pixels_equal_the_looked_up_ones(monkeypatch):
    # a whole number of columns per pixel: the pixel is computed, not looked up;
    # the planes are the same bit for bit, for every state kind
    from fastheat.aggregation import sparse as S
    from fastheat.aggregation.geometry import axis_map

    assert S.regular_step(axis_map(1000, 10), 1000) == 100
    assert S.regular_step(axis_map(1001, 10), 1001) == 0  # cells split between pixels
    assert S.regular_step(axis_map(10, 40), 10) == 0  # upsampled
    rng = np.random.default_rng(4)
    m = random_sparse(rng, (120, 360), 0.1, bad=0.05)
    for reduce in ("mean", "sum", "max", "count", "std"):
        for implicit in ("zero", "missing"):
            fast = fastheat.aggregate(m, width=36, height=40, reduce=reduce, implicit=implicit)
            with monkeypatch.context() as mp:
                mp.setattr(S, "regular_step", lambda geometry, n_in: 0)
                slow = fastheat.aggregate(m, width=36, height=40, reduce=reduce,
                                          implicit=implicit)
            np.testing.assert_array_equal(fast, slow)
            assert_same(fast, fastheat.aggregate(dense_of(m, implicit), width=36, height=40,
                                                 reduce=reduce), reduce)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n_rows=st.integers(1, 60), n_cols=st.integers(1, 130),
       per_row=st.integers(0, 50), bad=st.sampled_from([0.0, 0.2]),
       threads=st.sampled_from([1, 2]), size=st.sampled_from([(1, 1), (7, 5), (60, 130)]))
def test_duplicates_found_while_folding_equal_the_dense_sum(seed, n_rows, n_cols, per_row, bad,
                                                            threads, size):
    # an unsorted CSR with duplicate columns (some of them NaN or inf): a lean
    # fold (mean or sum, implicit zeros) finds the rows with duplicates as it
    # folds and leaves them for the summed copy; the values and the log norm's
    # range are those of toarray(), and bit for bit those of the separate search
    from fastheat.aggregation import sparse as S

    indptr, indices, data = _rows_with_duplicates(seed, n_rows, n_cols, per_row, "float64",
                                                  "int32")
    if bad:
        pick = np.random.default_rng(seed).random(len(data)) < bad
        data[pick] = np.random.default_rng(seed + 1).choice([np.nan, np.inf, -np.inf],
                                                            pick.sum())
    m = sp.csr_matrix((data, indices, indptr), shape=(n_rows, n_cols))
    indices = indices.copy()  # (the matrix holds the array itself)
    h, w = min(size[0], n_rows), min(size[1], n_cols)
    if size == (7, 5):  # a divisor of the side where there is one: a regular axis
        h = next(d for d in range(min(7, n_rows), 0, -1) if n_rows % d == 0)
        w = next(d for d in range(min(5, n_cols), 0, -1) if n_cols % d == 0)
    with pytest.MonkeyPatch.context() as mp:
        if threads > 1:
            mp.setattr(S, "MIN_PER_THREAD", 4)
        with np.errstate(invalid="ignore", over="ignore"):
            dense = m.toarray()
        for reduce in ("mean", "sum"):
            fused = fastheat.aggregate(m, width=w, height=h, reduce=reduce)
            log = _log_limits(m, w, h)
            with pytest.MonkeyPatch.context() as apart_mp:  # the search before the fold
                apart_mp.setattr(S.SparseFold, "finds_duplicates", lambda self, n: False)
                apart = fastheat.aggregate(m, width=w, height=h, reduce=reduce)
            np.testing.assert_array_equal(fused, apart)
            assert_same(fused, fastheat.aggregate(dense, width=w, height=h, reduce=reduce),
                        reduce)
            assert log == _log_limits(dense, w, h)
    np.testing.assert_array_equal(m.indices, indices)  # the user's matrix is left as it was


def test_duplicates_found_while_folding_a_scaled_matrix():
    # factors per row and column (balancing weights; NaN: the row is missing):
    # a row left out for its factor is not searched either, so its column
    # bits are never left set for the next row (which would count false duplicates)
    from fastheat.aggregation.fold import Plan
    from fastheat.aggregation.sparse import SparseFold, find_duplicates, sparse_values
    from fastheat.sources.sparse import SparseSource

    indptr, indices, data = _rows_with_duplicates(3, 40, 30, 20, "float64", "int32")
    m = sp.csr_matrix((data, indices, indptr), shape=(40, 30))
    rs = np.linspace(0.5, 2, 40)
    rs[::3] = np.nan
    cs = np.linspace(1, 3, 30)
    cs[5] = np.nan
    src = SparseSource(m, scales=(rs, cs))
    plan = Plan(40, 30, 20, 10, "mean", True)
    values, _ = sparse_values(plan, src._feed, scales=(rs, cs), track=True)
    dense = m.toarray() * rs[:, None] * cs[None, :]
    assert_same(values, fastheat.aggregate(dense, width=10, height=20), "mean")
    # the counts the fold finds are the search's, for every row not left out
    fold = SparseFold(plan, rscale=rs, cscale=cs)
    assert fold.finds_duplicates(30) and fold.cols.step == 3
    dups = np.zeros(40, np.int64)
    fold.add(m.indptr, m.indices, m.data, duplicates=dups)
    want, _ = find_duplicates(m.indptr, m.indices, 30)
    want[np.isnan(rs)] = 0
    assert want.any()
    np.testing.assert_array_equal(dups, want)


@pytest.mark.parametrize("dtype", ["float32", "int16"])
@pytest.mark.parametrize("where", ["kept rows", "a row with duplicates", "both"])
def test_range_of_the_rows_kept_by_a_duplicate_finding_fold(monkeypatch, dtype, where):
    # the keyed pass sees every row, the duplicate rows included; their raw
    # entries must not count (their sums do): kept as is where the extremes lie
    # in the rows kept, from a pass over the rows kept where a duplicate row
    # holds one (an extreme in both: a tie, which the pass settles too)
    from fastheat.aggregation import sparse as S

    rng = np.random.default_rng(3)
    n, per = 40, 12
    indptr = np.arange(n + 1, dtype=np.int64) * per
    indices = np.concatenate([rng.permutation(30)[:per] for _ in range(n)]).astype(np.int32)
    indices[5 * per + 1] = indices[5 * per]  # rows 5 and 9 store a column twice
    indices[9 * per + 3] = indices[9 * per + 7]
    data = rng.integers(2, 50, n * per).astype(dtype)
    low, high = (5 * per + 2, 9 * per) if where != "kept rows" else (20 * per, 30 * per + 4)
    data[low], data[high] = 1, 90  # smallest and largest, positive both
    if where == "both":
        data[7 * per], data[8 * per] = 1, 90
    m = sp.csr_matrix((data, indices, indptr), shape=(n, 30))
    assert not m.has_canonical_format
    passes = []
    real = S.entries_range
    monkeypatch.setattr(S, "entries_range", lambda *a: passes.append(1) or real(*a))
    for norm in ("log", "linear"):
        info = fastheat.render_info(m, width=10, height=8, norm=norm)
        want = fastheat.render_info(m.toarray(), width=10, height=8, norm=norm)
        assert (info.vmin, info.vmax) == (want.vmin, want.vmax)
        np.testing.assert_array_equal(fastheat.to_rgba(m, width=10, height=8, norm=norm),
                                      fastheat.to_rgba(m.toarray(), width=10, height=8,
                                                       norm=norm))
    # per log render (a linear one gathers no range), a scan of the duplicate
    # rows, then the pass over the rows kept only where a duplicate row holds an extreme
    assert len(passes) == (2 if where == "kept rows" else 4)


def _log_limits(data, w, h):
    """The log norm's limits for ``data`` (or its error: no positive value)."""
    try:
        info = fastheat.render_info(data, width=w, height=h, norm="log")
    except ValueError as e:
        return str(e)
    return info.vmin, info.vmax


MALFORMED = """
import numpy as np, scipy.sparse as sp, fastheat
def csr(data, indices, indptr, shape, canonical=None):
    m = sp.csr_matrix((np.ones(3), np.array([0, 1, 2], np.int32), np.array([0, 2, 3])),
                      shape=(2, 3))
    m.data, m.indices, m.indptr = (np.asarray(data, np.float64), np.asarray(indices, np.int32),
                                   np.asarray(indptr, np.int32))
    m._shape = shape
    if canonical is not None:
        m.has_canonical_format = canonical
    return m
cases = {
    "index past the shape, canonical": csr([1, 1], [0, 7], [0, 1, 2], (2, 3), True),
    "index far past the shape": csr([1, 1], [0, 70_000_000], [0, 1, 2], (2, 3), True),
    "negative index": csr([1, 1], [-5, 1], [0, 1, 2], (2, 3), True),
    "index past the shape in a row with duplicates": csr([1, 1, 1], [1, 1, 9], [0, 3, 3],
                                                         (2, 3), False),
    "indptr falling": csr([1, 1, 1], [0, 1, 2], [0, 3, 1], (2, 3), False),
    "indptr falling, canonical": csr([1, 1, 1], [0, 1, 2], [0, 3, 1], (2, 3), True),
    "indptr past the entries": csr([1, 1, 1], [0, 1, 2], [0, 1, 3000], (2, 3), False),
    "indptr past the entries, canonical": csr([1, 1, 1], [0, 1, 2], [0, 1, 3000], (2, 3),
                                              True),
    "indptr not from 0": csr([1, 1, 1, 1], [0, 1, 1, 0], [1, 2, 4], (2, 3), False),
}
for name, m in cases.items():
    for opts in (dict(), dict(reduce="max"), dict(norm="log", width=2, height=1)):
        try:
            fastheat.to_rgba(m, **opts)
            print(name, opts, "no error")
        except ValueError as e:
            assert "malformed" in str(e), (name, e)
print("done")
"""


def test_malformed_matrices_are_refused_not_read():
    # numba checks no bounds: an index outside the shape (even in a matrix
    # that says it is canonical) or an indptr that falls or runs past the
    # entries is a ValueError before any entry is used, never a crash (in a
    # child process, so that a segfault is seen as one)
    out = subprocess.run([sys.executable, "-c", MALFORMED], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines() == ["done"], out.stdout


def test_symmetric_fold_of_a_regular_axis_tracks_the_range():
    # cooler's upper triangle folded both ways (mode=BOTH) with a whole number
    # of bins per pixel (the pixel computed, the range tracked in the fold):
    # the direct pass gathers the range, the mirrored one counts only
    from fastheat.aggregation.fold import Plan
    from fastheat.aggregation.sparse import BOTH, SparseFold

    rng = np.random.default_rng(2)
    d = np.triu(rng.random((40, 40)) + 1.0)
    d[rng.random((40, 40)) < 0.5] = 0.0
    m = sp.csr_matrix(d)
    full = d + np.triu(d, 1).T
    for w in (10, 7):  # a regular axis, and one with cells split between pixels
        fold = SparseFold(Plan(40, 40, w, w, "mean", True), track=True)
        assert (fold.cols.step > 0) == (w == 10)
        fold.add(m.indptr, m.indices, m.data, mode=BOTH)
        assert fold._found() == (0.0, full.max(), full[full > 0].min())
        assert_same(fold.means(), fastheat.aggregate(full, width=w, height=w), "mean")


def test_a_regular_axis_of_more_than_2_31_columns_divides():
    # past 2^31 cells the multiply-shift could overflow: the kernel divides
    n = 2**32
    m = sp.csr_matrix((np.array([1.0, 2.0, 4.0]), np.array([0, 2**31 + 5, n - 1], np.int64),
                       np.array([0, 2, 3], np.int64)), shape=(2, n))
    out = fastheat.aggregate(m, width=1024, height=2)
    want = np.zeros((2, 1024))
    want[0, 0], want[0, 512], want[1, 1023] = 1.0, 2.0, 4.0
    np.testing.assert_array_equal(out, want / 2**22)


@settings(max_examples=120, deadline=None)
@given(dtype=st.sampled_from(["<f4", ">f4", "<f8", ">f8", "i1", "i2", "i4", "i8", "u1", "u2",
                              "u4", "u8", "f2", "bool"]),
       n=st.integers(0, 300), seed=st.integers(0, 10_000), threads=st.sampled_from([1, 2, 3]),
       special=st.sampled_from([0.0, 0.1, 1.0]))
def test_value_range_equals_numpy_for_every_dtype(dtype, n, seed, threads, special):
    # the keyed pass over the stored values (integer keys on SIMD lanes): the
    # smallest, largest and smallest positive finite value and whether all are
    # finite, for every dtype it takes (big-endian and others give None: the
    # scalar pass then)
    from fastheat.aggregation import sparse as S

    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        with np.errstate(over="ignore"):
            d = (rng.standard_normal(n) * 10.0 ** rng.integers(-300, 300, n)).astype(dt)
        pick = rng.random(n) < special
        d[pick] = rng.choice(np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0,
                                       np.finfo(dt).max, -np.finfo(dt).max,
                                       np.finfo(dt).smallest_subnormal], dt), pick.sum())
    elif dt.kind == "b":
        d = rng.random(n) < 0.5
    else:
        info = np.iinfo(dt)
        d = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True).astype(dt)
        pick = rng.random(n) < special
        d[pick] = rng.choice(np.array([info.min, info.max, 0], dt), pick.sum())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(S, "MIN_PER_THREAD", 1)  # threads split even tiny inputs
        got = S.value_range(d.view(np.uint8) if dt.kind == "b" else d, threads)
    if not dt.isnative or dtype in ("u8", "f2"):
        assert got is None
        return
    f = d.astype(np.float64)
    every = bool(np.isfinite(f).all())
    f = f[np.isfinite(f)]
    want = (f.min() if f.size else np.inf, f.max() if f.size else -np.inf,
            f[f > 0].min() if (f > 0).any() else np.inf, every)
    assert got == want
    if dt.kind == "f" and f.size and want[0] == 0:  # -0.0 orders below 0.0
        assert np.signbit(got[0]) == bool(np.signbit(d[np.isfinite(d) & (d == 0)]).any())


def test_keyed_range_gives_the_scalar_passes_limits(monkeypatch):
    # the fold's range from the keyed pass equals the one gathered by compares
    # (inline, on a regular axis, and the separate scalar pass), NaN/inf included
    from fastheat.aggregation import sparse as S

    rng = np.random.default_rng(8)
    for dtype in (np.float32, np.float64, np.int16):
        # NaN/inf in float32 (each value tested); float64 and int16 all finite (none tested)
        m = random_sparse(rng, (300, 240), 0.2, dtype=dtype,
                          bad=0.05 if dtype == np.float32 else 0.0)
        for size in ((30, 24), (37, 29)):  # a regular axis, then looked-up pixels
            for norm in ("log", "linear"):
                opts = dict(width=size[1], height=size[0], norm=norm)
                keyed = fastheat.to_rgba(m, **opts), fastheat.render_info(m, **opts)
                with monkeypatch.context() as mp:
                    mp.setattr(S, "value_range", lambda data, threads: None)
                    scalar = fastheat.to_rgba(m, **opts), fastheat.render_info(m, **opts)
                np.testing.assert_array_equal(keyed[0], scalar[0])
                assert (keyed[1].vmin, keyed[1].vmax) == (scalar[1].vmin, scalar[1].vmax)
            assert _log_limits(m, size[1], size[0]) == _log_limits(m.toarray(), size[1],
                                                                   size[0])
