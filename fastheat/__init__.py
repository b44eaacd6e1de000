"""fastheat: fast, faithful heatmaps of huge matrices.

>>> import numpy as np, fastheat
>>> fastheat.to_rgba(np.eye(4), cmap="gray").shape
(400, 400, 4)
"""
from .aggregation import aggregate
from .overlays import AnnotationWarning
from .render import heatmap, save, to_rgba

__all__ = ["AnnotationWarning", "aggregate", "heatmap", "save", "to_rgba"]
__version__ = "0.1.0"
