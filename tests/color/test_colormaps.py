"""Colormapping against matplotlib.

With a matplotlib colormap object, ``norm="linear"`` and the raster at the
matrix's own size, ``to_rgba`` must equal ``obj(Normalize(a, b)(x), bytes=True)``
byte for byte, bad/under/over included, with +-inf masked as bad as matplotlib's
``imshow`` masks them. Names resolve through the ``cmap``
catalogue and must come within 1 unit per channel of matplotlib's colormap of
that name (gist_stern excepted, see fastheat/color/colormaps.py).

One intended difference: when ``vmin == vmax`` matplotlib's ``Normalize``
overwrites every value with 0, NaN included, so NaN gets the lowest colour;
fastheat keeps NaN bad (see ``test_nan_stays_bad_when_vmin_equals_vmax``).
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

import cmap as cmap_lib
import matplotlib
import matplotlib.colors as mcolors
import numpy as np
import pytest
from hypothesis import given, strategies as st

import fastheat

mpl = matplotlib.colormaps


def mpl_rgba(obj, x, a, b):
    # +-inf (and NaN) masked as bad, as matplotlib's imshow masks them
    # (float16 data can overflow in matplotlib's in-place arithmetic: inf is fine)
    with np.errstate(over="ignore", invalid="ignore"):
        return obj(mcolors.Normalize(a, b)(np.ma.masked_invalid(x)), bytes=True)


def fh_rgba(x, cmap, a, b, **kw):
    return fastheat.to_rgba(x, cmap=cmap, vmin=a, vmax=b, width=x.shape[1], height=x.shape[0], **kw)


def assert_bytes_equal(got, want):
    assert got.dtype == np.uint8 and got.shape == want.shape
    diff = (got != want).any(axis=-1)
    assert not diff.any(), (f"{diff.sum()} pixels differ; first at {np.argwhere(diff)[0].tolist()}: "
                            f"got {got[diff][:3].tolist()}, want {want[diff][:3].tolist()}")


# Matplotlib colormap objects of every kind: listed (256, 10, 510 colours),
# segmented, resampled, and with custom bad/under/over colours.
MPL_OBJECTS = {
    "viridis": lambda: mpl["viridis"],
    "gray": lambda: mpl["gray"],
    "tab10": lambda: mpl["tab10"],
    "twilight": lambda: mpl["twilight"],
    "jet": lambda: mpl["jet"],
    "hot_r": lambda: mpl["hot_r"],
    "coolwarm-7": lambda: mpl["coolwarm"].resampled(7),
    "extremes": lambda: mpl["magma"].with_extremes(bad="#12345678", under="red", over=(0, 1, 0, 0.5)),
    "from_list": lambda: mcolors.LinearSegmentedColormap.from_list("x", ["navy", "w", "darkred"], N=17),
    "listed": lambda: mcolors.ListedColormap(["red", "green", "blue"]).with_extremes(bad="k"),
}
DTYPES = ["float16", "float32", "float64", ">f4", ">f8", "<f2", "int8", "int16", "int32",
          "int64", "uint8", "uint16", "uint32", "uint64", ">i4", ">u2", "bool"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(MPL_OBJECTS))
def test_bytes_equal_matplotlib(name, dtype):
    obj = MPL_OBJECTS[name]()
    rng = np.random.default_rng(0)
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        x = rng.random((13, 17)) < 0.5
        a, b = 0.2, 0.9
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        lo, hi = max(info.min, -300), min(info.max, 300)
        x = rng.integers(lo, hi, size=(13, 17), endpoint=True).astype(dtype)
        a, b = (lo + 30.5, hi - 40.25)
    else:
        x = rng.normal(0, 50, size=(13, 17)).astype(dtype)
        x.flat[:5] = [np.nan, np.inf, -np.inf, -40, 40]
        a, b = -40, 40.0
    assert_bytes_equal(fh_rgba(x, obj, a, b), mpl_rgba(obj, x, a, b))


def edge_values(a, b, n):
    """Values at every colour-bin edge of ``[a, b]`` (``a + k (b - a) / n``)."""
    return a + np.arange(n + 1) / n * (b - a)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", ">f4"])
@pytest.mark.parametrize("name", ["viridis", "tab10", "twilight", "coolwarm-7"])
@pytest.mark.parametrize("a, b", [(0.0, 1.0), (-1.0, 3.0), (0.1, 0.7), (-1e4, 1e4 / 3),
                                  (1000.0, 1000.5), (1e-7, 3e-7)])
def test_bin_edges_and_their_neighbours(name, dtype, a, b):
    obj = MPL_OBJECTS[name]()
    dtype = np.dtype(dtype)
    with np.errstate(over="ignore"):
        e = edge_values(a, b, obj.N).astype(dtype.newbyteorder("="))
    x = np.concatenate([e, np.nextafter(e, -np.inf), np.nextafter(e, np.inf),
                        np.nextafter(np.nextafter(e, np.inf), np.inf)])
    x = x.astype(dtype).reshape(4, -1)
    assert_bytes_equal(fh_rgba(x, obj, a, b), mpl_rgba(obj, x, a, b))


@st.composite
def cases(draw):
    name = draw(st.sampled_from(sorted(MPL_OBJECTS)))
    obj = MPL_OBJECTS[name]()
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    rows, cols = draw(st.integers(1, 4)), draw(st.integers(1, 12))
    n = rows * cols
    ab = st.one_of(st.floats(-1e6, 1e6), st.integers(-1000, 1000))
    a, b = sorted([draw(ab), draw(ab)])
    if a == b:
        b = a + draw(st.sampled_from([1, 0.5, 1e-3, 250]))
    native = dtype.newbyteorder("=")
    if dtype.kind == "b":
        x = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        lo, hi = int(np.floor(a)) - 3, int(np.ceil(b)) + 3
        lo, hi = max(lo, int(info.min)), min(hi, int(info.max))
        if lo > hi:
            lo, hi = int(info.min), int(info.max)
        x = np.array(draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n)), native)
    else:
        with np.errstate(over="ignore"):
            edges = edge_values(a, b, obj.N).astype(native)
        def near(edge_and_ulps):
            v, k = native.type(edge_and_ulps[0]), edge_and_ulps[1]
            for _ in range(abs(k)):
                v = np.nextafter(v, native.type(np.inf if k > 0 else -np.inf))
            return float(v)

        span = b - a
        value = st.one_of(
            st.tuples(st.sampled_from(edges.tolist()), st.integers(-2, 2)).map(near),
            st.floats(a - span / 4, b + span / 4),
            st.sampled_from([np.nan, np.inf, -np.inf, a, b]),
        )
        with np.errstate(over="ignore"):
            x = np.array(draw(st.lists(value, min_size=n, max_size=n))).astype(native)
    x = x.reshape(rows, cols).astype(dtype)
    if dtype.kind != "f" and draw(st.booleans()):  # masked arrays (without NaN: see below)
        x = np.ma.masked_array(x, mask=np.array(draw(st.lists(st.booleans(), min_size=n,
                                                                 max_size=n))).reshape(rows, cols))
    return obj, x, a, b


@given(case=cases())
def test_hypothesis_bytes_equal_matplotlib(case):
    # (matplotlib maps NaN inside a masked array with a mask elsewhere to an
    # arbitrary colour, so masked float arrays are tested without NaN below)
    obj, x, a, b = case
    assert_bytes_equal(fh_rgba(x, obj, a, b), mpl_rgba(obj, x, a, b))


def test_masked_float_arrays_bytes_equal():
    obj = MPL_OBJECTS["extremes"]()
    rng = np.random.default_rng(4)
    for dtype in ("float16", "float32", ">f8"):
        x = np.ma.masked_array(rng.normal(size=(9, 11)).astype(dtype), mask=rng.random((9, 11)) < 0.3)
        x[0, 0] = np.inf
        assert_bytes_equal(fh_rgba(x, obj, -1, 1), mpl_rgba(obj, x, -1, 1))


def test_default_range_bytes_equal_matplotlib():
    # no vmin/vmax: both use the data's min and max
    rng = np.random.default_rng(8)
    for dtype in ("float32", "float64", "int16", "uint8", ">f4"):
        for _ in range(20):
            x = (rng.normal(size=(7, 9)) * 10.0 ** rng.integers(-3, 4)).astype(dtype)
            obj = mpl["viridis"]
            got = fastheat.to_rgba(x, cmap=obj, width=9, height=7)
            assert_bytes_equal(got, obj(mcolors.Normalize()(x), bytes=True))


def test_nan_stays_bad_when_vmin_equals_vmax():
    # the documented difference from matplotlib: NaN is bad even with vmin == vmax
    obj = mpl["viridis"]
    x = np.array([[1.0, np.nan, 5.0, -np.inf]])
    got = fh_rgba(x, obj, 1.0, 1.0)
    want = mpl_rgba(obj, x, 1.0, 1.0)
    assert got[0, 1].tolist() == [0, 0, 0, 0]  # bad: transparent
    keep = [0, 2, 3]
    assert_bytes_equal(got[:, keep], want[:, keep])


# --- names ------------------------------------------------------------------------------

NAMES = sorted(set(mpl) | {n + "_r" for n in mpl if not n.endswith("_r")})
DIFFERENT = {"gist_stern", "gist_stern_r"}


@pytest.mark.parametrize("name", NAMES)
def test_every_matplotlib_name_within_one_unit(name):
    if name in DIFFERENT:
        pytest.skip("the cmap catalogue defines gist_stern as yorick's 'stern', documented in "
                    "fastheat/color/colormaps.py; pass matplotlib.colormaps['gist_stern'] for matplotlib's")
    # every colour bin (several samples each), the exact ends, under, over and bad
    x = np.concatenate([np.linspace(0, 1, 4097), [-0.5, 1.5, np.nan, -np.inf, np.inf]])[None]
    got = fastheat.to_rgba(x, cmap=name, vmin=0, vmax=1, width=x.shape[1], height=1)
    want = mpl_rgba(mpl[name], x, 0, 1)
    diff = np.abs(got.astype(int) - want).max(axis=-1)
    assert diff.max() <= 1, f"{name}: off by {diff.max()} at x={x[0, diff[0].argmax()]}"


@pytest.mark.parametrize("name", sorted(DIFFERENT))
def test_gist_stern_differs_as_documented(name):
    x = np.linspace(0, 1, 256)[None]
    obj = mpl[name]
    assert np.abs(fh_rgba(x, name, 0, 1).astype(int) - mpl_rgba(obj, x, 0, 1)).max() > 1
    # the documented way to get matplotlib's: pass its object
    assert_bytes_equal(fh_rgba(x, obj, 0, 1), mpl_rgba(obj, x, 0, 1))


def test_non_matplotlib_catalogue_names():
    x = np.linspace(0, 1, 300)[None]
    for name in ("fire", "colorcet:CET_L1", "cmocean:thermal", "crameri:batlow", "fire_r"):
        rgba = fh_rgba(x, name, 0, 1)
        assert rgba.shape == (1, 300, 4) and (rgba[..., 3] == 255).all()
        assert len(np.unique(rgba.reshape(-1, 4), axis=0)) > 100
    # "_r" reverses
    fwd, rev = fh_rgba(x, "fire", 0, 1), fh_rgba(x, "fire_r", 0, 1)
    assert np.abs(fwd[:, ::-1].astype(int) - rev).max() <= 1


# --- lists of colours, cmap.Colormap objects, custom extremes --------------------------


def test_list_of_colours():
    x = np.linspace(0, 1, 256)[None]
    got = fh_rgba(x, ["black", "white"], 0, 1)
    want = mpl_rgba(mcolors.LinearSegmentedColormap.from_list("bw", ["black", "white"]), x, 0, 1)
    assert np.abs(got.astype(int) - want).max() <= 1
    # grey ramp: r == g == b, increasing, opaque
    assert (got[..., 0] == got[..., 1]).all() and (np.diff(got[0, :, 0].astype(int)) >= 0).all()
    assert got[0, 0].tolist() == [0, 0, 0, 255] and got[0, -1].tolist() == [255, 255, 255, 255]
    three = fh_rgba(x, ["#ff0000", (0, 1, 0), (0, 0, 1, 1.0)], 0, 1)
    assert three[0, 0].tolist() == [255, 0, 0, 255] and three[0, -1].tolist() == [0, 0, 255, 255]
    mid = three[0, 127:129, 1].max()
    assert mid >= 250  # green in the middle
    single = fh_rgba(x, ["orange"], 0, 1)
    assert (single == single[0, 0]).all() and single[0, 0].tolist() == [255, 165, 0, 255]


def test_cmap_colormap_objects():
    x = np.concatenate([np.linspace(0, 1, 1000), [-1, 2, np.nan]])[None]
    for obj, name in ((cmap_lib.Colormap("viridis"), "viridis"),
                      (cmap_lib.Colormap("tab10"), "tab10"),
                      (cmap_lib.Colormap("magma_r"), "magma_r")):
        assert_bytes_equal(fh_rgba(x, obj, 0, 1), fh_rgba(x, name, 0, 1))
        assert np.abs(fh_rgba(x, obj, 0, 1).astype(int) - mpl_rgba(mpl[name], x, 0, 1)).max() <= 1
    custom = cmap_lib.Colormap(["black", "red"], under="blue", over="lime", bad="white")
    got = fh_rgba(x, custom, 0, 1)
    assert got[0, -3].tolist() == [0, 0, 255, 255]
    assert got[0, -2].tolist() == [0, 255, 0, 255]
    assert got[0, -1].tolist() == [255, 255, 255, 255]
    assert got[0, 0].tolist() == [0, 0, 0, 255] and got[0, -4].tolist() == [255, 0, 0, 255]


@pytest.mark.parametrize("cmap", ["viridis", "tab10", "mpl-object", "list"])
def test_custom_bad_under_over(cmap):
    obj = {"mpl-object": mpl["plasma"], "list": ["white", "black"]}.get(cmap, cmap)
    x = np.array([[0.5, -1.0, 2.0, np.nan, -np.inf, np.inf, 0.0, 1.0]])
    got = fh_rgba(x, obj, 0, 1, bad="red", under=(0, 0, 1), over="#00ff0080")
    assert got[0, 1].tolist() == [0, 0, 255, 255]  # under
    assert got[0, 2].tolist() == [0, 255, 0, 128]  # over
    assert got[0, 3].tolist() == [255, 0, 0, 255]  # bad
    assert got[0, 4].tolist() == got[0, 5].tolist() == [255, 0, 0, 255]  # +-inf: bad
    plain = fh_rgba(x, obj, 0, 1)
    assert_bytes_equal(got[:, [0, 6, 7]], plain[:, [0, 6, 7]])  # in-range colours untouched
    # defaults: under/over are the end colours, bad transparent
    assert_bytes_equal(plain[:, [1]], plain[:, [6]])
    assert_bytes_equal(plain[:, [2]], plain[:, [7]])
    assert plain[0, 3].tolist() == plain[0, 4].tolist() == plain[0, 5].tolist() == [0, 0, 0, 0]


def test_custom_extremes_match_matplotlib_with_extremes():
    x = np.array([[0.5, -1.0, 2.0, np.nan, 0.25]])
    # components whose x255 is not whole: floor (matplotlib's bytes=True), not round
    kw = dict(bad=(0.1, 0.3, 0.7, 0.5), under="crimson", over=(1, 0.5, 0.01))
    got = fh_rgba(x, "viridis", 0, 1, **kw)
    want = mpl_rgba(mpl["viridis"].with_extremes(**kw), x, 0, 1)
    assert np.abs(got.astype(int) - want).max() <= 1
    assert_bytes_equal(got[:, 1:4], want[:, 1:4])  # the extremes themselves exactly


def test_name_path_does_not_import_matplotlib():
    code = textwrap.dedent("""
        import sys
        import numpy as np
        import fastheat
        x = np.random.default_rng(0).normal(size=(50, 60))
        fastheat.to_rgba(x, cmap="magma_r", vmin=-1, vmax=1, bad="red")
        fastheat.to_rgba(x, cmap=["red", "blue"])
        fastheat.heatmap(x, cmap="fire", norm="log")
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("matplotlib", "seaborn"))
        print(loaded)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
