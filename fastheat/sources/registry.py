"""The source registry: which :class:`Source` reads what the user passed.

Each input type is one module that ends by registering an ``(accept,
factory)`` pair, as Pillow's format plugins do: :func:`open_source` asks each
entry's cheap ``accept(data)`` in turn (by type and module name, importing no
optional library) and the first that accepts builds the source. Users add
types with :func:`register_source`. Nothing here reads the data.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .base import Source

_USER = []  # registered by users: asked first, the most recent first
_BUILTIN = []  # this package's modules, in the order they registered
_FALLBACK = []  # asked last: arrays (anything numpy.asarray takes)
#: The modules that register the built-in sources, imported on first use (so
#: that ``import fastheat`` imports none of their helpers); their entries
#: accept disjoint types, so their order does not matter.
_MODULES = ("array", "frame", "memmap", "chunked", "dask", "xarray", "points")
#: The modules of sources that take no numpy array and load numba at import
#: (their own kernels): imported at the first input that is not an array, so
#: that rendering an array loads numba only when a kernel runs (a matrix at
#: its own size runs none).
_NOT_ARRAYS = ("sparse", "cooler", "anndata")
#: Reading options only some sources take (None: not given), and who takes them.
SOURCE_OPTIONS = {"implicit": "sparse inputs (scipy.sparse, cooler, AnnData)",
                  "balance": "cooler files and objects", "region": "cooler files and objects",
                  "resolution": "multi-resolution cooler files (.mcool)",
                  "layer": "AnnData objects and .h5ad files"}
#: Reading options every matrix takes: its cells' coordinates (see :mod:`..aggregation.uneven`).
COORD_OPTIONS = ("xcoords", "ycoords", "xscale", "yscale")


@dataclass(frozen=True, eq=False)
class _Entry:
    accept: Callable
    factory: Callable
    points: bool
    name: str
    options: tuple = ()  # the SOURCE_OPTIONS its factory takes as keywords


class Registration:
    """The handle :func:`register_source` returns: :meth:`unregister` removes
    the entry; as a context manager it unregisters on exit."""

    def __init__(self, entry):
        self.entry = entry

    def unregister(self):
        """Remove the entry (again: a no-op)."""
        if self.entry in _USER:
            _USER.remove(self.entry)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.unregister()

    def __repr__(self):
        return f"<source registration {self.entry.name!r}>"


def register_source(accept: Callable, factory: Callable, *, points: bool = False,
                    name: str | None = None) -> Registration:
    """Teach :func:`open_source` (and so every fastheat function) a new input type.

    Parameters
    ----------
    accept : callable
        ``accept(data) -> bool``: whether ``data`` is of this type. Called for
        every input, so keep it cheap: test the type or its module's name
        (``type(data).__module__``) rather than importing a library.
    factory : callable
        ``factory(data, *, progress)`` returns a :class:`Source` for accepted
        ``data``; with ``points=True``, ``factory(data, *, points, progress)``
        with the :class:`Points` options. ``progress``: whether to show a
        progress bar on stderr while reading. It may raise for accepted data
        that cannot be read (say what to pass instead).
    points : bool
        The type is a table of points: asked only when point options (``x=``,
        ``y=`` ...) are given. Other entries are asked only when none are.
    name : str, optional
        For ``repr`` and errors (default: the factory's name).

    Returns
    -------
    Registration
        ``.unregister()`` removes the entry; ``with register_source(...):``
        removes it on leaving the block.

    Notes
    -----
    Order: user entries are asked before the built-in ones, the most recent
    first, so a registration overrides fastheat's own handling of a type (and
    an earlier registration). A :class:`Source` passed in is used as it is.

    Examples
    --------
    >>> import numpy as np, fastheat
    >>> from fastheat.sources import ArraySource, register_source
    >>> class Rows:  # a toy container: a list of equal-length rows
    ...     def __init__(self, rows):
    ...         self.rows = rows
    >>> with register_source(lambda d: isinstance(d, Rows),
    ...                      lambda d, *, progress: ArraySource(np.array(d.rows))):
    ...     fastheat.aggregate(Rows([[1, 2], [3, 4]]), width=1, height=1)
    array([[2.5]])
    """
    for what, fn in (("accept", accept), ("factory", factory)):
        if not callable(fn):
            raise TypeError(f"register_source: {what}={fn!r} must be callable; see "
                            f"help(fastheat.register_source)")
    entry = _Entry(accept, factory, bool(points), name or getattr(factory, "__name__", "source"))
    _USER.insert(0, entry)
    return Registration(entry)


def _register_builtin(accept, factory, *, points=False, last=False, options=()):
    """:func:`register_source` for this package's modules (asked after users'
    entries; ``last``: after every other entry; ``options``: the
    :data:`SOURCE_OPTIONS` the factory takes as keywords)."""
    (_FALLBACK if last else _BUILTIN).append(
        _Entry(accept, factory, points, getattr(factory, "__name__", "source"), tuple(options)))


_loaded = set()


def _entries(data=None):
    """Every entry that may accept ``data``, in the order they are asked."""
    for module in _MODULES if isinstance(data, np.ndarray) else _MODULES + _NOT_ARRAYS:
        if module not in _loaded:
            importlib.import_module(f"{__package__}.{module}")
            _loaded.add(module)
    return _USER + _BUILTIN + _FALLBACK


def open_source(data, *, points=None, progress: bool = False, reading=None) -> Source:
    """Wrap what the user passed in the :class:`Source` that reads it.

    Parameters
    ----------
    data : object
        Anything a registered source accepts: numpy arrays (masked, memory-mapped),
        nested lists, pandas DataFrames, zarr arrays, h5py datasets, dask arrays,
        xarray DataArrays, with point options a pandas or dask DataFrame of
        points (see :func:`register_source` for the order); a :class:`Source`
        is returned as it is.
    points : fastheat.sources.points.Points, optional
        Point options; None or all fields None: ``data`` is a matrix.
    progress : bool
        Show a progress bar on stderr while an out-of-core or distributed input
        is read.
    reading : fastheat.options.Reading, optional
        Its :data:`SOURCE_OPTIONS` go to the sources that take them (an error
        for others); its :data:`COORD_OPTIONS` give the matrix uneven cells.
    """
    given = {} if reading is None else {
        n: getattr(reading, n) for n in SOURCE_OPTIONS
        if getattr(reading, n, None) is not None and getattr(reading, n) is not False}
    coords = {} if reading is None else {
        n: getattr(reading, n) for n in COORD_OPTIONS if getattr(reading, n, None) is not None}
    if isinstance(data, Source):
        source = data
        _check_taken(given, (), type(data).__name__)
    else:
        source = _open(data, points, progress, given)
    if coords:
        from .coords import uneven_source

        source = uneven_source(source, **coords)
    return source


def _check_taken(given, takes, what):
    for name in given:
        if name not in takes:
            raise TypeError(f"{name}= is an option for {SOURCE_OPTIONS[name]}, not for {what}")


def _open(data, points, progress, given):
    table = points is not None and points.active
    for entry in _entries(data):
        if entry.points == table and entry.accept(data):
            _check_taken(given, entry.options, type(data).__name__)
            if table:
                return entry.factory(data, points=points, progress=progress)
            return entry.factory(data, progress=progress, **given)
    # every input is accepted by the array fallback, so only point options get here
    raise TypeError(f"x=, y=, value=, x_range= and y_range= are options for point tables "
                    f"(a pandas or dask DataFrame), not for {type(data).__name__}")
