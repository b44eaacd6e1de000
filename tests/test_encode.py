"""The PNG writer for decorated (RGB/RGBA) images: valid, lossless PNGs."""
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from fastheat import encode


def _chunks(png):
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, out = 8, []
    while pos < len(png):
        (n,) = struct.unpack(">I", png[pos: pos + 4])
        tag, body = png[pos + 4: pos + 8], png[pos + 8: pos + 8 + n]
        (crc,) = struct.unpack(">I", png[pos + 8 + n: pos + 12 + n])
        assert crc == zlib.crc32(body, zlib.crc32(tag)), tag
        out.append((tag, body))
        pos += 12 + n
    return out


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("shape", [(1, 1), (2, 5), (37, 101), (300, 7)])
def test_rgb_png_round_trips(mode, threads, shape):
    rng = np.random.default_rng(sum(shape) + threads)
    pixels = rng.integers(0, 256, size=shape + (len(mode),), dtype=np.uint8)
    pixels[shape[0] // 2:] = pixels[shape[0] // 2]  # repeated rows, as in heatmaps
    image = Image.fromarray(pixels, mode)
    buf = io.BytesIO()
    encode._save_png(image, buf, threads=threads)
    png = buf.getvalue()
    chunks = dict(_chunks(png))  # every chunk CRC checked
    w, h, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (w, h, depth, color) == (shape[1], shape[0], 8, 2 if mode == "RGB" else 6)
    raw = zlib.decompress(chunks[b"IDAT"])  # verifies the combined Adler-32
    assert len(raw) == shape[0] * (shape[1] * len(mode) + 1)
    back = Image.open(io.BytesIO(png))
    assert back.mode == mode
    assert np.array_equal(np.asarray(back), pixels)


def test_write_uses_pillow_when_options_are_given(tmp_path):
    image = Image.new("RGB", (20, 10), "red")
    encode.write(image, tmp_path / "a.png", compress_level=9)
    encode.write(image, tmp_path / "b.png")
    for name in ("a.png", "b.png"):
        with Image.open(tmp_path / name) as back:
            assert np.array_equal(np.asarray(back.convert("RGB")), np.asarray(image))

