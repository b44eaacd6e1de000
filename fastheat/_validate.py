"""Checks shared by the stages' option records."""
from __future__ import annotations

import math
import numbers

import numpy as np


def is_number(v) -> bool:
    """A finite real number, not a bool; a Python int beyond the float range
    is not one (no float holds it).

    >>> is_number(2.5), is_number(True), is_number(float("nan")), is_number(10 ** 400)
    (True, False, False, False)
    """
    if not isinstance(v, numbers.Real) or isinstance(v, (bool, np.bool_)):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an int too large for a float
        return False


def real(name, v, allowed="a finite number or None"):
    """``v`` as a number the norm and tick arithmetic can use, or None for
    None: finite Python and numpy floats and ints as they are (matplotlib
    converts each type its own way), float16 and longdouble as float64
    (range arithmetic in float16 overflows; longdouble is not a type
    numpy's ufuncs all take), ints beyond int64 as float64. Raises a
    ValueError naming ``name`` for anything else: bools, complex numbers,
    NaN, +-inf, strings, arrays, ints beyond the float range.

    >>> real("vmax", 2 ** 64), real("vmin", np.float16(3)), real("center", None)
    (1.8446744073709552e+19, 3.0, None)
    """
    if v is None:
        return None
    if not is_number(v) or isinstance(v, np.ndarray):
        raise ValueError(f"{name}={short_repr(v)} must be {allowed}")
    if isinstance(v, (np.float16, np.longdouble)) or (
            isinstance(v, int) and not -2 ** 63 <= v < 2 ** 64):
        f = float(v)
        if not math.isfinite(f):
            raise ValueError(f"{name}={short_repr(v)} must be {allowed} (beyond the float64 "
                             f"range)")
        return f
    return v


def short_repr(v, limit=60):
    """``repr(v)``, shortened in the middle beyond ``limit`` characters (an
    int of 400 digits, a long string) for error messages.

    >>> short_repr(10 ** 400)
    '100000000000000000000000000…000000000000000000000000000 (401 digits)'
    """
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 10 ** limit:
        text, tail = str(v), f" ({len(str(abs(v)))} digits)"
    else:
        text, tail = repr(v), ""
    if len(text) <= limit:
        return text + tail
    half = (limit - 6) // 2
    return text[:half] + "\u2026" + text[-half:] + tail
