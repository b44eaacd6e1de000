"""Hypothesis strategies for fuzz examples: each example is the *source* of a
self-contained reproducer (``PRELUDE`` + lines defining ``fn``, ``args`` and
``kw``), so whatever fails is saved as a script that shows it.

Inputs vary shape (0 and 1 included, very long thin ones), dtype (bool, every
int, float16/32/64, longdouble, complex, object with Python ints beyond
int64, structured, strings, datetimes, big-endian), layout (C, Fortran,
negative strides, strided views, broadcast zero strides, unaligned buffers,
read-only), container (ndarray, nested lists, masked array, memmap, wrong
dimensions, non-arrays) and values (NaN, +-inf, subnormals, the dtype's
extremes). Options are every field of the records of
:data:`fastheat.options.FUNCTIONS`, read at import: an option without a
strategy of its own in :data:`OPTION_VALUES` gets :data:`GENERIC` values.
"""
from __future__ import annotations

from dataclasses import fields

import numpy as np
from hypothesis import strategies as st

from fastheat import options as fh_options

PRELUDE = """\
import io, os, numpy as np, fastheat
nan, inf = float("nan"), float("inf")
TMP = globals().get("TMP") or __import__("tempfile").mkdtemp()
def like(data, pattern, dtype=None):
    # an array of data's shape repeating pattern (a mask, annotations, ...)
    shape = np.shape(data) if np.ndim(data) == 2 else (3, 3)
    return np.resize(np.array(pattern, dtype=dtype), shape)
def labels(data, axis, n_extra=0, text="L"):
    n = np.shape(data)[axis] if np.ndim(data) == 2 else 3
    return [f"{text}{i}" for i in range(max(0, n + n_extra))]
"""

FLOAT_SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, float("nan"), float("inf"), float("-inf"),
                 5e-324, 2.2250738585072014e-308, 1e-310, 1.7976931348623157e308,
                 -1.7976931348623157e308, 1e308, -1e308, 65504.0, 6e-8, 1e-45, 3.4e38,
                 1e15, 2.0 ** 53, 1e-300]
PY_BIG_INTS = [2 ** 63, 2 ** 64, -2 ** 63 - 1, 10 ** 30, -10 ** 30, 2 ** 1024, 10 ** 400]
NUMERIC_EXTREMES = FLOAT_SPECIAL + PY_BIG_INTS + [0, 1, -1, 2, 3, 10, 100, 1000, True]


def _r(v):
    """Source of a value (floats round-trip; nan/inf are names of the prelude)."""
    if isinstance(v, float):
        if v != v:
            return "nan"
        if v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
    if isinstance(v, (list, tuple)):
        inner = ", ".join(_r(x) for x in v)
        return f"[{inner}]" if isinstance(v, list) else f"({inner}{',' if len(v) == 1 else ''})"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k!r}: {_r(x)}" for k, x in v.items()) + "}"
    if isinstance(v, Src):
        return v.text
    return repr(v)


class Src:
    """A value given as source text (numpy scalars, arrays, objects)."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


# --------------------------------------------------------------------------- values

floats = st.one_of(st.sampled_from(FLOAT_SPECIAL),
                   st.floats(allow_nan=True, allow_infinity=True),
                   st.floats(-10, 10), st.floats(0, 1))
numbers = st.one_of(floats, st.sampled_from(NUMERIC_EXTREMES),
                    st.integers(-2 ** 70, 2 ** 70), st.integers(-3, 300))
np_scalar = st.one_of(
    st.builds(lambda t, v: Src(f"np.{t}({_r(v)})"),
              st.sampled_from(["float16", "float32", "float64", "longdouble"]),
              st.sampled_from([0, 1, 3, -1, 0.5, 1e-5, 100, 65504.0, 1e38, 1e308, 5e-324,
                               float("nan"), float("inf"), float("-inf")])),
    st.builds(lambda t, v: Src(f"np.{t}({v})"),
              st.sampled_from(["int8", "int64", "int32", "uint8"]), st.sampled_from([0, 1, 3, 100])),
    st.sampled_from([Src("np.uint64(2**64 - 1)"), Src("np.int64(2**63 - 1)"),
                     Src("np.int64(-2**63)"), Src("np.bool_(True)")]))
any_number = st.one_of(numbers, numbers, np_scalar, st.just(Src("complex(1, 1)")),
                       st.just("1"), st.just(None))

texts = st.one_of(
    st.sampled_from(["", "a", "title", "x\ny", "two\nlines\nhere", "日本語のタイトル", "emoji 🎉🔥",
                     "שלום عربى", "e\u0301\u0301\u0301", "\x00nul", "\t\r", "$x^2$", "{}", "%s",
                     "a" * 300, "W" * 10000, "x\n" * 200, "\u200b" * 50]),
    st.text(max_size=30))
colours = st.one_of(
    st.sampled_from(["red", "#00ff0080", "#abc", "none", "transparent", "C0", "tab:blue",
                     "notacolour", "", "#12345", "0.5", "white", "black"]),
    st.sampled_from([(1, 0, 0), (1.0, 0.0, 0.0, 0.5), (255, 0, 0), (1.5, 0, 0), (-1, 0, 0),
                     (float("nan"), 0, 0), (0.1, 0.2), (0, 0, 0, 0, 0), ()]),
    st.just(None), st.integers(-1, 300))
positions = st.one_of(
    st.lists(floats, max_size=6), st.lists(st.integers(-5, 50), max_size=6),
    st.just(Src("list(range(0, 3000, 3))")), st.just([]), st.just("1,2"), st.just(None),
    st.just([1e308, -1e308]), st.just([float("nan")]), st.just(Src("np.arange(5.0)")))
bools = st.one_of(st.booleans(), st.sampled_from([None, 0, 1, 2, "yes", Src("np.bool_(True)")]))


def _dicts(keys):
    return st.dictionaries(st.sampled_from(list(keys)), st.deferred(lambda: OPTION_ANY),
                           max_size=3).map(
        lambda d: {k: (v if k not in keys or keys[k] is None else v) for k, v in d.items()})


OPTION_ANY = st.one_of(any_number, texts, colours, bools)

_colorbar_dict = st.fixed_dictionaries({}, optional={
    "position": st.sampled_from(["right", "left", "top", "bottom", "middle", None]),
    "length": st.one_of(st.sampled_from([1, 0.5, 1e-9, 0, 2, float("nan")]), floats),
    "thickness": st.one_of(st.sampled_from([None, 1, 12, 0, 0.5, 10 ** 6, float("nan")]), numbers),
    "label": texts,
    "ticks": positions,
    "format": st.sampled_from([".2f", "{:}", "c", "d", "{}", "%", "x", "{0}{1}", ".0%", "e",
                               ".500f", "{:.3}", "{x}", "", "s", ">20", "{:c}", "#x", 5]),
    "extend": st.sampled_from(["auto", "neither", "both", "min", "max", "all", None]),
    "bad": st.sampled_from(["auto", True, False, "x"]),
    "bad_label": texts,
    "nonsense": st.just(1),
})
_grid_dict = st.fixed_dictionaries({}, optional={
    "color": colours, "linestyle": st.sampled_from(["-", "--", ":", "-.", "dotted", "~", 3]),
    "linewidth": st.one_of(st.sampled_from([1, 0.1, 0, -1, 1e6, float("inf")]), floats),
    "alpha": st.one_of(st.sampled_from([0, 1, 0.5, 2, -1, float("nan")]), floats),
    "ls": st.just(":"), "lw": st.just(2), "c": colours, "bogus": st.just(1)})

#: Values for each option, by name; an option not listed gets GENERIC.
OPTION_VALUES = {
    "width": st.one_of(st.integers(1, 64), st.integers(1, 64), st.sampled_from(
        [0, -1, 1, 2, 65535, 65536, 10 ** 9, 2 ** 63, 1.5, "10", True, None,
         Src("np.int64(7)"), Src("np.float16(3)"), Src("np.uint8(255)")])),
    "aspect": st.one_of(st.sampled_from(["auto", "equal", "foo", None, 0, -1, float("nan"),
                                         float("inf"), 1e-300, 1e300, 1, 0.01, 100]), floats),
    "square": bools,
    "reduce": st.sampled_from(list(fh_options.Reading.__dataclass_fields__) and
                              ["mean", "sum", "min", "max", "absmax", "std", "count", "nearest",
                               "median", "", None, 3]),
    "mask": st.sampled_from([Src("like(data, [True, False, False])"),
                             Src("like(data, [False])"), Src("like(data, [True])"),
                             Src("like(data, [0, 1, 2])"), Src("np.zeros((2, 2), bool)"),
                             Src("like(data, [1.5, 0.0])"), "x", None]),
    "progress": bools,
    "cmap": st.one_of(
        st.sampled_from(["viridis", "gray", "RdBu_r", "fire", "glasbey", "magma", "coolwarm",
                         "nonexistent", "", "viridis_r_r", None, 5, ["red", "#00ff00"], [],
                         ["notacolour"], ["red"], Src("['C%d' % (i % 10) for i in range(300)]"),
                         Src("__import__('cmap').Colormap('viridis')"),
                         Src("__import__('matplotlib').colormaps['plasma']")]),
        st.lists(colours, min_size=1, max_size=4)),
    "norm": st.sampled_from(["linear", "log", "symlog", "sqrt", "power", "eq_hist", "twoslope",
                             "foo", None, 3, Src("__import__('matplotlib.colors').colors.LogNorm()"),
                             Src("__import__('matplotlib.colors').colors.Normalize(0, 1)"),
                             Src("__import__('matplotlib.colors').colors.TwoSlopeNorm(0)"),
                             Src("__import__('matplotlib.colors').colors.BoundaryNorm("
                                 "[0, 1, 2], 256)")]),
    "vmin": any_number, "vmax": any_number, "center": any_number, "linthresh": any_number,
    "linscale": any_number, "base": any_number, "gamma": any_number,
    "robust": bools,
    "levels": st.one_of(st.integers(-1, 300), st.sampled_from([10 ** 9, 0, 1, 2, 2.5, "5"]),
                        st.lists(floats, max_size=6), st.lists(st.integers(-3, 10), max_size=6),
                        st.just(Src("np.linspace(0, 1, 300)"))),
    "origin": st.sampled_from(["upper", "lower", "left", None, 0]),
    "bad": colours, "under": colours, "over": colours, "linecolor": colours,
    "background": colours,
    "colorbar": st.one_of(st.sampled_from([True, False, "right", "left", "top", "bottom", "none",
                                           "middle", None, 1]), _colorbar_dict),
    "grid": st.one_of(st.booleans(), _grid_dict),
    "line_kws": st.one_of(st.none(), _grid_dict),
    "linewidths": st.one_of(st.sampled_from([0, 1, 0.5, 3, 1e6, -1, float("nan"), float("inf"),
                                             "1"]), floats),
    "title": st.one_of(texts, st.sampled_from([None, 5])), "xlabel": texts, "ylabel": texts,
    "xticklabels": st.one_of(
        st.sampled_from([True, False, "auto", 0, 1, 2, -1, 10 ** 9, "all", None]),
        st.sampled_from([Src("labels(data, 1)"), Src("labels(data, 1, 3)"),
                         Src("labels(data, 1, -1)"), Src("labels(data, 1, 0, 'W' * 200)"),
                         Src("labels(data, 1, 0, '日本')"), Src("[None, 1.5, b'x']")])),
    "yticklabels": st.one_of(
        st.sampled_from([True, False, "auto", 0, 1, 2, -1, 10 ** 9, "all", None]),
        st.sampled_from([Src("labels(data, 0)"), Src("labels(data, 0, 2)"),
                         Src("labels(data, 0, 0, 'line\\nbreak')")])),
    "extent": st.one_of(st.tuples(floats, floats, floats, floats),
                        st.sampled_from([(0, 1, 0, 1), (0, 1e308, -1e308, 0), (0, 0, 0, 1),
                                         (1, 2, 3), (0, 1, 1, 0), None, "0,1,0,1",
                                         (0, 5e-324, 0, 5e-324), (-1e300, 1e300, 0, 1e-300)])),
    "xticks": positions, "yticks": positions, "hlines": positions, "vlines": positions,
    "annot": st.sampled_from([True, False, "auto", None, "yes",
                              Src("like(data, [1.5, 2])"), Src("like(data, ['a', 'bb'])"),
                              Src("like(data, [1e308, nan])"), Src("np.zeros(3)"),
                              Src("like(data, [2**70], object)")]),
    "annot_kws": st.one_of(st.none(), st.fixed_dictionaries({}, optional={
        "size": st.one_of(st.sampled_from([8, 1, 0, -1, 1e5, float("nan")]), floats),
        "fontsize": st.just(3), "color": colours,
        "weight": st.sampled_from(["bold", "normal", "heavy", 700]),
        "rotation": st.just(45)})),
    "fmt": st.sampled_from([".2g", ".2f", "d", ".1%", "c", "{:}", "", "x", ".500f", "s", "e",
                            ">10", "%", ".0f", "b", "n", ",", "_d", "#", 5, None]),
    "font_size": st.one_of(st.sampled_from([12, 1, 0.1, 1e5, 1e-300, 1e300, float("nan"), -1,
                                            0, 500, "12"]), floats),
    "font": st.sampled_from([None, "/nonexistent.ttf", "/etc/hostname", "", 5,
                             Src("os.path.join(os.path.dirname(fastheat.__file__), 'fonts', "
                                 "'DejaVuSans.ttf')")]),
    "scale": st.one_of(st.sampled_from([1, 2, 64, 0.01, 65, 0, -1, float("nan"), 1e-300]),
                       st.floats(0.05, 3)),
    "x": st.sampled_from(["x", "col", None, 0]), "y": st.sampled_from(["y", None, 1]),
    "value": st.sampled_from(["v", None]),
    "x_range": st.one_of(st.tuples(floats, floats), st.sampled_from([(0, 1), (1, 0), None])),
    "y_range": st.one_of(st.tuples(floats, floats), st.sampled_from([(0, 1), None])),
    "format": st.sampled_from(["png", "jpeg", "webp", "tiff", "gif", "PNG", "jpg", None, "", 5]),
    "quality": st.sampled_from([None, -1, 0, 1, 50, 95, 100, 101, 10 ** 9, 1.5, "90"]),
    "subsampling": st.sampled_from([None, 0, 1, 2, 3, -1, "4:2:0", "4:4:4", "x"]),
    "optimize": bools, "progressive": bools, "lossless": bools,
    "method": st.sampled_from([None, 0, 3, 6, 7, -1, 1.5]),
    "compression": st.sampled_from([None, "tiff_deflate", "tiff_lzw", "raw", "jpeg", "bogus",
                                    "packbits", 3]),
    "compress_level": st.sampled_from([None, 0, 1, 9, 10, -1, -2, 1.5]),
    "dpi": st.sampled_from([None, (72, 72), (0, 0), (-1, 5), (1e9, 1e9), 72, (300.5, 300.5),
                            (float("nan"), 1), ()]),
}
OPTION_VALUES["height"] = OPTION_VALUES["width"]

#: Values for an option no strategy above knows (a new option is still fuzzed).
GENERIC = st.one_of(st.none(), st.booleans(), numbers, texts, colours, positions,
                    st.dictionaries(texts, numbers, max_size=2))


def option_names(fn):
    """Every option of public function ``fn``, read from its option records."""
    return [f.name for cls in fh_options.FUNCTIONS[fn] for f in fields(cls)]


# --------------------------------------------------------------------------- inputs

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "longdouble", "complex64", "complex128", "object",
          ">f8", ">f4", ">f2", ">i4", ">u2", ">i8", "<f8", "U3", "M8[s]", "m8[s]",
          "[('a', 'f4'), ('b', 'i2')]"]
COMMON = ["float64", "float32", "int64", "uint8", "bool", "float16", ">f8", "int32"]


@st.composite
def values_for(draw, dtype):
    """A short list of values (source text) for ``dtype``."""
    n = draw(st.integers(1, 8))
    kind = np.dtype(eval(dtype) if dtype.startswith("[") else dtype).kind
    if kind == "b":
        vals = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    elif kind in "iu":
        info = np.iinfo(np.dtype(dtype))
        vals = draw(st.lists(st.one_of(st.integers(int(info.min), int(info.max)),
                                       st.sampled_from([int(info.min), int(info.max), 0, 1])),
                             min_size=n, max_size=n))
    elif kind in "fc":
        vals = draw(st.lists(st.one_of(floats, st.floats(-100, 100)), min_size=n, max_size=n))
        if kind == "c" and draw(st.booleans()):
            return f"np.array({_r(vals)}) * (1 + 1j)"
    elif kind == "O":
        vals = draw(st.lists(st.one_of(st.sampled_from(PY_BIG_INTS), st.integers(-5, 5), floats,
                                       st.sampled_from([None, "a", True])),
                             min_size=n, max_size=n))
    elif kind == "V":
        return f"[{', '.join(f'({i}.5, {i})' for i in range(n))}]"
    elif kind == "U":
        vals = draw(st.lists(st.sampled_from(["1", "x", "", "nan", "2.5"]), min_size=n,
                             max_size=n))
    else:  # datetimes, timedeltas
        vals = draw(st.lists(st.integers(0, 10 ** 9), min_size=n, max_size=n))
    return _r(vals)


SHAPES = st.one_of(
    st.tuples(st.integers(1, 12), st.integers(1, 12)),
    st.tuples(st.integers(1, 12), st.integers(1, 12)),
    st.sampled_from([(0, 0), (0, 5), (5, 0), (1, 1), (1, 2), (2, 1)]),
    st.tuples(st.just(1), st.integers(2, 100000)),   # very long thin
    st.tuples(st.integers(2, 100000), st.just(1)),
    st.tuples(st.integers(2, 3), st.integers(100, 30000)),
    st.tuples(st.integers(13, 300), st.integers(13, 300)))
LAYOUTS = ["C", "C", "C", "F", "rows reversed", "cols reversed", "both reversed", "strided",
           "transposed", "broadcast", "unaligned", "read-only", "view of a 3-D slice"]


@st.composite
def inputs(draw):
    """Source lines that define ``data``."""
    container = draw(st.sampled_from(["ndarray"] * 10 + ["list", "masked", "memmap", "biglist",
                                                         "ndim", "nonarray"]))
    if container == "biglist":
        vals = draw(st.lists(st.one_of(st.sampled_from(PY_BIG_INTS), st.integers(-3, 3)),
                             min_size=4, max_size=4))
        return f"data = [[{_r(vals[0])}, {_r(vals[1])}], [{_r(vals[2])}, {_r(vals[3])}]]"
    if container == "nonarray":
        return "data = " + draw(st.sampled_from(
            ["None", "'abc'", "3.5", "{'a': 1}", "[[1, 2], [3]]", "[]", "[[]]",
             "[[1, 'a'], [2, 3]]", "object()", "np.float64(2)", "[[nan, inf], [-inf, 1]]",
             "[[True, False], [False, True]]", "[[1+2j, 3]]", "range(5)"]))
    dtype = draw(st.sampled_from(COMMON * 3 + DTYPES))
    dt = dtype if not dtype.startswith("[") else dtype
    shape = draw(SHAPES)
    vals = draw(values_for(dtype))
    dts = repr(dt) if not dt.startswith("[") else dt
    if container == "ndim":
        shape = draw(st.sampled_from([(), (5,), (0,), (2, 3, 4), (1, 1, 1), (2, 2, 1, 1)]))
    lines = []
    layout = draw(st.sampled_from(LAYOUTS)) if container != "ndim" else "C"
    h, w = shape if len(shape) == 2 else (None, None)
    base = f"np.array({vals}, dtype=object).astype({dts})" if dtype not in ("U3", "M8[s]", "m8[s]") \
        and not dt.startswith("[") else f"np.array({vals}, dtype={dts})"
    if dt.startswith("[") or dtype in ("U3", "M8[s]", "m8[s]"):
        base = f"np.array({vals}, dtype={dts})"
    if layout == "transposed":
        lines.append(f"data = np.resize({base}, {(w, h)!r}).T")
    elif layout == "strided":
        lines.append(f"data = np.resize({base}, {(2 * h, 3 * w)!r})[::2, ::3]")
    elif layout == "view of a 3-D slice":
        lines.append(f"data = np.resize({base}, {(h, 2, w)!r})[:, 1, :]")
    elif layout == "broadcast":
        lines.append(f"data = np.broadcast_to(np.resize({base}, (1, {w})), {shape!r})")
    elif layout == "unaligned" and np.dtype(dt if not dt.startswith("[") else eval(dt)).kind in "biuf":
        lines.append(f"_a = np.resize({base}, {shape!r}); _b = bytearray(_a.nbytes + 1)")
        lines.append("data = np.frombuffer(memoryview(_b)[1:], dtype=_a.dtype).reshape(_a.shape)")
        lines.append("data[...] = _a")
    else:
        lines.append(f"data = np.resize({base}, {shape!r})")
        if layout == "F":
            lines.append("data = np.asfortranarray(data)")
        elif layout == "rows reversed":
            lines.append("data = data[::-1]")
        elif layout == "cols reversed":
            lines.append("data = data[:, ::-1]")
        elif layout == "both reversed":
            lines.append("data = data[::-1, ::-1]")
        elif layout == "read-only":
            lines.append("data.flags.writeable = False")
    if container == "list":
        lines.append("data = data.tolist()")
    elif container == "masked":
        mask = draw(st.sampled_from(["[True, False]", "[False]", "[True]", "np.ma.nomask"]))
        m = mask if mask == "np.ma.nomask" else f"np.resize(np.array({mask}), data.shape)"
        lines.append(f"data = np.ma.masked_array(data, mask={m})")
    elif container == "memmap":
        lines.append("np.save(os.path.join(TMP, 'in.npy'), np.ascontiguousarray(data))")
        lines.append("data = np.load(os.path.join(TMP, 'in.npy'), mmap_mode='r')")
    return "\n".join(lines)


SAVE_PATHS = st.sampled_from(
    ["os.path.join(TMP, 'out.png')"] * 4 +
    ["os.path.join(TMP, 'out.jpg')", "os.path.join(TMP, 'out.webp')",
     "os.path.join(TMP, 'out.tiff')", "os.path.join(TMP, 'out.gif')",
     "os.path.join(TMP, 'out')", "TMP", "os.path.join(TMP, 'no', 'dir', 'out.png')",
     "io.BytesIO()", "os.path.join(TMP, 'out.PNG')", "os.path.join(TMP, 'in.npy')"])


@st.composite
def examples(draw, fn=None, max_options=4):
    """Source of one example: ``fn``, ``args`` and ``kw`` after :data:`PRELUDE`."""
    if fn is None:
        fn = draw(st.sampled_from(["heatmap", "heatmap", "to_rgba", "to_rgba", "aggregate",
                                   "save"]))
    data = draw(inputs())
    names = option_names(fn)
    chosen = draw(st.lists(st.sampled_from(names), max_size=max_options, unique=True))
    kw = {}
    # mostly a small raster: examples stay fast, the default size is still drawn often
    if draw(st.integers(0, 3)) > 0:
        kw["width"], kw["height"] = draw(st.integers(1, 48)), draw(st.integers(1, 48))
    if draw(st.integers(0, 3)) == 0:  # a range together: the norm and tick code at extremes
        kw["vmin"], kw["vmax"] = draw(any_number), draw(any_number)
    if fn != "aggregate" and "colorbar" in names and draw(st.integers(0, 2)) == 0:
        kw["colorbar"] = True  # the tick and norm code sees the extreme values too
    for name in chosen:
        kw[name] = draw(OPTION_VALUES.get(name, GENERIC))
    args = "(data,)"
    if fn == "save":
        args = f"(data, {draw(SAVE_PATHS)})"
    kw_src = "{" + ", ".join(f"{k!r}: {_r(v)}" for k, v in kw.items()) + "}"
    # the copy to_rgba's result is compared with (one per example keeps examples cheap)
    oracle = draw(st.sampled_from(["C copy", "Fortran copy", "transposed twice",
                                   "native byte order"]))
    return (f"{PRELUDE}{data}\nfn = {fn!r}\nargs = {args}\nkw = {kw_src}\n"
            f"ORACLE = {oracle!r}  # the worker compares to_rgba with this copy\n"
            f"out = None  # run: out = getattr(fastheat, fn)(*args, **kw)\n")
