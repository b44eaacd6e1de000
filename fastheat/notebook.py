"""Notebook display: :class:`HeatmapImage`, the Pillow image that
:func:`fastheat.heatmap` returns, shown in Jupyter through fastheat's own PNG
writer (:mod:`fastheat.encode.png`, several times faster than Pillow's), as
one PNG (no JPEG copy beside it), and downscaled when it is big.
"""
from __future__ import annotations

import io
import math

from PIL import Image

#: Longest side, in pixels, of the image a notebook shows; a bigger image is
#: shown downscaled to it (the image object itself keeps its full size).
DISPLAY_MAX = 2000


class HeatmapImage(Image.Image):
    """A ``PIL.Image.Image`` that notebooks display quickly.

    Every Pillow operation works as on any image (``save``, ``copy``,
    ``resize``, ``np.asarray``, pickling; operations that make a new image
    return a plain ``PIL.Image.Image``). Shown as a cell result, its mime
    bundle holds a single ``image/png``, written by fastheat's PNG writer; an
    image more than :data:`DISPLAY_MAX` px on a side is shown downscaled to
    that (box filter), and the bundle's metadata says so (``"fastheat":
    {"downscaled_from": [width, height]}``). The full-size image is the
    object itself: ``img.save("map.png")``, or ``IPython.display.Image(img.png())``
    to show it whole.
    """

    @classmethod
    def of(cls, image):
        """``image`` (a Pillow image) as a HeatmapImage, sharing its pixels."""
        return _viewed_as(cls, image)

    def __eq__(self, other):
        """Equal to any Pillow image with the same mode, size, info, palette
        and pixels (Pillow's own test also asks for the same class)."""
        if not isinstance(other, Image.Image):
            return NotImplemented
        return _viewed_as(Image.Image, self) == _viewed_as(Image.Image, other)

    __hash__ = None

    def png(self):
        """The full-size image as PNG bytes, from fastheat's writer."""
        return _png(self)

    def displayed(self):
        """The image a notebook shows: this one, or a copy downscaled to at
        most :data:`DISPLAY_MAX` px on its longest side."""
        w, h = self.size
        if max(w, h) <= DISPLAY_MAX:
            return self
        k = DISPLAY_MAX / max(w, h)
        size = (max(1, math.floor(w * k + 0.5)), max(1, math.floor(h * k + 0.5)))
        image = self if self.mode in ("RGB", "RGBA") else self.convert("RGBA")
        return image.resize(size, Image.Resampling.BOX)

    def _repr_mimebundle_(self, include=None, exclude=None):
        shown = self.displayed()
        data = {"image/png": _png(shown)}
        if shown is self:
            return data
        return data, {"image/png": {"fastheat": {"downscaled_from": list(self.size)}}}

    def _repr_png_(self):
        return _png(self.displayed())

    def _repr_jpeg_(self):
        return None  # one copy of the image in the notebook: the PNG

    def _repr_pretty_(self, p, cycle):
        p.text(repr(self))

    def __repr__(self):
        note = ""
        shown = max(self.size) > DISPLAY_MAX
        if shown:
            note = f", shown downscaled to at most {DISPLAY_MAX} px (full size: .save() or .png())"
        return f"<fastheat.HeatmapImage mode={self.mode} size={self.width}x{self.height}{note}>"


def _viewed_as(cls, image):
    """A ``cls`` object sharing ``image``'s pixels and attributes."""
    out = cls.__new__(cls)
    out.__dict__.update(image.__dict__)
    return out


def _png(image):
    from .encode.png import write_png

    buffer = io.BytesIO()
    write_png(image, buffer)
    return buffer.getvalue()
