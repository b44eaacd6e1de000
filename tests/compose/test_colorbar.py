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
