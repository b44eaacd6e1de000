"""Option records of the compose stage's dict-valued options: ``colorbar=``
(:class:`ColorbarOptions`) and ``grid=`` (:class:`GridOptions`), and the check
of an ``annot=`` array. The record of all the drawing options,
:class:`fastheat.options.Decor`, holds these and validates the rest.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, fields

import numpy as np

from .._validate import is_number
from ..color.colormaps import to_color
from .scene import LINESTYLES
from .ticks import TICK_MODES, format_with

POSITIONS = ("right", "left", "top", "bottom")
#: Thickest colorbar, px at scale 1.
MAX_THICKNESS = 1000
EXTENDS = ("auto", "neither", "both", "min", "max")


@dataclass(frozen=True)
class ColorbarOptions:
    """Options for ``colorbar=`` (pass a dict with these keys, or this object).

    Parameters
    ----------
    position : {"right", "left", "top", "bottom"}
    length : float
        Fraction of the raster side the colorbar spans (0 < length <= 1);
        its colour strip is at least 10 font sizes long (20 on a horizontal
        bar), so that it has room for 3 or more tick labels beside a short raster.
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
        A swatch for the bad colour; ``"auto"``: when the data has missing
        values (NaN, ±inf, masked entries of a masked array) in the image, not
        for cells hidden with ``mask=`` or non-positive values under a log norm.
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
        if not (is_number(self.length) and 0 < self.length <= 1):
            raise ValueError(f"colorbar length={self.length!r} must be a fraction of the "
                             f"raster side, 0 < length <= 1")
        if self.thickness is not None and not (is_number(self.thickness) and
                                               1 <= self.thickness <= MAX_THICKNESS):
            raise ValueError(f"colorbar thickness={self.thickness!r} must be a number of "
                             f"pixels, 1 to {MAX_THICKNESS}")
        if self.extend not in EXTENDS:
            raise ValueError(f"colorbar extend={self.extend!r} is not allowed; choose "
                             + ", ".join(map(repr, EXTENDS)))
        if self.bad not in ("auto", True, False):
            raise ValueError(f"colorbar bad={self.bad!r} must be 'auto', True or False")
        if self.format is not None and not (callable(self.format) or isinstance(self.format, str)):
            raise TypeError(f"colorbar format={self.format!r} must be a format spec such as "
                            f"'.1f', a '{{}}' template or a callable")
        if isinstance(self.format, str):
            import re

            if max(map(int, re.findall(r"\d+", self.format)), default=0) > 1000:
                raise ValueError(f"colorbar format={self.format!r} asks for more than 1000 "
                                 f"characters or digits; use a spec such as '.2f' or '.0%'")
            try:
                format_with(self.format, [1.5])
            except (ValueError, TypeError, IndexError, KeyError, OverflowError) as e:
                raise ValueError(f"colorbar format={self.format!r} cannot format numbers "
                                 f"({e}); use a spec such as '.2f' or '.0%'") from None
        if self.ticks is not None:
            try:
                items = np.ravel(np.asarray(self.ticks, dtype=object)).tolist()
            except (TypeError, ValueError):
                items = [None]
            if not all(map(is_number, items)):  # complex, bool, NaN, beyond the float range
                raise TypeError(f"colorbar ticks={self.ticks!r} must be a sequence of "
                                f"finite numbers")
            ticks = tuple(float(t) for t in items)
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
        if not (is_number(self.linewidth) and self.linewidth > 0):
            raise ValueError(f"grid linewidth={self.linewidth!r} must be a positive number of "
                             f"pixels")
        if not (is_number(self.alpha) and 0 <= self.alpha <= 1):
            raise ValueError(f"grid alpha={self.alpha!r} must be between 0 and 1")
        to_color(self.color, "grid color")

    @classmethod
    def parse(cls, value, name="grid"):
        """As :meth:`ColorbarOptions.parse`; ``name`` is the option's, for errors
        (``line_kws`` is one too)."""
        if name != "grid":  # the fields' messages say "grid ...": say whose they are
            try:
                return cls.parse(value)
            except (ValueError, TypeError) as e:
                raise type(e)(str(e).replace("grid", name, 1)) from None
        return _parse_options(cls, name, value, "True/False or a dict with keys color, "
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


def check_annot_shape(annot, shape):
    """Raise unless an ``annot=`` array (if it is one) has the matrix's ``shape``
    (None: a point table, which has no cells to label)."""
    if not isinstance(annot, np.ndarray):
        return
    if shape is None:
        raise ValueError("annot arrays label the cells of a matrix, and a point table has "
                         "none; use annot=True to write the aggregated values")
    if annot.shape != tuple(shape):
        raise ValueError(f"annot has shape {annot.shape} but the data has shape "
                         f"{tuple(shape)}; pass an array of the data's shape, or "
                         f"annot=True to write the values")


