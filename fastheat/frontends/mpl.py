"""The matplotlib front-end: :class:`HeatmapArtist`, an image that re-renders
through fastheat for the axes' current view and pixel size on every draw, and
:func:`heatmap_on_axes`, seaborn's ``heatmap(data, ax=ax)`` layout.

matplotlib is imported here only (``pip install 'fastheat[mpl]'``).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt, numpy as np, fastheat
>>> fig, ax = plt.subplots()
>>> art = fastheat.imshow(ax, np.arange(12.0).reshape(3, 4), cmap="magma")
>>> cb = fig.colorbar(art)
>>> fig.canvas.draw()
>>> art.rendered.shape[2]
4
>>> plt.close(fig)
"""
from __future__ import annotations

import functools

import numpy as np

from .._extras import require
from ..compose.colours import relative_luminance
from ._render import Fitted, cell_window, open_matrix, split_render_options

require("matplotlib", "fastheat's matplotlib artist", "mpl")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.image as mimage  # noqa: E402
import matplotlib.scale as mscale  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402

#: Largest side fastheat renders a view at (a guard against absurd figure sizes).
MAX_SIDE = 16_384


# --------------------------------------------------------------------------- norm and colormap

def to_matplotlib(norm, palette):
    """An equivalent matplotlib ``(Normalize, Colormap)`` pair of a fitted
    fastheat norm and palette: ``cmap(norm(x), bytes=True)`` gives fastheat's
    bytes. eq_hist becomes a ``FuncNorm`` through its fitted CDF.

    Parameters
    ----------
    norm : fastheat.color.norms.Norm
    palette : fastheat.color.colormaps.Palette
    """
    return matplotlib_norm(norm, palette.N), matplotlib_cmap(palette)


def matplotlib_cmap(palette):
    """A ``ListedColormap`` of ``palette`` with its under, over and bad colours,
    whose bytes are the palette's."""
    # byte centres: (k + 0.5) / 255 floors back to k under matplotlib's bytes=True
    table = (palette.table.astype(np.float64) + 0.5) / 255.0
    table[palette.table == 255] = 1.0
    n = palette.N
    return mcolors.ListedColormap(table[:n], name=palette.name).with_extremes(
        under=table[n], over=table[n + 1], bad=table[n + 2])


def matplotlib_norm(norm, n_colors=256):
    """A matplotlib ``Normalize`` equivalent to the fitted fastheat ``norm``."""
    kind, lo, hi = norm.kind, float(norm.vmin), float(norm.vmax)
    if type(norm).__name__ == "MatplotlibNorm":
        import copy

        return copy.deepcopy(norm.obj)
    if kind == "linear":
        return mcolors.Normalize(lo, hi)
    if kind == "log":
        return mcolors.LogNorm(lo, hi)
    if kind == "symlog":
        return mcolors.SymLogNorm(norm.linthresh, linscale=norm.linscale, vmin=lo, vmax=hi,
                                  base=norm.base)
    if kind in ("sqrt", "power"):
        return mcolors.PowerNorm(norm.gamma, lo, hi)
    if kind == "twoslope":
        return mcolors.TwoSlopeNorm(norm.center, lo, hi)
    if kind == "levels":
        return mcolors.BoundaryNorm(np.asarray(norm.edges, float), n_colors)
    if kind == "eq_hist":
        values, levels = norm.cdf

        def forward(x):
            return np.interp(x, values, levels)

        def inverse(t):
            return np.interp(t, levels, values)

        return mcolors.FuncNorm((forward, inverse), lo, hi)
    raise ValueError(f"norm kind {kind!r} has no matplotlib equivalent")


class FastheatNorm(mcolors.Normalize):
    """A matplotlib ``Normalize`` running a fitted fastheat norm (any kind,
    eq_hist included), with a colorbar scale whose ticks are fastheat's own
    colorbar ticks: ``fig.colorbar`` of a :class:`HeatmapArtist` shows what
    ``fastheat.save(..., colorbar=True)`` shows."""

    def __init__(self, norm):
        super().__init__(float(norm.vmin), float(norm.vmax))
        self.fastheat = norm
        self._scale = _ColorbarScale(self)

    def __call__(self, value, clip=None):
        data = np.ma.asarray(value)
        t = np.asarray(self.fastheat.forward(np.ma.filled(data.astype(float), np.nan)), float)
        t = np.atleast_1d(t) if np.ndim(value) else t
        return np.ma.masked_invalid(t)

    def inverse(self, value):
        return self.fastheat.inverse(np.asarray(value, float))

    def scaled(self):
        return True

    def autoscale_None(self, A):  # the limits are the fitted ones, never the data's
        pass


class _ColorbarScale(mscale.FuncScale):
    name = "fastheat"

    def __init__(self, norm):
        fh = norm.fastheat

        def forward(x):
            with np.errstate(all="ignore"):
                return np.asarray(fh.forward(np.asarray(x, float)), float)

        super().__init__(None, (forward, lambda t: fh.inverse(np.asarray(t, float))))
        self.fastheat = fh

    def set_default_locators_and_formatters(self, axis):
        locator = ColorbarLocator(self.fastheat)
        axis.set_major_locator(locator)
        axis.set_major_formatter(_ColorbarFormatter(locator))
        axis.set_minor_locator(mticker.NullLocator())
        axis.set_minor_formatter(mticker.NullFormatter())


class ColorbarLocator(mticker.Locator):
    """fastheat's colorbar ticks (:func:`fastheat.compose.ticks.colorbar_ticks`)
    for the colorbar's length in pixels and its tick label font size."""

    def __init__(self, norm):
        self.norm = norm
        self.labels = {}

    def ticks(self, length_px, font_px, vertical=True):
        """``[(value, label)]`` for a strip of ``length_px`` pixels."""
        from ..compose.options import ColorbarOptions
        from ..compose.text import load_font
        from ..compose.ticks import colorbar_ticks

        font = load_font(None, font_px)
        L = max(8, int(round(length_px)))
        ticks = colorbar_ticks(self.norm, L, font, ColorbarOptions(), vertical)
        pos = np.array([p for p, _ in ticks], float) / L
        values = np.asarray(self.norm.inverse(pos), float) if len(pos) else np.zeros(0)
        return list(zip(values.tolist(), [s for _, s in ticks]))

    def __call__(self):
        axis = self.axis
        vertical = axis is None or axis.axis_name == "y"
        if axis is not None and axis.axes is not None:
            box = axis.axes.bbox
            length = box.height if vertical else box.width
            fig = axis.axes.figure
            font_px = _tick_font_points(axis) * fig.dpi / 72
        else:
            length, font_px = 400, 12
        ticks = self.ticks(length, font_px, vertical)
        self.labels = dict(ticks)
        return [v for v, _ in ticks]

    def tick_values(self, vmin, vmax):
        return self()


def _tick_font_points(axis):
    """The tick label size of ``axis`` in points (rcParams' ``xtick/ytick.labelsize``)."""
    import matplotlib
    from matplotlib.font_manager import FontProperties

    size = matplotlib.rcParams[f"{axis.axis_name}tick.labelsize"]
    return FontProperties(size=size).get_size_in_points()


class _ColorbarFormatter(mticker.Formatter):
    def __init__(self, locator):
        self.locator = locator

    def __call__(self, x, pos=None):
        labels = self.locator.labels
        if not labels:
            return ""
        key = min(labels, key=lambda v: abs(v - x))
        return labels[key] if np.isclose(key, x, rtol=1e-9, atol=1e-12) else ""


# --------------------------------------------------------------------------- the artist

def _extent_of(source, shape, extent):
    """``(left, right, bottom, top)`` for ``origin="upper"`` order of rows:
    ``extent=``, the coordinates' edges of an xarray source, or imshow's
    ``(-0.5, cols - 0.5, rows - 0.5, -0.5)``."""
    if extent is not None:
        e = tuple(float(v) for v in extent)
        if len(e) != 4 or not all(np.isfinite(e)) or e[0] == e[1] or e[2] == e[3]:
            raise ValueError(f"extent={extent!r} must be 4 finite numbers (left, right, bottom, "
                             f"top) with left != right and bottom != top")
        return e
    labels = source.labels
    rows, cols = shape
    left, right = labels.col_edges or (-0.5, cols - 0.5)
    top, bottom = labels.row_edges or (-0.5, rows - 0.5)
    return (left, right, bottom, top)


class HeatmapArtist(mimage.AxesImage):
    """A matplotlib image of a 2-D matrix that fastheat re-renders for the
    axes' current view limits and pixel size on every draw: zoomed and panned
    views show exact aggregates of the visible cells, never upscaled pixels.

    The norm is fitted once, on the whole matrix at the axes' size when the
    artist is made, so every view shares its colours; ``fig.colorbar(artist)``
    shows them with fastheat's colorbar ticks. Use :func:`fastheat.imshow` to
    make one and add it to an Axes.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    data : array-like, 2-D
        Anything fastheat reads (ndarray, memmap, zarr, h5py, dask, xarray, DataFrame).
    extent : (left, right, bottom, top), optional
        Data coordinates of the outer edges (default: imshow's, cell centres at
        integers; an xarray's evenly spaced coordinates).
    origin : {"upper", "lower"}
        Where row 0 goes, as in ``imshow``.
    interpolation, alpha, ... :
        matplotlib image keywords.
    **options
        fastheat's reading and colouring options (``cmap``, ``norm``, ``vmin``,
        ``vmax``, ``center``, ``robust``, ``reduce``, ``mask``, ...).
    """

    def __init__(self, ax, data, *, extent=None, origin="upper", interpolation="nearest",
                 alpha=None, fit_size=None, **options):
        options = split_render_options(options, "fastheat.imshow")
        if origin not in ("upper", "lower"):
            raise ValueError(f"origin={origin!r} must be 'upper' or 'lower'")
        data, source = open_matrix(data, "fastheat.imshow", "for a point table use "
                                   "fastheat.heatmap(table, x=..., y=...)")
        self._shape = tuple(source.shape)
        self._labels = source.labels
        full = _extent_of(source, self._shape, extent)
        if origin == "lower" and extent is None and source.labels.row_edges is None:
            full = (full[0], full[1], full[3], full[2])
        self._full = full
        super().__init__(ax, origin=origin, interpolation=interpolation, extent=full)
        if alpha is not None:
            self.set_alpha(alpha)
        w, h = fit_size or self._axes_pixels(ax)
        self._fit = Fitted(data, int(w), int(h), options)
        self.set_norm(FastheatNorm(self._fit.norm))
        cmap = matplotlib_cmap(self._fit.palette)
        codes = self._fit.raster.cell_codes
        n = self._fit.palette.N
        under, over = bool((codes == n).any()), bool((codes == n + 1).any())
        cmap.colorbar_extend = {(True, True): "both", (True, False): "min",
                                (False, True): "max"}.get((under, over), False)
        self.set_cmap(cmap)
        self.rendered = None  # the last RGBA drawn
        self.window = None  # (r0, r1, c0, c1) of the last render
        self._cells = None
        self._key = None
        self._A = np.zeros((1, 1, 4), np.uint8)

    @staticmethod
    def _axes_pixels(ax):
        box = ax.get_window_extent()
        return max(1, round(box.width)), max(1, round(box.height))

    # the data coordinates of matrix cell edges
    def _row_edges(self):
        left, right, bottom, top = self._full
        return (top, bottom) if self.origin == "upper" else (bottom, top)

    def view_window(self, magnification=1.0):
        """``(r0, r1, c0, c1, width, height, extent)``: the cells the current
        view limits touch, the pixels they span on the canvas and their
        extent; None when no cell is in view."""
        ax = self.axes
        left, right, _, _ = self._full
        e0, e1 = self._row_edges()
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        cols = cell_window(x0, x1, left, right, self._shape[1])
        rows = cell_window(y0, y1, e0, e1, self._shape[0])
        if cols is None or rows is None:
            return None
        (c0, c1), (r0, r1) = cols, rows
        dx, dy = (right - left) / self._shape[1], (e1 - e0) / self._shape[0]
        wl, wr = left + c0 * dx, left + c1 * dx
        wa, wb = e0 + r0 * dy, e0 + r1 * dy  # edge of row r0, of row r1
        corners = ax.transData.transform([(wl, wa), (wr, wb)])
        width = max(1, min(MAX_SIDE, round(abs(corners[1, 0] - corners[0, 0]) * magnification)))
        height = max(1, min(MAX_SIDE, round(abs(corners[1, 1] - corners[0, 1]) * magnification)))
        if self.origin == "upper":
            extent = (wl, wr, wb, wa)
        else:
            extent = (wl, wr, wa, wb)
        return r0, r1, c0, c1, width, height, extent

    def render_view(self, magnification=1.0):
        """Render the current view through fastheat (skipped when the window
        and pixel size did not change since the last draw)."""
        view = self.view_window(magnification)
        if view is None:
            self._A = np.zeros((1, 1, 4), np.uint8)
            self.rendered, self.window = self._A, None
            return
        r0, r1, c0, c1, width, height, extent = view
        key = (r0, r1, c0, c1, width, height)
        if key != self._key:
            raster = self._fit.window_raster(r0, r1, c0, c1, width, height)
            self.rendered = raster.rgba()
            self._cells = raster
            self._key = key
        self.window = (r0, r1, c0, c1)
        self._extent = extent
        self._A = self.rendered  # not set_data: that would mark the figure stale mid-draw
        self._imcache = None

    def make_image(self, renderer, magnification=1.0, unsampled=False):
        self.render_view(magnification)
        return super().make_image(renderer, magnification, unsampled)

    def get_extent(self):
        if self._extent is None or self.window is None:
            return self._full
        return self._extent

    def get_array(self):
        """The aggregated values of the last rendered view (pixel grid), for
        cursor read-outs; the full fit's before the first draw."""
        raster = self._cells if self._cells is not None else self._fit.raster
        return np.ma.masked_invalid(raster.values)

    def get_cursor_data(self, event):
        values = self.get_array()
        if self.window is None:
            return None
        x0, x1, y0, y1 = self.get_extent()
        arr = values if self.origin == "upper" else values[::-1]
        trans = self.get_transform().inverted()
        x, y = trans.transform([event.x, event.y])
        h, w = arr.shape
        j = int((x - x0) / (x1 - x0) * w)
        i = int((y - y1) / (y0 - y1) * h) if self.origin == "upper" else \
            int((y - y0) / (y1 - y0) * h)
        if self.origin == "lower":
            i = h - 1 - i
        if 0 <= i < h and 0 <= j < w:
            return arr[i, j]
        return None

    @property
    def fitted(self):
        """The fitted fastheat norm and palette, and the full raster they came from."""
        return self._fit


def imshow(ax, data, *, extent=None, origin="upper", aspect=None, interpolation="nearest",
           alpha=None, **options) -> HeatmapArtist:
    """Draw ``data`` into the matplotlib Axes ``ax`` as an image that fastheat
    re-renders for every view (zoom, pan, resize, savefig dpi).

    Like ``ax.imshow``: cell centres at integer positions (or ``extent=``, or
    an xarray's coordinates), ``origin``, ``aspect`` (default ``"equal"``, as
    imshow), ``alpha``; returns the :class:`HeatmapArtist`, so
    ``fig.colorbar(artist)`` works.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    data : array-like, 2-D
    extent, origin, interpolation, alpha :
        As for ``matplotlib.axes.Axes.imshow``.
    aspect : {"equal", "auto"} or float, optional
    **options
        fastheat's reading and colouring options (``cmap``, ``norm``, ...).

    Returns
    -------
    HeatmapArtist
    """
    artist = HeatmapArtist(ax, data, extent=extent, origin=origin, interpolation=interpolation,
                           alpha=alpha, **options)
    ax.add_image(artist)
    artist.set_extent(artist.get_extent())  # data limits and autoscaling, as imshow
    ax.set_aspect("equal" if aspect is None else aspect)
    labels = artist._labels
    if labels.col_name and not ax.get_xlabel():
        ax.set_xlabel(str(labels.col_name))
    if labels.row_name and not ax.get_ylabel():
        ax.set_ylabel(str(labels.row_name))
    return artist


# --------------------------------------------------------------------------- seaborn's layout

class CellLabels(mimage.martist.Artist):
    """Cell annotations drawn as matplotlib text outlines (``TextPath`` in the
    Axes' font), each distinct label stamped at all its cells in one
    ``draw_markers`` call: vectors in PDF/SVG, and thousands of labels drawn
    in the time matplotlib draws a few dozen ``Text`` artists."""

    def __init__(self, ax, x, y, texts, colors, *, size=None, prop=None):
        from matplotlib.font_manager import FontProperties

        super().__init__()
        self.axes = ax
        self.set_transform(ax.transData)
        self.prop = FontProperties(size=size) if prop is None else prop
        self.groups = {}
        for xi, yi, t, c in zip(np.asarray(x, float), np.asarray(y, float), texts, colors):
            self.groups.setdefault((t, c), []).append((xi, yi))
        self._paths = {}
        self.set_zorder(3)

    def _path(self, text):
        if text not in self._paths:
            p = _text_path(text, self.prop)
            self._paths[text] = p
        return self._paths[text]

    def draw(self, renderer):
        if not self.get_visible():
            return
        from matplotlib.path import Path
        from matplotlib.transforms import Affine2D

        renderer.open_group("fastheat-annotations", gid=self.get_gid())
        gc = renderer.new_gc()
        gc.set_linewidth(0)
        gc.set_antialiased(True)
        gc.set_clip_rectangle(self.axes.bbox)
        marker_trans = Affine2D().scale(renderer.points_to_pixels(1.0))
        for (text, color), xy in self.groups.items():
            if not text.strip():
                continue
            rgba = mcolors.to_rgba(color)
            gc.set_foreground(rgba, isRGBA=True)
            renderer.draw_markers(gc, self._path(text), marker_trans, Path(np.array(xy)),
                                  self.get_transform(), rgba)
        gc.restore()
        renderer.close_group("fastheat-annotations")
        self.stale = False


@functools.lru_cache(maxsize=4096)
def _text_path(text, prop):
    """The outline of ``text`` in ``prop`` (points), centred on its ink, as
    ``ha="center", va="center"`` place it (cached: a TextPath costs milliseconds)."""
    from matplotlib.path import Path
    from matplotlib.textpath import TextPath

    p = TextPath((0, 0), text, size=prop.get_size_in_points(), prop=prop)
    v = p.vertices
    if len(v):
        lo, hi = v.min(axis=0), v.max(axis=0)
        p = Path(v - (lo + hi) / 2, p.codes)
    return p


def _auto_ticks(ax, labels, axis):
    """seaborn's ``_auto_ticks``: every n-th label so that they fit the Axes'
    side at the tick label font size."""
    box = ax.get_window_extent().transformed(ax.figure.dpi_scale_trans.inverted())
    size = [box.width, box.height][axis]
    side = ax.xaxis if axis == 0 else ax.yaxis
    fontsize = _tick_font_points(side)
    max_ticks = int(size // (fontsize / 72))
    if max_ticks < 1:
        return [], []
    every = max(1, len(labels) // max_ticks + 1)
    idx = np.arange(len(labels))[::every]
    return (idx + 0.5).tolist(), [labels[i] for i in idx]


def _labels_overlap(ax, side, pos, texts, along):
    """Whether tick labels at ``pos`` (data coordinates) overlap: their
    widths in the tick label font against the spacing of neighbours; ``along``:
    the labels run along the axis (x labels unrotated, y labels vertical)."""
    if len(pos) < 2:
        return False
    from ..compose.text import load_font

    font = load_font(None, _tick_font_points(side) * ax.figure.dpi / 72)
    pts = np.asarray(pos, float)
    xy = np.column_stack([pts, np.zeros_like(pts)]) if side is ax.xaxis else \
        np.column_stack([np.zeros_like(pts), pts])
    disp = ax.transData.transform(xy)[:, 0 if side is ax.xaxis else 1]
    spacing = np.abs(np.diff(disp)).min()
    widths = [font.getlength(str(t)) for t in texts]
    return max(widths) > spacing


def _tick_labels(option, source_labels, n, name):
    """Tick positions (cell centres) and texts for seaborn's ``xticklabels=``
    / ``yticklabels=`` (``"auto"``, True, False, an int step or a list)."""
    from ..sources.base import format_labels

    texts = list(source_labels) if source_labels is not None else \
        format_labels(np.arange(n))
    if option is True:
        return (np.arange(n) + 0.5).tolist(), texts
    if isinstance(option, (int, np.integer)) and not isinstance(option, bool):
        if option < 1:
            raise ValueError(f"{name}={option!r} must be a step of at least 1, True, False, "
                             f"'auto' or a list of labels")
        idx = np.arange(n)[::int(option)]
        return (idx + 0.5).tolist(), [texts[i] for i in idx]
    if isinstance(option, str):
        if option != "auto":
            raise ValueError(f"{name}={option!r} must be 'auto', True, False, an int or a list "
                             f"of labels")
        return "auto", texts
    given = [str(t) for t in option]
    return (np.arange(len(given)) + 0.5).tolist(), given


def heatmap_on_axes(data, *, ax, annot=None, fmt=".2g", annot_kws=None, linewidths=0,
                    linecolor="white", cbar=True, cbar_kws=None, cbar_ax=None, square=False,
                    xticklabels="auto", yticklabels="auto", colorbar=None, **options):
    """``fastheat.heatmap(data, ax=ax, ...)``: seaborn's ``heatmap(data, ax=ax)``
    drawn through fastheat into ``ax``.

    The layout is seaborn's: cell ``(i, j)`` covers ``j..j+1`` x ``i..i+1``
    with row 0 on top, tick labels at cell centres (``"auto"``: every n-th so
    they fit), the DataFrame's index and column names as axis labels,
    annotations in seaborn's text colours, and the colorbar in its own axes
    taken from ``ax`` (``fig.colorbar``). The raster is a :class:`HeatmapArtist`,
    so zooming re-renders it; the keywords of ``sns.heatmap`` work as they are.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, as seaborn returns it.
    """
    if colorbar is not None:
        cbar = bool(colorbar)
    if options.get("cmap") is None:  # seaborn's default colormaps
        options["cmap"] = "rocket" if options.get("center") is None else "icefire"
    data, source = open_matrix(data, "heatmap(ax=...)",
                               "a point table needs x= and y= without ax=")
    nr, nc = source.shape
    options = split_render_options(options, "fastheat.heatmap(ax=...)")
    art = HeatmapArtist(ax, data, extent=(0, nc, nr, 0), origin="upper", **options)
    ax.add_image(art)
    ax.set_xlim(0, nc)
    ax.set_ylim(nr, 0)
    ax.set_aspect("equal" if square else "auto")
    for spine in ax.spines.values():
        spine.set_visible(False)
    if cbar:  # before the ticks: seaborn fits them to the axes the colorbar left
        cb = ax.figure.colorbar(art, cax=cbar_ax, ax=ax, **(cbar_kws or {}))
        cb.outline.set_linewidth(0)
        art.colorbar_ = cb
    labels = source.labels
    for axis, option, src, n, name in ((0, xticklabels, labels.cols, nc, "xticklabels"),
                                       (1, yticklabels, labels.rows, nr, "yticklabels")):
        side = ax.xaxis if axis == 0 else ax.yaxis
        if option is False:
            side.set_ticks([])
            continue
        pos, texts = _tick_labels(option, src, n, name)
        if pos == "auto":
            pos, texts = _auto_ticks(ax, texts, axis)
        side.set_ticks(pos, texts)
        # seaborn: x labels horizontal and y labels vertical, each turned when
        # they overlap (measured here with the same font instead of a draw)
        turn = _labels_overlap(ax, side, pos, texts, along=(axis == 0))
        rotation = ("vertical" if turn else "horizontal") if axis == 0 else \
            ("horizontal" if turn else "vertical")
        for t in side.get_ticklabels():
            t.set_rotation(rotation)
            if axis == 1:
                t.set_va("center")
        ax.tick_params(axis="y" if axis else "x", **({"left": False} if axis else
                                                   {"bottom": False}))
    if labels.col_name is not None:  # a DataFrame's columns and index names
        ax.set_xlabel(str(labels.col_name))
    if labels.row_name is not None:
        ax.set_ylabel(str(labels.row_name))
    if linewidths:
        ax.vlines(np.arange(1, nc), 0, nr, colors=linecolor, linewidths=linewidths, zorder=2)
        ax.hlines(np.arange(1, nr), 0, nc, colors=linecolor, linewidths=linewidths, zorder=2)
    if annot is not None and annot is not False:
        values = np.asarray(data, float)
        shown = values if annot is True else np.asarray(annot)
        if shown.shape != values.shape:
            raise ValueError(f"annot has shape {shown.shape} but the data has shape "
                             f"{values.shape}; pass True or an array of the data's shape")
        kws = dict(annot_kws or {})
        size = kws.pop("size", kws.pop("fontsize", None))
        color = kws.pop("color", kws.pop("c", None))
        if kws:
            raise TypeError(f"annot_kws keys {sorted(kws)} are not supported; use size "
                            f"and color")
        fit = art.fitted
        codes = fit.norm.encode(values, fit.palette.N)
        lum = relative_luminance(fit.palette.float_table)[codes.ravel()]  # seaborn's, per code
        colors = [color] * lum.size if color is not None else \
            np.where(lum > .408, ".15", "w").tolist()
        mask = options.get("mask")
        keep = np.isfinite(values.ravel())
        if mask is not None:
            keep &= ~np.asarray(mask, bool).ravel()
        if shown.dtype.kind in "OUS":
            texts = [str(v) for v in shown.ravel()]
        else:
            texts = [format(v, fmt) for v in shown.ravel().tolist()]
        ii, jj = np.divmod(np.arange(values.size), nc)
        k = np.flatnonzero(keep)
        ax.add_artist(CellLabels(ax, jj[k] + 0.5, ii[k] + 0.5, [texts[i] for i in k],
                                 [colors[i] for i in k], size=size))
    return ax
