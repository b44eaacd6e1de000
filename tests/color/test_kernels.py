"""fastheat/color/_kernels.py: the jitted colour kernels and their numpy twins
give the same bytes, and both match matplotlib's rule (tests/reference.py
style: an obvious numpy version written out here)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _values(kind, n, rng):
    """Finite float64 values of a kind that strains a bracketing sample."""
    if kind == "uniform":
        return rng.random(n)
    if kind == "wide":  # magnitudes from subnormal to near the float maximum, both signs
        return np.ldexp(rng.standard_normal(n), rng.integers(-1070, 1020, n))
    if kind == "ties":  # a few distinct values: brackets hold whole runs of one
        return rng.integers(0, 5, n).astype(np.float64)
    if kind == "sorted":
        return np.sort(rng.random(n))
    if kind == "periodic":  # a period the sample's stride aliases with
        return np.tile(rng.random(PERIOD), n // PERIOD + 1)[:n]
    return np.where(rng.random(n) < 0.03, rng.random(n) * 1e6, rng.random(n))  # "outliers"


PERIOD = 61


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(K.PERCENTILE_ITEMS, 3 * K.PERCENTILE_ITEMS),
       kind=st.sampled_from(["uniform", "wide", "ties", "sorted", "periodic", "outliers"]),
       qs=st.sampled_from([[2, 98], [0, 100], [50], [0.001, 99.999], [25, 75, 97.5]]))
def test_percentiles_equal_numpys_bit_for_bit(seed, n, kind, qs):
    # the bracketed order statistics and numpy's interpolation, against
    # np.percentile itself (the fast path forced: numba loaded or not)
    x = _values(kind, n, np.random.default_rng(seed))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(K, "use_jit", lambda items: True)
        got = K.percentiles(x, qs)
    want = np.percentile(x, qs)
    assert got.dtype == want.dtype == np.float64
    np.testing.assert_array_equal(got, want)


def test_percentiles_bracket_or_fall_back(monkeypatch):
    # the pass is what answers for values a strided sample represents; a sample
    # that misses the ranks (every value it sees the largest) falls back to numpy
    monkeypatch.setattr(K, "use_jit", lambda items: True)
    n = 1 << 17
    calls = []
    real = np.percentile
    monkeypatch.setattr(np, "percentile", lambda *a, **k: calls.append(1) or real(*a, **k))
    x = np.random.default_rng(1).random(n)
    K.percentiles(x, [2, 98])
    assert calls == []
    stride = n // K.PERCENTILE_SAMPLE
    x[::stride] = 2.0  # the sample sees only these
    got = K.percentiles(x, [2, 98])
    assert calls == [1]
    np.testing.assert_array_equal(got, real(x, [2, 98]))


def test_percentiles_interpolate_as_numpy_rounds(monkeypatch):
    # order statistics and a fraction where numpy's interpolation (from the
    # upper one when the fraction is >= 0.5) rounds unlike a + (b - a) * t
    monkeypatch.setattr(K, "use_jit", lambda items: True)
    n, a, b = 69723, -0.04130635433918935, -0.005227484414807474
    p = int(np.floor((n - 1) * 0.98))
    t = (n - 1) * 0.98 - p
    assert a + (b - a) * t != b - (b - a) * (1 - t)  # (the case tells them apart)
    rng = np.random.default_rng(0)
    x = rng.permutation(np.concatenate([a - 1 - rng.random(p), [a, b],
                                        b + 1 + rng.random(n - p - 2)]))
    np.testing.assert_array_equal(K.percentiles(x, [98]), np.percentile(x, [98]))
