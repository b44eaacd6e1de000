"""The decoration layer cache: what a composition draws around the raster,
kept from render to render, so that a render with the same layout (sizes,
options, labels, tick values, norm and palette) only paints its raster into
a copy of the cached margins and redraws the layers over it (gridlines, cell
borders).

Animation frames with a fixed ``vmin``/``vmax``, a viewer re-rendering a
view, a benchmark's rounds: the ticks, labels, colorbar and title are the
same pixels each time, and laying them out and drawing them is most of what
decorations cost.

A layout is cached only when everything it depends on can be compared by
value (:func:`layout_key`; a callable tick format or a matplotlib norm object
cannot: those compositions are never cached), it has no annotations (they
depend on the cells' values), nothing around the raster reaches into the
raster's box (so the margins alone hold everything but the raster and its
layers), and its canvas is at most :data:`MAX_BYTES`. The pixels are those
of a full composition (tests/compose/test_cache.py). :func:`clear` forgets
every layout; ``MAX_ENTRIES = 0`` keeps none.
"""
from __future__ import annotations

import dataclasses
import threading

import numpy as np

from .scene import LAYERS, Composition, Frame, Image, Item, RasterImage, Rect, Scene

#: Largest canvas (bytes) whose margins are kept; layouts kept at most, and
#: the most bytes of margins kept in all.
MAX_BYTES = 1 << 24
MAX_ENTRIES = 8
MAX_KEPT = 1 << 25
#: Pixels around a text or polygon's box that Pillow's drawing may touch.
PAD = 2

_ENTRIES: dict = {}  # key -> _Entry, oldest first
_LOCK = threading.Lock()


class Unkeyable(Exception):
    """A value that cannot be compared by value (a callable, a foreign object)."""


@dataclasses.dataclass(frozen=True)
class _Entry:
    size: tuple  # (W, H)
    raster_box: tuple
    background: tuple
    scene_items: tuple  # the scene's items after the raster (layers first)
    items: tuple  # (kind, box, text) of the Composition's items
    # the canvas outside raster_box (top, bottom, left, right) as painted:
    # the canvas's own channels, or 4 bytes a pixel for a Pillow image (RGB's
    # 4th byte 255); the other kind is made on first use, kept in `other`
    margins: tuple
    lined: dict = dataclasses.field(default_factory=dict, compare=False)  # draw_raster's
    other: dict = dataclasses.field(default_factory=dict, compare=False)

    def margins_of(self, nch):
        """The margins with ``nch`` bytes a pixel."""
        if self.margins[0].shape[-1] == nch:
            return self.margins
        kept = self.other.get(nch)
        if kept is None:
            from .draw import widened

            kept = tuple(widened(m) if nch == 4 else np.ascontiguousarray(m[..., :nch])
                         for m in self.margins)
            with _LOCK:
                kept = self.other.setdefault(nch, kept)
        return kept

    def nbytes(self):
        """The bytes its margins take, or will once both kinds are made."""
        pixels = sum(m.shape[0] * m.shape[1] for m in self.margins)
        return pixels * (7 if len(self.background) == 3 else 4)


def layout_key(raster, decor, annotated):
    """A hashable key of everything :func:`~fastheat.compose.layout.compose`
    draws from but the raster's codes, or None when the layout cannot be
    cached (annotations, or a value not comparable by value)."""
    if annotated:
        return None
    try:
        palette = raster.palette
        N, top = palette.N, raster.top_code
        codes = raster.cell_codes
        has = tuple(top >= N + i and bool((codes == N + i).any()) for i in range(3))
        return (raster.shape, raster.matrix_shape, raster.origin, freeze(raster.labels),
                type(raster.norm), freeze(vars(raster.norm)), N,
                np.ascontiguousarray(palette.table).tobytes(), has,
                has[2] and raster.missing, freeze(decor))
    except Unkeyable:
        return None


def freeze(v):
    """``v`` as a hashable value that is equal exactly when ``v`` is (types
    included: ``True`` is not ``1``); raises :class:`Unkeyable` for values
    that cannot be compared so (callables, foreign objects)."""
    t = type(v)
    if v is None or t in (bool, int, str, bytes):
        return (t, v)
    if t is float:  # -0.0 is not 0.0 (a given tick -0.0 reads "−0"); NaN is NaN
        return (t, v.hex())
    if t in (list, tuple):
        if all(type(x) is str for x in v):  # tick labels: thousands of strings
            return (t, tuple(v))
        return (t, tuple(freeze(x) for x in v))
    if t is dict:
        return (t, tuple(sorted((k, freeze(x)) for k, x in v.items())))
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "O":
            return (t, v.shape, freeze(v.ravel().tolist()))
        return (t, v.dtype.str, v.shape, np.ascontiguousarray(v).tobytes())
    if isinstance(v, np.generic):
        if v.dtype.kind in "fc" and v.dtype.itemsize > 8:  # longdouble: item() is itself,
            return (t, repr(v))                             # its bytes hold padding
        return (t, freeze(v.item()))
    if isinstance(v, np.dtype):
        return (t, v.str)
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return (t, tuple(freeze(getattr(v, f.name)) for f in _fields(t)))
    if hasattr(v, "getmetrics") and hasattr(v, "font_variant"):  # a Pillow FreeTypeFont
        from .text import _font_key

        return (t, _font_key(v))
    raise Unkeyable(t)


_FIELDS: dict = {}


def _fields(t):
    f = _FIELDS.get(t)
    if f is None:
        f = _FIELDS[t] = dataclasses.fields(t)
    return f


def lookup(key):
    """The cached layout of ``key`` (None: not cached)."""
    if key is None:
        return None
    with _LOCK:
        return _ENTRIES.get(key)


def store(key, canvas, scene, items, lined=None, whole=None):
    """Keep the layout of a composition just painted (``canvas``, ``scene``,
    ``items``: the Composition's; ``lined``: the planes of its lines that
    :func:`~fastheat.compose.draw.draw_raster` kept; ``whole``: the 4-byte
    pixels the canvas is a view of, when painted into a Pillow image) under
    ``key``, when it may be: see the module's docstring."""
    if key is None or canvas.nbytes > MAX_BYTES or not _clear_of_raster(scene):
        return
    painted = canvas if whole is None else whole  # copied contiguous: fast
    margins = tuple(np.array(m) for m in _margins(painted, scene.raster_box))
    entry = _Entry(scene.size, scene.raster_box, scene.background, tuple(scene.items[1:]),
                   tuple((it.kind, it.box, it.text) for it in items), margins, dict(lined or {}))
    with _LOCK:
        _ENTRIES.pop(key, None)
        _ENTRIES[key] = entry
        while len(_ENTRIES) > MAX_ENTRIES or (len(_ENTRIES) > 1 and sum(
                e.nbytes() for e in _ENTRIES.values()) > MAX_KEPT):
            del _ENTRIES[next(iter(_ENTRIES))]


def clear():
    """Forget every cached layout."""
    with _LOCK:
        _ENTRIES.clear()


def compose_cached(entry, raster, table, image=False):
    """The :class:`Composition` of ``raster`` in the cached layout ``entry``:
    the margins copied, the raster painted with ``table``, the layers drawn
    over it; the same pixels as composing it afresh. ``image``: its pixels
    are a Pillow image, painted straight into the image's own memory
    (:func:`fastheat.encode.pil.new_canvas`) where that can be done, else
    the ``(H, W, 3 or 4)`` uint8 canvas."""
    from ..encode import pil
    from .draw import draw_item, draw_raster, one_pass, widened

    W, H = entry.size
    nch = len(entry.background)
    first = RasterImage("raster", entry.raster_box, raster, table)
    layers = [it for it in entry.scene_items if isinstance(it, LAYERS)]
    made = image and all(one_pass(it, first.box) for it in layers) and \
        pil.new_canvas("RGB" if nch == 3 else "RGBA", W, H)
    if made:  # 4 bytes a pixel, the 4th of "RGB" Pillow's pad byte: 255
        pixels, canvas = made
        first.table = widened(table)
    else:
        pixels = canvas = np.empty((H, W, nch), np.uint8)
    margins = entry.margins_of(canvas.shape[-1])
    for view, kept in zip(_margins(canvas, entry.raster_box), margins):
        view[...] = kept
    for it in draw_raster(canvas, first, layers, entry.lined, nch):
        draw_item(canvas, it)
    scene = Scene(entry.size, entry.raster_box, entry.background,
                  [RasterImage("raster", entry.raster_box, raster, table), *entry.scene_items])
    items = [Item(kind, box, text) for kind, box, text in entry.items]
    return Composition(pixels, entry.raster_box, items, None, scene)


def _margins(canvas, box):
    x0, y0, x1, y1 = box
    return canvas[:y0], canvas[y1:], canvas[y0:y1, :x0], canvas[y0:y1, x1:]


def _clear_of_raster(scene):
    """Whether every item but the raster and its layers stays out of the
    raster's box (text and polygons with :data:`PAD` px around theirs), and
    the layers inside it."""
    rx0, ry0, rx1, ry1 = scene.raster_box
    for it in scene.items[1:]:
        x0, y0, x1, y1 = it.box
        if isinstance(it, LAYERS):
            if it.box != scene.raster_box:
                return False
            continue
        pad = 0 if type(it) in (Rect, Frame, Image) else PAD
        if x0 - pad < rx1 and rx0 < x1 + pad and y0 - pad < ry1 and ry0 < y1 + pad:
            return False
    return True
