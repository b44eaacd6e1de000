"""Notebook display (:mod:`fastheat.notebook`): ``heatmap`` returns a
:class:`fastheat.HeatmapImage`, shown by IPython as one PNG from fastheat's
writer, downscaled beyond ``DISPLAY_MAX`` px, and still a Pillow image."""
from __future__ import annotations

import io
import pickle
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

import fastheat
from fastheat.notebook import DISPLAY_MAX, HeatmapImage

formatters = pytest.importorskip("IPython.core.formatters")

DATA = np.random.default_rng(3).random((30, 40))


def bundle(obj):
    return formatters.DisplayFormatter().format(obj)


def chunks(png):
    """The PNG's chunks as (tag, payload), the IDATs joined and inflated: the
    filtered rows, which say which writer wrote it (fastheat's "Up" filter
    for RGB rows, no filter for palette rows). Two encodes of one image are
    compared here rather than byte for byte: a deflater may match differently
    from call to call (one CI run saw two IDAT lengths for the same image)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    out, idat, at = [], b"", 8
    while at < len(png):
        n, tag = struct.unpack(">I4s", png[at: at + 8])
        body = png[at + 8: at + 8 + n]
        assert struct.unpack(">I", png[at + 8 + n: at + 12 + n])[0] == zlib.crc32(tag + body)
        if tag == b"IDAT":
            idat += body
        else:
            out.append((tag, body))
        at += 12 + n
    out.insert(-1, (b"IDAT", zlib.decompress(idat)))
    return out


def decoded(png):
    with Image.open(io.BytesIO(png)) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("RGBA"))


@pytest.mark.parametrize("kwargs", [dict(colorbar=True, title="t"),  # RGB, decorated
                                    dict(),                          # palette, bare
                                    dict(colorbar=True, background="none")])  # RGBA
def test_bundle_is_one_png_of_the_same_pixels(kwargs):
    img = fastheat.heatmap(DATA, **kwargs)
    assert isinstance(img, Image.Image) and isinstance(img, HeatmapImage)
    data, metadata = bundle(img)
    assert set(data) == {"image/png", "text/plain"}  # no image/jpeg copy
    assert metadata == {}
    np.testing.assert_array_equal(decoded(data["image/png"]), np.asarray(img.convert("RGBA")))
    assert chunks(data["image/png"]) == chunks(img._repr_png_())
    assert "HeatmapImage" in data["text/plain"] and "downscaled" not in data["text/plain"]


def test_bundle_is_written_by_fastheats_writer():
    img = fastheat.heatmap(DATA, colorbar=True, title="t")
    png = bundle(img)[0]["image/png"]
    plain = Image.Image._repr_png_(img)  # Pillow's encoder: other bytes, same pixels
    assert chunks(png) != chunks(plain) and chunks(png) == chunks(img.png())
    np.testing.assert_array_equal(decoded(png), decoded(plain))


@pytest.mark.parametrize("size", [(DISPLAY_MAX, 600), (3001, 1200), (900, 4000)])
def test_big_images_are_shown_downscaled(size):
    w, h = size
    img = fastheat.heatmap(DATA, width=w, height=h)
    assert img.size == (w, h)
    data, metadata = bundle(img)
    shown = decoded(data["image/png"])
    if max(w, h) <= DISPLAY_MAX:
        assert shown.shape[:2] == (h, w) and metadata == {}
        return
    k = DISPLAY_MAX / max(w, h)
    assert max(shown.shape[:2]) == DISPLAY_MAX
    assert shown.shape[:2] == (round(h * k), round(w * k))
    assert metadata == {"image/png": {"fastheat": {"downscaled_from": [w, h]}}}
    assert "downscaled" in data["text/plain"]
    want = img.convert("RGBA").resize(shown.shape[1::-1], Image.Resampling.BOX)
    np.testing.assert_array_equal(shown, np.asarray(want))
    # the full size stays on request
    assert img.size == (w, h) and decoded(img.png()).shape[:2] == (h, w)


def test_still_a_pillow_image(tmp_path):
    img = fastheat.heatmap(DATA, colorbar=True, title="t")
    pixels = np.asarray(img)
    copy = img.copy()
    assert copy == img and img == copy and np.array_equal(np.asarray(copy), pixels)
    assert img != fastheat.heatmap(DATA, colorbar=True, title="u")
    again = pickle.loads(pickle.dumps(img))
    assert type(again) is HeatmapImage and again == img
    img.save(tmp_path / "a.png")
    with Image.open(tmp_path / "a.png") as back:
        np.testing.assert_array_equal(np.asarray(back), pixels)
    assert img.crop((0, 0, 10, 10)).size == (10, 10)
    assert img.resize((50, 50)).size == (50, 50)
    assert fastheat.HeatmapImage is HeatmapImage
    assert HeatmapImage.of(Image.new("RGB", (3, 2))).size == (3, 2)
