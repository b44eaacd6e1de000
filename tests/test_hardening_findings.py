"""Issue 10: siblings of fuzz findings F18 and F22-F26, found by searching the
code for the same pattern (their own regression tests are in
tests/fuzz/test_regressions.py). Each case failed before the fix in the way
its comment says. Warnings are errors here (pyproject), so a leaked
RuntimeWarning fails the test.
"""
from __future__ import annotations

import io

import numpy as np
import pytest

import fastheat
from fastheat._validate import short_repr
from fastheat.aggregation import geometry
from fastheat.color import norms

F32 = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
F16 = F32.astype(np.float16)


# --------------------------------------------------------------------------- F22/F24: limits
# A numpy float32/float16 limit compared with a Python float beyond its range:
# numpy compares in the small type ("overflow encountered in cast").

@pytest.mark.parametrize("kw", [
    dict(norm="twoslope", vmin=np.float32(0), vmax=1e300, center=1e200),  # fit: twoslope check
    dict(norm="eq_hist", vmin=np.float32(0), vmax=1e300),  # eq_hist's cdf
    dict(norm="symlog", vmin=np.float32(1), vmax=1e300),  # symlog's linthresh
    dict(norm="log", vmin=np.float32(1), vmax=1e300),
    dict(norm="sqrt", vmin=np.float32(1), vmax=1e300),
    dict(norm="power", gamma=2, vmin=np.float32(1), vmax=1e300),
    dict(levels=3, vmin=np.float32(1), vmax=1e300),
    dict(vmin=np.float32(3e38), vmax=1e300),  # linear: fit's vmin > vmax check
], ids=lambda kw: kw.get("norm", "levels" if "levels" in kw else "linear"))
def test_float32_limit_with_a_huge_python_limit(kw):
    img = fastheat.heatmap(F32, colorbar=True, width=20, height=20, **kw)
    assert img.size[0] > 20
    fitted = fastheat.render_info(F32, width=2, height=2, **kw)
    assert fitted.vmax == 1e300


@pytest.mark.parametrize("kw", [
    dict(vmin=-1e300),  # ticks: norm.vmin == norm.vmax in float16
    dict(robust=True, vmax=1e10),
    dict(vmax=1e10, colorbar={"ticks": [1e9, 5e9]}),
])
def test_float16_colorbar_with_limits_beyond_float16(kw):
    kw.setdefault("colorbar", True)
    fastheat.heatmap(F16, width=20, height=20, **kw)


def test_float16_colorbar_ticks_beyond_float16_max_are_drawn():
    """Before: the linear norm of float16 data placed ticks in float16, where
    80000 and 100000 are inf: a bar up to vmax=1e5 stopped at 60000."""
    norm = norms.fit(np.array([[0.5, 10.0]]), vmax=1e5, dtype=np.float16)
    values = np.array([0.0, 20000.0, 80000.0, 100000.0])
    np.testing.assert_allclose(norm.positions(values), [-0.5 / (1e5 - 0.5), 0.199996, 0.799998,
                                                        1.0], rtol=1e-5)
    assert np.isinf(np.asarray(norm.forward(values), float)[2:]).all()  # its own type: inf
    img = np.asarray(fastheat.heatmap(np.array([[0.5, 10.0]], np.float16), width=200,
                                      height=60, vmax=1e5, colorbar=True))
    also = np.asarray(fastheat.heatmap(np.array([[0.5, 10.0]], np.float32), width=200,
                                       height=60, vmax=1e5, colorbar=True))
    assert img.shape == also.shape
    np.testing.assert_array_equal(img, also)  # same ticks as for float32 data


def test_norm_flat_compares_as_floats():
    n = norms.Norm(np.float16(1), 1e300, np.float16)
    assert n.flat is False
    assert norms.Norm(np.float32(2), 2.0).flat is True


# --------------------------------------------------------------------------- F25: one line

@pytest.mark.parametrize("kw, start", [
    (dict(norm="log", levels=np.linspace(1, 2, 300)), "levels=array([1. , 1.00334448,"),
    (dict(levels=np.linspace(0, 1, 300), vmin=0), "levels=[0.0, 0.00334448160535117"),
    (dict(levels=np.linspace(1, 0, 300)), "levels=array([1. , 0.99665552,"),
    (dict(levels=[[0, 1], [2, 3]] * 50), "levels=[[0, 1], [2, 3], [0, 1], "),
])
def test_levels_errors_are_one_line(kw, start):
    with pytest.raises(ValueError) as e:
        fastheat.to_rgba(np.eye(3), **kw)
    text = str(e.value)
    assert "\n" not in text and text.startswith(start), text
    assert len(text) < 250, text
    assert "(shape (300,))" in text or "(300 items)" in text or "(100 items)" in text


def test_short_repr_is_one_line():
    assert short_repr(np.eye(30)).count("\n") == 0
    assert short_repr(np.eye(30)).endswith("(shape (30, 30))")
    assert short_repr([1, 2]) == "[1, 2]"
    assert short_repr("a  b") == "'a  b'"  # the text of a string is kept


# --------------------------------------------------------------------------- F23

def test_masked_structured_array_with_a_mask_is_a_clean_error():
    data = np.zeros((4, 3), [("a", "f4"), ("b", "i2")])
    mask = np.zeros((4, 3), [("a", "?"), ("b", "?")])
    mask[0, 0] = (True, False)
    with pytest.raises(TypeError, match=r"data has dtype \[\('a', '<f4'\), \('b', '<i2'\)\] "
                                        r"\('V' kind\); allowed are bool, integer and floating"):
        fastheat.to_rgba(np.ma.masked_array(data, mask=mask), width=4, height=3)


def test_masked_complex_and_3d_arrays_are_clean_errors():
    with pytest.raises(TypeError, match="data has dtype complex128"):
        fastheat.to_rgba(np.ma.masked_array(np.zeros((3, 3), complex), mask=np.eye(3)))
    with pytest.raises(ValueError, match="data is 3-dimensional"):
        fastheat.to_rgba(np.ma.masked_array(np.zeros((3, 3, 3)), mask=False))


# --------------------------------------------------------------------------- F26: aspect

@pytest.mark.parametrize("kw, match", [
    (dict(height=45, aspect=1e-310), r"aspect=1e-310 with height=45 makes the width inf"),
    (dict(width=45, aspect=1e308), r"aspect=1e\+308 with width=45 makes the height inf"),
    (dict(height=1000, aspect=1e-9), r"aspect=1e-09 with height=1000 makes the width 1\.23e\+09"),
])
def test_extreme_aspect_with_one_side_is_a_clean_error(kw, match):
    """Before: OverflowError for the first two; the third was clamped to
    65,535 px silently (cells 70,000 times less wide than asked)."""
    with pytest.raises(ValueError, match=match + r" px, beyond the limit of 65535 px"):
        fastheat.save(np.zeros((814, 1)), io.BytesIO(), **kw)


def test_aspect_within_the_limit_still_renders():
    assert geometry.output_shape((814, 1), height=45, aspect=0.001) == (45, 55)
    assert geometry.output_shape((814, 1), height=45, aspect=1e-5) == (45, 5528)
    # aspect="auto" (the default picture's proportions) as before
    assert geometry.output_shape((1, 100_000), height=8_000) == (8_000, 32_000)


# --------------------------------------------------------------------------- F18: scale

@pytest.mark.parametrize("kw, match", [
    (dict(scale=64), r"scale=64(\.0)? makes the 250 x 1000 px raster 16000 x 64000 px"),
    (dict(scale=2, width=40_000, height=10), r"scale=2(\.0)? makes the 40000 x 10 px raster "
                                             r"80000 x 20 px"),
])
def test_raster_limit_reached_through_scale_names_scale(kw, match):
    """The second: before, 'width must be between 1 and 65535 pixels, got 80000'
    (no width of 80000 was given)."""
    with pytest.raises(ValueError, match=match + r", beyond the limit of 65535 px a side and "
                                                 r"536,870,912 pixels; use a smaller scale="):
        fastheat.heatmap(np.zeros((18212, 1), bool), colorbar=True, **kw)


# --------------------------------------------------------------------------- ticks

@pytest.mark.parametrize("kw", [dict(xticks=5), dict(xticks=[0, 5e-321, 1e-320]),
                                dict(xticks=[1e308], colorbar=True)])
def test_ticks_on_a_subnormal_extent_do_not_warn(kw):
    """Before: ``overflow encountered in divide`` (ticks.data_pixels: values off
    an axis spanning 1e-320 are +-inf pixels, which are then not shown)."""
    fastheat.heatmap(np.eye(3), extent=(0, 1e-320, 0, 1), **kw)
