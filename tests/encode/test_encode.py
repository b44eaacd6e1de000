"""save(): PNG, JPEG, WebP and TIFF by suffix or format=, to paths and file
objects; lossless formats read back to exactly the to_rgba pixels."""
from __future__ import annotations

import io
import os
import pathlib

import numpy as np
import pytest
from PIL import Image

import fastheat
from fastheat.encode import png as png_writer

FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP", ".tif": "TIFF",
           ".tiff": "TIFF"}
LOSSLESS = {"PNG", "TIFF"}


def few_colours():
    """At most 256 colours (a palette image), bad (transparent) included."""
    x = np.add.outer(np.arange(20.0), np.arange(30.0))
    x[3:6, 4:9] = np.nan
    return x, dict(width=60, height=40, cmap="viridis")


def many_colours():
    """All 256 colormap colours plus under, over and bad: more than a palette holds."""
    x = np.linspace(-0.1, 1.1, 64 * 80).reshape(64, 80)
    x[0, 0] = np.nan
    return x, dict(cmap="viridis", vmin=0, vmax=1, under="red", over="blue", bad="white",
                   width=80, height=64)


def read(source):
    with Image.open(source) as im:
        im.load()
        return im.format, im.size, im.mode, np.asarray(im.convert("RGBA"))


@pytest.mark.parametrize("make", [few_colours, many_colours])
def test_heatmap_palette_round_trips_to_rgba(make):
    x, kw = make()
    img = fastheat.heatmap(x, **kw)
    want = fastheat.to_rgba(x, **kw)
    distinct = len(np.unique(want.reshape(-1, 4), axis=0))
    assert img.mode == ("P" if distinct <= 256 else "RGBA"), (img.mode, distinct)
    assert img.size == (kw["width"], kw["height"])
    np.testing.assert_array_equal(np.asarray(img.convert("RGBA")), want)


@pytest.mark.parametrize("make", [few_colours, many_colours])
@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_save_by_suffix(tmp_path, make, suffix):
    x, kw = make()
    path = tmp_path / ("out" + suffix.upper() if suffix == ".png" else "out" + suffix)
    fastheat.save(x, path, **kw)
    fmt, size, mode, rgba = read(path)
    assert fmt == FORMATS[suffix] and size == (kw["width"], kw["height"])
    want = fastheat.to_rgba(x, **kw)
    if fmt in LOSSLESS:
        np.testing.assert_array_equal(rgba, want)
    elif fmt == "JPEG":
        assert mode == "RGB"  # no alpha: flattened onto white
        flat = np.where(want[..., 3:] == 255, want, 255)[..., :3]
        assert np.abs(rgba[..., :3].astype(int) - flat).mean() < 12
    else:  # lossy WebP
        opaque = want[..., 3] == 255
        assert np.abs(rgba[opaque, :3].astype(int) - want[opaque, :3]).mean() < 12
    assert [p for p in os.listdir(tmp_path)] == [path.name]  # no temporary left behind


@pytest.mark.parametrize("fmt", ["png", "PNG", "jpeg", "jpg", "webp", "tiff", "tif", ".png"])
def test_save_by_format_to_any_name(tmp_path, fmt):
    x, kw = few_colours()
    path = tmp_path / "no-suffix"
    fastheat.save(x, str(path), format=fmt, **kw)
    got_fmt, size, _, rgba = read(path)
    assert got_fmt == FORMATS["." + fmt.lower().lstrip(".")]
    assert size == (kw["width"], kw["height"])
    if got_fmt in LOSSLESS:
        np.testing.assert_array_equal(rgba, fastheat.to_rgba(x, **kw))


def test_format_overrides_suffix(tmp_path):
    x, kw = few_colours()
    fastheat.save(x, tmp_path / "really.png", format="tiff", **kw)
    assert read(tmp_path / "really.png")[0] == "TIFF"


@pytest.mark.parametrize("fmt", [None, "png", "jpeg", "webp", "tiff"])
def test_save_to_file_object(fmt):
    x, kw = many_colours()
    buf = io.BytesIO()
    fastheat.save(x, buf, format=fmt, **kw)
    assert buf.tell() > 0
    buf.seek(0)
    got_fmt, size, _, rgba = read(buf)
    assert got_fmt == ("PNG" if fmt is None else FORMATS["." + fmt])
    assert size == (kw["width"], kw["height"])
    if got_fmt in LOSSLESS:
        np.testing.assert_array_equal(rgba, fastheat.to_rgba(x, **kw))


def test_save_to_open_file(tmp_path):
    x, kw = few_colours()
    with open(tmp_path / "f.png", "wb") as f:
        fastheat.save(x, f, **kw)
    np.testing.assert_array_equal(read(tmp_path / "f.png")[3], fastheat.to_rgba(x, **kw))


def test_path_kinds(tmp_path):
    x, kw = few_colours()
    want = fastheat.to_rgba(x, **kw)
    for path in (str(tmp_path / "a.png"), tmp_path / "b.png", pathlib.PurePath(tmp_path / "c.png")):
        fastheat.save(x, path, **kw)
        np.testing.assert_array_equal(read(path)[3], want)


def test_overwrite_replaces_the_file(tmp_path):
    path = tmp_path / "o.png"
    path.write_bytes(b"old")
    x, kw = few_colours()
    fastheat.save(x, path, **kw)
    np.testing.assert_array_equal(read(path)[3], fastheat.to_rgba(x, **kw))
    assert sorted(os.listdir(tmp_path)) == ["o.png"]


def test_saved_file_permissions_follow_umask(tmp_path):
    x, kw = few_colours()
    fastheat.save(x, tmp_path / "o.png", **kw)
    mask = os.umask(0)
    os.umask(mask)
    assert (os.stat(tmp_path / "o.png").st_mode & 0o777) == (0o666 & ~mask)


def test_encoder_options_pass_through(tmp_path):
    x = np.random.default_rng(0).normal(size=(200, 200))
    fastheat.save(x, tmp_path / "q10.jpg", quality=10)
    fastheat.save(x, tmp_path / "q95.jpg", quality=95)
    assert os.path.getsize(tmp_path / "q10.jpg") < os.path.getsize(tmp_path / "q95.jpg")
    fastheat.save(x, tmp_path / "l.webp", lossless=True)
    rgba = read(tmp_path / "l.webp")[3]
    np.testing.assert_array_equal(rgba, fastheat.to_rgba(x))
    fastheat.save(x, tmp_path / "c9.png", compress_level=9)
    np.testing.assert_array_equal(read(tmp_path / "c9.png")[3], fastheat.to_rgba(x))


@pytest.mark.parametrize("origin", ["upper", "lower"])
def test_orientation_survives_encoding(tmp_path, origin):
    x = np.zeros((4, 4))
    x[0, 0] = 1.0  # row 0, column 0
    fastheat.save(x, tmp_path / "o.png", origin=origin, cmap="gray", width=4, height=4)
    rgba = read(tmp_path / "o.png")[3]
    row = 0 if origin == "upper" else 3
    assert rgba[row, 0, :3].tolist() == [255, 255, 255]
    assert (rgba[..., :3].sum(axis=-1) > 0).sum() == 1


# --- composed canvases: saved from the array, exactly heatmap's pixels, atomically

DATA = np.random.default_rng(7).random((10, 10))


@pytest.mark.parametrize("options", [
    dict(colorbar=True, grid=True, title="t"),
    dict(colorbar=True, grid=True, title="t", background="none"),
    dict(colorbar="bottom", xlabel="x", ylabel="y", annot=True, fmt=".1f", width=400,
         height=300),
    dict(colorbar=True, vmin=0.2, vmax=0.8, origin="lower", linewidths=1, scale=2,
         xticklabels=True, yticklabels=True),
    dict(title="t", background="none", annot=True, fmt=".2f", width=500, height=450,
         cmap="tab10"),
])
def test_save_png_is_exactly_heatmap(monkeypatch, options):
    data = np.random.default_rng(5).random((8, 9))
    data[2, 3] = np.nan
    seen = []
    real = png_writer.write_png

    def spy(image, f, **kw):
        seen.append(type(image))
        return real(image, f, **kw)

    monkeypatch.setattr(png_writer, "write_png", spy)
    buf = io.BytesIO()
    fastheat.save(data, buf, format="png", **options)
    assert seen == [np.ndarray]  # the composed canvas, encoded without a Pillow copy
    buf.seek(0)
    with Image.open(buf) as back:
        want = fastheat.heatmap(data, **options)
        assert back.mode == want.mode == ("RGBA" if "background" in options else "RGB")
        np.testing.assert_array_equal(np.asarray(back), np.asarray(want))


def test_save_with_overlays_is_atomic_and_writes(tmp_path):
    path = tmp_path / "out.png"
    fastheat.save(DATA, path, colorbar=True, annot=True, fmt=".2f", title="t")
    with Image.open(path) as img:
        assert img.mode == "RGB"
    with pytest.raises(ValueError, match="colorbar"):
        fastheat.save(DATA, tmp_path / "bad.png", colorbar="middle")
    assert sorted(os.listdir(tmp_path)) == ["out.png"]
