"""The colorbar (:mod:`fastheat.compose.colorbar` and its ticks, planned by
:func:`fastheat.compose.ticks.colorbar_ticks`): checked by what it must show.
The strip follows the colour table monotonically at every position; ticks
sit at nice values where those values are, and their labels never overlap;
extend triangles and the bad swatch show their colours."""
from __future__ import annotations

import numpy as np
import pytest

from fastheat import api as render

from .helpers import compose, overlap, pixels, tick_value

RNG = np.random.default_rng(7)
DATA = RNG.random((10, 10))


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
    labels = [tick_value(it.text) for it in _ticks(comp)]
    assert len(labels) >= 4
    steps = np.diff(labels)
    assert np.allclose(steps, steps[0])
    assert steps[0] in (0.1, 0.2, 0.25, 0.5)


def test_colorbar_log_ticks_at_decades():
    data = np.logspace(-2, 3, 400).reshape(20, 20)
    comp, _ = compose(data, norm="log", colorbar=True)
    values = [tick_value(it.text) for it in _ticks(comp)]
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
        t = float(raster.norm.forward(np.array([tick_value(it.text)]))[0])
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


def _strip_line(comp):
    (x0, y0, x1, y1), = comp.boxes("colorbar")
    return pixels(comp.image)[y0:y1, x0:x1][::-1, 0], (x0, y0, x1, y1)  # from the low end


EDGES = [-3, -1, 0, 0.5, 2, 6]


@pytest.mark.parametrize("kw", [{"levels": EDGES}, {"levels": EDGES, "colorbar": "bottom"},
                                {"levels": 5}, {"levels": 4, "cmap": "magma", "vmin": -2, "vmax": 2},
                                {"norm": "BoundaryNorm"}])
def test_colorbar_levels_show_one_band_each_with_ticks_at_the_edges(kw):
    data = RNG.normal(size=(40, 60)) * 2
    kw = {"colorbar": True, "cmap": "viridis", **kw}
    if kw.get("norm") == "BoundaryNorm":  # matplotlib's, drawn the same way
        import matplotlib.colors as mcolors

        kw["norm"] = mcolors.BoundaryNorm(EDGES, 256)
    comp, _ = compose(data, **kw)
    raster = render.rasterize(data, **{k: v for k, v in kw.items() if k != "colorbar"})
    edges = raster.norm.edges
    k = len(edges) - 1
    (x0, y0, x1, y1), = comp.boxes("colorbar")
    strip = pixels(comp.image)[y0:y1, x0:x1]
    vertical = kw["colorbar"] is True
    line = strip[::-1, 0] if vertical else strip[0, :]
    L = len(line)
    # k runs of one colour each, of equal length (+-1 px), in the raster's band colours
    change = np.flatnonzero((np.diff(line.astype(int), axis=0) != 0).any(axis=-1)) + 1
    runs = np.diff(np.concatenate([[0], change, [L]]))
    assert len(runs) == k and runs.max() - runs.min() <= 1
    band_colours = raster.palette.table[raster.norm.encode((edges[:-1] + edges[1:]) / 2, 256)]
    starts = np.concatenate([[0], change])
    assert (line[starts] == band_colours[:, :3]).all()
    # the raster uses those colours only (plus under/over)
    used = {tuple(c) for c in raster.rgba()[..., :3].reshape(-1, 3).tolist()}
    extra = {tuple(raster.palette.table[c, :3].tolist()) for c in (256, 257)}
    assert used <= {tuple(c) for c in band_colours[:, :3].tolist()} | extra
    # ticks at the band edges, each on a boundary between two runs (or an end)
    ticks = [(float(it.text.replace("\u2212", "-")), b) for it, b in
             zip(_ticks(comp), comp.boxes("colorbar-tick"))]
    assert len(ticks) >= 3
    bounds = np.concatenate([[0], change, [L]])
    for value, (tx0, ty0, tx1, ty1) in ticks:
        i = int(np.flatnonzero(np.isclose(edges, value))[0])
        centre = (y1 - (ty0 + ty1) / 2) if vertical else ((tx0 + tx1) / 2 - x0)
        assert abs(centre - bounds[i]) <= 1.5, (value, centre, bounds)


def test_colorbar_twoslope_has_a_tick_at_the_centre_at_the_middle():
    data = RNG.normal(size=(40, 60)) * 3 + 4
    comp, _ = compose(data, norm="twoslope", center=1.0, colorbar=True, cmap="coolwarm")
    (x0, y0, x1, y1), = comp.boxes("colorbar")
    ticks = {float(it.text.replace("\u2212", "-")): b
             for it, b in zip(_ticks(comp), comp.boxes("colorbar-tick"))}
    assert 1.0 in ticks and len(ticks) >= 4
    ty0, ty1 = ticks[1.0][1], ticks[1.0][3]
    assert abs((y1 - (ty0 + ty1) / 2) - (y1 - y0) / 2) <= 1.0


# --- the missing swatch is for missing data (issue 9, point 7) -----------------------------

HIDE = np.zeros((20, 20), bool)
HIDE[3:6, 3:6] = True
POSITIVE = RNG.random((20, 20)) + 0.5


@pytest.mark.parametrize("data, options, swatch", [
    (POSITIVE, {}, False),
    (POSITIVE, dict(mask=HIDE), False),  # hidden on purpose: not missing
    (POSITIVE, dict(mask=HIDE, origin="lower", width=7), False),
    (POSITIVE, dict(mask=HIDE, reduce="nearest", width=7), False),
    (np.where(HIDE, 0.0, POSITIVE), dict(norm="log"), False),  # zeros under a log norm
    (np.where(HIDE, np.nan, POSITIVE), {}, True),
    (np.where(np.roll(HIDE, 9), np.nan, POSITIVE), dict(mask=HIDE), True),  # besides hidden
    (np.where(HIDE, np.nan, POSITIVE), dict(mask=HIDE), False),  # the same cells
    (np.ma.masked_array(POSITIVE, HIDE), {}, True),  # a masked array's mask is missing data
])
def test_missing_swatch_only_for_missing_values(data, options, swatch):
    comp, _ = compose(data, colorbar=True, **options)
    kinds = [it.kind for it in comp.items]
    assert ("colorbar-bad" in kinds) is swatch
    assert ("colorbar-badlabel" in kinds) is swatch
    forced, _ = compose(data, colorbar=dict(bad=True), **options)
    assert "colorbar-bad" in [it.kind for it in forced.items]


def test_infinities_count_as_missing():
    # matplotlib masks ±inf as invalid: they are missing values, not hidden cells
    assert render.rasterize(np.where(HIDE, np.inf, POSITIVE)).missing
    assert render.rasterize(np.where(HIDE, -np.inf, POSITIVE), mask=np.roll(HIDE, 9)).missing
    assert not render.rasterize(np.where(HIDE, np.inf, POSITIVE), mask=HIDE).missing


# --- the colorbar's readable minimum (issue 9, point 1) ------------------------------------


@pytest.mark.parametrize("position", ["right", "bottom"])
@pytest.mark.parametrize("data, size", [(RNG.random((1, 30)), {}),
                                        (RNG.random((1, 30)), dict(width=300)),
                                        (RNG.normal(size=(2, 500)), dict(height=10)),
                                        (np.where(RNG.random((3, 3)) < 0.3, np.nan, 5.0 *
                                                  RNG.random((3, 3))), dict(height=20))])
def test_colorbar_has_a_readable_minimum_length(data, size, position):
    comp, decor = compose(data, colorbar=dict(position=position), **size)
    (x0, y0, x1, y1), = comp.boxes("colorbar")
    along = y1 - y0 if position == "right" else x1 - x0
    assert along >= (10 if position == "right" else 20) * decor.font_size
    ticks = [it for it in comp.items if it.kind == "colorbar-ticklabel"]
    assert len(ticks) >= 3
    boxes = [it.box for it in ticks]
    assert not any(overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    # longer rasters: the bar follows the raster's side
    comp, _ = compose(RNG.random((500, 500)), colorbar=dict(position=position))
    (x0, y0, x1, y1), = comp.boxes("colorbar")
    assert (y1 - y0 if position == "right" else x1 - x0) == 500


@pytest.mark.parametrize("lo, hi", [(1.0, 15.0), (0.02, 0.9), (3.0, 80.0), (1.0, 8e4)])
def test_log_colorbar_has_at_least_three_ticks_in_one_style(lo, hi):
    # a range of one or two decades gets 1-2-5 steps, not just its two powers of ten
    data = np.geomspace(lo, hi, 400).reshape(20, 20)
    comp, _ = compose(data, norm="log", colorbar=True)
    texts = [it.text for it in comp.items if it.kind == "colorbar-ticklabel"]
    values = [tick_value(t) for t in texts]
    assert len(values) >= 3 and values == sorted(values)
    assert all(lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9) for v in values)
    powers = ["10" in t and any(c in t for c in "⁰¹²³⁴⁵⁶⁷⁸⁹") for t in texts]
    assert all(powers) or not any(powers), texts  # one style on one bar
