"""The decoration layer cache (:mod:`fastheat.compose.cache`): a render in a
layout composed before gives exactly the pixels, items and scene of a
composition from scratch; anything the layout depends on makes another
entry; what cannot be compared by value, annotations and decorations that
reach into the raster are never cached."""
from __future__ import annotations

import numpy as np
import pytest

from fastheat import api, options
from fastheat.compose import cache
from fastheat.compose.layout import compose as compose_raster
from fastheat.compose.scene import LAYERS, Lines, RasterImage, Rect, Scene, Text

RNG = np.random.default_rng(11)
DATA = RNG.random((60, 90))

LAYOUTS = [
    dict(colorbar=True, grid=True, title="10,000 x 10,000 float32"),
    dict(colorbar="bottom", title="two\nlines", xlabel="x", ylabel="y"),
    dict(colorbar={"position": "left", "label": "v"}, grid={"color": "red", "alpha": 0.5,
                                                           "linestyle": "--"}),
    dict(colorbar="top", xticklabels=7, yticklabels=True, background="none"),
    dict(colorbar=True, linewidths=2, width=360, height=240, background="black"),
    dict(colorbar=True, vmin=0.2, vmax=0.8, hlines=[10.5], vlines=[3, 40], scale=2),
    dict(colorbar=True, norm="log", grid=True, origin="lower"),
]


def _render(data, kwargs):
    opts = options.split("heatmap", dict(kwargs))
    shown = []
    raster = api._raster(data, opts, shown)
    return raster, shown[0]


def _same(a, b):
    np.testing.assert_array_equal(a.pixels, b.pixels)
    assert a.raster_box == b.raster_box
    assert [(i.kind, i.box, i.text) for i in a.items] == [(i.kind, i.box, i.text) for i in b.items]
    assert [(type(i), i.kind, i.box) for i in a.scene.items] == \
        [(type(i), i.kind, i.box) for i in b.scene.items]
    assert a.scene.size == b.scene.size and a.scene.background == b.scene.background


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("kwargs", LAYOUTS)
def test_a_cached_layout_gives_the_pixels_of_a_fresh_composition(kwargs, monkeypatch):
    raster, decor = _render(DATA, kwargs)
    fresh = compose_raster(raster, decor)
    assert len(cache._ENTRIES) == 1
    hits = []
    real = cache.compose_cached
    monkeypatch.setattr(cache, "compose_cached", lambda *a: hits.append(1) or real(*a))
    again = compose_raster(raster, decor)
    assert hits == [1]
    _same(again, fresh)
    # another raster in the same layout (the same norm range): its own pixels
    other = DATA[::-1].copy()
    raster2, decor2 = _render(other, {**kwargs, "vmin": float(raster.norm.vmin),
                                      "vmax": float(raster.norm.vmax)})
    cached = compose_raster(raster2, decor2)
    cache.clear()
    _same(cached, compose_raster(raster2, decor2))
    assert isinstance(cached.scene.items[0], RasterImage)
    assert cached.scene.items[0].raster is raster2


def test_changes_of_the_layout_are_other_entries():
    base = dict(colorbar=True, title="a")
    for change in (dict(title="b"), dict(vmin=0.1), dict(cmap="magma"), dict(grid=True),
                   dict(colorbar={"ticks": [0.0, 0.5]}), dict(background="0.5"),
                   dict(xticklabels=[f"c{i}" for i in range(90)]), dict(width=200)):
        cache.clear()
        compose_raster(*_render(DATA, base))
        r, d = _render(DATA, {**base, **change})
        out = compose_raster(r, d)
        assert len(cache._ENTRIES) == 2, change  # a miss, kept as a layout of its own
        cache.clear()
        _same(out, compose_raster(r, d))
    # a tick at -0.0 reads "−0": not the layout of the tick at 0.0
    cache.clear()
    compose_raster(*_render(DATA, dict(colorbar={"ticks": [0.0, 0.5]})))
    compose_raster(*_render(DATA, dict(colorbar={"ticks": [-0.0, 0.5]})))
    assert len(cache._ENTRIES) == 2


ANNOTATED = [dict(annot=True, fmt=".1f", colorbar=True), dict(annot=True, grid=True, title="t",
                                                           background="none")]


@pytest.mark.parametrize("kwargs", LAYOUTS + ANNOTATED)
def test_painted_into_pillows_memory_the_image_is_the_canvas_arrays(kwargs, monkeypatch):
    """``image=True`` (heatmap's): the first render and a cached one paint
    straight into a Pillow image; its bytes, and Pillow's pad byte of RGB,
    are those of ``Image.fromarray`` of the canvas array."""
    from PIL import Image

    from fastheat.compose import draw
    from fastheat.encode import pil

    data = DATA[:12, :15] if "annot" in kwargs else DATA
    raster, decor = _render(data, kwargs)
    want = compose_raster(raster, decor)  # the canvas array
    cache.clear()
    wanted = Image.fromarray(want.pixels)
    made = []
    real = pil.new_canvas
    monkeypatch.setattr(pil, "new_canvas", lambda *a: made.append(real(*a)) or made[-1])
    first = compose_raster(raster, decor, image=True)
    again = compose_raster(raster, decor, image=True)
    assert made[0] is not None and isinstance(first.pixels, Image.Image)
    layers = [it for it in again.scene.items[1:] if isinstance(it, LAYERS)]
    cached = bool(cache._ENTRIES)
    if cached and all(draw.one_pass(it, again.raster_box) for it in layers):
        assert len(made) == 2 and isinstance(again.pixels, Image.Image)
    elif cached:  # dashed or translucent lines over a cached raster: the canvas array
        assert len(made) == 1 and isinstance(again.pixels, np.ndarray)
    for got in (first, again):
        image = got.image
        assert (image.mode, image.size) == (wanted.mode, wanted.size)
        assert image.tobytes() == wanted.tobytes()
        if isinstance(got.pixels, Image.Image):
            np.testing.assert_array_equal(pil.memory_of(image), pil.memory_of(wanted.copy()))
        assert [(i.kind, i.box, i.text) for i in got.items] == \
            [(i.kind, i.box, i.text) for i in want.items]
    _same(compose_raster(raster, decor), want)  # the array path after them: unchanged
    # where Pillow exports no memory: the canvas array, the same pixels
    monkeypatch.setattr(pil, "new_canvas", lambda *a: None)
    for _ in range(2):
        fallback = compose_raster(raster, decor, image=True)
        assert isinstance(fallback.pixels, np.ndarray)
        np.testing.assert_array_equal(fallback.pixels, want.pixels)


@pytest.mark.parametrize("kwargs", LAYOUTS)
def test_heatmap_is_the_canvas_array_first_and_in_a_cached_layout(kwargs):
    """heatmap() (painted into Pillow's memory, first and from the cache)
    against Image.fromarray of the canvas array; and a layout first composed
    as an array (save's path) then drawn for an image: its 4-byte margins made
    from the array's."""
    from PIL import Image

    import fastheat

    want = Image.fromarray(compose_raster(*_render(DATA, kwargs)).pixels)
    cache.clear()
    first = fastheat.heatmap(DATA, **kwargs)
    again = fastheat.heatmap(DATA, **kwargs)
    for got in (first, again):
        assert (got.mode, got.size) == (want.mode, want.size) and got.tobytes() == want.tobytes()
    again.putpixel((0, 0), (1, 2, 3, 4)[:len(again.mode)])  # an image of its own
    assert fastheat.heatmap(DATA, **kwargs).tobytes() == want.tobytes()
    cache.clear()
    compose_raster(*_render(DATA, kwargs))  # the layout stored from an array
    assert fastheat.heatmap(DATA, **kwargs).tobytes() == want.tobytes()


def test_the_returned_canvas_is_not_the_cached_one():
    raster, decor = _render(DATA, dict(colorbar=True, title="t"))
    first = compose_raster(raster, decor)
    want = first.pixels.copy()
    first.pixels[...] = 7
    second = compose_raster(raster, decor)
    np.testing.assert_array_equal(second.pixels, want)
    second.pixels[...] = 9
    np.testing.assert_array_equal(compose_raster(raster, decor).pixels, want)


def test_callable_formats_and_annotations_are_never_cached():
    raster, decor = _render(DATA, dict(colorbar={"format": lambda v: f"{v:.1f}"}))
    compose_raster(raster, decor)
    raster, decor = _render(RNG.random((5, 5)), dict(annot=True, colorbar=True))
    compose_raster(raster, decor)
    assert cache._ENTRIES == {}


def test_items_reaching_into_the_raster_are_not_cached():
    box = (10, 10, 50, 40)
    inside = Scene((60, 50), box, (255, 255, 255), [
        RasterImage("raster", box, None, None), Rect("xtick", (20, 40, 21, 44), (0, 0, 0)),
        Text("xticklabel", (18, 39, 24, 48), "1", None, (20, 44), "mt", (0, 0, 0))])
    assert not cache._clear_of_raster(inside)  # text within PAD of the raster
    inside.items[2].box = (18, 43, 24, 48)
    assert cache._clear_of_raster(inside)  # ticks may touch the raster's edge
    inside.items.append(Lines("grid", (10, 10, 50, 41), np.array([3.0]), True, 1, (0, 0, 0)))
    assert not cache._clear_of_raster(inside)


def test_freeze_tells_apart_what_draws_differently():
    f = cache.freeze
    assert f(True) != f(1) and f(1) != f(1.0) and f(0.0) != f(-0.0)
    assert f(float("nan")) == f(float("nan")) and f(np.float64(2.5)) == f(np.float64(2.5))
    assert f(np.array([0.0])) != f(np.array([-0.0])) and f([1, 2]) != f((1, 2))
    assert f(np.array([1, 2], np.int32)) != f(np.array([1, 2], np.int64))
    with pytest.raises(cache.Unkeyable):
        f(lambda v: v)
    with pytest.raises(cache.Unkeyable):
        f([object()])


def test_the_cache_keeps_few_layouts_and_bounded_bytes(monkeypatch):
    monkeypatch.setattr(cache, "MAX_KEPT", 1)  # bytes: only the newest layout stays
    for title in ("a", "b", "c"):
        compose_raster(*_render(DATA, dict(colorbar=True, title=title)))
    assert len(cache._ENTRIES) == 1
    monkeypatch.setattr(cache, "MAX_KEPT", 1 << 30)
    for k in range(cache.MAX_ENTRIES + 3):
        compose_raster(*_render(DATA, dict(colorbar=True, title=str(k))))
    assert len(cache._ENTRIES) == cache.MAX_ENTRIES
