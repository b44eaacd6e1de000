"""fastheat: fast, faithful heatmaps of huge matrices.

>>> import numpy as np, fastheat
>>> fastheat.to_rgba(np.eye(4), cmap="gray").shape
(400, 400, 4)
"""
from .api import aggregate, heatmap, save, to_rgba
from .compose import AnnotationWarning
from .sources import register_source

__all__ = ["AnnotationWarning", "HeatmapImage", "aggregate", "heatmap", "register_source", "save",
           "to_rgba", "view"]
__version__ = "0.1.0"


def __getattr__(name):  # HeatmapImage subclasses Pillow's image: load Pillow on first use
    if name == "HeatmapImage":
        from .notebook import HeatmapImage

        return HeatmapImage
    if name == "view":  # the interactive viewer: its modules load on first use
        from .frontends.viewer import view

        return view
    raise AttributeError(f"module 'fastheat' has no attribute {name!r}")
