"""The one driver: keyword options -> records -> the stages, in order.

    open_source -> palette -> size -> aggregate -> fit norm -> Raster -> compose -> write

:func:`aggregate`, :func:`to_rgba`, :func:`heatmap` and :func:`save` are the
same pipeline stopped at different stages. Their keyword options are declared
once, in :mod:`fastheat.options` (signatures and docstrings come from there).
"""
from __future__ import annotations

import numpy as np

from . import encode, options
from .aggregation.geometry import (LABEL_SIDE, MAX_PIXELS, MAX_SIDE, expand, output_shape,
                                   upsampling)
from .aggregation.reductions import reduction
from .color import colormaps, norms
from .color.raster import ORIGINS, Raster
from .sources import open_source

_DATA = """data : array-like, 2-D
        Any numeric or bool matrix: ndarray (any layout, byte order, strides),
        ``np.ma.MaskedArray``, ``np.memmap``, nested lists, DataFrame; out of
        core or distributed: zarr array, h5py ``Dataset``, dask array, xarray
        ``DataArray``; sparse: scipy.sparse arrays and matrices, cooler files
        (``.cool``/``.mcool`` paths) and ``cooler.Cooler`` objects, AnnData
        objects and ``.h5ad`` paths (see :mod:`fastheat.sources`), or any type registered with
        :func:`fastheat.register_source`. With ``x`` and ``y``, a pandas or dask
        DataFrame of points."""


def _docs(fn):
    """Fill ``{parameters}`` (the data, then the options: :func:`options.public`
    fills ``{options}``) or ``{data}`` in ``fn``'s docstring."""
    parameters = "Parameters\n    ----------\n    {data}\n    {options}"
    fn.__doc__ = fn.__doc__.replace("{parameters}", parameters).replace("{data}", _DATA)
    return fn


# --------------------------------------------------------------------------- stages

def _open(data, opts: options.Options):
    """The source of ``data``, masked if asked."""
    source = open_source(data, points=opts.points if opts.points.active else None,
                         progress=opts.reading.progress, reading=opts.reading)
    if opts.reading.mask is not None:
        source = source.masked(opts.reading.mask)
    if opts.reading.view != "matrix":
        from .sources.triangle import view_source

        source = view_source(source, view=opts.reading.view, depth=opts.reading.depth)
    return source


def _cells(source, opts: options.Options, scale: float = 1.0, track: bool = False,
           grid_range=None):
    """Aggregate ``source`` to the raster's cells: ``(cells, row_index,
    col_index, data_range)``, an upsampled axis kept at the matrix's own
    resolution (see :func:`fastheat.aggregation.geometry.upsampling`);
    ``data_range`` is the input's range gathered in the same pass (``track``)
    or None. With no size given, drawn tick labels and annotations make room
    for themselves (:func:`fastheat.compose.layout.raster_room`). ``grid_range``
    (a list) gets the cells' ``(min, max)`` where they were found on the way."""
    size, decor = opts.size, opts.decor
    room, cap, own = (0, 0), LABEL_SIDE, None
    if size.width is None and size.height is None and source.shape is not None and \
            decor is not None and decor.decorated:
        from .compose.layout import raster_room

        room, cap, own = raster_room(source, decor, opts.reading.reduce)
    aspect = getattr(source, "default_aspect", "auto") if size.aspect == "auto" else size.aspect
    h, w = output_shape(source.shape, size.width, size.height, aspect, room, cap)
    if scale != 1:
        sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
        if max(sw, sh) > MAX_SIDE or sw * sh > MAX_PIXELS:  # the limits, naming their cause
            raise ValueError(f"scale={scale!r} makes the {w} x {h} px raster {sw} x {sh} px, "
                             f"beyond the limit of {MAX_SIDE} px a side and {MAX_PIXELS:,} "
                             f"pixels; use a smaller scale= (it multiplies width= and height= too)")
        h, w = output_shape(source.shape, sw, sh)
    n_rows, n_cols = source.shape or (h, w)  # no matrix of its own: the grid is the matrix
    (ch, rows), (cw, cols) = upsampling(n_rows, h), upsampling(n_cols, w)
    if getattr(source, "resampled", False):  # its raster is in data coordinates: no repeats
        (ch, rows), (cw, cols) = (h, None), (w, None)
    reduce = opts.reading.reduce
    if own is not None and own.shape == (ch, cw) and not track:
        return own, rows, cols, None
    if (ch, cw) == (n_rows, n_cols) and not track:
        grid = _own_size_cells(source, reduce, grid_range)
        if grid is not None:
            return grid, rows, cols, None
    grid, data_range = source.aggregate_range(ch, cw, reduce) if track else \
        (source.aggregate(ch, cw, reduce), None)
    return grid, rows, cols, data_range


#: Reductions whose value over one whole cell is that cell's value (missing: NaN).
_CELL_IS_VALUE = ("mean", "sum", "min", "max", "absmax")


def _own_size_cells(source, reduce, grid_range=None):
    """The cells of an in-memory or memory-mapped matrix aggregated at its
    own size: its values as float64, NaN where missing (NaN, +-inf, masked),
    without the aggregation kernel's state planes (None: not such a case).
    Equal to the kernel's cells (tests/test_api.py; an input -0.0 stays -0.0,
    which the kernel's sums make 0.0); a float64 matrix with no missing value
    is used as it is, through a read-only view. ``grid_range`` (a list) gets
    the cells' ``(min, max)`` when the check for missing values found them."""
    from .sources.array import ArraySource

    if reduce not in _CELL_IS_VALUE or not isinstance(source, ArraySource):
        return None
    a, mask = source.array, source.mask
    extent = None
    if a.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            extent = (a.min(), a.max()) if a.size else None
            finite = bool(np.isfinite(extent[0]) and np.isfinite(extent[1])) if a.size else True
    else:
        finite = a.dtype.kind in "biu"
        if not finite:
            return None
    if finite and mask is None and a.dtype == np.float64 and a.flags.c_contiguous:
        cells = a.view(np.ndarray)
        cells.flags.writeable = False
        if grid_range is not None and extent is not None:
            grid_range.append(extent)
        return cells
    cells = np.array(a, dtype=np.float64, order="C")
    if not finite:
        cells[~np.isfinite(cells)] = np.nan
    if mask is not None:
        cells[mask] = np.nan
    return cells


def _source_decor(source, opts: options.Options, shown=None):
    """``opts`` with the decorations a source shows by default (a cooler's
    chromosome lines and names) where none of those options was given;
    ``shown`` (a list) gets the decorations used."""
    decor = opts.decor
    defaults = getattr(source, "default_decor", None)
    if decor is not None and defaults is not None:
        import dataclasses

        given = {k: v for k, v in defaults().items() if getattr(decor, k) is None}
        if given:
            decor = dataclasses.replace(decor, **given)
            opts = dataclasses.replace(opts, decor=decor)
    if shown is not None:
        shown.append(opts.decor)
    return opts


def _raster(data, opts: options.Options, shown=None) -> Raster:
    """Run the pipeline up to colormap codes (``shown``: see :func:`_source_decor`)."""
    c = opts.coloring
    if c.origin not in ORIGINS:
        raise ValueError(f"origin={c.origin!r} must be one of {ORIGINS}")
    if opts.reading.view != "matrix":
        from .sources.triangle import check_decor

        check_decor(opts.decor)  # before any data is read
    source = _open(data, opts)
    opts = _source_decor(source, opts, shown)
    decor = opts.decor
    if decor is not None and isinstance(decor.annot, np.ndarray):
        from .compose.options import check_annot_shape

        check_annot_shape(decor.annot, source.shape)  # before any kernel runs
    palette = colormaps.resolve(c.cmap, under=c.under, over=c.over, bad=c.bad)
    track = bool(reduction(opts.reading.reduce).input_range) and \
        norms.takes_input_range(c.norm, vmin=c.vmin, vmax=c.vmax, robust=c.robust)
    grid_range = []
    cells, row_index, col_index, data_range = _cells(source, opts, decor.scale if decor else 1.0,
                                                     track, grid_range)
    hidden = _hidden(opts, cells.shape, source)
    c = _source_coloring(source, opts, cells)
    if c is not opts.coloring:  # a source's own default colours (a cooler's Hi-C look)
        palette = colormaps.resolve(c.cmap, under=c.under, over=c.over, bad=c.bad)
    if c.origin == "lower":
        cells = cells[::-1]
        hidden = None if hidden is None else hidden[::-1]
        if row_index is not None:
            row_index = (cells.shape[0] - 1) - row_index[::-1]
    # Values that are input values (at the input's own size) are normalized in
    # the dtype matplotlib would use for the input, so codes match it exactly.
    value_dtype = source.dtype if reduction(opts.reading.reduce).keeps_dtype else np.float64
    fitted = norms.fit(cells, norm=c.norm, vmin=c.vmin, vmax=c.vmax, center=c.center,
                       robust=c.robust, linthresh=c.linthresh, linscale=c.linscale,
                       base=c.base, gamma=c.gamma, levels=c.levels,
                       dtype=norms.work_dtype(value_dtype), data_range=data_range,
                       grid_range=grid_range[0] if grid_range else None)
    palette = fitted.recentred(palette, c.center)  # seaborn's center=: the colormap resampled
    codes = fitted.encode(cells, palette.N)
    return Raster(cells, codes, palette, fitted, source.labels, tuple(source.shape or cells.shape),
                  c.origin, row_index, col_index, hidden)


def _hidden(opts: options.Options, shape, source=None):
    """Which of the ``shape`` cells ``mask=`` hides entirely, or that lie
    outside a view's band (None: neither): the colorbar's "missing" swatch is
    for the data's own missing values. The mask is aggregated on the source's
    own cells (uneven coordinates, the triangle view: its ``rewrap``)."""
    outside = source.outside(*shape) if hasattr(source, "outside") else None
    if opts.reading.mask is None:
        return outside
    reduce = "nearest" if opts.reading.reduce == "nearest" else "min"
    mask = open_source(opts.reading.mask)
    if hasattr(source, "rewrap"):
        mask = source.rewrap(mask)
    hidden = mask.aggregate(*shape, reduce) == 1
    return hidden if outside is None else hidden | outside


def _source_coloring(source, opts: options.Options, cells):
    """``opts.coloring`` with the source's default colours (a cooler's Hi-C
    defaults, :meth:`CoolerSource.default_coloring`) for what was not given."""
    defaults = getattr(source, "default_coloring", None)
    if defaults is None:
        return opts.coloring
    import dataclasses

    given = defaults(opts.given, cells)
    return dataclasses.replace(opts.coloring, **given) if given else opts.coloring


def _composition(data, opts: options.Options, image=False):
    """What :func:`heatmap` draws, and where everything went: a
    :class:`~fastheat.compose.scene.Composition` whose pixels are the composed
    ``(H, W, 3 or 4)`` uint8 canvas (``image``: or already its Pillow image),
    or the bare raster's Pillow image."""
    from .compose.layout import bare, compose

    shown = []
    raster = _raster(data, opts, shown)
    return compose(raster, shown[0], image) if shown[0].active else bare(raster)


def _pixels(data, opts: options.Options, indexed=False, image=False):
    """The pixels of :func:`_composition` alone: a bare raster's Pillow image
    (without loading the compose stage; ``indexed``: its
    :class:`~fastheat.encode.Indexed` palette image where it has one, which
    :func:`save` encodes without importing Pillow), or the composed canvas
    array (which :func:`save` encodes without a Pillow copy; ``image``: or
    already its Pillow image, for :func:`heatmap`)."""
    if opts.decor.active:
        return _composition(data, opts, image).pixels
    shown = []
    raster = _raster(data, opts, shown)
    if shown[0].active:  # the source's own decorations (a cooler's chromosomes)
        from .compose.layout import compose

        return compose(raster, shown[0], image).pixels
    return (indexed and raster.indexed()) or raster.image()


# --------------------------------------------------------------------------- public

@options.public("aggregate", "data")
@_docs
def aggregate(data, **kwargs) -> np.ndarray:
    """Downsample (or upsample) a 2-D matrix to a ``(height, width)`` float grid.

    Reads the input once, in its own dtype and byte order, with no full-size
    temporary. Non-integer ratios use exact area weights: an input cell
    straddling two output pixels contributes to both by its overlap. Upsampled
    axes repeat cells as crisp blocks. NaN, +-inf (as matplotlib's ``imshow``
    masks them) and masked cells of a masked array count as missing.

    {parameters}

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
    opts = options.split("aggregate", kwargs)
    return expand(*_cells(_open(data, opts), opts)[:3])


@options.public("rasterize", "data")
def rasterize(data, **kwargs) -> Raster:
    """Run the pipeline up to colormap codes: the :class:`~fastheat.color.raster.Raster`
    that :func:`to_rgba` colours and :func:`heatmap` composes (the options of
    :func:`to_rgba`)."""
    return _raster(data, options.split("rasterize", kwargs))


@options.public("to_rgba", "data")
@_docs
def to_rgba(data, **kwargs) -> np.ndarray:
    """Colormap a 2-D matrix into an RGBA raster.

    {parameters}

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
    return _raster(data, options.split("to_rgba", kwargs)).rgba()


@options.public("heatmap", "data")
@_docs
def heatmap(data, **kwargs):
    """Render a 2-D matrix as a ``PIL.Image.Image``, with optional overlays.

    The image is a :class:`fastheat.HeatmapImage`, a ``PIL.Image.Image`` that
    Jupyter shows as one PNG from fastheat's writer (downscaled beyond 2000 px
    a side; the object keeps its full size).

    Without overlays the image is the bare raster, in palette mode (``"P"``)
    when it has at most 256 colours, else ``"RGBA"``. With overlays the raster
    sits, pixel for pixel, in a larger ``"RGB"`` image (``"RGBA"`` when
    ``background`` is transparent).

    ``fastheat.heatmap(data, ax=ax)`` (a matplotlib Axes) draws into that
    Axes with seaborn's layout instead and returns the Axes, taking
    ``sns.heatmap``'s keywords (:func:`fastheat.frontends.mpl.heatmap_on_axes`).

    {parameters}

    Examples
    --------
    >>> import fastheat
    >>> fastheat.heatmap([[1, 2], [3, 4]], cmap="hot").size
    (400, 400)
    >>> fastheat.heatmap([[1, 2], [3, 4]], colorbar=True, title="t").mode
    'RGB'
    """
    from PIL import Image

    from .notebook import HeatmapImage

    pixels = _pixels(data, options.split("heatmap", kwargs), image=True)
    return HeatmapImage.of(Image.fromarray(pixels) if isinstance(pixels, np.ndarray) else pixels)


@options.public("save", "data", "path")
@_docs
def save(data, path, **kwargs) -> None:
    """Render ``data`` as :func:`heatmap` does and write it to ``path`` (a path
    or a binary file object).

    The format follows the suffix (``.png``, ``.jpg``/``.jpeg``, ``.webp``,
    ``.tif``/``.tiff``, ``.svg``, ``.pdf``) or ``format=``. SVG and PDF hold
    the composed figure as vectors (text, ticks, grid, colorbar) around the
    raster embedded losslessly as a PNG (:mod:`fastheat.encode.vector`). The file is written atomically: it is
    only created (or replaced) once rendering and encoding succeeded.

    Parameters
    ----------
    {data}
    path : str, os.PathLike or binary file object
        Where the image goes.
    {options}

    Examples
    --------
    >>> import io, fastheat
    >>> buffer = io.BytesIO()
    >>> fastheat.save([[1, 2], [3, 4]], buffer, format="jpeg", quality=80)
    >>> buffer.getvalue()[:2]
    b'\\xff\\xd8'
    """
    if not hasattr(path, "write"):  # a bad suffix fails first, before any option or data
        encode.image_format(path, kwargs.get("format"))
        encode.check_not_source(path, data)
    opts = options.split("save", kwargs)
    fmt = encode.image_format(path if not hasattr(path, "write") else None, opts.encode.format) \
        if opts.encode.format is not None or not hasattr(path, "write") else "PNG"
    if fmt in encode.VECTOR:  # the composition's scene, replayed as vectors
        from .compose.draw import dash_mask, line_span
        from .encode import vector

        vector.write(_composition(data, opts), path, fmt, **opts.encode.params(),
                     rules={"dash_mask": dash_mask, "line_span": line_span})
        return
    encode.write(_pixels(data, opts, indexed=True), path, format=opts.encode.format,
                 **opts.encode.params())
