"""Encode stage: a Pillow image or an RGB(A) canvas array -> PNG/JPEG/WebP/TIFF
bytes or file.

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
IDAT_MAX = 1 << 30


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
    """Encode ``image`` (a Pillow image, or an ``(h, w, 3 or 4)`` uint8 array:
    a composed canvas) to ``target`` (a path or a binary file object).

    Parameters are passed to Pillow's ``Image.save`` on top of :data:`DEFAULTS`
    (for example ``compress_level=9`` or ``quality=95``).
    """
    is_path = isinstance(target, (str, os.PathLike))
    fmt = image_format(target if is_path else None, format) if is_path or format else "PNG"
    options = {**DEFAULTS[fmt], **params}
    mode = getattr(image, "mode", "RGB")  # arrays: 3 or 4 channels
    ours = mode in ("RGB", "RGBA") or (mode == "P" and "transparency" not in image.info)
    if fmt == "PNG" and not params and ours:
        save = functools.partial(_save_png, image)
    else:
        if not hasattr(image, "mode"):
            from PIL import Image

            image = Image.fromarray(image)
        image = _prepare(image, fmt, background)
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
    """Write an image as PNG: an RGB or RGBA one (a decorated heatmap: a Pillow
    image or an ``(h, w, 3 or 4)`` uint8 array) or a palette one (a bare
    raster, RGB or RGBA palette), several times faster than Pillow's encoder:

    - rows get the "Up" filter (heatmap rows mostly equal the row above and
      filter to zeros) instead of Pillow's per-row adaptive choice;
    - ISA-L deflates at level 1 (python-isal: 2-2.5x faster than zlib-ng's
      best level-1 strategy on the benchmark's RGB images, files 1-6% smaller,
      though very smooth images compress less well); where it is not
      installed, zlib-ng at level 1, with run-length matching only when a
      sample of rows compresses smaller that way (noisy rasters, where it is
      also faster), decided per band;
    - ``threads`` bands of rows are filtered and deflated at once, joined like
      pigz does: a sync flush ends each band on a byte boundary, and the
      bands' Adler-32 checksums are combined.
    """
    import numpy as np

    z = _deflater()
    extra = []  # chunks between IHDR and IDAT
    if getattr(image, "mode", None) == "P":
        pixels, color_type = np.asarray(image)[..., None], 3
        rgba = image.palette.mode == "RGBA"
        palette = np.frombuffer(bytes(image.getpalette("RGBA" if rgba else "RGB")),
                                np.uint8).reshape(-1, 4 if rgba else 3)
        extra.append((b"PLTE", palette[:, :3].tobytes()))
        if rgba and (palette[:, 3] < 255).any():  # alphas up to the last one below 255
            last_alpha = np.flatnonzero(palette[:, 3] < 255)[-1]
            extra.append((b"tRNS", palette[: last_alpha + 1, 3].tobytes()))
    else:
        pixels = np.asarray(image)
        if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
            raise ValueError(f"a PNG needs an (h, w, 3 or 4) uint8 array, got {pixels.shape} "
                             f"{pixels.dtype}")
        color_type = 2 if pixels.shape[2] == 3 else 6
    h, w = pixels.shape[:2]
    rows = pixels.reshape(h, -1)
    bounds = np.linspace(0, h, max(1, min(threads, h)) + 1).astype(int).tolist()
    last = len(bounds) - 2

    def band(k):
        a, b = bounds[k], bounds[k + 1]
        data = np.empty((b - a, rows.shape[1] + 1), np.uint8)
        data[:, 0] = 2  # Up
        if a == 0:
            data[0, 1:] = rows[0]
        np.subtract(rows[max(a, 1): b], rows[max(a, 1) - 1: b - 1], out=data[1 if a == 0 else 0:, 1:])
        strategy = _rgb_strategy(data, z) if z.__name__.startswith("zlib_ng") else \
            z.Z_DEFAULT_STRATEGY
        co = z.compressobj(1, z.DEFLATED, 15 if k == 0 else -15, 8, strategy)
        body = co.compress(data) + co.flush(z.Z_FINISH if k == last else z.Z_SYNC_FLUSH)
        return body, z.adler32(data), data.size

    parts = list(_pool().map(band, range(last + 1)))  # both release the GIL
    body = [p[0] for p in parts]
    if last > 0:  # raw deflate after the first band: add the whole stream's checksum
        adler = parts[0][1]
        for _, a2, n2 in parts[1:]:
            adler = _adler32_combine(adler, a2, n2)
        body.append(struct.pack(">I", adler))

    def chunk(tag, *payload):  # written piece by piece: no joined copy
        f.write(struct.pack(">I", sum(map(len, payload))) + tag)
        crc = z.crc32(tag)
        for piece in payload:
            f.write(piece)
            crc = z.crc32(piece, crc)
        f.write(struct.pack(">I", crc))

    f.write(b"\x89PNG\r\n\x1a\n")
    chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0))
    for tag, payload in extra:
        chunk(tag, payload)
    for pieces in _split(body, IDAT_MAX):  # the format's limit is 2 GiB a chunk
        chunk(b"IDAT", *pieces)
    chunk(b"IEND")


def _split(pieces, limit):
    """Lists of slices of ``pieces`` (bytes), each list ``limit`` bytes at most."""
    out, room, sent = [], limit, False
    for piece in pieces:
        view = memoryview(piece)
        while len(view):
            out.append(view[:room])
            view, room = view[room:], room - len(out[-1])
            if room == 0:
                yield out
                out, room, sent = [], limit, True
    if out or not sent:
        yield out


def _deflater():
    """The fastest deflate at hand with zlib's API: python-isal (ISA-L, on
    x86-64 and ARM64) or else zlib-ng."""
    try:
        from isal import isal_zlib

        return isal_zlib
    except ImportError:
        from zlib_ng import zlib_ng

        return zlib_ng


def _adler32_combine(adler1, adler2, n2):
    """Adler-32 of A + B from those of A and of B (``n2`` bytes), as zlib's
    ``adler32_combine``: B's running sums each gain A's sum."""
    base = 65521
    lo1, hi1, lo2, hi2 = adler1 & 0xFFFF, adler1 >> 16, adler2 & 0xFFFF, adler2 >> 16
    return ((hi1 + hi2 + n2 * (lo1 - 1)) % base) << 16 | (lo1 + lo2 - 1) % base


def _rgb_strategy(filtered, zmod, n_sample=6):
    """Plain level-1 deflate, or run-length matching only (``Z_RLE``) when a
    sample of the filtered rows compresses smaller that way: on noisy rasters
    it is both smaller and faster, on smooth ones plain deflate wins."""
    import numpy as np

    h = filtered.shape[0]
    if h < 2 * n_sample or filtered.size < 1 << 16:
        return zmod.Z_DEFAULT_STRATEGY
    sample = filtered[np.linspace(0, h - 1, n_sample).astype(int)].tobytes()
    size = {}
    for strategy in (zmod.Z_DEFAULT_STRATEGY, zmod.Z_RLE):
        co = zmod.compressobj(1, zmod.DEFLATED, -15, 8, strategy)
        size[strategy] = len(co.compress(sample) + co.flush())
    return min(size, key=size.get)


@functools.lru_cache(maxsize=1)
def _pool():
    return ThreadPoolExecutor(2, thread_name_prefix="fastheat-png")


# A forked child inherits the pool but not its threads: it makes its own.
os.register_at_fork(after_in_child=_pool.cache_clear)


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
