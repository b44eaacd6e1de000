"""fastheat: fast, faithful heatmaps of huge matrices.

>>> import numpy as np, fastheat
>>> fastheat.to_rgba(np.eye(4), cmap="gray").shape
(400, 400, 4)
"""
from .api import aggregate, save, to_rgba
from .api import heatmap as _heatmap
from .compose import AnnotationWarning
from .sources import register_source

__all__ = ["AnnotationWarning", "HeatmapImage", "aggregate", "heatmap", "imshow", "register_source",
           "render_info", "save", "to_plotly", "to_rgba"]
__version__ = "0.1.0"

import functools as _functools  # noqa: E402

from .frontends import accessors as _accessors  # noqa: E402


@_functools.wraps(_heatmap)
def heatmap(data, **kwargs):
    if kwargs.get("ax") is not None:  # sns.heatmap(data, ax=ax): into a matplotlib Axes
        from .frontends.mpl import heatmap_on_axes

        return heatmap_on_axes(data, **kwargs)
    kwargs.pop("ax", None)
    return _heatmap(data, **kwargs)


_accessors.install()  # DataArray.fastheat / DataFrame.fastheat, without importing either


#: Names loaded on first use: their modules import Pillow, matplotlib or plotly.
_LAZY = {"HeatmapImage": ("notebook", "HeatmapImage"),
         "render_info": ("frontends.info", "render_info"), "imshow": ("frontends.mpl", "imshow"),
         "to_plotly": ("frontends.plotly", "to_plotly"), "mpl": ("frontends.mpl", None)}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        mod = importlib.import_module(f".{module}", __name__)
        return mod if attr is None else getattr(mod, attr)
    raise AttributeError(f"module 'fastheat' has no attribute {name!r}")
