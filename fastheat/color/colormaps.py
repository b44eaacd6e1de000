"""Colormap stage: a name, a list of colours, a ``cmap.Colormap`` or a matplotlib
colormap -> a :class:`Palette` (uint8 lookup table plus bad/under/over colours).

Names resolve through the `cmap <https://cmap-docs.readthedocs.io>`_ catalogue
(matplotlib's, colorcet's, cmocean's, crameri's and more). Every name
matplotlib has comes out within one unit per channel of matplotlib, except
``gist_stern``/``gist_stern_r``, which the catalogue defines as yorick's
``stern``: pass ``matplotlib.colormaps["gist_stern"]`` for matplotlib's.
"""
from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass

import numpy as np

TRANSPARENT = np.zeros(4, np.uint8)
#: Most colours a colormap may have: codes are uint16 and N, N+1, N+2 are
#: under/over/bad.
MAX_COLORS = 65_533


@dataclass(frozen=True)
class Palette:
    """A resolved colormap: ``lut`` is ``(N, 4)`` uint8; code ``N`` is the
    under colour, ``N + 1`` over, ``N + 2`` bad (matplotlib's layout)."""

    name: str
    lut: np.ndarray
    under: np.ndarray
    over: np.ndarray
    bad: np.ndarray

    @property
    def N(self) -> int:
        return len(self.lut)

    @functools.cached_property
    def table(self) -> np.ndarray:
        """``(N + 3, 4)`` uint8: colour of every code."""
        return np.vstack([self.lut, self.under, self.over, self.bad])


def to_color(value, name="color"):
    """RGBA uint8 of a colour: a name or hex string (``"white"``, ``"#ff000080"``)
    or a tuple of 3 or 4 floats in 0..1 like matplotlib.

    >>> to_color("red").tolist(), to_color((0, 0, 1.0, 0.5)).tolist()
    ([255, 0, 0, 255], [0, 0, 255, 127])
    """
    if isinstance(value, str):
        import cmap

        try:
            rgba = cmap.Color(value).rgba
        except ValueError:
            raise ValueError(f"{name}={value!r} is not a colour; use a name such as 'white', "
                             f"a hex string such as '#ff8800' or an RGB(A) tuple in 0..1") from None
        rgba = np.array(tuple(rgba), float)
    else:
        try:
            rgba = np.asarray(value, dtype=float).ravel()
        except (TypeError, ValueError):
            rgba = np.array([])
        if rgba.size not in (3, 4) or not np.all((rgba >= 0) & (rgba <= 1)):
            raise ValueError(f"{name}={value!r} is not a colour; use a name, a hex string or "
                             f"3 or 4 floats in 0..1")
        if rgba.size == 3:
            rgba = np.append(rgba, 1.0)
    return (rgba * 255).astype(np.uint8)  # floor, as matplotlib's bytes=True


def _from_matplotlib(obj):
    # Exactly what obj(x, bytes=True) would produce, code by code.
    lut = obj(np.arange(obj.N), bytes=True)
    under, over, bad = obj(np.array([-1.0, 2.0, np.nan]), bytes=True)
    return Palette(obj.name, lut, under, over, bad)


def _from_cmap(obj, name=None):
    # Listed maps of more than 256 colours (twilight: 510) keep them all, as
    # matplotlib's ListedColormap does; resampling to 256 is off by up to 3 units.
    listed = obj.num_colors and (obj.interpolation == "nearest" or obj.num_colors > 256)
    n = obj.num_colors if listed else 256
    lut = (np.asarray(obj.lut(n), float) * 255).astype(np.uint8)
    extremes = [getattr(obj, a) for a in ("under_color", "over_color", "bad_color")]
    under, over, bad = (None if c is None else (np.array(tuple(c.rgba)) * 255).astype(np.uint8)
                        for c in extremes)
    return Palette(name or obj.name, lut,
                   lut[0] if under is None else under,
                   lut[-1] if over is None else over,
                   TRANSPARENT if bad is None else bad)


@functools.lru_cache(maxsize=64)
def _named(name: str) -> Palette:
    import cmap

    catalog = cmap.Catalog()
    try:  # a namespaced key: no ambiguity warning from the catalogue
        key = catalog.resolve(name[:-2]) + "_r" if name.endswith("_r") and \
            name[:-2] else catalog.resolve(name)
    except KeyError:
        names = sorted(catalog.short_keys() | catalog.namespaced_keys())
        close = difflib.get_close_matches(name, names, n=5, cutoff=0.6)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else \
            "; see cmap.Catalog().short_keys() for the names"
        raise ValueError(f"cmap={name!r} is not a known colormap{hint}") from None
    return _from_cmap(cmap.Colormap(key), name)


def resolve(cmap="viridis", *, under=None, over=None, bad=None) -> Palette:
    """Turn any supported colormap into a :class:`Palette`.

    Parameters
    ----------
    cmap : str, sequence of colours, ``cmap.Colormap`` or matplotlib ``Colormap``
        A name from the catalogue (``"_r"`` reverses), colours to interpolate
        between, or a colormap object. A matplotlib colormap is used exactly, its
        own bad/under/over colours included.
    under, over, bad : colour, optional
        Override the colours for values below ``vmin``, above ``vmax`` and
        missing. Defaults: the end colours, and transparent for bad.

    >>> p = resolve("viridis")
    >>> p.N, p.lut[0].tolist(), p.bad.tolist()
    (256, [68, 1, 84, 255], [0, 0, 0, 0])
    """
    if isinstance(cmap, str):
        pal = _named(cmap)
    elif type(cmap).__module__.startswith("matplotlib"):
        pal = _from_matplotlib(cmap)
    elif type(cmap).__module__.startswith("cmap"):
        pal = _from_cmap(cmap)
    elif isinstance(cmap, (list, tuple)) and len(cmap) >= 1:
        import cmap as cmap_lib

        colors = [tuple(to_color(c, "cmap entry") / 255.0) for c in cmap]
        if len(colors) == 1:
            colors = colors * 2
        pal = _from_cmap(cmap_lib.Colormap(colors), "custom")
    else:
        raise TypeError(f"cmap={cmap!r} is not a colormap; pass a name such as 'viridis', a "
                        f"list of colours, a cmap.Colormap or a matplotlib colormap")
    if pal.N > MAX_COLORS:
        raise ValueError(f"cmap has {pal.N} colours; at most {MAX_COLORS} are supported "
                         f"(colormap codes are 16-bit): resample it, e.g. cmap.Colormap(...)")
    if under is None and over is None and bad is None:
        return pal
    return Palette(pal.name, pal.lut,
                   pal.under if under is None else to_color(under, "under"),
                   pal.over if over is None else to_color(over, "over"),
                   pal.bad if bad is None else to_color(bad, "bad"))
