"""Checks shared by the stages' option records."""
from __future__ import annotations

import math
import numbers


def is_number(v) -> bool:
    """A finite real number, not a bool.

    >>> is_number(2.5), is_number(True), is_number(float("nan"))
    (True, False, False)
    """
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)
