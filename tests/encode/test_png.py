"""The PNG writer for decorated (RGB/RGBA) images: valid, lossless PNGs.

Arrays and Pillow images in, through the fast PNG writer or Pillow: PNG, TIFF
and lossless WebP come back exactly; JPEG and lossy WebP within the
tolerances written next to them.
"""
import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, strategies as st
from PIL import Image, features
from zlib_ng import zlib_ng

from fastheat import encode
from fastheat.encode import png as png_writer


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
    png_writer.write_png(image, buf, threads=threads)
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



# --------------------------------------------------------------------------- Adler-32 of joined bands

def _blobs():
    """Short byte strings, and long ones (past zlib's 65521 modulus and its
    5552-byte block) of noise or of one repeated byte (0xff: largest sums)."""
    return st.one_of(
        st.binary(max_size=300),
        st.builds(lambda seed, n: np.random.default_rng(seed).integers(
            0, 256, n, dtype=np.uint8).tobytes(), st.integers(0, 2**32 - 1), st.integers(0, 300_000)),
        st.builds(lambda b, n: bytes([b]) * n, st.sampled_from([0, 1, 0x7F, 0xFF]),
                  st.integers(0, 300_000)),
    )


@given(a=_blobs(), b=_blobs())
def test_adler32_combine_equals_adler32_of_the_concatenation(a, b):
    assert png_writer._adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


@pytest.mark.parametrize("a,b", [
    (b"", b""), (b"abc", b""), (b"", b"abc"),
    (b"\xff" * 65521, b"\xff" * 65522), (b"\xff" * 5552, b"\x00" * 70_000),
    (b"\x00" * 65520 + b"\x01", b"\xff" * 1_000_003),
])
def test_adler32_combine_edge_cases(a, b):
    assert png_writer._adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


# --------------------------------------------------------------------------- the fast PNG writer on arrays

def _up_filtered(pixels):
    """The PNG scanlines the writer promises: filter type 2 ("Up") on every row."""
    h = pixels.shape[0]
    rows = pixels.reshape(h, -1).astype(np.int16)
    out = np.empty((h, rows.shape[1] + 1), np.uint8)
    out[:, 0] = 2
    out[0, 1:] = rows[0]
    out[1:, 1:] = (rows[1:] - rows[:-1]) % 256
    return out


def _check_png(png, pixels):
    """Valid chunks (CRCs), the right header, Up-filtered rows under a zlib
    stream whose Adler-32 checks, and Pillow decodes ``pixels`` exactly."""
    chunks = dict(_chunks(png))
    h, w, nch = pixels.shape
    assert struct.unpack(">IIBBBBB", chunks[b"IHDR"]) == (w, h, 8, 2 if nch == 3 else 6, 0, 0, 0)
    assert zlib.decompress(chunks[b"IDAT"]) == _up_filtered(pixels).tobytes()
    with Image.open(io.BytesIO(png)) as back:
        assert back.mode == ("RGB" if nch == 3 else "RGBA")
        np.testing.assert_array_equal(np.asarray(back), pixels)
    return chunks


def _gradient(h, w, nch):
    y, x = np.mgrid[0:h, 0:w]
    planes = [x * 255 // w, y * 255 // h, (x + y) * 127 // (w + h), 40 + x * 200 // w]
    return np.stack(planes[:nch], -1).astype(np.uint8)


def _noise(h, w, nch, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, nch), dtype=np.uint8)


STRATEGIES = {"rle": zlib.Z_RLE, "default": zlib.Z_DEFAULT_STRATEGY}


@pytest.fixture
def zlib_ng_backend(monkeypatch):
    """The writer's fallback where python-isal is missing: zlib-ng, with its
    sampled choice of strategy."""
    monkeypatch.setattr(png_writer, "_deflater", lambda: zlib_ng)


def test_isal_is_the_deflater_here():
    isal_zlib = pytest.importorskip("isal.isal_zlib", reason="python-isal is installed only "
                                    "on x86-64 and ARM64 (pyproject markers)")
    assert png_writer._deflater() is isal_zlib


@pytest.mark.parametrize("nch", [3, 4])
@pytest.mark.parametrize("threads", [1, 2, 3, 4])
@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (5, 1), (37, 101), (300, 40)])
def test_rgb_png_round_trips_with_the_default_deflater(nch, threads, shape):
    h, w = shape
    pixels = np.random.default_rng(h + w + threads).integers(0, 256, (h, w, nch), np.uint8)
    pixels[h // 2:] = pixels[h // 2]
    buf = io.BytesIO()
    png_writer.write_png(pixels[:, ::-1] if w > 2 else pixels, buf, threads=threads)
    _check_png(buf.getvalue(), pixels[:, ::-1] if w > 2 else pixels)


@pytest.mark.parametrize("strategy", ["sampled", "rle", "default"])
@pytest.mark.parametrize("nch", [3, 4])
@pytest.mark.parametrize("threads", [1, 2, 3, 4])
@pytest.mark.parametrize("shape,layout", [((1, 1), "C"), ((1, 9), "view"), ((2, 3), "C"),
                                          ((3, 50), "view"), ((5, 1), "view"), ((37, 101), "C")])
def test_rgb_png_from_arrays_round_trips(monkeypatch, zlib_ng_backend, strategy, nch, threads,
                                         shape, layout):
    h, w = shape  # heights 1..3: fewer rows than threads
    rng = np.random.default_rng(h * 1000 + w * 10 + threads)
    if layout == "C":
        pixels = rng.integers(0, 256, (h, w, nch), dtype=np.uint8)
    else:  # a window of a bigger canvas, as compose's canvases are sliced
        pixels = rng.integers(0, 256, (h + 3, w + 4, nch), dtype=np.uint8)[1: 1 + h, 2: 2 + w]
    pixels[h // 2:] = pixels[h // 2]  # repeated rows, as in heatmaps
    calls = []
    if strategy != "sampled":
        monkeypatch.setattr(png_writer, "_rgb_strategy",
                            lambda *a, **k: calls.append(a) or STRATEGIES[strategy])
    before = pixels.copy()
    buf = io.BytesIO()
    png_writer.write_png(pixels, buf, threads=threads)
    chunks = _check_png(buf.getvalue(), pixels)
    np.testing.assert_array_equal(pixels, before)  # the input is not written to
    if strategy != "sampled":
        assert calls  # the forced strategy is the one asked for
        if threads == 1:  # one zlib stream: level 1, 32 KiB window, the strategy
            co = zlib_ng.compressobj(1, zlib_ng.DEFLATED, 15, 8, STRATEGIES[strategy])
            data = _up_filtered(pixels).tobytes()
            assert chunks[b"IDAT"] == co.compress(data) + co.flush()


def _spy_strategy(monkeypatch):
    picks = []
    real = png_writer._rgb_strategy

    def spy(*args, **kwargs):
        picks.append(real(*args, **kwargs))
        return picks[-1]
    monkeypatch.setattr(png_writer, "_rgb_strategy", spy)
    return picks


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("shape", [(96, 1024, 4), (128, 800, 3)])
@pytest.mark.parametrize("kind,want", [("noise", zlib.Z_RLE), ("gradient", zlib.Z_DEFAULT_STRATEGY)])
def test_strategy_is_rle_for_noise_and_default_for_gradients(monkeypatch, zlib_ng_backend, seed,
                                                            threads, shape, kind, want):
    """Images big enough to be sampled (every band >= 32 rows, >= 65536
    bytes). The margins are wide: on samples like these noise came out about
    5% smaller with RLE, and the gradient's Up-filtered rows several times
    smaller without it."""
    picks = _spy_strategy(monkeypatch)
    pixels = _noise(*shape, seed=seed) if kind == "noise" else _gradient(*shape)
    if seed:
        pixels = pixels[:, ::-1]
    buf = io.BytesIO()
    png_writer.write_png(pixels, buf, threads=threads)
    assert picks and set(picks) == {want}
    _check_png(buf.getvalue(), pixels)


@pytest.mark.parametrize("shape", [(8, 1000, 4), (300, 10, 3), (15, 2000, 3)])
def test_small_images_are_not_sampled(monkeypatch, zlib_ng_backend, shape):
    # fewer than 16 rows or 65536 bytes: plain deflate, even for noise
    picks = _spy_strategy(monkeypatch)
    pixels = _noise(*shape)
    buf = io.BytesIO()
    png_writer.write_png(pixels, buf, threads=2)
    assert picks and set(picks) == {zlib.Z_DEFAULT_STRATEGY}
    _check_png(buf.getvalue(), pixels)


# --------------------------------------------------------------------------- write(): arrays in

def _spy_save_png(monkeypatch):
    seen = []
    real = png_writer.write_png

    def spy(image, f, **kwargs):
        seen.append(image)
        return real(image, f, **kwargs)
    monkeypatch.setattr(png_writer, "write_png", spy)
    return seen


def _decode(target):
    with Image.open(target) as im:
        return im.mode, np.asarray(im)


@pytest.mark.parametrize("nch", [3, 4])
@pytest.mark.parametrize("to", ["buffer", "path", "format"])
def test_write_array_takes_the_fast_png_path(monkeypatch, tmp_path, nch, to):
    seen = _spy_save_png(monkeypatch)
    pixels = _noise(40, 30, nch, seed=nch)
    before = pixels.copy()
    target = tmp_path / "a.png" if to == "path" else io.BytesIO()
    encode.write(pixels, target, **({"format": "png"} if to == "format" else {}))
    assert len(seen) == 1 and seen[0] is pixels  # no copy, no Pillow image
    if to != "path":
        target.seek(0)
    mode, back = _decode(target)
    assert mode == ("RGB" if nch == 3 else "RGBA")
    np.testing.assert_array_equal(back, pixels)
    np.testing.assert_array_equal(pixels, before)


def _flatten_on_white(pixels):
    if pixels.shape[2] == 3:
        return pixels
    a = pixels[..., 3:].astype(np.int64)
    return ((pixels[..., :3] * a + 255 * (255 - a) + 127) // 255).astype(np.uint8)


WEBP = pytest.mark.skipif(not features.check("webp"), reason="Pillow built without WebP")


@pytest.mark.parametrize("nch", [3, 4])
@pytest.mark.parametrize("fmt,params,tolerance", [
    ("png", dict(compress_level=9), None),
    ("tiff", {}, None),
    pytest.param("webp", dict(lossless=True, exact=True), None, marks=WEBP),
    # lossy at the default quality 90, on a smooth image: max 7 and mean 0.6 seen
    pytest.param("webp", {}, (16, 2.0), marks=WEBP),
    # quality 90, flattened onto white: max 4 and mean 0.7 seen
    ("jpeg", {}, (10, 2.0)),
])
@pytest.mark.parametrize("to", ["path", "buffer"])
def test_write_array_through_pillow(monkeypatch, tmp_path, nch, fmt, params, tolerance, to):
    seen = _spy_save_png(monkeypatch)
    pixels = _gradient(48, 64, nch)
    before = pixels.copy()
    if to == "path":
        target = tmp_path / f"a.{fmt}"
        encode.write(pixels, target, **params)
    else:
        target = io.BytesIO()
        encode.write(pixels, target, format=fmt, **params)
        target.seek(0)
    assert seen == []  # options or another format: Pillow encodes
    mode, back = _decode(target)
    np.testing.assert_array_equal(pixels, before)
    if fmt == "jpeg":
        assert mode == "RGB"
        want = _flatten_on_white(pixels)
    else:
        assert mode == ("RGB" if nch == 3 else "RGBA")
        want = pixels
    if tolerance is None:
        np.testing.assert_array_equal(back, want)
    else:
        diff = np.abs(back.astype(int) - want)
        assert diff.max() <= tolerance[0] and diff.mean() <= tolerance[1], (diff.max(), diff.mean())


@pytest.mark.parametrize("shape,dtype", [((4, 5), np.uint8), ((4, 5, 2), np.uint8),
                                         ((4, 5, 5), np.uint8), ((4, 5, 3), np.float64),
                                         ((4, 5, 3), np.int64)])
def test_png_writer_rejects_arrays_that_are_not_rgb_or_rgba(shape, dtype):
    buf = io.BytesIO()
    with pytest.raises(ValueError, match=r"a PNG needs an \(h, w, 3 or 4\) uint8 array"):
        encode.write(np.zeros(shape, dtype), buf)
    assert buf.getvalue() == b""  # nothing half-written


def test_png_writer_splits_idat_at_the_chunk_limit(monkeypatch):
    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 256, (64, 50, 3), dtype=np.uint8)
    monkeypatch.setattr(png_writer, "IDAT_MAX", 1000)
    buf = io.BytesIO()
    png_writer.write_png(pixels, buf)
    chunks = _chunks(buf.getvalue())  # every CRC checked
    idat = [body for tag, body in chunks if tag == b"IDAT"]
    assert len(idat) > 5 and max(map(len, idat)) <= 1000
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(buf.getvalue()))), pixels)


FORK_SCRIPT = """
import io, multiprocessing as mp, numpy as np, fastheat
d = np.random.default_rng(0).random((60, 80))
fastheat.save(d, io.BytesIO(), format="png", colorbar=True)  # the parent's pool starts

def child(q):
    b = io.BytesIO()
    fastheat.save(d, b, format="png", colorbar=True)
    q.put(len(b.getvalue()))

if __name__ == "__main__":
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(q,))
    p.start()
    p.join(60)
    print("hung" if p.is_alive() else f"exit {p.exitcode} {q.get(timeout=5) > 0}")
    if p.is_alive():
        p.kill()
"""


def test_a_forked_child_saves_with_threads_of_its_own(tmp_path):
    # GNU OpenMP cannot run in a forked child at all (numba's omp layer): the
    # workqueue layer can, and then the PNG writer's pool must be the child's.
    import os
    import subprocess
    import sys

    script = tmp_path / "fork.py"
    script.write_text(FORK_SCRIPT)
    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue"}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=240, env=env)
    assert out.stdout.strip().splitlines()[-1] == "exit 0 True", out.stderr[-2000:]


@pytest.mark.parametrize("backend", ["default", "zlib_ng"])
@pytest.mark.parametrize("case", ["rgb", "rgba", "opaque_rgba", "tiny", "tall"])
def test_palette_png_round_trips(monkeypatch, backend, case):
    from fastheat import api as render

    if backend == "zlib_ng":
        monkeypatch.setattr(png_writer, "_deflater", lambda: zlib_ng)
    rng = np.random.default_rng(3)
    data, options = rng.random((40, 70)), {}
    if case == "rgba":  # transparent bad cells: an RGBA palette
        data[rng.random(data.shape) > 0.8] = np.nan
        options = dict(bad=(0, 0, 0, 0))
    elif case == "opaque_rgba":
        options = dict(cmap=["#ff000080", "#0000ff"])  # a translucent colormap entry
    elif case == "tiny":
        data, options = data[:1, :1], dict(width=1, height=1)
    elif case == "tall":
        options = dict(width=3, height=500)
    image = render.rasterize(data, **options).image()
    assert image.mode == "P"
    buf = io.BytesIO()
    encode.write(image, buf)
    chunks = dict(_chunks(buf.getvalue()))
    assert chunks[b"IHDR"][9] == 3  # colour type: palette
    needs_alpha = image.palette.mode == "RGBA" and image.convert("RGBA").getextrema()[3][0] < 255
    assert (b"tRNS" in chunks) == needs_alpha
    back = Image.open(io.BytesIO(buf.getvalue()))
    assert np.array_equal(np.asarray(back.convert("RGBA")), np.asarray(image.convert("RGBA")))
