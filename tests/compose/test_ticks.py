"""Tick labels (:mod:`fastheat.compose.ticks`): at cell centres, every index
of a small matrix, thinned so that they never overlap, turned vertical when
long, a DataFrame's labels and names by default."""
from __future__ import annotations

import numpy as np
import pytest

import fastheat

from .helpers import compose, overlap, pixels, tick_value

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


# ----------------------------------------------------------------- density (issue 9)

def _texts(comp, kind):
    return [it.text for it in comp.items if it.kind == kind]


def _seaborn_counts(data, width, height):
    """seaborn's "auto" label counts on an axes of ``width`` x ``height`` px."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    sns = pytest.importorskip("seaborn")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(width / 100 + 3, height / 100 + 3), dpi=100)
    ax = fig.add_axes([1.5 / (width / 100 + 3), 1.5 / (height / 100 + 3),
                       width / 100 / (width / 100 + 3), height / 100 / (height / 100 + 3)])
    sns.heatmap(data, ax=ax, cbar=False)
    counts = [len([t for t in tl if t.get_text()])
              for tl in (ax.get_xticklabels(), ax.get_yticklabels())]
    plt.close(fig)
    return counts


def _frame(rows, cols):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(RNG.random((rows, cols)), index=[f"gene_{i}" for i in range(rows)],
                        columns=[f"sample {i}" for i in range(cols)])


@pytest.mark.parametrize("case", ["matrix 100x100 at 400 px", "DataFrame of 17 rows at 20 px",
                                  "matrix 50x50 at 800 px", "matrix 1000x1000 at 400 px"])
def test_auto_labels_are_as_dense_as_seaborn_and_never_overlap(case):
    data, w, h = {"matrix 100x100 at 400 px": (RNG.random((100, 100)), 400, 400),
                  "DataFrame of 17 rows at 20 px": (_frame(17, 10), 400, 340),
                  "matrix 50x50 at 800 px": (RNG.random((50, 50)), 800, 800),
                  "matrix 1000x1000 at 400 px": (RNG.random((1000, 1000)), 400, 400)}[case]
    comp, _ = compose(data, width=w, height=h, colorbar=True)
    got = [len(_texts(comp, "xticklabel")), len(_texts(comp, "yticklabel"))]
    want = _seaborn_counts(data, w, h)
    if case.startswith("matrix 1000"):
        # turned x labels need their line boxes apart (15 px: a step of 40 at 0.4 px a
        # cell, 25 labels); seaborn's 10-pt labels take any step (36) and 28 of them
        assert got == [25, 29] and want == [28, 28]
    else:
        assert got[0] >= want[0] and got[1] >= want[1], (got, want)
    if case.startswith("DataFrame"):
        assert got == [10, 17]  # every label, as seaborn
    for kind in ("xticklabel", "yticklabel"):
        boxes = sorted(comp.boxes(kind))
        assert not any(overlap(a, b) for a, b in zip(boxes, boxes[1:])), kind


def test_short_y_labels_stay_horizontal_and_long_x_labels_turn():
    comp, _ = compose(_frame(17, 10), width=400, height=340)
    for kind, tall in (("yticklabel", False), ("xticklabel", True)):
        for x0, y0, x1, y1 in comp.boxes(kind):
            assert (y1 - y0 > x1 - x0) == tall, kind


# ------------------------------------------------------------ number style (issue 9)

def _colorbar_texts(data, **kw):
    comp, _ = compose(data, colorbar=True, **kw)
    return _texts(comp, "colorbar-ticklabel")


SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"


def test_log_colorbar_reads_powers_of_ten_in_one_style():
    texts = _colorbar_texts(np.logspace(-4, 6, 400).reshape(20, 20), norm="log", height=500)
    assert texts == ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹", "10²", "10³", "10⁴", "10⁵",
                     "10⁶"]


def test_symlog_colorbar_reads_signed_powers_of_ten():
    data = np.concatenate([-np.logspace(0, 4, 200), np.logspace(0, 4, 200)]).reshape(20, 20)
    texts = _colorbar_texts(data, norm="symlog", linthresh=1, height=500)
    assert "0" in texts and len(texts) >= 5
    for t in texts:
        assert t == "0" or t.lstrip("\u2212").startswith("10") and t[-1] in SUPERSCRIPTS, t
    assert any(t.startswith("\u2212") for t in texts) and not any("-" in t for t in texts)


@pytest.mark.parametrize("scale", [1e-6, 1e-2, 1, 1e3, 1e8])
def test_linear_colorbar_numbers_share_decimals_and_exponent(scale):
    texts = _colorbar_texts(np.linspace(-3, 7, 400).reshape(20, 20) * scale, height=400)
    assert len(texts) >= 4 and "-" not in "".join(texts)
    values = [tick_value(t) for t in texts]
    steps = np.diff(values)
    assert np.allclose(steps, steps[0], rtol=1e-6)
    nonzero = [t for t in texts if t != "0"]
    if scale >= 1e6 or scale * 7 < 1e-3:
        exps = {t.split("×")[1] for t in nonzero}
        assert len(exps) == 1, texts  # one exponent on the axis
        mantissas = [t.split("×")[0].lstrip("\u2212") for t in nonzero]
    else:
        assert not any("×" in t or "e" in t for t in texts), texts
        mantissas = [t.lstrip("\u2212") for t in nonzero]
    assert len({len(m.partition(".")[2]) for m in mantissas}) == 1, texts  # same decimals
    assert any(t.startswith("\u2212") for t in texts)  # a true minus sign


@pytest.mark.parametrize("value", [0.0, -2.5, 3e7])
def test_flat_data_has_one_colorbar_tick(value):
    assert _colorbar_texts(np.full((5, 5), value)) == [
        {0.0: "0", -2.5: "\u22122.5", 3e7: "3×10⁷"}[value]]


def test_eq_hist_colorbar_numbers_in_one_style():
    texts = _colorbar_texts(RNG.lognormal(size=(200, 200)) * 1e-5, norm="eq_hist")
    assert len(texts) >= 4 and all("×10" in t for t in texts), texts
    texts = _colorbar_texts(RNG.lognormal(size=(200, 200)), norm="eq_hist")
    assert not any("e" in t or "×" in t for t in texts), texts


# ------------------------------------------------- extent, xticks, lines (issue 9)

def _ticks_at(comp, kind):
    """``[(pixel along the raster, label)]`` of the tick marks ``kind``."""
    x0, y0 = comp.raster_box[:2]
    label = "xticklabel" if kind == "xtick" else "yticklabel"
    return [((b[0] - x0 if kind == "xtick" else b[1] - y0), t)
            for b, t in zip(comp.boxes(kind), _texts(comp, label))]


@pytest.mark.parametrize("origin", ["upper", "lower"])
def test_extent_ticks_at_round_values_at_their_true_position(origin):
    w, h = 500, 300
    x0, x1, y0, y1 = -2.7, 13.1, 1e-3, 5e-3
    comp, _ = compose(RNG.random((30, 50)), width=w, height=h, extent=(x0, x1, y0, y1),
                      origin=origin, colorbar=True)
    for kind, lo, hi, length, pos_of in (
            ("xtick", x0, x1, w, lambda v: (v - x0) / (x1 - x0) * w),
            ("ytick", y0, y1, h, lambda v: (y1 - v) / (y1 - y0) * h)):  # top edge is y1
        ticks = _ticks_at(comp, kind)
        assert 3 <= len(ticks) <= 9, ticks
        values = [tick_value(t) for _, t in ticks]
        step = np.diff(sorted(values))[0]
        assert step / 10 ** np.floor(np.log10(step)) in (1, 2, 2.5, 5)
        for (px, _), v in zip(ticks, values):
            assert lo <= v <= hi
            assert v / step == pytest.approx(round(v / step))  # round values
            assert abs(px - pos_of(v)) <= 1  # a 1-px tick mark covers its position
    assert [t for _, t in _ticks_at(comp, "xtick")] == ["\u22122", "0", "2", "4", "6", "8",
                                                        "10", "12"]
    # the same values at the same places whatever the origin (it flips only the rows)
    assert [t for _, t in _ticks_at(comp, "ytick")] == [
        "0.0050", "0.0045", "0.0040", "0.0035", "0.0030", "0.0025", "0.0020", "0.0015", "0.0010"]


def test_xticks_place_given_labels_without_a_tick_per_cell():
    bounds = np.array([0, 120, 230, 300, 350])
    middles = (bounds[:-1] + bounds[1:]) / 2
    names = ["chr1", "chr2", "chr3", "chr4"]
    comp, _ = compose(RNG.random((350, 350)), width=700, height=700, xticks=middles,
                      xticklabels=names, yticks=middles, yticklabels=names)
    for kind in ("xtick", "ytick"):
        ticks = _ticks_at(comp, kind)
        assert [t for _, t in ticks] == names
        assert [px for px, _ in ticks] == [m * 2 for m in middles]  # cell k spans k..k+1
    with pytest.raises(ValueError, match="xticklabels has 3 labels but xticks has 4 positions"):
        compose(RNG.random((350, 350)), xticks=middles, xticklabels=names[:3])


def test_xticks_without_labels_show_their_values_and_off_view_ones_are_dropped():
    comp, _ = compose(RNG.random((10, 10)), width=100, height=100, xticks=[0, 2.5, 10, 11, -1])
    assert _ticks_at(comp, "xtick") == [(0, "0"), (25, "2.5"), (99, "10")]


@pytest.mark.parametrize("origin", ["upper", "lower"])
def test_hlines_and_vlines_are_drawn_at_their_positions(origin):
    comp, _ = compose(np.zeros((100, 80)), width=400, height=500, cmap="gray", origin=origin,
                      hlines=[25, 60], vlines=[40], line_kws=dict(color="red", linewidth=2))
    x0, y0, x1, y1 = comp.raster_box
    img = pixels(comp.image)[y0:y1, x0:x1, :3]
    red = (img == (255, 0, 0)).all(-1)
    rows = np.flatnonzero(red[:, 0])
    cols = np.flatnonzero(red[0])
    want = [124, 125, 299, 300] if origin == "upper" else [199, 200, 374, 375]
    assert rows.tolist() == want  # 2 px centred on row boundaries 25 and 60 (5 px a row)
    assert cols.tolist() == [199, 200]  # 5 px a column
    # nothing else is red
    assert red.sum() == 2 * 400 * 2 + 500 * 2 - 2 * 2 * 2


def test_lines_in_extent_coordinates():
    comp, _ = compose(np.zeros((10, 10)), width=100, height=100, cmap="gray",
                      extent=(0, 1, 0, 1), vlines=[0.3], hlines=[0.3],
                      line_kws=dict(color="red"))
    x0, y0, x1, y1 = comp.raster_box
    red = (pixels(comp.image)[y0:y1, x0:x1, :3] == (255, 0, 0)).all(-1)
    assert np.flatnonzero(red[0]).tolist() == [30] and np.flatnonzero(red[:, 0]).tolist() == [70]


@pytest.mark.parametrize("options,error,match", [
    (dict(extent=(0, 1, 2)), ValueError, r"extent=\(0, 1, 2\) must be 4 numbers"),
    (dict(extent=(0, 0, 1, 2)), ValueError, "x0 == x1 or y0 == y1"),
    (dict(xticks="abc"), ValueError, "xticks='abc' must be a sequence of numbers"),
    (dict(hlines=[np.nan]), ValueError, r"hlines=\[nan\] must be a sequence of numbers, all finite"),
    (dict(vlines=[1], line_kws=dict(colour="red")), TypeError, "unknown option"),
])
def test_bad_coordinate_options_are_refused(options, error, match):
    with pytest.raises(error, match=match):
        compose(np.zeros((4, 4)), **options)
