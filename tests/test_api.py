"""Bad input gets a clear error naming the parameter, the value and what is
allowed; degenerate but valid input (all-NaN, constant) renders without
warnings (pytest turns warnings into errors)."""
from __future__ import annotations

import os
import re

import numpy as np
import pytest
from hypothesis import event, given, strategies as st

import fastheat
from fastheat import aggregation

X = np.arange(12.0).reshape(3, 4)


# --- the data ---------------------------------------------------------------------------


@pytest.mark.parametrize("data, match", [
    (np.float64(5.0), r"data is 0-dimensional \(shape \(\)\) and must be 2-dimensional"),
    (5, r"data is 0-dimensional"),
    (np.ones(3), r"data is 1-dimensional \(shape \(3,\)\) and must be 2-dimensional.*data\[np.newaxis, :\]"),
    ([1, 2, 3], r"data is 1-dimensional"),
    (np.ones((2, 3, 4)), r"data is 3-dimensional \(shape \(2, 3, 4\)\) and must be 2-dimensional"),
    (np.ones((2, 3, 4, 5)), r"data is 4-dimensional"),
])
def test_not_2d(data, match):
    for fn in (fastheat.to_rgba, fastheat.aggregate, fastheat.heatmap):
        with pytest.raises(ValueError, match=match):
            fn(data)


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0)])
def test_empty(shape):
    with pytest.raises(ValueError, match=re.escape(f"data is empty (shape {shape})") + ".*at least one row"):
        fastheat.to_rgba(np.ones(shape))
    with pytest.raises(ValueError, match="data is empty"):
        fastheat.aggregate(np.ones(shape))


@pytest.mark.parametrize("data, kind", [
    (np.ones((2, 2), complex), "complex128"),
    (np.array([[1, None]], dtype=object), "object"),
    (np.array([["a", "b"]]), "<U1"),
    (np.array([[b"a"]]), "|S1"),
    (np.ones((2, 2), "datetime64[s]"), "datetime64"),
    ([["1", "2"]], "<U1"),
])
def test_bad_dtype(data, kind):
    with pytest.raises(TypeError, match=re.escape(f"data has dtype {kind}")
                       + r".*allowed are bool, integer and floating point"):
        fastheat.to_rgba(data)


def test_ragged_lists():
    with pytest.raises(TypeError, match="data could not be read as a 2-D numeric array"):
        fastheat.to_rgba([[1, 2], [3]])


# --- options ------------------------------------------------------------------------------


def test_unknown_cmap_suggests_close_matches():
    with pytest.raises(ValueError, match=r"cmap='virdis' is not a known colormap; did you mean 'viridis'"):
        fastheat.to_rgba(X, cmap="virdis")
    with pytest.raises(ValueError, match=r"cmap='magma_rr' is not a known colormap; did you mean .*'magma"):
        fastheat.to_rgba(X, cmap="magma_rr")
    with pytest.raises(ValueError, match=r"cmap='zzzzqqq' is not a known colormap; see cmap.Catalog"):
        fastheat.to_rgba(X, cmap="zzzzqqq")


@pytest.mark.parametrize("cmap", [5, None, [], object()])
def test_cmap_of_wrong_type(cmap):
    with pytest.raises(TypeError, match=r"cmap=.* is not a colormap; pass a name such as 'viridis'"):
        fastheat.to_rgba(X, cmap=cmap)


def test_bad_colours():
    with pytest.raises(ValueError, match=r"cmap\[1\]='nocolour' is not a colour"):
        fastheat.to_rgba(X, cmap=["red", "nocolour"])
    for name in ("bad", "under", "over"):
        with pytest.raises(ValueError, match=rf"{name}='notacolour' is not a colour; use a name"):
            fastheat.to_rgba(X, **{name: "notacolour"})
        # (1, 2, 3) is a 0..255 colour now; floats above 1 are not
        with pytest.raises(ValueError, match=re.escape(f"{name}=(1.0, 2.0, 3.0) has components "
                                                       f"outside 0..1")):
            fastheat.to_rgba(X, **{name: (1.0, 2.0, 3.0)})


def test_unknown_norm_lists_choices():
    with pytest.raises(ValueError, match=r"norm='lin' is not a norm; choose one of 'linear', 'log', "
                                         r"'symlog', 'sqrt', 'power', 'eq_hist'"):
        fastheat.to_rgba(X, norm="lin")


def test_unknown_reduce_lists_choices():
    msg = (r"reduce='median' is not a reduction; choose one of 'mean', 'sum', 'min', 'max', "
           r"'absmax', 'std', 'count', 'nearest'")
    with pytest.raises(ValueError, match=msg):
        fastheat.to_rgba(X, reduce="median")
    with pytest.raises(ValueError, match=msg):
        fastheat.aggregate(X, reduce="median")


def test_unknown_origin():
    with pytest.raises(ValueError, match=r"origin='top' must be one of \('upper', 'lower'\)"):
        fastheat.to_rgba(X, origin="top")


def test_vmin_greater_than_vmax():
    with pytest.raises(ValueError, match=r"vmin=5 is greater than vmax=2; vmin must be <= vmax"):
        fastheat.to_rgba(X, vmin=5, vmax=2)


@pytest.mark.parametrize("name", ["vmin", "vmax", "center"])
@pytest.mark.parametrize("value", [np.nan, np.inf, "a", [1, 2], 1 + 2j, True])
def test_limits_must_be_finite_numbers(name, value):
    with pytest.raises(ValueError, match=re.escape(f"{name}={value!r} must be a finite number or None")):
        fastheat.to_rgba(X, **{name: value})


@pytest.mark.parametrize("name, norm", [("gamma", "power"), ("linthresh", "symlog")])
@pytest.mark.parametrize("value", [0, -1.0, np.nan, "x"])
def test_gamma_and_linthresh_must_be_positive(name, norm, value):
    with pytest.raises(ValueError, match=re.escape(f"{name}={value!r} must be a positive number")):
        fastheat.to_rgba(X, norm=norm, **{name: value})


@pytest.mark.parametrize("name", ["width", "height"])
@pytest.mark.parametrize("value", [1.5, "100", True, 10.0, [3]])
def test_size_must_be_an_integer(name, value):
    with pytest.raises(TypeError, match=re.escape(f"{name} must be a positive integer number of pixels, "
                                                  f"got {value!r}")):
        fastheat.to_rgba(X, **{name: value})


@pytest.mark.parametrize("name", ["width", "height"])
@pytest.mark.parametrize("value", [0, -3, aggregation.MAX_SIDE + 1, 10**9])
def test_size_out_of_range(name, value):
    msg = f"{name} must be between 1 and {aggregation.MAX_SIDE} pixels, got {value}"
    with pytest.raises(ValueError, match=re.escape(msg)):
        fastheat.to_rgba(X, **{name: value})
    with pytest.raises(ValueError, match=re.escape(msg)):
        fastheat.aggregate(X, **{name: value})


def test_numpy_integer_sizes_are_fine():
    assert fastheat.to_rgba(X, width=np.int64(8), height=np.uint16(6)).shape == (6, 8, 4)


def test_pixel_limit():
    side = aggregation.MAX_SIDE
    assert side * side > aggregation.MAX_PIXELS  # the pixel limit binds before the side limit
    msg = (f"width x height = {side} x {side} exceeds the limit of {aggregation.MAX_PIXELS} pixels")
    with pytest.raises(ValueError, match=re.escape(msg)):
        fastheat.to_rgba(X, width=side, height=side)
    # one side given, the other following the aspect ratio past the limit
    tall = np.ones((side, 1))
    with pytest.raises(ValueError, match="exceeds the limit of"):
        fastheat.aggregate(tall, width=side)


def test_log_needs_positive_values():
    msg = r"norm='log' needs positive values, and the data has none; use norm='symlog'"
    for data in (-X, np.zeros((3, 3)), np.full((2, 2), np.nan)):
        with pytest.raises(ValueError, match=msg):
            fastheat.to_rgba(data, norm="log")
    with pytest.raises(ValueError, match=r"vmin=0 must be positive for norm='log'"):
        fastheat.to_rgba(X, norm="log", vmin=0)
    with pytest.raises(ValueError, match=r"vmax=-1 must be positive for norm='log'"):
        fastheat.to_rgba(X, norm="log", vmax=-1)
    # with an explicit positive range, data with no positive value renders all bad
    assert (fastheat.to_rgba(-X, norm="log", vmin=1, vmax=10)[..., 3] == 0).all()


# --- save -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["out.gif", "out.bmp", "out", "out.png.txt"])
def test_unknown_suffix(tmp_path, name):
    path = tmp_path / name
    with pytest.raises(ValueError, match=r"is not a supported image format; use one of "
                                         r"\.jpeg, \.jpg, \.pdf, \.png, \.svg, \.tif, \.tiff, \.webp"):
        fastheat.save(X, path)
    assert not path.exists()
    with pytest.raises(ValueError, match=r"format='gif' is not a supported image format"):
        fastheat.save(X, tmp_path / "x.png", format="gif")


def test_unknown_suffix_message_names_the_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"file suffix '\.gif' of '.*out\.gif'"):
        fastheat.save(X, tmp_path / "out.gif")
    with pytest.raises(ValueError, match=r"has no suffix, and no format= was given"):
        fastheat.save(X, tmp_path / "out")


def _leftovers(folder):
    return sorted(p for p in os.listdir(folder) if p.endswith(".part") or p.startswith(".fastheat"))


@pytest.mark.parametrize("bad", [dict(cmap="nope"), dict(vmin=3, vmax=1), dict(norm="log", vmax=-1)])
def test_failed_render_leaves_no_file(tmp_path, bad):
    path = tmp_path / "out.png"
    with pytest.raises(ValueError):
        fastheat.save(X, path, **bad)
    assert os.listdir(tmp_path) == []
    # and does not clobber an existing file
    path.write_bytes(b"precious")
    with pytest.raises(ValueError):
        fastheat.save(X, path, **bad)
    assert path.read_bytes() == b"precious"
    assert _leftovers(tmp_path) == []


def test_failed_encode_leaves_no_partial_file(tmp_path, monkeypatch):
    from PIL import Image

    def broken_save(self, fp, *args, **kwargs):
        fp.write(b"half an image")
        raise OSError("disk full")

    def broken_png(image, fp, **kwargs):
        fp.write(b"half a PNG")
        raise OSError("disk full")

    path = tmp_path / "out.png"
    path.write_bytes(b"precious")
    monkeypatch.setattr(Image.Image, "save", broken_save)  # Pillow's encoders
    from fastheat.encode import png

    monkeypatch.setattr(png, "write_png", broken_png)  # fastheat's PNG writer
    monkeypatch.setattr(png, "write_indexed_png",  # and its Pillow-free palette form
                        lambda index, colors, fp, **kwargs: broken_png(None, fp))
    for options in ({}, {"colorbar": True}, {"compress_level": 9}):
        with pytest.raises(OSError, match="disk full"):
            fastheat.save(X, path, **options)
        assert path.read_bytes() == b"precious"
    assert path.read_bytes() == b"precious"
    assert _leftovers(tmp_path) == []
    with pytest.raises(OSError, match="disk full"):
        fastheat.save(X, tmp_path / "new.png")
    assert os.listdir(tmp_path) == ["out.png"]


def test_webp_size_limit_is_an_error_not_a_partial_file(tmp_path):
    path = tmp_path / "wide.webp"
    with pytest.raises(ValueError, match=r"WEBP images are at most 16,383 pixels on a side"):
        fastheat.save(np.ones((1, 20_000)), path, width=20_000, height=1)
    assert os.listdir(tmp_path) == []


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        fastheat.save(X, tmp_path / "no" / "such" / "out.png")


# --- degenerate data renders, without warnings --------------------------------------------

NORMS = ["linear", "log", "symlog", "sqrt", "power", "eq_hist"]


@pytest.mark.parametrize("norm", [n for n in NORMS if n != "log"])
@pytest.mark.parametrize("data", [np.full((5, 7), np.nan), np.ma.masked_all((5, 7)),
                                  np.full((3000, 20), np.nan, np.float32)], ids=["nan", "masked", "big"])
@pytest.mark.parametrize("extra", [{}, {"robust": True}, {"center": 0.0}, {"reduce": "std"},
                                   {"reduce": "count"}, {"width": 3, "height": 2}])
def test_all_nan_renders_bad(data, norm, extra):
    rgba = fastheat.to_rgba(data, norm=norm, bad="red", **extra)
    assert (rgba == [255, 0, 0, 255]).all()
    default = fastheat.to_rgba(data, norm=norm, **extra)
    assert (default == 0).all()  # transparent


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("value, dtype", [(3.0, "float64"), (3.0, "float32"), (4, "int16"),
                                          (True, "bool"), (0.1, "float64"), (1e300, "float64")])
@pytest.mark.parametrize("shape, size", [((5, 7), {}), ((1234, 457), {}), ((3001, 299), {}),
                                         ((7, 5), {"width": 3, "height": 4}),
                                         ((300, 700), {"width": 123, "height": 45})])
def test_constant_renders_one_colour(norm, value, dtype, shape, size):
    x = np.full(shape, value, dtype)
    for extra in ({}, {"robust": True}, {"center": float(value)}, {"center": 0.0}):
        if norm == "log" and extra.get("center") == 0.0:
            continue  # a log range cannot centre on 0: a ValueError (tested in test_norms)
        rgba = fastheat.to_rgba(x, norm=norm, **size, **extra)
        first = rgba[0, 0]
        assert (rgba == first).all(), (extra, np.unique(rgba.reshape(-1, 4), axis=0))
        assert first[3] == 255  # a colour, not bad


@pytest.mark.parametrize("norm", NORMS)
def test_constant_with_nan_is_one_colour_and_bad(norm):
    x = np.full((30, 40), 2.5)
    x[::7, ::3] = np.nan
    x[:10, :10] = np.nan
    rgba = fastheat.to_rgba(x, norm=norm, width=17, height=13, bad="red")
    colours = np.unique(rgba.reshape(-1, 4), axis=0)
    assert len(colours) == 2 and [255, 0, 0, 255] in colours.tolist()


def test_single_cell_and_infinities_render():
    assert fastheat.to_rgba([[7]]).shape[2] == 4
    assert fastheat.to_rgba(np.array([[np.inf, -np.inf], [np.nan, np.inf]])).dtype == np.uint8
    assert fastheat.to_rgba(np.array([[np.finfo(float).max, -np.finfo(float).max]]),
                            width=2, height=1).shape == (1, 2, 4)


# --- hypothesis: anything in, a correct image or a documented error out ----------------------

PARAMETERS = ("data", "width", "height", "cmap", "norm", "vmin", "vmax", "center", "reduce",
              "origin", "bad", "under", "over", "gamma", "linthresh", "norm='log'")


@st.composite
def anything(draw):
    ndim = draw(st.sampled_from([2] * 8 + [0, 1, 3]))
    shape = tuple(draw(st.lists(st.integers(0, 30), min_size=ndim, max_size=ndim)))
    dtype = draw(st.sampled_from(["float64", "float32", ">f4", "float16", "int8", "uint64", ">i2",
                                  "bool", "int32", "<f8", "uint8", "uint16",
                                  "complex64", "object", "<U3", "datetime64[s]"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.normal(0, 10.0 ** draw(st.integers(-3, 6)), size=shape)
    if draw(st.booleans()):
        values[rng.random(shape) < draw(st.sampled_from([0.1, 1.0]))] = np.nan
    if draw(st.booleans()):
        values[rng.random(shape) < 0.05] = np.inf
    with np.errstate(invalid="ignore", over="ignore"):
        try:
            data = values.astype(dtype)
        except (ValueError, TypeError):
            data = np.zeros(shape, dtype)
    if draw(st.booleans()) and data.ndim == 2:
        data = np.asfortranarray(data) if draw(st.booleans()) else data[::-1]
    if draw(st.booleans()):
        data = np.ma.masked_array(data, mask=rng.random(shape) < 0.3)
    # valid options, then (usually) at most one of them replaced by something invalid
    maybe = st.one_of(st.none(), st.floats(-1e6, 1e6))
    options = {
        "width": draw(st.one_of(st.none(), st.integers(1, 60))),
        "height": draw(st.one_of(st.none(), st.integers(1, 60))),
        "cmap": draw(st.sampled_from(["viridis", "gray_r", "fire", "tab10", ["red", "blue"]])),
        "norm": draw(st.sampled_from(["linear", "log", "symlog", "sqrt", "power", "eq_hist"])),
        "vmin": draw(maybe), "vmax": draw(maybe), "center": draw(maybe),
        "robust": draw(st.booleans()),
        "reduce": draw(st.sampled_from(["mean", "sum", "min", "max", "absmax", "std", "count",
                                        "nearest"])),
        "origin": draw(st.sampled_from(["upper", "lower"])),
        "bad": draw(st.sampled_from([None, "red", (0, 0, 0, 0)])),
        "under": draw(st.sampled_from([None, "blue", (0.2, 0.3, 0.4)])),
        "over": draw(st.sampled_from([None, "#00ff00"])),
        "gamma": draw(st.sampled_from([None, 2.0, 0.3])),
        "linthresh": draw(st.sampled_from([None, 0.1, 5])),
    }
    invalid = {
        "width": st.one_of(st.integers(-2, 0), st.sampled_from([1.5, "7", True, 10**6])),
        "height": st.one_of(st.integers(-2, 0), st.sampled_from([1.5, "7", True, 10**6])),
        "cmap": st.sampled_from(["nope", ["red", "notacolour"], 3, []]),
        "norm": st.sampled_from(["cubic", None, "LOG"]),
        "vmin": st.sampled_from([np.nan, np.inf, "x", 1e300 * 10]),
        "vmax": st.sampled_from([np.nan, -np.inf, "x"]),
        "center": st.sampled_from([np.nan, "x"]),
        "reduce": st.sampled_from(["median", None, "MEAN"]),
        "origin": st.sampled_from(["left", None]),
        "bad": st.sampled_from(["nocolour", (2, 0, 0), (1, 2)]),
        "under": st.sampled_from(["nocolour", (2, 0, 0)]),
        "over": st.sampled_from(["nocolour"]),
        "gamma": st.sampled_from([0.0, -1, np.nan]),
        "linthresh": st.sampled_from([0.0, -2, np.inf]),
    }
    if options["vmin"] is not None and options["vmax"] is not None and draw(st.booleans()):
        options["vmin"], options["vmax"] = sorted([options["vmin"], options["vmax"]])
    broken = draw(st.sampled_from([None] * len(invalid) + sorted(invalid)))
    if broken is not None:
        options[broken] = draw(invalid[broken])
    event(f"invalid option: {broken}")
    return data, {k: v for k, v in options.items() if v is not None or draw(st.booleans())}


@given(case=anything())
def test_hypothesis_image_or_documented_error(case):
    data, options = case
    try:
        rgba = fastheat.to_rgba(data, **options)
    except (ValueError, TypeError) as e:
        message = str(e)
        assert any(p in message for p in PARAMETERS), f"message names no parameter: {message!r}"
        event(f"error: {message.split('=')[0].split(' ')[0]}")
        return
    event("rendered")
    assert rgba.dtype == np.uint8 and rgba.ndim == 3 and rgba.shape[2] == 4
    width, height = options.get("width"), options.get("height")
    if width is not None:
        assert rgba.shape[1] == width
    if height is not None:
        assert rgba.shape[0] == height
    assert (rgba.shape[0], rgba.shape[1]) == aggregation.output_shape(np.shape(data), width, height)


def test_colormap_longer_than_the_codes_allow():
    colors = np.random.default_rng(0).random((70_000, 3))
    cm = pytest.importorskip("matplotlib.colors").ListedColormap(colors)
    with pytest.raises(ValueError, match=r"cmap has 70000 colours; at most 65533"):
        fastheat.to_rgba(np.eye(3), cmap=cm)


# --- checks of the one driver --------------------------------------------------------------

def test_a_bad_suffix_is_reported_before_bad_options(tmp_path):
    with pytest.raises(ValueError, match="'.bmp' .* is not a supported image format"):
        fastheat.save(X, tmp_path / "x.bmp", title=5, cbar=True)


def test_point_tables_refuse_masks_and_annot_arrays():
    pd = pytest.importorskip("pandas")
    pytest.importorskip("datashader")
    df = pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [0.0, 1.0, 0.5]})
    with pytest.raises(TypeError, match="mask= works with in-memory and memory-mapped arrays, "
                                        "not PointSource"):
        fastheat.heatmap(df, x="x", y="y", mask=np.zeros((3, 2), bool))
    with pytest.raises(ValueError, match="annot arrays label the cells of a matrix, and a point "
                                         "table has none"):
        fastheat.heatmap(df, x="x", y="y", annot=np.zeros((3, 2)))


# --- the default size (issue 9, point 1) ---------------------------------------------------


@pytest.mark.parametrize("shape", [(17, 700), (24, 365), (7, 53), (1, 30), (3000, 200)])
def test_default_raster_is_the_same_in_every_function(shape):
    x = np.random.default_rng(0).random(shape)
    rgba = fastheat.to_rgba(x)
    h, w = rgba.shape[:2]
    assert (h, w) == aggregation.output_shape(shape) == fastheat.aggregate(x).shape
    assert min(h, w) >= max(h, w) / 4  # never a strip
    np.testing.assert_array_equal(np.asarray(fastheat.heatmap(x).convert("RGBA")), rgba)
    square = fastheat.to_rgba(x, square=True)
    np.testing.assert_array_equal(square, fastheat.to_rgba(x, aspect="equal"))
    assert square.shape[:2] == aggregation.output_shape(shape, aspect=1.0)


def test_annotated_default_size_scales_whole():
    x = np.random.default_rng(1).random((6, 6))
    one = fastheat.heatmap(x, annot=True, xticklabels=False, yticklabels=False)
    two = fastheat.heatmap(x, annot=True, xticklabels=False, yticklabels=False, scale=2)
    assert two.size == (2 * one.size[0], 2 * one.size[1])


# --- own-size fast path (fastheat.api._own_size_cells): the aggregation kernel's bytes

def _own_size_cases(tmp_path):
    rng = np.random.default_rng(11)
    f64 = rng.normal(size=(23, 17))
    f64.reshape(-1)[:4] = [np.nan, np.inf, -np.inf, -0.0]
    mm = np.lib.format.open_memmap(tmp_path / "m.npy", mode="w+", dtype="<f4", shape=(9, 31))
    mm[:] = rng.normal(size=mm.shape)
    return {
        "float64 clean": rng.normal(size=(19, 21)),
        "float64 nan inf": f64,
        "float32 F-order big-endian": np.asfortranarray(f64.astype(">f4")),
        "float16": f64.astype(np.float16),
        "int16": rng.integers(-3000, 3000, (13, 8)).astype(np.int16),
        "uint64 beyond 2**53": np.array([[2**64 - 1, 2**53 + 1], [3, 0]], np.uint64),
        "bool": rng.random((6, 5)) > 0.5,
        "masked": np.ma.masked_array(rng.normal(size=(7, 9)), rng.random((7, 9)) > 0.7),
        "memmap": mm,
        "strided": rng.normal(size=(20, 30))[::2, ::3],
    }


@pytest.mark.parametrize("reduce", ["mean", "sum", "min", "max", "absmax"])
def test_own_size_cells_are_the_kernels_bytes(tmp_path, reduce):
    from fastheat.sources import open_source

    for name, data in _own_size_cases(tmp_path).items():
        source = open_source(data)
        fast = fastheat.api._own_size_cells(source, reduce)
        assert fast is not None, name
        slow = source.aggregate(*source.shape, reduce)  # the aggregation kernel
        assert fast.dtype == slow.dtype == np.float64, name
        # equal values and NaN where missing; a -0.0 input stays -0.0 here (the
        # kernel's sums turn it into 0.0: the same colour)
        np.testing.assert_array_equal(fast, slow, err_msg=name)


def test_own_size_cells_refuse_what_they_do_not_cover():
    from fastheat.sources import open_source

    source = open_source(np.ones((4, 4)))
    assert fastheat.api._own_size_cells(source, "std") is None  # std of one cell is not its value
    assert fastheat.api._own_size_cells(source, "count") is None


def test_own_size_cells_never_write_into_the_input():
    data = np.random.default_rng(2).normal(size=(30, 40))
    cells = fastheat.api._own_size_cells(fastheat.api.open_source(data), "mean")
    assert np.shares_memory(cells, data) and not cells.flags.writeable
    keep = data.copy()
    fastheat.to_rgba(data, origin="lower")
    np.testing.assert_array_equal(data, keep)
