"""The PNG writer on composed canvases: ``save(..., format="png")`` writes
exactly the pixels of ``heatmap``, from the canvas array without a Pillow
copy, and atomically."""
from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image

import fastheat
from fastheat import encode

DATA = np.random.default_rng(7).random((10, 10))


@pytest.mark.parametrize("options", [
    dict(colorbar=True, grid=True, title="t"),
    dict(colorbar=True, grid=True, title="t", background="none"),
    dict(colorbar="bottom", xlabel="x", ylabel="y", annot=True, fmt=".1f", width=400,
         height=300),
    dict(colorbar=True, vmin=0.2, vmax=0.8, origin="lower", linewidths=1, scale=2,
         xticklabels=True, yticklabels=True),
    dict(title="t", background="none", annot=True, fmt=".2f", width=500, height=450,
         cmap="tab10"),
])
def test_save_png_is_exactly_heatmap(monkeypatch, options):
    data = np.random.default_rng(5).random((8, 9))
    data[2, 3] = np.nan
    seen = []
    real = encode._save_png

    def spy(image, f, **kw):
        seen.append(type(image))
        return real(image, f, **kw)

    monkeypatch.setattr(encode, "_save_png", spy)
    buf = io.BytesIO()
    fastheat.save(data, buf, format="png", **options)
    assert seen == [np.ndarray]  # the composed canvas, encoded without a Pillow copy
    buf.seek(0)
    with Image.open(buf) as back:
        want = fastheat.heatmap(data, **options)
        assert back.mode == want.mode == ("RGBA" if "background" in options else "RGB")
        np.testing.assert_array_equal(np.asarray(back), np.asarray(want))


def test_save_with_overlays_is_atomic_and_writes(tmp_path):
    path = tmp_path / "out.png"
    fastheat.save(DATA, path, colorbar=True, annot=True, fmt=".2f", title="t")
    with Image.open(path) as img:
        assert img.mode == "RGB"
    with pytest.raises(ValueError, match="colorbar"):
        fastheat.save(DATA, tmp_path / "bad.png", colorbar="middle")
    assert sorted(os.listdir(tmp_path)) == ["out.png"]
