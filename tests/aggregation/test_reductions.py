"""fastheat.aggregation.reductions: each reduction's values, and the table's facts."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import fastheat
import reference as ref
from fastheat.aggregation import _kernels as K
from fastheat.aggregation.reductions import REDUCTIONS as TABLE, reduction

REDUCTIONS = ref.REDUCTIONS


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


# --- the table --------------------------------------------------------------------------------


def test_the_table_lists_every_reduction_in_order():
    assert tuple(TABLE) == REDUCTIONS == tuple(fastheat.aggregation.REDUCTIONS)
    assert all(r.name == name for name, r in TABLE.items())


def test_which_reductions_keep_the_input_dtype():
    assert {n for n, r in TABLE.items() if r.keeps_dtype} == {"mean", "min", "max", "absmax",
                                                              "nearest"}


@pytest.mark.parametrize("name", REDUCTIONS)
def test_states_follow_the_kernel_state_kind(name):
    r = TABLE[name]
    if r.code is None:  # nearest picks cells: no state, no merge, no finish
        assert name == "nearest" and r.finish is None and r.datashader is None
        return
    planes = {K.MOMENTS: 2, K.MOMENTS2: 3, K.COUNT: 1, K.MIN: 1, K.MAX: 1, K.ABSMAX: 1}
    state = r.new_state((2, 3))
    assert state.shape == (planes[r.code], 2, 3) == (r.planes, 2, 3)
    extreme = r.code in (K.MIN, K.MAX, K.ABSMAX)
    assert (np.isnan(state).all() if extreme else (state == 0).all())
    assert np.isnan(r.values(state)).all()  # a fresh state saw nothing: NaN everywhere


def test_rows_are_pickled_by_name():
    # dask ships Windows (which hold a row) to workers: the row's functions stay home
    assert pickle.loads(pickle.dumps(TABLE["std"])) is TABLE["std"]
    assert len(pickle.dumps(TABLE["absmax"])) < 100


@pytest.mark.parametrize("bad", ["median", None, ["mean"]])
def test_unknown_reduction_lists_the_choices(bad):
    with pytest.raises(ValueError, match=rf"reduce={bad!r} is not a reduction; choose one of "
                                         rf"'mean', 'sum', 'min', 'max', 'absmax', 'std', "
                                         rf"'count', 'nearest'".replace("[", r"\[")):
        reduction(bad)
