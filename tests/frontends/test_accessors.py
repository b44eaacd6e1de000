"""fastheat.frontends.accessors: DataArray.fastheat and DataFrame.fastheat."""
import subprocess
import sys

import numpy as np
import pytest

import fastheat


def test_registered_on_later_import_without_eager_import():
    code = ("import sys, fastheat; assert 'xarray' not in sys.modules and 'pandas' not in "
            "sys.modules; import xarray, pandas; print(hasattr(xarray.DataArray, 'fastheat'), "
            "hasattr(pandas.DataFrame, 'fastheat'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_xarray_accessor_uses_coordinates(tmp_path):
    xr = pytest.importorskip("xarray")
    a = xr.DataArray(np.random.default_rng(0).random((20, 30)), dims=("lat", "lon"),
                     coords={"lat": np.arange(20.0), "lon": np.arange(30.0)}, name="t")
    img = a.fastheat.heatmap(colorbar=True)
    assert img.size == fastheat.heatmap(a, colorbar=True).size
    a.fastheat.save(tmp_path / "a.png", colorbar=True)
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"


def test_pandas_accessor():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(np.eye(3), index=list("abc"))
    np.testing.assert_array_equal(np.asarray(df.fastheat.heatmap(colorbar=True)),
                                  np.asarray(fastheat.heatmap(df, colorbar=True)))


def test_plot_draws_an_artist():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt
    xr = pytest.importorskip("xarray")

    fig, ax = plt.subplots()
    try:
        a = xr.DataArray(np.eye(5), dims=("y", "x"))
        art = a.fastheat.plot(ax=ax)
        assert art in ax.images
    finally:
        plt.close(fig)


@pytest.mark.parametrize("yincrease", [None, True, False])
def test_plot_of_a_dataarray_is_laid_out_as_xarrays_own(yincrease):
    # xarray's .plot() puts y increasing upward; the accessor does too (and
    # takes xarray's yincrease=), so the same call gives the same picture
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt
    xr = pytest.importorskip("xarray")

    a = xr.DataArray(np.arange(12.0).reshape(3, 4), dims=("lat", "day"),
                     coords={"lat": [-10.0, 0.0, 10.0], "day": [0, 1, 2, 3]})
    fig, (ax, ref) = plt.subplots(1, 2)
    try:
        kw = {} if yincrease is None else {"yincrease": yincrease}
        a.fastheat.plot(ax=ax, cmap="viridis", **kw)
        a.plot(ax=ref, cmap="viridis", add_colorbar=False, **kw)
        (lo, hi), (rlo, rhi) = ax.get_ylim(), ref.get_ylim()
        assert (lo < hi) == (rlo < rhi) == (yincrease is not False)
        assert ax.get_xlabel() == "day" and ax.get_ylabel() == "lat"
        assert ax.get_aspect() == "auto"
        fig.canvas.draw()
        buf = np.asarray(fig.canvas.buffer_rgba())
        H = buf.shape[0]

        def top_left_cell(axes):  # the colour drawn just inside the axes' top-left corner
            x0, y0, x1, y1 = np.round(axes.bbox.extents).astype(int)
            return buf[H - y1 + 5, x0 + 5, :3]

        # the top row is lat=10 when y increases upward (row 2), else lat=-10 (row 0):
        # fastheat's colour of that cell exactly, xarray's pcolormesh within Agg's 1 unit
        row = 0 if yincrease is False else 2
        colour = mpl.colormaps["viridis"](a.values[row, 0] / 11, bytes=True)[:3]
        np.testing.assert_array_equal(top_left_cell(ax), colour)
        assert np.abs(top_left_cell(ref).astype(int) - colour).max() <= 1
    finally:
        plt.close(fig)
