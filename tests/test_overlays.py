"""Overlays: each is checked by what it must show, not only that it runs.

Colours are compared exactly (uint8) unless a tolerance is written next to
the comparison. Layout geometry (where the raster, colorbar and labels went)
comes from :func:`fastheat.layout.compose`, which ``heatmap`` calls.
"""
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageDraw

import fastheat
from fastheat import api as render
from fastheat import cli
from fastheat.compose import layout
from fastheat.compose import overlays as ov

RNG = np.random.default_rng(7)
DATA = RNG.random((10, 10))


def compose(data, **options):
    """Render exactly as ``heatmap`` does; returns the Composition and Decor."""
    overlay_keys = {"colorbar", "grid", "linewidths", "linecolor", "title", "xlabel", "ylabel",
                    "xticklabels", "yticklabels", "annot", "fmt", "font_size", "font",
                    "background", "scale"}
    decor = layout.Decor.from_options(**{k: options.pop(k) for k in list(options)
                                         if k in overlay_keys})
    return layout.render(data, decor, **options), decor


def pixels(img):
    return np.asarray(img)


def raster_region(comp):
    x0, y0, x1, y1 = comp.raster_box
    return pixels(comp.image)[y0:y1, x0:x1]


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# --------------------------------------------------------------------------- the raster stays exact

def test_bare_call_is_the_raster_image_unchanged():
    img = fastheat.heatmap(DATA, cmap="hot")
    ref = render.rasterize(DATA, cmap="hot").image()
    assert img.mode == ref.mode == "P"
    assert img.tobytes() == ref.tobytes() and img.getpalette() == ref.getpalette()


@pytest.mark.parametrize("options", [
    dict(colorbar=True),
    dict(colorbar="bottom", title="A title", xlabel="x", ylabel="y"),
    dict(colorbar="left", xticklabels=2, yticklabels=True),
    dict(colorbar="top", scale=2),
])
def test_raster_region_is_identical_to_the_bare_raster(options):
    data = RNG.normal(size=(37, 53))
    comp, decor = compose(data, cmap="viridis", **dict(options))
    assert comp.image.mode == "RGB"
    size = {}
    if decor.scale != 1:
        h, w = fastheat.to_rgba(data).shape[:2]
        size = dict(width=round(w * decor.scale), height=round(h * decor.scale))
    bare = fastheat.to_rgba(data, cmap="viridis", **size)
    np.testing.assert_array_equal(raster_region(comp), bare[..., :3])
    # heatmap() gives the same image
    img = fastheat.heatmap(data, cmap="viridis", **options)
    assert img.tobytes() == comp.image.tobytes()


def test_transparent_background_keeps_rgba_bytes_and_bad_pixels():
    data = RNG.random((20, 30))
    data[3:6, 4:9] = np.nan
    comp, _ = compose(data, colorbar=True, title="t", background="none")
    assert comp.image.mode == "RGBA"
    np.testing.assert_array_equal(raster_region(comp), fastheat.to_rgba(data))


def test_bad_cells_show_the_background_on_an_opaque_canvas():
    data = RNG.random((20, 30))
    data[3:6, 4:9] = np.nan
    comp, _ = compose(data, colorbar=True, background="#102030")
    region = raster_region(comp)
    rgba = fastheat.to_rgba(data)
    bad = rgba[..., 3] == 0
    assert bad.any()
    assert (region[bad] == (16, 32, 48)).all()
    np.testing.assert_array_equal(region[~bad], rgba[~bad][:, :3])


# --------------------------------------------------------------------------- colorbar

def _lut_index(palette):
    # first index of each colour: a LUT may repeat a colour in neighbouring entries
    index = {}
    for i, c in enumerate(palette.lut):
        index.setdefault(tuple(c[:3].tolist()), i)
    return index


@pytest.mark.parametrize("position", ["right", "left", "top", "bottom"])
@pytest.mark.parametrize("norm", ["linear", "log", "eq_hist"])
def test_colorbar_strip_follows_the_lut_monotonically(position, norm):
    data = RNG.random((60, 80)) + 0.01
    comp, _ = compose(data, colorbar=position, norm=norm, cmap="viridis")
    lut = render.rasterize(data, cmap="viridis").palette
    index = _lut_index(lut)
    (x0, y0, x1, y1), = comp.boxes("colorbar")
    strip = pixels(comp.image)[y0:y1, x0:x1]
    vertical = position in ("right", "left")
    # uniform across the thickness
    across = strip[:, :1] if vertical else strip[:1, :]
    assert (strip == across).all()
    line = strip[::-1, 0] if vertical else strip[0, :]  # from the low end
    codes = np.array([index[tuple(c.tolist())] for c in line])
    assert (np.diff(codes) >= 0).all()
    assert codes[0] == 0 and codes[-1] == index[tuple(lut.lut[-1, :3].tolist())]
    # long enough to show every colour of the LUT
    assert len(line) >= lut.N
    assert set(codes) == set(index.values())


def _ticks(comp):
    return [it for it in comp.items if it.kind == "colorbar-ticklabel"]


def test_colorbar_linear_ticks_are_nice_numbers():
    comp, _ = compose(np.linspace(0, 1, 100).reshape(10, 10), colorbar=True)
    labels = [float(it.text) for it in _ticks(comp)]
    assert len(labels) >= 4
    steps = np.diff(labels)
    assert np.allclose(steps, steps[0])
    assert steps[0] in (0.1, 0.2, 0.25, 0.5)


def test_colorbar_log_ticks_at_decades():
    data = np.logspace(-2, 3, 400).reshape(20, 20)
    comp, _ = compose(data, norm="log", colorbar=True)
    values = [float(it.text) for it in _ticks(comp)]
    assert values == [0.01, 0.1, 1, 10, 100, 1000]


def test_colorbar_eq_hist_ticks_sit_where_their_values_are():
    data = RNG.lognormal(size=(200, 200))
    raster = render.rasterize(data, norm="eq_hist")
    comp, _ = compose(data, norm="eq_hist", colorbar=True)
    (x0, y0, x1, y1), = comp.boxes("colorbar")
    L = y1 - y0
    ticks = [(it, b) for it, b in zip(_ticks(comp), comp.boxes("colorbar-tick"))]
    assert len(ticks) >= 4
    for it, tick in ticks:
        t = float(raster.norm.forward(np.array([float(it.text)]))[0])
        centre = (tick[1] + tick[3]) / 2
        assert abs((y1 - centre) - t * L) <= 1.0  # tick mark within a pixel of its value


@pytest.mark.parametrize("norm", ["linear", "log", "symlog", "sqrt", "power", "eq_hist"])
@pytest.mark.parametrize("position", ["right", "bottom"])
def test_colorbar_tick_labels_never_overlap(norm, position):
    data = RNG.lognormal(size=(300, 500)) * RNG.choice([-1, 1], (300, 500)) if norm == "symlog" \
        else RNG.lognormal(size=(300, 500))
    comp, _ = compose(data, norm=norm, colorbar=position)
    boxes = comp.boxes("colorbar-ticklabel")
    assert len(boxes) >= 2
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not overlap(a, b)


def test_colorbar_extend_triangles_and_bad_swatch():
    data = RNG.random((30, 30))
    data[0, 0] = np.nan
    comp, _ = compose(data, vmin=0.2, vmax=0.8, colorbar=True, under="blue", over="red")
    kinds = {it.kind for it in comp.items}
    assert {"colorbar-under", "colorbar-over", "colorbar-bad"} <= kinds
    img = pixels(comp.image)
    (ux0, uy0, ux1, uy1), = comp.boxes("colorbar-under")
    (ox0, oy0, ox1, oy1), = comp.boxes("colorbar-over")
    assert (img[uy0:uy1, ux0:ux1] == (0, 0, 255)).all(axis=-1).any()
    assert (img[oy0:oy1, ox0:ox1] == (255, 0, 0)).all(axis=-1).any()
    plain, _ = compose(RNG.random((30, 30)), colorbar=True)
    assert not {"colorbar-under", "colorbar-over", "colorbar-bad"} & {it.kind for it in plain.items}


def test_colorbar_options():
    comp, _ = compose(DATA, colorbar=dict(label="metres", ticks=[0.25, 0.5], format=".1f",
                                          length=0.5, thickness=10))
    assert [it.text for it in _ticks(comp)] == ["0.2", "0.5"]  # format(0.25, ".1f") rounds even
    assert [it.text for it in comp.items if it.kind == "colorbar-label"] == ["metres"]
    (x0, y0, x1, y1), = comp.boxes("colorbar")
    assert x1 - x0 == 10 and y1 - y0 == 200


# --------------------------------------------------------------------------- grid and borders

def _flat_raster(n=10, size=400):
    return np.zeros((n, n)), dict(cmap=["#336699"], width=size, height=size)


def test_gridlines_are_where_the_ticks_are_and_nowhere_else():
    data, opts = _flat_raster()
    comp, _ = compose(data, grid=dict(color="red", linewidth=1), **opts)
    region = raster_region(comp)
    drawn = (region != (0x33, 0x66, 0x99)).any(axis=-1)
    expected = np.zeros_like(drawn)
    centres = 20 + 40 * np.arange(10)  # cell centres of 40-px cells
    expected[:, centres] = True
    expected[centres, :] = True
    np.testing.assert_array_equal(drawn, expected)
    assert (region[drawn] == (255, 0, 0)).all()
    # and the tick marks are on the same columns
    xt = [b for b in comp.boxes("xtick")]
    assert [b[0] - comp.raster_box[0] for b in xt] == list(centres)


def test_dashed_translucent_grid():
    data, opts = _flat_raster()
    comp, _ = compose(data, grid=dict(color="white", linestyle="--", alpha=0.5), **opts)
    region = raster_region(comp).astype(int)
    drawn = (region != (0x33, 0x66, 0x99)).any(axis=-1)
    centres = 20 + 40 * np.arange(10)
    off_lines = np.ones_like(drawn)
    off_lines[:, centres] = False
    off_lines[centres, :] = False
    assert not drawn[off_lines].any()
    column = drawn[:, 60]
    assert 0.4 < column.mean() < 0.9  # dashes and gaps
    crossings = np.zeros_like(drawn)
    crossings[np.ix_(centres, centres)] = True  # two translucent lines: blended twice
    blended = np.floor(np.array([0x33, 0x66, 0x99]) * 0.5 + 255 * 0.5 + 0.5)
    # tolerance: 1 unit for rounding
    assert (np.abs(region[drawn & ~crossings] - blended) <= 1).all()


def test_cell_borders_between_cells():
    data, opts = _flat_raster(5, 200)
    comp, _ = compose(data, linewidths=2, linecolor="black", xticklabels=False,
                      yticklabels=False, **opts)
    region = raster_region(comp)
    drawn = (region == 0).all(axis=-1)
    expected = np.zeros_like(drawn)
    for b in (40, 80, 120, 160):
        expected[:, b - 1: b + 1] = True
        expected[b - 1: b + 1, :] = True
    np.testing.assert_array_equal(drawn, expected)


def test_cell_borders_skipped_when_cells_are_tiny():
    data = RNG.random((300, 300))
    comp, _ = compose(data, linewidths=1, width=300, xticklabels=False, yticklabels=False)
    np.testing.assert_array_equal(raster_region(comp), fastheat.to_rgba(data, width=300)[..., :3])


# --------------------------------------------------------------------------- annotations

def test_every_annotated_cell_has_text_inside_and_none_outside():
    data = RNG.random((6, 7))
    comp, _ = compose(data, annot=True, fmt=".2f", cmap="cool", width=420, height=360)
    region = raster_region(comp).astype(int)
    bare = fastheat.to_rgba(data, cmap="cool", width=420, height=360)[..., :3].astype(int)
    changed = (region != bare).any(axis=-1)
    for i in range(6):
        for j in range(7):
            cell = changed[i * 60:(i + 1) * 60, j * 60:(j + 1) * 60]
            assert cell.any(), (i, j)
            # none on the cell's edge rows/columns: text stays inside its cell
            assert not (cell[0].any() or cell[-1].any() or cell[:, 0].any() or cell[:, -1].any())
            # text colour by luminance, like seaborn: fully covered pixels are exactly it
            colour = bare[i * 60, j * 60]
            lum = ov.relative_luminance(colour)
            want = ov.DARK_TEXT if lum > ov.LUMINANCE_SWITCH else ov.LIGHT_TEXT
            pix = region[i * 60:(i + 1) * 60, j * 60:(j + 1) * 60][cell]
            assert (pix == want).all(axis=-1).any()


def test_annotation_text_is_the_formatted_aggregated_value(monkeypatch):
    seen = {}
    real = ov.annotate

    def spy(region, row_runs, col_runs, rows, cols, labels, which, dark, **kw):
        seen.update(rows=rows, cols=cols, texts=[labels[k] for k in which])
        return real(region, row_runs, col_runs, rows, cols, labels, which, dark, **kw)

    monkeypatch.setattr(ov, "annotate", spy)
    data = RNG.random((4, 5))
    compose(data, annot=True, fmt=".3f", origin="lower", width=500, height=400)
    # display row r of origin="lower" is matrix row 3 - r
    want = [f"{data[3 - r, c]:.3f}" for r, c in zip(seen["rows"], seen["cols"])]
    assert seen["texts"] == want and len(want) == 20


def test_annotation_array_of_strings_and_mask():
    data = RNG.random((4, 4))
    labels = np.array([[f"r{i}c{j}" for j in range(4)] for i in range(4)])
    mask = np.eye(4, dtype=bool)
    img = fastheat.heatmap(data, annot=labels, mask=mask, xticklabels=False, yticklabels=False,
                           width=400, height=400)
    region = pixels(img).astype(int)
    for i in range(4):
        cell = region[i * 100:(i + 1) * 100, i * 100:(i + 1) * 100]
        assert (cell == 255).all()  # masked: bad (transparent) over white, and no text
    off = region[0:100, 100:200]
    assert len(np.unique(off.reshape(-1, 3), axis=0)) > 2  # text drawn


@pytest.mark.parametrize("fmt", [".2f", ".0f", "+.3f", ".1%", ">8.2f", ",.1f", ".2g", ".3e", "d"])
def test_annotation_strings_equal_python_format(fmt):
    # values on and near rounding ties, signed zeros, huge and tiny magnitudes
    ties = np.arange(-2000, 2000) / 2000 + 0.00025
    vals = np.concatenate([RNG.random(5000), RNG.normal(0, 1e3, 2000), ties,
                           [0.125, 2.675, 1.005, -0.0, 0.0, -0.0004, 1e20, -1e-9, np.inf]])
    if fmt == "d":
        vals = np.round(vals[np.isfinite(vals)] * 100)
    labels, which = ov.annotation_strings(vals, fmt)
    want = [format(int(v) if fmt == "d" else v, fmt) for v in vals.tolist()]
    assert [labels[k] for k in which] == want


def test_fmt_d_accepts_whole_numbers_only():
    img = fastheat.heatmap(np.arange(16).reshape(4, 4), annot=True, fmt="d")
    assert img.mode == "RGB"
    with pytest.raises(ValueError, match=r"fmt='d'.*value 0\.5 is not a whole number.*'\.2f'"):
        fastheat.heatmap(np.arange(16).reshape(4, 4) + 0.5, annot=True, fmt="d")


def test_annotations_too_small_warn_only_when_asked_for():
    data = RNG.random((100, 100))
    with pytest.warns(ov.AnnotationWarning, match="too small"):
        fastheat.heatmap(data, annot=True)
    img = fastheat.heatmap(data, annot="auto")  # silently blank (warnings are errors here)
    assert img.mode == "RGB"


def test_annotation_font_shrinks_to_fit_and_scales():
    comp, _ = compose(DATA, annot=True, fmt=".2f", width=200)
    small = comp.annot_font_size
    comp2, _ = compose(DATA, annot=True, fmt=".2f", width=200, scale=2)
    assert small < 12 and comp2.annot_font_size >= 2 * small - 1


def test_stamped_text_matches_pillow_text():
    font = ov.load_font(None, 13)
    stamp = ov.Stamp(font)
    for text in ["0.53", "-12.7%", "1e-05", "Wg"]:
        _, (x0, y0, x1, y1) = stamp.layout(text)
        ref = Image.new("L", (x1 - x0 + 4, y1 - y0 + 4))
        ImageDraw.Draw(ref).text((2 - x0, 2 - y0), text, font=font, fill=255, anchor="ls")
        tile = stamp.tiles([text], x1 - x0, y0, y1)[0]
        np.testing.assert_array_equal(tile, np.asarray(ref)[2:-2, 2:-2])


# --------------------------------------------------------------------------- ticks and labels

def test_ticks_at_cell_centres_and_all_indices_for_small_matrices():
    comp, _ = compose(DATA, colorbar=True)
    x0, y0 = comp.raster_box[:2]
    xs = [b[0] - x0 for b in comp.boxes("xtick")]
    ys = [b[1] - y0 for b in comp.boxes("ytick")]
    assert xs == ys == [20 + 40 * k for k in range(10)]
    assert [it.text for it in comp.items if it.kind == "xticklabel"] == [str(k) for k in range(10)]
    labels = [it for it in comp.items if it.kind == "xticklabel"]
    for it, tick in zip(labels, comp.boxes("xtick")):
        assert abs((it.box[0] + it.box[2]) / 2 - (tick[0] + 0.5)) <= 1


@pytest.mark.parametrize("shape,options", [
    ((10_000, 3_000), {}),
    ((50, 2_000), dict(width=800)),
    ((1_000, 1_000), dict(xticklabels=True, yticklabels="auto", width=400)),
    ((30, 30), dict(xticklabels=[f"a long label {i}" for i in range(30)], width=600)),
    ((30, 30), dict(yticklabels="auto", xticklabels="auto", width=300)),
])
def test_tick_labels_do_not_overlap(shape, options):
    data = np.zeros(shape, np.float32)
    comp, _ = compose(data, title="t", **options)
    for kind in ("xticklabel", "yticklabel"):
        boxes = comp.boxes(kind)
        assert boxes
        for a, b in zip(boxes, boxes[1:]):
            if options.get("xticklabels") is True and kind == "xticklabel":
                continue  # every label was asked for
            assert not overlap(a, b), (kind, a, b)


def test_long_labels_turn_vertical():
    comp, _ = compose(np.zeros((30, 30)), xticklabels=[f"a long label {i}" for i in range(30)])
    box = comp.boxes("xticklabel")[0]
    assert box[3] - box[1] > box[2] - box[0]  # taller than wide


def test_dataframe_labels_and_names():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(RNG.random((3, 4)), index=pd.Index(["a", "b", "c"], name="letter"),
                         columns=pd.Index([10, 20, 30, 40], name="size"))
    comp, _ = compose(frame, colorbar=True)
    texts = lambda kind: [it.text for it in comp.items if it.kind == kind]  # noqa: E731
    assert texts("yticklabel") == ["a", "b", "c"]
    assert texts("xticklabel") == ["10", "20", "30", "40"]
    assert texts("xlabel") == ["size"] and texts("ylabel") == ["letter"]
    assert fastheat.heatmap(frame).size == fastheat.heatmap(frame.to_numpy()).size


def test_numpy_input_does_not_import_pandas():
    code = ("import sys, numpy as np, fastheat; "
            "fastheat.heatmap(np.eye(3), colorbar=True, annot=True, title='t'); "
            "print('pandas' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_nothing_is_clipped():
    data = RNG.random((8, 40))
    for position in ("right", "left", "top", "bottom"):
        comp, _ = compose(data, colorbar=dict(position=position, label="a colorbar label"),
                          title="A title much wider than the little raster under it, truly",
                          xlabel="x", ylabel="y", xticklabels=[f"column {i}" for i in range(40)])
        W, H = comp.image.size
        for it in comp.items:
            x0, y0, x1, y1 = it.box
            assert 0 <= x0 and 0 <= y0 and x1 <= W and y1 <= H, it


def test_scale_doubles_everything():
    one, _ = compose(DATA, colorbar=True, title="t")
    two, _ = compose(DATA, colorbar=True, title="t", scale=2)
    w1, h1 = one.image.size
    w2, h2 = two.image.size
    assert abs(w2 - 2 * w1) <= 4 and abs(h2 - 2 * h1) <= 4
    t1, = one.boxes("title")
    t2, = two.boxes("title")
    assert abs((t2[2] - t2[0]) - 2 * (t1[2] - t1[0])) <= 3


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize("options,error,match", [
    (dict(annot=np.zeros((3, 3))), ValueError, r"annot has shape \(3, 3\).*\(10, 10\)"),
    (dict(annot=True, fmt="q"), ValueError, r"fmt='q' cannot format"),
    (dict(annot=True, fmt=5), TypeError, r"fmt=5 must be a format spec"),
    (dict(annot="yes"), ValueError, r"annot='yes'.*'auto'"),
    (dict(colorbar="middle"), ValueError, r"position='middle'.*'right', 'left', 'top', 'bottom'"),
    (dict(colorbar=dict(side="left")), TypeError, r"unknown option.*'side'.*position"),
    (dict(colorbar=dict(extend="up")), ValueError, r"extend='up'.*'both'"),
    (dict(colorbar=dict(length=2)), ValueError, r"length=2.*0 < length <= 1"),
    (dict(linewidths=-1), ValueError, r"linewidths=-1 must be .*>= 0"),
    (dict(grid=dict(linestyle="~")), ValueError, r"linestyle='~'.*'--'"),
    (dict(grid=dict(linewidth=-2)), ValueError, r"linewidth=-2 must be a positive"),
    (dict(font="/no/such/font.ttf"), ValueError, r"font='/no/such/font.ttf' does not exist"),
    (dict(font_size=0), ValueError, r"font_size=0 must be a positive"),
    (dict(scale=0), ValueError, r"scale=0 must be a number > 0"),
    (dict(xticklabels=["a", "b"]), ValueError, r"xticklabels has 2 labels.*10 columns"),
    (dict(yticklabels=0), ValueError, r"yticklabels=0.*step must be >= 1"),
    (dict(mask=np.zeros((2, 2), bool)), ValueError, r"mask has shape \(2, 2\).*\(10, 10\)"),
    (dict(background="nocolour"), ValueError, r"background='nocolour' is not a colour"),
    (dict(title=3), TypeError, r"title=3 must be a string"),
])
def test_bad_options_get_clear_errors(options, error, match):
    with pytest.raises(error, match=match):
        fastheat.heatmap(DATA, **options)


def test_font_file_that_is_not_a_font(tmp_path):
    bogus = tmp_path / "font.ttf"
    bogus.write_text("not a font")
    with pytest.raises(ValueError, match=r"could not be read as a TrueType"):
        fastheat.heatmap(DATA, title="t", font=str(bogus))


def test_save_with_overlays_is_atomic_and_writes(tmp_path):
    path = tmp_path / "out.png"
    fastheat.save(DATA, path, colorbar=True, annot=True, fmt=".2f", title="t")
    with Image.open(path) as img:
        assert img.mode == "RGB"
    with pytest.raises(ValueError, match="colorbar"):
        fastheat.save(DATA, tmp_path / "bad.png", colorbar="middle")
    assert sorted(os.listdir(tmp_path)) == ["out.png"]


# --------------------------------------------------------------------------- command line

def test_cli_overlays(tmp_path):
    src = tmp_path / "m.csv"
    np.savetxt(src, DATA, delimiter=",")
    out = tmp_path / "m.png"
    assert cli.main(["render", str(src), "-o", str(out), "--colorbar", "bottom", "--title", "T",
                     "--annot", "--fmt", ".1f", "--grid", "--grid-style", "dashed", "--linewidths", "1",
                     "--scale", "1.5", "-q"]) == 0
    with Image.open(out) as img:
        assert img.mode == "RGB" and img.size[0] > 600


def test_cli_bad_overlay_option_is_one_line(tmp_path, capsys):
    src = tmp_path / "m.csv"
    np.savetxt(src, DATA, delimiter=",")
    code = cli.main(["render", str(src), "-o", str(tmp_path / "x.png"), "--font", "/nope.ttf"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "font='/nope.ttf' does not exist" in err


def test_demo_shows_overlays(tmp_path):
    out = tmp_path / "demo.png"
    assert cli.main(["demo", "--size", "300", "-o", str(out), "-q"]) == 0
    with Image.open(out) as img:
        assert img.mode == "RGB" and img.size[0] > 300  # margins: colorbar, ticks, title


def test_mask_works_on_memory_mapped_input(tmp_path):
    data = np.random.default_rng(5).random((30, 40)).astype(np.float32)
    np.save(tmp_path / "m.npy", data)
    mask = np.zeros(data.shape, bool)
    mask[3:9, 10:20] = True
    mm = np.load(tmp_path / "m.npy", mmap_mode="r")
    want = np.asarray(fastheat.heatmap(data, mask=mask).convert("RGBA"))
    got = np.asarray(fastheat.heatmap(mm, mask=mask).convert("RGBA"))
    assert np.array_equal(got, want)
    assert (got[..., 3] == 0).any()  # masked cells are bad: transparent on a bare raster
