"""fastheat: fast, faithful heatmaps of huge matrices.

>>> import numpy as np, fastheat
>>> fastheat.to_rgba(np.eye(4), cmap="gray").shape
(400, 400, 4)
"""
import importlib

__all__ = ["AnnotationWarning", "HeatmapImage", "aggregate", "heatmap", "imshow", "register_source",
           "render_info", "save", "to_plotly", "to_rgba", "view"]
__version__ = "0.1.0"

# Public names load their module on first use (PEP 562): ``import fastheat``
# costs no numpy or numba import, and ``fastheat --version`` none either.
# Front-ends import matplotlib or plotly only then.
_WHERE = {"aggregate": "api", "heatmap": "frontends.entry", "save": "api", "to_rgba": "api",
          "AnnotationWarning": "compose", "register_source": "sources",
          "HeatmapImage": "notebook",  # HeatmapImage subclasses Pillow's image
          "render_info": "frontends.info", "imshow": "frontends.mpl",
          "to_plotly": "frontends.plotly", "view": "frontends.viewer"}


_SUBMODULES = ("aggregation", "api", "cli", "color", "compose", "demo", "encode", "frontends",
               "notebook", "options", "outofcore", "sources")


def __getattr__(name):
    if name == "mpl":
        return importlib.import_module(".frontends.mpl", __name__)
    module = _WHERE.get(name)
    if module is None:
        if name in _SUBMODULES:  # ``fastheat.api`` works after ``import fastheat``, as it did
            return importlib.import_module(f".{name}", __name__)
        raise AttributeError(f"module 'fastheat' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


from .frontends import accessors as _accessors  # noqa: E402

_accessors.install()  # DataArray.fastheat / DataFrame.fastheat, without importing either
