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

import json
import subprocess
import sys
import textwrap

import cmap as cmap_lib
import colorcet
import matplotlib
import matplotlib.colors as mcolors
import numpy as np
import pytest
import seaborn
from hypothesis import given, strategies as st

import fastheat
from fastheat.color.colormaps import COLORCET_FIRST, MATPLOTLIB_FIRST, to_color

mpl = matplotlib.colormaps


def mpl_rgba(obj, x, a, b):
    # +-inf (and NaN) masked as bad, as matplotlib's imshow masks them
    # (float16 data can overflow in matplotlib's in-place arithmetic: inf is fine)
    # +-inf in the data are bad, as matplotlib's images mask them (issue 9)
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


LISTS = {
    "three": ["red", "white", "blue"],
    "mixed-specs": ["#ff000080", (0, 1, 0), (0, 0, 1, 1.0), "C3", "tab:olive", "xkcd:sky blue",
                    "0.15"],
    "single": ["orange"],
    "tuple": ("navy", "gold"),
    "husl-8": lambda: seaborn.color_palette("husl", 8),
    "colorcet.fire": lambda: colorcet.fire,  # 256 hex strings
    "float-array": lambda: np.random.default_rng(1).random((300, 3)),
    "rgba-array": lambda: np.random.default_rng(2).random((5, 4)),
}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_list_of_colours_is_listed_colormap(name):
    # as seaborn and matplotlib: ListedColormap(colours), one band per colour
    colours = LISTS[name]() if callable(LISTS[name]) else LISTS[name]
    x = np.concatenate([np.linspace(0, 1, 1201), [-0.5, 1.5, np.nan]])[None]
    want = mpl_rgba(mcolors.ListedColormap(colours), x, 0, 1)
    assert_bytes_equal(fh_rgba(x, colours, 0, 1), want)
    assert len(np.unique(want[0, :-3], axis=0)) == len(np.unique(np.asarray(
        mcolors.to_rgba_array(colours) * 255).astype(np.uint8), axis=0))


def test_list_of_256_colours_gives_them_exactly():
    # datashader's shade(cmap=colorcet.fire): fastheat at native size gives the hex colours
    x = np.arange(256)[None] / 255
    got = fh_rgba(x, colorcet.fire, 0, 1)[0]
    assert [f"#{r:02x}{g:02x}{b:02x}" for r, g, b, _ in got.tolist()] == colorcet.fire


def test_seaborn_list_cmap_bytes():
    import matplotlib.pyplot as plt
    data = np.random.default_rng(4).normal(size=(9, 11))
    for colours in (["red", "white", "blue"], seaborn.color_palette("vlag", 7),
                    seaborn.color_palette("Set2")):
        ax = seaborn.heatmap(data, cmap=colours)
        mesh = ax.collections[0]
        want = mesh.cmap(mesh.norm(data), bytes=True)
        plt.close(ax.figure)
        assert_bytes_equal(fastheat.to_rgba(data, cmap=colours, width=11, height=9), want)


def test_gradient_through_colours_as_documented():
    x = np.linspace(0, 1, 256)[None]
    got = fh_rgba(x, cmap_lib.Colormap(["black", "white"]), 0, 1)
    want = mpl_rgba(mcolors.LinearSegmentedColormap.from_list("bw", ["black", "white"]), x, 0, 1)
    assert np.abs(got.astype(int) - want).max() <= 1
    assert len(np.unique(got[0, :, 0])) > 200  # a ramp, not two bands
    from_list = mcolors.LinearSegmentedColormap.from_list("bw", ["k", "w"])
    assert_bytes_equal(fh_rgba(x, from_list, 0, 1), want)
    two = fh_rgba(x, ["black", "white"], 0, 1)
    assert len(np.unique(two[0, :, 0])) == 2 and (two[0, :128, 0] == 0).all()


@pytest.mark.parametrize("cmap,match", [
    (["red", "nocolour"], r"cmap\[1\]='nocolour' is not a colour; use a name"),
    (["red", (2.0, 0, 0)], r"cmap\[1\]=\(2.0, 0, 0\) has components outside 0..1"),
    (np.array([[0.5, 1.5, 0]]), r"cmap: an array of colours must hold floats in 0..1"),
])
def test_bad_list_entries(cmap, match):
    with pytest.raises(ValueError, match=match):
        fastheat.to_rgba(np.eye(3), cmap=cmap)


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
    # +-inf are bad, as matplotlib's images mask them (issue 9; they were under/over)
    assert got[0, 4].tolist() == got[0, 5].tolist() == [255, 0, 0, 255]
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
        fastheat.heatmap(x, cmap="cmocean:thermal", norm="log", background="C0",
                         linecolor="xkcd:sky blue")
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("matplotlib", "seaborn"))
        print(loaded)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_colorcet_names_without_colorcet_load_no_matplotlib():
    # without the colorcet package, its names come from the catalogue's copy of colorcet
    code = textwrap.dedent("""
        import json, sys
        sys.modules["colorcet"] = None  # not installed
        import numpy as np
        import fastheat
        x = np.arange(256)[None] / 255
        out = {n: fastheat.to_rgba(x, cmap=n, vmin=0, vmax=1, width=256, height=1)[0].tolist()
               for n in ("fire", "cet_kbc", "fire_r")}
        out["loaded"] = sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib")
        print(json.dumps(out))
    """)
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                    text=True, check=True).stdout)
    assert out.pop("loaded") == []
    for name, got in out.items():
        want = colorcet.cm[name.removeprefix("cet_")](np.arange(256), bytes=True)
        assert np.abs(np.array(got) - want).max() <= 1, name


# --- colorcet ---------------------------------------------------------------------------

COLORCET = sorted(n for n in colorcet.cm if n.removesuffix("_r") not in MATPLOTLIB_FIRST)


@pytest.mark.parametrize("prefix", ["", "cet_", "colorcet:"])
def test_colorcet_names_bytes_equal_colorcet(prefix):
    # every colorcet name (and its _r, cet_ and colorcet: forms) is colorcet's, byte for byte
    x = np.concatenate([np.linspace(0, 1, 1025), [-0.5, 1.5, np.nan]])[None]
    bad = []
    for name in COLORCET:
        got = fh_rgba(x, prefix + name, 0, 1)
        want = mpl_rgba(colorcet.cm[name], x, 0, 1)
        if not np.array_equal(got, want):
            bad.append((name, int(np.abs(got.astype(int) - want).max())))
    assert not bad, f"{len(bad)} of {len(COLORCET)} differ: {bad[:10]}"


def test_fire_is_colorcets_not_imagejs():
    x = np.arange(256)[None] / 255
    got = fh_rgba(x, "fire", 0, 1)
    assert_bytes_equal(got[0], colorcet.cm["fire"](np.arange(256), bytes=True))
    imagej = fh_rgba(x, "imagej:fire", 0, 1)  # the namespaced key still reaches ImageJ's
    assert np.abs(got.astype(int) - imagej).max() > 200


def test_colorcet_and_matplotlib_name_sets():
    # The two hand-kept sets are what colorcet, matplotlib and the catalogue say today.
    builtin = set(matplotlib.colormaps) - {n for n in matplotlib.colormaps
                                           if n.startswith("cet_")}
    names = {n for n in colorcet.cm if not n.endswith("_r")}
    assert names & builtin == MATPLOTLIB_FIRST
    catalog = cmap_lib.Catalog()
    elsewhere = set()
    for n in names - MATPLOTLIB_FIRST:
        try:
            key = catalog.resolve(n)
        except KeyError:
            continue
        if not key.startswith("colorcet:"):
            elsewhere.add(n)
    assert elsewhere == COLORCET_FIRST
    # matplotlib's own names keep matplotlib's colours
    x = np.linspace(0, 1, 300)[None]
    for n in sorted(MATPLOTLIB_FIRST):
        assert np.abs(fh_rgba(x, n, 0, 1).astype(int) - mpl_rgba(mpl[n], x, 0, 1)).max() <= 1
    # a colorcet name unknown to the catalogue, misspelt: the error still helps
    with pytest.raises(ValueError, match=r"cmap='cet_nosuch' is not a known colormap.*colorcet"):
        fastheat.to_rgba(np.eye(2), cmap="cet_nosuch")


# --- colour specs -----------------------------------------------------------------------

def mpl_bytes(spec):
    return (np.asarray(mcolors.to_rgba(spec)) * 255).astype(np.uint8)


@pytest.mark.parametrize("table", ["BASE_COLORS", "TABLEAU_COLORS", "CSS4_COLORS",
                                   "XKCD_COLORS", "_colors_full_map"])
def test_named_colours_bytes_equal_matplotlib(table):
    names = list(getattr(mcolors, table))
    names += [n.upper() for n in names if len(n) > 1] + [n.title() for n in names if len(n) > 1]
    bad = [n for n in names if not np.array_equal(to_color(n), mpl_bytes(n))]
    assert not bad, f"{len(bad)} of {len(names)} differ: {bad[:10]}"


def test_cycle_and_grey_colours():
    for spec in [f"C{k}" for k in range(12)] + ["0", "1", "0.15", " .5", "1e-1", "none", "None"]:
        assert to_color(spec).tolist() == mpl_bytes(spec).tolist(), spec
    assert to_color("C0").tolist() == [31, 119, 180, 255]


_float = st.floats(0, 1)


@given(st.one_of(
    st.text("0123456789abcdefABCDEF", min_size=3, max_size=8).filter(
        lambda h: len(h) in (3, 4, 6, 8)).map(lambda h: "#" + h),
    _float.map(repr),
    st.tuples(_float, _float, _float), st.tuples(_float, _float, _float, _float),
    st.tuples(st.sampled_from(sorted(mcolors.CSS4_COLORS)), _float),
    st.tuples(st.integers(0, 1), st.integers(0, 1), st.integers(0, 1)),
))
def test_hypothesis_specs_bytes_equal_matplotlib(spec):
    assert to_color(spec).tolist() == mpl_bytes(spec).tolist()


def test_integer_tuples_0_255():
    assert to_color((255, 128, 0)).tolist() == [255, 128, 0, 255]
    assert to_color([12, 34, 56, 78]).tolist() == [12, 34, 56, 78]
    assert to_color(np.array([0, 0, 1, 1], np.uint8)).tolist() == [0, 0, 1, 1]  # uint8: bytes
    # all 0/1 integers: matplotlib's 0..1 meaning
    assert to_color((0, 0, 1)).tolist() == [0, 0, 255, 255]
    assert to_color((1, 1, 1, 0)).tolist() == [255, 255, 255, 0]
    assert to_color((np.int64(200), 0, 0)).tolist() == [200, 0, 0, 255]
    for value in range(256):  # every byte round-trips
        assert to_color((value, 255, 0))[0] == value


@pytest.mark.parametrize("spec,error,match", [
    ("notacolour", ValueError, r"color='notacolour' is not a colour; use a name \('white', 'C0'"),
    ("1.5", ValueError, r"color='1.5' is a grey level outside 0..1"),
    ("nan", ValueError, r"color='nan' is a grey level outside 0..1"),
    ("#12345", ValueError, r"color='#12345' is not a colour"),
    ("xkcd:nope", ValueError, r"color='xkcd:nope' is not a colour"),
    ("c0", ValueError, r"color='c0' is not a colour"),
    ((256, 0, 0), ValueError, r"color=\(256, 0, 0\): integer colour components must be in 0..255"),
    ((-1, 2, 0), ValueError, r"integer colour components must be in 0..255"),
    ((0.5, 1.5, 0), ValueError, r"color=\(0.5, 1.5, 0\) has components outside 0..1"),
    ((1, 2), ValueError, r"color=\(1, 2\) is not a colour; use a name"),
    (("red", 2), ValueError, r"the alpha of \(colour, alpha\) must be in 0..1"),
    ((1, "a", 0), ValueError, r"is not a colour"),
    (5, TypeError, r"color=5 is not a colour: expected a string or a sequence of numbers, got int"),
    (None, TypeError, r"got NoneType"),
])
def test_bad_colour_specs(spec, error, match):
    with pytest.raises(error, match=match):
        to_color(spec)
    if spec is not None:  # a matplotlib error too (it reads integers as 0..1 values)
        with pytest.raises(ValueError):
            mcolors.to_rgba(spec)


def test_colour_specs_wherever_a_colour_is_taken():
    x = np.array([[0.5, -1.0, 2.0, np.nan]])
    got = fh_rgba(x, "viridis", 0, 1, bad="0.15", under="C1", over=(255, 0, 128))
    assert got[0, 1:].tolist() == [mpl_bytes("C1").tolist(), [255, 0, 128, 255], [38, 38, 38, 255]]
    # background, linecolor and grid colour of a decorated heatmap
    data = np.zeros((4, 4))
    bg = np.asarray(fastheat.heatmap(data, cmap=["white"], background="xkcd:sky blue",
                                     colorbar=True, width=80, height=80).convert("RGB"))
    assert tuple(bg[0, 0]) == tuple(mpl_bytes("xkcd:sky blue")[:3])
    lines = np.asarray(fastheat.heatmap(data, cmap=["white"], linewidths=2,
                                        linecolor="tab:red", width=80, height=80).convert("RGB"))
    assert (lines.reshape(-1, 3) == mpl_bytes("tab:red")[:3]).all(axis=1).sum() > 100
    grid = np.asarray(fastheat.heatmap(data, cmap=["white"], grid=dict(color="C2"),
                                       width=80, height=80, background="white").convert("RGB"))
    assert (grid.reshape(-1, 3) == mpl_bytes("C2")[:3]).all(axis=1).sum() > 20
