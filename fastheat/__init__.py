"""fastheat: fast, faithful heatmaps of huge matrices.

>>> import numpy as np, fastheat
>>> fastheat.to_rgba(np.eye(4), cmap="gray").shape
(400, 400, 4)
"""
from .api import aggregate, heatmap, render_info, save, to_rgba
from .compose import AnnotationWarning
from .sources import register_source

__all__ = ["AnnotationWarning", "HeatmapImage", "aggregate", "heatmap", "imshow", "register_source",
           "render_info", "save", "to_plotly", "to_rgba"]
__version__ = "0.1.0"

from .frontends import accessors as _accessors  # noqa: E402

_accessors.install()  # DataArray.fastheat / DataFrame.fastheat, without importing either


#: Names loaded on first use: their modules import Pillow, matplotlib or plotly.
_LAZY = {"HeatmapImage": ("notebook", "HeatmapImage"), "imshow": ("frontends.mpl", "imshow"),
         "to_plotly": ("frontends.plotly", "to_plotly"), "mpl": ("frontends.mpl", None)}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        mod = importlib.import_module(f".{module}", __name__)
        return mod if attr is None else getattr(mod, attr)
    raise AttributeError(f"module 'fastheat' has no attribute {name!r}")
