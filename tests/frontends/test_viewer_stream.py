"""The viewer's one streaming pass (fastheat/frontends/viewer/stream.py): every
coarse tile and the whole view equal ``fastheat.aggregate`` of their windows,
the norm is fitted from the pass, both are cached on disk; the first paint's
row sample; the colorbar's nice ticks."""
import os

import numpy as np
import pytest

import fastheat
from fastheat.compose.ticks import format_ticks
from fastheat.frontends.viewer import core, stream
from fastheat.frontends.viewer.core import TILE, Pyramid, View, tile_window

EXACT = ("min", "max", "absmax", "count")


def odd_matrix(rows, cols, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    a = (rng.normal(size=(rows, cols)) * 100).astype(dtype)
    if a.dtype.kind == "f":
        a[rng.random(a.shape) < 0.01] = np.nan
        a[3, 5] = np.inf
    return a


def built(p, **kwargs):
    got = {}
    cells, data_range = stream.build(p, on_tiles=lambda ts: got.update(
        {(z, x, y): v for z, x, y, v in ts}), **kwargs)
    return got, cells, data_range


def assert_equals_aggregate(a, p, got, reduce):
    expected = {(z, x, y) for z in p.coarse_levels() for x, y in p.tiles_of(z)}
    assert set(got) == expected
    for (z, x, y), values in got.items():
        (r0, r1, c0, c1), (h, w) = tile_window(p.shape, z, x, y)
        ref = fastheat.aggregate(a[r0:r1, c0:c1], height=h, width=w, reduce=reduce)
        assert values.shape == ref.shape
        if reduce in EXACT:
            np.testing.assert_array_equal(values, ref)
        else:
            np.testing.assert_allclose(values, ref, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("reduce", ["mean", "sum", "min", "max", "absmax", "std", "count"])
def test_every_streamed_tile_equals_aggregate_of_its_window(reduce):
    # 9001 x 4500: edge tiles whose pixels hold fractional cells at every level
    a = odd_matrix(9001, 4500, seed=1)
    p = Pyramid(a, reduce=reduce)
    assert p.coarse_levels() == [8, 9, 10] and p.overview_level() == 10  # 563 x 282 px
    got, cells, _ = built(p, overview=10)
    assert_equals_aggregate(a, p, got, reduce)
    np.testing.assert_array_equal(cells, overview_of(got, 10, cells.shape))


def overview_of(got, z, shape):
    """The tiles of level ``z`` put side by side."""
    out = np.full(shape, -1.0)
    for (lz, x, y), v in got.items():
        if lz == z:
            out[y * TILE:y * TILE + v.shape[0], x * TILE:x * TILE + v.shape[1]] = v
    return out


@pytest.mark.parametrize("kind", ["memmap", "masked", "int16", "fortran"])
def test_streamed_tiles_of_other_layouts_and_dtypes(kind, tmp_path, monkeypatch):
    monkeypatch.setattr(stream, "BAND_BYTES", 1 << 20)  # many bands
    a = odd_matrix(5000, 2100, seed=2, dtype=np.int16 if kind == "int16" else np.float32)
    data, ref = a, a
    if kind == "memmap":
        np.save(tmp_path / "a.npy", a)
        data = np.load(tmp_path / "a.npy", mmap_mode="r")
    elif kind == "masked":
        mask = np.zeros(a.shape, bool)
        mask[100:900, 40:700] = True
        data = np.ma.masked_array(a, mask)
        ref = np.where(mask, np.nan, a)
    elif kind == "fortran":
        data = np.asfortranarray(a)
    p = Pyramid(data)
    got, cells, _ = built(p, overview=p.overview_level())
    assert_equals_aggregate(ref, p, got, "mean")
    np.testing.assert_array_equal(cells, overview_of(got, p.overview_level(), cells.shape))


def test_level_axes_are_the_tiles_side_by_side():
    for n, f in ((30_000, 16), (30_000, 128), (4100, 32), (4097, 16)):
        m = stream.level_axis(n, f, TILE)
        k = 0
        for y in range(-(-n // (TILE * f))):
            (r0, r1, _, _), (h, _) = tile_window((n, 1), stream_level(n, f), 0, y)
            ref = fastheat.aggregation.geometry.axis_map(r1 - r0, h)
            np.testing.assert_array_equal(m.start[k:k + h], ref.start + r0)
            np.testing.assert_array_equal(m.first[k:k + h], ref.first)
            k += h
        assert k == len(m.start)


def stream_level(n, f):
    return core.levels((n, 1))[1] - int(np.log2(f))


def test_atoms_split_the_shared_cells():
    # 3 cells over 2 pixels: cell 1 is shared (weights 1/2 and 1/2), an atom of its own
    m = fastheat.aggregation.geometry.axis_map(3, 2)
    cut = stream.atoms([m], 3)
    assert cut.tolist() == [0, 1, 2, 3]
    px, w = stream.atom_targets(m, cut)
    assert px.tolist() == [[0, -1], [0, 1], [1, -1]]
    assert w.tolist() == [[1.0, 0.0], [0.5, 0.5], [1.0, 0.0]]


def test_the_norm_comes_from_the_pass_not_a_second_read(monkeypatch):
    a = odd_matrix(6000, 5000, seed=3)
    p = Pyramid(a)
    p.build_coarse(view=True, track=True)
    cells, data_range = p.whole
    assert cells.shape == (375, 313)  # level 9: 16 cells per pixel
    finite = np.where(np.isinf(a), np.nan, a)
    assert (data_range.min, data_range.max) == (np.nanmin(finite), np.nanmax(finite))
    assert data_range.min_positive == np.nanmin(np.where(finite > 0, finite, np.nan))

    def no_render(*args, **kwargs):
        raise AssertionError("the matrix was read again to fit the norm")

    monkeypatch.setattr(fastheat.api, "rasterize", no_render)
    v = View(p).fit()
    v.wait()
    # normalized in the input's float32, as fastheat.rasterize does
    assert (v.norm.vmin, v.norm.vmax) == (np.float32(np.nanmin(cells)),
                                          np.float32(np.nanmax(cells)))
    for opts in ({"norm": "log", "cmap": "magma"}, {"vmin": 0}, {"norm": "eq_hist"}):
        v = View(p, **opts).fit()
        v.wait()
        assert v.norm.kind == (opts.get("norm") or "linear")
    # without the range, a norm that starts from it renders the default view instead
    q = Pyramid(a)
    q.build_coarse(view=True)
    assert q.whole[1] is None
    with pytest.raises(AssertionError, match="read again"):
        View(q, norm="log").fit().wait()
    View(q).fit().wait()


def test_the_whole_view_and_levels_are_cached_on_disk(tmp_path, monkeypatch):
    a = odd_matrix(5000, 700, seed=4)
    ident = ["a.npy", 123, 456]
    first = Pyramid(a, cache_dir=tmp_path, identity=ident)
    first.build_coarse(view=True, track=True)
    files = sorted(os.listdir(next(tmp_path.iterdir())))
    assert "whole_9_313x44.npz" in files and "9_0_0.npy" in files

    def no_reading(*args, **kwargs):
        raise AssertionError("the matrix was read although the cache has everything")

    monkeypatch.setattr(stream, "build", no_reading)
    monkeypatch.setattr(fastheat.api, "rasterize", no_reading)
    again = Pyramid(a, cache_dir=tmp_path, identity=ident)
    assert again.load_whole()
    again.build_coarse(view=True, track=True)  # nothing missing: no pass
    np.testing.assert_array_equal(again.whole[0], first.whole[0])
    assert again.whole[1] == first.whole[1]
    View(again).fit().wait()
    # another file (size, mtime) or reduction: another entry, not this one
    assert not Pyramid(a, cache_dir=tmp_path, identity=ident + ["new"]).load_whole()
    assert not Pyramid(a, cache_dir=tmp_path, identity=ident, reduce="max").load_whole()
    # a damaged entry is not used
    path = again._whole_path()
    with open(path, "wb") as f:
        f.write(b"garbage")
    assert not Pyramid(a, cache_dir=tmp_path, identity=ident).load_whole()


def test_a_reopened_server_reads_nothing(tmp_path, monkeypatch):
    from fastheat.frontends.viewer.server import ViewerServer

    a = odd_matrix(5000, 700, seed=5)
    ident = ["b.npy", 1, 2]
    with ViewerServer(a, cache_dir=tmp_path, identity=ident) as first:
        first.default.wait(timeout=120)
        for _ in range(600):
            if first.status["coarse_done"] == first.status["coarse_total"]:
                break
            import time
            time.sleep(0.1)
        assert first.status == {"coarse_done": 3, "coarse_total": 3, "error": None}

    def no_reading(*args, **kwargs):
        raise AssertionError("the matrix was read again")

    monkeypatch.setattr(stream, "build", no_reading)
    monkeypatch.setattr(fastheat.api, "rasterize", no_reading)
    with ViewerServer(a, cache_dir=tmp_path, identity=ident) as again:
        again.default.wait(timeout=120)
        assert again.status["error"] is None
        assert again.default.norm.vmax == first.default.norm.vmax


def test_the_preview_reads_whole_rows_of_a_file(tmp_path, monkeypatch):
    a = odd_matrix(3000, 900, seed=6)
    np.save(tmp_path / "a.npy", a)
    m = np.load(tmp_path / "a.npy", mmap_mode="r")
    reads = []
    real = os.preadv
    monkeypatch.setattr(os, "preadv", lambda fd, bufs, pos: reads.append(pos) or
                        real(fd, bufs, pos))
    rows, (h, w) = core.sample_rows(m, m.shape)
    assert (h, w) == (384, 115)
    index = ((2 * np.arange(h) + 1) * 3000) // (2 * h)
    np.testing.assert_array_equal(rows, a[index])
    assert len(reads) == h  # one read per row
    values, _ = core.preview(m, m.shape)
    np.testing.assert_array_equal(values, core.preview(a, a.shape)[0])
    # each pixel: the mean of the finite cells of its column run (every column: 900 < 8 * 115)
    edges = (np.arange(w + 1) * 900) // w
    j = 7
    run = a[index][:, edges[j]:edges[j + 1]].astype(np.float64)
    with np.errstate(invalid="ignore"):
        expected = np.nanmean(np.where(np.isfinite(run), run, np.nan), axis=1)
    np.testing.assert_allclose(values[:, j], expected, rtol=1e-5, atol=1e-4)  # float32 sums
    png, _ = core.preview_png(m, m.shape, cmap="magma")
    from PIL import Image
    import io
    img = np.asarray(Image.open(io.BytesIO(png)))
    assert img.shape == (384, 115, 4)
    palette = fastheat.color.colormaps.resolve("magma")
    assert {tuple(c) for c in img.reshape(-1, 4)} <= {tuple(c) for c in palette.table}
    # a view of a memmap (an offset into the mapping) reads its own rows
    part = m[1000:2500, 100:700]
    np.testing.assert_array_equal(core.sample_rows(part, part.shape)[0],
                                  np.asarray(part)[((2 * np.arange(384) + 1) * 1500) // 768])


def test_colorbar_ticks_are_nice_numbers_from_the_tick_formatter():
    a = np.linspace(0.013, 137.31, 400 * 400).reshape(400, 400)
    v = View(Pyramid(a)).fit()
    ticks = v.ticks()
    values = [t["value"] for t in ticks]
    assert values == [125.0, 100.0, 75.0, 50.0, 25.0]
    assert [t["label"] for t in ticks] == format_ticks(values[::-1], 25.0)[::-1]
    pos = [t["pos"] for t in ticks]
    assert pos == sorted(pos) and 0 <= pos[0] and pos[-1] <= 1
    np.testing.assert_allclose(pos[0], 1 - (125 - v.norm.vmin) / (v.norm.vmax - v.norm.vmin))
    big = View(Pyramid(a * 1e7)).fit().ticks()
    assert big[0]["label"] == "1.25×10⁹"
    log = View(Pyramid(a + 1), norm="log").fit().ticks()
    assert [t["label"] for t in log][:2] == ["100", "50"]
