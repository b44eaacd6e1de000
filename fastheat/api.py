"""The public pipeline: source -> aggregate -> normalize -> colormap -> image.

:func:`rasterize` runs the stages and keeps what later stages (overlays,
colorbars) need; :func:`to_rgba`, :func:`heatmap` and :func:`save` are thin
views of it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from . import encode
from .aggregation.fold import expand, output_shape, upsampling
from .color import colormaps, norms
from .color.raster import ORIGINS, Raster
from .sources.base import Labels, open_source

def aggregate(data, *, width: int | None = None, height: int | None = None,
              reduce: str = "mean", x: str | None = None, y: str | None = None,
              value: str | None = None, x_range: tuple | None = None,
              y_range: tuple | None = None, progress: bool = False) -> np.ndarray:
    """Downsample (or upsample) a 2-D matrix to a ``(height, width)`` float grid.

    Reads the input once, in its own dtype and byte order, with no full-size
    temporary. Non-integer ratios use exact area weights: an input cell
    straddling two output pixels contributes to both by its overlap. Upsampled
    axes repeat cells as crisp blocks. NaN (and masked cells of a masked array)
    count as missing.

    Parameters
    ----------
    data : array-like, 2-D
        Any numeric or bool matrix: ndarray (any layout, byte order, strides),
        ``np.ma.MaskedArray``, ``np.memmap``, nested lists, DataFrame; out of
        core or distributed: zarr array, h5py ``Dataset``, dask array, xarray
        ``DataArray`` (see :mod:`fastheat.outofcore`). With ``x`` and ``y``, a
        pandas or dask DataFrame of points.
    width, height : int, optional
        Output size in pixels; see :func:`output_shape` for the defaults.
    reduce : str
        ``"mean"``, ``"sum"`` (area-weighted), ``"min"``, ``"max"``, ``"absmax"``
        (value of largest magnitude, sign kept), ``"std"`` (area-weighted,
        population), ``"count"`` (valid cells touching the pixel) or ``"nearest"``
        (the cell under the pixel centre).
    x, y, value : str, optional
        Point tables: the columns holding the points' coordinates and the value
        to reduce (without ``value``, pixels count points). Binned by
        datashader's ``Canvas.points``; row 0 is the top of the window (largest
        ``y``). Reductions: count, sum, mean, min, max, std, absmax.
    x_range, y_range : (float, float), optional
        Point tables: the window to bin (default: the data's extent).
    progress : bool
        Show a progress bar on stderr while an out-of-core or distributed
        input is read (ignored for in-memory arrays).

    Returns
    -------
    numpy.ndarray
        float64 ``(height, width)``, NaN where a pixel saw no valid value.

    Examples
    --------
    >>> import numpy as np, fastheat
    >>> fastheat.aggregate(np.arange(16).reshape(4, 4), width=2, height=2)
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    >>> fastheat.aggregate([[1, 2, 3]], width=2, height=1, reduce="max")
    array([[2., 3.]])
    """
    source = open_source(data, x=x, y=y, value=value, x_range=x_range, y_range=y_range,
                         progress=progress)
    height, width = output_shape(source.shape, width, height)
    (ch, rows), (cw, cols) = upsampling(source.shape[0], height), upsampling(source.shape[1], width)
    return expand(source.aggregate(ch, cw, reduce), rows, cols)


def rasterize(data, *, width=None, height=None, cmap="viridis", norm="linear", vmin=None,
              vmax=None, center=None, robust=False, reduce="mean", origin="upper", bad=None,
              under=None, over=None, linthresh=None, gamma=None, x=None, y=None, value=None,
              x_range=None, y_range=None, progress=False) -> Raster:
    """Run the pipeline up to colormap codes; see :func:`to_rgba` for the options."""
    if origin not in ORIGINS:
        raise ValueError(f"origin={origin!r} must be one of {ORIGINS}")
    source = open_source(data, x=x, y=y, value=value, x_range=x_range, y_range=y_range,
                         progress=progress)
    palette = colormaps.resolve(cmap, under=under, over=over, bad=bad)
    h, w = output_shape(source.shape, width, height)
    (ch, row_index), (cw, col_index) = upsampling(source.shape[0], h), upsampling(source.shape[1], w)
    cells = source.aggregate(ch, cw, reduce)
    if origin == "lower":
        cells = cells[::-1]
        if row_index is not None:
            row_index = (ch - 1) - row_index[::-1]
    # Values that are input values (at the input's own size) are normalized in
    # the dtype matplotlib would use for the input, so codes match it exactly.
    same = reduce in ("mean", "min", "max", "absmax", "nearest")
    value_dtype = source.dtype if same else np.float64
    fitted = norms.fit(cells, norm=norm, vmin=vmin, vmax=vmax, center=center, robust=robust,
                       linthresh=linthresh, gamma=gamma, dtype=norms.work_dtype(value_dtype))
    codes = norms.codes(fitted.forward(cells), palette.N)
    labels = Labels(getattr(source, "row_labels", None), getattr(source, "col_labels", None),
                    getattr(source, "row_name", None), getattr(source, "col_name", None),
                    getattr(source, "name", None))
    return Raster(cells, codes, palette, fitted, labels, tuple(source.shape), origin, row_index,
                  col_index)


def to_rgba(data, *, width: int | None = None, height: int | None = None, cmap="viridis",
            norm: str = "linear", vmin: float | None = None, vmax: float | None = None,
            center: float | None = None, robust: bool = False, reduce: str = "mean",
            origin: str = "upper", bad=None, under=None, over=None,
            linthresh: float | None = None, gamma: float | None = None, x: str | None = None,
            y: str | None = None, value: str | None = None, x_range: tuple | None = None,
            y_range: tuple | None = None, progress: bool = False) -> np.ndarray:
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
    x, y, value : str, optional
        Render a table of points (pandas or dask DataFrame): the coordinate
        columns and the column to reduce (without ``value``, pixels count
        points), binned by datashader; ``y`` grows upward.
    x_range, y_range : (float, float), optional
        The window of a point table (default: the data's extent).
    progress : bool
        Progress bar on stderr while an out-of-core or distributed input
        (memmap, zarr, HDF5, dask, point table) is read.

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
                     bad=bad, under=under, over=over, linthresh=linthresh, gamma=gamma, x=x, y=y,
                     value=value, x_range=x_range, y_range=y_range, progress=progress).rgba()


#: The overlay options of :func:`heatmap` (:class:`fastheat.layout.Decor`).
DECOR_KEYS = ("colorbar", "grid", "linewidths", "linecolor", "title", "xlabel", "ylabel",
              "xticklabels", "yticklabels", "annot", "fmt", "font_size", "font", "background",
              "scale")


def heatmap(data, *, colorbar=False, grid=False, linewidths: float = 0, linecolor="white",
            title: str | None = None, xlabel: str | None = None, ylabel: str | None = None,
            xticklabels=None, yticklabels=None, annot=False, fmt: str = ".2g", mask=None,
            font_size: float = 12, font=None, background=None, scale: float = 1, **options):
    """Render a 2-D matrix as a ``PIL.Image.Image``, with optional overlays.

    Takes the options of :func:`to_rgba`. Without overlays the image is the
    bare raster, in palette mode (``"P"``) when it has at most 256 colours, else
    ``"RGBA"``. With overlays the raster sits, pixel for pixel, in a larger
    ``"RGB"`` image (``"RGBA"`` when ``background`` is transparent).

    Parameters
    ----------
    colorbar : bool, str or dict
        ``True``, a position (``"right"``, ``"left"``, ``"top"``, ``"bottom"``) or
        a dict of :class:`fastheat.layout.ColorbarOptions` (``position``,
        ``length``, ``thickness``, ``label``, ``ticks``, ``format``, ``extend``,
        ``bad``, ``bad_label``). Ticks sit at nice values for every norm.
    grid : bool or dict
        Lines at the tick positions; a dict of ``color``, ``linestyle`` (``"-"``,
        ``"--"``, ``":"``, ``"-."``), ``linewidth`` (px) and ``alpha``.
    linewidths : float
        Width in px of borders between cells (seaborn), in ``linecolor``
        (default white); drawn only when cells are a few pixels or larger.
    title, xlabel, ylabel : str, optional
        Text above the image and along the axes. A DataFrame's index and
        column names are the default axis labels.
    xticklabels, yticklabels : bool, "auto", int or list
        ``"auto"`` (the default when anything else is drawn): indices at nice
        steps, or a DataFrame's labels, thinned so they never overlap; ``True``
        every label; an integer: every n-th; a list: one label per column/row;
        ``False``: none. Long x labels turn vertical.
    annot : bool, "auto" or array
        ``True`` writes each cell's value (of the aggregated grid) with ``fmt``;
        an array of the data's shape gives other values or strings; ``"auto"``
        annotates only if the text fits, silently. Text is dark on light cells
        and light on dark ones; the font shrinks to fit the cells, and cells
        still too small stay blank with an ``AnnotationWarning``.
    fmt : str
        Format spec for annotations: ``".2g"`` (default), ``".2f"``, ``"d"``, ``".1%"``...
    mask : array of bool, optional
        Same shape as ``data``; True cells are drawn in the bad colour, unannotated.
    font_size : float
        Text size in px at scale 1 (title 1.25x). Default 12.
    font : str, optional
        Path of a TrueType/OpenType font; default Pillow's built-in one.
    background : colour, optional
        Canvas colour: white when there are overlays, transparent for a bare
        raster; ``"none"`` for transparent.
    scale : float
        Multiplies everything, raster size included, for high-DPI output.

    Examples
    --------
    >>> import fastheat
    >>> fastheat.heatmap([[1, 2], [3, 4]], cmap="hot").size
    (400, 400)
    >>> fastheat.heatmap([[1, 2], [3, 4]], colorbar=True, title="t").mode
    'RGB'
    """
    from .compose.layout import Composition

    pixels = _draw(data, colorbar=colorbar, grid=grid, linewidths=linewidths,
                   linecolor=linecolor, title=title, xlabel=xlabel, ylabel=ylabel,
                   xticklabels=xticklabels, yticklabels=yticklabels, annot=annot, fmt=fmt,
                   mask=mask, font_size=font_size, font=font, background=background,
                   scale=scale, **options)
    return Composition.as_image(pixels)


def _draw(data, *, mask=None, **options):
    """What :func:`heatmap` shows: a Pillow image when nothing is drawn around
    the raster, else the composed ``(H, W, 3 or 4)`` uint8 canvas (which
    :func:`save` encodes without a Pillow copy)."""
    from .compose import layout

    decor = layout.Decor.from_options(**{k: options.pop(k) for k in DECOR_KEYS if k in options})
    if mask is None and decor.scale == 1 and not decor.active:
        return rasterize(data, **options).image()
    return layout.render(data, decor, mask=mask, **options).pixels


def save(data, path, *, format: str | None = None, colorbar=False, grid=False,
         linewidths: float = 0, linecolor="white", title: str | None = None,
         xlabel: str | None = None, ylabel: str | None = None, xticklabels=None,
         yticklabels=None, annot=False, fmt: str = ".2g", mask=None, font_size: float = 12,
         font=None, background=None, scale: float = 1, **options):
    """Render ``data`` and write it to ``path`` (a path or binary file object).

    The format follows the suffix (``.png``, ``.jpg``/``.jpeg``, ``.webp``,
    ``.tif``/``.tiff``) or ``format=``. The file is written atomically: it is
    only created (or replaced) once rendering and encoding succeeded. Encoder
    options (``compress_level``, ``quality``) pass through to Pillow. The
    overlay options (``colorbar``, ``grid``, ``linewidths``, ``linecolor``,
    ``title``, ``xlabel``, ``ylabel``, ``xticklabels``, ``yticklabels``,
    ``annot``, ``fmt``, ``mask``, ``font_size``, ``font``, ``background``,
    ``scale``) are those of :func:`heatmap`.
    """
    options.update(colorbar=colorbar, grid=grid, linewidths=linewidths, linecolor=linecolor,
                   title=title, xlabel=xlabel, ylabel=ylabel, xticklabels=xticklabels,
                   yticklabels=yticklabels, annot=annot, fmt=fmt, mask=mask,
                   font_size=font_size, font=font, background=background, scale=scale)
    save_keys = {"compress_level", "quality", "optimize", "compression", "lossless", "dpi"}
    params = {k: options.pop(k) for k in list(options) if k in save_keys}
    is_path = not hasattr(path, "write")
    if is_path:
        encode.image_format(path, format)  # fail on a bad suffix before rendering
    encode.write(_draw(data, **options), path, format=format, **params)
