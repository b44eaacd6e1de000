"""Aggregate stage: a 2-D input -> a float grid at output resolution, reading it once.

(The stage is ``aggregation``; the public function :func:`fastheat.aggregate` keeps
the shorter name.)
"""
from .fold import MAX_PIXELS, MAX_SIDE, NATIVE, REDUCTIONS, output_shape

__all__ = ["MAX_PIXELS", "MAX_SIDE", "NATIVE", "REDUCTIONS", "output_shape"]
