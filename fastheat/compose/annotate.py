"""Cell annotations: the values (or given strings) formatted once per
distinct string, the font shrunk to fit the cells, dark text on light cells
and light text on dark ones (seaborn's rule), laid out as one
:class:`~fastheat.compose.scene.CellText` item.

Formatting a million values is the slow part, so equal values are formatted
once (:func:`annotation_strings`), and fixed-point formats first round the
values to the decimals they print (:func:`_pre_round`).
"""
from __future__ import annotations

import os
import re
import sys
import warnings

import numpy as np

from . import AnnotationWarning
from .colours import cell_luminance
from .draw import draw_cell_text
from .scene import CellText
from .text import Stamp, load_font, resize_font, text_height, text_width

#: seaborn's annotation colours: ``".15"`` grey on light cells, white on dark ones,
#: switching at a relative luminance of 0.408.
DARK_TEXT = (38, 38, 38)
LIGHT_TEXT = (255, 255, 255)
LUMINANCE_SWITCH = 0.408




# --------------------------------------------------------------------------- the compose step

def annotation_layer(raster, decor, xaxis, yaxis, table, font):
    """The annotations of the visible cells of ``raster`` (bad cells stay
    blank), in ``font`` (or ``annot_kws``'s size) or smaller: all of them or
    none.

    Parameters
    ----------
    raster : fastheat.color.raster.Raster
    decor : fastheat.options.Decor
        ``annot`` (True, ``"auto"`` or an array of the matrix's shape),
        ``fmt`` and ``annot_kws``.
    xaxis, yaxis : fastheat.compose.ticks.Axis
    table : numpy.ndarray
        The colour table on the canvas: dark text goes on light cells.
    font : PIL.ImageFont.FreeTypeFont

    Returns
    -------
    (CellText or None, int or None)
        The layer (its box the raster's, at ``(0, 0)``; None when nothing is
        drawn) and the font size used (None when the cells are too small
        for any text: an :class:`AnnotationWarning` unless ``annot="auto"``).
    """
    explicit = decor.annot is not False and not (isinstance(decor.annot, str))
    kws = decor.annot_kws
    font = annot_font(decor, font)
    rs, cs = yaxis.starts, xaxis.starts
    min_size = max(4, int(round(6 * decor.scale)))
    cell_w = int(np.diff(xaxis.starts, append=xaxis.n_out).min())
    cell_h = int(np.diff(yaxis.starts, append=yaxis.n_out).min())
    # Nothing can fit: skip formatting a million strings.
    probe = load_font(decor.font, min_size)
    if cell_w - 2 < text_width(probe, "0") or cell_h < text_height(probe, "0"):
        if explicit:
            warnings.warn(f"annot: the cells are {cell_w} x {cell_h} px, too small for any "
                          f"text, and were left blank; render larger (width=, height=, scale=), "
                          f"give no size (the raster then grows to fit the text) or pass "
                          f"annot='auto' to skip silently", AnnotationWarning,
                          stacklevel=user_stacklevel())
        return None, None
    cell_codes = raster.pixel_values(rs, cs, of="cell_codes")
    rows, cols = np.nonzero(cell_codes != raster.palette.N + 2)
    if isinstance(decor.annot, np.ndarray):
        vals = decor.annot[np.ix_(yaxis.cells, xaxis.cells)][rows, cols]
    else:
        vals = raster.pixel_values(rs, cs)[rows, cols]
    labels, which = annotation_strings(vals, decor.fmt)
    lum = cell_luminance(raster.palette.float_table, table)  # seaborn's test, per code
    dark = lum[cell_codes[rows, cols]] > LUMINANCE_SWITCH
    colours = {} if kws.color is None else dict(dark_color=tuple(int(c) for c in kws.color[:3]),
                                                light_color=tuple(int(c) for c in kws.color[:3]))
    h, w = raster.shape
    item, _, size = plan_annotations((yaxis.starts, yaxis.stops), (xaxis.starts, xaxis.stops),
                                     rows, cols, labels, which, dark, font=font,
                                     min_size=min_size, explicit=explicit, box=(0, 0, w, h),
                                     bold=kws.bold, **colours)
    return item, size


def annot_font(decor, font, scale=None):
    """The annotations' font: ``font`` at ``annot_kws``'s size (at ``scale``,
    default the decor's) when it gives one."""
    size = decor.annot_kws.size
    scale = decor.scale if scale is None else scale
    return font if size is None else resize_font(font, size * scale)


def user_stacklevel():
    """``warnings.warn``'s ``stacklevel``, for its caller, of the first frame
    outside fastheat: the user's line that called heatmap/save."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def text_room(font, labels, bold=False):
    """``(height, width)`` of the smallest cell that holds every one of
    ``labels`` in ``font`` without shrinking it, with a margin of about a
    quarter of the font size around the text (the raster's room for
    annotations when no size is given)."""
    stamp = Stamp(font)
    wide = int(stamp.widths(labels).max(initial=0)) + bool(bold)
    top, bottom = _ink_rows(stamp, labels)
    margin = max(2, font.size // 4)
    w, h = wide + 2 * margin, bottom - top + 2 * margin
    while _inner(w, 1) < wide:
        w += 1
    while _inner(h, 0) < bottom - top:
        h += 1
    return h, w


def _inner(cell, least):
    """The room for text in a cell of ``cell`` px: a 6% padding on each side
    (at least ``least`` px)."""
    return cell - 2 * max(least, round(cell * 0.06))


# --------------------------------------------------------------------------- strings

_INT_TYPES = set("bcdoxXn")


def annotation_strings(values, fmt, name="fmt"):
    """Format the 1-D ``values`` with ``fmt``. Returns ``(labels, index)``: the
    distinct strings and, per value, which one it is. Integer format types
    (``"d"``) take whole-number floats. Raises a ValueError naming ``fmt`` and
    the first value it cannot format.

    >>> annotation_strings(np.array([0.5, 1.0, 0.5]), ".1f")
    (['0.5', '1.0'], array([0, 1, 0]))
    """
    vals = np.asarray(values)
    kind = fmt[-1:] if fmt else ""
    if vals.dtype.kind == "f" and kind in _INT_TYPES:
        whole = np.isfinite(vals) & (vals == np.round(vals))
        if not whole.all():
            bad = vals[~whole][0]
            raise ValueError(f"{name}={fmt!r} formats whole numbers, and the annotation value "
                             f"{float(bad)!r} is not a whole number (annotations show the "
                             f"aggregated grid); use a float format such as '.2f' or '.3g'")
        if vals.size and np.abs(vals).max() < 2.0 ** 62:
            vals = vals.astype(np.int64)
        else:  # beyond int64: Python integers
            vals = np.array([int(v) for v in vals.tolist()] + [None], object)[:-1]
    if vals.dtype.kind in "OUS":
        uniq, inverse = _unique_objects(vals)
    else:
        vals = np.ascontiguousarray(_pre_round(vals, fmt))
        if vals.dtype.kind == "f":  # by bit pattern: -0.0 and 0.0 print differently
            bits, inverse = np.unique(vals.view(f"i{vals.itemsize}"), return_inverse=True)
            uniq = bits.view(vals.dtype)
        else:
            uniq, inverse = np.unique(vals, return_inverse=True)
    items = uniq.tolist()
    try:
        if vals.dtype.kind in "US":
            texts = [str(v) for v in items]
        else:
            formatter = ("{:" + fmt + "}").format
            texts = [v if isinstance(v, str) else formatter(v) for v in items]
    except (ValueError, TypeError, IndexError, KeyError, OverflowError) as e:
        bad = next((v for v in items if not _formats(fmt, v)), items[0])
        bad = bad.item() if hasattr(bad, "item") else bad
        raise ValueError(f"{name}={fmt!r} cannot format the annotation value {bad!r} ({e}); "
                         f"use a format spec such as '.2g', '.2f', 'd' (whole numbers) or '.1%'"
                         ) from None
    lookup = {}
    code = np.fromiter((lookup.setdefault(t, len(lookup)) for t in texts), np.intp, len(texts))
    return list(lookup), code[np.asarray(inverse).ravel()]


_FIXED = re.compile(r"^(?:.?[<>=^])?[+\- ]?z?#?0?\d*[,_]?\.(\d+)([fF%])$")


def _pre_round(vals, fmt):
    """For fixed-point formats (``".2f"``, ``".1%"``), replace each value by the
    double nearest the decimal it rounds to, so that a million values that
    print as 201 strings are formatted 201 times. Exact: values within 1e-6 of
    a rounding tie (relative to the last digit) keep their own value, and
    huge magnitudes are left alone."""
    m = _FIXED.match(fmt)
    if m is None or vals.dtype.kind != "f" or vals.size < 64:
        return vals
    digits = int(m.group(1)) + (2 if m.group(2) == "%" else 0)
    if digits > 12:
        return vals
    scale = 10.0 ** digits
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = vals * scale
        frac = np.abs(scaled - np.floor(scaled) - 0.5)
        safe = np.isfinite(scaled) & (np.abs(scaled) < 2.0 ** 50) & (frac > 1e-6)
        rounded = np.round(scaled) / scale
    return np.where(safe, rounded, vals)


def _formats(fmt, v):
    try:
        ("{:" + fmt + "}").format(v)
        return True
    except (ValueError, TypeError, IndexError, KeyError, OverflowError):
        return False


def _unique_objects(vals):
    lookup, inverse = {}, np.empty(vals.size, np.intp)
    for i, v in enumerate(vals.ravel().tolist()):
        inverse[i] = lookup.setdefault(v, len(lookup))
    uniq = np.empty(len(lookup), object)
    uniq[:] = list(lookup)
    return uniq, inverse



# --------------------------------------------------------------------------- fitting the cells

def annotate(region, row_runs, col_runs, rows, cols, labels, which, dark, *, font, min_size,
             explicit=True, dark_color=DARK_TEXT, light_color=LIGHT_TEXT):
    """Write text centred in cells of ``region`` (H, W, C uint8, in place):
    :func:`plan_annotations` (same parameters, the box being ``region``'s),
    then its tiles stamped into ``region``. Returns ``(n_drawn, font_size)``."""
    H, W = region.shape[:2]
    item, drawn, size = plan_annotations(row_runs, col_runs, rows, cols, labels, which, dark,
                                         font=font, min_size=min_size, explicit=explicit,
                                         dark_color=dark_color, light_color=light_color,
                                         box=(0, 0, W, H))
    if item is not None:
        draw_cell_text(region, item)
    return drawn, size


def plan_annotations(row_runs, col_runs, rows, cols, labels, which, dark, *, font, min_size,
                     box, explicit=True, dark_color=DARK_TEXT, light_color=LIGHT_TEXT,
                     bold=False):
    """Lay out text centred in cells: a :class:`CellText` in ``box``.

    The font shrinks from ``font.size`` to fit the smallest cell, but not
    below ``min_size``; if some text still does not fit, no cell is
    annotated (a scattered subset would read as missing data).

    Parameters
    ----------
    row_runs, col_runs : (array, array)
        ``(starts, stops)`` pixel ranges of the cell rows and columns, from
        the box's corner.
    rows, cols : array of int
        Cell ``k`` is ``(rows[k], cols[k])``...
    labels : list of str
    which : array of int
        ... and shows ``labels[which[k]]``...
    dark : array of bool
        ... in ``dark_color`` where ``dark[k]``, else in ``light_color`` (RGB).
    font : PIL.ImageFont.FreeTypeFont
    min_size : int
    box : tuple
        The item's box (the raster's).
    explicit : bool
        Warn (:class:`AnnotationWarning`) when cells are left blank.
    bold : bool
        Thicken the strokes by one pixel (``annot_kws={"weight": "bold"}``).

    Returns
    -------
    (CellText or None, int, int)
        The layer (None when nothing is drawn), how many cells are
        annotated, and the font size.
    """
    rs, re_ = (np.asarray(a) for a in row_runs)
    cs, ce = (np.asarray(a) for a in col_runs)
    n_valid = len(rows)
    if n_valid == 0 or not labels:
        return None, 0, font.size
    cell_h, cell_w = int((re_ - rs).min()), int((ce - cs).min())
    avail_w, avail_h = _inner(cell_w, 1) - bool(bold), _inner(cell_h, 0)
    used = np.zeros(len(labels), bool)
    used[which] = True
    font, size, stamp, widths, (top, bottom) = _fit_font(font, labels, used, avail_w, avail_h,
                                                         min_size)
    fits = (widths <= avail_w) & (bottom - top <= avail_h) & (widths > 0)
    texts = widths[which] > 0  # empty strings need no room
    blank = int((texts & ~fits[which]).sum())
    if blank:  # all or nothing
        if explicit:
            warnings.warn(f"annot: {blank} of {n_valid} annotated cells are too small for their "
                          f"text at font size {size} (cells are {cell_w} x {cell_h} px), so no "
                          f"cell was annotated; render larger (width=, height=, scale=) or give "
                          f"no size (the raster then grows to fit the text), use a shorter fmt, "
                          f"or pass annot='auto' to skip silently",
                          AnnotationWarning, stacklevel=user_stacklevel())
        return None, 0, size
    ok = fits[which]
    drawn = int(ok.sum())
    if drawn == 0:
        return None, 0, size
    tile_w = int(widths[fits].max())
    tile_h = bottom - top
    tiles = stamp.tiles(labels, tile_w, top, bottom)
    if bold:  # each stroke one pixel wider
        tiles = np.pad(tiles, ((0, 0), (0, 0), (0, 1)))
        np.maximum(tiles[:, :, 1:], tiles[:, :, :-1].copy(), out=tiles[:, :, 1:])
        tile_w += 1
    tiles[~fits] = 0
    rows, cols, which = np.asarray(rows)[ok], np.asarray(cols)[ok], np.asarray(which)[ok]
    y0 = rs[rows] + (re_[rows] - rs[rows] - tile_h) // 2
    x0 = cs[cols] + (ce[cols] - cs[cols] - tile_w) // 2
    item = CellText("annotation", tuple(box), font, labels, which, x0, y0,
                    np.asarray(dark)[ok], (light_color, dark_color), tiles, -top)
    return item, drawn, size


def _fit_font(font, labels, used, avail_w, avail_h, min_size):
    """Shrink ``font`` until the ``used`` labels fit ``avail_w`` x ``avail_h``
    px or it reaches ``min_size``. Returns ``(font, size, stamp, ink widths of
    the labels, (top, bottom) of their ink)``."""
    size = font.size
    while True:
        stamp = Stamp(font)
        widths = stamp.widths(labels)
        top, bottom = _ink_rows(stamp, labels)
        fits_h = bottom - top <= avail_h
        widest = int(widths[used].max())
        if (widest <= avail_w and fits_h) or size <= min_size:
            return font, size, stamp, widths, (top, bottom)
        shrink = min(avail_w / max(widest, 1), avail_h / max(bottom - top, 1))
        size = max(min_size, min(size - 1, int(size * shrink)))
        font = resize_font(font, size)


def _ink_rows(stamp, texts):
    """Top and bottom of the ink of all ``texts`` relative to the baseline."""
    top, bottom = 0, 0
    for ch in set("".join(texts)):
        mask, _, t = stamp.glyph(ch)[:3]
        if mask.size:
            top, bottom = min(top, t), max(bottom, t + mask.shape[0])
    if bottom <= top:
        return 0, 1
    return top, bottom
