"""Compose stage: a rendered :class:`~fastheat.render.Raster` -> the final image
with margins, colorbar, ticks, labels, title, gridlines, cell borders and
annotations.

The raster is copied into the canvas colour by colour (its colour table
composited over the background once), never resampled: every raster pixel of
the result is the raster's own colour, except where a gridline, cell border or
annotation is drawn over it on purpose. Layout works in raster coordinates
(the raster's top-left corner is ``(0, 0)``); every element adds a box, and the
canvas is the union of the boxes plus a margin, so nothing is clipped.

The canvas is one ``(H, W, 3 or 4)`` uint8 numpy array, never copied whole:
numba kernels paint the raster into it (straight from the cell codes), fill
rects (ticks, frames, solid lines) and blend text masks; Pillow draws only
what it alone can (polygons, rotated text, text in fonts with shaping or
kerning) on small images of the margins. :func:`fastheat.save` encodes the
array directly; :func:`fastheat.heatmap` makes it a Pillow image once.
"""
from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass, field, fields

import numpy as np

from . import overlays as ov
from ..aggregation.fold import centre_cells
from ..color.colormaps import to_color

POSITIONS = ("right", "left", "top", "bottom")
EXTENDS = ("auto", "neither", "both", "min", "max")
TICK_MODES = "True, False, 'auto', a positive integer step, or a list of labels"

# Sizes in pixels at scale=1.
MARGIN = 8
TICK_LENGTH = 4
TICK_GAP = 3
LABEL_GAP = 6
TITLE_RATIO = 1.25


# --------------------------------------------------------------------------- options

@dataclass(frozen=True)
class ColorbarOptions:
    """Options for ``colorbar=`` (pass a dict with these keys, or this object).

    Parameters
    ----------
    position : {"right", "left", "top", "bottom"}
    length : float
        Fraction of the raster side the colorbar spans (0 < length <= 1).
    thickness : int, optional
        Pixels at scale 1; default 1/20 of the length, between 12 and 24.
    label : str, optional
        Text along the bar; default the source's name (e.g. an xarray name).
    ticks : sequence of float, optional
        Tick values; default nice numbers for the norm.
    format : str or callable, optional
        Tick label format spec (``".1f"``, ``".0%"``), ``"{}"`` template or callable.
    extend : {"auto", "neither", "both", "min", "max"}
        Triangles for the under/over colours; ``"auto"``: where the image has
        values outside vmin..vmax.
    bad : {"auto", True, False}
        A swatch for the bad colour; ``"auto"``: when the image has bad cells.
    bad_label : str
        Text beside the bad swatch.
    """

    position: str = "right"
    length: float = 1.0
    thickness: int | None = None
    label: str | None = None
    ticks: tuple | None = None
    format: object = None
    extend: str = "auto"
    bad: object = "auto"
    bad_label: str = "missing"

    def __post_init__(self):
        if self.position not in POSITIONS:
            raise ValueError(f"colorbar position={self.position!r} is not a position; choose "
                             + ", ".join(map(repr, POSITIONS)))
        if not (_is_number(self.length) and 0 < self.length <= 1):
            raise ValueError(f"colorbar length={self.length!r} must be a fraction of the "
                             f"raster side, 0 < length <= 1")
        if self.thickness is not None and not (_is_number(self.thickness) and self.thickness >= 1):
            raise ValueError(f"colorbar thickness={self.thickness!r} must be a number of "
                             f"pixels >= 1")
        if self.extend not in EXTENDS:
            raise ValueError(f"colorbar extend={self.extend!r} is not allowed; choose "
                             + ", ".join(map(repr, EXTENDS)))
        if self.bad not in ("auto", True, False):
            raise ValueError(f"colorbar bad={self.bad!r} must be 'auto', True or False")
        if self.format is not None and not (callable(self.format) or isinstance(self.format, str)):
            raise TypeError(f"colorbar format={self.format!r} must be a format spec such as "
                            f"'.1f', a '{{}}' template or a callable")
        if isinstance(self.format, str):
            try:
                ov.format_with(self.format, [1.5])
            except (ValueError, TypeError, IndexError, KeyError) as e:
                raise ValueError(f"colorbar format={self.format!r} cannot format numbers "
                                 f"({e}); use a spec such as '.2f' or '.0%'") from None
        if self.ticks is not None:
            try:
                ticks = tuple(float(t) for t in np.ravel(self.ticks))
            except (TypeError, ValueError):
                raise TypeError(f"colorbar ticks={self.ticks!r} must be a sequence of "
                                f"numbers") from None
            object.__setattr__(self, "ticks", ticks)

    @classmethod
    def parse(cls, value):
        """``True``, a position name, a dict of options or a ColorbarOptions ->
        ColorbarOptions; ``False``/``None`` -> None."""
        if isinstance(value, str):
            return cls(position=value)
        return _parse_options(cls, "colorbar", value, f"True/False, a position "
                              f"({', '.join(POSITIONS)}) or a dict of colorbar options")


@dataclass(frozen=True)
class GridOptions:
    """Options for ``grid=`` (a dict with these keys, or this object): lines at
    the tick positions, like ``plt.grid(color="gray", linestyle="--")``.

    ``linewidth`` is in pixels at scale 1; ``linestyle`` one of ``"-"``,
    ``"--"``, ``":"``, ``"-."`` (or their names); ``alpha`` in 0..1.
    """

    color: object = "#b0b0b0"
    linestyle: str = "-"
    linewidth: float = 1.0
    alpha: float = 1.0

    def __post_init__(self):
        if not isinstance(self.linestyle, str) or self.linestyle not in ov.LINESTYLES:
            raise ValueError(f"grid linestyle={self.linestyle!r} is not a line style; choose "
                             + ", ".join(map(repr, ov.LINESTYLES)))
        if not (_is_number(self.linewidth) and self.linewidth > 0):
            raise ValueError(f"grid linewidth={self.linewidth!r} must be a positive number of "
                             f"pixels")
        if not (_is_number(self.alpha) and 0 <= self.alpha <= 1):
            raise ValueError(f"grid alpha={self.alpha!r} must be between 0 and 1")
        to_color(self.color, "grid color")

    @classmethod
    def parse(cls, value):
        return _parse_options(cls, "grid", value, "True/False or a dict with keys color, "
                              "linestyle, linewidth, alpha",
                              aliases={"ls": "linestyle", "lw": "linewidth", "c": "color"})


def _parse_options(cls, name, value, expected, aliases=None):
    """An option given as ``True`` (defaults), ``False``/``None`` (off), an
    instance of ``cls`` or a dict of its fields (matplotlib's short names in
    ``aliases`` allowed) -> an instance or None."""
    if value is None or value is False:
        return None
    if value is True:
        return cls()
    if isinstance(value, cls):
        return value
    if isinstance(value, dict):
        value = dict(value)
        for alias, key in (aliases or {}).items():
            if alias in value:
                value[key] = value.pop(alias)
        return cls(**_known(name, value, cls))
    raise TypeError(f"{name}={value!r} must be {expected}")


def _known(name, options, cls):
    allowed = [f.name for f in fields(cls)]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"{name} got unknown option(s) {', '.join(map(repr, unknown))}; "
                        f"allowed are {', '.join(allowed)}")
    return options


def _is_number(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)


def _ticks_option(name, value):
    if value is None or value is False or value is True or value == "auto":
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if value < 1:
            raise ValueError(f"{name}={value!r}: an integer step must be >= 1; allowed are "
                             f"{TICK_MODES}")
        return int(value)
    if isinstance(value, str):
        raise ValueError(f"{name}={value!r} is not allowed; use {TICK_MODES}")
    try:
        labels = list(value)
    except TypeError:
        raise TypeError(f"{name}={value!r} is not allowed; use {TICK_MODES}") from None
    return labels


@dataclass
class Decor:
    """Everything drawn around and over the raster, validated. Build it with
    :meth:`from_options` before rendering so bad options fail fast."""

    colorbar: ColorbarOptions | None = None
    grid: GridOptions | None = None
    linewidths: float = 0.0
    linecolor: np.ndarray = field(default_factory=lambda: to_color("white"))
    title: str | None = None
    xlabel: str | None = None
    ylabel: str | None = None
    xticklabels: object = None
    yticklabels: object = None
    annot: object = False
    fmt: str = ".2g"
    font_size: float = 12
    font: object = None
    background: np.ndarray | None = None
    scale: float = 1.0

    @classmethod
    def from_options(cls, *, colorbar=False, grid=False, linewidths=0, linecolor="white",
                     title=None, xlabel=None, ylabel=None, xticklabels=None, yticklabels=None,
                     annot=False, fmt=".2g", font_size=12, font=None, background=None, scale=1):
        if not _is_number(linewidths) or linewidths < 0:
            raise ValueError(f"linewidths={linewidths!r} must be a number of pixels >= 0 "
                             f"(0: no cell borders)")
        if not _is_number(font_size) or font_size <= 0:
            raise ValueError(f"font_size={font_size!r} must be a positive number of pixels")
        if not _is_number(scale) or not 0 < scale <= 64:
            raise ValueError(f"scale={scale!r} must be a number > 0 and <= 64 (2 for a "
                             f"high-DPI image twice the size)")
        if not isinstance(fmt, str):
            raise TypeError(f"fmt={fmt!r} must be a format spec string such as '.2f', '.2g', "
                            f"'d' or '.1%'")
        for name, v in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
            if v is not None and not isinstance(v, str):
                raise TypeError(f"{name}={v!r} must be a string or None")
        if isinstance(annot, str) and annot != "auto":
            raise ValueError(f"annot={annot!r} is not allowed; use True, False, 'auto' "
                             f"(annotate only if the text fits, silently) or an array of the "
                             f"data's shape")
        if annot is not None and not isinstance(annot, (bool, np.bool_, str)):
            annot = np.asarray(annot)
            if annot.ndim != 2:
                raise ValueError(f"annot must be True, False, 'auto' or a 2-D array of the "
                                 f"data's shape; got an array of shape {annot.shape}")
        elif annot is None:
            annot = False
        d = cls(colorbar=ColorbarOptions.parse(colorbar), grid=GridOptions.parse(grid),
                linewidths=float(linewidths), linecolor=to_color(linecolor, "linecolor"),
                title=title, xlabel=xlabel, ylabel=ylabel,
                xticklabels=_ticks_option("xticklabels", xticklabels),
                yticklabels=_ticks_option("yticklabels", yticklabels),
                annot=annot if isinstance(annot, np.ndarray) else
                (annot if annot == "auto" else bool(annot)),
                fmt=fmt, font_size=float(font_size), font=font,
                background=None if background is None else _background(background),
                scale=float(scale))
        ov.load_font(font, 12)  # fails now on a missing font file
        values = d.annot.dtype.kind in "biuf" if isinstance(d.annot, np.ndarray) else \
            d.annot is not False
        if values:  # numbers will be formatted: fail now on a bad fmt
            _check_fmt(fmt)
        return d

    @property
    def decorated(self):
        """True when something is drawn besides the raster (ticks then default on)."""
        return bool(self.colorbar or self.grid or self.linewidths > 0 or self.title
                    or self.xlabel or self.ylabel or self.xticklabels not in (None, False)
                    or self.yticklabels not in (None, False)
                    or isinstance(self.annot, np.ndarray) or self.annot)

    @property
    def active(self):
        """True when the result differs from the bare raster image."""
        return self.decorated or self.background is not None

    def px(self, v, minimum=1):
        return max(minimum, int(round(v * self.scale)))


def _background(value):
    if isinstance(value, str) and value.lower() in ("none", "transparent"):
        return np.zeros(4, np.uint8)
    return to_color(value, "background")


def _check_fmt(fmt):
    kind = fmt[-1:]
    probe = 1 if kind in ov._INT_TYPES else 1.5
    try:
        ("{:" + fmt + "}").format(probe)
    except (ValueError, TypeError) as e:
        raise ValueError(f"fmt={fmt!r} cannot format numbers ({e}); use a format spec such as "
                         f"'.2g', '.2f', 'd' (whole numbers) or '.1%'") from None


def apply_mask(source, mask):
    """The source with ``mask`` (True = hide) added as missing cells, through a
    numpy masked array so aggregation treats them like NaN."""
    from ..sources.base import ArraySource

    m = np.asarray(mask)
    if m.dtype.kind not in "biu":
        raise TypeError(f"mask must be a boolean array (True = hide the cell), got dtype "
                        f"{m.dtype}")
    if m.shape != tuple(source.shape):
        raise ValueError(f"mask has shape {m.shape} but the data has shape "
                         f"{tuple(source.shape)}; pass a boolean array of the data's shape")
    array = getattr(source, "array", None)  # ArraySource, MemmapSource
    if not isinstance(array, np.ndarray):
        raise TypeError(f"mask= works with in-memory and memory-mapped arrays, not "
                        f"{type(source).__name__}; put NaN in the data to hide cells instead")
    m = m.astype(bool, copy=False)
    if getattr(source, "mask", None) is not None:
        m = m | source.mask
    masked = ArraySource(np.ma.masked_array(array, mask=m, copy=False))
    for attr, value in vars(source).items():
        if attr not in ("array", "mask", "shape", "dtype"):
            setattr(masked, attr, value)
    return masked


def _check_annot_shape(annot, shape):
    if isinstance(annot, np.ndarray) and annot.shape != tuple(shape):
        raise ValueError(f"annot has shape {annot.shape} but the data has shape "
                         f"{tuple(shape)}; pass an array of the data's shape, or "
                         f"annot=True to write the values")


def render(data, decor, *, mask=None, **options) -> "Composition":
    """Rasterize ``data`` (with ``mask`` and ``decor.scale`` applied) and
    compose ``decor`` around it: what :func:`fastheat.heatmap` does whenever an
    overlay, mask, background or scale is asked for."""
    from ..aggregation.fold import output_shape
    from ..api import rasterize
    from ..sources.base import open_source

    point_keys = ("x", "y", "value", "x_range", "y_range", "progress")
    source = open_source(data, **{k: options.pop(k) for k in point_keys if k in options})
    if mask is not None:
        source = apply_mask(source, mask)
    _check_annot_shape(decor.annot, source.shape)  # before any kernel runs
    if decor.scale != 1:
        h, w = output_shape(source.shape, options.pop("width", None), options.pop("height", None))
        options["width"] = max(1, round(w * decor.scale))
        options["height"] = max(1, round(h * decor.scale))
    raster = rasterize(source, **options)
    if not decor.active:
        h, w = raster.shape
        return Composition(raster.image(), (0, 0, w, h), [Item("raster", (0, 0, w, h))])
    return compose(raster, decor)


# --------------------------------------------------------------------------- geometry

class Axis:
    """How the ``n_in`` cells of one matrix axis sit on ``n_out`` pixels:
    pixel ``i`` shows the cell under its centre (``idx[i]``), runs of equal
    ``idx`` are the visible cells, and a cell's centre is where its tick goes."""

    def __init__(self, n_in, n_out, flip=False):
        self.n_in, self.n_out, self.flip = n_in, n_out, flip
        idx = centre_cells(n_in, n_out)
        self.idx = idx[::-1] if flip else idx
        change = np.flatnonzero(self.idx[1:] != self.idx[:-1]) + 1
        self.starts = np.concatenate([[0], change])
        self.stops = np.concatenate([change, [n_out]])
        self.cells = self.idx[self.starts]  # matrix index of each visible cell
        self.upsampled = n_out >= n_in

    @property
    def cell_px(self):
        return self.n_out / self.n_in

    def centers(self, k):
        """Pixel-edge coordinates of the centres of matrix cells ``k``."""
        k = np.asarray(k, dtype=np.int64)
        if self.upsampled:
            run = np.empty(self.n_in, np.int64)
            run[self.cells] = np.arange(len(self.cells))
            r = run[k]
            return (self.starts[r] + self.stops[r]) / 2
        c = (k + 0.5) * self.n_out / self.n_in
        return self.n_out - c if self.flip else c

    def boundaries(self):
        """Pixel-edge coordinates between visible cells."""
        return self.starts[1:].astype(float)


@dataclass
class Ticks:
    index: np.ndarray  # matrix indices with a tick
    texts: list
    centers: np.ndarray  # pixel-edge coordinates along the axis
    rotated: bool = False
    shown: bool = True


def _nice_int(raw):
    """Smallest 1, 2, 5 x 10^k >= raw (integers)."""
    raw = max(1, math.ceil(raw))
    mag = 10 ** int(math.floor(math.log10(raw)))
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return m * mag
    return 10 * mag


def _label_width(font, texts):
    return max((ov.text_width(font, t) for t in texts), default=0)


def plan_ticks(axis, option, source_labels, font, *, horizontal, gap, name):
    """Which matrix indices get a tick label, the texts, their pixel centres and
    whether x labels are rotated (vertical text) to make room."""
    n = axis.n_in
    lh = ov.line_height(font)
    labels = None
    if isinstance(option, list):
        if len(option) != n:
            raise ValueError(f"{name} has {len(option)} labels but the data has {n} "
                             f"{'columns' if horizontal else 'rows'}; pass one label per "
                             f"{'column' if horizontal else 'row'}, or {TICK_MODES}")
        labels, mode = option, "all"
    elif source_labels is not None and len(source_labels) == n:
        labels = list(source_labels)
    if option is True:
        mode = "all"
    elif isinstance(option, int) and not isinstance(option, bool):
        mode = "step"
    elif not isinstance(option, list):
        mode = "auto"
    texts_of = (lambda ks: [str(k) for k in ks]) if labels is None else \
        (lambda ks: [str(labels[k]) for k in ks])
    ppc = axis.cell_px
    rotated = False
    if mode == "all":
        step = 1
    elif mode == "step":
        step = option
    elif labels is None:
        # indices at nice steps, wide enough for the widest number shown
        # every index when each cell has room for its own label (small
        # matrices, like seaborn), else a nice step with generous spacing
        step = 1
        for _ in range(20):
            extent = (_label_width(font, texts_of([0, (n - 1) // step * step])) if horizontal
                      else lh)
            room = extent + gap if step == 1 and ppc >= extent + gap else \
                max(extent + gap, 5 * font.size)
            need = _nice_int(room / ppc)
            if need <= step:
                break
            step = need
    else:
        # seaborn's auto: any integer step; x labels turn vertical when that
        # shows more of them
        sample = labels if n <= 2000 else \
            [labels[i] for i in np.argsort([-len(str(t)) for t in labels])[:200]]
        wide = _label_width(font, [str(t) for t in sample])
        step_v = max(1, math.ceil((lh + gap) / ppc))
        step_h = max(1, math.ceil((wide + gap) / ppc)) if horizontal else step_v
        if horizontal and step_h > step_v:
            rotated, step = True, step_v
        else:
            step = step_h
    ks = np.arange(0, n, step)
    texts = texts_of(ks.tolist())
    if mode in ("all", "step") and horizontal and len(ks) > 1:
        wide = _label_width(font, texts)
        rotated = step * ppc < wide + gap
    return Ticks(ks, texts, axis.centers(ks), rotated)


# --------------------------------------------------------------------------- drawing items

@dataclass
class Item:
    """One drawn element: its kind, its box in raster coordinates
    ``(x0, y0, x1, y1)`` and, for text, the text."""

    kind: str
    box: tuple
    text: str | None = None
    color: tuple | None = None  # what rects and mask are painted in
    rects: tuple = ()  # boxes (raster coordinates) filled with color
    mask: np.ndarray | None = None  # text coverage over box, blended in color
    draw: object = None  # draw(image, draw, dx, dy): Pillow drawing (other text, polygons)


def _draw_with_pillow(canvas, window, items, dx, dy):
    """Run the Pillow drawing of ``items`` on an image of the canvas
    ``window`` (x0, y0, x1, y1), then copy it back: the canvas stays one numpy
    array, never converted whole."""
    from PIL import Image, ImageDraw

    x0, y0, x1, y1 = window
    view = canvas[y0:y1, x0:x1]
    img = Image.fromarray(view)
    draw = ImageDraw.Draw(img)
    for it in items:
        it.draw(img, draw, dx - x0, dy - y0)
    view[...] = np.asarray(img)


def _paint_items(canvas, items, raster_box, pad=2):
    """Paint ``items`` around the raster at ``raster_box`` on the canvas: all
    rects in one kernel call, then all text masks in another, then the Pillow
    drawings batched per margin (top, bottom, left, right of the raster) they
    fit in, or each on a small window of its own."""
    H, W = canvas.shape[:2]
    dx, dy, rx1, ry1 = raster_box
    rects = [(r, it.color) for it in items for r in it.rects]
    if rects:
        ov.fill_boxes(canvas, np.array([r for r, _ in rects], np.int64) + [dx, dy, dx, dy],
                      [c for _, c in rects])
    texts = [it for it in items if it.mask is not None and it.mask.size]
    if texts:
        ov.blend_masks(canvas, [it.mask for it in texts],
                       [(it.box[0] + dx, it.box[1] + dy) for it in texts],
                       [it.color for it in texts])
    margins = [(0, 0, W, dy), (0, ry1, W, H), (0, dy, dx, ry1), (rx1, dy, W, ry1)]
    batches = {m: [] for m in margins}
    for it in items:
        if it.draw is None:
            continue
        x0, y0 = max(0, math.floor(it.box[0]) + dx - pad), max(0, math.floor(it.box[1]) + dy - pad)
        x1, y1 = min(W, math.ceil(it.box[2]) + dx + pad), min(H, math.ceil(it.box[3]) + dy + pad)
        home = next((m for m in margins
                     if m[0] <= x0 and m[1] <= y0 and x1 <= m[2] and y1 <= m[3]), None)
        if home is not None:
            batches[home].append(it)
        elif x1 > x0 and y1 > y0:
            _draw_with_pillow(canvas, (x0, y0, x1, y1), [it], dx, dy)
    for m, batch in batches.items():
        if batch:
            _draw_with_pillow(canvas, m, batch, dx, dy)


def _text_item(kind, font, text, x, y, anchor, fill):
    # whole-pixel positions: fractional ones render glyphs blurred
    x, y = math.floor(x + 0.5), math.floor(y + 0.5)
    if ov.composable(font):  # from cached glyphs: 5x faster than Pillow's text
        stamp = ov.Stamp.of(font)
        b = stamp.anchored_box(text, anchor)
        if b is not None:
            return Item(kind, (x + b[0], y + b[1], x + b[2], y + b[3]), text, fill,
                        mask=stamp.mask(text))
    b = font.getbbox(text, anchor=anchor)
    box = (x + b[0], y + b[1], x + b[2], y + b[3])

    def draw_text(img, draw, dx, dy):
        draw.text((x + dx, y + dy), text, font=font, fill=fill, anchor=anchor)
    return Item(kind, box, text, draw=draw_text)


def _rotated_text_item(kind, font, text, x, y, align, fill):
    """Text turned 90 degrees (reads bottom to top). ``(x, y)`` is the anchor:
    ``align`` "top" puts the text's top-centre (its end) there, "center" its
    centre, "right" its right-middle, "left" its left-middle."""
    from PIL import Image, ImageDraw

    l, _, r, _ = font.getbbox(text, anchor="ls")
    asc, desc = font.getmetrics()
    w, h = r - l, asc + desc  # line box: labels in a row share a baseline
    if align == "top":
        x0, y0 = x - h / 2, y
    elif align == "center":
        x0, y0 = x - h / 2, y - w / 2
    elif align == "right":
        x0, y0 = x - h, y - w / 2
    else:
        x0, y0 = x, y - w / 2
    x0, y0 = int(round(x0)), int(round(y0))
    box = (x0, y0, x0 + h, y0 + w)

    def draw_text(img, draw, dx, dy):
        if w <= 0:
            return
        mask = Image.new("L", (w, h), 0)
        ImageDraw.Draw(mask).text((-l, asc), text, font=font, fill=255, anchor="ls")
        mask = mask.transpose(Image.Transpose.ROTATE_90)
        img.paste(fill, (x0 + dx, y0 + dy), mask)
    return Item(kind, box, text, draw=draw_text)


def _rect_item(kind, box, fill):
    return Item(kind, box, None, fill, rects=(box,))


# --------------------------------------------------------------------------- compose

@dataclass
class Composition:
    """The composed image and where everything went (canvas coordinates).

    ``pixels`` is the ``(H, W, 3 or 4)`` uint8 canvas (or, for a bare raster,
    already a Pillow image); ``image`` the Pillow image of it."""

    pixels: object
    raster_box: tuple
    items: list
    annot_font_size: int | None = None

    @functools.cached_property
    def image(self):
        return self.as_image(self.pixels)

    @staticmethod
    def as_image(pixels):
        """A Pillow image of a canvas array (a Pillow image stays as it is)."""
        from PIL import Image

        return Image.fromarray(pixels) if isinstance(pixels, np.ndarray) else pixels

    def boxes(self, kind):
        return [it.box for it in self.items if it.kind == kind]


def compose(raster, decor, *, annot_values=None) -> Composition:
    """Draw ``decor`` around and over ``raster`` (a :class:`fastheat.render.Raster`)."""

    s = decor.scale
    h, w = raster.shape
    pal = raster.palette
    bg = decor.background
    if bg is None:
        bg = to_color("white") if decor.decorated else np.zeros(4, np.uint8)
    opaque = bg[3] == 255
    fg = np.array([0, 0, 0, 255], np.uint8)
    if opaque and ov.relative_luminance(bg) < 0.18:
        fg = np.array([240, 240, 240, 255], np.uint8)
    if not opaque and bg[3] == 0:
        bg = np.array([*fg[:3], 0], np.uint8)  # anti-aliased text edges keep their colour
    table = ov.flatten_table(pal.table, bg)
    fill = tuple(int(c) for c in (fg[:3] if opaque else fg))

    font = ov.load_font(decor.font, decor.font_size * s)
    title_font = ov.load_font(decor.font, decor.font_size * TITLE_RATIO * s)
    tick_len, tick_w = decor.px(TICK_LENGTH), decor.px(1)
    gap, label_gap = decor.px(TICK_GAP), decor.px(LABEL_GAP)
    text_gap = max(2, font.size // 2)

    xaxis = Axis(raster.matrix_shape[1], w)
    yaxis = Axis(raster.matrix_shape[0], h, flip=raster.origin == "lower")

    items = [Item("raster", (0, 0, w, h))]
    shown = decor.decorated
    xopt = decor.xticklabels if decor.xticklabels is not None else ("auto" if shown else False)
    yopt = decor.yticklabels if decor.yticklabels is not None else ("auto" if shown else False)
    row_labels = raster.labels.rows
    col_labels = raster.labels.cols
    xt = yt = None
    if xopt is not False or decor.grid:
        xt = plan_ticks(xaxis, "auto" if xopt is False else xopt, col_labels, font,
                        horizontal=True, gap=text_gap, name="xticklabels")
        xt.shown = xopt is not False
    if yopt is not False or decor.grid:
        yt = plan_ticks(yaxis, "auto" if yopt is False else yopt, row_labels, font,
                        horizontal=False, gap=text_gap, name="yticklabels")
        yt.shown = yopt is not False

    # ---- over the raster: cell borders, gridlines, annotations (numpy, in order)
    over_raster = []  # (name, fn(region)) drawn in this order

    if decor.linewidths > 0:
        lw = decor.px(decor.linewidths)
        big = (xaxis.upsampled and yaxis.upsampled and
               min(np.diff(xaxis.starts, append=w).min(), np.diff(yaxis.starts, append=h).min())
               >= max(4, 3 * lw))
        if big:
            col = decor.linecolor

            def borders(region, lw=lw, col=col):
                # opaque canvas: blend by the colour's alpha; RGBA canvas: write it as is
                cc, a = (col[:3], col[3] / 255) if opaque else (col, 1.0)
                ov.draw_lines(region, xaxis.boundaries(), vertical=True, width=lw, color=cc,
                              alpha=a)
                ov.draw_lines(region, yaxis.boundaries(), vertical=False, width=lw, color=cc,
                              alpha=a)
            over_raster.append(borders)

    if decor.grid:
        g = decor.grid
        gc = to_color(g.color, "grid color")
        gw = decor.px(g.linewidth)

        def gridlines(region):
            cc = gc[:3] if opaque else gc
            a = g.alpha * gc[3] / 255
            ov.draw_lines(region, xt.centers, vertical=True, width=gw, color=cc, alpha=a,
                          style=g.linestyle)
            ov.draw_lines(region, yt.centers, vertical=False, width=gw, color=cc, alpha=a,
                          style=g.linestyle)
        over_raster.append(gridlines)

    annot_size = [None]
    annot = decor.annot
    if isinstance(annot, np.ndarray) or annot is True or annot == "auto":
        _check_annot_shape(annot, raster.matrix_shape)

        def annotations(region):
            annot_size[0] = _annotate(region, raster, decor, xaxis, yaxis, table, font,
                                      annot_values)
        over_raster.append(annotations)

    # ---- margins: ticks, labels, colorbar, title (boxes in raster coordinates)
    if yt is not None and yt.shown:
        for c, t in zip(yt.centers, yt.texts):
            a, b = ov.line_span(c, tick_w, 10 ** 9)
            items.append(_rect_item("ytick", (-tick_len, a, 0, a + tick_w), fill))
            items.append(_text_item("yticklabel", font, t, -tick_len - gap, c, "rm", fill))
    if xt is not None and xt.shown:
        for c, t in zip(xt.centers, xt.texts):
            a, b = ov.line_span(c, tick_w, 10 ** 9)
            items.append(_rect_item("xtick", (a, h, a + tick_w, h + tick_len), fill))
            if xt.rotated:
                items.append(_rotated_text_item("xticklabel", font, t, c, h + tick_len + gap,
                                                "top", fill))
            else:
                items.append(_text_item("xticklabel", font, t, c, h + tick_len + gap, "mt",
                                        fill))

    def extent(kinds=None):
        boxes = [it.box for it in items if kinds is None or it.kind in kinds]
        return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes))

    xlabel = decor.xlabel if decor.xlabel is not None else raster.labels.col_name
    ylabel = decor.ylabel if decor.ylabel is not None else raster.labels.row_name
    if not shown:
        xlabel = ylabel = None
    if xlabel:
        bottom = extent()[3]
        items.append(_text_item("xlabel", font, str(xlabel), w / 2, bottom + label_gap, "mt",
                                fill))
    if ylabel:
        left = extent()[0]
        items.append(_rotated_text_item("ylabel", font, str(ylabel), left - label_gap, h / 2,
                                        "right", fill))

    cbar_strip = None
    if decor.colorbar:
        cbar_strip = _colorbar(items, extent, raster, decor, table, font, fill, opaque)

    if decor.title:
        top = extent()[1]
        items.append(_text_item("title", title_font, decor.title, w / 2, top - label_gap, "md",
                                fill))

    # ---- canvas
    x0, y0, x1, y1 = extent()
    x0, y0, x1, y1 = math.floor(x0), math.floor(y0), math.ceil(x1), math.ceil(y1)
    margin = decor.px(MARGIN) if len(items) > 1 else 0
    dx, dy = margin - x0, margin - y0
    W, H = x1 - x0 + 2 * margin, y1 - y0 + 2 * margin
    color = np.array(bg[:3] if opaque else bg, np.uint8)
    canvas = np.empty((H, W, len(color)), np.uint8)
    for margin_view in (canvas[:dy], canvas[dy + h:], canvas[dy: dy + h, :dx],
                        canvas[dy: dy + h, dx + w:]):
        ov.fill(margin_view, color)
    region = canvas[dy: dy + h, dx: dx + w]
    raster.paint(table[:, : len(color)], region)
    for fn in over_raster:
        fn(region)
    if cbar_strip is not None:
        (sx0, sy0, sx1, sy1), strip = cbar_strip
        canvas[sy0 + dy: sy1 + dy, sx0 + dx: sx1 + dx] = strip
    _paint_items(canvas, items, (dx, dy, dx + w, dy + h))
    placed = [Item(it.kind, (it.box[0] + dx, it.box[1] + dy, it.box[2] + dx, it.box[3] + dy),
                   it.text) for it in items]
    return Composition(canvas, (dx, dy, dx + w, dy + h), placed, annot_size[0])


def _annotate(region, raster, decor, xaxis, yaxis, table, font, annot_values):
    """Annotate the visible cells (skipping bad ones); returns the font size used."""
    N = raster.palette.N
    explicit = decor.annot is not False and not (isinstance(decor.annot, str))
    rs, cs = yaxis.starts, xaxis.starts
    size = font.size
    min_size = max(4, int(round(6 * decor.scale)))
    cell_w = int(np.diff(xaxis.starts, append=xaxis.n_out).min())
    cell_h = int(np.diff(yaxis.starts, append=yaxis.n_out).min())
    # Nothing can fit: skip formatting a million strings.
    probe = ov.load_font(decor.font, min_size)
    if cell_w - 2 < ov.text_width(probe, "0") or cell_h < ov.text_height(probe, "0"):
        if explicit:
            import warnings

            warnings.warn(f"annot: the cells are {cell_w} x {cell_h} px, too small for any "
                          f"text, and were left blank; render larger (width=, height=, scale=) "
                          f"or pass annot='auto' to skip silently", ov.AnnotationWarning,
                          stacklevel=4)
        return None
    cell_codes = raster.pixel_values(rs, cs, of="cell_codes")
    good = cell_codes != N + 2
    rows, cols = np.nonzero(good)
    if isinstance(decor.annot, np.ndarray):
        vals = decor.annot[np.ix_(yaxis.cells, xaxis.cells)][rows, cols]
        fmt = decor.fmt
    else:
        vals = raster.pixel_values(rs, cs)[rows, cols]
        fmt = decor.fmt
    labels, which = ov.annotation_strings(vals, fmt)
    colors = table[cell_codes[rows, cols]]
    dark = ov.relative_luminance(colors) > ov.LUMINANCE_SWITCH
    _, size = ov.annotate(region, (yaxis.starts, yaxis.stops), (xaxis.starts, xaxis.stops),
                          rows, cols, labels, which, dark, font=font, min_size=min_size,
                          explicit=explicit)
    return size


def _colorbar(items, extent, raster, decor, table, font, fill, opaque):
    """Add the colorbar's items; returns ((x0, y0, x1, y1), strip pixels)."""
    cb = decor.colorbar
    h, w = raster.shape
    pal, norm = raster.palette, raster.norm
    N = pal.N
    vertical = cb.position in ("right", "left")
    side = h if vertical else w
    total = max(8, int(round(cb.length * side)))
    thick = decor.px(cb.thickness) if cb.thickness else \
        int(round(min(max(total / 20, 12 * decor.scale), 24 * decor.scale)))
    tick_len, tick_w = decor.px(TICK_LENGTH), decor.px(1)
    gap, pad = decor.px(TICK_GAP), decor.px(14)
    outline = decor.px(1)
    codes = raster.cell_codes  # the same set of codes as the pixels
    top_code = raster.top_code
    has = {k: top_code >= N + i and bool((codes == N + i).any())
           for i, k in enumerate(("under", "over", "bad"))}
    ext = cb.extend
    under = ext in ("both", "min") or (ext == "auto" and has["under"])
    over = ext in ("both", "max") or (ext == "auto" and has["over"])
    bad = cb.bad is True or (cb.bad == "auto" and has["bad"])
    tri = max(4, min(thick, total // 12))
    swatch = thick if bad else 0
    sw_gap = max(thick // 2, decor.px(6)) if bad else 0
    L = total - (tri if under else 0) - (tri if over else 0) - swatch - sw_gap
    if L < 4:
        raise ValueError(f"colorbar length={cb.length!r} leaves no room for the colour strip "
                         f"on a {side}-pixel raster; use a longer colorbar")
    # strip pixels: low values at the bottom (vertical) or left (horizontal)
    p = np.arange(L)
    strip_codes = np.minimum(((p + 0.5) / L * N).astype(np.int64), N - 1)
    colors = table[strip_codes]
    strip = np.repeat(colors[::-1, None, :], thick, axis=1) if vertical else \
        np.repeat(colors[None, :, :], thick, axis=0)

    # where the bar goes
    ex = extent()
    start = (side - total) // 2
    if vertical:
        bx0 = ex[2] + pad if cb.position == "right" else ex[0] - pad - thick
        # along the bar, from the top: over-triangle, strip, under-triangle, gap, swatch
        s0 = start + (tri if over else 0)
        sbox = (bx0, s0, bx0 + thick, s0 + L)
    else:
        by0 = ex[3] + pad if cb.position == "bottom" else ex[1] - pad - thick
        s0 = start + swatch + sw_gap + (tri if under else 0)
        sbox = (s0, by0, s0 + L, by0 + thick)
    x0, y0, x1, y1 = sbox
    flat = lambda code: tuple(int(c) for c in table[code])  # noqa: E731
    items.append(Item("colorbar", sbox))
    # outline (outside the strip), triangles, swatch
    ol = tuple(fill)

    def frame(box, kind="colorbar-frame"):
        bx0, by0, bx1, by1 = box

        outer = (bx0 - outline, by0 - outline, bx1 + outline, by1 + outline)
        sides = [(outer[0], outer[1], outer[2], by0), (outer[0], by1, outer[2], outer[3]),
                 (outer[0], by0, bx0, by1), (bx1, by0, outer[2], by1)]

        return Item(kind, outer, None, ol, rects=tuple(sides))
    items.append(frame(sbox))

    def triangle(points, code, kind):
        xs, ys = [q[0] for q in points], [q[1] for q in points]

        def draw_triangle(img, draw, dx, dy):
            pts = [(px + dx, py + dy) for px, py in points]
            draw.polygon(pts, fill=flat(code), outline=ol, width=outline)
        box = (min(xs), min(ys), max(xs) + 1, max(ys) + 1)
        return Item(kind, box, None, draw=draw_triangle)
    if vertical:
        if over:
            items.append(triangle([(x0, y0 - 1), (x1 - 1, y0 - 1), ((x0 + x1 - 1) / 2, y0 - tri)],
                                  N + 1, "colorbar-over"))
        if under:
            items.append(triangle([(x0, y1), (x1 - 1, y1), ((x0 + x1 - 1) / 2, y1 + tri - 1)],
                                  N, "colorbar-under"))
        if bad:
            b0 = y1 + (tri if under else 0) + sw_gap
            bbox = (x0, b0, x1, b0 + swatch)
    else:
        if under:
            items.append(triangle([(x0 - 1, y0), (x0 - 1, y1 - 1), (x0 - tri, (y0 + y1 - 1) / 2)],
                                  N, "colorbar-under"))
        if over:
            items.append(triangle([(x1, y0), (x1, y1 - 1), (x1 + tri - 1, (y0 + y1 - 1) / 2)],
                                  N + 1, "colorbar-over"))
        if bad:
            b1 = x0 - (tri if under else 0) - sw_gap
            bbox = (b1 - swatch, y0, b1, y1)
    if bad:
        items.append(_rect_item("colorbar-bad", bbox, flat(N + 2)))
        items.append(frame(bbox, "colorbar-bad-frame"))

    # ticks
    ticks = colorbar_ticks(norm, L, font, cb, vertical)
    outer = {"right": 1, "left": -1, "bottom": 1, "top": -1}[cb.position]
    for pos, text in ticks:
        c = (y1 - pos) if vertical else (x0 + pos)
        a, _ = ov.line_span(c, tick_w, 10 ** 9)
        if vertical:
            tx = x1 + outline if outer > 0 else x0 - outline - tick_len
            items.append(_rect_item("colorbar-tick", (tx, a, tx + tick_len, a + tick_w), fill))
            lx = tx + tick_len + gap if outer > 0 else tx - gap
            items.append(_text_item("colorbar-ticklabel", font, text, lx, c,
                                    "lm" if outer > 0 else "rm", fill))
        else:
            ty = y1 + outline if outer > 0 else y0 - outline - tick_len
            items.append(_rect_item("colorbar-tick", (a, ty, a + tick_w, ty + tick_len), fill))
            ly = ty + tick_len + gap if outer > 0 else ty - gap
            items.append(_text_item("colorbar-ticklabel", font, text, c, ly,
                                    "mt" if outer > 0 else "mb", fill))
    if bad:
        bx0_, by0_, bx1_, by1_ = bbox
        if vertical:
            lx = bx1_ + outline + gap if outer > 0 else bx0_ - outline - gap
            items.append(_text_item("colorbar-badlabel", font, cb.bad_label, lx,
                                    (by0_ + by1_) / 2, "lm" if outer > 0 else "rm", fill))
        else:
            ly = by1_ + outline + gap if outer > 0 else by0_ - outline - gap
            items.append(_text_item("colorbar-badlabel", font, cb.bad_label,
                                    (bx0_ + bx1_) / 2, ly, "mt" if outer > 0 else "mb", fill))
    label = cb.label if cb.label is not None else raster.labels.name
    if label:
        kinds = {"colorbar", "colorbar-frame", "colorbar-tick", "colorbar-ticklabel",
                 "colorbar-under", "colorbar-over", "colorbar-bad", "colorbar-bad-frame",
                 "colorbar-badlabel"}
        cx0, cy0, cx1, cy1 = extent(kinds)
        lg = decor.px(LABEL_GAP)
        if vertical:
            lx = cx1 + lg if outer > 0 else cx0 - lg
            items.append(_rotated_text_item("colorbar-label", font, str(label), lx,
                                            (y0 + y1) / 2, "left" if outer > 0 else "right",
                                            fill))
        else:
            ly = cy1 + lg if outer > 0 else cy0 - lg
            items.append(_text_item("colorbar-label", font, str(label), (x0 + x1) / 2, ly,
                                    "mt" if outer > 0 else "mb", fill))
    return sbox, strip


def colorbar_ticks(norm, L, font, cb, vertical):
    """``[(position along the strip from its low end, label)]`` for a strip of
    ``L`` pixels: nice values for the norm, spaced so labels never overlap."""
    gap = max(2, font.size // 2)

    def extents(texts):
        if vertical:
            return [ov.text_height(font, t) for t in texts]
        return [ov.text_width(font, t) for t in texts]

    def place(values, step):
        vals = np.asarray(values, float)
        with np.errstate(all="ignore"):
            t = np.asarray(norm.forward(vals), float)
        if norm.vmin == norm.vmax:
            t = np.where(vals == norm.vmin, 0.0, np.nan)
        ok = np.isfinite(t) & (t >= -1e-9) & (t <= 1 + 1e-9)
        vals, t = vals[ok], np.clip(t[ok], 0, 1)
        if cb.format is not None:
            texts = ov.format_with(cb.format, vals.tolist())
        else:
            texts = ov.format_ticks(vals.tolist(), step)
        return list(t * L), texts

    if cb.ticks is not None:
        pos, texts = place(cb.ticks, None)
        return list(zip(pos, texts))
    unit = max(extents(["0.0"])[0], 1) if vertical else max(extents(["0.000"])[0], 1)
    n = max(2, min(11, int(L / (unit + gap) / 1.6)))
    best = None
    while n >= 2:
        values, step = ov.colorbar_candidates(norm, n)
        pos, texts = place(values, step)
        ex = extents(texts)
        keep = ov.thin_positions(np.array(pos), np.array(ex, float), gap)
        if len(keep) == len(pos) or norm.kind in ("log", "symlog", "eq_hist"):
            best = [(pos[i], texts[i]) for i in keep]
            break
        n -= 1
    if best is None:
        best = [(pos[i], texts[i]) for i in keep]
    return best
