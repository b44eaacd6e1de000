"""Uneven cells (fastheat/aggregation/uneven.py, fastheat/sources/coords.py): equal to a
plain-numpy exact area-weighted reference, dense and sparse, linear and log axes."""
from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import fastheat
from fastheat.aggregation.uneven import cell_edges, reference_mean


def _edges(rng, n, decreasing=False):
    e = np.concatenate([[0.0], np.cumsum(rng.random(n) * 3 + 0.01)]) + 1.0
    return e[::-1].copy() if decreasing else e


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), rows=st.integers(1, 30), cols=st.integers(1, 30),
       h=st.integers(1, 50), w=st.integers(1, 50), dec=st.booleans(), log=st.booleans())
def test_mean_equals_the_numpy_reference(seed, rows, cols, h, w, dec, log):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(rows, cols))
    v[rng.random(v.shape) < 0.1] = np.nan
    ye, xe = _edges(rng, rows, dec), _edges(rng, cols)
    got = fastheat.aggregate(v, xcoords=xe, ycoords=ye, yscale="log" if log else None,
                             width=w, height=h)
    want = reference_mean(v, np.log10(ye) if log else ye, xe, h, w)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_sparse_and_dense_agree_on_uneven_cells():
    sp = pytest.importorskip("scipy.sparse", reason="scipy is in the test extra")
    rng = np.random.default_rng(1)
    m = sp.random(40, 30, density=0.2, random_state=2, format="csr")
    ye, xe = _edges(rng, 40), _edges(rng, 30)
    for reduce in ("mean", "sum", "max", "count", "std", "nearest"):
        a = fastheat.aggregate(m, xcoords=xe, ycoords=ye, width=17, height=23, reduce=reduce)
        b = fastheat.aggregate(m.toarray(), xcoords=xe, ycoords=ye, width=17, height=23,
                               reduce=reduce)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_centres_become_edges_half_way():
    np.testing.assert_array_equal(cell_edges([1, 2, 4], 3), [0.5, 1.5, 3.0, 5.0])
    v = np.array([[1.0, 3.0]])
    # edges 0 | 1 | 4: the right cell covers 3/4 of the axis
    got = fastheat.aggregate(v, xcoords=[0, 1, 4], width=4, height=1)
    np.testing.assert_allclose(got, [[1.0, 3.0, 3.0, 3.0]])
    # sum: the fraction of each cell in the pixel
    got = fastheat.aggregate(v, xcoords=[0, 1, 4], width=2, height=1, reduce="sum")
    np.testing.assert_allclose(got, [[1.0 + 3.0 / 3, 3.0 * 2 / 3]])


def test_ticks_are_in_data_units_on_a_linear_uneven_axis():
    src = fastheat.sources.open_source(np.zeros((3, 4)), reading=fastheat.options.Reading(
        xcoords=[0, 1, 3, 7, 15]))
    assert src.labels.col_edges == (0.0, 15.0) and src.labels.row_edges is None


def test_xarray_uneven_coordinates_are_positions():
    xr = pytest.importorskip("xarray", reason="xarray is in the test extra")
    f = np.geomspace(10, 10_000, 30)
    da = xr.DataArray(np.random.default_rng(0).random((30, 20)), dims=("freq", "time"),
                      coords={"freq": f, "time": np.arange(20.0)})
    got = fastheat.aggregate(da, width=20, height=60)
    want = reference_mean(da.values, cell_edges(f, 30), np.arange(21.0) - 0.5, 60, 20)
    np.testing.assert_allclose(got, want, rtol=1e-10)
    # log-spaced coordinates on a log axis are even again: equal to the plain matrix
    np.testing.assert_allclose(fastheat.aggregate(da, yscale="log", width=20, height=30),
                               da.values, rtol=1e-10)


def test_errors_name_the_option():
    v = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"xcoords has 2 values but the matrix has 3 columns; "
                                         r"give 4 cell edges or 3 cell centres"):
        fastheat.aggregate(v, xcoords=[0, 1])
    with pytest.raises(ValueError, match="strictly increasing or strictly decreasing"):
        fastheat.aggregate(v, xcoords=[0, 1, 1, 2])
    with pytest.raises(ValueError, match=r"ycoords has values <= 0 .* log axis"):
        fastheat.aggregate(v, ycoords=[-1, 1, 2], yscale="log")
    with pytest.raises(ValueError, match=r"xscale='ln' is not a scale; use 'linear' or 'log'"):
        fastheat.aggregate(v, xscale="ln")


@pytest.mark.parametrize("coords", [[1e308, -1e308], [-1.7e308, 1.7e308],
                                    [-1.79e308, 0.0, 1.79e308], [1.7e308, 1.75e308, 1.79e308]])
def test_coordinates_beyond_the_float_range_are_refused_without_a_warning(coords):
    # found by the long fuzz run: edges or span overflowing to inf passed the
    # monotonic check with numpy's "overflow encountered in subtract" warning
    v = np.ones((2, len(coords) if len(coords) == 3 else 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^xcoords from .* makes cells wider than the "
                                             r"float range"):
            fastheat.save(v, io.BytesIO(), colorbar=True, xcoords=coords)


def test_huge_but_finite_centres_get_their_edges():
    # 2 * c[0] overflows, the edge does not: computed the other way round
    np.testing.assert_allclose(cell_edges([1e308, 1.1e308], 2), [9.5e307, 1.05e308, 1.15e308],
                               rtol=1e-15)
    out = fastheat.aggregate(np.eye(2), xcoords=[1e308, 1.1e308], width=2, height=2)
    np.testing.assert_allclose(out, np.eye(2), atol=1e-14)  # (edges rounded at 1e308)


def test_a_log_axis_has_ticks_at_decades_where_the_raster_puts_them():
    f = np.geomspace(10, 10_000, 31)  # 30 cells, log-even edges 10 .. 10^4
    src = fastheat.sources.open_source(np.zeros((30, 5)), reading=fastheat.options.Reading(
        ycoords=f, yscale="log"))
    decor = src.default_decor()
    assert decor["yticklabels"] == ["10\u00b9", "10\u00b2", "10\u00b3", "10\u2074"]
    np.testing.assert_allclose(decor["yticks"], [0, 10, 20, 30])  # matrix rows, linear in log f
    img = fastheat.heatmap(np.zeros((30, 5)), ycoords=f, yscale="log", width=50, height=60)
    assert img.size[0] > 50  # the ticks are drawn by default
