"""Shared by the compose-stage tests (and tests/color/test_raster.py): views
of canvases to draw into, the blend formula, sample texts, and rendering
exactly as ``heatmap`` does while keeping the layout."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from fastheat import api, options

SEEDS = st.integers(0, 2**32 - 1)

# Targets the compose stage writes into: a whole array, or views of a bigger
# canvas (a window with margins on every side, the first channels of wider
# pixels, every other column, rows upside down).
VIEWS = ("array", "window", "channels", "columns", "flipped")


def make_view(rng, h, w, nch, kind):
    """A random canvas and the index of an ``(h, w, nch)`` uint8 view into it."""
    if kind == "array":
        shape, index = (h, w, nch), np.s_[...]
    elif kind == "window":
        shape, index = (h + 5, w + 7, nch), np.s_[2: 2 + h, 3: 3 + w]
    elif kind == "channels":
        shape, index = (h, w, nch + 1), np.s_[:, :, :nch]
    elif kind == "columns":
        shape, index = (h, 2 * w + 1, nch), np.s_[:, 1::2]
    else:  # rows h..1 in reverse: negative row stride, row 0 stays outside
        shape, index = (h + 1, w, nch), np.s_[h:0:-1]
    canvas = rng.integers(0, 256, shape, dtype=np.uint8)
    assert canvas[index].shape == (h, w, nch)
    return canvas, index


def expected_canvas(before, index, region):
    """``before`` with the view at ``index`` replaced by ``region``."""
    out = before.copy()
    out[index] = region
    return out


def blend_reference(region, a, color_of):
    """``(px * (255 - a) + colour * a + 127) // 255`` per pixel and channel."""
    a = a[..., None].astype(np.int64)
    return ((region.astype(np.int64) * (255 - a) + color_of * a + 127) // 255).astype(np.uint8)


TEXTS = ["0", "7", "0.53", "-12.7%", "1e-05", "+3.14", "(1, 2)", "[a; b]", "x_{y}!?", "Wg",
         "gjpqy", "Quality", "a b", "1 000", "\u22121.5", "\u2212", "AVAT", "-", "'", "_",
         "\u00b0C", "12345678901234567890"]
ANCHORS = [h + v for h in "lmr" for v in "satmbd"]
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

def compose(data, **kwargs):
    """Render exactly as ``heatmap`` does; returns the Composition and Decor."""
    opts = options.split("heatmap", kwargs)
    return api._composition(data, opts), opts.decor


def pixels(img):
    return np.asarray(img)


def raster_region(comp):
    x0, y0, x1, y1 = comp.raster_box
    return pixels(comp.image)[y0:y1, x0:x1]


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


_SUPER = "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
_PLAIN = str.maketrans(_SUPER + "\u2212", "-0123456789-")


def tick_value(text):
    """The number a tick label shows (``"−2.5×10⁶"``, ``"10⁻²"``, ``"0.3"``)."""
    k = next((i for i, ch in enumerate(text) if ch in _SUPER), None)
    if k is None:
        return float(text.translate(_PLAIN))
    base, exp = text[:k].translate(_PLAIN), int(text[k:].translate(_PLAIN))
    mant = base[:-2].rstrip("\u00d7") if base.endswith("10") else base
    mant = {"": 1.0, "-": -1.0}.get(mant) or float(mant)
    return mant * 10.0 ** exp
