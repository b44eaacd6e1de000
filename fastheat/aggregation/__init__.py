"""Aggregate stage: a 2-D input -> a float grid at output resolution, reading it once.

:mod:`.geometry` (sizes, area weights), :mod:`.reductions` (the table of
``reduce=`` choices), :mod:`.fold` (plans, blocks, the fold loop, merges) and
:mod:`._kernels`. (The stage is ``aggregation``; the public function
:func:`fastheat.aggregate` keeps the shorter name.)
"""
from .fold import NATIVE
from .geometry import MAX_PIXELS, MAX_SIDE, output_shape
from .reductions import REDUCTIONS

__all__ = ["MAX_PIXELS", "MAX_SIDE", "NATIVE", "REDUCTIONS", "output_shape"]
