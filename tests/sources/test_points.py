"""fastheat.sources.points: point tables binned by datashader.

Points through datashader match ``numpy.histogram2d`` exactly for counts and
within 1e-12 for sums and means.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import fastheat
from fastheat.aggregation.reductions import REDUCTIONS
from fastheat.api import rasterize
from fastheat.sources import open_source
from fastheat.sources.points import LISTED, Points, PointSource

pd = pytest.importorskip("pandas", reason="pandas is in the test extra; needed for point tables")
pytest.importorskip("datashader", reason="datashader is in the test extra; bins point tables")
dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is in the test extra")


def hist_reference(df, h, w, x_range, y_range, value=None):
    """numpy's histogram2d: per-pixel count, sum, and the values in each pixel
    (row 0 = the top of the window, as fastheat returns it)."""
    bins, rng = (h, w), [y_range, x_range]
    count = np.histogram2d(df.y, df.x, bins=bins, range=rng)[0][::-1]
    if value is None:
        return count, None, None
    total = np.histogram2d(df.y, df.x, bins=bins, range=rng, weights=df[value])[0][::-1]
    total2 = np.histogram2d(df.y, df.x, bins=bins, range=rng, weights=df[value] ** 2)[0][::-1]
    return count, total, total2


def _nan0(a):
    a = a.astype(float)
    a[a == 0] = np.nan
    return a


@pytest.mark.parametrize("frame", ["pandas", "dask"])
def test_points_match_histogram2d(points, frame):
    df = points if frame == "pandas" else dd.from_pandas(points, npartitions=3)
    h, w, xr_, yr_ = 30, 40, (-2.0, 2.5), (-5.0, 6.0)
    count, total, total2 = hist_reference(points, h, w, xr_, yr_, "v")
    opts = dict(x="x", y="y", width=w, height=h, x_range=xr_, y_range=yr_)
    np.testing.assert_array_equal(fastheat.aggregate(df, **opts), _nan0(count))
    np.testing.assert_array_equal(fastheat.aggregate(df, reduce="count", **opts), _nan0(count))
    got = {r: fastheat.aggregate(df, value="v", reduce=r, **opts)
           for r in ("sum", "mean", "std", "count")}
    has = count > 0
    np.testing.assert_array_equal(got["count"], _nan0(count))
    np.testing.assert_allclose(got["sum"][has], total[has], rtol=1e-12, atol=1e-9)
    assert np.isnan(got["sum"][~has]).all()
    mean = total[has] / count[has]
    np.testing.assert_allclose(got["mean"][has], mean, rtol=1e-12, atol=1e-9)
    std = np.sqrt(np.maximum(total2[has] / count[has] - mean ** 2, 0))
    np.testing.assert_allclose(got["std"][has], std, rtol=1e-6, atol=1e-6)


def test_points_at_any_raster_size(points):
    # larger than the automatic 1000 px: binned at that size, never cells repeated
    h, w = 1100, 1500
    count = hist_reference(points, h, w, (-3, 3), (-5, 7))[0]
    got = fastheat.aggregate(points, x="x", y="y", width=w, height=h, x_range=(-3, 3),
                             y_range=(-5, 7))
    np.testing.assert_array_equal(got, _nan0(count))
    raster = rasterize(points, x="x", y="y", width=w, height=h, x_range=(-3, 3), y_range=(-5, 7))
    assert raster.rgba().shape == (h, w, 4)


@pytest.mark.parametrize("reduce", ["min", "max", "absmax"])
def test_points_extremes_match_numpy(points, reduce):
    h, w = 12, 9
    sub = points[(points.x.abs() < 2) & ((points.y - 1).abs() < 5)]
    iy = np.minimum(((sub.y - -4.0) / 10.0 * h).astype(int), h - 1)
    ix = np.minimum(((sub.x - -2.0) / 4.0 * w).astype(int), w - 1)
    want = np.full((h, w), np.nan)
    for i, j, v in zip(iy, ix, sub.v):
        a = want[h - 1 - i, j]
        better = {"min": v < a, "max": v > a,
                  "absmax": abs(v) > abs(a) or (abs(v) == abs(a) and v > a)}[reduce]
        if a != a or better:
            want[h - 1 - i, j] = v
    got = fastheat.aggregate(sub, x="x", y="y", value="v", reduce=reduce, width=w, height=h,
                             x_range=(-2, 2), y_range=(-4, 6))
    np.testing.assert_array_equal(got, want)


def test_points_default_range_and_labels(points):
    assert isinstance(open_source(points, points=Points(x="x", y="i")), PointSource)
    raster = rasterize(points, x="x", y="i", width=20, height=10)
    labels = raster.labels
    assert labels.name == "count"
    assert (labels.row_name, labels.col_name) == ("i", "x")
    assert raster.matrix_shape == (10, 20) and len(labels.rows) == 10 and len(labels.cols) == 20
    number = lambda texts: np.array([t.replace("\u2212", "-") for t in texts], float)  # noqa: E731
    rows, cols = number(labels.rows), number(labels.cols)
    assert (np.diff(rows) < 0).all()  # row 0 is the top (largest y)
    assert (np.diff(cols) > 0).all()
    assert rows[0] == pytest.approx(points.i.max() - 0.45, abs=0.01)
    # the window's edges: row 0's outer edge is the top (largest y)
    assert labels.row_edges == pytest.approx((points.i.max(), points.i.min()), abs=1e-9)
    assert labels.col_edges == pytest.approx((points.x.min(), points.x.max()), abs=1e-9)
    assert np.nansum(raster.values) == len(points)  # the default window holds every point
    assert fastheat.heatmap(points, x="x", y="y").size == (1000, 1000)
    assert fastheat.heatmap(points, x="x", y="y", width=300).size == (300, 300)


def test_points_image_is_the_colormapped_grid(points):
    opts = dict(width=50, height=40, x_range=(-3, 3), y_range=(-8, 10))
    grid = fastheat.aggregate(points, x="x", y="y", value="v", **opts)
    np.testing.assert_array_equal(
        fastheat.to_rgba(points, x="x", y="y", value="v", cmap="magma", **opts),
        fastheat.to_rgba(grid, width=50, height=40, cmap="magma"))


def test_dataframe_without_point_options_is_not_a_point_table(points):
    assert not isinstance(open_source(points[["x", "y"]]), PointSource)
    with pytest.raises(TypeError, match="dask DataFrame is read as a table of points"):
        open_source(dd.from_pandas(points, npartitions=2))


@pytest.mark.parametrize("options, error, match", [
    (dict(x="x", y="nope"), ValueError, r"y='nope' is not a column of the DataFrame; its "
                                        r"columns are: 'x', 'y', 'v', 'i', 's'"),
    (dict(x="x", y="y", value="zz"), ValueError, "value='zz' is not a column"),
    (dict(x="s", y="y"), TypeError, r"column 's' \(x=\) has dtype .*must be numeric"),
    (dict(x="x", y="y", value="s"), TypeError, r"column 's' \(value=\)"),
    (dict(x="x"), ValueError, "needs both x= and y="),
    (dict(x="x", y="y", reduce="max"), ValueError, "reduce='max' needs a value= column"),
    (dict(x="x", y="y", value="v", reduce="nearest"), ValueError,
     "not available for point tables; choose one of 'count'"),
    (dict(x="x", y="y", x_range=(1, 0)), ValueError, "x_range must be finite with low < high"),
    (dict(x="x", y="y", y_range="ab"), TypeError, "y_range must be a"),
])
def test_point_table_errors(points, options, error, match):
    with pytest.raises(error, match=match):
        fastheat.aggregate(points, width=10, height=10, **options)


def test_point_options_need_a_dataframe():
    with pytest.raises(TypeError, match="options for point tables .* not for ndarray"):
        fastheat.to_rgba(np.ones((3, 3)), x="a", y="b")


def test_progress_for_dask_points(points, capsys):
    df = dd.from_pandas(points, npartitions=2)
    fastheat.aggregate(df, x="x", y="y", width=10, height=10, progress=True)
    assert "aggregating points" in capsys.readouterr().err


# --- the point options, the table, the protocol ----------------------------------------------


def test_point_options_are_declared_once_with_their_help():
    names = [f.name for f in dataclasses.fields(Points)]
    assert names == ["x", "y", "value", "x_range", "y_range"]
    for f in dataclasses.fields(Points):
        assert f.default is None and f.metadata["doc"], f.name
        assert f.metadata["cli"]["help"].startswith("point table"), f.name
    assert not Points().active and Points(y_range=(0, 1)).active
    with pytest.raises(dataclasses.FrozenInstanceError):
        Points().x = "x"


def test_listed_reductions_are_those_with_a_datashader_aggregation():
    assert set(LISTED) == {n for n, r in REDUCTIONS.items() if r.datashader is not None}


def test_a_point_table_has_no_matrix_and_labels_its_last_grid(points):
    src = open_source(points, points=Points(x="x", y="y", value="v"))
    assert src.shape is None and src.labels.rows is None
    assert (src.labels.row_name, src.labels.col_name, src.labels.name) == ("y", "x", "v")
    src.aggregate(4, 6, "mean")
    assert len(src.labels.rows) == 4 and len(src.labels.cols) == 6
    src.aggregate(3, 2, "max")
    assert len(src.labels.rows) == 3 and len(src.labels.cols) == 2 and src.shape is None


def test_mask_is_refused_for_point_tables(points):
    src = open_source(points, points=Points(x="x", y="y"))
    with pytest.raises(TypeError, match="mask= works with in-memory and memory-mapped arrays, "
                                        "not PointSource"):
        src.masked(np.zeros((3, 3), bool))


def test_point_axes_have_round_ticks_at_their_positions(points):
    from tests.compose.helpers import compose, tick_value

    comp, _ = compose(points, x="x", y="y", width=400, height=400, x_range=(-4.4414, -0.041),
                      y_range=(-3, 10), colorbar=True)
    x0, y0 = comp.raster_box[:2]
    xt = [it.text for it in comp.items if it.kind == "xticklabel"]
    yt = [it.text for it in comp.items if it.kind == "yticklabel"]
    # not -4.4414 ... -0.0410 every 20 px: as matplotlib's MaxNLocator, at most 9
    assert xt == ["\u22124.0", "\u22123.5", "\u22123.0", "\u22122.5", "\u22122.0", "\u22121.5",
                  "\u22121.0", "\u22120.5"]
    assert [tick_value(t) for t in yt] == [10, 8, 6, 4, 2, 0, -2]  # y grows upward
    for box, t in zip(comp.boxes("xtick"), xt):
        assert abs(box[0] - x0 - (tick_value(t) + 4.4414) / 4.4004 * 400) <= 1
    for box, t in zip(comp.boxes("ytick"), yt):
        assert abs(box[1] - y0 - (10 - tick_value(t)) / 13 * 400) <= 1
