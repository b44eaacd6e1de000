"""Option records of the compose stage: ``colorbar=`` (:class:`ColorbarOptions`),
``grid=`` (:class:`GridOptions`) and everything drawn around the raster,
validated together (:class:`Decor`), so that bad options fail before any
kernel runs.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, fields

import numpy as np

from ..color.colormaps import to_color
from .annotate import _INT_TYPES
from .scene import LINESTYLES
from .text import load_font
from .ticks import TICK_MODES, format_with

POSITIONS = ("right", "left", "top", "bottom")
EXTENDS = ("auto", "neither", "both", "min", "max")


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
                format_with(self.format, [1.5])
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
        if not isinstance(self.linestyle, str) or self.linestyle not in LINESTYLES:
            raise ValueError(f"grid linestyle={self.linestyle!r} is not a line style; choose "
                             + ", ".join(map(repr, LINESTYLES)))
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
        load_font(font, 12)  # fails now on a missing font file
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
    probe = 1 if kind in _INT_TYPES else 1.5
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


