"""Tick labels (:mod:`fastheat.compose.ticks`): at cell centres, every index
of a small matrix, thinned so that they never overlap, turned vertical when
long, a DataFrame's labels and names by default."""
from __future__ import annotations

import numpy as np
import pytest

import fastheat

from .helpers import compose, overlap

RNG = np.random.default_rng(7)
DATA = RNG.random((10, 10))


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
