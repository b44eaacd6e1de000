"""Start-up of the own-size path (issue 11, goal 6): a command-line render of a
matrix at its own size loads no numba, no Pillow, no catalogue, and gives the
same bytes as before; the pieces that make it so (fastheat._lazy, the palette
cache of fastheat/color/colormaps.py, the Pillow-free palette PNG of
fastheat/encode) each checked on their own."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

import fastheat
from fastheat import encode
from fastheat._lazy import LazyModule
from fastheat.color import colormaps
from fastheat.encode import png

#: What an own-size render must not import (numba: 0.2-0.4 s; the rest 10-60 ms each).
NOT_LOADED = ["numba", "PIL", "cmap", "numpy.ma", "concurrent.futures", "difflib", "secrets",
              "fastheat.aggregation._kernels", "fastheat.aggregation.sparse",
              "fastheat.color._jitted"]


def render_in_child(tmp_path, shape, extra=(), cache=None):
    """Run ``fastheat render`` (as ``python -m fastheat`` runs it) on a float64
    matrix of ``shape`` in a fresh interpreter; the :data:`NOT_LOADED` modules
    it loaded and the PNG's bytes."""
    path, out = str(tmp_path / "m.npy"), str(tmp_path / "m.png")
    np.save(path, np.random.default_rng(0).normal(size=shape))
    script = textwrap.dedent(f"""
        import json, sys
        from fastheat import cli
        sys.argv = ["fastheat", "render", {path!r}, "-o", {out!r}, "-q", *{list(extra)!r}]
        code = cli.main()
        print(json.dumps([code, [m for m in {NOT_LOADED!r} if m in sys.modules]]))
    """)
    env = {**os.environ, "FASTHEAT_CACHE_DIR": str(cache or tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, env=env, check=True)
    code, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert code == 0, done.stderr
    with open(out, "rb") as f:
        return loaded, f.read()


def test_an_own_size_command_line_render_imports_no_numba_pillow_or_catalogue(tmp_path):
    cache = tmp_path / "cache"
    first, png_first = render_in_child(tmp_path, (1000, 1000), cache=cache)
    assert first == ["cmap"]  # the first render ever resolves the name through the catalogue
    again, png_again = render_in_child(tmp_path, (1000, 1000), cache=cache)
    assert again == []
    assert png_again == png_first
    x = np.random.default_rng(0).normal(size=(1000, 1000))
    buffer = io.BytesIO()
    fastheat.save(x, buffer, format="png")  # in this process, numba and Pillow at hand
    assert buffer.getvalue() == png_first


def test_the_check_sees_numba_when_a_kernel_runs(tmp_path):
    # downsampled: the aggregation kernel runs, so numba (and its module) must show up
    loaded, _ = render_in_child(tmp_path, (300, 200), extra=["--width", "50"])
    assert "numba" in loaded and "fastheat.aggregation._kernels" in loaded


def test_lazy_module_imports_on_first_attribute_use(monkeypatch):
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    lazy = LazyModule("colorsys")
    assert "colorsys" not in sys.modules and "not loaded" in repr(lazy)
    assert lazy.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    assert "colorsys" in sys.modules and "(loaded)" in repr(lazy)
    monkeypatch.setattr(lazy, "ONE_THIRD", 0.5)  # forwarded to the module, and undone
    assert sys.modules["colorsys"].ONE_THIRD == 0.5
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        lazy.nothing


# --------------------------------------------------------------------------- palette cache

@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTHEAT_CACHE_DIR", str(tmp_path / "cache"))
    colormaps._named.cache_clear()
    yield tmp_path / "cache"
    colormaps._named.cache_clear()


@pytest.mark.parametrize("name", ["viridis", "magma_r", "RdBu_r", "twilight", "tab10",
                                  "cmocean:thermal"])
def test_a_stored_palette_is_the_catalogue_palette(cache_dir, name):
    made = colormaps._named(name)  # through the catalogue; stored
    assert os.path.exists(colormaps._cache_file(name))
    colormaps._named.cache_clear()
    stored = colormaps._load_palette(name)
    assert stored is not None
    for field in ("lut", "under", "over", "bad", "rgba", "table", "float_table"):
        np.testing.assert_array_equal(getattr(stored, field), getattr(made, field), err_msg=field)
    assert (stored.name, stored.N) == (made.name, made.N)
    assert colormaps._named(name).table.tobytes() == made.table.tobytes()


def test_a_stale_or_damaged_stored_palette_is_ignored(cache_dir, monkeypatch):
    made = colormaps._named("magma")
    path = colormaps._cache_file("magma")
    with open(path, "rb") as f:
        good = f.read()
    monkeypatch.setattr(colormaps, "_cache_key", lambda: "another cmap install")
    assert colormaps._load_palette("magma") is None  # the catalogue changed: not used
    monkeypatch.undo()
    monkeypatch.setenv("FASTHEAT_CACHE_DIR", str(cache_dir))
    for damaged in (good[:-5], good.split(b"\n")[0], b"", good[:-32 * 256]):
        with open(path, "wb") as f:
            f.write(damaged)
        assert colormaps._load_palette("magma") is None
    colormaps._named.cache_clear()
    assert colormaps._named("magma").table.tobytes() == made.table.tobytes()  # and re-stored
    assert colormaps._load_palette("magma") is not None


def test_an_unwritable_cache_folder_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")  # a file where the folder should be: makedirs fails
    monkeypatch.setenv("FASTHEAT_CACHE_DIR", str(blocker))
    colormaps._named.cache_clear()
    try:
        assert colormaps._named("viridis").lut[0].tolist() == [68, 1, 84, 255]
    finally:
        colormaps._named.cache_clear()
    assert colormaps._load_palette("viridis") is None
    assert blocker.read_bytes() == b""


# --------------------------------------------------------------------------- palette PNG

@pytest.mark.parametrize("case", ["opaque", "alpha", "rgb-colors", "one-colour"])
@pytest.mark.parametrize("threads", [1, 2])
def test_indexed_png_is_the_pillow_palette_images_png(case, threads):
    rng = np.random.default_rng(4)
    k = 1 if case == "one-colour" else 200
    colors = rng.integers(0, 256, (k, 3 if case == "rgb-colors" else 4), dtype=np.uint8)
    if case in ("opaque", "one-colour"):
        colors[:, 3] = 255
    elif case == "alpha":
        colors[:, 3] = 255
        colors[[3, 17], 3] = [0, 128]
    index = rng.integers(0, k, (123, 77), dtype=np.uint8)
    indexed = encode.Indexed(index, colors)
    ours, pillows = io.BytesIO(), io.BytesIO()
    png.write_indexed_png(index, colors, ours, opaque=indexed.opaque, threads=threads)
    png.write_png(indexed.to_image(), pillows, threads=threads)
    assert ours.getvalue() == pillows.getvalue()
    decoded = Image.open(io.BytesIO(ours.getvalue()))
    assert decoded.mode == "P"
    rgba = np.asarray(decoded.convert("RGBA"))
    want = np.take(colors if colors.shape[1] == 4 else
                   np.hstack([colors, np.full((k, 1), 255, np.uint8)]), index, axis=0)
    np.testing.assert_array_equal(rgba, want)
    assert ("transparency" in decoded.info) == (case == "alpha")


@pytest.mark.parametrize("fmt,params", [("PNG", {"compress_level": 9}), ("TIFF", {}),
                                        ("WEBP", {"lossless": True})])
def test_indexed_goes_through_pillow_for_other_formats_and_options(fmt, params):
    rng = np.random.default_rng(5)
    colors = rng.integers(0, 256, (16, 4), dtype=np.uint8)
    colors[:, 3] = 255
    indexed = encode.Indexed(rng.integers(0, 16, (40, 30), dtype=np.uint8), colors)
    a, b = io.BytesIO(), io.BytesIO()
    encode.write(indexed, a, format=fmt, **params)
    encode.write(indexed.to_image(), b, format=fmt, **params)
    assert a.getvalue() == b.getvalue()
    assert Image.open(a).size == (30, 40)
