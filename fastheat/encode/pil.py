"""A Pillow image's own pixel memory as a writable numpy array, so that a
canvas can be painted straight into the image :func:`fastheat.heatmap`
returns, instead of into a numpy canvas that ``Image.fromarray`` then copies
(a decorated 1000² render: 0.5-0.8 ms of copy, and 3-channel byte stores
where Pillow's 4-byte pixels take one ``uint32`` store).

Pillow (11.2 and newer) exports an image's memory zero-copy through the Arrow
C data interface (``Image.__arrow_c_array__``): for ``"RGB"`` and ``"RGBA"``
one fixed-size list of 4 ``uint8`` per pixel, the pixels' own storage
(``"RGB"`` keeps a 4th byte, which Pillow's unpackers set to 255 and which
``putalpha`` or ``tobytes("raw", "RGBX")`` would show: writers set it to
255). The structs are read with ctypes, by the interface's published
(stable) layout. What is checked, each giving None (and the caller's numpy
canvas path): an older Pillow, an image Pillow did not allocate itself (read
only: ``fromarray`` of RGBA, ``frombuffer``), one not in one block (beyond
Pillow's 16 MB block), rows not back to back (``PILLOW_ALIGNMENT``: Pillow
11.2-12 export such memory without saying so), the format strings, lengths
and offsets, and two pixels written through the array and read back through
Pillow.
"""
from __future__ import annotations

import ctypes

import numpy as np


class _Schema(ctypes.Structure):
    pass


_Schema._fields_ = [("format", ctypes.c_char_p), ("name", ctypes.c_char_p),
                    ("metadata", ctypes.c_char_p), ("flags", ctypes.c_int64),
                    ("n_children", ctypes.c_int64),
                    ("children", ctypes.POINTER(ctypes.POINTER(_Schema))),
                    ("dictionary", ctypes.c_void_p), ("release", ctypes.c_void_p),
                    ("private_data", ctypes.c_void_p)]


class _Array(ctypes.Structure):
    pass


_Array._fields_ = [("length", ctypes.c_int64), ("null_count", ctypes.c_int64),
                   ("offset", ctypes.c_int64), ("n_buffers", ctypes.c_int64),
                   ("n_children", ctypes.c_int64), ("buffers", ctypes.POINTER(ctypes.c_void_p)),
                   ("children", ctypes.POINTER(ctypes.POINTER(_Array))),
                   ("dictionary", ctypes.c_void_p), ("release", ctypes.c_void_p),
                   ("private_data", ctypes.c_void_p)]

_get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_get_pointer.restype = ctypes.c_void_p
_get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


def new_canvas(mode, width, height):
    """A new ``"RGB"`` or ``"RGBA"`` Pillow image (not initialised) and its
    pixels as a ``(height, width, 4)`` uint8 array sharing its memory (for
    ``"RGB"`` the 4th byte is the pad: write 255), or None where Pillow does
    not export its memory so (see the module's docstring). The array keeps
    the memory alive (the image object and Pillow's own reference on it).

    >>> made = new_canvas("RGB", 3, 2)
    >>> if made:
    ...     image, pixels = made
    ...     pixels[...] = (10, 20, 30, 255)
    ...     assert image.getpixel((2, 1)) == (10, 20, 30)
    """
    from PIL import Image

    if mode not in ("RGB", "RGBA") or width < 1 or height < 1 or \
            not hasattr(Image.Image, "__arrow_c_array__") or \
            4 * width * height > Image.core.get_block_size():  # not one block: no export
        return None
    image = Image.new(mode, (width, height), None)
    pixels = memory_of(image)
    return None if pixels is None else (image, pixels)


def memory_of(image):
    """The pixel memory of an ``"RGB"``/``"RGBA"`` Pillow image that Pillow
    allocated itself, as a writable ``(height, width, 4)`` uint8 array
    (keeping the memory alive), or None (see the module's docstring)."""
    from PIL import Image

    width, height = image.size
    alignment = getattr(Image.core, "get_alignment", lambda: 1)()
    if image.mode not in ("RGB", "RGBA") or image.readonly or alignment != 1 or \
            not width or not height:
        return None
    try:
        schema, array = image.__arrow_c_array__()
        s = ctypes.cast(_get_pointer(schema, b"arrow_schema"), ctypes.POINTER(_Schema)).contents
        a = ctypes.cast(_get_pointer(array, b"arrow_array"), ctypes.POINTER(_Array)).contents
        n = width * height
        if s.format != b"+w:4" or s.n_children != 1 or s.children[0].contents.format != b"C" or \
                a.length != n or a.offset or a.n_children != 1:
            return None
        child = a.children[0].contents
        if child.length != 4 * n or child.offset or child.n_buffers != 2 or not child.buffers[1]:
            return None
        memory = (ctypes.c_uint8 * (4 * n)).from_address(child.buffers[1])
    except (AttributeError, TypeError, ValueError, OSError):  # older Pillow, several blocks
        return None
    # The export's capsule holds Pillow's reference on the memory until it is
    # released: kept with the image, the memory outlives any swap of image.im
    memory.owner = (image, array)
    pixels = np.frombuffer(memory, np.uint8).reshape(height, width, 4)
    # rows back to back: the first pixel of the 2nd row and the last pixel,
    # written here, must be what Pillow reads there
    corners = list(dict.fromkeys([(0, min(1, height - 1)), (width - 1, height - 1)]))
    kept = [pixels[y, x].copy() for x, y in corners]
    marks = [(k + 1, 7, 9) for k in range(len(corners))]
    for (x, y), mark in zip(corners, marks):
        pixels[y, x, :3] = mark
    seen = [image.getpixel(c)[:3] for c in corners]
    for (x, y), old in zip(corners, kept):
        pixels[y, x] = old
    return pixels if seen == marks else None
