"""``DataArray.fastheat`` (xarray) and ``DataFrame.fastheat`` (pandas)
accessors, registered when fastheat is imported without importing either:
at once for a library already imported, else by a tiny import hook the
moment it is imported.

>>> import fastheat, pandas as pd
>>> pd.DataFrame([[1, 2], [3, 4]]).fastheat.heatmap().mode
'P'
"""
from __future__ import annotations

import importlib.abc
import sys


class _Accessor:
    def __init__(self, obj):
        self._obj = obj

    def heatmap(self, **options):
        """``fastheat.heatmap(obj, **options)``: a Pillow image, or with ``ax=``
        the Axes drawn into (coordinates, index and names give the labels)."""
        from .entry import heatmap

        return heatmap(self._obj, **options)

    def save(self, path, **options):
        """``fastheat.save(obj, path, **options)``."""
        from .. import api

        return api.save(self._obj, path, **options)

    def plot(self, ax=None, *, yincrease=None, **options):
        """Draw into a matplotlib Axes (the current one by default) with
        :func:`fastheat.imshow`, coordinates as the extent; returns the artist.

        A DataArray is drawn as xarray's own ``.plot()`` draws it: the y axis
        increasing upward (``yincrease=True``, xarray's default; ``False``
        puts it downward, like ``imshow``'s ``origin="upper"``), and the
        aspect ``"auto"``. A DataFrame keeps imshow's layout (row 0 on top)."""
        from .mpl import imshow

        if ax is None:
            import matplotlib.pyplot as plt

            ax = plt.gca()
        xarray = hasattr(self._obj, "dims") and hasattr(self._obj, "coords")
        if xarray:
            options.setdefault("aspect", "auto")
        artist = imshow(ax, self._obj, **options)
        if yincrease is None:
            yincrease = xarray
        lo, hi = ax.get_ylim()
        if (lo > hi) == bool(yincrease):
            ax.set_ylim(hi, lo)
        return artist

    def to_plotly(self, **options):
        from .plotly import to_plotly

        return to_plotly(self._obj, **options)


def _register_xarray(xr):
    if not hasattr(xr.DataArray, "fastheat"):
        xr.register_dataarray_accessor("fastheat")(_Accessor)


def _register_pandas(pd):
    if not hasattr(pd.DataFrame, "fastheat"):
        pd.api.extensions.register_dataframe_accessor("fastheat")(_Accessor)


_HOOKS = {"xarray": _register_xarray, "pandas": _register_pandas}


class _Finder(importlib.abc.MetaPathFinder):
    """Registers the accessor once xarray or pandas has been imported by someone else."""

    def find_spec(self, name, path=None, target=None):
        if name not in _HOOKS or name in _pending:
            return None
        _pending.add(name)
        try:
            import importlib.util

            spec = importlib.util.find_spec(name)
        finally:
            _pending.discard(name)
        if spec is None or spec.loader is None:
            return None
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_and_register(module, _exec=exec_module, _name=name):
            _exec(module)
            try:
                _HOOKS[_name](module)
            finally:
                loader.exec_module = _exec

        loader.exec_module = exec_and_register
        return spec


_pending: set = set()


def install():
    """Register the accessors now for imported libraries, later for the others."""
    for name, register in _HOOKS.items():
        if name in sys.modules and hasattr(sys.modules[name], "__version__"):
            try:
                register(sys.modules[name])
            except AttributeError:  # a partly imported module: the hook finishes it
                pass
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
