"""What the source tests share: the test matrix, the comparison with the in-memory
answer, writers for each store, and test bodies run for several sources.

Tolerances: min, max, absmax, count and nearest exact everywhere; memmaps
bit-identical for every reduction (bands are cut between output rows); zarr,
HDF5, dask and xarray within 1e-12 of the grid's largest magnitude for mean and
sum, since a bin split across chunk edges is summed in a different order, and
1e-7 for std (the moments lose about half the digits, as in test_fold).
"""
from __future__ import annotations

import numpy as np
import pytest

import fastheat
import reference as ref
from fastheat.aggregation.reductions import REDUCTIONS as REDUCTION_TABLE
from fastheat.api import rasterize
from fastheat.sources import open_source

REDUCTIONS = ("mean", "sum", "min", "max", "absmax", "std", "count", "nearest")


EXACT = ("min", "max", "absmax", "count", "nearest")


SIZES = [(37, 29), (101, 78), (250, 200), (20, 300)]


CHUNKS = (17, 13)


def matrix(shape=(203, 157), dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 10).astype(dtype)
    if x.dtype.kind == "f":
        x[rng.random(shape) < 0.05] = np.nan
        x[:3, :4] = np.nan  # pixels with nothing valid
    return x


def assert_same(got, want, reduce, exact=False):
    assert got.shape == want.shape and got.dtype == np.float64
    if exact or reduce in EXACT:
        np.testing.assert_array_equal(got, want)
    else:
        rtol = 1e-7 if reduce == "std" else 1e-12
        scale = np.nanmax(np.abs(want)) if np.isfinite(want).any() else 1.0
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale)


def zarr_major():
    zarr = pytest.importorskip("zarr", reason="zarr is in the test extra; needed for zarr stores")
    return int(zarr.__version__.split(".")[0])


def write_zarr(path, x, fmt, chunks=CHUNKS):
    import zarr

    if zarr_major() >= 3:
        z = zarr.create_array(str(path), shape=x.shape, chunks=chunks, dtype=x.dtype,
                              zarr_format=fmt)
    else:
        if fmt == 3:
            pytest.skip("writing a zarr v3 store needs zarr-python >= 3")
        z = zarr.open(str(path), mode="w", shape=x.shape, chunks=chunks, dtype=x.dtype)
    z[:] = x
    return zarr.open(str(path), mode="r")


def write_h5(path, x, name="group/data", chunks=CHUNKS):
    import h5py

    with h5py.File(path, "w") as f:
        f.create_dataset(name, data=x, chunks=chunks)
    return h5py.File(path, "r")[name]


SOURCES = ["memmap", "memmap-fortran", "zarr-v2", "zarr-v3", "zarr-v3-sharded", "hdf5",
           "hdf5-contiguous", "dask", "dask-irregular", "dask-npy", "xarray", "xarray-dask",
           "xarray-lazy"]


def same_answer_everywhere(stores, kind, reduce, size):
    """The body of each module's ``test_same_answer_everywhere``: ``kind`` from
    the ``stores`` fixture gives the in-memory grid."""
    x, out = stores
    if kind not in out:
        pytest.skip("zarr v3 stores need zarr-python >= 3")
    h, w = size
    # a Fortran-order matrix is summed column-major in memory too: compare like with like
    same = np.asfortranarray(x) if kind == "memmap-fortran" else x
    want = fastheat.aggregate(same, width=w, height=h, reduce=reduce)
    got = fastheat.aggregate(out[kind], width=w, height=h, reduce=reduce)
    assert_same(got, want, reduce, exact=kind.startswith("memmap"))


def same_range_everywhere(stores, kind, reduce, size):
    """The body of each module's ``test_same_range_everywhere``: the input's
    range gathered in the aggregation's pass, and the log norm fitted from it,
    are the in-memory matrix's (and the reference's)."""
    x, out = stores
    if kind not in out:
        pytest.skip("zarr v3 stores need zarr-python >= 3")
    h, w = size
    same = np.asfortranarray(x) if kind == "memmap-fortran" else x
    grid, tracked = open_source(out[kind]).aggregate_range(h, w, reduce)
    want_grid, want = open_source(same).aggregate_range(h, w, reduce)
    assert_same(grid, want_grid, reduce, exact=kind.startswith("memmap"))
    assert tracked == want
    used = REDUCTION_TABLE[reduce].input_range
    assert tracked == tuple(v if f in used else None
                            for f, v in zip(tracked._fields, ref.data_range(x)))
    if reduce == "mean":
        got_norm = rasterize(out[kind], norm="log", width=w, height=h).norm
        want_norm = rasterize(same, norm="log", width=w, height=h).norm
        assert (got_norm.vmin, got_norm.vmax) == (want_norm.vmin, want_norm.vmax) == \
            (tracked.min_positive, tracked.max)


def converted_block_by_block(tmp_path, dtype, reduce, kind):
    """The body of each module's ``test_dtypes_converted_block_by_block``, for
    one ``kind`` of store."""
    x = matrix(dtype=np.float64, seed=3)
    x = np.nan_to_num(x).astype(dtype) if np.dtype(dtype).kind in "biu" else x.astype(dtype)
    want = fastheat.aggregate(x, width=29, height=37, reduce=reduce)
    np.save(tmp_path / "m.npy", x)
    make = {
        "memmap": lambda: np.load(tmp_path / "m.npy", mmap_mode="r"),
        "hdf5": lambda: write_h5(tmp_path / "m.h5", x),
        "dask": lambda: pytest.importorskip("dask.array").from_array(x, chunks=CHUNKS),
        "zarr": lambda: write_zarr(tmp_path / "m.zarr", x, 2),
    }
    got = fastheat.aggregate(make[kind](), width=29, height=37, reduce=reduce)
    assert_same(got, want, reduce, exact=kind == "memmap")


def progress_bar_only_when_asked(stores, kind, capsys):
    """The body of each module's ``test_progress_bar_only_when_asked``."""
    _, out = stores
    fastheat.aggregate(out[kind], width=20, height=20)
    assert capsys.readouterr().err == ""
    fastheat.aggregate(out[kind], width=20, height=20, progress=True)
    err = capsys.readouterr().err
    assert "100%" in err and "|" in err and err.endswith("\n"), err


DTYPES = ["int16", ">f8", "float16", "uint8", "bool", "<i4"]


def same_answer_test(kinds):
    """A module's ``test_same_answer_everywhere``, for its ``kinds`` of store."""
    @pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
    @pytest.mark.parametrize("reduce", REDUCTIONS)
    @pytest.mark.parametrize("kind", kinds)
    def test_same_answer_everywhere(stores, kind, reduce, size):
        same_answer_everywhere(stores, kind, reduce, size)

    return test_same_answer_everywhere


def same_range_test(kinds):
    """A module's ``test_same_range_everywhere``, for its ``kinds`` of store."""
    @pytest.mark.parametrize("size", SIZES[1:3], ids=lambda s: f"{s[0]}x{s[1]}")
    @pytest.mark.parametrize("reduce", ["mean", "sum", "max", "count"])
    @pytest.mark.parametrize("kind", kinds)
    def test_same_range_everywhere(stores, kind, reduce, size):
        same_range_everywhere(stores, kind, reduce, size)

    return test_same_range_everywhere


def converted_test(kinds):
    """A module's ``test_dtypes_converted_block_by_block``, for its ``kinds``."""
    # zarr-python 3 keeps arrays in native order: no big-endian zarr store
    cases = [(d, k) for k in kinds for d in DTYPES if not (k == "zarr" and np.dtype(d).byteorder == ">")]

    @pytest.mark.parametrize("reduce", REDUCTIONS)
    @pytest.mark.parametrize("dtype, kind", cases)
    def test_dtypes_converted_block_by_block(tmp_path, dtype, reduce, kind):
        converted_block_by_block(tmp_path, dtype, reduce, kind)

    return test_dtypes_converted_block_by_block
