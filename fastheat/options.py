"""Every keyword option of fastheat, declared once.

An option is a field of one frozen record below (:class:`Size`, :class:`Reading`,
:class:`Coloring`, :class:`Decor`, :class:`Encode`, and
:class:`fastheat.sources.points.Points`): its default, its documentation and its
command-line flag sit in the field. From these records come the public
functions' signatures and the Parameters sections of their docstrings
(:func:`public`), the CLI's flags (:mod:`fastheat.cli`) and the error for an
unknown keyword (:func:`split`), so a new option is one new field.

>>> split("heatmap", {"cbar": True})
Traceback (most recent call last):
...
TypeError: heatmap() got an unknown option 'cbar'; did you mean 'colorbar'?
"""
from __future__ import annotations

import inspect
from dataclasses import MISSING, dataclass, fields

import numpy as np

from ._fields import opt
from ._validate import is_number
from .color.colormaps import to_color
from .sources.points import Points


# --------------------------------------------------------------------------- records

_SIZE = """Raster size in pixels. Neither given: the longest side as for
square cells (large matrices shrink to 1000 px, small ones grow by a whole
factor into crisp blocks, others keep their size), the other side following
``aspect``; with tick labels or annotations drawn, sides then grow (up to
1000 px for labels, 3000 px for annotations) until every row and column has
room for its label (a line height and a gap) and every cell for its text at
``font_size``. One given: the other follows ``aspect`` (``"auto"``: the
proportions of the default size)."""


@dataclass(frozen=True)
class Size:
    """How big the raster is."""

    width: int | None = opt(None, _SIZE, type="int, optional", cli=dict(
        type=int, help="raster width in pixels (default: from the matrix)"))
    height: int | None = opt(None, _SIZE, type="int, optional", cli=dict(
        type=int, help="raster height in pixels (default: from the matrix)"))
    aspect: object = opt("auto", """Shape of the cells: ``"auto"`` (seaborn's
default) lets them stretch so that the short side of the raster is at least a
quarter of the long one (a 17 x 700 matrix is 187 x 700 px, not a 17-px
strip); ``"equal"`` keeps them square; a number is cell height / cell width, as
in matplotlib's ``imshow(aspect=)``.""", type='"auto", "equal" or float',
                         cli=dict(type="aspect", metavar="auto|equal|NUMBER",
                                  help="cell shape: auto (stretch), equal (square) or "
                                       "height/width"))
    square: bool = opt(False, """seaborn's ``square=True``: the same as
``aspect="equal"``.""", type="bool", cli=dict(action="store_true",
                                              help="square cells (--aspect equal)"))

    def __post_init__(self):
        from .aggregation.geometry import check_aspect

        if isinstance(self.aspect, (complex, np.complexfloating)) or (
                isinstance(self.aspect, int) and not isinstance(self.aspect, bool)
                and not is_number(self.aspect)):  # an int beyond the float range
            raise ValueError(f"aspect={self.aspect!r} must be a finite number > 0 (cell height "
                             f"/ cell width), 'auto' or 'equal'")
        aspect = check_aspect(self.aspect)
        if not isinstance(self.square, (bool, np.bool_)):
            raise TypeError(f"square={self.square!r} must be True or False")
        if self.square and aspect not in ("auto", "equal"):
            raise ValueError(f"square=True asks for square cells but aspect={aspect!r} asks "
                             f"for others; give one of them")
        object.__setattr__(self, "aspect", "equal" if self.square else aspect)
        object.__setattr__(self, "square", bool(self.square))


_COORDS = """Matrix cell coordinates (rectilinear grids, like
``pcolormesh(X, Y, C)``; not the point-table columns ``x``/``y``): 1-D,
increasing or decreasing, either ``n + 1`` cell edges or ``n`` cell centres
(edges half-way between them) for ``n`` columns (``ycoords``: rows). The raster is
then in data coordinates, each pixel an exact area-weighted combination of
the uneven cells it covers, and the axis ticks are at round data values.
xarray's uneven numeric coordinates are used so by default."""
_SCALE = """Scale of the columns' (``xscale``) or rows' (``yscale``) coordinates: ``"linear"``
(the default) or ``"log"`` (pixels equal in log space, as a spectrogram on
``ax.set_yscale("log")``; coordinates must be positive). Without
``xcoords``/``ycoords`` the coordinates are the cell indices + 1."""


@dataclass(frozen=True)
class Reading:
    """How input cells are read and combined into pixels."""

    reduce: str = opt("mean", """How input cells combine into a pixel: ``"mean"``,
``"sum"`` (area-weighted), ``"min"``, ``"max"``, ``"absmax"`` (value of largest
magnitude, sign kept), ``"std"`` (area-weighted, population), ``"count"`` (valid
cells touching the pixel) or ``"nearest"`` (the cell under the pixel centre).""",
                      type="str", cli=dict(choices="REDUCTIONS",
                                           help="how cells combine into a pixel"))
    mask: object = opt(None, """Same shape as ``data``; True cells are missing
(drawn in the bad colour, unannotated).""", type="array of bool, optional")
    progress: bool = opt(False, """Progress bar on stderr while an out-of-core or
distributed input (memmap, zarr, HDF5, dask, point table) is read.""", type="bool")
    implicit: str | None = opt(None, """Sparse input (scipy.sparse, cooler, AnnData):
what the cells that are not stored are. ``"zero"`` (the default): zeros, as
``toarray()`` gives, so a mean counts them and ``count`` counts every cell;
``"missing"``: only stored entries count (a mean over stored values; a pixel
with none is missing).""", type='{"zero", "missing"}, optional', cli=dict(
        choices=("zero", "missing"), help="sparse input: implicit cells are zeros (default) or "
                                          "missing (mean over stored entries only)"))
    balance: object = opt(None, """Cooler: ``True`` multiplies each pixel by its
bins' balancing weights (the ``weight`` column), as cooler's
``matrix(balance=True)``; a string names another weight column. Bins whose
weight is NaN are missing. Default: raw counts.""", type="bool or str, optional", cli=dict(
        action="store_true", help="cooler: balanced counts (the bins' weight column)"))
    region: object = opt(None, """Cooler: the part of the genome drawn, as cooler's
``fetch``: a chromosome ``"chr2"``, a range ``"chr2:10M-20M"`` (``k``/``M``/``G``
suffixes, commas allowed) or a ``(rows, columns)`` pair of them for an
off-diagonal block. Default: the whole genome.""", type="str or (str, str), optional",
                         cli=dict(help="cooler: chromosome or range, e.g. chr2:10M-20M"))
    resolution: int | None = opt(None, """Multi-resolution cooler (``.mcool``): the bin
size in bp to read (``file.mcool::resolutions/N`` says it in the URI).""",
                                 type="int, optional", cli=dict(
                                     type=int, help="mcool: bin size in bp to read"))
    layer: str | None = opt(None, """AnnData: the layer drawn instead of ``.X``
(``adata.layers[layer]``).""", type="str, optional", cli=dict(
        help="AnnData (.h5ad): layer to draw instead of X"))
    xcoords: object = opt(None, _COORDS,
                          type="array of float, optional", cli=dict(
                              type="numbers", help="matrix: column edges or centres "
                                                   "(comma-separated)"))
    ycoords: object = opt(None, _COORDS,
                          type="array of float, optional", cli=dict(
                              type="numbers", help="matrix: row edges or centres "
                                                   "(comma-separated)"))
    xscale: str | None = opt(None, _SCALE,
                             type='{"linear", "log"}, optional', cli=dict(
                                 choices=("linear", "log"), help="matrix: column axis scale"))
    yscale: str | None = opt(None, _SCALE,
                             type='{"linear", "log"}, optional', cli=dict(
                                 choices=("linear", "log"), help="matrix: row axis scale"))
    view: str = opt("matrix", """``"matrix"`` (the default) or ``"triangle"``: the
45°-rotated band around the diagonal of a square matrix, as HiGlass and
cooltools show Hi-C maps (diagonal along the bottom edge, ``depth`` bins up);
each pixel the exact ``reduce`` of the cells whose aggregate falls in it (see
:mod:`fastheat.aggregation.triangle`), pixels outside the band missing
(transparent). Square pixels unless ``aspect`` is a number or both ``width``
and ``height`` are given.""", type='{"matrix", "triangle"}', cli=dict(
        choices=("matrix", "triangle"), help="matrix, or triangle: the rotated diagonal band "
                                             "of a square matrix (Hi-C)"))
    depth: int | None = opt(None, """``view="triangle"``: the band's height in bins
(the largest ``j - i`` shown), 1 to the matrix size; default the whole upper
triangle.""", type="int, optional", cli=dict(
        type=int, help="--view triangle: band height in bins (default: the whole triangle)"))

    def __post_init__(self):
        if self.view is None:  # None: the default, as for the other options
            object.__setattr__(self, "view", "matrix")
        if not isinstance(self.view, str) or self.view != "matrix" or self.depth is not None:
            from .aggregation.triangle import check_view

            check_view(self.view, self.depth)  # before any data is read


@dataclass(frozen=True)
class Coloring:
    """How values become colours."""

    cmap: object = opt("viridis", """Colormap: a name from the cmap catalogue
(``"_r"`` reverses; colorcet's names such as ``"fire"``, ``"bmy"``,
``"glasbey"`` or ``"cet_fire"`` are colorcet's colormaps, exactly when colorcet
is installed), a list of colours, a ``cmap.Colormap`` or a matplotlib colormap
(which gives exactly matplotlib's bytes). A list of colours is a discrete
colormap, one band per colour, as seaborn and matplotlib's ``ListedColormap``
make it; for a gradient through them pass ``cmap.Colormap(colours)`` (or
``LinearSegmentedColormap.from_list("name", colours)``). A cooler input given
no ``cmap`` is drawn in cooltools' ``fall``, and given none of ``norm``, ``vmin``,
``vmax``, ``robust``, ``levels``, ``center`` with ``norm="log"`` from the 1st
percentile of the positive pixel values to the largest (Hi-C defaults).""",
                       type="str, list of colours, cmap.Colormap or matplotlib colormap",
                       cli=dict(help="colormap name from the cmap catalogue; '_r' reverses"))
    norm: object = opt("linear", """``"linear"``, ``"log"`` (non-positive values are
bad), ``"symlog"`` (``linthresh``, default 1% of the largest magnitude),
``"sqrt"``, ``"power"`` (``gamma``, default 0.5), ``"eq_hist"`` (histogram
equalization) or ``"twoslope"`` (``center``, default 0, gets the middle colour,
each side of it spread over half the colormap, like matplotlib's
``TwoSlopeNorm``). Or a matplotlib ``Normalize`` object (``LogNorm``,
``SymLogNorm``, ``PowerNorm``, ``TwoSlopeNorm``, ``CenteredNorm``,
``BoundaryNorm``, ...), which gives matplotlib's bytes for
``cmap(norm(data))``: a copy of it is used, its unset limits autoscale to the
finite values as ``imshow`` does, and NaN and +-inf are bad. Default range (where ``vmin``/``vmax`` are not given and
``robust`` is off): ``"log"`` spans the input's smallest positive value to its
largest and ``"symlog"`` its min to max, as matplotlib's ``imshow`` autoscales
on the whole matrix, gathered in the aggregation's one pass (pixels that
average a sliver of a cell with zeros fall below it: the under colour); with
``reduce="sum"`` log's bottom is the input's smallest positive value and its
top the largest sum; for ``count``, ``std`` and ``nearest``, and for the
other norms, the range is the aggregated values'. In every norm
+-inf are bad (missing), as in matplotlib.""",
                       type="str or matplotlib.colors.Normalize",
                       cli=dict(choices="NORMS", help="value scaling"))
    vmin: float | None = opt(None, """Data range mapped to the colormap ends;
default the aggregated values' range. Outside it: the under/over colours.""",
                             type="float, optional", cli=dict(
                                 type="number", help="value at the low end of the colormap"))
    vmax: float | None = opt(None, """Data range mapped to the colormap ends;
default the aggregated values' range. Outside it: the under/over colours.""",
                             type="float, optional", cli=dict(
                                 type="number", help="value at the high end of the colormap"))
    center: float | None = opt(None, """Value that gets the colormap's middle colour
(diverging colormaps), as in seaborn: the range stays ``vmin..vmax`` and the
colormap is resampled to the part of it that range covers when both sides of
``center`` advance at the same rate, so the colorbar shows that part. With a
non-linear norm the rate is the norm's (``"log"``: equal decades). With
``norm="twoslope"`` it is the norm's midpoint instead.""",
                                 type="float, optional", cli=dict(type="number"))
    robust: bool = opt(False, """Default range from the 2nd and 98th percentiles
instead of min/max.""", type="bool", cli=dict(action="store_true"))
    linthresh: float | None = opt(None, """Linear range around 0 of
``norm="symlog"``.""", type="float, optional", cli=dict(
        type="number", help="linear range around 0 for --norm symlog"))
    linscale: float | None = opt(None, """Length of the linear range of
``norm="symlog"`` relative to one decade (matplotlib's ``linscale``, default
1).""", type="float, optional", cli=dict(
        type="number", help="linear range's length in decades for --norm symlog (default 1)"))
    base: float | None = opt(None, """Logarithm base of ``norm="symlog"`` (default
10).""", type="float, optional", cli=dict(
        type="number", help="logarithm base for --norm symlog (default 10)"))
    gamma: float | None = opt(None, """Exponent of ``norm="power"`` (default
0.5).""", type="float, optional", cli=dict(
        type="number", help="exponent for --norm power (default 0.5)"))
    levels: object = opt(None, """Discrete colour bands (matplotlib's
``BoundaryNorm``, like ``contourf``'s ``levels``): a list of band edges, or a
number of bands with round edges (steps of 1, 2, 2.5 or 5 x 10^k) covering the
range (``vmin``/``vmax``/``robust``). Band ``i`` of ``K`` gets colour
``int(i * (N - 1) / (K - 1))`` of the colormap's ``N``; values below the
first edge are under, above the last over (the last edge itself is in the top
band). The colorbar shows one equal-length band each, with ticks at the edges.
Replaces ``norm``.""", type="int or sequence of float, optional",
                        cli=dict(type="levels", metavar="N|E0,E1,...",
                                 help="discrete bands: a number of them, or their edges"))
    origin: str = opt("upper", """Row 0 at the top (``"upper"``, like ``imshow``
and seaborn) or at the bottom (``"lower"``).""", type='{"upper", "lower"}', cli=dict(
        choices=("upper", "lower"), help="row 0 at the top (upper) or bottom (lower)"))
    bad: object = opt(None, "Colour for missing values (default: transparent).",
                      type="colour, optional", cli={})
    under: object = opt(None, "Colour below ``vmin`` (default: the lowest colormap colour).",
                        type="colour, optional", cli=dict(
                            help="colour below --vmin (default: lowest colormap colour)"))
    over: object = opt(None, "Colour above ``vmax`` (default: the highest colormap colour).",
                       type="colour, optional", cli=dict(
                           help="colour above --vmax (default: highest colormap colour)"))


_LABELS = """Text above the image and along the axes. A DataFrame's index and
column names are the default axis labels."""
_TICKS = """``"auto"`` (the default when anything else is drawn): indices at nice
steps, or a DataFrame's labels, thinned so they never overlap; ``True`` every
label (at most one per 2 px of the axis); an integer: every n-th; a list: one
label per column/row (or per
``xticks``/``yticks`` position); ``False``: none. ``"auto"`` packs labels as densely
as seaborn's, and x labels turn vertical when that shows more of them. On an axis in
data units (``extent``, an xarray's evenly spaced coordinates, a point table)
``"auto"`` puts ticks at round values instead, numbers in one style per axis."""
_TICKS_CLI = dict(type="ticks", metavar="auto|all|none|N")
_TICK_POSITIONS = """Tick positions, all shown, in data coordinates with
an ``extent`` (or an xarray's coordinates), else in matrix coordinates as seaborn's
(cell ``k`` spans ``k..k+1``: its centre is ``k + 0.5``). Labelled by
``xticklabels``/``yticklabels`` when that is a list of the same length, else by the
positions' values; e.g. chromosome names at their middles."""


#: Largest text size in px (``font_size`` or an annotation ``size``, times ``scale``).
MAX_FONT_PX = 4000
#: Longest number in a ``fmt`` spec (width, precision): longer ones make strings no cell holds.
MAX_FMT_DIGITS = 1000


@dataclass(frozen=True)
class Decor:
    """Everything drawn around and over the raster. Constructing it checks every
    field and converts colours to RGBA bytes and ``colorbar``/``grid`` to their
    option records (or None), so bad options fail before any data is read."""

    colorbar: object = opt(False, """``True``, a position (``"right"``, ``"left"``,
``"top"``, ``"bottom"``) or a dict of
:class:`fastheat.compose.options.ColorbarOptions` (``position``, ``length``,
``thickness``, ``label``, ``ticks``, ``format``, ``extend``, ``bad``,
``bad_label``). Ticks sit at nice values for every norm.""", type="bool, str or dict",
                           cli=dict(nargs="?", const="right", metavar="POSITION",
                                    choices=("right", "left", "top", "bottom", "none"),
                                    help="draw a colorbar: right (the default when no position "
                                         "is given), left, top, bottom, or none"))
    grid: object = opt(False, """Lines at the tick positions; a dict of ``color``,
``linestyle`` (``"-"``, ``"--"``, ``":"``, ``"-."``), ``linewidth`` (px) and
``alpha``.""", type="bool or dict", cli=dict(action="store_true",
                                             help="gridlines at the tick positions"))
    linewidths: float = opt(0, """Width in px of borders between cells (seaborn), in
``linecolor``; drawn only when cells are a few pixels or larger.""", type="float",
                            cli=dict(type="number", help="width in pixels of borders between "
                                     "cells (0: none)"))
    linecolor: object = opt("white", "Colour of the borders between cells.", type="colour",
                            cli={})
    title: str | None = opt(None, _LABELS, type="str, optional", cli=dict(
        help="title above the image"))
    xlabel: str | None = opt(None, _LABELS, type="str, optional", cli=dict(
        help="label under the x axis"))
    ylabel: str | None = opt(None, _LABELS, type="str, optional", cli=dict(
        help="label beside the y axis"))
    xticklabels: object = opt(None, _TICKS, type='bool, "auto", int or list', cli=dict(
        _TICKS_CLI, help="column tick labels: auto (thinned so they never overlap; the default "
                         "with overlays), all, none, or every N-th"))
    yticklabels: object = opt(None, _TICKS, type='bool, "auto", int or list', cli=dict(
        _TICKS_CLI, help="row tick labels: auto, all, none, or every N-th"))
    extent: tuple | None = opt(None, """``(x0, x1, y0, y1)``: the data coordinates
of the raster's left, right, bottom and top edges, as matplotlib's ``imshow``
(whatever the ``origin``, which only flips the rows). The default ticks are then
at round data values at their true positions, and ``xticks``/``yticks``/
``hlines``/``vlines`` are in data coordinates. An xarray's evenly spaced numeric
coordinates and a point table's window are such an axis by default.""",
                               type="(float, float, float, float), optional", cli=dict(
                                   nargs=4, type="number", metavar=("X0", "X1", "Y0", "Y1"),
                                   help="data coordinates of the raster's left, right, bottom "
                                        "and top edges: ticks at round values"))
    xticks: tuple | None = opt(None, _TICK_POSITIONS,
                               type="sequence of float, optional", cli=dict(
                                   type="numbers", metavar="POS,POS,...",
                                   help="x tick positions (matrix or --extent coordinates)"))
    yticks: tuple | None = opt(None, _TICK_POSITIONS,
                               type="sequence of float, optional", cli=dict(
                                   type="numbers", metavar="POS,POS,...",
                                   help="y tick positions (matrix or --extent coordinates)"))
    hlines: tuple | None = opt(None, """Lines across the raster at these positions (in
the coordinates of ``xticks``/``yticks``: ``hlines=[250]`` between rows 249 and
250, like seaborn users' ``ax.axhline(250)``), e.g. domain or chromosome edges;
styled by ``line_kws``.""", type="sequence of float, optional", cli=dict(
        type="numbers", metavar="POS,POS,...", help="horizontal lines at these y positions"))
    vlines: tuple | None = opt(None, """Lines across the raster at these positions (in
the coordinates of ``xticks``/``yticks``: ``hlines=[250]`` between rows 249 and
250, like seaborn users' ``ax.axhline(250)``), e.g. domain or chromosome edges;
styled by ``line_kws``.""", type="sequence of float, optional", cli=dict(
        type="numbers", metavar="POS,POS,...", help="vertical lines at these x positions"))
    line_kws: object = opt(None, """Style of ``hlines``/``vlines``: a dict of
``color`` (default black), ``linestyle``, ``linewidth`` (px) and ``alpha``, as
``grid``.""", type="dict, optional", cli=dict(
        type="mapping", help="style of --hlines/--vlines, e.g. color=white,linewidth=2"))
    annot: object = opt(False, """``True`` writes each cell's value (of the aggregated
grid) with ``fmt``; an array of the data's shape gives other values or strings;
``"auto"`` annotates only if the text fits, silently. Text is dark on light cells
and light on dark ones. With no size given the raster grows until every cell
holds its text at ``font_size``; with a size given the font shrinks to fit the
smallest cell, and if the text still does not fit no cell is annotated (never
some of them), with an ``AnnotationWarning``.""", type='bool, "auto" or array',
                        cli=dict(action="store_true", help="write each cell's value in it "
                                 "(none when the text cannot fit)"))
    annot_kws: object = opt(None, """seaborn's text options of the annotations, a
dict: ``size`` (or ``fontsize``, px at scale 1; default ``font_size``), ``color``
(one colour for all cells instead of dark on light and light on dark) and
``weight`` (or ``fontweight``: ``"normal"`` or ``"bold"``).""", type="dict, optional",
                            cli=dict(type="mapping", help="annotation text options, e.g. "
                                     "size=8,color=white,weight=bold"))
    fmt: str = opt(".2g", """Format spec for annotations: ``".2g"``, ``".2f"``, ``"d"``,
``".1%"``...""", type="str", cli=dict(help="format spec of --annot values, e.g. .2f, d, .1%%"))
    font_size: float = opt(12, """Text size in px at scale 1 (title 1.25x); ``font_size``
x ``scale`` at most 4000.""", type="float",
                           cli=dict(type="number"))
    font: object = opt(None, """Path of a TrueType/OpenType font, or a Pillow
``FreeTypeFont``; default DejaVu Sans (bundled). Characters the font lacks are
drawn from DejaVu Sans or a system font that has them (CJK: e.g. Debian's
``fonts-wqy-microhei``), never as boxes.""", type="str or FreeTypeFont, optional",
                       cli=dict(help="path of a TrueType/OpenType font (default: DejaVu Sans, "
                                "bundled; missing characters come from system fonts)"))
    background: object = opt(None, """Canvas colour: white when there are overlays,
transparent for a bare raster; ``"none"`` for transparent.""", type="colour, optional",
                             cli={})
    scale: float = opt(1, """Multiplies everything, raster size included, for
high-DPI output (2: twice the size).""", type="float", cli=dict(type="number"))

    def __post_init__(self):
        set_ = _setter(self)
        if not is_number(self.linewidths) or self.linewidths < 0:
            raise ValueError(f"linewidths={self.linewidths!r} must be a number of pixels >= 0 "
                             f"(0: no cell borders)")
        if not is_number(self.font_size) or self.font_size <= 0:
            raise ValueError(f"font_size={self.font_size!r} must be a positive number of pixels")
        if not is_number(self.scale) or not 0 < self.scale <= 64:
            raise ValueError(f"scale={self.scale!r} must be a number > 0 and <= 64 (2 for a "
                             f"high-DPI image twice the size)")
        if self.font_size * self.scale > MAX_FONT_PX:  # FreeType's own limit is not far above
            raise ValueError(f"font_size={self.font_size!r} at scale={self.scale!r} is "
                             f"{self.font_size * self.scale:g} px; text is at most {MAX_FONT_PX} "
                             f"px (font_size x scale)")
        if not isinstance(self.fmt, str):
            raise TypeError(f"fmt={self.fmt!r} must be a format spec string such as '.2f', "
                            f"'.2g', 'd' or '.1%'")
        for name in ("title", "xlabel", "ylabel"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, str):
                raise TypeError(f"{name}={v!r} must be a string or None")
        set_("annot", _annot_option(self.annot))
        set_("annot_kws", _annot_kws(self.annot_kws))
        if self.annot_kws.size is not None and self.annot_kws.size * self.scale > MAX_FONT_PX:
            raise ValueError(f"annot_kws size={self.annot_kws.size!r} at scale={self.scale!r} "
                             f"is {self.annot_kws.size * self.scale:g} px; text is at most "
                             f"{MAX_FONT_PX} px (size x scale)")
        # compose's modules load only when something may be drawn: a bare
        # raster's defaults need none of them
        if self.colorbar not in (None, False) or self.grid not in (None, False):
            from .compose.options import ColorbarOptions, GridOptions

            set_("colorbar", ColorbarOptions.parse(self.colorbar))
            set_("grid", GridOptions.parse(self.grid))
        else:
            set_("colorbar", None)
            set_("grid", None)
        set_("linewidths", float(self.linewidths))
        set_("linecolor", _frozen(to_color(self.linecolor, "linecolor")))
        for name in ("xticklabels", "yticklabels"):
            value = getattr(self, name)
            if value is not None:  # None: the default, nothing to check
                from .compose.options import _ticks_option

                set_(name, _ticks_option(name, value))
        if self.extent is not None:
            set_("extent", _positions("extent", self.extent, 4))
            x0, x1, y0, y1 = self.extent
            if x0 == x1 or y0 == y1:
                raise ValueError(f"extent={self.extent!r} has x0 == x1 or y0 == y1; the edges "
                                 f"(x0, x1, y0, y1) must differ")
        for name in ("xticks", "yticks", "hlines", "vlines"):
            if getattr(self, name) is not None:
                set_(name, _positions(name, getattr(self, name)))
        if self.hlines or self.vlines or self.line_kws is not None:
            from .compose.options import GridOptions

            kws = {} if self.line_kws is None else self.line_kws
            set_("line_kws", GridOptions.parse({"color": "black", **kws}
                                               if isinstance(kws, dict) else kws, "line_kws"))
        set_("font_size", float(self.font_size))
        set_("background", None if self.background is None else
             _frozen(_background(self.background)))
        set_("scale", float(self.scale))
        if self.font is not None or self.decorated:
            from .compose.text import load_font

            load_font(self.font, 12)  # fails now on a missing font file
        values = self.annot.dtype.kind in "biuf" if isinstance(self.annot, np.ndarray) else \
            self.annot is not False
        if values:  # numbers will be formatted: fail now on a bad fmt
            _check_fmt(self.fmt)

    @property
    def decorated(self):
        """True when something is drawn besides the raster (ticks then default on)."""
        return bool(self.colorbar or self.grid or self.linewidths > 0 or self.title
                    or self.xlabel or self.ylabel or self.xticklabels not in (None, False)
                    or self.yticklabels not in (None, False)
                    or self.extent is not None or self.xticks is not None
                    or self.yticks is not None or bool(self.hlines) or bool(self.vlines)
                    or isinstance(self.annot, np.ndarray) or self.annot)

    @property
    def active(self):
        """True when the result differs from the bare raster image."""
        return self.decorated or self.background is not None

    def px(self, v, minimum=1):
        """``v`` pixels at scale 1, scaled and rounded, at least ``minimum``."""
        return max(minimum, int(round(v * self.scale)))


def _setter(record):
    """Setter of a frozen record's fields, for its own ``__post_init__``."""
    return lambda name, value: object.__setattr__(record, name, value)


def _frozen(array):
    array.flags.writeable = False  # records are shared (a default one between calls)
    return array


def _positions(name, value, count=None):
    """A sequence of finite numbers (``count`` of them) as a tuple of floats."""
    try:
        items = np.ravel(np.asarray(value, dtype=object)).tolist()
    except (TypeError, ValueError):
        items = None
    # each a real number within the float range (not a complex, bool or huge int)
    out = tuple(float(v) for v in items) if items is not None and all(map(is_number, items)) \
        else None
    want = f"{count} numbers (x0, x1, y0, y1)" if count else "a sequence of numbers"
    if out is None or isinstance(value, (str, bytes)) or not all(map(np.isfinite, out)) \
            or (count and len(out) != count):
        raise ValueError(f"{name}={value!r} must be {want}, all finite")
    return out


def _annot_option(annot):
    if isinstance(annot, str) and annot != "auto":
        raise ValueError(f"annot={annot!r} is not allowed; use True, False, 'auto' "
                         f"(annotate only if the text fits, silently) or an array of the "
                         f"data's shape")
    if annot is None:
        return False
    if not isinstance(annot, (bool, np.bool_, str)):
        annot = np.asarray(annot)
        if annot.ndim != 2:
            raise ValueError(f"annot must be True, False, 'auto' or a 2-D array of the "
                             f"data's shape; got an array of shape {annot.shape}")
        return annot
    return annot if annot == "auto" else bool(annot)


@dataclass(frozen=True)
class AnnotKws:
    """``annot_kws`` checked: the annotations' size (None: ``font_size``),
    colour (None: by cell luminance) and boldness."""

    size: float | None = None
    color: object = None
    bold: bool = False


_ANNOT_KWS = {"size": "size", "fontsize": "size", "color": "color", "c": "color",
              "weight": "weight", "fontweight": "weight"}


def _annot_kws(value):
    if value is None or isinstance(value, AnnotKws):
        return value or AnnotKws()
    if not isinstance(value, dict):
        raise TypeError(f"annot_kws={value!r} must be a dict with keys size, color, weight")
    unknown = sorted(set(value) - set(_ANNOT_KWS))
    if unknown:
        raise TypeError(f"annot_kws got unknown key(s) {', '.join(map(repr, unknown))}; "
                        f"allowed are {', '.join(_ANNOT_KWS)}")
    kws = {_ANNOT_KWS[k]: v for k, v in value.items()}
    size, weight = kws.get("size"), kws.get("weight", "normal")
    if size is not None and not (is_number(size) and size > 0):
        raise ValueError(f"annot_kws size={size!r} must be a positive number of pixels")
    if weight not in ("normal", "bold"):
        raise ValueError(f"annot_kws weight={weight!r} must be 'normal' or 'bold'")
    color = kws.get("color")
    return AnnotKws(None if size is None else float(size),
                    None if color is None else _frozen(to_color(color, "annot_kws color")),
                    weight == "bold")


def _background(value):
    if isinstance(value, str) and value.lower() in ("none", "transparent"):
        return np.zeros(4, np.uint8)
    return to_color(value, "background")


def _check_fmt(fmt):
    from .compose.annotate import _INT_TYPES

    import re

    if max(map(int, re.findall(r"\d+", fmt)), default=0) > MAX_FMT_DIGITS:
        raise ValueError(f"fmt={fmt!r} asks for more than {MAX_FMT_DIGITS} characters or "
                         f"digits; use a format spec such as '.2g', '.2f', 'd' or '.1%'")
    kind = fmt[-1:]
    probe = 1 if kind in _INT_TYPES else 1.5
    try:
        ("{:" + fmt + "}").format(probe)
    except (ValueError, TypeError, IndexError, KeyError, OverflowError) as e:
        raise ValueError(f"fmt={fmt!r} cannot format numbers ({e}); use a format spec such as "
                         f"'.2g', '.2f', 'd' (whole numbers) or '.1%'") from None


@dataclass(frozen=True)
class Encode:
    """How the image is written. Options left at None are the encoder's defaults;
    any given one goes to Pillow's ``Image.save`` as it is (a PNG with none is
    written by fastheat's own, faster writer)."""

    format: str | None = opt(None, """Image format when the path's suffix does not
say: ``"png"``, ``"jpeg"``, ``"webp"`` or ``"tiff"``.""", type="str, optional", cli=dict(
        help="image format when the suffix does not say (png, jpeg, webp, tiff)"))
    quality: int | None = opt(None, "JPEG and WebP quality, 0-100 (default 90).",
                              type="int, optional", cli=dict(type=int))
    subsampling: object = opt(None, "JPEG chroma subsampling: 0 (4:4:4), 1 (4:2:2) or 2 (4:2:0).",
                              type="int or str, optional")
    optimize: bool | None = opt(None, "JPEG/PNG: spend longer for a smaller file.",
                                type="bool, optional")
    progressive: bool | None = opt(None, "JPEG: write a progressive file.",
                                   type="bool, optional")
    lossless: bool | None = opt(None, "WebP: lossless compression.", type="bool, optional")
    method: int | None = opt(None, "WebP: speed/size trade-off, 0 (fast) to 6 (small).",
                             type="int, optional")
    compression: str | None = opt(None, """TIFF compression, e.g. ``"tiff_deflate"``
(default), ``"tiff_lzw"``, ``"raw"``.""", type="str, optional")
    compress_level: int | None = opt(None, "PNG zlib level 0-9 (through Pillow's encoder).",
                                     type="int, optional")
    dpi: tuple | None = opt(None, "Resolution stored in the file, ``(x, y)`` dots per inch.",
                            type="(float, float), optional")

    def params(self) -> dict:
        """The encoder options given (all but ``format``)."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name != "format" and getattr(self, f.name) is not None}


# --------------------------------------------------------------------------- router

#: The option records each public function takes, in documentation order.
FUNCTIONS = {
    "aggregate": (Size, Reading, Points),
    "to_rgba": (Size, Coloring, Reading, Points),
    "heatmap": (Size, Coloring, Reading, Points, Decor),
    "save": (Size, Coloring, Reading, Points, Decor, Encode),
}
FUNCTIONS["rasterize"] = FUNCTIONS["to_rgba"]
RECORDS = {cls.__name__.lower(): cls for cls in (Size, Reading, Coloring, Points, Decor, Encode)}
#: Where each keyword goes: name -> record class.
OWNER = {f.name: cls for cls in RECORDS.values() for f in fields(cls)}

#: Pointed hints for names users bring from seaborn, matplotlib and plotly.
HINTS = {
    "cbar": "did you mean 'colorbar'?",
    "cbar_kws": "seaborn's cbar_kws is colorbar= with a dict here, e.g. "
                "colorbar={'label': 'counts', 'position': 'bottom'}",
    "cbar_ax": "the colorbar is drawn beside the raster here; place it with "
               "colorbar='right', 'left', 'top' or 'bottom'",
    "zmin": "did you mean 'vmin'?",
    "zmax": "did you mean 'vmax'?",
    "zmid": "did you mean 'center'?",
    "vcenter": "did you mean 'center'?",
    "color_continuous_scale": "did you mean 'cmap'?",
    "colorscale": "did you mean 'cmap'?",
    "interpolation": "fastheat always aggregates with exact area weights (choose how with "
                     "reduce=) and shows upsampled cells as crisp blocks",
    "linewidth": "did you mean 'linewidths'?",
}


@dataclass(frozen=True)
class Options:
    """The records of one call, each keyword in its record."""

    size: Size
    coloring: Coloring
    reading: Reading
    points: Points
    decor: Decor | None = None
    encode: Encode | None = None
    #: The keywords given with a value (not None, not False): sources' own
    #: defaults (a cooler's Hi-C colours) apply only where nothing was given.
    given: frozenset = frozenset()


#: Field names of each record, and the keywords each function takes (made once:
#: ``split`` runs on every call).
_NAMES = {cls: tuple(f.name for f in fields(cls)) for cls in RECORDS.values()}
_TAKES = {fn: frozenset(n for cls in recs for n in _NAMES[cls]) for fn, recs in FUNCTIONS.items()}
_DEFAULTS = {}  # record class -> its default instance (records are immutable)


def split(function: str, kwargs: dict) -> Options:
    """Send each keyword of a call of ``function`` to its record; an unknown
    keyword raises a TypeError naming ``function`` with the closest option."""
    takes = _TAKES[function]
    for name in kwargs:
        if name not in takes:
            raise TypeError(unknown(function, name))
    made = {}
    for cls in FUNCTIONS[function]:
        given = {n: kwargs[n] for n in _NAMES[cls] if n in kwargs}
        made[cls.__name__.lower()] = cls(**given) if given else _default(cls)
    made.setdefault("coloring", _default(Coloring))  # aggregate() takes none
    given = frozenset(n for n, v in kwargs.items() if v is not None and v is not False)
    return Options(**made, given=given)


def _default(cls):
    """The default record of ``cls``, made once."""
    if cls not in _DEFAULTS:
        _DEFAULTS[cls] = cls()
    return _DEFAULTS[cls]


def unknown(function: str, name: str) -> str:
    """The message for keyword ``name`` that ``function`` does not take."""
    ours = [f.name for cls in FUNCTIONS[function] for f in fields(cls)]
    head = f"{function}() got an unknown option {name!r}; "
    if name in HINTS:
        return head + HINTS[name]
    if name in OWNER:
        takers = [f"{fn}()" for fn, recs in FUNCTIONS.items()
                  if OWNER[name] in recs and fn != "rasterize"]
        names = ", ".join(takers[:-1]) + " and " + takers[-1] if len(takers) > 1 else takers[0]
        return head + f"it is an option of {names}"
    import difflib  # the error path only: not at start-up

    close = difflib.get_close_matches(name, ours, n=1, cutoff=0.6) or \
        difflib.get_close_matches(name, list(OWNER), n=1, cutoff=0.6)
    if close:
        return head + f"did you mean {close[0]!r}?"
    return head + "its options are " + ", ".join(ours)


def public(function: str, *leading: str):
    """Decorator: give ``function`` the signature of its records (``leading``
    positional parameters, then every option keyword-only with its default) and
    fill the ``{options}`` placeholder of its docstring with their numpydoc
    Parameters entries."""
    def wrap(fn):
        params = [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in leading]
        params += [inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default)
                   for cls in FUNCTIONS[function] for f in fields(cls)]
        fn.__signature__ = inspect.Signature(params, return_annotation=inspect.signature(
            fn).return_annotation)
        if fn.__doc__ and "{options}" in fn.__doc__:
            fn.__doc__ = fn.__doc__.replace("{options}", parameters_doc(FUNCTIONS[function]))
        return fn
    return wrap


def parameters_doc(records, indent="    "):
    """numpydoc entries of the records' fields, one per distinct ``doc`` (fields
    sharing it are listed together: ``width, height : int, optional``)."""
    groups = {}
    for cls in records:
        for f in fields(cls):
            groups.setdefault(id(f.metadata["doc"]), []).append(f)
    out = []
    for group in groups.values():
        names = ", ".join(f.name for f in group)
        kind, value = group[0].metadata["type"], group[0].default
        if value is not None and value is not False and len(group) == 1:
            kind += f", default {value!r}"
        out.append(f"{indent}{names} : {kind}")
        out += wrap_words(group[0].metadata["doc"].split(), 80, indent * 2)
    return "\n".join(out).lstrip()


def wrap_words(words, width, indent):
    """Lines of ``indent`` + ``words`` filled greedily to ``width`` columns (a
    word longer than a line gets a line of its own): ``textwrap.wrap`` of the
    words without hyphen breaks, at a tenth of its cost, which every import of
    the API paid for its docstrings."""
    lines, line = [], indent
    for word in words:
        if line != indent and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = indent
        line += word if line == indent else " " + word
    if line != indent:
        lines.append(line)
    return lines
