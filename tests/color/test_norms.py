"""Norms: linear, log, symlog, sqrt, power, eq_hist, robust= and center=.

Compared with matplotlib's LogNorm / SymLogNorm(linscale=1, base=10) /
PowerNorm within 1 unit per channel (colour codes may differ by one where
matplotlib computes in float32 and fastheat in float64), on a grey colormap
whose bytes are its codes.

+-inf are missing values (bad) in every norm, as matplotlib's imshow masks them.

The default range of log and symlog comes from the input's values, gathered
in the aggregation's pass (as matplotlib's ``imshow(m, norm=LogNorm())``
autoscales on ``m``); the other norms use the aggregated grid's range.
"""
from __future__ import annotations

import warnings

import matplotlib
import matplotlib.colors as mcolors
import numpy as np
import pytest
from hypothesis import given, strategies as st

import fastheat
from fastheat.api import rasterize
from fastheat.color import norms

# A grey ramp whose bytes are its codes (matplotlib's "gray" has a few
# repeated bytes): one code step is exactly one unit per channel.
_LEVELS = np.minimum((np.arange(256) + 0.5) / 255, 1.0)
GRAY = mcolors.ListedColormap(np.repeat(_LEVELS[:, None], 3, axis=1), name="codes")
VIRIDIS = matplotlib.colormaps["viridis"]


def rgba(x, **kw):
    kw.setdefault("cmap", GRAY)
    return fastheat.to_rgba(x, width=x.shape[1], height=x.shape[0], **kw)


def mpl(norm, x, cmap=GRAY):
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return cmap(norm(x), bytes=True)


def max_diff(got, want, where=None):
    d = np.abs(got.astype(int) - want.astype(int)).max(axis=-1)
    return int(d[where].max() if where is not None else d.max())


@pytest.fixture
def positive():
    rng = np.random.default_rng(0)
    x = rng.lognormal(0, 2.5, size=(60, 80))
    x[0, :6] = [0.0, -1.0, np.nan, 1e-30, 1e30, 5e-3]
    return x


@pytest.fixture
def signed():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 20, size=(60, 80)) * 10.0 ** rng.integers(-3, 2, size=(60, 80))
    x[0, :4] = [np.nan, 0.0, -1e-9, 1e-9]
    return x


# --- against matplotlib ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_log_matches_lognorm(positive, dtype):
    x = positive.astype(dtype)
    got = rgba(x, norm="log", vmin=0.01, vmax=300)
    assert max_diff(got, mpl(mcolors.LogNorm(0.01, 300), x)) <= 1


def test_log_default_range_matches_lognorm(positive):
    got = rgba(positive, norm="log")
    finite = positive[np.isfinite(positive)]
    want = mpl(mcolors.LogNorm(finite[finite > 0].min(), finite.max()), positive)
    assert max_diff(got, want) <= 1
    # the smallest positive value is the bottom colour, the largest the top
    assert got[0, 3].tolist() == [0, 0, 0, 255] and got[0, 4].tolist() == [255] * 4


def test_log_non_positive_values_are_bad(positive):
    got = rgba(positive, norm="log", cmap=VIRIDIS, bad="red")
    assert got[0, 0].tolist() == got[0, 1].tolist() == got[0, 2].tolist() == [255, 0, 0, 255]
    bad = (got == [255, 0, 0, 255]).all(axis=-1)
    assert bad.sum() == 3  # nothing else is bad


@pytest.mark.parametrize("linthresh", [1e-3, 0.5, 2.0, 50.0])
@pytest.mark.parametrize("vmin, vmax", [(-20, 30), (-1, 1), (0.5, 40), (-300, -2)])
def test_symlog_matches_symlognorm(signed, linthresh, vmin, vmax):
    got = rgba(signed, norm="symlog", linthresh=linthresh, vmin=vmin, vmax=vmax)
    want = mpl(mcolors.SymLogNorm(linthresh, linscale=1, vmin=vmin, vmax=vmax, base=10), signed)
    assert max_diff(got, want) <= 1


def test_symlog_default_linthresh_is_one_percent_of_the_largest_magnitude(signed):
    big = np.nanmax(np.abs(signed))
    got = rgba(signed, norm="symlog")
    assert np.array_equal(got, rgba(signed, norm="symlog", linthresh=big / 100))
    lo, hi = np.nanmin(signed), np.nanmax(signed)
    want = mpl(mcolors.SymLogNorm(big / 100, linscale=1, vmin=lo, vmax=hi, base=10), signed)
    assert max_diff(got, want) <= 1


@pytest.mark.parametrize("dtype", ["float64", "float32", "int16"])
@pytest.mark.parametrize("gamma", [0.3, 0.5, 1.0, 2.2])
def test_power_matches_powernorm(signed, gamma, dtype):
    x = np.nan_to_num(signed, nan=0.0).astype(dtype)
    got = rgba(x, norm="power", gamma=gamma, vmin=-10, vmax=25)
    assert max_diff(got, mpl(mcolors.PowerNorm(gamma, vmin=-10, vmax=25), x)) <= 1


def test_sqrt_is_power_one_half(signed):
    got = rgba(signed, norm="sqrt", vmin=-3, vmax=40)
    assert np.array_equal(got, rgba(signed, norm="power", gamma=0.5, vmin=-3, vmax=40))
    assert max_diff(got, mpl(mcolors.PowerNorm(0.5, vmin=-3, vmax=40), signed)) <= 1
    # not the same as linear
    assert max_diff(got, rgba(signed, vmin=-3, vmax=40)) > 10


def test_power_default_gamma_is_one_half(signed):
    assert np.array_equal(rgba(signed, norm="power"), rgba(signed, norm="sqrt"))


@given(vmin=st.floats(-1e3, 1e3), span=st.floats(1e-3, 1e4), gamma=st.floats(0.1, 5),
       linthresh=st.floats(1e-3, 1e3), seed=st.integers(0, 2**32 - 1))
def test_hypothesis_norms_within_one_unit(vmin, span, gamma, linthresh, seed):
    vmax = vmin + span
    rng = np.random.default_rng(seed)
    x = (vmin + rng.uniform(-0.2, 1.2, size=(6, 9)) * span)
    x[0, 0] = np.nan
    assert max_diff(rgba(x, norm="power", gamma=gamma, vmin=vmin, vmax=vmax),
                    mpl(mcolors.PowerNorm(gamma, vmin=vmin, vmax=vmax), x)) <= 1
    assert max_diff(rgba(x, norm="symlog", linthresh=linthresh, vmin=vmin, vmax=vmax),
                    mpl(mcolors.SymLogNorm(linthresh, linscale=1, vmin=vmin, vmax=vmax, base=10), x)) <= 1
    if vmin > 0:
        assert max_diff(rgba(x, norm="log", vmin=vmin, vmax=vmax),
                        mpl(mcolors.LogNorm(vmin, vmax), x)) <= 1


@pytest.mark.parametrize("norm", ["linear", "log", "symlog", "sqrt", "power", "eq_hist"])
def test_infinities_are_bad(norm):
    # missing values, as matplotlib's imshow masks them (not under/over)
    x = np.array([[1.0, 2.0, 3.0, 10.0, np.inf, -np.inf, np.nan]])
    got = rgba(x, norm=norm, cmap=VIRIDIS, under="blue", over="red", bad="lime")
    assert got[0, 4].tolist() == got[0, 5].tolist() == got[0, 6].tolist() == [0, 255, 0, 255]
    # the finite range is the data's: lowest and highest colours at its ends
    assert got[0, 0].tolist() == list(VIRIDIS(0.0, bytes=True))
    assert got[0, 3].tolist() == list(VIRIDIS(1.0, bytes=True))


# --- eq_hist ------------------------------------------------------------------------------


def test_eq_hist_spreads_skewed_data_evenly():
    rng = np.random.default_rng(2)
    # (skewed, but not so heavy-tailed that 65,536 linear bins cannot resolve
    # it: like datashader's, the equalization is only as fine as its histogram)
    x = rng.lognormal(0, 1, size=(200, 200))
    got = rgba(x, norm="eq_hist")[..., 0].ravel()  # gray: code == red channel
    counts = np.bincount(got, minlength=256)
    expected = x.size / 256
    assert counts.min() > 0.5 * expected and counts.max() < 1.5 * expected, (counts.min(), counts.max())
    # linear puts most pixels in the first tenth of the colours
    assert np.bincount(rgba(x)[..., 0].ravel(), minlength=256)[:26].sum() > 0.5 * x.size


def test_eq_hist_is_monotone_and_spans_the_colormap():
    rng = np.random.default_rng(3)
    x = rng.exponential(size=(50, 70)) ** 3
    x[0, 0] = np.nan
    got = rgba(x, norm="eq_hist", cmap=GRAY)
    order = np.argsort(x, axis=None)
    red = got[..., 0].ravel()[order][: x.size - 1]  # NaN sorts last
    assert (np.diff(red.astype(int)) >= 0).all()
    assert red[0] == 0 and red[-1] == 255
    assert got[0, 0, 3] == 0  # NaN bad


def test_eq_hist_like_datashader():
    tf = pytest.importorskip("datashader.transfer_functions",
                             reason="datashader (the 'bench' extra) is the reference for eq_hist")
    rng = np.random.default_rng(4)
    for x in (rng.lognormal(0, 1, size=(300, 300)), rng.normal(size=(123, 77)),
              np.round(rng.normal(size=(100, 100)) * 3)):
        x[0, 0] = np.nan
        t = norms.fit(x, norm="eq_hist").forward(x)
        out, _ = tf.eq_hist(x, mask=np.isnan(x))
        ds = (out - np.nanmin(out)) / (np.nanmax(out) - np.nanmin(out))
        np.testing.assert_allclose(t, ds, atol=1e-9)


def test_eq_hist_with_vmin_vmax():
    x = np.arange(100.0).reshape(10, 10)
    got = rgba(x, norm="eq_hist", vmin=20, vmax=79, cmap=VIRIDIS, under="blue", over="red")
    flat = got.reshape(-1, 4)
    assert (flat[:20] == [0, 0, 255, 255]).all() and (flat[80:] == [255, 0, 0, 255]).all()
    assert flat[20].tolist() == list(VIRIDIS(0.0, bytes=True))
    assert flat[79].tolist() == list(VIRIDIS(1.0, bytes=True))


# --- robust, center, defaults ---------------------------------------------------------------


def seaborn_colors(x, **kw):
    """The colours seaborn.heatmap gives each cell (its mesh's cmap and norm)."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    try:
        with warnings.catch_warnings():
            # seaborn's own use of Colormap.set_bad (matplotlib >= 3.11), not ours
            warnings.filterwarnings("ignore", "The set_bad function", PendingDeprecationWarning)
            mesh = sns.heatmap(x, ax=ax, cbar=False, **kw).collections[0]
        return mesh.cmap(mesh.norm(x), bytes=True), mesh.norm
    finally:
        plt.close(fig)


@pytest.fixture
def outliers():
    rng = np.random.default_rng(5)
    x = rng.normal(2, 3, size=(40, 50))
    x[3, 4] = np.nan
    x[0, :3] = [100, -80, 55]
    return x


def test_robust_is_2nd_to_98th_percentile_like_seaborn(outliers):
    got = rgba(outliers, robust=True, cmap=VIRIDIS)
    want, norm = seaborn_colors(outliers, robust=True, cmap=VIRIDIS)
    assert_equal = np.testing.assert_array_equal
    assert_equal(got, want)
    p2, p98 = np.nanpercentile(outliers, [2, 98])
    assert (norm.vmin, norm.vmax) == (p2, p98)
    assert_equal(got, rgba(outliers, vmin=p2, vmax=p98, cmap=VIRIDIS))
    # and it differs from the full range
    assert not np.array_equal(got, rgba(outliers, cmap=VIRIDIS))


def test_robust_ignores_infinities(outliers):
    x = outliers.copy()
    x[1, 1], x[1, 2] = np.inf, -np.inf
    finite = x[np.isfinite(x)]
    p2, p98 = np.percentile(finite, [2, 98])
    np.testing.assert_array_equal(rgba(x, robust=True), rgba(x, vmin=p2, vmax=p98))


@pytest.mark.parametrize("center", [0.0, 1.0, 5.0, -10.0, 50.0, 90.0])  # either side the wider
def test_center_is_symmetric_range(outliers, center):
    lo, hi = np.nanmin(outliers), np.nanmax(outliers)
    r = max(hi - center, center - lo)
    cmap = matplotlib.colormaps["coolwarm"]
    got = rgba(outliers, center=center, cmap=cmap)
    np.testing.assert_array_equal(got, mpl(mcolors.Normalize(center - r, center + r), outliers, cmap))
    # the centre value gets the middle colour
    mid = rgba(np.array([[center, lo, hi]]), center=center, vmin=lo, vmax=hi, cmap=cmap)
    assert mid[0, 0].tolist() == list(cmap(0.5, bytes=True))


@pytest.mark.parametrize("center", [0.0, 5.0])
def test_center_like_seaborn(outliers, center):
    # seaborn resamples the colormap to 256 colours over the data's part of the
    # symmetric range: the same colour up to that resampling (3 units here)
    for name in ("coolwarm", "vlag"):
        got = rgba(outliers, center=center, cmap=name)
        want, _ = seaborn_colors(outliers, center=center, cmap=name)
        assert max_diff(got, want, where=~np.isnan(outliers)) <= 3


@pytest.mark.xfail(reason="center= with robust=True or an explicit vmin/vmax: seaborn keeps "
                          "vmin/vmax as the colour range (values beyond are under/over, drawn in "
                          "the end colours), fastheat widens the range to center +- r",
                   raises=AssertionError, strict=True)
def test_center_with_robust_like_seaborn(outliers):
    got = rgba(outliers, center=1.0, robust=True, cmap="coolwarm")
    want, _ = seaborn_colors(outliers, center=1.0, robust=True, cmap="coolwarm")
    assert max_diff(got, want, where=~np.isnan(outliers)) <= 3


@pytest.mark.parametrize("center", [1.0, 6.0])
def test_center_and_robust_combine(outliers, center):
    p2, p98 = np.nanpercentile(outliers, [2, 98])
    r = max(p98 - center, center - p2)
    np.testing.assert_array_equal(rgba(outliers, center=center, robust=True),
                                  rgba(outliers, vmin=center - r, vmax=center + r))


def test_default_range_is_the_aggregated_range():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(600, 800))
    x[5, 5] = 1e6  # an outlier that averaging dilutes
    grid = fastheat.aggregate(x, width=80, height=60)
    got = fastheat.to_rgba(x, width=80, height=60, cmap=VIRIDIS)
    want = fastheat.to_rgba(grid, width=80, height=60, cmap=VIRIDIS,
                            vmin=grid.min(), vmax=grid.max())
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, mpl(mcolors.Normalize(grid.min(), grid.max()), grid, VIRIDIS))
    # the range is the grid's, not the input's: its top colour is used exactly once
    top = (got == VIRIDIS(1.0, bytes=True)).all(axis=-1)
    assert top.sum() == 1
    for reduce in ("max", "min", "std", "count", "sum"):
        g = fastheat.aggregate(x, width=80, height=60, reduce=reduce)
        np.testing.assert_array_equal(
            fastheat.to_rgba(x, width=80, height=60, reduce=reduce, cmap=VIRIDIS),
            mpl(mcolors.Normalize(np.nanmin(g), np.nanmax(g)), g, VIRIDIS), err_msg=reduce)


@pytest.fixture(scope="module")
def contacts():
    """The issue's case: a 1383 x 1383 contact map of counts (every real
    count >= 1, zeros far from the diagonal), decaying with distance."""
    rng = np.random.default_rng(9)
    d = np.abs(np.subtract.outer(np.arange(1383), np.arange(1383)))
    return rng.poisson(8e4 / (1 + d) ** 1.6).astype(np.float64)


def test_log_default_range_is_the_inputs_like_matplotlib(contacts):
    m = contacts
    grid = fastheat.aggregate(m, width=1000, height=1000)
    assert 0 < grid[grid > 0].min() < 1e-3  # slivers of cells at the pixels' edges
    want = mcolors.LogNorm()
    want.autoscale_None(m)  # what imshow(m, norm=LogNorm()) spans: m[m > 0].min()..m.max()
    fitted = rasterize(m, norm="log", width=1000, height=1000).norm
    assert (fitted.vmin, fitted.vmax) == (want.vmin, want.vmax) == (1.0, m.max())
    # the picture: matplotlib's colours of the grid, slivers in the under colour
    got = fastheat.to_rgba(m, norm="log", width=1000, height=1000, cmap=VIRIDIS, under="red")
    assert max_diff(got, mpl(want, grid, VIRIDIS.with_extremes(under="red"))) <= 1
    assert ((got == [255, 0, 0, 255]).all(axis=-1) == ((grid > 0) & (grid < 1))).all()
    # not washed out: the background far from the diagonal (a few counts)
    # is in the darkest fifth of the map, as in matplotlib's picture
    far = grid[np.abs(np.subtract.outer(np.arange(1000), np.arange(1000))) > 600]
    assert fitted.forward(np.median(far)) < 0.2 < mcolors.LogNorm(grid[grid > 0].min(),
                                                                  grid.max())(np.median(far))
    # the same default range at any raster size
    small = rasterize(m, norm="log", width=300, height=300).norm
    assert (small.vmin, small.vmax) == (fitted.vmin, fitted.vmax)


def test_symlog_default_range_is_the_inputs(signed):
    x = np.repeat(np.repeat(signed, 3, axis=0), 3, axis=1)[:170, :230]
    fitted = rasterize(x, norm="symlog", width=100, height=70).norm
    finite = x[np.isfinite(x)]
    grid = fastheat.aggregate(x, width=100, height=70)
    # the input's range, widened by the grid's rounding (a mean of equal cells
    # may come out an ulp beyond them)
    assert (fitted.vmin, fitted.vmax) == (min(finite.min(), np.nanmin(grid)),
                                          max(finite.max(), np.nanmax(grid)))
    assert (fitted.vmin, fitted.vmax) == pytest.approx((finite.min(), finite.max()), rel=1e-15)
    assert fitted.linthresh == max(-fitted.vmin, fitted.vmax) / 100
    want = mcolors.SymLogNorm(fitted.linthresh, linscale=1, vmin=fitted.vmin, vmax=fitted.vmax,
                              base=10)
    got = fastheat.to_rgba(x, norm="symlog", width=100, height=70, cmap=GRAY)
    assert max_diff(got, mpl(want, grid)) <= 1


def test_which_reductions_and_norms_take_the_inputs_range(contacts):
    m = contacts[:300, :300]
    grid = {r: fastheat.aggregate(m, width=200, height=200, reduce=r)
            for r in ("mean", "sum", "count", "std", "max")}

    def fitted(norm, reduce="mean", **kw):
        f = rasterize(m, norm=norm, reduce=reduce, width=200, height=200, **kw).norm
        return f.vmin, f.vmax

    def positive(g):
        return g[g > 0].min(), g.max()

    assert fitted("log", "max") == (1.0, m.max())
    # sum: the bottom is one cell of the smallest count, the top the grid's
    assert fitted("log", "sum") == (1.0, grid["sum"].max())
    # counts and spreads are not input values: the grid's range
    assert fitted("log", "count") == positive(grid["count"])
    assert fitted("log", "std") == positive(grid["std"])
    # one bound given: the other from the input; robust: the grid's percentiles
    assert fitted("log", vmin=10) == (10, m.max())
    assert fitted("log", vmax=100) == (1.0, 100)
    lo, hi = np.percentile(grid["mean"][grid["mean"] > 0], [2, 98])
    assert fitted("log", robust=True) == pytest.approx((lo, hi), rel=1e-12)
    # the other norms keep the aggregated range
    g = grid["mean"]
    for norm in ("linear", "sqrt", "power", "eq_hist"):
        assert fitted(norm) == pytest.approx((g.min(), g.max()), rel=1e-6), norm


def test_one_sided_limits():
    x = np.arange(12.0).reshape(3, 4)
    got = rgba(x, vmin=4, cmap=VIRIDIS, under="red")
    assert (got.reshape(-1, 4)[:4] == [255, 0, 0, 255]).all()
    assert got.reshape(-1, 4)[-1].tolist() == list(VIRIDIS(1.0, bytes=True))
    got = rgba(x, vmax=5, cmap=VIRIDIS, over="red")
    assert (got.reshape(-1, 4)[6:] == [255, 0, 0, 255]).all()
    assert got.reshape(-1, 4)[0].tolist() == list(VIRIDIS(0.0, bytes=True))


def test_inverse_round_trips():
    x = np.linspace(0.5, 200, 50)[None]
    for norm, kw in (("linear", {}), ("log", {}), ("symlog", {"linthresh": 2.0}),
                     ("sqrt", {}), ("power", {"gamma": 2.0}), ("eq_hist", {})):
        fitted = norms.fit(x, norm=norm, **kw)
        t = np.linspace(0, 1, 11)
        np.testing.assert_allclose(fitted.forward(fitted.inverse(t)), t, atol=1e-9, err_msg=norm)


def test_log_center_is_symmetric_in_decades():
    x = np.array([[0.5, 1.0, 10.0, 100.0]])
    norm = fastheat.api.rasterize(x, norm="log", center=1.0, width=4, height=1).norm
    assert norm.vmin == pytest.approx(0.01) and norm.vmax == pytest.approx(100.0)
    with pytest.raises(ValueError, match=r"center=-1.* must be positive for norm='log'"):
        fastheat.to_rgba(x, norm="log", center=-1)
