"""The triangle view (fastheat/aggregation/triangle.py, fastheat/sources/triangle.py),
the Hi-C default colours of cooler inputs (fastheat/sources/cooler.py) and
``mask=`` with uneven coordinates."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

import fastheat
from fastheat.api import rasterize
from fastheat.aggregation import triangle as T


def contact_map(n, seed=0):
    rng = np.random.default_rng(seed)
    i, j = np.indices((n, n))
    a = 1.0 / (1 + np.abs(i - j)) + 0.1 * rng.random((n, n))
    return (a + a.T) / 2


# --------------------------------------------------------------------- plain references

def overlaps(n, m):
    """``(m, n)``: how much of matrix cell ``i`` lies in grid cell ``a`` (side n / m)."""
    t = n / m
    w = np.zeros((m, n))
    for a in range(m):
        for i in range(n):
            w[a, i] = max(0.0, min((a + 1) * t, i + 1) - max(a * t, i))
    return w


def reference_mean(v, depth, height, width):
    """Each pixel: the exact area-weighted mean of the matrix over the grid
    cells (side t = n / m) whose centre lies in it, written with loops."""
    n = len(v)
    sx, sy = n / width, depth / (2 * height)
    m = math.ceil(n / min(sx, sy) - 1e-9)
    assert m < n, "the reference is for downsampled views"
    w = overlaps(n, m)
    sums, weights = w @ v @ w.T, w @ np.ones_like(v) @ w.T
    num, den = np.zeros((height, width)), np.zeros((height, width))
    t = n / m
    for a in range(m):
        for b in range(a, m):
            x, y = (a + b + 1) * t / 2, (b - a) * t / 2
            p, q = int(x // sx), int(y // sy)
            if p < width and q < height:
                num[height - 1 - q, p] += sums[a, b]
                den[height - 1 - q, p] += weights[a, b]
    with np.errstate(invalid="ignore"):
        return num / den


def reference_pick(v, depth, height, width):
    """Each pixel: the matrix cell under its centre (pixels smaller than a bin)."""
    n = len(v)
    sx, sy = n / width, depth / (2 * height)
    out = np.full((height, width), np.nan)
    for i in range(height):
        for p in range(width):
            x, y = (p + 0.5) * sx, (height - 1 - i + 0.5) * sy
            r, c = math.floor(x - y), math.floor(x + y)
            if r >= 0 and c < n:
                out[i, p] = v[r, c]
    return out


# --------------------------------------------------------------------- geometry

@pytest.mark.parametrize("n, depth, height, width", [(60, 60, 10, 20), (61, 30, 7, 23),
                                                     (90, 40, 5, 30), (80, 17, 3, 13)])
def test_downsampled_view_is_the_exact_mean_of_its_cells(n, depth, height, width):
    v = contact_map(n)
    got = fastheat.aggregate(v, view="triangle", depth=depth, width=width, height=height)
    want = reference_mean(v, depth, height, width)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    np.testing.assert_allclose(got[ok], want[ok], rtol=1e-12)


def test_square_pixels_are_two_cells_each():
    # t = sx = sy: pixel (p, q) is the mean of grid cells (p-q-1, p+q) and (p-q, p+q)
    n, width, depth = 300, 100, 60
    v = contact_map(n)
    got = fastheat.aggregate(v, view="triangle", depth=depth, width=width)
    assert got.shape == (10, 100)
    grid = fastheat.aggregate(v, width=width, height=width)
    for q in range(10):
        for p in range(q + 1, width - q):
            want = (grid[p - q - 1, p + q] + grid[p - q, p + q]) / 2
            assert got[9 - q, p] == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("n, depth, height, width", [(12, 12, 30, 60), (10, 4, 20, 50),
                                                     (7, 7, 9, 11)])
def test_upsampled_view_shows_the_cell_under_each_pixel(n, depth, height, width):
    v = contact_map(n)
    got = fastheat.aggregate(v, view="triangle", depth=depth, width=width, height=height)
    want = reference_pick(v, depth, height, width)
    assert np.array_equal(got, want, equal_nan=True)


def test_every_band_cell_feeds_one_pixel_and_sum_is_conserved():
    n, depth = 200, 80
    v = contact_map(n)
    got = fastheat.aggregate(v, view="triangle", depth=depth, width=50, reduce="sum")
    tmap = T.TriangleMap(n, depth, *got.shape)
    assert not tmap.picks
    a, b = tmap.cell
    assert len(set(zip(a.tolist(), b.tolist()))) == len(a)  # no cell twice
    assert (b >= a).all()
    # the grid's band cells, summed, are all the sums shown
    grid = fastheat.aggregate(v, width=tmap.m, height=tmap.m, reduce="sum")
    assert np.nansum(got) == pytest.approx(grid[a, b].sum(), rel=1e-12)


def test_outside_pixels_are_missing_and_transparent():
    v = contact_map(40)
    got = fastheat.aggregate(v, view="triangle", width=40)
    assert got.shape == (20, 40)
    assert np.isnan(got[0, 0]) and np.isnan(got[0, -1])  # top corners: outside
    assert np.isfinite(got[-1]).all()  # the diagonal row
    rgba = fastheat.to_rgba(v, view="triangle", width=40)
    assert (rgba[np.isnan(got)][:, 3] == 0).all() and (rgba[~np.isnan(got)][:, 3] == 255).all()
    # the colorbar's "missing" swatch is for missing data, not for outside the band
    assert not rasterize(v, view="triangle", width=40).missing
    v[5:9, 9:13] = np.nan  # pixels hold two cells: a block is missing whole
    assert rasterize(v, view="triangle", width=40).missing


def test_default_size_keeps_square_pixels_and_whole_triangle():
    v = contact_map(2000)
    r = rasterize(v, view="triangle")
    assert r.shape == (500, 1000)
    r = rasterize(v, view="triangle", depth=400)  # 200 bins high, 2000 long
    assert r.shape == (100, 1000)
    r = rasterize(v, view="triangle", depth=400, aspect=2)  # a number: stretched
    assert r.shape == (200, 1000)


def test_origin_lower_puts_the_apex_down():
    v = contact_map(30)
    up = fastheat.aggregate(v, view="triangle", width=30)
    down = fastheat.to_rgba(v, view="triangle", width=30, origin="lower")
    assert np.array_equal(down, fastheat.to_rgba(v, view="triangle", width=30)[::-1])
    assert up.shape == (15, 30)


def test_thin_band_of_a_long_matrix_uses_the_finest_grid_that_fits(monkeypatch):
    monkeypatch.setattr(T, "MAX_STATE_BYTES", 40 * 100 * 100)  # grids up to 100 x 100
    n, depth, height, width = 800, 80, 20, 50  # sx = 16, sy = 2: would need m = 400
    v = contact_map(n)
    got = fastheat.aggregate(v, view="triangle", depth=depth, width=width, height=height)
    tmap = T.TriangleMap(n, depth, height, width)
    assert tmap.picks and tmap.m == 100
    grid = fastheat.aggregate(v, width=100, height=100)
    want = np.full((height, width), np.nan)
    for i in range(height):
        for p in range(width):
            x, y = (p + 0.5) * 16, (height - 1 - i + 0.5) * 2.0
            r, c = math.floor((x - y) / 8), math.floor((x + y) / 8)
            if r >= 0 and c < 100:
                want[i, p] = grid[r, c]
    assert np.array_equal(got, want, equal_nan=True)


# --------------------------------------------------------------------- every input

@pytest.mark.parametrize("reduce", ["mean", "sum", "min", "max", "absmax", "std", "count",
                                    "nearest"])
def test_sparse_and_memmap_equal_dense(reduce, tmp_path):
    sp = pytest.importorskip("scipy.sparse", reason="scipy is in the test extra")
    n = 70
    v = contact_map(n)
    v[v < 0.15] = 0
    kw = dict(view="triangle", depth=50, width=31, reduce=reduce)
    dense = fastheat.aggregate(v, **kw)
    for fmt in ("csr", "coo", "csc"):
        got = fastheat.aggregate(sp.csr_matrix(v).asformat(fmt), **kw)
        np.testing.assert_allclose(got, dense, rtol=1e-12, atol=1e-15, equal_nan=True)
    np.save(tmp_path / "m.npy", v.astype(np.float32))
    mm = np.load(tmp_path / "m.npy", mmap_mode="r")
    np.testing.assert_allclose(fastheat.aggregate(mm, **kw),
                               fastheat.aggregate(np.array(mm), **kw), rtol=1e-12,
                               equal_nan=True)


def test_mask_is_aggregated_in_the_view():
    v = contact_map(40)
    mask = np.zeros_like(v, bool)
    mask[10:20, 10:20] = True
    got = fastheat.aggregate(v, view="triangle", width=40, mask=mask)
    want = fastheat.aggregate(np.where(mask, np.nan, v), view="triangle", width=40)
    assert np.array_equal(got, want, equal_nan=True)
    r = rasterize(v, view="triangle", width=40, mask=mask)
    assert r.hidden.any() and not r.missing  # hidden cells, no data missing


# --------------------------------------------------------------------- errors

@pytest.mark.parametrize("kwargs, error, text", [
    (dict(view="tri"), ValueError, "view='tri' is not a view; choose one of 'matrix', "
                                   "'triangle'"),
    (dict(depth=5), ValueError, "depth=5 is for view='triangle'"),
    (dict(view="triangle", depth=0), ValueError, "depth=0 must be between 1 and the "
                                                 "matrix's size in bins"),
    (dict(view="triangle", depth=11), ValueError, "depth=11 must be between 1 and"),
    (dict(view="triangle", depth=2.5), TypeError, "depth=2.5 must be a whole number of bins"),
    (dict(view="triangle", depth=True), TypeError, "depth=True must be a whole number"),
    (dict(view="triangle", xcoords=np.arange(11.0)), ValueError,
     "xcoords=, ycoords=, xscale= and yscale= (or an xarray's uneven coordinates) are for "
     "view='matrix'"),
])
def test_errors_name_the_option(kwargs, error, text):
    with pytest.raises(error) as e:
        fastheat.to_rgba(contact_map(10), **kwargs)
    assert text in str(e.value)


@pytest.mark.parametrize("kwargs, text", [
    (dict(annot=True), "annot= writes values in matrix cells, which view='triangle' turns "
                       "into diamonds"),
    (dict(linewidths=1), "linewidths=1.0 draws borders between matrix cells"),
])
def test_per_cell_decorations_are_refused(kwargs, text):
    with pytest.raises(ValueError) as e:
        fastheat.heatmap(contact_map(4), view="triangle", **kwargs)
    assert text in str(e.value)


def test_view_options_fail_before_any_data_is_read():
    from fastheat.options import Reading

    with pytest.raises(ValueError, match="view='Triangle' is not a view"):
        Reading(view="Triangle")
    with pytest.raises(ValueError, match="depth=-3 must be between 1"):
        Reading(view="triangle", depth=-3)
    assert Reading(view="triangle", depth=5).depth == 5


def test_non_square_matrix_is_refused():
    with pytest.raises(ValueError, match=r"view='triangle' needs a square matrix \(its "
                                         r"diagonal band\), but the data has shape \(10, 12\)"):
        fastheat.to_rgba(np.zeros((10, 12)), view="triangle")


def test_cli_view_triangle(tmp_path, capsys):
    from fastheat import cli

    v = contact_map(50).astype(np.float32)
    np.save(tmp_path / "m.npy", v)
    out = tmp_path / "c.png"
    assert cli.main(["render", str(tmp_path / "m.npy"), "--view", "triangle", "--depth", "20",
                     "-o", str(out), "-q"]) == 0
    fastheat.save(np.load(tmp_path / "m.npy", mmap_mode="r"), tmp_path / "d.png",
                  view="triangle", depth=20)
    assert out.read_bytes() == (tmp_path / "d.png").read_bytes()
    assert cli.main(["render", str(tmp_path / "m.npy"), "--view", "triangle", "--depth", "99",
                     "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "99 must be between 1 and the matrix's 50 bins" in err


def test_front_ends_drawing_in_matrix_coordinates_refuse_the_triangle_view():
    # their rasters sit on the matrix's rows and columns (hover, zoom, axes):
    # a triangle there would be a silently wrong picture
    pytest.importorskip("matplotlib", reason="matplotlib is in the test extra")
    pytest.importorskip("plotly", reason="plotly is in the test extra")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a = np.arange(36.0).reshape(6, 6)
    fig, ax = plt.subplots()
    try:
        for call, name in ((lambda: fastheat.to_plotly(a, view="triangle"), "to_plotly()"),
                           (lambda: fastheat.imshow(ax, a, view="triangle"), "imshow()"),
                           (lambda: fastheat.heatmap(a, ax=ax, view="triangle", depth=3),
                            "heatmap(ax=...)")):
            with pytest.raises(ValueError, match=rf"^fastheat\.{re.escape(name)} draws the "
                                                 r"matrix in its own rows and columns, so "
                                                 r"view='triangle'"):
                call()
        fastheat.imshow(ax, a, view="matrix")  # the default is fine
    finally:
        plt.close(fig)


# --------------------------------------------------------------------- cooler, Hi-C

cooler = pytest.importorskip("cooler", reason="cooler is in the test extra (cooler sources)")


@pytest.fixture(scope="module")
def cool(tmp_path_factory):
    from tests.sources.test_cooler import make_cool

    return make_cool(tmp_path_factory.mktemp("cool") / "t.cool")


@pytest.mark.parametrize("region, balance", [(None, False), ("chr2", True),
                                             ("chr1:105k-1.2M", False)])
def test_cooler_triangle_equals_the_dense_matrix(cool, region, balance):
    m = cooler.Cooler(cool).matrix(balance=balance)
    dense = m[:] if region is None else m.fetch(region)
    kw = dict(view="triangle", width=41, depth=min(60, len(dense)))
    got = fastheat.aggregate(cool, region=region, balance=balance, **kw)
    want = fastheat.aggregate(dense, **kw)
    np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)


def test_cooler_triangle_ticks_and_refusals(cool):
    src = fastheat.sources.open_source(cool)
    from fastheat.sources.triangle import view_source

    tri = view_source(src, view="triangle", depth=100)
    decor = tri.default_decor()
    assert decor["xticklabels"] == ["chr1", "chr2", "chrX"]
    assert decor["xticks"] == src.default_decor()["xticks"]  # along the diagonal, in bins
    assert "hlines" not in decor and "vlines" not in decor
    one = view_source(fastheat.sources.open_source(
        cool, reading=fastheat.options.Reading(region="chr2")), view="triangle", depth=50)
    assert one.default_decor()["extent"] == (0, 1_500_000, 0.0, 500_000.0)
    with pytest.raises(ValueError, match="give one region"):
        fastheat.to_rgba(cool, view="triangle", region=("chr1", "chr2"))
    img = fastheat.heatmap(cool, view="triangle", depth=100, width=300)
    raster_height = round(300 * 50 / len(cooler.Cooler(cool).bins()))
    assert img.size[0] > 300 and img.size[1] > raster_height + 10  # ticks under the raster


def test_hic_defaults_apply_to_cooler_inputs_only(cool):
    from fastheat.sources.cooler import HIC_VMIN_PERCENTILE, fall

    import matplotlib.colors as mc

    mpl_fall = mc.LinearSegmentedColormap.from_list(
        "fall", np.array(fastheat.sources.cooler.FALL) / 255, 256)
    assert np.array_equal(fastheat.color.colormaps.resolve(fall()).lut,
                          mpl_fall(np.arange(256), bytes=True))
    r = rasterize(cool, width=60, height=60)
    cells = r.cells[np.isfinite(r.cells) & (r.cells > 0)]
    assert r.norm.name == "log" if hasattr(r.norm, "name") else True
    assert r.norm.vmin == pytest.approx(np.percentile(cells, HIC_VMIN_PERCENTILE))
    assert r.norm.vmax == pytest.approx(cells.max())
    assert np.array_equal(r.palette.lut, mpl_fall(np.arange(256), bytes=True))
    # the same matrix, dense: fastheat's own defaults
    dense = cooler.Cooler(cool).matrix(balance=False)[:]
    d = rasterize(dense, width=60, height=60)
    assert d.palette.name == "viridis" and d.norm.vmin == np.nanmin(d.cells)
    # given options win; the norm default needs none of the norm options
    g = rasterize(cool, width=60, height=60, cmap="viridis")
    assert g.palette.name == "viridis" and g.norm.vmin == r.norm.vmin
    g = rasterize(cool, width=60, height=60, vmax=10)
    assert g.norm.vmax == 10 and g.norm.vmin == np.nanmin(g.cells)  # linear, as asked
    assert np.array_equal(g.palette.lut, r.palette.lut)


# --------------------------------------------------------------------- mask with xcoords

def test_mask_with_uneven_coordinates_is_aggregated_on_the_uneven_cells():
    a = np.arange(12.0).reshape(3, 4)
    xc = [0, 1, 3, 6, 10]
    mask = np.zeros((3, 4), bool)
    mask[:, 0] = True  # column 0: x in 0..1, a sliver of pixel 0 (x in 0..2.5)
    got = fastheat.aggregate(a, width=4, height=3, mask=mask, xcoords=xc)
    want = fastheat.aggregate(np.where(mask, np.nan, a), width=4, height=3, xcoords=xc)
    assert np.array_equal(got, want)
    assert np.isfinite(got).all()  # column 0 hidden, pixel 0 still sees column 1
    r = rasterize(a, width=4, height=3, mask=mask, xcoords=xc)
    assert not r.hidden.any()  # no pixel is all hidden on the uneven cells
    mask[:, 3] = True  # x in 6..10: pixel 3 (x in 7.5..10) is all hidden
    r = rasterize(a, width=4, height=3, mask=mask, xcoords=xc)
    assert r.hidden[:, 3].all() and not r.hidden[:, :3].any() and not r.missing
