"""The viewer's pyramid: every tile equals ``fastheat.aggregate`` of its window,
one norm for all tiles, the disk cache, the static pyramid written atomically."""
import base64
import io
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import fastheat
from fastheat.frontends.viewer.core import (TILE, Pyramid, View, levels, pixel_cells,
                                            tile_window)
from fastheat.frontends.viewer.tiles import write_tiles


def odd_matrix(rows=777, cols=1025, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(rows, cols)).astype(np.float32)
    a[rng.random(a.shape) < 0.01] = np.nan
    return a


def every_tile(p):
    for z in range(p.min_level, p.max_level + 1):
        for x, y in p.tiles_of(z):
            yield z, x, y


@pytest.mark.parametrize("reduce", ["mean", "max", "sum", "nearest"])
def test_every_tile_equals_aggregate_of_its_window(reduce):
    a = odd_matrix()
    p = Pyramid(a, reduce=reduce)
    n = 0
    for z, x, y in every_tile(p):
        (r0, r1, c0, c1), (h, w) = tile_window(a.shape, z, x, y)
        expected = fastheat.aggregate(a[r0:r1, c0:c1], height=h, width=w, reduce=reduce)
        np.testing.assert_array_equal(p.tile_values(z, x, y), expected)
        n += 1
    assert n == 1 + 2 + 2 * 3 + 4 * 5  # levels 8..11 of a 777 x 1025 matrix


def test_tiles_of_a_memmap_equal_the_in_memory_tiles(tmp_path):
    a = odd_matrix(600, 530, seed=1)
    np.save(tmp_path / "a.npy", a)
    m = np.load(tmp_path / "a.npy", mmap_mode="r")
    pm, pa = Pyramid(m), Pyramid(a)
    for z, x, y in every_tile(pa):
        np.testing.assert_array_equal(pm.tile_values(z, x, y), pa.tile_values(z, x, y))


def test_interior_tiles_are_block_means():
    """Independent of fastheat.aggregate: a whole tile at f cells per pixel is
    the mean of f x f blocks."""
    a = odd_matrix(1024, 1024, seed=2)
    a[np.isnan(a)] = 0
    p = Pyramid(a)
    for z, f in ((10, 1), (9, 2), (8, 4)):
        (r0, r1, c0, c1), (h, w) = tile_window(a.shape, z, 0, 0)
        assert (h, w) == (TILE, TILE) and r1 - r0 == TILE * f
        ref = a[r0:r1, c0:c1].astype(np.float64).reshape(h, f, w, f).mean(axis=(1, 3))
        np.testing.assert_allclose(p.tile_values(z, 0, 0), ref, rtol=1e-12, atol=1e-12)


def test_levels_and_windows_cover_the_matrix_once():
    shape = (777, 1025)
    lo, top = levels(shape)
    assert (lo, top) == (8, 11) and 2 ** top >= max(shape)
    for z in range(lo, top + 1):
        f = 2 ** (top - z)
        covered = np.zeros(shape, int)
        for x, y in Pyramid(np.zeros(shape)).tiles_of(z):
            (r0, r1, c0, c1), (h, w) = tile_window(shape, z, x, y)
            covered[r0:r1, c0:c1] += 1
            assert (h, w) == (-(-(r1 - r0) // f), -(-(c1 - c0) // f))
        assert (covered == 1).all()
    # pixel cells: whole blocks inside, the edge pixels of an edge tile stretch
    assert pixel_cells(0, 1024, 256, 5) == (20, 24)
    assert pixel_cells(768, 777, 3, 2) == (774, 777)


def test_one_norm_for_all_tiles():
    """Tiles are coloured with the norm fitted on the whole view: a value has
    the same colour in every tile and at every level."""
    a = odd_matrix()
    v = View(Pyramid(a), cmap="magma", norm="linear").fit()
    whole = fastheat.api.rasterize(a, cmap="magma", norm="linear")
    assert (v.norm.vmin, v.norm.vmax) == (whole.norm.vmin, whole.norm.vmax)
    tile = v.raster(v.pyramid.tile_values(11, 2, 1))
    again = v.raster(np.asarray(v.pyramid.tile_values(11, 2, 1))[:7, :9].copy())
    np.testing.assert_array_equal(tile.cell_codes[:7, :9], again.cell_codes)
    png = Image.open(io.BytesIO(v.tile_png(11, 2, 1))).convert("RGBA")
    np.testing.assert_array_equal(np.asarray(png), tile.rgba())


def test_value_reports_the_pixel_under_the_cell():
    a = np.arange(1000 * 700, dtype=np.float64).reshape(1000, 700)
    v = View(Pyramid(a)).fit()
    out = v.value(8, 999, 699)
    assert out["rows"] == [996, 1000] and out["cols"] == [696, 700] and out["cells"] == 16
    assert out["value"] == a[996:1000, 696:700].mean()
    with pytest.raises(ValueError, match=r"cell \(1000, 0\) is outside the 1000 x 700 matrix"):
        v.value(10, 1000, 0)
    with pytest.raises(ValueError, match="level 11 is out of range; levels are 8..10"):
        v.value(11, 0, 0)


def test_labels_show_in_the_readout():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(np.arange(6.0).reshape(2, 3), index=["r0", "r1"], columns=["a", "b", "c"])
    out = View(Pyramid(df)).fit().value(2, 1, 2)
    assert (out["row_label"], out["col_label"], out["value"]) == ("r1", "c", 5.0)


def test_coarse_tiles_come_back_from_the_disk_cache(tmp_path, monkeypatch):
    a = odd_matrix(4100, 300, seed=3)
    ident = ["a.npy", 1, 2]
    p = Pyramid(a, cache_dir=tmp_path, identity=ident)
    coarse = p.coarse_levels()
    assert coarse == [8, 9]  # 32 and 16 cells per pixel
    p.build_coarse()
    files = sorted(os.listdir(next(tmp_path.iterdir())))
    assert files == ["8_0_0.npy", "9_0_0.npy", "9_0_1.npy"]
    expected = p.tile_values(9, 0, 1)

    def no_reading(*args, **kwargs):
        raise AssertionError("a cached tile was computed again")

    monkeypatch.setattr(fastheat.api, "aggregate", no_reading)
    again = Pyramid(a, cache_dir=tmp_path, identity=ident)
    np.testing.assert_array_equal(again.tile_values(9, 0, 1), expected)
    other = Pyramid(a, cache_dir=tmp_path, identity=ident + ["changed"])
    with pytest.raises(AssertionError, match="computed again"):
        other.tile_values(9, 0, 1)


def test_disk_cache_keeps_the_recently_used_inputs_within_its_bound(tmp_path):
    # the cache held every input ever viewed, without bound; a viewer's first
    # write now removes the least recently used inputs' folders past the bound
    a = odd_matrix(4100, 300, seed=3)

    def fill(name, when):
        p = Pyramid(a, cache_dir=tmp_path, identity=[name], disk_cache_max=1 << 40)
        p.build_coarse()
        folder = os.path.dirname(p._disk_path((8, 0, 0)))
        os.utime(folder, (when, when))
        return folder, sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))

    (old, size), (mid, _), (new, _) = fill("old", 1e9), fill("mid", 2e9), fill("new", 3e9)
    # reopening "old" reads its tiles and marks it used: "mid" is now the least recent
    again = Pyramid(a, cache_dir=tmp_path, identity=["old"], disk_cache_max=2 * size)
    again._make_folder(old)  # (what its first write does)
    assert sorted(os.listdir(tmp_path)) == sorted(os.path.basename(f) for f in (old, new))
    # a bound below one input's size keeps only the input being viewed
    p = Pyramid(a, cache_dir=tmp_path, identity=["newest"], disk_cache_max=size // 2)
    p.build_coarse()
    kept = os.path.dirname(p._disk_path((8, 0, 0)))
    assert os.listdir(tmp_path) == [os.path.basename(kept)]
    assert sorted(os.listdir(kept)) == ["8_0_0.npy", "9_0_0.npy", "9_0_1.npy"]


def test_prune_disk_cache_is_best_effort(tmp_path):
    from fastheat.frontends.viewer.core import prune_disk_cache

    assert prune_disk_cache(tmp_path / "absent", 0) == []
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.npy").write_bytes(b"0" * 100)
    (tmp_path / "stray.txt").write_text("not a folder: left alone")
    assert prune_disk_cache(tmp_path, 100) == []
    assert prune_disk_cache(tmp_path, 99, keep=tmp_path / "a") == []
    assert prune_disk_cache(tmp_path, 99) == [str(tmp_path / "a")]
    assert os.listdir(tmp_path) == ["stray.txt"]


def _values_of(path):
    text = path.read_text()
    pattern = r'fastheatValues\("([^"]+)","([^"]*)","(\w+)",(\d+),(\d+)\);\n'
    key, b64, dtype, h, w = re.fullmatch(pattern, text).groups()
    return np.frombuffer(base64.b64decode(b64), dtype).reshape(int(h), int(w))


def test_static_pyramid_tiles_and_values_equal_aggregates(tmp_path):
    a = odd_matrix(700, 520, seed=4)
    out = tmp_path / "pyr"
    summary = write_tiles(a, out, cmap="viridis")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["info"]["rows"] == 700
    view = View(Pyramid(a), cmap="viridis").fit()
    n = 0
    for z, x, y in every_tile(view.pyramid):
        (r0, r1, c0, c1), (h, w) = tile_window(a.shape, z, x, y)
        cells = fastheat.aggregate(a[r0:r1, c0:c1], height=h, width=w)
        png = np.asarray(Image.open(out / "tiles" / str(z) / f"{x}_{y}.png").convert("RGBA"))
        np.testing.assert_array_equal(png, view.raster(cells).rgba())
        np.testing.assert_array_equal(_values_of(out / "values" / str(z) / f"{x}_{y}.js"),
                                      cells.astype(np.float32))
        n += 1
    assert n == summary["tiles"]
    assert (out / "static" / "openseadragon.min.js").exists()
    assert (out / "static" / "LICENSE-openseadragon.txt").exists()
    assert 'src="manifest.js"' in (out / "index.html").read_text()


def test_an_interrupted_pyramid_leaves_nothing_claiming_to_be_complete(tmp_path):
    a = odd_matrix(700, 520, seed=5)
    out = tmp_path / "pyr"

    def stop(done, total):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_tiles(a, out, progress=stop)
    assert os.listdir(tmp_path) == []  # no folder, no partial sibling
    write_tiles(a, out, cmap="gray")
    before = (out / "manifest.json").read_text()
    with pytest.raises(KeyboardInterrupt):
        write_tiles(a, out, cmap="magma", progress=stop)
    assert (out / "manifest.json").read_text() == before  # the old pyramid, whole
    assert sorted(os.listdir(tmp_path)) == ["pyr"]


def test_write_tiles_refuses_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="exists and is not a pyramid fastheat wrote"):
        write_tiles(np.eye(3), tmp_path)
    assert os.listdir(tmp_path) == ["keep.txt"]


def _cli(*args, **kwargs):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "fastheat", *args], capture_output=True,
                          text=True, env=env, timeout=300, **kwargs)


def test_cli_tiles_writes_the_pyramid_and_reports_its_time(tmp_path):
    a = odd_matrix(300, 400, seed=6)
    np.save(tmp_path / "a.npy", a)
    r = _cli("tiles", str(tmp_path / "a.npy"), str(tmp_path / "out"), "--cmap", "magma",
             "--no-values")
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"wrote .*out: 5 tiles, levels 8..9, [\d.]+ MB in [\d.]+ s; one "
                        r"sequential read of the input: [\d.]+ s \([\d.]+x\)\n", r.stdout), r.stdout
    assert not (tmp_path / "out" / "values").exists()


def test_cli_errors_are_one_line(tmp_path):
    r = _cli("tiles", str(tmp_path / "missing.npy"), str(tmp_path / "out"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "does not exist" in r.stderr
    np.save(tmp_path / "a.npy", np.eye(3))
    r = _cli("serve", str(tmp_path / "a.npy"), "--port", "70000")
    assert r.returncode == 2 and "--port must be between 0 and 65535, got 70000" in r.stderr
    r = _cli("serve", str(tmp_path / "a.npy"), "--cmap", "nosuchmap", "--no-cache")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "nosuchmap" in r.stderr


def test_cli_serve_prints_a_url_that_serves_the_viewer(tmp_path):
    import urllib.request

    np.save(tmp_path / "a.npy", np.arange(12.0).reshape(3, 4))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-m", "fastheat", "serve", str(tmp_path / "a.npy"),
                             "--cache-dir", str(tmp_path / "cache")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", line).group(0)
        assert "3 x 4" in line
        with urllib.request.urlopen(url, timeout=60) as r:
            assert r.status == 200 and b"fh-osd" in r.read()
        base, token = url.split("/?token=")
        with pytest.raises(urllib.error.HTTPError, match="403"):
            urllib.request.urlopen(base + "/api/status", timeout=60)
    finally:
        proc.terminate()
        proc.communicate(timeout=60)


def test_fastheat_view_is_lazy_and_serves_outside_jupyter(capsys):
    r = subprocess.run([sys.executable, "-c", "import sys, fastheat; "
                        "print('fastheat.frontends.viewer' in sys.modules, callable(fastheat.view))"],
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert r.stdout.split() == ["False", "True"], r.stderr
    import urllib.request

    server = fastheat.view(np.eye(5), open_browser=False, cmap="gray")
    try:
        assert capsys.readouterr().out == f"fastheat viewer: {server.url}\n"
        with urllib.request.urlopen(server.url, timeout=60) as page:
            assert b"openseadragon.min.js?token=" in page.read()
    finally:
        server.close()
    with pytest.raises(ValueError, match="cmap"):
        fastheat.view(np.eye(5), open_browser=False, cmap="nosuchmap")


@pytest.mark.parametrize("kind", ["zarr", "h5py", "dask", "xarray"])
def test_out_of_core_sources_give_the_in_memory_tiles(kind, tmp_path):
    a = odd_matrix(600, 900, seed=7)
    if kind == "zarr":
        zarr = pytest.importorskip("zarr", reason="zarr is not installed")
        src = zarr.open(str(tmp_path / "a.zarr"), mode="w", shape=a.shape, chunks=(100, 100),
                        dtype="f4")
        src[:] = a
    elif kind == "h5py":
        h5py = pytest.importorskip("h5py", reason="h5py is not installed")
        with h5py.File(tmp_path / "a.h5", "w") as f:
            f["d"] = a
        handle = h5py.File(tmp_path / "a.h5", "r")
        src = handle["d"]
    elif kind == "dask":
        dask_array = pytest.importorskip("dask.array", reason="dask is not installed")
        src = dask_array.from_array(a, chunks=200)
    else:
        xr = pytest.importorskip("xarray", reason="xarray is not installed")
        src = xr.DataArray(a, dims=("r", "c"))
    p, ref = Pyramid(src), Pyramid(a)
    for key in every_tile(ref):
        np.testing.assert_array_equal(p.tile_values(*key), ref.tile_values(*key))
    assert View(p).fit().value(10, 5, 7)["value"] == float(a[5, 7])
    if kind == "h5py":
        handle.close()
