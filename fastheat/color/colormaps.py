"""Colormap stage: a name, a list of colours, a ``cmap.Colormap`` or a matplotlib
colormap -> a :class:`Palette` (uint8 lookup table plus bad/under/over colours).

Names resolve through the `cmap <https://cmap-docs.readthedocs.io>`_ catalogue
(matplotlib's, colorcet's, cmocean's, crameri's and more). Every name
matplotlib has comes out within one unit per channel of matplotlib, except
``gist_stern``/``gist_stern_r``, which the catalogue defines as yorick's
``stern``: pass ``matplotlib.colormaps["gist_stern"]`` for matplotlib's.

Names colorcet defines (``"fire"``, ``"bmy"``, ``"kbc"``, ``"glasbey"``,
``"CET_L1"``, ...; also as ``"cet_<name>"``, matplotlib's registered names, and
``"colorcet:<name>"``) mean colorcet's colormap, as datashader users expect,
except ``coolwarm``, ``gray`` and ``rainbow``, which stay matplotlib's. With the
colorcet package installed they are exactly ``colorcet.cm[name]`` (colorcet
imports matplotlib when it is installed); without it, the catalogue's copy of
colorcet, within one unit except ``bgyw``, ``bmw``, ``bmy``, ``rainbow`` and
``CET_L16``, which that copy has in an older version.

A list of colours is a discrete colormap of those colours, as seaborn and
matplotlib's ``ListedColormap`` make it. For a gradient between them pass
``cmap.Colormap(colours)`` (or matplotlib's
``LinearSegmentedColormap.from_list(name, colours)``).
"""
from __future__ import annotations

import dataclasses
import functools
import importlib.util
import numbers
import os
import re

import numpy as np

TRANSPARENT = np.zeros(4, np.uint8)
#: Most colours a colormap may have: codes are uint16 and N, N+1, N+2 are
#: under/over/bad.
MAX_COLORS = 65_533


@dataclasses.dataclass(frozen=True)
class Palette:
    """A resolved colormap: ``lut`` is ``(N, 4)`` uint8; code ``N`` is the
    under colour, ``N + 1`` over, ``N + 2`` bad (matplotlib's layout).
    ``rgba``, optional, holds the ``(N + 3, 4)`` float colours the bytes were
    floored from (matplotlib's ``bytes=True``), for seaborn's text-colour test."""

    name: str
    lut: np.ndarray
    under: np.ndarray
    over: np.ndarray
    bad: np.ndarray
    rgba: np.ndarray | None = None

    @property
    def N(self) -> int:
        return len(self.lut)

    @functools.cached_property
    def table(self) -> np.ndarray:
        """``(N + 3, 4)`` uint8: colour of every code."""
        return np.vstack([self.lut, self.under, self.over, self.bad])

    @functools.cached_property
    def float_table(self) -> np.ndarray:
        """``(N + 3, 4)`` float: colour of every code, as matplotlib holds it;
        ``table / 255`` when no float colours are known (or they no longer
        match the bytes, e.g. after ``dataclasses.replace``)."""
        if self.rgba is not None and np.array_equal(_bytes(self.rgba), self.table):
            return self.rgba
        return self.table / 255.0


def _bytes(rgba):
    return (np.asarray(rgba, float) * 255).astype(np.uint8)  # floor, as matplotlib's bytes=True


# matplotlib's one-letter colours (matplotlib.colors.BASE_COLORS)
_BASE = {"b": (0, 0, 1), "g": (0, 0.5, 0), "r": (1, 0, 0), "c": (0, 0.75, 0.75),
         "m": (0.75, 0, 0.75), "y": (0.75, 0.75, 0), "k": (0, 0, 0), "w": (1, 1, 1)}
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_COLOR_HELP = ("use a name ('white', 'C0', 'tab:blue', 'xkcd:sky blue'), a hex string "
               "('#f80', '#ff8800', '#ff880080'), a grey level string in 0..1 ('0.15'), "
               "3 or 4 floats in 0..1, or 3 or 4 integers in 0..255")


def _named_color(s):
    """RGB(A) of a colour name or hex string as matplotlib reads it, or None."""
    from . import _named_colors as tables

    if len(s) == 1:  # case-sensitive, as in matplotlib
        return _BASE.get(s)
    if _HEX.fullmatch(s):
        digits = s[1:] if len(s) > 5 else "".join(2 * d for d in s[1:])
        return tuple(int(digits[i:i + 2], 16) / 255 for i in range(0, len(digits), 2))
    nth = re.fullmatch(r"C(\d+)", s)
    if nth:  # matplotlib's default property cycle
        return _named_color(list(tables.TABLEAU.values())[int(nth[1]) % 10])
    prefix, sep, rest = s.lower().partition(":")
    table = {"xkcd": tables.XKCD, "tab": tables.TABLEAU}.get(prefix) if sep else tables.CSS4
    if table is None:
        return None
    name = rest if sep else prefix
    # matplotlib accepts both spellings of grey in the xkcd: and tab: names
    for key in (name.replace("gray", "grey"), name, name.replace("grey", "gray")):
        if key in table:
            return _named_color(table[key])
    return None


def to_rgba(value, name="color"):
    """RGBA floats in 0..1 of a colour, as ``matplotlib.colors.to_rgba``.

    Parameters
    ----------
    value : str or sequence
        Whatever matplotlib takes: a name (CSS4 such as ``"white"``, one letter
        such as ``"k"``, ``"C0"``..``"C9"`` for its default cycle, ``"tab:blue"``,
        ``"xkcd:sky blue"``), a hex string (``#rgb``, ``#rgba``, ``#rrggbb``,
        ``#rrggbbaa``), a grey level string (``"0.15"``), ``"none"``, 3 or 4 floats
        in 0..1 or ``(colour, alpha)``. Also 3 or 4 integers in 0..255 (any
        above 1, or a uint8 array): all-0/1 integers such as ``(0, 0, 1)`` are
        0..1 values, matplotlib's blue.
    name : str
        The parameter named in errors.

    Returns
    -------
    tuple of 4 float

    Raises
    ------
    TypeError
        ``value`` is neither a string nor a sequence of numbers.
    ValueError
        ``value`` is not a colour.

    Examples
    --------
    >>> to_rgba("0.25"), to_rgba(("tab:red", 0.5))[3], to_rgba((255, 0, 51))
    ((0.25, 0.25, 0.25, 1.0), 0.5, (1.0, 0.0, 0.2, 1.0))
    """
    if isinstance(value, str):
        rgba = _named_color(value)
        if rgba is None and value.strip().lower() == "none":
            rgba = (0.0, 0.0, 0.0, 0.0)
        if rgba is None:
            try:
                grey = float(value)
            except ValueError:
                pass
            else:
                if not 0 <= grey <= 1:
                    raise ValueError(f"{name}={value!r} is a grey level outside 0..1; "
                                     f"{_COLOR_HELP}")
                rgba = (grey, grey, grey)
        if rgba is None:
            import cmap  # CSS functions such as 'rgb(255, 0, 0)'

            try:
                rgba = tuple(cmap.Color(value).rgba)
            except ValueError:
                raise ValueError(f"{name}={value!r} is not a colour; {_COLOR_HELP}") from None
        return tuple(float(c) for c in rgba) + (1.0,) * (4 - len(rgba))
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        alpha = value[1]
        if not isinstance(alpha, numbers.Real) or not 0 <= alpha <= 1:
            raise ValueError(f"{name}={value!r}: the alpha of (colour, alpha) must be in 0..1")
        return to_rgba(value[0], name)[:3] + (float(alpha),)
    if isinstance(value, np.ndarray) and value.dtype == np.uint8:
        value = value / 255.0
    try:
        parts = list(value)
    except TypeError:
        raise TypeError(f"{name}={value!r} is not a colour: expected a string or a sequence "
                        f"of numbers, got {type(value).__name__}; {_COLOR_HELP}") from None
    if len(parts) not in (3, 4) or not all(isinstance(c, numbers.Real) for c in parts):
        raise ValueError(f"{name}={value!r} is not a colour; {_COLOR_HELP}")
    if all(isinstance(c, numbers.Integral) for c in parts) and max(parts) > 1:
        if min(parts) < 0 or max(parts) > 255:
            raise ValueError(f"{name}={value!r}: integer colour components must be in 0..255")
        parts = [c / 255 for c in parts]
    rgba = tuple(float(c) for c in parts) + (1.0,) * (4 - len(parts))
    if not all(0 <= c <= 1 for c in rgba):
        raise ValueError(f"{name}={value!r} has components outside 0..1; {_COLOR_HELP}")
    return rgba


def to_color(value, name="color"):
    """RGBA uint8 of a colour (any spec :func:`to_rgba` takes): the bytes
    matplotlib's ``bytes=True`` path gives for it (floor of ``x * 255``).

    >>> to_color("red").tolist(), to_color((0, 0, 1.0, 0.5)).tolist(), to_color("tab:blue").tolist()
    ([255, 0, 0, 255], [0, 0, 255, 127], [31, 119, 180, 255])
    """
    return _bytes(to_rgba(value, name))


def _palette(name, rgba, under=None, over=None, bad=None):
    """The Palette of float colours ``rgba`` ``(N, 4)``; the extremes default to
    the end colours and transparent, as in matplotlib."""
    rgba = np.asarray(rgba, float)
    ext = [rgba[0] if under is None else under, rgba[-1] if over is None else over,
           np.zeros(4) if bad is None else bad]
    return _palette_of(name, np.vstack([rgba, np.asarray(ext, float)]))


def _palette_of(name, full):
    """The Palette of the ``(N + 3, 4)`` float colours of every code."""
    n = len(full) - 3
    lut, under, over, bad = np.split(_bytes(full), [n, n + 1, n + 2])
    return Palette(name, lut, under[0], over[0], bad[0], full)


def _from_matplotlib(obj, name=None):
    # Exactly what obj(x, bytes=True) would produce, code by code.
    rgba = obj(np.arange(obj.N))
    under, over, bad = obj(np.array([-1.0, 2.0, np.nan]))
    return _palette(name or obj.name, rgba, under, over, bad)


def _from_cmap(obj, name=None):
    # Listed maps of more than 256 colours (twilight: 510) keep them all, as
    # matplotlib's ListedColormap does; resampling to 256 is off by up to 3 units.
    listed = obj.num_colors and (obj.interpolation == "nearest" or obj.num_colors > 256)
    under, over, bad = (None if c is None else tuple(c.rgba) for c in
                        (obj.under_color, obj.over_color, obj.bad_color))
    return _palette(name or obj.name, obj.lut(obj.num_colors if listed else 256),
                    under, over, bad)


def _from_colours(colours, name="cmap"):
    """A discrete colormap of ``colours``, as matplotlib's ``ListedColormap``."""
    if isinstance(colours, np.ndarray) and colours.dtype.kind == "f" and colours.ndim == 2 \
            and colours.shape[1] in (3, 4) and len(colours):  # many colours: at once
        if not ((colours >= 0) & (colours <= 1)).all():
            raise ValueError(f"{name}: an array of colours must hold floats in 0..1")
        rgba = np.ones((len(colours), 4))
        rgba[:, :colours.shape[1]] = colours
    else:
        rgba = [to_rgba(c, f"{name}[{k}]") for k, c in enumerate(colours)]
    return _palette("custom", rgba)


#: colorcet's names that matplotlib also has: they keep matplotlib's meaning.
MATPLOTLIB_FIRST = frozenset({"coolwarm", "gray", "rainbow"})
#: colorcet's names that the catalogue gives another meaning (ImageJ's fire,
#: the glasbey namespace, colorbrewer's blues): colorcet's wins.
COLORCET_FIRST = frozenset({"fire", "glasbey", "blues"})


def _colorcet(name):
    """colorcet's colormap ``name`` (``"_r"`` reverses) from the colorcet
    package, or None when it is not installed or has no such name."""
    if importlib.util.find_spec("colorcet") is None:
        return None
    import colorcet

    obj = colorcet.cm.get(name)
    if obj is not None and type(obj).__module__.startswith("matplotlib"):
        return _from_matplotlib(obj, name)
    base, rev = (name[:-2], True) if name.endswith("_r") else (name, False)
    colours = colorcet.palette.get(base)  # colorcet without matplotlib: its hex lists
    if colours is None:
        return None
    return _from_colours(colours[::-1] if rev else colours)


def _cache_key():
    """What a stored palette depends on besides its name: the catalogue's and
    colorcet's installed files and this module (their paths and times), found
    without importing them."""
    parts = [__file__]
    for package in ("cmap", "colorcet"):
        spec = importlib.util.find_spec(package)
        parts.append(getattr(spec, "origin", None) or "-")
    key = []
    for path in parts:
        try:
            st = os.stat(path)
            key.append(f"{path}:{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            key.append(f"{path}:absent")
    return "fastheat-palette-1 " + " ".join(key)


def _cache_file(name):
    """Where the palette of catalogue name ``name`` is kept between processes
    (``$FASTHEAT_CACHE_DIR``, else ``$XDG_CACHE_HOME/fastheat``, else
    ``~/.cache/fastheat``), or None (an overlong name)."""
    if len(name) > 100:
        return None
    folder = os.environ.get("FASTHEAT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "fastheat")
    return os.path.join(folder, "palettes", name.encode().hex() + ".bin")


def _load_palette(name):
    """The stored palette of ``name`` when it is still valid, else None.

    Loading the catalogue (``import cmap``, its records, the colormap object)
    takes 40-60 ms, a sixth of a command-line render; the stored float colours
    give the same bytes."""
    path = _cache_file(name)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except (OSError, TypeError):
        return None
    key, sep, body = data.partition(b"\n")
    if not sep or key.decode(errors="replace") != _cache_key() or len(body) % 32 or \
            len(body) < 4 * 32:
        return None
    return _palette_of(name, np.frombuffer(body, "<f8").reshape(-1, 4).copy())


def _store_palette(pal):
    """Keep ``pal`` (a catalogue colormap's) for other processes; silently not
    where the cache folder cannot be written."""
    path = _cache_file(pal.name)
    if path is None:
        return
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(_cache_key().encode() + b"\n" + np.asarray(pal.rgba, "<f8").tobytes())
        os.replace(tmp, path)  # whole or not at all, for processes reading it now
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


@functools.lru_cache(maxsize=64)
def _named(name: str) -> Palette:
    stored = _load_palette(name)
    if stored is not None:
        return stored
    import cmap

    catalog = cmap.Catalog()
    base, rev = (name[:-2], "_r") if name.endswith("_r") and name[:-2] else (name, "")
    cc = next((base[len(p):] for p in ("cet_", "colorcet:") if base.startswith(p)), None)
    if cc is None and base not in MATPLOTLIB_FIRST:
        try:
            key = catalog.resolve(base)
        except KeyError:
            key = "colorcet:"  # unknown to the catalogue: perhaps colorcet's
        if key.startswith("colorcet:") or base in COLORCET_FIRST:
            cc = base
    if cc is not None:
        pal = _colorcet(cc + rev)
        if pal is not None:
            return dataclasses.replace(pal, name=name)
        if "colorcet:" + cc in catalog.namespaced_keys():
            base = "colorcet:" + cc
    try:  # a namespaced key: no ambiguity warning from the catalogue
        key = catalog.resolve(base) + rev
    except KeyError:
        names = sorted(catalog.short_keys() | catalog.namespaced_keys())
        import difflib

        close = difflib.get_close_matches(name, names, n=5, cutoff=0.6)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else \
            "; see cmap.Catalog().short_keys() for the names"
        if cc is not None:
            hint += " (colorcet's names need the colorcet package: pip install colorcet)"
        raise ValueError(f"cmap={name!r} is not a known colormap{hint}") from None
    pal = _from_cmap(cmap.Colormap(key), name)
    _store_palette(pal)
    return pal


def resolve(cmap="viridis", *, under=None, over=None, bad=None) -> Palette:
    """Turn any supported colormap into a :class:`Palette`.

    Parameters
    ----------
    cmap : str, sequence of colours, ``cmap.Colormap`` or matplotlib ``Colormap``
        A name from the catalogue or colorcet (``"_r"`` reverses), a list of
        colours (or an ``(N, 3|4)`` float array): a discrete colormap of them,
        as ``ListedColormap``, or a colormap object. A matplotlib colormap is used exactly, its
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
    elif isinstance(cmap, (list, tuple)) and len(cmap) >= 1 or \
            isinstance(cmap, np.ndarray) and cmap.ndim == 2 and len(cmap):
        pal = _from_colours(cmap)
    else:
        raise TypeError(f"cmap={cmap!r} is not a colormap; pass a name such as 'viridis', a "
                        f"list of colours, a cmap.Colormap or a matplotlib colormap")
    if pal.N > MAX_COLORS:
        raise ValueError(f"cmap has {pal.N} colours; at most {MAX_COLORS} are supported "
                         f"(colormap codes are 16-bit): resample it, e.g. cmap.Colormap(...)")
    if under is None and over is None and bad is None:
        return pal
    ext = [pal.float_table[pal.N + k] if c is None else to_rgba(c, what)
           for k, (c, what) in enumerate(((under, "under"), (over, "over"), (bad, "bad")))]
    return _palette(pal.name, pal.float_table[:pal.N], *ext)
