"""Cell annotations (:mod:`fastheat.compose.annotate`): the strings equal
Python's ``format``; the text is the aggregated value, centred in its cell,
dark on light cells and light on dark ones, blended as
``(px * (255 - a) + colour * a + 127) // 255``; too small cells warn only
when annotations were asked for. Exact (uint8) unless a tolerance is
written next to the comparison."""
from __future__ import annotations

import io
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import fastheat
import fastheat.api
from fastheat.compose import annotate as annotate_module
from fastheat.compose.annotate import (DARK_TEXT, LIGHT_TEXT, LUMINANCE_SWITCH,
                                       AnnotationWarning, annotate, annotation_strings)
from fastheat.compose.colours import relative_luminance
from fastheat.compose.text import load_font

from .helpers import (SEEDS, VIEWS, blend_reference, compose, expected_canvas, make_view,
                      raster_region)

RNG = np.random.default_rng(7)
DATA = RNG.random((10, 10))
LIGHT, DARK = (250, 20, 130), (5, 200, 60)  # not seaborn's: swapped colours would show


@st.composite
def annotation_cases(draw):
    n_r, n_c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    heights = draw(st.lists(st.integers(12, 40), min_size=n_r, max_size=n_r))
    widths = draw(st.lists(st.integers(20, 70), min_size=n_c, max_size=n_c))
    return (heights, widths, draw(st.integers(8, 16)), draw(st.sampled_from([3, 4])),
            draw(st.sampled_from(VIEWS)), np.random.default_rng(draw(SEEDS)))


def check_annotate(heights, widths, size, nch, view, rng):
    re_, ce = np.cumsum(heights), np.cumsum(widths)
    rs, cs = re_ - heights, ce - widths
    H, W = int(re_[-1]), int(ce[-1])
    cells = np.argwhere(rng.random((len(heights), len(widths))) < 0.8)
    rows, cols = cells[:, 0], cells[:, 1]
    labels, which = annotation_strings(rng.normal(size=len(rows)) * 10, ".2f")
    dark = rng.random(len(rows)) < 0.5
    font = load_font(None, size)

    def run(region, light_color, dark_color):
        return annotate(region, (rs, re_), (cs, ce), rows, cols, labels, which, dark,
                           font=font, min_size=6, explicit=False, light_color=light_color,
                           dark_color=dark_color)

    # white text on black shows each pixel's coverage a: (255 * a + 127) // 255 == a
    coverage = np.zeros((H, W, nch), np.uint8)
    white = (255, 255, 255)
    drawn = run(coverage, white, white)
    a = coverage[..., 0]
    assert (coverage == a[..., None]).all()
    color_of = np.zeros((H, W, nch), np.int64)
    if nch == 4:
        color_of[..., 3] = 255  # text is opaque: alpha blends towards 255
    inside = np.zeros((H, W), bool)
    for r, c, d in zip(rows, cols, dark):
        color_of[rs[r]: re_[r], cs[c]: ce[c], :3] = DARK if d else LIGHT
        inside[rs[r]: re_[r], cs[c]: ce[c]] = True
    assert not a[~inside].any()  # text only in annotated cells
    assert a.any() == (drawn[0] > 0)

    canvas, index = make_view(rng, H, W, nch, view)
    before = canvas.copy()
    assert run(canvas[index], LIGHT, DARK) == drawn  # colours change nothing else
    want = blend_reference(before[index], a, color_of)
    np.testing.assert_array_equal(canvas, expected_canvas(before, index, want))
    return drawn


@given(case=annotation_cases())
def test_annotate_blends_like_the_formula(case):
    check_annotate(*case)


@pytest.mark.parametrize("nch", [3, 4])
@pytest.mark.parametrize("view", VIEWS)
def test_annotate_strided_regions(nch, view):
    drawn, _ = check_annotate([30, 24, 36], [50, 64, 44, 58], 12, nch, view,
                              np.random.default_rng(nch))
    assert drawn >= 6  # most of the 12 cells annotated: not a vacuous comparison


@pytest.mark.parametrize("row_runs,col_runs", [
    (([0], [60]), ([0], [30])),  # cell taller than the region
    (([0], [20]), ([0], [90])),  # wider
    (([-30], [10]), ([0], [30])),  # starts above it
    (([0], [20]), ([-40], [20])),  # left of it
])
def test_annotate_refuses_tiles_outside_the_region(row_runs, col_runs):
    region = np.zeros((20, 30, 3), np.uint8)
    runs = [tuple(np.array(v) for v in r) for r in (row_runs, col_runs)]
    with pytest.raises(AssertionError, match="annotation tiles outside the raster"):
        annotate(region, *runs, [0], [0], ["8"], [0], [False],
                    font=load_font(None, 10), min_size=6)
    assert not region.any()


def test_padded_annotations_are_centred_on_their_ink_and_keep_their_size():
    data = np.full((2, 2), 0.5)
    plain = fastheat.heatmap(data, annot=True, fmt=".2f", cmap="gray", width=200, height=200,
                             xticklabels=False, yticklabels=False)
    padded = fastheat.heatmap(data, annot=True, fmt="7.2f", cmap="gray", width=200,
                              height=200, xticklabels=False, yticklabels=False)
    # "   0.50" and "0.50" have the same ink: the same image
    assert np.array_equal(np.asarray(plain), np.asarray(padded))


# --------------------------------------------------------------------------- through heatmap

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
            lum = relative_luminance(colour)
            want = DARK_TEXT if lum > LUMINANCE_SWITCH else LIGHT_TEXT
            pix = region[i * 60:(i + 1) * 60, j * 60:(j + 1) * 60][cell]
            assert (pix == want).all(axis=-1).any()


def test_annotation_text_is_the_formatted_aggregated_value(monkeypatch):
    seen = {}
    real = annotate_module.plan_annotations  # what compose calls (annotate() draws its plan)

    def spy(row_runs, col_runs, rows, cols, labels, which, dark, **kw):
        seen.update(rows=rows, cols=cols, texts=[labels[k] for k in which])
        return real(row_runs, col_runs, rows, cols, labels, which, dark, **kw)

    monkeypatch.setattr(annotate_module, "plan_annotations", spy)
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
    region = np.asarray(img).astype(int)
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
    labels, which = annotation_strings(vals, fmt)
    want = [format(int(v) if fmt == "d" else v, fmt) for v in vals.tolist()]
    assert [labels[k] for k in which] == want


def test_fmt_d_accepts_whole_numbers_only():
    img = fastheat.heatmap(np.arange(16).reshape(4, 4), annot=True, fmt="d")
    assert img.mode == "RGB"
    with pytest.raises(ValueError, match=r"fmt='d'.*value 0\.5 is not a whole number.*'\.2f'"):
        fastheat.heatmap(np.arange(16).reshape(4, 4) + 0.5, annot=True, fmt="d")


def test_annotations_too_small_warn_only_when_asked_for():
    # a size is given: with no size the raster would grow to hold the text
    data = RNG.random((100, 100))
    with pytest.warns(AnnotationWarning, match="too small"):
        fastheat.heatmap(data, annot=True, width=400)
    img = fastheat.heatmap(data, annot="auto", width=400)  # silently blank (warnings are errors)
    assert img.mode == "RGB"


def test_annotation_font_shrinks_to_fit_and_scales():
    comp, _ = compose(DATA, annot=True, fmt=".2f", width=200)
    small = comp.annot_font_size
    comp2, _ = compose(DATA, annot=True, fmt=".2f", width=200, scale=2)
    assert small < 12 and comp2.annot_font_size >= 2 * small - 1


# --------------------------------------------------------------------------- seaborn's text colour

SEABORN_CMAPS = ["viridis", "rocket", "mako", "coolwarm", "magma", "icefire", "vlag", "Spectral",
                 "RdBu_r", "crest"]


@pytest.mark.parametrize("name", SEABORN_CMAPS)
def test_text_colour_is_seaborns_on_every_colormap_entry(name, monkeypatch):
    # one cell per colormap entry: seaborn's ".15" or "w" per cell, from its float colours
    import matplotlib.pyplot as plt
    import seaborn as sns

    seen = {}
    real = annotate_module.plan_annotations

    def spy(row_runs, col_runs, rows, cols, labels, which, dark, **kw):
        seen.update(rows=rows, cols=cols, dark=np.asarray(dark))
        return real(row_runs, col_runs, rows, cols, labels, which, dark, **kw)

    monkeypatch.setattr(annotate_module, "plan_annotations", spy)
    data = np.arange(256.0).reshape(16, 16)
    compose(data, annot=True, fmt=".0f", cmap=name, vmin=0, vmax=255, width=16 * 40,
            height=16 * 24)
    ax = sns.heatmap(data, annot=True, fmt=".0f", cmap=name, vmin=0, vmax=255)
    want = np.array([t.get_color() == ".15" for t in ax.texts]).reshape(16, 16)
    plt.close(ax.figure)
    assert len(seen["rows"]) == 256
    got = np.zeros((16, 16), bool)
    got[seen["rows"], seen["cols"]] = seen["dark"]
    assert np.array_equal(got, want), f"entries {np.flatnonzero(got != want).tolist()} differ"
    assert DARK_TEXT == (38, 38, 38)  # seaborn's ".15"


# --- annotations fit (issue 9, point 4) ----------------------------------------------------


def _cells_with_ink(comp, n_rows, n_cols):
    """How many cells of an evenly divided raster hold more than one colour."""
    x0, y0, x1, y1 = comp.raster_box
    region = np.asarray(comp.image)[y0:y1, x0:x1, :3]
    ch, cw = (y1 - y0) // n_rows, (x1 - x0) // n_cols
    assert (ch * n_rows, cw * n_cols) == (y1 - y0, x1 - x0)  # whole pixels per cell
    cells = region.reshape(n_rows, ch, n_cols, cw, 3)
    return int((cells != cells[:, :1, :, :1]).any(axis=(1, 3, 4)).sum())


def test_no_size_grows_the_raster_until_every_value_shows():
    data = np.random.default_rng(3).random((30, 30))
    comp, _ = compose(data, annot=True, colorbar=True)
    assert comp.annot_font_size == 12  # the normal font size, not shrunk
    assert _cells_with_ink(comp, 30, 30) == 900
    assert fastheat.to_rgba(data).shape[:2] == (420, 420)  # the bare raster did not grow


def test_annotation_room_counts_annot_kws_and_arrays():
    data = np.zeros((4, 4))
    words = np.array([["a much longer label"] * 4] * 4)
    comp, _ = compose(data, annot=words)
    assert _cells_with_ink(comp, 4, 4) == 16 and comp.annot_font_size == 12
    big, _ = compose(RNG.random((5, 5)), annot=True, annot_kws={"size": 30})
    assert big.annot_font_size == 30 and _cells_with_ink(big, 5, 5) == 25


def test_given_size_is_all_or_nothing_and_warns_at_the_callers_line():
    words = np.full((10, 10), "ab", dtype=object)
    words[4, 7] = "a label far too long for a 40-pixel cell"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        img = fastheat.heatmap(np.zeros((10, 10)), annot=words, width=400, height=400,
                               xticklabels=False, yticklabels=False)
    (w,) = caught
    assert issubclass(w.category, AnnotationWarning) and "no cell was annotated" in str(w.message)
    assert (w.filename, w.lineno) == (__file__, line)
    assert img.size == (400, 400)
    assert len(np.unique(np.asarray(img).reshape(-1, 3), axis=0)) == 1  # no text at all
    buffer = io.BytesIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        fastheat.save(np.zeros((10, 10)), buffer, format="png", annot=True, width=20)
    (w,) = caught
    assert "too small" in str(w.message) and (w.filename, w.lineno) == (__file__, line)


def test_annot_kws_colour_size_and_weight():
    data = RNG.random((3, 3))
    comp, _ = compose(data, annot=True, annot_kws={"color": "red", "fontsize": 16},
                      width=300, height=300)
    assert comp.annot_font_size == 16
    x0, y0, x1, y1 = comp.raster_box
    region = np.asarray(comp.image)[y0:y1, x0:x1, :3].astype(int)
    plain = np.asarray(fastheat.to_rgba(data, width=300, height=300))[..., :3].astype(int)
    changed = (region != plain).any(axis=-1)
    assert changed.sum() > 100
    # every changed pixel is the cell colour blended towards pure red
    towards = region[changed] - plain[changed]
    assert (towards[:, 0] >= 0).all() and (towards[:, 1:] <= 0).all()
    normal, _ = compose(data, annot=True, width=300, height=300)
    bold, _ = compose(data, annot=True, annot_kws={"weight": "bold"}, width=300, height=300)
    ink = [(np.asarray(c.image) != np.asarray(fastheat.heatmap(data, width=300, height=300,
                                                                   xticklabels=True).convert(
        "RGB"))).any(-1).sum() for c in (normal, bold)]
    assert ink[1] > ink[0] * 1.2


@pytest.mark.parametrize("kws, error, match", [
    ({"family": "serif"}, TypeError, r"annot_kws got unknown key\(s\) 'family'; allowed"),
    ({"size": -1}, ValueError, r"annot_kws size=-1 must be a positive number"),
    ({"weight": "heavy"}, ValueError, r"annot_kws weight='heavy' must be 'normal' or 'bold'"),
    ("big", TypeError, r"annot_kws='big' must be a dict"),
])
def test_bad_annot_kws(kws, error, match):
    with pytest.raises(error, match=match):
        fastheat.heatmap(DATA, annot=True, annot_kws=kws)


def test_no_growth_when_the_text_cannot_fit_anyway():
    # 100 x 100 values at ~40 px a cell would need 4000 px: the raster keeps its default
    # size, and the text shrinks to fit or, as here, is left out as a whole
    data = np.random.default_rng(5).random((100, 100))
    comp, _ = compose(data, annot="auto")
    x0, y0, x1, y1 = comp.raster_box
    assert (x1 - x0, y1 - y0) == (400, 400)
    assert comp.annot_font_size is None  # 4-px cells: no text at all
    assert not [it for it in comp.scene.items if it.kind == "annotation"]


def test_centred_text_colour_is_seaborns():
    # center= resamples the colormap; the text colour still uses its float colours
    import matplotlib.pyplot as plt
    import seaborn as sns

    data = np.linspace(-1, 3, 64).reshape(8, 8)
    fig, ax = plt.subplots()
    with warnings.catch_warnings():  # seaborn's own use of matplotlib's set_bad
        warnings.filterwarnings("ignore", "The set_(bad|under|over) function",
                                PendingDeprecationWarning)
        sns.heatmap(data, ax=ax, cmap="vlag", center=0, annot=True)
    want = [t.get_color() for t in ax.texts]
    plt.close(fig)
    palette = fastheat.api.rasterize(data, cmap="vlag", center=0).palette
    assert palette.float_table is palette.rgba  # the floats, not table / 255
    from fastheat.compose.colours import relative_luminance

    raster = fastheat.api.rasterize(data, cmap="vlag", center=0, width=8, height=8)
    lum = relative_luminance(raster.palette.float_table[raster.codes.ravel()])
    got = [".15" if v > 0.408 else "w" for v in lum]
    assert got == want
