"""fastheat.frontends.mpl: the artist re-renders each view through fastheat,
its colorbar is fastheat's, savefig works in every format; heatmap(ax=)."""
import shutil
import subprocess

import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import fastheat  # noqa: E402
from fastheat.frontends import mpl as fmpl  # noqa: E402


@pytest.fixture
def fig():
    f = plt.figure(figsize=(4, 3), dpi=100)
    yield f
    plt.close(f)


def _axes(fig):
    return fig.add_axes([0.1, 0.1, 0.8, 0.8])  # 320 x 240 px, on whole pixels


def _canvas_region(fig, ax):
    fig.canvas.draw()
    buf = np.asarray(fig.canvas.buffer_rgba())
    x0, y0, x1, y1 = np.round(ax.bbox.extents).astype(int)
    H = buf.shape[0]
    return buf[H - y1: H - y0, x0:x1]


DATA = np.random.default_rng(3).random((200, 300))


def test_zoomed_view_is_to_rgba_of_the_window_at_the_axes_pixel_size(fig):
    ax = _axes(fig)
    art = fastheat.imshow(ax, DATA, aspect="auto", cmap="magma")
    ax.set_xlim(49.5, 149.5)
    ax.set_ylim(99.5, 19.5)
    drawn = _canvas_region(fig, ax)
    assert art.window == (20, 100, 50, 150)
    expected = fastheat.to_rgba(DATA[20:100, 50:150], width=320, height=240, cmap="magma",
                                vmin=art.fitted.norm.vmin, vmax=art.fitted.norm.vmax)
    np.testing.assert_array_equal(art.rendered, expected)
    # and what Agg drew in the axes is that array (image pixels on whole canvas pixels)
    np.testing.assert_array_equal(drawn[2:-2, 2:-2, :3], expected[2:-2, 2:-2, :3])  # spines


def test_view_change_re_renders_not_upscales(fig):
    ax = _axes(fig)
    art = fastheat.imshow(ax, DATA, aspect="auto")
    fig.canvas.draw()
    full = art.rendered
    assert full.shape[:2] == (240, 320) and art.window == (0, 200, 0, 300)
    ax.set_xlim(-0.5, 9.5)
    ax.set_ylim(5.5, -0.5)
    fig.canvas.draw()
    assert art.window == (0, 6, 0, 10)
    assert art.rendered.shape[:2] == (240, 320)
    # 10 x 6 cells over 320 x 240 px: crisp 32 x 40 px blocks of each cell's own colour
    cell = art.rendered[::40, ::32]
    np.testing.assert_array_equal(cell, fastheat.to_rgba(
        DATA[:6, :10], width=10, height=6, vmin=art.fitted.norm.vmin,
        vmax=art.fitted.norm.vmax))


def test_eq_hist_keeps_the_full_views_norm(fig):
    ax = _axes(fig)
    art = fastheat.imshow(ax, DATA, aspect="auto", norm="eq_hist")
    ax.set_xlim(99.5, 199.5)
    ax.set_ylim(149.5, 49.5)
    fig.canvas.draw()
    grid = fastheat.aggregate(DATA[50:150, 100:200], width=320, height=240)
    fit = art.fitted
    np.testing.assert_array_equal(art.rendered, fit.palette.table[fit.norm.encode(grid,
                                                                                  fit.palette.N)])


def test_origin_lower_and_extent(fig):
    ax = _axes(fig)
    art = fastheat.imshow(ax, DATA, origin="lower", extent=(0, 30, 0, 20), aspect="auto")
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 6)  # rows 0..59 at the bottom
    drawn = _canvas_region(fig, ax)
    assert art.window == (0, 60, 0, 100)
    expected = fastheat.to_rgba(DATA[:60, :100], width=320, height=240,
                                vmin=art.fitted.norm.vmin, vmax=art.fitted.norm.vmax)
    # row 0 at the bottom
    np.testing.assert_array_equal(drawn[2:-2, 2:-2, :3], expected[::-1, :, :3][2:-2, 2:-2])


@pytest.mark.parametrize("norm", ["linear", "log", "eq_hist", "sqrt"])
def test_colorbar_colours_and_ticks_are_fastheats(fig, norm):
    from fastheat.compose.options import ColorbarOptions
    from fastheat.compose.text import load_font
    from fastheat.compose.ticks import colorbar_ticks

    ax = fig.add_axes([0.1, 0.1, 0.6, 0.8])
    art = fastheat.imshow(ax, DATA + 0.01, aspect="auto", norm=norm, cmap="viridis")
    cb = fig.colorbar(art, cax=fig.add_axes([0.8, 0.1, 0.05, 0.8]))
    fig.canvas.draw()
    buf = np.asarray(fig.canvas.buffer_rgba())
    x0, y0, x1, y1 = np.round(cb.ax.bbox.extents).astype(int)
    H = buf.shape[0]
    column = buf[H - y1: H - y0, (x0 + x1) // 2, :3][::-1].astype(int)  # low end first
    L = len(column)
    fit = art.fitted
    strip = fit.palette.table[fit.norm.strip_codes((np.arange(L) + 0.5) / L, fit.palette.N)]
    # pixel rows at the bar's ends straddle its outline; inside, colours are the strip's
    diff = np.abs(column[2:-2] - strip[2:-2, :3].astype(int))
    assert diff.max() <= 4, diff.max()
    font = load_font(None, 10 * fig.dpi / 72)
    want = colorbar_ticks(fit.norm, L, font, ColorbarOptions(), True)
    labels = [t.get_text() for t in cb.ax.get_yticklabels()]
    assert labels == [s for _, s in want]
    np.testing.assert_allclose(cb.ax.get_yticks(),
                               fit.norm.inverse(np.array([p for p, _ in want]) / L))


def test_colorbar_extends_for_under_and_over(fig):
    art = fastheat.imshow(_axes(fig), DATA, vmin=0.2, vmax=0.8)
    assert fig.colorbar(art).extend == "both"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_savefig_png_pdf_svg(fig, tmp_path):
    from PIL import Image

    ax = _axes(fig)
    art = fastheat.imshow(ax, DATA, aspect="auto")
    fig.colorbar(art)
    fig.savefig(tmp_path / "f.png", dpi=100)
    fig.savefig(tmp_path / "f.pdf", dpi=100)
    fig.savefig(tmp_path / "f.svg", dpi=100)
    svg = (tmp_path / "f.svg").read_text()
    # the raster and matplotlib's rasterized colorbar solids; the text is vector
    assert svg.count("<image") == 2
    assert "data:image/png;base64" in svg
    pdf = (tmp_path / "f.pdf").read_bytes()
    assert b"/Subtype /Image" in pdf and b"/Font" in pdf
    # poppler interpolates images scaled under 4x: render at 4x, sample pixel centres
    subprocess.run(["pdftoppm", "-r", "400", "-png", "-singlefile", str(tmp_path / "f.pdf"),
                    str(tmp_path / "p")], check=True)
    a = np.asarray(Image.open(tmp_path / "f.png").convert("RGB")).astype(int)
    b = np.asarray(Image.open(tmp_path / "p.png").convert("RGB")).astype(int)[2::4, 2::4]
    assert a.shape == b.shape
    d = np.abs(a - b).max(axis=2)
    # tolerance: matplotlib's text and lines antialiased by poppler instead of Agg
    # (mean channel difference < 8, < 5% of pixels off by more than 64); the image identical
    assert d.mean() < 8 and (d > 64).mean() < 0.05, (d.mean(), (d > 64).mean())
    x0, y0, x1, y1 = np.round(ax.bbox.extents).astype(int)
    H = a.shape[0]
    assert d[H - y1 + 2: H - y0 - 2, x0 + 2: x1 - 2].max() == 0


def test_savefig_dpi_renders_at_that_dpi(fig, tmp_path):
    ax = _axes(fig)
    art = fastheat.imshow(ax, DATA, aspect="auto")
    fig.savefig(tmp_path / "f.png", dpi=200)
    assert art.rendered.shape[:2] == (480, 640)


def test_memmap_dask_and_zarr_inputs(fig, tmp_path):
    da = pytest.importorskip("dask.array")
    path = tmp_path / "m.npy"
    np.save(path, DATA.astype(np.float32))
    mm = np.load(path, mmap_mode="r")
    ax = _axes(fig)
    art = fastheat.imshow(ax, mm, aspect="auto")
    ax.set_xlim(9.5, 109.5)
    fig.canvas.draw()
    ref = fastheat.to_rgba(DATA.astype(np.float32)[:, 10:110], width=320, height=240,
                           vmin=art.fitted.norm.vmin, vmax=art.fitted.norm.vmax)
    np.testing.assert_array_equal(art.rendered, ref)
    ax2 = fig.add_axes([0.1, 0.1, 0.8, 0.8], label="dask")
    art2 = fastheat.imshow(ax2, da.from_array(DATA.astype(np.float32), chunks=64), aspect="auto")
    ax2.set_xlim(9.5, 109.5)
    fig.canvas.draw()
    np.testing.assert_array_equal(art2.rendered, ref)
    zarr = pytest.importorskip("zarr")
    z = zarr.open(str(tmp_path / "m.zarr"), mode="w", shape=DATA.shape, chunks=(64, 64),
                  dtype="f4")
    z[:] = DATA.astype(np.float32)
    ax3 = fig.add_axes([0.1, 0.1, 0.8, 0.8], label="zarr")
    art3 = fastheat.imshow(ax3, z, aspect="auto")
    ax3.set_xlim(9.5, 109.5)
    fig.canvas.draw()
    np.testing.assert_array_equal(art3.rendered, ref)


def test_shared_axes_subplots():
    f, (a, b) = plt.subplots(1, 2, sharex=True, sharey=True, figsize=(6, 3), dpi=100)
    try:
        arts = [fastheat.imshow(a, DATA), fastheat.imshow(b, DATA * 2, cmap="gray")]
        a.set_xlim(0, 50)
        f.canvas.draw()
        assert arts[0].window == arts[1].window and arts[0].window[2:] == (0, 51)
    finally:
        plt.close(f)


def test_xarray_coordinates_set_the_extent(fig):
    xr = pytest.importorskip("xarray")
    arr = xr.DataArray(DATA[:20, :30], dims=("lat", "lon"),
                       coords={"lat": np.arange(20) * 0.5, "lon": 100 + np.arange(30)},
                       name="t")
    ax = _axes(fig)
    art = fastheat.imshow(ax, arr)
    assert art.get_extent() == (99.5, 129.5, 9.75, -0.25)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("lon", "lat")


def test_options_it_does_not_take(fig):
    with pytest.raises(TypeError, match="'colorbar'.*it takes the reading and colouring"):
        fastheat.imshow(_axes(fig), DATA, colorbar=True)
    with pytest.raises(ValueError, match="origin='top' must be"):
        fastheat.imshow(_axes(fig), DATA, origin="top")


@pytest.mark.parametrize("kw", [dict(), dict(norm="log"), dict(norm="eq_hist"),
                                dict(norm="symlog"), dict(norm="power", gamma=2),
                                dict(norm="twoslope", center=0.5), dict(levels=5),
                                dict(cmap="coolwarm", vmin=0.2, vmax=0.7)])
def test_render_info_to_matplotlib_gives_the_same_bytes(kw):
    info = fastheat.render_info(DATA + 0.01, width=60, height=40, **kw)
    norm, cmap = info.to_matplotlib()
    rgba = fastheat.to_rgba(DATA + 0.01, width=60, height=40, **kw)
    np.testing.assert_array_equal(cmap(norm(info.grid), bytes=True), rgba)


# --------------------------------------------------------------------------- heatmap(ax=)

def test_heatmap_on_axes_has_seaborns_layout(fig):
    sns = pytest.importorskip("seaborn")
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(DATA[:12, :9], index=pd.Index([f"r{i}" for i in range(12)], name="rows"),
                      columns=pd.Index([f"c{i}" for i in range(9)], name="cols"))
    a, b = fig.add_subplot(121), fig.add_subplot(122)
    assert fastheat.heatmap(df, ax=a, annot=True, fmt=".1f") is a
    sns.heatmap(df, ax=b, annot=True, fmt=".1f")
    for get in ("get_xticks", "get_yticks", "get_xlim", "get_ylim", "get_xlabel", "get_ylabel"):
        assert np.all(np.asarray(getattr(a, get)()) == np.asarray(getattr(b, get)())), get
    assert [t.get_text() for t in a.get_xticklabels()] == \
        [t.get_text() for t in b.get_xticklabels()]
    assert len(fig.axes) == 4  # each its colorbar axes
    labels = [c for c in a.get_children() if isinstance(c, fmpl.CellLabels)][0]
    texts = {(t.get_text(), mpl.colors.to_hex(t.get_color()))
             for t in b.texts}
    ours = {(t, mpl.colors.to_hex(c)) for t, c in labels.groups}
    assert ours == texts  # the same labels in the same colours (seaborn's rule)
    fig.canvas.draw()
    # same colormap, same colours: the raster's cells are seaborn's mesh colours
    mesh = b.collections[0]
    np.testing.assert_array_equal(
        np.asarray(mesh.get_facecolors() * 255, int)[:, :3].reshape(12, 9, 3) // 4,
        np.asarray(fastheat.to_rgba(df, width=9, height=12, cmap="rocket"), int)[..., :3] // 4)


def test_heatmap_on_axes_draws_annotations(fig, tmp_path):
    ax = _axes(fig)
    fastheat.heatmap(DATA[:5, :5], ax=ax, annot=True, cbar=False)
    fig.savefig(tmp_path / "a.svg")
    assert (tmp_path / "a.svg").read_text().count("<use") >= 25  # one stamp per cell
    with pytest.raises(ValueError, match="annot has shape"):
        fastheat.heatmap(DATA[:5, :5], ax=_axes(fig), annot=np.ones((2, 2)))


def test_heatmap_on_axes_tick_options(fig):
    ax = _axes(fig)
    fastheat.heatmap(DATA[:6, :8], ax=ax, xticklabels=3, yticklabels=False, cbar=False)
    assert ax.get_xticks().tolist() == [0.5, 3.5, 6.5] and ax.get_yticks().tolist() == []
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "3", "6"]
    with pytest.raises(ValueError, match="xticklabels='al' must be 'auto', True, False"):
        fastheat.heatmap(DATA[:6, :8], ax=_axes(fig), xticklabels="al")
    with pytest.raises(ValueError, match="yticklabels=0 must be a step of at least 1"):
        fastheat.heatmap(DATA[:6, :8], ax=_axes(fig), yticklabels=0)


def test_alpha_blends_the_render_over_the_axes_background(fig):
    """``alpha=`` as matplotlib's imshow: the rendered colours over the white
    axes, ``alpha * colour + (1 - alpha) * 255`` (to Agg's rounding)."""
    ax = _axes(fig)
    art = fastheat.imshow(ax, DATA, aspect="auto", cmap="magma", alpha=0.5)
    drawn = _canvas_region(fig, ax)[2:-2, 2:-2, :3].astype(int)
    want = 0.5 * art.rendered[2:-2, 2:-2, :3].astype(int) + 0.5 * 255
    assert np.abs(drawn - want).max() <= 1
