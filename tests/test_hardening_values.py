"""Issue 10 (hardening), values: extreme numbers through the norms, ticks,
text and canvas never hang, never raise a foreign exception, never leak a
warning and never draw a silently wrong image. Each test is named after the
bug it pins; the last ones walk every public option through hostile values."""
from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import pytest

import fastheat
import fastheat.api
from fastheat import options
from fastheat.aggregation.geometry import MAX_SIDE
from fastheat.api import _composition
from fastheat.color import norms
from fastheat.compose import ticks
from fastheat.compose.draw import check_canvas, draw_scene
from fastheat.compose.options import ColorbarOptions, GridOptions
from fastheat.compose.scene import Scene
from fastheat.compose.text import DEFAULT_FONT, ELLIPSIS, MAX_LABEL, ellipsize, load_font

BIG = float(np.finfo(float).max)


def compose(data, **kwargs):
    return _composition(data, options.split("heatmap", kwargs))


def texts(comp, kind):
    return [it.text for it in comp.items if it.kind == kind]


# --------------------------------------------------------------------------- hangs

def test_colorbar_of_a_range_wider_than_the_float_range_returns_with_finite_ticks():
    # was: nice_ticks walked range(-1e308, 1e308) for ever
    comp = compose(np.eye(3), colorbar=True, vmin=-1e308, vmax=1e308)
    labels = texts(comp, "colorbar-ticklabel")
    assert 3 <= len(labels) <= 11
    assert "0" in labels and any("10³⁰⁸" in t for t in labels)


@pytest.mark.parametrize("kwargs", [dict(), dict(norm="eq_hist"), dict(norm="power"),
                                    dict(norm="sqrt"), dict(norm="twoslope"), dict(levels=5),
                                    dict(norm="symlog"), dict(center=0.0)])
def test_a_matrix_holding_plus_minus_float_max_gets_a_colorbar(kwargs):
    comp = compose(np.array([[BIG, -BIG], [0.0, 1.0]]), colorbar=True, **kwargs)
    assert len(texts(comp, "colorbar-ticklabel")) >= 2


@pytest.mark.parametrize("lo, hi", [(-BIG, BIG), (-1e308, 1e308), (1e308, BIG), (0.0, 5e-324),
                                    (-1e-320, 1e-320), (1.0, 1.0 + 2 ** -52), (-BIG, -1e308)])
@pytest.mark.parametrize("n", [1, 2, 5, 11])
def test_nice_ticks_are_few_finite_and_inside_whatever_the_range(lo, hi, n):
    values, step = ticks.nice_ticks(lo, hi, n)
    assert 1 <= len(values) <= ticks.MAX_TICKS
    assert all(math.isfinite(v) and lo - abs(step) * 1e-6 <= v <= hi + abs(step) * 1e-6
               for v in values)
    assert len(ticks.format_ticks(values, step)) == len(values)


def test_28000_long_tick_labels_are_bounded_work():
    # was: 36 s drawing 28,000 overprinted labels; now at most one per MIN_TICK_PITCH px
    n = 28_000
    labels = [f"gene_{i}_" + "x" * 60 for i in range(n)]
    comp = compose(np.zeros((n, 5)), yticklabels=labels)
    h = comp.raster_box[3] - comp.raster_box[1]
    drawn = texts(comp, "yticklabel")
    assert 0 < len(drawn) <= h / ticks.MIN_TICK_PITCH + 1
    assert set(drawn) <= set(labels)


# --------------------------------------------------------------------------- foreign exceptions

def test_eq_hist_colorbar_on_full_range_data():
    # was: OverflowError (round of 1.8e308) and an overflow RuntimeWarning in np.histogram
    comp = compose(np.array([[BIG, -BIG], [0.0, 1.0]]), colorbar=True, norm="eq_hist")
    assert texts(comp, "colorbar-ticklabel")


def test_eq_hist_with_limits_of_plus_minus_1e308():
    # was: IndexError
    comp = compose(np.eye(3), colorbar=True, norm="eq_hist", vmin=-1e308, vmax=1e308)
    assert texts(comp, "colorbar-ticklabel")


def test_fmt_c_out_of_range_is_a_value_error_naming_fmt():
    # was: OverflowError: %c arg not in range(0x110000)
    with pytest.raises(ValueError, match=r"^fmt='c' cannot format the annotation value"):
        fastheat.heatmap(np.array([[1e9, 2.0]]), annot=True, fmt="c")


@pytest.mark.parametrize("fmt", ["{:}", "{}", "{0}", "{x}"])
def test_fmt_with_braces_is_a_value_error_naming_fmt(fmt):
    # was: IndexError / KeyError from str.format
    with pytest.raises(ValueError, match=r"^fmt=.* cannot format numbers"):
        fastheat.heatmap(np.eye(3), annot=True, fmt=fmt)


def test_fmt_asking_for_a_million_characters_is_refused_before_formatting():
    with pytest.raises(ValueError, match=r"^fmt='1000000d' asks for more than 1000"):
        fastheat.heatmap(np.eye(3), annot=True, fmt="1000000d")


@pytest.mark.parametrize("fmt", ["c", "{0}{1}", "d", "{x}"])
def test_colorbar_format_that_cannot_format_numbers_names_the_colorbar_format(fmt):
    with pytest.raises(ValueError, match=r"^colorbar format=.* cannot format numbers"):
        fastheat.heatmap(np.array([[0, 1e9]]), colorbar={"format": fmt})


def test_float16_center_with_a_colorbar():
    # was: OverflowError; and the map blank: the range arithmetic stayed in float16,
    # where 8e5 - 3 is inf
    m = np.arange(9.0).reshape(3, 3) * 1e5
    assert compose(m, colorbar=True, center=np.float16(3)).items
    np.testing.assert_array_equal(fastheat.to_rgba(m, center=np.float16(3)),
                                  fastheat.to_rgba(m, center=3.0))
    assert len(np.unique(fastheat.to_rgba(m, center=np.float16(3)).reshape(-1, 4), axis=0)) == 9


def test_a_subnormal_range_gets_a_colorbar_with_ticks():
    # was: ZeroDivisionError (10.0 ** -324 is 0)
    comp = compose(np.array([[0, 5e-324], [1e-323, 2e-323]]), colorbar=True)
    labels = texts(comp, "colorbar-ticklabel")
    assert len(labels) >= 2 and any("10⁻³²³" in t for t in labels)


@pytest.mark.parametrize("font", [None, DEFAULT_FONT])
def test_multiline_labels_are_laid_out_line_by_line(font):
    # was: RuntimeError (TrueType font file, raqm layout) / ValueError (anchor not supported)
    comp = compose(np.eye(3), title="first\nsecond", xlabel="x1\nx2", ylabel="y1\ny2",
                   colorbar={"label": "c1\nc2"}, font=font)
    for kind, lines in (("title", ["first", "second"]), ("xlabel", ["x1", "x2"]),
                        ("ylabel", ["y1", "y2"]), ("colorbar-label", ["c1", "c2"])):
        assert texts(comp, kind) == lines
    (_, t0, _, b0), (_, t1, _, _) = [it.box for it in comp.items if it.kind == "title"]
    assert t1 >= b0  # the second line below the first
    (l0, _, r0, _), (l1, _, _, _) = [it.box for it in comp.items if it.kind == "ylabel"]
    assert l1 >= r0  # turned lines side by side, the first leftmost
    img = np.asarray(comp.image)[..., :3]
    for box in [it.box for it in comp.items if it.kind in ("title", "xlabel")]:
        x0, y0, x1, y1 = box
        assert (img[y0:y1, x0:x1] < 128).any()  # ink on each line


def test_a_tick_label_with_a_line_break_is_one_line():
    comp = compose(np.eye(2), yticklabels=["a\nb", "c"])
    assert texts(comp, "yticklabel") == ["a b", "c"]


@pytest.mark.parametrize("font_size, scale", [(1e5, 1), (4001, 1), (1000, 8)])
def test_font_size_beyond_the_stated_limit_is_a_value_error(font_size, scale):
    # was: OSError (invalid pixel size) from FreeType, worded as an unreadable font
    with pytest.raises(ValueError, match=rf"^font_size=.* px; text is at most "
                                         rf"{options.MAX_FONT_PX} px"):
        fastheat.heatmap(np.eye(3), title="t", font_size=font_size, scale=scale)


def test_font_size_at_the_limit_renders():
    assert fastheat.heatmap(np.eye(2), title="t", font_size=400, scale=10).size[0] > 0


def test_annotation_size_beyond_the_limit_is_a_value_error():
    with pytest.raises(ValueError, match=r"^annot_kws size=5000.0 at scale=1"):
        fastheat.heatmap(np.eye(2), annot=True, annot_kws={"size": 5000})


@pytest.mark.parametrize("name", ["vmin", "vmax", "center", "linthresh", "gamma"])
def test_python_ints_beyond_int64_are_numbers(name):
    # was: numpy's TypeError "ufunc 'isfinite' not supported for the input types"
    value = 2 ** 64
    kw = {"vmin": -value} if name == "vmin" else {name: value}
    if name == "linthresh":
        kw["norm"] = "symlog"
    if name == "gamma":
        kw["norm"] = "power"
    assert fastheat.heatmap(np.eye(3), colorbar=True, **kw).size[0] > 0


@pytest.mark.parametrize("value", [2 ** 1024, -(10 ** 400)])
@pytest.mark.parametrize("name", ["vmin", "vmax", "center", "linthresh", "linscale", "base",
                                  "gamma"])
def test_python_ints_beyond_the_float_range_are_value_errors_naming_the_option(name, value):
    with pytest.raises(ValueError, match=rf"^{name}=-?\d+…\d+ \(\d+ digits\) must be"):
        fastheat.to_rgba(np.eye(3), **{name: value})


@pytest.mark.parametrize("name", ["vmin", "vmax", "center"])
@pytest.mark.parametrize("value", [np.complex128(1 + 1j), np.bool_(True), True, "1", [1.0]])
def test_non_real_limits_are_value_errors_naming_the_option(name, value):
    with pytest.raises(ValueError, match=rf"^{name}=.* must be a finite number or None"):
        fastheat.to_rgba(np.eye(3), **{name: value})


@pytest.mark.parametrize("value", [np.float16(0.5), np.longdouble(0.5), np.float32(0.5),
                                   np.int8(0), np.uint64(0)])
def test_numpy_scalar_limits_of_every_float_and_int_type_work(value):
    out = fastheat.to_rgba(np.eye(3), vmin=value, width=3, height=3)
    assert out.shape == (3, 3, 4)


# --------------------------------------------------------------------------- silently wrong

@pytest.mark.parametrize("kwargs", [dict(), dict(norm="power"), dict(norm="sqrt"),
                                    dict(norm="eq_hist"), dict(norm="twoslope"),
                                    dict(levels=4), dict(norm="symlog"),
                                    dict(norm="twoslope", center=1e308)])
def test_a_range_beyond_float_max_draws_its_max_at_the_top_not_as_missing(kwargs):
    # was: x - vmin overflowed to inf, inf / inf is NaN: the max drawn in the bad colour
    m = np.array([[-1.7e308, 1.7e308]])
    raster = fastheat.api.rasterize(m, width=2, height=1, cmap="viridis", **kwargs)
    n = raster.palette.N
    lo, hi = raster.codes[0]
    assert lo < n and hi < n  # neither bad (n + 2) nor under/over
    assert hi > lo


def test_eq_hist_over_the_full_float_range_ranks_the_middle_values():
    # was: np.interp's slope between -max and the middle bin overflowed to 0:
    # 0 and 1 (ranks 2-3 of 4) drawn in the lowest colour
    m = np.array([[BIG, -BIG], [0.0, 1.0]])
    codes = fastheat.api.rasterize(m, norm="eq_hist", width=2, height=2).codes
    assert codes.tolist() == [[255, 0], [170, 170]]  # levels 1, 0, 2/3, 2/3 of 256 colours


def test_linear_forward_of_a_range_beyond_the_float_range_is_finite():
    fitted = norms.fit(np.array([[-BIG, 0.0, BIG]]))
    t = fitted.forward(np.array([-BIG, 0.0, BIG]))
    np.testing.assert_allclose(t, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(fitted.inverse([0.0, 0.5, 1.0]), [-BIG, 0.0, BIG])


def test_centre_span_stays_finite_for_a_huge_center_or_range():
    # was: center + vrange overflowed to inf and the colormap collapsed to (0, 0)
    small = norms.fit(np.array([[0.0, 1.0]]))
    lo, hi = small.centre_span(1e308)
    assert lo == 0.0 and 0 < hi < 1e-300
    wide = norms.fit(np.array([[-1.7e308, 1.7e308]]))
    assert wide.centre_span(0.0) == (0.0, 1.0)
    assert wide.centre_span(1.7e308) == (0.0, 0.5)


def test_nice_edges_of_a_range_beyond_the_float_range_are_finite_and_cover_it():
    edges = norms.nice_edges(-1.7e308, 1.7e308, 5)
    assert np.isfinite(edges).all() and (np.diff(edges) > 0).all()
    assert edges[0] <= -1.7e308 and edges[-1] >= 1.7e308


# --------------------------------------------------------------------------- canvas limit

def test_a_10000_character_title_is_ellipsized_within_the_canvas_limit():
    # was: a 140,017-px-wide image past the documented 65,535
    comp = compose(np.eye(3), title="x" * 10_000, xlabel="y" * 10_000, ylabel="z" * 10_000,
                   colorbar={"label": "c" * 10_000})
    W, H = comp.image.size
    assert W <= MAX_SIDE and H <= MAX_SIDE
    for kind in ("title", "xlabel", "ylabel", "colorbar-label"):
        (text,) = texts(comp, kind)
        assert text.endswith(ELLIPSIS) and len(text) < 10_000
    (x0, _, x1, _), = [it.box for it in comp.items if it.kind == "title"]
    assert x1 - x0 <= MAX_LABEL * 1.25 + 1


def test_a_title_that_fits_is_kept_whole():
    comp = compose(np.eye(3), title="a title a bit wider than nothing")
    assert texts(comp, "title") == ["a title a bit wider than nothing"]


def test_a_very_long_tick_label_is_ellipsized():
    comp = compose(np.eye(2), yticklabels=["x" * 5000, "short"])
    long, short = texts(comp, "yticklabel")
    assert long.endswith(ELLIPSIS) and short == "short"


def test_ellipsize_keeps_the_longest_prefix_that_fits():
    font = load_font(None, 12)
    out = ellipsize(font, "abcdefghij" * 20, 100)
    from fastheat.compose.text import text_width

    assert out.endswith(ELLIPSIS) and text_width(font, out) <= 100
    assert text_width(font, out[:-1] + out[len(out) - 1:].replace(ELLIPSIS, "")) <= 100
    longer = "abcdefghij" * 20
    assert text_width(font, longer[: len(out)] + ELLIPSIS) > 100  # one more char would not fit


@pytest.mark.parametrize("size", [(MAX_SIDE + 1, 10), (10, MAX_SIDE + 1), (40_000, 40_000),
                                  (0, 5)])
def test_a_canvas_beyond_the_limit_is_refused_before_allocation(size):
    with pytest.raises(ValueError, match=r"^the composed image would be .* beyond the limit "
                                         r"of 65535 px a side"):
        check_canvas(*size)
    with pytest.raises(ValueError, match=r"^the composed image would be"):
        draw_scene(Scene(size, (0, 0, 0, 0), (255, 255, 255), []))  # 40,000^2 RGB: 4.8 GB


def test_a_raster_at_the_side_limit_with_decorations_is_refused_cleanly():
    with pytest.raises(ValueError, match=r"^the composed image would be \d+ x \d+ px"):
        fastheat.heatmap(np.eye(2), width=MAX_SIDE, height=2, colorbar=True)


# an in-memory mean is finished in the fold: one plane (fold_values), as max
@pytest.mark.parametrize("reduce, planes", [("mean", 1), ("sum", 2), ("std", 3), ("max", 1)])
def test_a_state_larger_than_the_machines_memory_is_refused_before_allocation(monkeypatch,
                                                                             reduce, planes):
    # the state's pages come from calloc, so np.zeros of 30 GB "succeeds" and the
    # kernel is killed mid-render; the render is refused first, naming the options
    from fastheat.aggregation import reductions

    need = (8 * planes + reductions.AFTER_STATE) * 400 * 300
    monkeypatch.setattr(reductions, "physical_memory", lambda: need - 1)
    allocated = []
    monkeypatch.setattr(np, "zeros", lambda *a, **k: allocated.append(a) or 1 / 0)
    monkeypatch.setattr(np, "full", lambda *a, **k: allocated.append(a) or 1 / 0)
    with pytest.raises(ValueError, match=rf"^a 400 x 300 px raster with reduce='{reduce}' needs "
                                         rf"about 0\.0 GiB \({planes} float64 values? a pixel for "
                                         r"its aggregation state, and about 12 bytes a pixel to "
                                         r"colour it\), more than this machine's 0\.0 GiB"):
        fastheat.to_rgba(np.ones((1000, 1000)), width=400, height=300, reduce=reduce)
    assert allocated == []
    monkeypatch.setattr(reductions, "physical_memory", lambda: need)
    monkeypatch.undo()
    assert fastheat.to_rgba(np.ones((1000, 1000)), width=400, height=300,
                            reduce=reduce).shape == (300, 400, 4)


def test_the_state_memory_check_passes_a_state_that_fits(monkeypatch):
    from fastheat.aggregation import reductions

    monkeypatch.setattr(reductions, "physical_memory", lambda: (8 * 2 + 12) * 400 * 300)
    assert fastheat.to_rgba(np.ones((1000, 1000)), width=400, height=300).shape == (300, 400, 4)
    monkeypatch.setattr(reductions, "physical_memory", lambda: None)  # the OS does not say
    assert fastheat.to_rgba(np.ones((1000, 1000)), width=400, height=300).shape == (300, 400, 4)


def test_cli_refuses_a_state_beyond_memory_in_one_line(tmp_path):
    import subprocess
    import sys

    np.save(tmp_path / "m.npy", np.ones((1000, 1000), np.float32))
    code = ("import sys, fastheat.aggregation.reductions as r; r.physical_memory = lambda: 10**6; "
            "from fastheat.cli import main; sys.exit(main(sys.argv[1:]))")
    p = subprocess.run([sys.executable, "-c", code, "render", str(tmp_path / "m.npy"), "-o",
                        str(tmp_path / "o.png"), "--width", "400", "--height", "400"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stderr
    assert p.stderr.count("\n") == 1 and "400 x 400 px raster with --reduce 'mean' needs" in p.stderr \
        and "a smaller --width or --height" in p.stderr
    assert not (tmp_path / "o.png").exists()


# --------------------------------------------------------------------------- every option

#: Hostile values every option meets: each works or raises a ValueError/TypeError naming it.
HOSTILE = {
    "zero": 0, "negative": -1, "negative float": -2.5, "nan": float("nan"), "inf": float("inf"),
    "-inf": -float("inf"), "huge": 1e308, "subnormal": 5e-324, "2**64": 2 ** 64,
    "2**1024": 2 ** 1024, "10**400": 10 ** 400, "empty string": "", "empty list": [],
    "empty dict": {}, "float16": np.float16(3), "longdouble": np.longdouble(3),
    "numpy bool": np.bool_(True), "complex": np.complex128(1 + 1j), "object": object(),
    "string": "bogus", "uint64 max": np.uint64(2 ** 64 - 1), "list of nan": [float("nan")],
}
M = np.arange(12.0).reshape(3, 4)
#: The keys of the dict-valued options, each swept on its own.
_SUBKEYS = ([("colorbar", f.name) for f in fields(ColorbarOptions)]
            + [("grid", f.name) for f in fields(GridOptions)]
            + [("line_kws", f.name) for f in fields(GridOptions)]
            + [("annot_kws", k) for k in ("size", "color", "weight")])
OPTIONS = [(f.name, None) for cls in options.FUNCTIONS["heatmap"] for f in fields(cls)] + \
    _SUBKEYS


def _call(name, sub, value, colorbar):
    kw = {name: value} if sub is None else {name: {sub: value}}
    if name == "annot_kws":
        kw["annot"] = True
    if name == "line_kws":
        kw["hlines"] = [1]
    if colorbar and name != "colorbar":
        kw["colorbar"] = True
    return fastheat.heatmap(M, **kw)


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("name, sub", OPTIONS, ids=[f"{n}.{s}" if s else n for n, s in OPTIONS])
def test_every_option_takes_hostile_values_or_names_itself(name, sub, value):
    """Walks the options table (new options are covered automatically): the
    call returns an image or raises ValueError/TypeError naming the option;
    anything else (OverflowError, IndexError, a warning, which pytest turns
    into an error) fails. Coloring options run with a colorbar too, where
    their values reach the tick code."""
    colorbars = (False, True) if options.OWNER.get(name) is options.Coloring else (False,)
    for colorbar in colorbars:
        try:
            image = _call(name, sub, value, colorbar)
        except (ValueError, TypeError) as e:
            assert (sub or name) in str(e), f"{type(e).__name__} does not name {sub or name}: {e}"
        else:
            assert image.size[0] > 0 and image.size[1] > 0


# ------------------------------------------------------------------- every norm, extreme data

EXTREME = {
    "float max": np.array([[BIG, -BIG], [0, 1.0]]),
    "range beyond float max": np.array([[-1.7e308, 1.7e308]]),
    "subnormal": np.array([[0, 5e-324], [1e-323, 2e-323]]),
    "subnormal around 0": np.array([[-5e-324, 5e-324]]),
    "tiny to max": np.array([[5e-324, 1e-300], [1.0, BIG]]),
    "constant float max": np.full((2, 2), BIG),
    "float16 extremes": np.array([[0, 65504], [-65504, 1]], np.float16),
    "float32 extremes": np.array([[np.finfo(np.float32).max, -np.finfo(np.float32).max]],
                                 np.float32),
    "int64 extremes": np.array([[np.iinfo(np.int64).min, np.iinfo(np.int64).max]]),
    "uint64 max": np.array([[0, np.iinfo(np.uint64).max]], np.uint64),
    "nan and inf": np.array([[np.nan, np.inf], [-np.inf, 1.0]]),
    "all nan": np.full((2, 2), np.nan),
}
NORM_KWS = [dict(), dict(norm="log"), dict(norm="symlog"), dict(norm="sqrt"),
            dict(norm="power", gamma=3), dict(norm="eq_hist"), dict(norm="twoslope"),
            dict(levels=5), dict(robust=True), dict(center=0.0), dict(center=1e308),
            dict(norm="symlog", linthresh=5e-324), dict(norm="symlog", linscale=1e308),
            dict(norm="power", gamma=1e-300), dict(vmin=-BIG, vmax=BIG)]


@pytest.mark.parametrize("kwargs", NORM_KWS, ids=lambda kw: ",".join(f"{k}={v}"
                                                                    for k, v in kw.items()))
@pytest.mark.parametrize("data", list(EXTREME.values()), ids=list(EXTREME))
def test_extreme_matrices_through_every_norm_with_a_colorbar_and_annotations(data, kwargs):
    """Returns an image or a ValueError (log of data without positive values,
    twoslope's centre outside the range); never a foreign exception or warning."""
    try:
        image = fastheat.heatmap(data, colorbar=True, annot=True, **kwargs)
    except ValueError as e:
        assert any(k in str(e) for k in ("norm=", "center=", "vmin=", "vmax=")), str(e)
    else:
        assert image.size[0] > 0
