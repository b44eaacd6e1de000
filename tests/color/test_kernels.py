"""fastheat/color/_kernels.py: the jitted colour kernels and their numpy twins
give the same bytes, and both match matplotlib's rule (tests/reference.py
style: an obvious numpy version written out here)."""
from __future__ import annotations

import numpy as np
import pytest

from fastheat import _jit
from fastheat.color import _kernels as K


def naive_codes(t, n):
    """matplotlib's ``Colormap.__call__`` index, element by element."""
    out = np.empty(t.shape, np.uint16)
    for idx, v in np.ndenumerate(t):
        with np.errstate(over="ignore", invalid="ignore"):
            x = v * n
        if x == n:
            x = n - 1
        out[idx] = n + 2 if np.isnan(x) else n if x < 0 else n + 1 if x >= n else int(x)
    return out


def special_values(dtype, shape=(37, 29), seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(-0.2, 1.2, shape).astype(dtype)
    flat = t.reshape(-1)
    flat[:8] = [0, 1, np.nan, np.inf, -np.inf, -0.0, np.nextafter(1, 2), np.nextafter(0, -1)]
    flat[8:12] = [np.nextafter(dtype(1), dtype(0)), 0.5, 255.999 / 256, 1 / 256]
    return t


@pytest.fixture(params=["jit", "numpy"])
def path(request, monkeypatch):
    monkeypatch.setattr(K, "use_jit", lambda items: request.param == "jit")
    return request.param


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [2, 256, 1024])
def test_colormap_codes_match_the_rule(path, dtype, n):
    t = special_values(dtype)
    out = np.empty(t.shape, np.uint16)
    K.colormap_codes(t, dtype(n), out)
    np.testing.assert_array_equal(out, naive_codes(t, dtype(n)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_codes_equal_normalize_then_code(path, dtype):
    rng = np.random.default_rng(1)
    x = rng.normal(3, 2, (41, 23)).astype(dtype)
    x.reshape(-1)[:5] = [np.nan, np.inf, -np.inf, 1e30 if dtype == np.float64 else 3e38, -7]
    lo, hi = dtype(1.1), dtype(5.3)
    span = hi - lo
    with np.errstate(invalid="ignore", over="ignore"):
        t = (x - lo) / span  # matplotlib's Normalize in the values' type
    t[~np.isfinite(x)] = np.nan  # +-inf are bad
    out = np.empty(x.shape, np.uint16)
    K.linear_codes(x, lo, span, dtype(256), out)
    np.testing.assert_array_equal(out, naive_codes(t, dtype(256)))


def test_linear_codes_of_float64_values_in_a_float32_norm(path):
    # a float32 input's mean (float64 cells) normalized as matplotlib
    # normalizes float32 data: each value rounded to float32 first, then the
    # float32 arithmetic; only the value's own NaN and +-inf are bad (one past
    # float32's range rounds to +-inf and is over or under)
    rng = np.random.default_rng(4)
    f32 = np.float32
    lo, hi = f32(1.1), f32(5.3)
    span = hi - lo
    # values just either side of every code's edge, where float32 rounding
    # moves a third of them to the next code (float64 arithmetic would not)
    edges = np.float64(lo) + np.float64(span) * np.arange(1, 256) / 256
    x = np.concatenate([rng.normal(3, 2, 323)] + [edges + d for d in (-1e-7, -1e-8, 1e-8, 1e-7)])
    x = x.reshape(17, 79)
    x.reshape(-1)[:10] = [np.nan, np.inf, -np.inf, 1e39, -1e39, 1e-320, 1.1, 5.3,
                          np.nextafter(1.1, 0), float(np.nextafter(f32(5.3), f32(0))) + 1e-12]
    with np.errstate(invalid="ignore", over="ignore"):
        t = np.array(x, f32)  # the unfused path: Norm.forward in float32
        t -= lo
        t /= span
    t[np.isinf(x)] = np.nan
    out = np.empty(x.shape, np.uint16)
    K.linear_codes(x, lo, span, f32(256), out)
    expected = naive_codes(t, f32(256))
    np.testing.assert_array_equal(out, expected)
    assert list(out.reshape(-1)[:5]) == [258, 258, 258, 257, 256]  # bad x3, over, under


def test_jit_and_numpy_twins_agree_on_a_large_random_grid():
    t = special_values(np.float64, (300, 301), seed=5)
    a, b = np.empty(t.shape, np.uint16), np.empty(t.shape, np.uint16)
    K.J.colormap_codes(t, 256.0, a)
    K._colormap_codes_numpy(t, 256.0, b)
    np.testing.assert_array_equal(a, b)


def test_use_jit_policy(monkeypatch):
    import sys

    monkeypatch.setattr(_jit, "_cold_calls", [0])
    monkeypatch.delitem(sys.modules, "numba.np.arraymath", raising=False)
    assert _jit.use_jit(_jit.JIT_ITEMS)  # big work: jitted at once
    assert [_jit.use_jit(10) for _ in range(4)] == [False, False, True, True]
    monkeypatch.setattr(_jit, "_cold_calls", [0])
    monkeypatch.setitem(sys.modules, "numba.np.arraymath", sys)  # registries loaded
    assert _jit.use_jit(10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_codes_of_a_clean_grid_in_its_own_range(path, dtype):
    # the common case (no missing value, nothing under or over: numpy's short
    # path), with values at the range's ends and just inside them
    x = np.random.default_rng(2).normal(size=(57, 61)).astype(dtype)
    lo, hi = x.min(), x.max()
    x.reshape(-1)[:4] = [np.nextafter(lo, hi), np.nextafter(hi, lo), lo, hi]
    span = hi - lo
    t = (x - lo) / span
    out = np.empty(x.shape, np.uint16)
    K.linear_codes(x, lo, span, dtype(256), out)
    np.testing.assert_array_equal(out, naive_codes(t, dtype(256)))
    assert out.max() == 255 and out.min() == 0
