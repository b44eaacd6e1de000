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
