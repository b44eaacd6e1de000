"""Fixtures of the source tests: small blocks, every kind of store, a point table."""
from __future__ import annotations

import numpy as np
import pytest

from fastheat.sources import chunked, memmap

from .helpers import CHUNKS, matrix, write_h5, write_zarr, zarr_major


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    # Many small bands and blocks, so bins are split across block edges even
    # in these small matrices.
    monkeypatch.setattr(chunked, "BLOCK_BYTES", 3000)
    monkeypatch.setattr(memmap, "MEMMAP_BAND_BYTES", 3000)
    monkeypatch.setattr(memmap, "MIN_BAND_BINS", 1)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The same matrix in every kind of store this module handles."""
    da = pytest.importorskip("dask.array", reason="dask is in the test extra; needed for dask arrays")
    xr = pytest.importorskip("xarray", reason="xarray is in the test extra")
    zarr = pytest.importorskip("zarr", reason="zarr is in the test extra; needed for zarr stores")
    pytest.importorskip("h5py", reason="h5py is in the test extra; needed for HDF5")
    from fastheat.sources.dask import dask_from_npy

    tmp = tmp_path_factory.mktemp("stores")
    x = matrix()
    x[5:9, 100:120] = np.inf  # missing, like NaN, in every store
    x[150:160, 7] = -np.inf
    x[np.random.default_rng(1).random(x.shape) < 0.01] = np.inf
    np.save(tmp / "m.npy", x)
    xf = np.asfortranarray(x)
    np.save(tmp / "f.npy", xf)
    out = {
        "memmap": np.load(tmp / "m.npy", mmap_mode="r"),
        "memmap-fortran": np.load(tmp / "f.npy", mmap_mode="r"),
        "hdf5": write_h5(tmp / "m.h5", x),
        "hdf5-contiguous": write_h5(tmp / "c.h5", x, chunks=None),
        "dask": da.from_array(x, chunks=CHUNKS),
        "dask-irregular": da.from_array(x, chunks=((50, 3, 100, 50), (1, 60, 96))),
        "dask-npy": dask_from_npy(tmp / "m.npy", chunks=CHUNKS),
        "xarray": xr.DataArray(x, dims=("r", "c")),
        "xarray-dask": xr.DataArray(x, dims=("r", "c")).chunk({"r": 17, "c": 13}),
    }
    z2 = write_zarr(tmp / "v2.zarr", x, 2)
    out["zarr-v2"] = z2
    if zarr_major() >= 3:
        out["zarr-v3"] = write_zarr(tmp / "v3.zarr", x, 3)
        # zarr v3 sharding: blocks follow the shards
        s = zarr.create_array(str(tmp / "sh.zarr"), shape=x.shape, chunks=(10, 10),
                              shards=(40, 30), dtype=x.dtype)
        s[:] = x
        out["zarr-v3-sharded"] = zarr.open(str(tmp / "sh.zarr"), mode="r")
    # a lazily loaded xarray variable (zarr backend, no dask): read in bands
    xr.DataArray(x, dims=("r", "c"), name="v").to_dataset().to_zarr(tmp / "xr.zarr",
                                                                     consolidated=False)
    out["xarray-lazy"] = xr.open_zarr(tmp / "xr.zarr", chunks=None, consolidated=False)["v"]
    return x, out



@pytest.fixture(scope="module")
def points():
    pd = pytest.importorskip("pandas", reason="pandas is in the test extra; needed for point tables")
    rng = np.random.default_rng(7)
    n = 50_000
    return pd.DataFrame({"x": rng.normal(size=n), "y": rng.normal(size=n) * 3 + 1,
                         "v": rng.normal(size=n) * 5, "i": rng.integers(-5, 5, n),
                         "s": np.array(["a", "b"])[rng.integers(0, 2, n)]})
