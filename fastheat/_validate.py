"""Checks shared by the stages' option records."""
from __future__ import annotations

import math
import numbers
import re

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
    """``repr(v)`` on one line, shortened in the middle beyond ``limit``
    characters (an int of 400 digits, a long string, an array: with its
    digits, items or shape) for error messages.

    >>> short_repr(10 ** 400)
    '100000000000000000000000000…000000000000000000000000000 (401 digits)'
    >>> short_repr(np.linspace(0, 1, 300))
    'array([0. , 0.00334448, 0.0…99331104, 0.99665552, 1. ]) (shape (300,))'
    """
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 10 ** limit:
        text, tail = str(v), f" ({len(str(abs(v)))} digits)"
    elif isinstance(v, np.ndarray):  # on one line, unpadded: numpy's repr spans lines
        text, tail = re.sub(r"\s+", " ", repr(v)), f" (shape {v.shape})"
    else:
        text, tail = re.sub(r"\s*\n\s*", " ", repr(v)), ""
        if isinstance(v, (list, tuple)) and len(text) > limit:
            tail = f" ({len(v)} items)"
    if len(text) <= limit:
        return text  # (an int beyond 10**limit never is)
    half = (limit - 6) // 2
    return text[:half] + "\u2026" + text[-half:] + tail
