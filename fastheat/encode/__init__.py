"""Encode stage: a Pillow image or an RGB(A) canvas array -> PNG/JPEG/WebP/TIFF
bytes or file (PNGs by fastheat's own writer, :mod:`fastheat.encode.png`; the
rest, and PNGs with encoder options, by Pillow).

File writes are atomic: the image goes to a temporary file beside the target,
which replaces the target only once it is complete.
"""
from __future__ import annotations

import functools
import os
import secrets

FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP",
           ".tif": "TIFF", ".tiff": "TIFF", ".svg": "SVG", ".pdf": "PDF"}
#: Formats written from the composition's scene (:mod:`fastheat.encode.vector`).
VECTOR = frozenset({"SVG", "PDF"})
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
    from . import png  # loaded with the first image written, not with fastheat

    if fmt == "PNG" and not params and ours:
        save = functools.partial(png.write_png, image)
    else:
        if not hasattr(image, "mode"):
            from PIL import Image

            image = Image.fromarray(image)
        image = _prepare(image, fmt, background)
        if fmt == "PNG" and params.keys().isdisjoint({"compress_level", "compress_type"}):
            options.update(png.pillow_strategy(image))
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
