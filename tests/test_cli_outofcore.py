"""``fastheat render`` with zarr, HDF5 and point-table inputs, and their bad input:
one line on stderr, exit status 2, no output file (not even a partial one)."""
from __future__ import annotations

import re
import sys

import numpy as np
import pytest
from PIL import Image

import fastheat
from fastheat.cli import main

zarr = pytest.importorskip("zarr", reason="zarr is in the test extra; needed for .zarr inputs")
h5py = pytest.importorskip("h5py", reason="h5py is in the test extra; needed for .h5 inputs")
pd = pytest.importorskip("pandas", reason="pandas is in the test extra; needed for point tables")
pytest.importorskip("pyarrow", reason="pyarrow (via dask[dataframe]) writes the parquet tables")
pytest.importorskip("datashader", reason="datashader is in the test extra; bins point tables")
pytest.importorskip("dask.dataframe", reason="dask[dataframe] reads point tables lazily")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((120, 90)).astype(np.float32)
    np.save(d / "m.npy", x)
    z = zarr.open(str(d / "m.zarr"), mode="w", shape=x.shape, chunks=(32, 32), dtype=x.dtype)
    z[:] = x
    zarr.open(str(d / "cube.zarr"), mode="w", shape=(2, 3, 4), chunks=(1, 3, 4), dtype="f4")
    g = zarr.open_group(str(d / "g.zarr"), mode="w")
    for name in ("a", "b"):
        create = getattr(g, "create_array", None) or g.create_dataset  # zarr 3 or 2
        create(name, shape=x.shape, chunks=(50, 50), dtype=x.dtype)[:] = x
    with h5py.File(d / "m.h5", "w") as f:
        f.create_dataset("maps/m", data=x, chunks=(16, 64))
        f["maps/cube"] = np.zeros((2, 3, 4))
        f["labels"] = np.array([[b"a", b"b"]])
    with h5py.File(d / "one.h5", "w") as f:
        f["only"] = x
    n = 5000
    df = pd.DataFrame({"x": rng.normal(size=n), "y": rng.normal(size=n), "w": rng.random(n),
                       "name": np.array(["p", "q"])[rng.integers(0, 2, n)]})
    df.to_parquet(d / "p.parquet")
    df.to_csv(d / "p.csv", index=False)
    np.save(d / "objects.npy", np.array([[1, "a"]], dtype=object), allow_pickle=True)
    data = (d / "m.npy").read_bytes()
    (d / "truncated.npy").write_bytes(data[: len(data) // 2])
    (d / "broken.h5").write_bytes(b"not hdf5 at all")
    return d, x, df


def render(tmp_path, *args):
    out = tmp_path / "out.png"
    code = main(["render", *map(str, args), "-o", str(out), "-q"])
    return code, out


def pixels(path):
    return np.asarray(Image.open(path).convert("RGBA"))


@pytest.mark.parametrize("spec", [
    ["m.zarr"], ["m.h5:/maps/m"], ["m.h5", "--dataset", "maps/m"], ["one.h5"],
    ["g.zarr", "--dataset", "b"], ["g.zarr:/a"],
])
def test_stores_render_like_the_matrix(files, tmp_path, spec):
    d, x, _ = files
    code, out = render(tmp_path, d / spec[0], *spec[1:], "--width", 45)
    assert code == 0
    np.testing.assert_array_equal(pixels(out), np.asarray(fastheat.to_rgba(x, width=45)))


@pytest.mark.parametrize("name", ["p.parquet", "p.csv"])
def test_point_tables_render_like_the_api(files, tmp_path, name):
    d, _, df = files
    code, out = render(tmp_path, d / name, "--x", "x", "--y", "y", "--value", "w", "--reduce",
                       "max", "--x-range", -2, 2, "--y-range", -3, 3, "--width", 64,
                       "--height", 48)
    assert code == 0
    want = fastheat.to_rgba(df, x="x", y="y", value="w", reduce="max", x_range=(-2, 2),
                            y_range=(-3, 3), width=64, height=48)
    np.testing.assert_array_equal(pixels(out), want)


def test_progress_flag(files, tmp_path, capsys):
    d, _, _ = files
    assert render(tmp_path, d / "m.npy")[0] == 0
    assert capsys.readouterr().err == ""  # stderr is not a terminal here: quiet
    assert render(tmp_path, d / "m.zarr", "--progress")[0] == 0
    assert "100%" in capsys.readouterr().err
    assert render(tmp_path, d / "m.h5:/maps/m", "--no-progress")[0] == 0
    assert capsys.readouterr().err == ""


BAD = [
    (["missing.npy"], "input file '.*missing.npy' does not exist"),
    (["missing.zarr"], "input '.*missing.zarr' does not exist"),
    (["missing.h5:/maps/m"], "input '.*missing.h5' does not exist"),
    (["m.h5:/maps/nope"], r"no dataset '/maps/nope' in '.*m.h5'; it holds: /labels \(1, 2\), "
                          r"/maps/cube \(2, 3, 4\), /maps/m \(120, 90\)"),
    (["m.h5"], "holds 3 datasets; choose one with .*--dataset"),
    (["m.h5", "--dataset", "maps"], "is a group, not a dataset"),
    (["m.h5:/maps/m", "--dataset", "other"], "two dataset paths given"),
    (["g.zarr", "--dataset", "c"], "no array 'c' in '.*g.zarr'; it holds: "),
    (["g.zarr"], "is a zarr group; choose an array with --dataset"),
    (["m.h5:/maps/cube"], r"HDF5 dataset '/maps/cube' is 3-dimensional \(shape \(2, 3, 4\)\)"),
    (["cube.zarr"], r"zarr array .* is 3-dimensional \(shape \(2, 3, 4\)\)"),
    (["m.h5:/labels"], r"HDF5 dataset '/labels' has dtype \|S1"),
    (["broken.h5"], "cannot open '.*broken.h5' as HDF5"),
    (["objects.npy"], r"holds Python objects \(dtype object\); fastheat never unpickles"),
    (["truncated.npy"], r"is truncated: its header promises a \(120, 90\) float32 array"),
    (["p.parquet"], "is a table: give the point columns with --x and --y"),
    (["p.parquet", "--x", "x", "--y", "nope"],
     "column 'nope' is not in '.*p.parquet'; its columns are: 'x', 'y', 'w', 'name'"),
    (["p.csv", "--x", "x", "--y", "y", "--value", "nope"], "column 'nope' is not in"),
    (["p.parquet", "--x", "name", "--y", "y"], r"column 'name' \(--x\) has dtype .* must be numeric"),
    (["p.csv", "--x", "x", "--y", "y", "--value", "name"], r"column 'name' \(--value\)"),
    (["p.csv", "--x", "x"], "a point table needs both --x and --y"),
    (["m.npy", "--x", "x", "--y", "y"], "--x/--y are for point tables"),
    (["m.npy", "--dataset", "a"], "--dataset is for zarr and HDF5 files"),
    (["p.csv", "--x", "x", "--y", "y", "--reduce", "nearest", "--value", "w"],
     "not available for point tables"),
    (["p.csv", "--x", "x", "--y", "y", "--x-range", "1", "0"], "x_range must be finite"),
    # a table read as a matrix of numbers
    (["p.csv"], r"p.csv', line 2, column 4: 'q' is not a number$"),
]


@pytest.mark.parametrize("args, message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_one_line_and_no_output(files, tmp_path, capsys, args, message):
    d, _, _ = files
    code, out = render(tmp_path, d / args[0], *args[1:])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("fastheat: error: ") and err.count("\n") == 1, err
    assert re.search(message, err), err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no partial file either


@pytest.mark.parametrize("module, extra, spec", [
    ("h5py", "hdf5", ["m.h5:/maps/m"]), ("zarr", "zarr", ["m.zarr"]),
    ("dask.dataframe", "datashader", ["p.csv", "--x", "x", "--y", "y"]),
])
def test_missing_library_names_the_extra(files, tmp_path, capsys, monkeypatch, module, extra,
                                         spec):
    d, _, _ = files
    monkeypatch.setitem(sys.modules, module, None)  # import now fails
    code, out = render(tmp_path, d / spec[0], *spec[1:])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and not out.exists()
    assert f"pip install 'fastheat[{extra}]'" in err, err
