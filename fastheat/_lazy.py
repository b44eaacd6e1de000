"""Modules imported on first use, so that paths that never run a kernel never
load numba (0.2-0.4 s per process: a whole command-line render of a
megapixel matrix at its own size takes less).

``K = lazy_module("fastheat.aggregation._kernels")`` stands where ``from .
import _kernels as K`` stood: the module is imported at the first attribute
use (``K.accumulate``), not when the importing module is.
"""
from __future__ import annotations

import importlib


class LazyModule:
    """Module ``name``, imported at the first use of one of its attributes
    (setting and deleting attributes forward too, for tests' monkeypatching).

    >>> m = LazyModule("json")
    >>> m.dumps([1])
    '[1]'
    """

    __slots__ = ("_name", "_module")

    def __init__(self, name: str):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_module", None)

    def _load(self):
        module = self._module
        if module is None:
            module = importlib.import_module(self._name)
            object.__setattr__(self, "_module", module)
        return module

    def __getattr__(self, attr):
        return getattr(self._load(), attr)

    def __setattr__(self, attr, value):
        setattr(self._load(), attr, value)

    def __delattr__(self, attr):
        delattr(self._load(), attr)

    def __dir__(self):
        return dir(self._load())

    def __repr__(self):
        state = "loaded" if self._module is not None else "not loaded yet"
        return f"<lazy module {self._name!r} ({state})>"


def lazy_module(name: str) -> LazyModule:
    """A stand-in for module ``name`` that imports it on first use."""
    return LazyModule(name)
