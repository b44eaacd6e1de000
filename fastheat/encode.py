"""Encode stage: a Pillow image -> PNG/JPEG/WebP/TIFF bytes or file.

File writes are atomic: the image goes to a temporary file beside the target,
which replaces the target only once it is complete.
"""
from __future__ import annotations

import functools
import os
import struct
import secrets
import zlib
from concurrent.futures import ThreadPoolExecutor

FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP",
           ".tif": "TIFF", ".tiff": "TIFF"}
#: Pillow save options per format: fast PNG compression (the raster's palette
#: already makes it small), good-quality lossy formats.
DEFAULTS = {"PNG": {"compress_level": 1}, "JPEG": {"quality": 90}, "WEBP": {"quality": 90},
            "TIFF": {"compression": "tiff_deflate"}}
_LIMITS = {"JPEG": 65_535, "WEBP": 16_383}


def image_format(path=None, format=None) -> str:
    """The Pillow format name for ``format=`` or the suffix of ``path``.

    >>> image_format("out/map.JPG"), image_format(format="webp")
    ('JPEG', 'WEBP')
    """
    if format is not None:
        key = "." + str(format).lower().lstrip(".")
        what = f"format={format!r}"
    else:
        key = os.path.splitext(os.fspath(path))[1].lower()
        what = f"file suffix {key!r} of {os.fspath(path)!r}" if key else \
            f"path {os.fspath(path)!r} has no suffix, and no format= was given;"
    if key not in FORMATS:
        raise ValueError(f"{what} is not a supported image format; use one of "
                         + ", ".join(sorted(FORMATS)) + " (or pass format=)")
    return FORMATS[key]


def _prepare(image, fmt, background):
    limit = _LIMITS.get(fmt)
    if limit and max(image.size) > limit:
        raise ValueError(f"{fmt} images are at most {limit} pixels on a side, this one is "
                         f"{image.size[0]} x {image.size[1]}; use PNG or TIFF")
    if fmt == "JPEG":  # no alpha in JPEG: flatten onto the background
        from PIL import Image

        rgba = image.convert("RGBA")
        flat = Image.new("RGB", image.size, background)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if fmt in ("WEBP", "TIFF") and image.mode == "P":
        return image.convert("RGBA")
    return image


def write(image, target, *, format=None, background="white", **params):
    """Encode ``image`` to ``target`` (a path or a binary file object).

    Parameters are passed to Pillow's ``Image.save`` on top of :data:`DEFAULTS`
    (for example ``compress_level=9`` or ``quality=95``).
    """
    is_path = isinstance(target, (str, os.PathLike))
    fmt = image_format(target if is_path else None, format) if is_path or format else "PNG"
    image = _prepare(image, fmt, background)
    options = {**DEFAULTS[fmt], **params}
    if fmt == "PNG" and not params and image.mode in ("RGB", "RGBA"):
        save = functools.partial(_save_png, image)  # decorated images
    else:
        if fmt == "PNG" and params.keys().isdisjoint({"compress_level", "compress_type"}):
            options.update(_png_strategy(image))
        save = functools.partial(image.save, format=fmt, **options)
    if not is_path:
        save(target)
        return
    path = os.path.abspath(os.fspath(target))
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {os.fspath(target)!r}: folder {folder!r} does not exist")
    while True:  # like mkstemp, but with the usual 0o666 & ~umask permissions
        tmp = os.path.join(folder, f".fastheat-{secrets.token_hex(8)}.part")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            save(f)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _save_png(image, f, threads=2):
    """Write an RGB or RGBA image (a decorated heatmap) as PNG, about 1.5x faster
    than Pillow's encoder: rows with the "Up" filter (heatmaps are mostly rows
    equal to the row above: they filter to zeros) instead of Pillow's adaptive
    choice, then deflate
    level 1 in ``threads`` slices at once, joined like pigz does (a sync flush
    ends each slice on a byte boundary; the Adler-32 of the whole is combined)."""
    import numpy as np

    pixels = np.asarray(image)
    h, w = pixels.shape[:2]
    rows = pixels.reshape(h, -1)
    data = np.empty((h, rows.shape[1] + 1), np.uint8)
    data[:, 0] = 2  # Up
    data[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=data[1:, 1:])
    data = data.ravel()
    bounds = np.linspace(0, data.size, threads + 1).astype(int)
    parts = [data[a:b] for a, b in zip(bounds[:-1], bounds[1:])]

    def deflate(k):
        last = k == len(parts) - 1
        co = zlib.compressobj(1, zlib.DEFLATED, 15 if k == 0 else -15)  # header once
        return co.compress(parts[k]) + co.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)

    blocks = list(_pool().map(deflate, range(len(parts))))  # zlib releases the GIL
    body = b"".join(blocks)
    if len(parts) > 1:  # raw deflate after the first slice: add the stream's checksum
        adler = 1
        for part in parts:
            adler = zlib.adler32(part, adler)
        body += struct.pack(">I", adler)

    def chunk(tag, payload):
        f.write(struct.pack(">I", len(payload)) + tag)
        f.write(payload)
        f.write(struct.pack(">I", zlib.crc32(payload, zlib.crc32(tag))))

    f.write(b"\x89PNG\r\n\x1a\n")
    chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2 if image.mode == "RGB" else 6, 0, 0, 0))
    chunk(b"IDAT", body)
    chunk(b"IEND", b"")


@functools.lru_cache(maxsize=1)
def _pool():
    return ThreadPoolExecutor(2, thread_name_prefix="fastheat-png")


def _png_strategy(image):
    """Skip LZ77 matching for noise-like rasters (random or very detailed data)
    where it finds nothing: Huffman coding alone is about 2.5x faster there and
    the file no larger. Decided on a 32 kB sample of the image, compressed
    both ways."""
    if image.mode not in ("P", "L"):
        return {}
    data = image.tobytes()
    stride = max(1024, len(data) // 32)
    sample = b"".join(data[k: k + 1024] for k in range(0, len(data), stride))
    huffman = zlib.compressobj(1, zlib.DEFLATED, 15, 8, zlib.Z_HUFFMAN_ONLY)
    n_huffman = len(huffman.compress(sample) + huffman.flush())
    if len(zlib.compress(sample, 1)) > 0.95 * n_huffman:
        return {"compress_type": zlib.Z_HUFFMAN_ONLY}
    return {}
