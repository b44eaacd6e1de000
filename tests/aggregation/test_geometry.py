"""fastheat.aggregation.geometry: output sizes, exact area weights (no moire), crisp upsampling."""
from __future__ import annotations

import numpy as np
import pytest

import fastheat
import reference as ref
from fastheat.aggregation import geometry

REDUCTIONS = ref.REDUCTIONS


def test_reference_exact_area_weights():
    # 3 cells -> 2 pixels: pixel 0 covers [0, 1.5): cell 0 fully, cell 1 half.
    cells = ref.axis_cells(3, 2)
    assert [c.tolist() for c, _ in cells] == [[0, 1], [1, 2]]
    assert [w.tolist() for _, w in cells] == [[1.0, 0.5], [0.5, 1.0]]
    x = np.array([[0.0, 3.0, 6.0]])
    # (0*1 + 3*0.5) / 1.5 = 1 and (3*0.5 + 6*1) / 1.5 = 5
    assert fastheat.aggregate(x, width=2, height=1).tolist() == [[1.0, 5.0]]
    assert fastheat.aggregate(x, width=2, height=1, reduce="sum").tolist() == [[1.5, 7.5]]
    # min/max/count see every cell with positive overlap, unweighted
    assert fastheat.aggregate(x, width=2, height=1, reduce="max").tolist() == [[3.0, 6.0]]
    assert fastheat.aggregate(x, width=2, height=1, reduce="count").tolist() == [[2.0, 2.0]]


# --- exact resampling: no moire, crisp blocks ---------------------------------------


@pytest.fixture(scope="module")
def checkerboard():
    """A 10,000 x 10,000 0/1 checkerboard of single cells (100 MB of uint8)."""
    parity = (np.arange(10_000) % 2).astype(np.uint8)
    return np.bitwise_xor.outer(parity, parity)


@pytest.mark.slow
@pytest.mark.parametrize("out", [(999, 999), (1000, 1000), (997, 1000), (1000, 613),
                                 (501, 777), (137, 1000)])
def test_checkerboard_is_flat_grey(checkerboard, out):
    assert checkerboard[0, :3].tolist() == [0, 1, 0] and checkerboard[1, :3].tolist() == [1, 0, 1]
    grid = fastheat.aggregate(checkerboard, width=out[1], height=out[0])
    assert grid.shape == out
    assert np.abs(grid - 0.5).max() <= 0.01, (grid.min(), grid.max())
    # and each pixel is the exact area-weighted mean (spot checks)
    rng = np.random.default_rng(0)
    for i, j in zip(rng.integers(0, out[0], 20), rng.integers(0, out[1], 20)):
        assert grid[i, j] == pytest.approx(ref.pixel(checkerboard, *out, i, j), abs=1e-12)


@pytest.mark.slow
def test_checkerboard_bool_non_native_path(checkerboard):
    # bool goes through the band-by-band conversion path; same flat grey
    grid = fastheat.aggregate(checkerboard.view(bool), width=999, height=999)
    assert np.abs(grid - 0.5).max() <= 0.01
    np.testing.assert_allclose(grid, fastheat.aggregate(checkerboard, width=999, height=999),
                               rtol=0, atol=1e-12)


def test_checkerboard_nearest_shows_why_area_weights_matter():
    # decimation of a fine checkerboard is all one colour (aliasing) ...
    parity = (np.arange(1000) % 2).astype(np.uint8)
    board = np.bitwise_xor.outer(parity, parity)
    near = fastheat.aggregate(board, width=100, height=100, reduce="nearest")
    assert np.unique(near).size == 1
    # ... while the area-weighted mean is grey, also at a non-integer ratio
    for side in (100, 99, 97):
        mean = fastheat.aggregate(board, width=side, height=side)
        assert np.abs(mean - 0.5).max() <= 0.01


@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_upsampling_is_crisp_blocks(reduce):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(10, 10))
    for grid in (fastheat.aggregate(x, reduce=reduce),  # default size: 400 x 400
                 fastheat.aggregate(x, width=400, height=400, reduce=reduce)):
        assert grid.shape == (400, 400)
        blocks = grid.reshape(10, 40, 10, 40)
        want = {"count": np.ones((10, 10)), "std": np.zeros((10, 10))}.get(reduce, x)
        np.testing.assert_array_equal(blocks, np.broadcast_to(want[:, None, :, None], blocks.shape))


def test_to_rgba_upsampling_is_crisp_blocks():
    x = np.random.default_rng(6).normal(size=(10, 10))
    rgba = fastheat.to_rgba(x)
    assert rgba.shape == (400, 400, 4)
    blocks = rgba.reshape(10, 40, 10, 40, 4)
    assert (blocks == blocks[:, :1, :, :1]).all()
    assert len(np.unique(rgba.reshape(-1, 4), axis=0)) > 50  # not all one colour


# --- output size ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape, want", [
    ((10_000, 10_000), (1000, 1000)),  # large: longest side about 1000
    ((10_000, 5_000), (1000, 500)),
    ((3_000, 20_000), (150, 1000)),
    ((500, 600), (500, 600)),  # medium: own size
    ((10, 10), (400, 400)),  # small: a whole factor, crisp blocks
    ((3, 7), None),
    ((1, 1), None),
])
def test_default_size_square_cells(shape, want):
    # aspect="equal" keeps the old default rule (square cells)
    h, w = fastheat.aggregation.output_shape(shape, aspect="equal")
    if want is not None:
        assert (h, w) == want
    if max(shape) < 400:  # grown by the same whole factor on both axes
        k = h // shape[0]
        assert (h, w) == (k * shape[0], k * shape[1]) and k > 1 and max(h, w) >= 400


def test_one_side_given_keeps_the_aspect_ratio():
    x = np.zeros((300, 600))
    assert fastheat.aggregate(x, width=100).shape == (50, 100)
    assert fastheat.aggregate(x, height=100).shape == (100, 200)
    assert fastheat.to_rgba(x, width=100).shape == (50, 100, 4)
    assert fastheat.aggregate(np.zeros((1, 10_000)), width=10,
                              aspect="equal").shape == (1, 10)  # at least 1 px


@pytest.mark.parametrize("width, height", [(None, None), (300, None), (None, 70), (20, 30),
                                           (1, None)])
def test_no_matrix_of_its_own_is_square(width, height):
    # a point table: square, AUTO_SIDE by default, as the old stand-in shape
    # of MAX_SIDE x MAX_SIDE gave it
    got = geometry.output_shape(None, width, height)
    want = geometry.output_shape((geometry.MAX_SIDE,) * 2, width, height)
    assert got == want
    if width is None and height is None:
        assert got == (geometry.AUTO_SIDE, geometry.AUTO_SIDE)


def test_no_matrix_of_its_own_keeps_the_limits():
    with pytest.raises(ValueError, match="exceeds the limit"):
        geometry.output_shape(None, width=geometry.MAX_SIDE)
    with pytest.raises(TypeError, match="width must be a positive integer"):
        geometry.output_shape(None, width=2.5)


@pytest.mark.parametrize("n_in, n_out, lo, hi", [(10, 3, 3, 7), (37, 9, 0, 37), (37, 9, 36, 37),
                                                 (5, 12, 1, 3), (10, 3, 4, 4)])
def test_axis_window_is_the_slice_of_the_axis_map(n_in, n_out, lo, hi):
    full = geometry.axis_map(n_in, n_out)
    i0, win = geometry.axis_window(full, lo, hi)
    feeds = [i for i in range(n_out) if full.start[i] < hi and full.stop[i] > lo]
    assert list(range(i0, i0 + len(win.start))) == feeds
    for k, i in enumerate(feeds):
        assert (win.start[k], win.stop[k]) == (full.start[i], full.stop[i])
        np.testing.assert_array_equal(win.weights(k), full.weights(i))


@pytest.mark.parametrize("n_in, n_out", [(3, 2), (10, 3), (37, 9), (100, 99), (7, 7), (5, 12),
                                         (1, 4), (1000, 1)])
def test_axis_map_weights_are_the_exact_overlaps(n_in, n_out):
    m = geometry.axis_map(n_in, n_out)
    for i, (cells, weights) in enumerate(ref.axis_cells(n_in, n_out)):
        assert (m.start[i], m.stop[i]) == (cells[0], cells[-1] + 1)
        np.testing.assert_array_equal(m.weights(i), weights)
    assert m.uniform == (n_out >= n_in or n_in % n_out == 0)


def test_axis_map_is_as_small_as_the_output():
    # issue 10: a 10^12-cell axis costs arrays of the output's length, nothing per cell
    m = geometry.axis_map(10**12, 1000)
    assert all(f.size == 1000 for f in m[:4]) and m.cells.size == 0
    assert m.stop[-1] == 10**12 and m.start[1] == 10**9 and m.uniform


# --- aspect, and room for labels and annotations (issue 9, point 1) -----------------------


@pytest.mark.parametrize("shape, want", [
    ((17, 700), (187, 700)),  # was a 17-px strip: rows stretch, 11 px each
    ((24, 365), (192, 730)),  # was 48 px tall
    ((7, 53), (112, 424)),  # a calendar: 16 x 8 px cells
    ((1, 30), (105, 420)),  # was 14 px tall
    ((3_000, 20_000), (250, 1000)),
    ((10, 10), (400, 400)),  # square matrices keep square cells
    ((1234, 457), (1000, 370)),  # within 4:1, as for square cells
])
def test_default_size_auto_aspect(shape, want):
    h, w = geometry.output_shape(shape)
    assert (h, w) == want
    assert min(h, w) >= geometry.SHORT_RATIO * max(h, w)
    for n, side in zip(shape, (h, w)):
        if side > n:  # upsampled: whole pixels per cell (crisp, equal blocks)
            assert side % n == 0
    assert geometry.output_shape(shape, aspect="equal") == \
        geometry.output_shape(shape, aspect=1.0)


def test_aspect_is_cell_height_over_width():
    assert geometry.output_shape((10, 10), aspect=2) == (400, 200)
    assert geometry.output_shape((10, 10), aspect=0.5) == (200, 400)
    assert geometry.output_shape((10, 10), width=100, aspect=2) == (200, 100)
    assert geometry.output_shape((10, 20), height=300, aspect="equal") == (300, 600)
    # "auto" with one side given: the default size's proportions
    assert geometry.output_shape((17, 700), width=1400) == (374, 1400)
    x = np.zeros((17, 700))
    assert fastheat.to_rgba(x, aspect="equal").shape[:2] == (17, 700)
    assert fastheat.to_rgba(x, square=True).shape[:2] == (17, 700)
    assert fastheat.aggregate(x, aspect=3).shape == (51, 700)


@pytest.mark.parametrize("aspect, error, match", [
    ("square", ValueError, r"aspect='square' is not allowed; use 'auto'.*'equal'.*number"),
    (0, ValueError, r"aspect=0 must be a finite number > 0"),
    (float("nan"), ValueError, r"aspect=nan must be a finite number > 0"),
    (True, TypeError, r"aspect=True must be 'auto', 'equal' or a number"),
    ([1], TypeError, r"aspect=\[1\] must be"),
])
def test_bad_aspect(aspect, error, match):
    with pytest.raises(error, match=match):
        fastheat.to_rgba(np.zeros((2, 3)), aspect=aspect)


def test_square_conflicts_with_another_aspect():
    with pytest.raises(ValueError, match=r"square=True asks for square cells but aspect=2\.0"):
        fastheat.heatmap(np.zeros((2, 3)), square=True, aspect=2)
    with pytest.raises(TypeError, match=r"square='yes' must be True or False"):
        fastheat.heatmap(np.zeros((2, 3)), square="yes")


def test_room_grows_sides_in_whole_pixels_up_to_the_cap():
    # 17 labelled rows at 21 px each: all of them fit, the width stays
    assert geometry.output_shape((17, 700), room=(21, 21)) == (357, 700)
    # 100 rows would need 2100 px: the side grows to the cap, whole px per row
    assert geometry.output_shape((100, 100), room=(21, 21)) == (1000, 1000)
    assert geometry.output_shape((100, 100), room=(21, 21), cap=3000) == (2100, 2100)
    # never shrinks, and "equal" keeps the cells square
    assert geometry.output_shape((10, 10), room=(5, 5)) == (400, 400)
    assert geometry.output_shape((7, 53), aspect="equal", room=(21, 0)) == (126, 954)
    assert geometry.output_shape((7, 53), aspect="equal", room=(21, 0), cap=500) == (63, 477)
