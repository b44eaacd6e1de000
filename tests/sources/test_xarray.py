"""fastheat.sources.xarray: DataArrays in memory, on dask or lazily loaded; coordinates as labels."""
from __future__ import annotations

import numpy as np
import pytest

import fastheat
from fastheat.api import rasterize
from fastheat.sources import open_source

from .helpers import matrix, same_answer_test, same_range_test

xr = pytest.importorskip("xarray", reason="xarray is in the test extra")

KINDS = ["xarray", "xarray-dask", "xarray-lazy"]


test_same_answer_everywhere = same_answer_test(KINDS)
test_same_range_everywhere = same_range_test(KINDS)


@pytest.mark.parametrize("chunked", [False, True])
def test_xarray_coordinates_and_name(chunked):
    x = matrix((30, 40))
    arr = xr.DataArray(x, dims=("time", "depth"), name="temperature",
                       coords={"time": np.arange(30) * 10, "depth": np.linspace(0, 1, 40)})
    if chunked:
        arr = arr.chunk({"time": 7, "depth": 9})
    raster = rasterize(arr, width=40, height=30)
    labels = raster.labels
    assert labels.name == "temperature"
    assert (labels.row_name, labels.col_name) == ("time", "depth")
    assert labels.rows == [str(10 * k) for k in range(30)]
    assert labels.cols == [f"{v:.6g}" for v in np.linspace(0, 1, 40)]
    np.testing.assert_array_equal(fastheat.to_rgba(arr, width=40, height=30),
                                  fastheat.to_rgba(x, width=40, height=30))


def test_xarray_dates_as_labels():
    arr = xr.DataArray(np.ones((3, 2)), dims=("day", "k"),
                       coords={"day": np.array(["2024-01-01", "2024-01-02", "2024-01-03"],
                                               dtype="datetime64[ns]")})
    src = open_source(arr)
    assert src.labels.rows == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert src.labels.cols is None


def test_xarray_without_coordinates():
    src = open_source(xr.DataArray(matrix((5, 6))))
    assert src.labels.rows is None and src.labels.cols is None and src.labels.name is None


def test_dataset_asks_for_one_of_its_variables():
    with pytest.raises(TypeError, match="xarray Dataset; pass one of its variables"):
        fastheat.aggregate(xr.Dataset({"a": (("r", "c"), np.ones((2, 2)))}))


def test_even_numeric_coordinates_are_an_axis_in_data_units():
    arr = xr.DataArray(matrix((20, 40)), dims=("lat", "lon"),
                       coords={"lat": np.linspace(-3, 3, 20), "lon": np.linspace(0, 2 * np.pi, 40)})
    labels = open_source(arr).labels
    dlat, dlon = 6 / 19, 2 * np.pi / 39
    assert labels.row_edges == pytest.approx((-3 - dlat / 2, 3 + dlat / 2))
    assert labels.col_edges == pytest.approx((-dlon / 2, 2 * np.pi + dlon / 2))
    # uneven numeric coordinates are positions since issue 14 (edges half-way
    # between centres: 0.5 .. 5), an axis in data units; dates stay labels
    uneven = xr.DataArray(matrix((3, 2)), dims=("a", "b"), coords={"a": [1, 2, 4]})
    assert open_source(uneven).labels.row_edges == (0.5, 5.0)


@pytest.mark.parametrize("origin", ["upper", "lower"])
def test_coordinate_ticks_at_round_values_where_they_are(origin):
    from tests.compose.helpers import compose, tick_value

    lon = np.linspace(0, 2 * np.pi, 40)
    lat = np.linspace(-3, 3, 20)
    arr = xr.DataArray(matrix((20, 40)), dims=("lat", "lon"), coords={"lat": lat, "lon": lon})
    comp, _ = compose(arr, width=400, height=300, origin=origin, colorbar=True)
    x0, y0 = comp.raster_box[:2]
    xt = [it.text for it in comp.items if it.kind == "xticklabel"]
    yt = [it.text for it in comp.items if it.kind == "yticklabel"]
    assert xt == ["0", "1", "2", "3", "4", "5", "6"]  # not 0.157895...
    assert yt == (["\u22123", "\u22122", "\u22121", "0", "1", "2", "3"] if origin == "upper" else
                  ["3", "2", "1", "0", "\u22121", "\u22122", "\u22123"])
    left, right = lon[0] - np.pi / 39, lon[-1] + np.pi / 39  # the outer cell edges
    for box, t in zip(comp.boxes("xtick"), xt):
        assert abs(box[0] - x0 - (tick_value(t) - left) / (right - left) * 400) <= 1
    top, bottom = (lat[0] - 3 / 19, lat[-1] + 3 / 19)[::1 if origin == "upper" else -1]
    for box, t in zip(comp.boxes("ytick"), yt):
        assert abs(box[1] - y0 - (tick_value(t) - top) / (bottom - top) * 300) <= 1
