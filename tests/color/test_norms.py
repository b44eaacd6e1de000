"""Norms: linear, log, symlog, sqrt, power, eq_hist, robust= and center=.

Compared with matplotlib's LogNorm / SymLogNorm(linscale=1, base=10) /
PowerNorm within 1 unit per channel (colour codes may differ by one where
matplotlib computes in float32 and fastheat in float64), on a grey colormap
whose bytes are its codes.

+-inf are bad in every norm, as matplotlib's images mask them. ``center=`` is
seaborn's, byte for byte against the colours of seaborn's mesh; a matplotlib
``Normalize`` object as ``norm=`` gives matplotlib's bytes, byte for byte;
``norm="twoslope"`` and ``levels=`` are TwoSlopeNorm's and BoundaryNorm's.

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


@pytest.mark.parametrize("norm", ["linear", "log", "symlog", "sqrt", "power", "eq_hist",
                                  "twoslope"])
def test_infinities_are_bad(norm):
    # matplotlib masks +-inf (imshow's masked_invalid); they were over/under before issue 9
    x = np.array([[1.0, 2.0, 3.0, 10.0, np.inf, -np.inf, np.nan]])
    got = rgba(x, norm=norm, cmap=VIRIDIS, under="blue", over="red", bad="lime")
    assert got[0, 4:].tolist() == [[0, 255, 0, 255]] * 3
    # the finite range is the data's: lowest and highest colours at its ends
    # (twoslope: the default centre 0 mirrors vmin to -10)
    if norm != "twoslope":
        assert got[0, 0].tolist() == list(VIRIDIS(0.0, bytes=True))
    assert got[0, 3].tolist() == list(VIRIDIS(1.0, bytes=True))
    # and at the norm level: codes of +-inf are bad, not under/over
    fitted = norms.fit(x, norm=norm)
    assert fitted.encode(x, 256)[0, 4:].tolist() == [258, 258, 258]


def test_infinities_are_bad_with_levels():
    x = np.array([[1.0, 2.0, np.inf, -np.inf, np.nan]])
    fitted = norms.fit(x, levels=[0, 1, 5])
    assert fitted.encode(x, 256)[0].tolist() == [255, 255, 258, 258, 258]


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
            # seaborn's own use of Colormap.set_bad/under/over (matplotlib >= 3.11), not ours
            warnings.filterwarnings("ignore", "The set_(bad|under|over) function",
                                    PendingDeprecationWarning)
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


COOLWARM = matplotlib.colormaps["coolwarm"]


def _vlag():
    import seaborn as sns

    return sns.color_palette("vlag", as_cmap=True)


@pytest.mark.parametrize("kw", [{}, {"robust": True}, {"vmin": -4.0, "vmax": 9.0},
                                {"vmin": -2}, {"vmax": 30}])
@pytest.mark.parametrize("center", [0.0, 1.0, 5.0, -10.0, 50.0, 90.0])  # either side the wider
@pytest.mark.parametrize("cmap", ["coolwarm", "vlag"])
def test_center_like_seaborn_byte_for_byte(outliers, center, kw, cmap):
    # seaborn keeps vmin/vmax and resamples the colormap to 256 colours around
    # the centre: the same bytes as its mesh's, NaN cell and under/over included
    cmap = COOLWARM if cmap == "coolwarm" else _vlag()
    got = rgba(outliers, center=center, cmap=cmap, **kw)
    want, norm = seaborn_colors(outliers, center=center, cmap=cmap, **kw)
    np.testing.assert_array_equal(got, want)
    fitted = fastheat.api.rasterize(outliers, center=center, cmap=cmap, **kw).norm
    assert (fitted.vmin, fitted.vmax) == (norm.vmin, norm.vmax)  # the range is kept


@pytest.mark.parametrize("center", [0.0, 5.0])
def test_center_like_seaborn_with_a_named_colormap(outliers, center):
    # the catalogue's coolwarm is matplotlib's within one unit
    got = rgba(outliers, center=center, cmap="coolwarm")
    want, _ = seaborn_colors(outliers, center=center, cmap="coolwarm")
    assert max_diff(got, want) <= 1


def test_center_with_robust_like_seaborn(outliers):
    # (a strict xfail before issue 9: fastheat widened the range to center +- r)
    got = rgba(outliers, center=1.0, robust=True, cmap=COOLWARM)
    want, _ = seaborn_colors(outliers, center=1.0, robust=True, cmap=COOLWARM)
    np.testing.assert_array_equal(got, want)
    assert max_diff(rgba(outliers, center=1.0, robust=True, cmap="coolwarm"), want) <= 1


def test_center_keeps_set_under_over_and_bad_colours(outliers):
    cmap = COOLWARM.with_extremes(under="k", over="m", bad="g")
    got = rgba(outliers, center=0.0, vmin=-3, vmax=6, cmap=cmap)
    want, _ = seaborn_colors(outliers, center=0.0, vmin=-3, vmax=6, cmap=cmap)
    np.testing.assert_array_equal(got, want)
    assert got[0, 1].tolist() == [0, 0, 0, 255] and got[0, 0].tolist() == [191, 0, 191, 255]
    assert got[3, 4].tolist() == [0, 127, 0, 255]


def test_center_gets_the_middle_colour(outliers):
    # the centre's cell is coloured from the source colormap's middle (one
    # step of the 256-colour resampling away at most)
    x = outliers.copy()
    x[5, 5] = 2.0
    got = rgba(x, center=2.0, cmap=GRAY)[5, 5, 0]
    assert abs(int(got) - 128) <= 1


def test_center_colorbar_shows_the_resampled_colormap(outliers):
    # seaborn's colorbar: the resampled colormap over vmin..vmax
    palette = fastheat.api.rasterize(outliers, center=0.0, cmap=COOLWARM).palette
    _, norm = seaborn_colors(outliers, center=0.0, cmap=COOLWARM)
    lo, hi = np.nanmin(outliers), np.nanmax(outliers)
    r = max(hi, -lo)
    cc = np.linspace((lo + r) / (2 * r), (hi + r) / (2 * r), 256)
    np.testing.assert_array_equal(palette.lut, COOLWARM(cc, bytes=True))


@pytest.mark.parametrize("center", [1.0, 6.0])
def test_center_and_robust_combine(outliers, center):
    # robust sets vmin/vmax, which center keeps (before issue 9: widened to center +- r)
    p2, p98 = np.nanpercentile(outliers, [2, 98])
    np.testing.assert_array_equal(rgba(outliers, center=center, robust=True),
                                  rgba(outliers, vmin=p2, vmax=p98, center=center))


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
    # the range stays 0.5..100; the colormap is resampled so that 1 gets its
    # middle colour and both sides advance one colour per equal fraction of a decade
    x = np.array([[0.5, 1.0, 10.0, 100.0]])
    r = fastheat.api.rasterize(x, norm="log", center=1.0, width=4, height=1, cmap=GRAY)
    assert (r.norm.vmin, r.norm.vmax) == (0.5, 100.0)
    cmin = (np.log10(0.5) + 2) / 4  # 2 decades each side of 1
    np.testing.assert_array_equal(r.palette.lut, GRAY(np.linspace(cmin, 1.0, 256), bytes=True))
    assert abs(int(r.rgba()[0, 1, 0]) - 128) <= 1 and r.rgba()[0, 3, 0] == 255
    with pytest.raises(ValueError, match=r"center=-1.* must be positive for norm='log'"):
        fastheat.to_rgba(x, norm="log", center=-1)


# --- matplotlib Normalize objects, twoslope, levels ----------------------------------------


def _mpl_norms():
    edges = [-20, -5, -1, 0, 2, 10, 40]
    return {
        "Normalize": mcolors.Normalize(), "Normalize-limits": mcolors.Normalize(-10, 25),
        "Normalize-clip": mcolors.Normalize(-10, 25, clip=True),
        "LogNorm": mcolors.LogNorm(), "LogNorm-limits": mcolors.LogNorm(0.01, 30),
        "SymLogNorm": mcolors.SymLogNorm(0.5), "SymLogNorm-linscale-base":
            mcolors.SymLogNorm(2.0, linscale=0.3, vmin=-30, vmax=60, base=2),
        "PowerNorm": mcolors.PowerNorm(2.2), "PowerNorm-limits": mcolors.PowerNorm(0.4, -5, 30),
        "TwoSlopeNorm": mcolors.TwoSlopeNorm(0.0),
        "TwoSlopeNorm-limits": mcolors.TwoSlopeNorm(3.0, vmin=-10, vmax=40),
        "CenteredNorm": mcolors.CenteredNorm(), "CenteredNorm-limits": mcolors.CenteredNorm(2, 7),
        "BoundaryNorm": mcolors.BoundaryNorm(edges, 256),
        "BoundaryNorm-extend": mcolors.BoundaryNorm(edges, 256, extend="both"),
        "BoundaryNorm-few": mcolors.BoundaryNorm(edges, 8, clip=True),
    }


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(_mpl_norms()))
def test_matplotlib_norm_objects_give_matplotlibs_bytes(signed, name, dtype):
    import copy

    obj = _mpl_norms()[name]
    before = copy.deepcopy(obj.__dict__)
    x = signed.astype(dtype)
    x[1, :3] = [np.inf, -np.inf, np.nan]
    for cmap in (VIRIDIS, COOLWARM.with_extremes(under="k", over="m", bad="g")):
        got = rgba(x, norm=obj, cmap=cmap)
        # matplotlib's images mask NaN and +-inf before autoscaling and normalizing
        want = mpl(copy.deepcopy(obj), np.ma.masked_invalid(x), cmap)
        np.testing.assert_array_equal(got, want)
    assert obj.__dict__.keys() == before.keys()  # the user's norm is not touched
    assert obj.vmin == before.get("_vmin", obj.vmin) and obj.vmax == before.get("_vmax", obj.vmax)
    if obj.vmin is None:
        assert obj.vmax is None  # still unset


def test_matplotlib_norm_without_nan_matches_a_plain_call(signed):
    # no value to mask: the very call a user would write
    for obj in _mpl_norms().values():
        np.testing.assert_array_equal(rgba(signed[1:], norm=obj, cmap=VIRIDIS),
                                      VIRIDIS(obj(signed[1:]), bytes=True))


def test_matplotlib_norm_refuses_other_norm_options(signed):
    for kw in ({"vmin": 0}, {"center": 0.0}, {"robust": True}, {"levels": 4}):
        with pytest.raises(ValueError, match=rf"{next(iter(kw))}= cannot be combined with a "
                                             r"matplotlib norm object.*LogNorm"):
            rgba(signed, norm=mcolors.LogNorm(), **kw)
    with pytest.raises(TypeError, match=r"norm=3 is not a norm.*matplotlib Normalize"):
        rgba(signed, norm=3)
    with pytest.raises(ValueError, match=r"norm='twoslopes' is not a norm.*'twoslope'"):
        rgba(signed, norm="twoslopes")


def test_matplotlib_norm_colorbar_ticks():
    from fastheat.compose.ticks import colorbar_ticks  # noqa: F401  (loaded by compose)

    x = np.logspace(-2, 3, 400).reshape(20, 20)
    comp = fastheat.api._composition(x, fastheat.options.split(
        "heatmap", {"norm": mcolors.LogNorm(), "colorbar": True}))
    labels = [it.text for it in comp.items if it.kind == "colorbar-ticklabel"]
    native = fastheat.api._composition(x, fastheat.options.split(
        "heatmap", {"norm": "log", "colorbar": True}))
    assert labels == [it.text for it in native.items if it.kind == "colorbar-ticklabel"]


def test_no_matplotlib_unless_a_matplotlib_object_is_passed():
    import subprocess
    import sys

    code = ("import sys, numpy as np, fastheat\n"
            "x = np.arange(20.0).reshape(4, 5)\n"
            "for kw in ({'norm': 'twoslope', 'center': 3}, {'levels': 4}, {'center': 2.0},\n"
            "           {'levels': [0, 5, 19]}):\n"
            "    fastheat.heatmap(x, colorbar=True, **kw)\n"
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("kw", [{"center": 0.0}, {"center": 3.0, "vmin": -10, "vmax": 40},
                                {"center": 5.0, "vmin": -3}, {"center": -2.0, "vmax": 25},
                                {"center": 30.0}, {"center": -150.0}])
def test_twoslope_matches_twoslopenorm(signed, kw):
    x = signed.copy()
    x[1, :2] = [np.inf, -np.inf]
    got = rgba(x, norm="twoslope", cmap=COOLWARM, **kw)
    want = mpl(mcolors.TwoSlopeNorm(kw["center"], kw.get("vmin"), kw.get("vmax")),
               np.ma.masked_invalid(x), COOLWARM)
    np.testing.assert_array_equal(got, want)


def test_twoslope_default_center_is_zero_and_gets_the_middle_colour():
    x = np.array([[-1.0, 0.0, 10.0]])
    got = rgba(x, norm="twoslope", cmap=GRAY)
    assert got[0, :, 0].tolist() == [0, 128, 255]
    with pytest.raises(ValueError, match=r"center=5.* must lie between vmin=-1.* and vmax=2.* "
                                         r"for norm='twoslope'"):
        rgba(x, norm="twoslope", center=5, vmin=-1, vmax=2)


@pytest.mark.parametrize("edges", [[-20, -5, -1, 0, 2, 10, 40], [-3, 3], [0.5, 1, 2, 4, 8]])
@pytest.mark.parametrize("cmap", [VIRIDIS, GRAY, mcolors.ListedColormap(["r", "g", "b", "c",
                                                                         "m", "y"])])
def test_levels_match_boundarynorm(signed, edges, cmap):
    if len(edges) - 1 > cmap.N:
        pytest.skip("more bands than colours")
    x = signed.copy()
    x[x == edges[-1]] = np.nan  # the one intended difference: the last edge is in the top band
    got = rgba(x, levels=edges, cmap=cmap)
    # (masked as imshow does: a raw BoundaryNorm call puts NaN in the top band)
    want = mpl(mcolors.BoundaryNorm(edges, cmap.N), np.ma.masked_invalid(x), cmap)
    np.testing.assert_array_equal(got, want)


def test_levels_last_edge_is_in_the_top_band_and_outside_is_under_over():
    x = np.array([[0.0, 0.99, 1.0, 2.0, 3.0, -0.1, 3.1]])
    got = rgba(x, levels=[0, 1, 2, 3], cmap=GRAY, under="red", over="blue")
    assert got[0, :5, 0].tolist() == [0, 0, 127, 255, 255]
    assert got[0, 5].tolist() == [255, 0, 0, 255] and got[0, 6].tolist() == [0, 0, 255, 255]


def test_levels_number_makes_round_edges_over_the_range():
    x = np.linspace(0.3, 9.6, 40).reshape(5, 8)
    r = fastheat.api.rasterize(x, levels=5, cmap=GRAY, width=8, height=5)
    assert r.norm.edges.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    assert sorted(set(r.rgba()[..., 0].ravel().tolist())) == [0, 63, 127, 191, 255]
    assert norms.nice_edges(-0.37, 0.81, 6).tolist() == [-0.4, -0.2, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    r = fastheat.api.rasterize(x, levels=4, vmin=0, vmax=8, width=8, height=5)
    assert r.norm.edges.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert r.top_code == 257  # above 8: over
    # a constant: one band, the middle colour
    one = rgba(np.full((2, 2), 7.0), levels=3, cmap=GRAY)
    assert (one[..., 0] == 127).all()


@pytest.mark.parametrize("kw, match", [
    ({"levels": 0}, r"levels=0 must be between 1 and 1000 bands"),
    ({"levels": [1.0]}, r"levels=\[1.0\] must be a number of bands or at least 2 increasing"),
    ({"levels": [0, 2, 1]}, r"at least 2 increasing finite band edges"),
    ({"levels": [0, np.nan]}, r"at least 2 increasing finite band edges"),
    ({"levels": "abc"}, r"levels='abc' must be"),
    ({"levels": True}, r"levels=True must be"),
    ({"levels": 3, "norm": "log"}, r"levels=3 makes discrete bands and cannot be combined "
                                   r"with norm='log'"),
    ({"levels": [0, 1, 2], "vmin": 0}, r"levels=\[0.0, 1.0, 2.0\] sets the range; drop vmin="),
    ({"levels": np.arange(300.0)}, r"levels= makes 299 bands but the colormap has only 256 "
                                   r"colours"),
])
def test_levels_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        fastheat.to_rgba(np.arange(100.0).reshape(10, 10), **kw)


@pytest.mark.parametrize("linscale, base", [(0.3, 10), (2.0, 10), (1.0, 2), (0.5, np.e)])
def test_symlog_linscale_and_base_match_symlognorm(signed, linscale, base):
    got = rgba(signed, norm="symlog", linthresh=0.5, linscale=linscale, base=base,
               vmin=-30, vmax=60)
    want = mpl(mcolors.SymLogNorm(0.5, linscale=linscale, vmin=-30, vmax=60, base=base), signed)
    assert max_diff(got, want) <= 1
    assert max_diff(got, rgba(signed, norm="symlog", linthresh=0.5, vmin=-30, vmax=60)) > 5
    fitted = norms.fit(signed, norm="symlog", linthresh=0.5, linscale=linscale, base=base)
    t = np.linspace(0, 1, 11)
    np.testing.assert_allclose(fitted.forward(fitted.inverse(t)), t, atol=1e-9)
    with pytest.raises(ValueError, match=r"base=1 must be a positive number other than 1"):
        rgba(signed, norm="symlog", base=1)
    with pytest.raises(ValueError, match=r"linscale=-1 must be a positive number"):
        rgba(signed, norm="symlog", linscale=-1)
