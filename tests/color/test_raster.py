"""``Raster.paint`` (:mod:`fastheat.color.raster`) against a slow, obvious
reference: it equals ``np.take(table, raster.codes, axis=0)`` written into a
view of a canvas, and touches nothing else. Every comparison is exact (uint8).
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, strategies as st

from compose.helpers import SEEDS, VIEWS, expected_canvas, make_view
from fastheat import api as render
from fastheat.color import _kernels as color_kernels

RNG = np.random.default_rng(11)


@st.composite
def paint_cases(draw):
    n_rows, n_cols = draw(st.integers(1, 12)), draw(st.integers(1, 12))

    def side(n):  # downsampled, same size or upsampled (by a non-integer factor too)
        return draw(st.one_of(st.integers(1, n), st.integers(n, 5 * n + 3)))

    height, width = side(n_rows), side(n_cols)
    rng = np.random.default_rng(draw(SEEDS))
    data = rng.normal(size=(n_rows, n_cols))
    data[rng.random(data.shape) < draw(st.sampled_from([0.0, 0.2, 1.0]))] = np.nan
    limits = draw(st.sampled_from([{}, dict(vmin=-0.5, vmax=0.5), dict(vmin=0.0)]))
    options = dict(width=width, height=height, origin=draw(st.sampled_from(render.ORIGINS)),
                   cmap=draw(st.sampled_from(["viridis", "tab10"])), **limits)
    return (data, options, draw(st.sampled_from([3, 4])), draw(st.sampled_from(VIEWS)),
            draw(st.integers(0, 2)), rng)


def check_paint(data, options, nch, view, extra, rng):
    raster = render.rasterize(data, **options)
    h, w = raster.shape
    assert (h, w) == raster.codes.shape == (options["height"], options["width"])
    assert raster.top_code == int(raster.codes.max())
    # random colours for every code (the palette's own under/over equal its end
    # colours, which would hide a code mix-up); longer tables are allowed
    table = rng.integers(0, 256, (raster.palette.N + 3 + extra, nch), dtype=np.uint8)
    want = np.take(table, raster.codes, axis=0)
    canvas, index = make_view(rng, h, w, nch, view)
    before = canvas.copy()
    raster.paint(table, canvas[index])
    np.testing.assert_array_equal(canvas[index], want)
    np.testing.assert_array_equal(canvas, expected_canvas(before, index, want))  # rest untouched
    # pixel_values: an outer product of pixel rows and columns, codes or values
    rows, cols = rng.integers(0, h, 5), rng.integers(0, w, 4)
    np.testing.assert_array_equal(raster.pixel_values(rows, cols, of="cell_codes"),
                                  raster.codes[np.ix_(rows, cols)])
    np.testing.assert_array_equal(raster.pixel_values(rows, cols), raster.values[np.ix_(rows, cols)])
    return raster


@given(case=paint_cases())
def test_paint_equals_table_lookup_of_the_codes(case):
    check_paint(*case)


@pytest.mark.parametrize("shape,size", [
    ((1, 7), (1, 7)), ((1, 7), (5, 3)), ((1, 7), (9, 23)),  # one row: down, mixed, up
    ((7, 1), (7, 1)), ((7, 1), (3, 5)), ((7, 1), (23, 9)),  # one column
    ((1, 1), (1, 1)), ((1, 1), (6, 4)),
    ((5, 6), (17, 4)), ((6, 5), (4, 17)),  # up on one axis, down on the other
])
@pytest.mark.parametrize("nch", [3, 4])
def test_paint_thin_matrices(shape, size, nch):
    rng = np.random.default_rng(sum(shape) * 100 + sum(size))
    data = rng.normal(size=shape)
    data.flat[0] = np.nan
    options = dict(height=size[0], width=size[1], vmin=-0.3, vmax=0.3, origin="lower")
    check_paint(data, options, nch, "window", 0, rng)


@pytest.mark.parametrize("origin", render.ORIGINS)
@pytest.mark.parametrize("view", VIEWS)
def test_paint_bad_under_and_over_codes(origin, view):
    data = np.array([[np.nan, -5.0, 0.1], [0.5, 5.0, np.nan], [0.9, 0.2, -1.0]])
    raster = check_paint(data, dict(width=8, height=7, vmin=0.0, vmax=1.0, origin=origin),
                         4, view, 0, np.random.default_rng(3))
    n = raster.palette.N
    assert {n, n + 1, n + 2} <= set(np.unique(raster.codes).tolist())
    assert raster.top_code == n + 2


@pytest.mark.parametrize("case", ["height", "width", "channels", "dtype", "table2", "table5",
                                  "short", "float_table", "flat_table"])
def test_paint_rejects_bad_out_or_table_before_the_kernel(monkeypatch, case):
    raster = render.rasterize(RNG.random((3, 4)), width=9, height=7)
    n = raster.palette.N
    table = RNG.integers(0, 256, (n + 3, 3), dtype=np.uint8)
    out = np.zeros((7, 9, 3), np.uint8)
    if case == "height":
        out = np.zeros((8, 9, 3), np.uint8)
    elif case == "width":
        out = np.zeros((7, 10, 3), np.uint8)
    elif case == "channels":
        out = np.zeros((7, 9, 4), np.uint8)
    elif case == "dtype":
        out = np.zeros((7, 9, 3), np.uint16)
    elif case in ("table2", "table5"):
        nch = int(case[-1])
        table, out = table[:, [0] * nch], np.zeros((7, 9, nch), np.uint8)
    elif case == "float_table":
        table = table / 255.0
    elif case == "flat_table":
        table = table[:, 0]
    else:
        table = table[:-1]
    if case == "short":
        match = re.escape(f"table has {n + 2} colours; codes need {n + 3}")
    elif case in ("float_table", "flat_table"):
        match = re.escape(f"table must be an (n, 3 or 4) uint8 array, got {table.shape} "
                          f"{table.dtype}")
    else:
        match = re.escape(f"out must be a (7, 9, 3 or 4) uint8 array matching the table, "
                          f"got {out.shape} {out.dtype}")
    calls = []
    monkeypatch.setattr(color_kernels, "paint_rows", lambda *args: calls.append(args))
    with pytest.raises(ValueError, match=match):
        raster.paint(table, out)
    assert calls == [] and not out.any()


def test_paint_rejects_indices_outside_the_cells():
    from dataclasses import replace

    raster = render.rasterize(RNG.random((3, 4)), width=8, height=6)
    table = np.zeros((raster.palette.N + 3, 3), np.uint8)
    bad = replace(raster, row_index=np.array([0, 0, 1, 1, 2, 7]))
    with pytest.raises(ValueError, match="row_index points outside the 3 cells"):
        bad.paint(table, np.zeros((6, 8, 3), np.uint8))
    bad = replace(raster, cell_codes=np.full((3, 4), 60000, np.uint16))
    with pytest.raises(ValueError, match="codes need"):
        bad.paint(table, np.zeros((6, 8, 3), np.uint8))
