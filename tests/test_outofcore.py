"""Out-of-core and distributed inputs (fastheat.outofcore) give the in-memory answer.

Tolerances: min, max, absmax, count and nearest exact everywhere; memmaps
bit-identical for every reduction (bands are cut between output rows); zarr,
HDF5, dask and xarray within 1e-12 of the grid's largest magnitude for mean and
sum, since a bin split across chunk edges is summed in a different order, and
1e-7 for std (the moments lose about half the digits, as in test_aggregate). Points through
datashader match ``numpy.histogram2d`` exactly for counts and within 1e-12 for
sums and means.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fastheat
from fastheat.sources import outofcore
from fastheat.api import rasterize
from fastheat.sources.base import ArraySource, open_source

REDUCTIONS = ("mean", "sum", "min", "max", "absmax", "std", "count", "nearest")
EXACT = ("min", "max", "absmax", "count", "nearest")
# Output sizes against a 203 x 157 input: non-integer down, integer-ish down,
# up, and mixed; CHUNKS splits bins across chunk edges in both directions.
SIZES = [(37, 29), (101, 78), (250, 200), (20, 300)]
CHUNKS = (17, 13)

zarr = pytest.importorskip("zarr", reason="zarr is in the test extra; needed for zarr stores")
h5py = pytest.importorskip("h5py", reason="h5py is in the test extra; needed for HDF5")
da = pytest.importorskip("dask.array", reason="dask is in the test extra; needed for dask arrays")
xr = pytest.importorskip("xarray", reason="xarray is in the test extra")
pd = pytest.importorskip("pandas", reason="pandas is in the test extra; needed for point tables")
pytest.importorskip("datashader", reason="datashader is in the test extra; bins point tables")
dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is in the test extra")

ZARR3 = int(zarr.__version__.split(".")[0]) >= 3


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


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    # Many small bands and blocks, so bins are split across block edges even
    # in these small matrices.
    monkeypatch.setattr(outofcore, "BLOCK_BYTES", 3000)
    monkeypatch.setattr(outofcore, "MEMMAP_BAND_BYTES", 3000)
    monkeypatch.setattr(outofcore, "MIN_BAND_BINS", 1)


def write_zarr(path, x, fmt, chunks=CHUNKS):
    if ZARR3:
        z = zarr.create_array(str(path), shape=x.shape, chunks=chunks, dtype=x.dtype,
                              zarr_format=fmt)
    else:
        if fmt == 3:
            pytest.skip("writing a zarr v3 store needs zarr-python >= 3")
        z = zarr.open(str(path), mode="w", shape=x.shape, chunks=chunks, dtype=x.dtype)
    z[:] = x
    return zarr.open(str(path), mode="r")


def write_h5(path, x, name="group/data", chunks=CHUNKS):
    with h5py.File(path, "w") as f:
        f.create_dataset(name, data=x, chunks=chunks)
    return h5py.File(path, "r")[name]


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The same matrix in every kind of store this module handles."""
    tmp = tmp_path_factory.mktemp("stores")
    x = matrix()
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
        "dask-npy": outofcore.dask_from_npy(tmp / "m.npy", chunks=CHUNKS),
        "xarray": xr.DataArray(x, dims=("r", "c")),
        "xarray-dask": xr.DataArray(x, dims=("r", "c")).chunk({"r": 17, "c": 13}),
    }
    z2 = write_zarr(tmp / "v2.zarr", x, 2)
    out["zarr-v2"] = z2
    if ZARR3:
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


SOURCES = ["memmap", "memmap-fortran", "zarr-v2", "zarr-v3", "zarr-v3-sharded", "hdf5",
           "hdf5-contiguous", "dask", "dask-irregular", "dask-npy", "xarray", "xarray-dask",
           "xarray-lazy"]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("kind", SOURCES)
def test_same_answer_everywhere(stores, kind, reduce, size):
    x, out = stores
    if kind not in out:
        pytest.skip("zarr v3 stores need zarr-python >= 3")
    h, w = size
    # a Fortran-order matrix is summed column-major in memory too: compare like with like
    same = np.asfortranarray(x) if kind == "memmap-fortran" else x
    want = fastheat.aggregate(same, width=w, height=h, reduce=reduce)
    got = fastheat.aggregate(out[kind], width=w, height=h, reduce=reduce)
    assert_same(got, want, reduce, exact=kind.startswith("memmap"))


def test_sources_are_the_out_of_core_ones(stores):
    _, out = stores
    kinds = {"memmap": outofcore.MemmapSource, "zarr-v2": outofcore.ChunkedSource,
             "hdf5": outofcore.ChunkedSource, "dask": outofcore.DaskSource,
             "xarray-dask": outofcore.DaskSource, "xarray-lazy": outofcore.ChunkedSource,
             "xarray": ArraySource}
    for kind, cls in kinds.items():
        assert type(open_source(out[kind])) is cls, kind


@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("dtype", ["int16", ">f8", "float16", "uint8", "bool", "<i4"])
def test_dtypes_converted_block_by_block(tmp_path, dtype, reduce):
    x = matrix(dtype=np.float64, seed=3)
    x = np.nan_to_num(x).astype(dtype) if np.dtype(dtype).kind in "biu" else x.astype(dtype)
    want = fastheat.aggregate(x, width=29, height=37, reduce=reduce)
    np.save(tmp_path / "m.npy", x)
    sources = {
        "memmap": np.load(tmp_path / "m.npy", mmap_mode="r"),
        "hdf5": write_h5(tmp_path / "m.h5", x),
        "dask": da.from_array(x, chunks=CHUNKS),
    }
    if not np.dtype(dtype).byteorder == ">":  # zarr-python 3 keeps arrays in native order
        sources["zarr"] = write_zarr(tmp_path / "m.zarr", x, 2)
    for kind, data in sources.items():
        got = fastheat.aggregate(data, width=29, height=37, reduce=reduce)
        assert_same(got, want, reduce, exact=kind == "memmap")


@pytest.mark.parametrize("reduce", ["mean", "max", "count", "nearest"])
def test_masked_dask_blocks(reduce):
    x = matrix(seed=4)
    mask = np.random.default_rng(5).random(x.shape) < 0.2
    want = fastheat.aggregate(np.ma.masked_array(x, mask), width=29, height=37, reduce=reduce)
    xm = da.ma.masked_array(da.from_array(x, chunks=CHUNKS), da.from_array(mask, chunks=CHUNKS))
    assert_same(fastheat.aggregate(xm, width=29, height=37, reduce=reduce), want, reduce)


def test_memmap_views_and_copy_on_write(tmp_path):
    x = matrix(seed=6)
    np.save(tmp_path / "m.npy", x)
    m = np.load(tmp_path / "m.npy", mmap_mode="r")
    for view in (m[10:150, 5:], m[::2, ::3], m.T):
        assert_same(fastheat.aggregate(view, width=19, height=23),
                    fastheat.aggregate(np.array(view), width=19, height=23), "mean", exact=True)
    # Edits held in a private (copy-on-write) mapping must survive reading.
    c = np.load(tmp_path / "m.npy", mmap_mode="c")
    c[:] = 1.0
    assert np.nanmin(fastheat.aggregate(c, width=19, height=23, reduce="min")) == 1.0
    assert (c == 1.0).all()
    # A memmap's copy lives in anonymous memory: read as an array, never advised away.
    copy = m.copy()
    assert type(copy) is np.memmap and type(open_source(copy)) is ArraySource
    fastheat.aggregate(copy, width=19, height=23)
    np.testing.assert_array_equal(copy, x)


def test_chunked_source_reads_each_block_once(monkeypatch):
    x = np.arange(90.0).reshape(9, 10)
    monkeypatch.setattr(outofcore, "BLOCK_BYTES", 2 * 10 * 8)  # two chunk rows per block
    calls = []

    def read(r0, r1, c0, c1):
        calls.append((r0, r1, c0, c1))
        return x[r0:r1, c0:c1]

    src = outofcore.ChunkedSource((9, 10), x.dtype, read=read, take=None, chunks=(1, 5))
    assert src.aggregate(3, 2, "max").tolist() == [[24.0, 29.0], [54.0, 59.0], [84.0, 89.0]]
    assert calls == [(0, 2, 0, 10), (2, 4, 0, 10), (4, 6, 0, 10), (6, 8, 0, 10), (8, 9, 0, 10)]
    calls.clear()
    monkeypatch.setattr(outofcore, "BLOCK_BYTES", 5 * 8)  # one chunk per block
    assert src.aggregate(3, 2, "min").tolist() == [[0.0, 5.0], [30.0, 35.0], [60.0, 65.0]]
    assert len(calls) == 18 and sorted(calls) == sorted(set(calls))


def test_merge_rules():
    from fastheat.aggregation import _kernels as K

    state = np.array([[[np.nan, 2.0, -3.0, 3.0]]])
    part = np.array([[[-1.0, np.nan, 3.0, -3.0]]])
    s = state.copy()
    outofcore.merge_into(K.ABSMAX, s, part)
    assert s.ravel().tolist()[1:] == [2.0, 3.0, 3.0] and s[0, 0, 0] == -1.0
    s = state.copy()
    outofcore.merge_into(K.MIN, s, part)
    np.testing.assert_array_equal(s.ravel(), [-1.0, 2.0, -3.0, -3.0])
    s = np.zeros((2, 3, 3))
    outofcore.merge_into(K.MOMENTS, s, np.ones((2, 2, 2)), 1, 1)
    assert s.sum() == 8.0 and s[:, 1:, 1:].min() == 1.0


# --- xarray labels ------------------------------------------------------------------


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
    assert src.row_labels == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert src.col_labels is None


def test_xarray_without_coordinates():
    src = open_source(xr.DataArray(matrix((5, 6))))
    assert src.row_labels is None and src.col_labels is None and src.name is None


# --- points -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(7)
    n = 50_000
    return pd.DataFrame({"x": rng.normal(size=n), "y": rng.normal(size=n) * 3 + 1,
                         "v": rng.normal(size=n) * 5, "i": rng.integers(-5, 5, n),
                         "s": np.array(["a", "b"])[rng.integers(0, 2, n)]})


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
    assert isinstance(open_source(points, x="x", y="i"), outofcore.PointSource)
    raster = rasterize(points, x="x", y="i", width=20, height=10)
    labels = raster.labels
    assert labels.name == "count"
    assert (labels.row_name, labels.col_name) == ("i", "x")
    assert raster.matrix_shape == (10, 20) and len(labels.rows) == 10 and len(labels.cols) == 20
    rows, cols = np.array(labels.rows, float), np.array(labels.cols, float)
    assert (np.diff(rows) < 0).all()  # row 0 is the top (largest y)
    assert (np.diff(cols) > 0).all()
    assert rows[0] == pytest.approx(points.i.max() - 0.45, abs=0.01)
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
    assert not isinstance(open_source(points[["x", "y"]]), outofcore.PointSource)
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


# --- bad input ----------------------------------------------------------------------


def test_not_two_dimensional_stores(tmp_path):
    with pytest.raises(ValueError, match=r"zarr array .* is 3-dimensional \(shape \(2, 3, 4\)\)"):
        fastheat.aggregate(write_zarr(tmp_path / "c.zarr", np.zeros((2, 3, 4)), 2, (1, 3, 4)))
    with h5py.File(tmp_path / "c.h5", "w") as f:
        f["cube"] = np.zeros((2, 3, 4))
        f["text"] = np.array([[b"a"]])
    with h5py.File(tmp_path / "c.h5", "r") as f:
        with pytest.raises(ValueError, match="HDF5 dataset '/cube' is 3-dimensional"):
            fastheat.aggregate(f["cube"])
        with pytest.raises(TypeError, match="HDF5 dataset '/text' has dtype"):
            fastheat.aggregate(f["text"])
        with pytest.raises(TypeError, match="pass one of its datasets"):
            fastheat.aggregate(f)
    with pytest.raises(ValueError, match="dask array is 1-dimensional"):
        fastheat.aggregate(da.ones(5, chunks=2))
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        x = da.ones((6, 6), chunks=2)
        fastheat.aggregate(x[x[:, 0] > 0])
    with pytest.raises(TypeError, match="xarray Dataset; pass one of its variables"):
        fastheat.aggregate(xr.Dataset({"a": (("r", "c"), np.ones((2, 2)))}))


def test_npy_objects_refused_and_truncation_reported(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([[1, None]], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="holds Python objects .* never unpickles"):
        outofcore.open_npy(tmp_path / "obj.npy")
    np.save(tmp_path / "m.npy", np.ones((100, 100)))
    data = (tmp_path / "m.npy").read_bytes()
    (tmp_path / "t.npy").write_bytes(data[:5000])
    with pytest.raises(ValueError, match=r"is truncated: its header promises a \(100, 100\) "
                                         r"float64 array \(80,128 bytes\) but the file has "
                                         r"5,000 bytes"):
        outofcore.open_npy(tmp_path / "t.npy")
    (tmp_path / "h.npy").write_bytes(data[:20])
    with pytest.raises(ValueError, match="is not a valid .npy file"):
        outofcore.open_npy(tmp_path / "h.npy")


@pytest.mark.parametrize("module, extra, make", [
    ("datashader", "datashader", lambda: pd.DataFrame({"x": [0.0], "y": [0.0]})),
    ("dask", "dask", lambda: da.ones((4, 4), chunks=2)),
])
def test_missing_extra_names_it(monkeypatch, module, extra, make):
    data = make()
    monkeypatch.setitem(sys.modules, module, None)  # import now fails
    opts = dict(x="x", y="y") if module == "datashader" else {}
    with pytest.raises(ImportError, match=rf"pip install 'fastheat\[{extra}\]'"):
        fastheat.aggregate(data, width=2, height=2, **opts)


# --- progress -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["memmap", "zarr-v2", "hdf5", "dask"])
def test_progress_bar_only_when_asked(stores, kind, capsys):
    _, out = stores
    fastheat.aggregate(out[kind], width=20, height=20)
    assert capsys.readouterr().err == ""
    fastheat.aggregate(out[kind], width=20, height=20, progress=True)
    err = capsys.readouterr().err
    assert "100%" in err and "|" in err and err.endswith("\n"), err


def test_progress_for_dask_points(points, capsys):
    df = dd.from_pandas(points, npartitions=2)
    fastheat.aggregate(df, x="x", y="y", width=10, height=10, progress=True)
    assert "aggregating points" in capsys.readouterr().err


def test_progress_class_draws_on_the_given_stream():
    import io

    s = io.StringIO()
    with outofcore.Progress(4, "work", enabled=True, stream=s) as bar:
        for _ in range(4):
            bar.update()
    assert s.getvalue().startswith("\rwork |") and "100% 4/4" in s.getvalue()
    assert s.getvalue().endswith("\n")


# --- bounded memory -----------------------------------------------------------------

# The child may hold at most 512 MiB of data segment (RLIMIT_DATA: anonymous
# and private mappings, not the read-only file mapping), less than the 768 MiB
# file, and its anonymous resident memory (RssAnon, sampled every millisecond
# and at the end) must stay under 256 MiB: a third of the file.
_MEMORY_CHILD = textwrap.dedent("""
    import resource, sys, threading
    limit = 512 << 20
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    import numpy as np, fastheat

    def rss_anon():
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) << 10

    peak, done = [rss_anon()], threading.Event()

    def watch():
        while not done.wait(0.001):
            peak[0] = max(peak[0], rss_anon())

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    path = sys.argv[1]
    grid = fastheat.aggregate(np.load(path, mmap_mode="r"), width=700, height=500,
                              reduce="sum")
    fastheat.save(np.load(path, mmap_mode="r"), path + ".png", width=1000, height=1000)
    done.set()
    t.join()
    print(max(peak[0], rss_anon()), repr(float(np.nansum(grid))))
""")


def _sparse_npy(path, dtype, rows, cols):
    """A .npy file that is mostly holes (no disk used), with known values in
    16 rows of every 4096: row pattern ``col % 7``."""
    dtype = np.dtype(dtype)
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False,
                "shape": (rows, cols)})
        offset = f.tell()
        f.truncate(offset + rows * cols * dtype.itemsize)
    m = np.memmap(path, dtype=dtype, mode="r+", offset=offset, shape=(rows, cols))
    pattern = np.arange(cols) % 7
    for lo in range(0, rows, 4096):
        m[lo:lo + 16] = pattern
    m.flush()
    del m
    return (rows // 4096) * 16 * pattern.sum()


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="reads RssAnon from /proc/self/status and uses RLIMIT_DATA (Linux)")
@pytest.mark.parametrize("dtype", ["float32", ">f4"])
def test_bounded_memory_for_a_file_larger_than_allowed(tmp_path, dtype):
    rows, cols = 49_152, 4096  # 768 MiB
    total = _sparse_npy(tmp_path / "big.npy", dtype, rows, cols)
    # compile (or load the cache) in this process, so the child only loads machine code
    small = np.zeros((64, 64), dtype)
    fastheat.aggregate(small, width=7, height=5, reduce="sum")
    fastheat.to_rgba(small, width=7, height=5)
    env = {**os.environ, "NUMBA_NUM_THREADS": "2", "MALLOC_ARENA_MAX": "2"}
    result = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(tmp_path / "big.npy")],
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    peak, got = result.stdout.split()
    assert int(peak) < 256 << 20, f"peak RssAnon {int(peak) >> 20} MiB"
    assert float(got) == pytest.approx(total, rel=1e-9)
    assert (tmp_path / "big.npy.png").stat().st_size > 0


# --- distributed --------------------------------------------------------------------


@pytest.mark.slow
def test_distributed_cluster_gives_the_local_image(tmp_path, points):
    distributed = pytest.importorskip("distributed", reason="dask.distributed is in the test "
                                                            "extra; needed for a cluster")
    x = matrix((230, 190), seed=8)
    np.save(tmp_path / "m.npy", x)
    arrays = {"in-graph": da.from_array(x, chunks=(31, 23)),
              "workers-read-file": outofcore.dask_from_npy(tmp_path / "m.npy", chunks=(29, 41))}
    df = dd.from_pandas(points[["x", "y", "v"]], npartitions=4)
    popts = dict(x="x", y="y", value="v", width=60, height=45, x_range=(-3, 3),
                 y_range=(-8, 10))
    local = {(k, r): fastheat.to_rgba(a, width=50, height=40, reduce=r)
             for k, a in arrays.items() for r in ("mean", "std", "max")}
    local_points = fastheat.to_rgba(df, **popts)
    local_grid = fastheat.aggregate(df, **popts)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert outofcore.active_client(arrays["in-graph"]) is client
        for (k, r), want in local.items():
            got = fastheat.to_rgba(arrays[k], width=50, height=40, reduce=r)
            np.testing.assert_array_equal(got, want, err_msg=f"{k} {r}")
        np.testing.assert_array_equal(fastheat.to_rgba(df, **popts), local_points)
        np.testing.assert_allclose(fastheat.aggregate(df, **popts), local_grid, rtol=1e-12)
    assert outofcore.active_client(arrays["in-graph"]) is None


# --- lazy imports -------------------------------------------------------------------


def test_heavy_libraries_stay_unimported():
    code = textwrap.dedent("""
        import sys, tempfile, os
        import numpy as np, fastheat
        from fastheat import outofcore
        path = os.path.join(tempfile.mkdtemp(), "m.npy")
        np.save(path, np.ones((50, 40)))
        fastheat.to_rgba(np.load(path, mmap_mode="r"), width=10, height=10)
        fastheat.to_rgba(np.ones((5, 5)))
        heavy = ["dask", "distributed", "datashader", "pandas", "xarray", "zarr", "h5py",
                 "pyarrow", "matplotlib"]
        print(",".join(m for m in heavy if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""
