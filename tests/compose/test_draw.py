"""The raster back-end (:mod:`fastheat.compose.draw`): ``fill`` sets exactly
the pixels of its view; gridlines and cell borders are where they must be
and nowhere else; colours with too few channels are refused before anything
is drawn. Colours are compared exactly (uint8) unless a tolerance is written
next to the comparison."""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, strategies as st

import fastheat
from fastheat.compose import draw
from fastheat.compose.scene import LAYERS

from .helpers import SEEDS, VIEWS, compose, expected_canvas, make_view, raster_region

RNG = np.random.default_rng(7)


def check_fill(h, w, nch, view, color, rng):
    canvas, index = make_view(rng, h, w, nch, view)
    before = canvas.copy()
    draw.fill(canvas[index], color)
    want = np.broadcast_to(np.asarray(color[:nch], np.uint8), (h, w, nch))
    np.testing.assert_array_equal(canvas, expected_canvas(before, index, want))


@pytest.mark.parametrize("shape", [(9, 1, 3), (1, 9, 3), (1, 30, 3), (30, 1, 4), (7, 13, 4),
                                   (5, 8, 3), (5, 9, 3), (0, 12, 3), (12, 0, 4), (0, 0, 3)])
@pytest.mark.parametrize("view", VIEWS)
def test_fill_sets_every_pixel_of_the_view(shape, view):
    h, w, nch = shape
    check_fill(h, w, nch, view, (12, 200, 77, 130), np.random.default_rng(h * 50 + w))


@given(seed=SEEDS, h=st.integers(0, 12), w=st.integers(0, 24), nch=st.sampled_from([3, 4]),
       view=st.sampled_from(VIEWS), color=st.tuples(*[st.integers(0, 255)] * 4))
def test_fill_hypothesis(seed, h, w, nch, view, color):
    check_fill(h, w, nch, view, color, np.random.default_rng(seed))


def test_lines_and_boxes_reject_colours_with_too_few_channels():
    region = np.zeros((4, 6, 4), np.uint8)
    with pytest.raises(ValueError, match="colours have 3 channels, the canvas 4"):
        draw.draw_lines(region, [2, 4], vertical=True, width=1, color=(255, 0, 0))
    with pytest.raises(ValueError, match="colours have 3 channels, the canvas 4"):
        draw.blend_masks(region, [np.ones((2, 2), np.uint8)], [(0, 0)], [(1, 2, 3)])
    assert not region.any()


# --------------------------------------------------------------------------- lines over the raster

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


# --------------------------------------------------------------------------- the scene, replayed

DEJAVU_RAQM = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # shaped by Pillow, not stamped

SCENES = [
    dict(colorbar=dict(position=p, label="label", extend="both", bad=True), title="T",
         xlabel="x", ylabel="y", xticklabels=[f"a long label {i}" for i in range(12)])
    for p in ("right", "left", "top", "bottom")
] + [
    dict(grid=dict(linestyle="--", alpha=0.5), linewidths=2, annot=True, fmt=".1f",
         width=480, height=400, background="none", colorbar="bottom"),
    dict(colorbar=dict(position="left", label="v"), title="T", scale=2,
         background="black", annot=True),
    dict(colorbar=dict(extend="min", label="v"), font=DEJAVU_RAQM, title="AVAT",
         ylabel="y", xticklabels=[f"To {i}" for i in range(12)]),
]


def replay_in_order(scene):
    """What a simple back-end does: fill the canvas, then paint every item
    on its own, in list order."""
    W, H = scene.size
    canvas = np.empty((H, W, len(scene.background)), np.uint8)
    draw.fill(canvas, scene.background)
    for item in scene.items:
        draw.draw_item(canvas, item)
    return canvas


@pytest.mark.parametrize("options", SCENES)
def test_scene_replayed_item_by_item_in_order_is_the_composed_image(options):
    """The scene holds everything that is painted, and its order is the only
    order that matters: batching by type (as draw_scene does) changes nothing."""
    if "font" in options and not os.path.isfile(options["font"]):
        pytest.skip(f"needs {options['font']}")
    data = np.random.default_rng(3).normal(size=(9, 12))
    data[2, 3] = np.nan
    comp, _ = compose(data, vmin=-1, vmax=1, **options)
    scene = comp.scene
    assert (scene.size[1], scene.size[0]) == comp.pixels.shape[:2]
    assert scene.raster_box == comp.raster_box and scene.items[0].kind == "raster"
    kinds = {type(it).__name__ for it in scene.items}
    assert {"RasterImage", "Image", "Rect", "Frame", "Text", "Polygon"} <= kinds
    np.testing.assert_array_equal(draw.draw_scene(scene), comp.pixels)
    np.testing.assert_array_equal(replay_in_order(scene), comp.pixels)
    # every laid-out element is in the scene, where Composition.items says
    assert [(it.kind, it.box) for it in comp.items] == \
        [(it.kind, it.box) for it in scene.items if not isinstance(it, LAYERS)]


@given(seed=SEEDS, h=st.integers(1, 14), w=st.integers(1, 20), nch=st.sampled_from([3, 4]),
       view=st.sampled_from(VIEWS), up=st.booleans(), parallel=st.booleans(),
       layers=st.lists(st.tuples(st.booleans(), st.lists(st.floats(-30, 50), max_size=5),
                                 st.integers(1, 4), st.sampled_from(["-", "--"]),
                                 st.sampled_from([1.0, 0.5])), max_size=4))
def test_raster_and_lines_in_one_pass_are_the_raster_then_each_layer(seed, h, w, nch, view, up,
                                                                       parallel, layers):
    from fastheat.color.colormaps import resolve
    from fastheat.color.raster import Raster
    from fastheat.compose.scene import Lines, RasterImage
    from fastheat.sources.base import Labels

    rng = np.random.default_rng(seed)
    palette = resolve("viridis")
    ch, cw = (max(1, h // 2), max(1, w // 3)) if up else (h, w)
    codes = rng.integers(0, palette.N + 3, (ch, cw)).astype(np.uint16)
    rows = np.sort(rng.integers(0, ch, h)) if up else None
    cols = np.sort(rng.integers(0, cw, w)) if up else None
    raster = Raster(codes.astype(float), codes, palette, None, Labels(), (ch, cw), "upper",
                    rows, cols)
    table = rng.integers(0, 256, (palette.N + 3, 4), dtype=np.uint8)
    canvas, index = make_view(rng, h + 3, w + 2, nch, view)
    box = (1, 2, 1 + w, 2 + h)
    item = RasterImage("raster", box, raster, table[:, :nch])
    lines = [Lines("grid", box, np.array(pos), vertical, width,
                   tuple(int(c) for c in rng.integers(0, 256, nch)), alpha, style)
             for vertical, pos, width, style, alpha in layers]
    want = canvas[index].copy()
    draw.draw_item(want, item)
    for it in lines:
        draw.draw_item(want, it)
    got = canvas[index]
    with pytest.MonkeyPatch.context() as mp:  # the parallel kernel, or the serial one
        mp.setattr(draw, "SERIAL_PIXELS", -1 if parallel else 1 << 21)
        for it in draw.draw_raster(got, item, lines):
            draw.draw_item(got, it)
    np.testing.assert_array_equal(got, want)


def test_a_four_byte_region_not_word_aligned_is_painted_byte_by_byte():
    """A 4-channel region at an address not divisible by 4 takes the byte
    path (the uint32 view needs aligned words): the same pixels."""
    from fastheat.color.colormaps import resolve
    from fastheat.color.raster import Raster
    from fastheat.compose.scene import Lines, RasterImage
    from fastheat.sources.base import Labels

    rng = np.random.default_rng(5)
    palette = resolve("magma")
    codes = rng.integers(0, palette.N + 3, (9, 13)).astype(np.uint16)
    raster = Raster(codes.astype(float), codes, palette, None, Labels(), (9, 13), "upper")
    table = rng.integers(0, 256, (palette.N + 3, 4), dtype=np.uint8)
    item = RasterImage("raster", (0, 0, 13, 9), raster, table)
    lines = [Lines("grid", (0, 0, 13, 9), np.array([3.0, 7.5]), True, 1, (9, 8, 7, 255), 1.0,
                   "-")]
    aligned = np.zeros((9, 13, 4), np.uint8)
    odd = np.zeros(9 * 13 * 4 + 1, np.uint8)[1:].reshape(9, 13, 4)
    assert odd.ctypes.data % 4 and odd.strides[1:] == (4, 1)
    for canvas in (aligned, odd):
        assert draw.draw_raster(canvas, item, lines) == []
    np.testing.assert_array_equal(odd, aligned)
    want = aligned.copy()
    draw.draw_item(want, item)
    draw.draw_item(want, lines[0])
    np.testing.assert_array_equal(aligned, want)
