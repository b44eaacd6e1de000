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
