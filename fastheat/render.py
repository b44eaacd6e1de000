"""The public pipeline: source -> aggregate -> normalize -> colormap -> image.

:func:`rasterize` runs the stages and keeps what later stages (overlays,
colorbars) need; :func:`to_rgba`, :func:`heatmap` and :func:`save` are thin
views of it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import colormaps, encode, norms
from .aggregation import output_shape
from .sources import Source, open_source

ORIGINS = ("upper", "lower")


@dataclass
class Raster:
    """One rendered raster and how it was made."""

    values: np.ndarray  # (height, width) aggregated floats, in display order
    codes: np.ndarray  # (height, width) uint16 colormap codes
    palette: colormaps.Palette
    norm: norms.Norm
    source: Source  # shape, dtype, labels and name of what was rendered
    origin: str = "upper"

    def rgba(self) -> np.ndarray:
        return self.palette.table[self.codes]

    def image(self):
        """A Pillow image: palette mode when the raster has at most 256 distinct
        colours (4x faster to encode as PNG, and smaller), RGBA otherwise."""
        from PIL import Image

        table = self.palette.table
        used = np.flatnonzero(np.bincount(self.codes.ravel(), minlength=len(table)))
        colors, inverse = np.unique(table[used], axis=0, return_inverse=True)
        h, w = self.codes.shape
        if len(colors) > 256:
            return Image.fromarray(self.rgba(), "RGBA")
        lookup = np.zeros(len(table), np.uint8)
        lookup[used] = inverse.ravel()
        img = Image.frombuffer("P", (w, h), lookup[self.codes].tobytes(), "raw", "P", 0, 1)
        if (colors[:, 3] == 255).all():
            img.putpalette(colors[:, :3].tobytes(), "RGB")
        else:
            img.putpalette(colors.tobytes(), "RGBA")
        return img


def rasterize(data, *, width=None, height=None, cmap="viridis", norm="linear", vmin=None,
              vmax=None, center=None, robust=False, reduce="mean", origin="upper", bad=None,
              under=None, over=None, linthresh=None, gamma=None) -> Raster:
    """Run the pipeline up to colormap codes; see :func:`to_rgba` for the options."""
    if origin not in ORIGINS:
        raise ValueError(f"origin={origin!r} must be one of {ORIGINS}")
    source = open_source(data)
    palette = colormaps.resolve(cmap, under=under, over=over, bad=bad)
    h, w = output_shape(source.shape, width, height)
    values = source.aggregate(h, w, reduce)
    if origin == "lower":
        values = values[::-1]
    # Values that are input values (at the input's own size) are normalized in
    # the dtype matplotlib would use for the input, so codes match it exactly.
    same = reduce in ("mean", "min", "max", "absmax", "nearest")
    value_dtype = source.dtype if same else np.float64
    fitted = norms.fit(values, norm=norm, vmin=vmin, vmax=vmax, center=center, robust=robust,
                       linthresh=linthresh, gamma=gamma, dtype=norms.work_dtype(value_dtype))
    codes = norms.codes(fitted.forward(values), palette.N)
    return Raster(values, codes, palette, fitted, source, origin)


def to_rgba(data, *, width: int | None = None, height: int | None = None, cmap="viridis",
            norm: str = "linear", vmin: float | None = None, vmax: float | None = None,
            center: float | None = None, robust: bool = False, reduce: str = "mean",
            origin: str = "upper", bad=None, under=None, over=None,
            linthresh: float | None = None, gamma: float | None = None) -> np.ndarray:
    """Colormap a 2-D matrix into an RGBA raster.

    Parameters
    ----------
    data : array-like, 2-D
        Numeric or bool matrix (see :func:`fastheat.aggregate`).
    width, height : int, optional
        Raster size in pixels. One given: the other follows the aspect ratio.
        Neither: large matrices shrink to 1000 px on the longest side, small
        ones grow by a whole factor into crisp blocks.
    cmap : str, list of colours, ``cmap.Colormap`` or matplotlib colormap
        Default ``"viridis"``. A matplotlib colormap object gives exactly
        matplotlib's bytes.
    norm : str
        ``"linear"``, ``"log"`` (non-positive values are bad), ``"symlog"``
        (``linthresh``, default 1% of the largest magnitude), ``"sqrt"``,
        ``"power"`` (``gamma``, default 0.5) or ``"eq_hist"`` (histogram
        equalization).
    vmin, vmax : float, optional
        Data range mapped to the colormap ends; default the aggregated values'
        range. Outside it: the under/over colours.
    center : float, optional
        Make the range symmetric around this value (diverging colormaps).
    robust : bool
        Default range from the 2nd and 98th percentiles instead of min/max.
    reduce : str
        How input cells combine into a pixel: ``"mean"`` (default), ``"sum"``,
        ``"min"``, ``"max"``, ``"absmax"``, ``"std"``, ``"count"``, ``"nearest"``.
    origin : {"upper", "lower"}
        Row 0 at the top (like ``imshow`` and seaborn) or at the bottom.
    bad, under, over : colour, optional
        Colours for missing values and values below/above the range.

    Returns
    -------
    numpy.ndarray
        ``(height, width, 4)`` uint8.

    Examples
    --------
    >>> import numpy as np, fastheat
    >>> fastheat.to_rgba(np.array([[0.0, 1.0]]), width=2, height=1, cmap="gray")[..., :3].tolist()
    [[[0, 0, 0], [255, 255, 255]]]
    """
    return rasterize(data, width=width, height=height, cmap=cmap, norm=norm, vmin=vmin,
                     vmax=vmax, center=center, robust=robust, reduce=reduce, origin=origin,
                     bad=bad, under=under, over=over, linthresh=linthresh, gamma=gamma).rgba()


def heatmap(data, **options):
    """Render a 2-D matrix as a ``PIL.Image.Image``.

    Takes the options of :func:`to_rgba`. The image is in palette mode
    (``"P"``) when it has at most 256 colours, else ``"RGBA"``.

    >>> import fastheat
    >>> fastheat.heatmap([[1, 2], [3, 4]], cmap="hot").size
    (400, 400)
    """
    return rasterize(data, **options).image()


def save(data, path, *, format: str | None = None, **options):
    """Render ``data`` and write it to ``path`` (a path or binary file object).

    The format follows the suffix (``.png``, ``.jpg``/``.jpeg``, ``.webp``,
    ``.tif``/``.tiff``) or ``format=``. The file is written atomically: it is
    only created (or replaced) once rendering and encoding succeeded. Encoder
    options (``compress_level``, ``quality``) pass through to Pillow.
    """
    save_keys = {"compress_level", "quality", "optimize", "compression", "lossless", "dpi"}
    params = {k: options.pop(k) for k in list(options) if k in save_keys}
    is_path = not hasattr(path, "write")
    if is_path:
        encode.image_format(path, format)  # fail on a bad suffix before rendering
    image = heatmap(data, **options)
    encode.write(image, path, format=format, **params)
