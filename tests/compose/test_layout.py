"""Layout (:func:`fastheat.compose.layout.compose`): the raster stays exact,
pixel for pixel, on every background; nothing is clipped; ``scale`` doubles
everything; and, end to end, the command line draws the overlays.

Colours are compared exactly (uint8) unless a tolerance is written next to
the comparison.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import fastheat
from fastheat import api as render

from .helpers import compose, raster_region

RNG = np.random.default_rng(7)
DATA = RNG.random((10, 10))


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


# --- the default size makes room for labels (issue 9, points 1 and 2) --------------------


def _frame(n_rows, n_cols, rows=None, seed=0):
    pd = pytest.importorskip("pandas")
    rows = rows or [f"gene{i}" for i in range(n_rows)]
    return pd.DataFrame(np.random.default_rng(seed).normal(size=(n_rows, n_cols)), index=rows,
                        columns=[f"s{j}" for j in range(n_cols)])


def _no_overlap(boxes, vertical):
    lo, hi = (1, 3) if vertical else (0, 2)
    spans = sorted((b[lo], b[hi]) for b in boxes)
    return all(a1 <= b0 for (_, a1), (b0, _) in zip(spans, spans[1:]))


WEEK = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@pytest.mark.parametrize("shape, rows", [((17, 700), None), ((7, 53), WEEK), ((40, 12), None)])
def test_every_given_row_label_shows_without_a_size(shape, rows):
    comp, _ = compose(_frame(*shape, rows=rows), colorbar=True)
    labels = [it for it in comp.items if it.kind == "yticklabel"]
    assert [it.text for it in labels] == (rows or [f"gene{i}" for i in range(shape[0])])
    assert _no_overlap([it.box for it in labels], vertical=True)
    x0, y0, x1, y1 = comp.raster_box
    assert max(x1 - x0, y1 - y0) <= 1000  # the long side stays near 1000 px
    # the colorbar is readable: at least 3 ticks
    assert len(comp.boxes("colorbar-ticklabel")) >= 3


def test_labels_add_room_only_when_drawn():
    df = _frame(17, 700)
    bare = fastheat.to_rgba(df)
    assert bare.shape[:2] == (187, 700)  # aspect "auto": rows stretch
    np.testing.assert_array_equal(np.asarray(fastheat.heatmap(df).convert("RGBA")), bare)
    hidden, _ = compose(df, yticklabels=False, xticklabels=False, title="t")
    x0, y0, x1, y1 = hidden.raster_box
    assert (y1 - y0, x1 - x0) == (187, 700)
    shown, _ = compose(df, title="t")
    x0, y0, x1, y1 = shown.raster_box
    assert (y1 - y0) % 17 == 0 and (y1 - y0) >= 17 * 18 and x1 - x0 == 700
    sized, _ = compose(df, title="t", height=100)  # a size given: labels thin instead
    assert sized.raster_box[3] - sized.raster_box[1] == 100


@pytest.mark.parametrize("shape", [(24, 365), (1, 30), (3, 400)])
def test_unlabelled_non_square_matrices_are_readable(shape):
    comp, _ = compose(RNG.random(shape), colorbar=True)
    x0, y0, x1, y1 = comp.raster_box
    assert min(x1 - x0, y1 - y0) >= 100
    assert len(comp.boxes("colorbar-ticklabel")) >= 3
    ticks = [it.box for it in comp.items if it.kind == "xticklabel"]
    assert len(ticks) >= 3 and _no_overlap(ticks, vertical=False)
