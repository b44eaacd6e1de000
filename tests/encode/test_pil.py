"""A Pillow image's own memory as a numpy array (:mod:`fastheat.encode.pil`):
writes land in the image, the array keeps the image alive, and whatever
Pillow does not export in one piece gives None (the callers' numpy path)."""
from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from PIL import Image

from fastheat.encode.pil import memory_of, new_canvas

ARROW = hasattr(Image.Image, "__arrow_c_array__")  # Pillow 11.2 and newer
needs_arrow = pytest.mark.skipif(not ARROW, reason="this Pillow exports no Arrow arrays (< 11.2)")


@needs_arrow
@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_writes_land_in_the_image(mode):
    image, pixels = new_canvas(mode, 7, 5)
    assert pixels.shape == (5, 7, 4) and pixels.dtype == np.uint8 and pixels.flags.writeable
    want = np.random.default_rng(1).integers(0, 256, (5, 7, 4), dtype=np.uint8)
    pixels[...] = want
    np.testing.assert_array_equal(np.asarray(image), want[..., :len(mode)])


@needs_arrow
def test_the_memory_is_what_fromarray_stores():
    rgb = np.random.default_rng(2).integers(0, 256, (6, 9, 3), dtype=np.uint8)
    memory = memory_of(Image.fromarray(rgb))
    np.testing.assert_array_equal(memory[..., :3], rgb)
    assert (memory[..., 3] == 255).all()  # RGB's pad byte, as Pillow's unpacker sets it


@needs_arrow
def test_the_array_keeps_the_image_alive():
    image, pixels = new_canvas("RGB", 4, 3)
    alive = weakref.ref(image)
    del image
    gc.collect()
    assert alive() is not None
    pixels[...] = 9  # its memory is still the image's
    assert alive().getpixel((3, 2)) == (9, 9, 9)
    del pixels
    gc.collect()
    assert alive() is None


def test_what_is_not_exported_in_one_piece_is_none(monkeypatch):
    assert new_canvas("L", 4, 4) is None and new_canvas("RGB", 0, 4) is None
    assert memory_of(Image.new("P", (3, 3))) is None
    if ARROW:  # beyond Pillow's block an image is several pieces
        side = int((Image.core.get_block_size() / 4) ** 0.5) + 2
        assert new_canvas("RGB", side, side) is None
    monkeypatch.delattr(Image.Image, "__arrow_c_array__", raising=False)
    assert new_canvas("RGB", 4, 4) is None


def test_memory_pillow_does_not_own_is_none():
    """``fromarray`` of RGBA and ``frombuffer`` wrap the caller's buffer (read
    only; Pillow 11.2-12 crash exporting it): never handed out as writable."""
    rgba = np.zeros((2, 3, 4), np.uint8)
    assert memory_of(Image.fromarray(rgba)) is None
    assert memory_of(Image.frombuffer("RGBA", (3, 2), bytes(24), "raw", "RGBA", 0, 1)) is None


@needs_arrow
@pytest.mark.skipif(not hasattr(Image.core, "set_alignment"), reason="this Pillow has no row "
                    "alignment setting")
def test_rows_not_back_to_back_are_none():
    before = Image.core.get_alignment()
    Image.core.set_alignment(16)
    try:
        assert new_canvas("RGB", 7, 3) is None
    finally:
        Image.core.set_alignment(before)
    assert new_canvas("RGB", 7, 3) is not None
