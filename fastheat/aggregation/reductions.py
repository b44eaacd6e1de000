"""The reductions table: every fact about each ``reduce=`` choice, in one place.

A reduction folds input cells into a *state* of a few planes per pixel (the
kernel's state kind, ``code``), which merges with other partial states of the
same kind (:func:`fastheat.aggregation._kernels.merge`, chosen by ``code`` too)
and is finished into values. ``nearest`` has no state: it picks cells.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from . import _states as K  # the state kinds alone: no numba at import


class DataRange(NamedTuple):
    """The input's finite values, gathered in the aggregation's pass over it
    (a plan with ``track=True``): each None when unknown or not used."""

    min: float | None = None
    max: float | None = None
    min_positive: float | None = None


@dataclass(frozen=True)
class Reduction:
    """One row of :data:`REDUCTIONS`.

    Attributes
    ----------
    name : str
        The ``reduce=`` value.
    code : int or None
        State kind: selects the accumulate and merge rules in
        :mod:`~fastheat.aggregation._kernels`; None for ``nearest`` (no state).
    planes : int
        Planes of the state (``(planes, height, width)`` float64).
    fill : float
        A fresh state's value: 0 for sums and counts, NaN ("none yet") for extremes.
    finish : callable or None
        ``finish(state) -> (height, width)`` values, NaN where nothing was valid.
    keeps_dtype : bool
        The values are input values (or their mean): normalized in the input's
        dtype, as matplotlib would, rather than in float64.
    datashader : callable or None
        ``datashader(ds, column)``: the datashader reduction that bins a point
        table's ``column`` this way (``ds`` is the datashader module); None: not
        available for point tables.
    input_range : tuple of str
        The :class:`DataRange` fields that mean something for this reduction's
        values (a norm's default range may take them): all three for values
        on the input's scale; the smallest positive value for ``sum`` (a pixel
        holding less than one cell of it is a sliver of a cell); none for
        counts, spreads and picked cells.
    """

    name: str
    code: int | None
    planes: int
    fill: float
    finish: Callable | None
    keeps_dtype: bool
    datashader: Callable | None
    input_range: tuple = ()

    def new_state(self, shape, track=False, planes=None):
        """A fresh state for an output grid of ``shape`` (``planes`` of its
        own, default :attr:`planes`); with ``track``, with the planes that
        gather the input's range after those."""
        planes = self.planes if planes is None else planes
        shape = (planes + K.TRACKED * track,) + tuple(shape)
        check_state_memory(shape, self.name)
        # zeros come from calloc: the kernel's threads touch the pages first,
        # in parallel, instead of one thread filling them; +0, not -0: the
        # kernel's row sums may be -0 where a sum from 0 is +0 (_row_sums)
        state = np.zeros(shape) if self.fill == 0 else np.full(shape, self.fill)
        state[planes:] = np.nan
        return state

    def tracks(self, state):
        """Whether ``state`` has the planes that gather the input's range."""
        return state.shape[0] > self.planes

    def data_range(self, state):
        """The :class:`DataRange` a tracking ``state`` gathered (see :meth:`range_of`)."""
        planes = state[-K.TRACKED:]
        return self.range_of(np.fmin.reduce(planes[0], axis=None),
                             np.fmax.reduce(planes[1], axis=None),
                             np.fmin.reduce(planes[2], axis=None))

    def range_of(self, lo, hi, pos):
        """The :class:`DataRange` of an input whose smallest, largest and
        smallest positive finite values are ``lo``, ``hi``, ``pos`` (NaN:
        none), with only the fields in :attr:`input_range` set."""
        return DataRange(*(float(v) if f in self.input_range and v == v else None
                           for f, v in zip(DataRange._fields, (lo, hi, pos))))

    def values(self, state):
        """The values of a (merged) state; NaN where a pixel saw no valid value."""
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return self.finish(state)

    def __reduce__(self):
        # pickled by name (dask ships plans to workers): rows hold functions
        return reduction, (self.name,)


def physical_memory():
    """This machine's memory in bytes (None where the OS does not say)."""
    import os

    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


#: Bytes a pixel beyond the state to colour and encode a raster (codes, the
#: norm's temporaries, the image; measured at most 10.2 by
#: benchmarks/bench_limits.py).
AFTER_STATE = 12


def check_state_memory(shape, name):
    """Refuse, before allocating, a render whose state (``(planes, height,
    width)`` float64) and colouring need more than this machine's memory: the
    state's pages come from calloc and are touched only by the kernel, so the
    allocation itself would succeed and the kernel be killed mid-render."""
    planes, height, width = shape[0], shape[-2], shape[-1]
    need, have = (8 * planes + AFTER_STATE) * height * width, physical_memory()
    if have is not None and need > have:
        raise ValueError(
            f"a {width:,} x {height:,} px raster with reduce={name!r} needs about "
            f"{need / 2**30:.1f} GiB ({planes} float64 value{'s' * (planes != 1)} a pixel for its "
            f"aggregation state, and about {AFTER_STATE} bytes a pixel to colour it), more than "
            f"this machine's {have / 2**30:.1f} GiB of memory: ask for a smaller width= or "
            "height=, or render it in tiles (fastheat tiles)")


def _mean(state):
    return state[0] / state[1]


def _sum(state):  # NaN where no valid cell had weight
    return np.where(state[1] > 0, state[0], np.nan)


def _std(state):
    return np.sqrt(state[2] / state[1])


def _count(state):
    return np.where(state[0] > 0, state[0], np.nan)


def _first(state):
    return state[0]


def _absmax_agg(ds, column):
    # datashader has no absmax: both extremes, merged by the absmax rule afterwards
    return ds.summary(hi=ds.max(column), lo=ds.min(column))


def _row(name, code, planes, finish, keeps_dtype, datashader, input_range=()):
    fill = np.nan if code in (K.MIN, K.MAX, K.ABSMAX) else 0.0
    return Reduction(name, code, planes, fill, finish, keeps_dtype, datashader, input_range)


_ALL = DataRange._fields


#: ``reduce=`` name -> :class:`Reduction`, in the order errors and the CLI list them.
REDUCTIONS = {r.name: r for r in (
    _row("mean", K.MOMENTS, 2, _mean, True, lambda ds, c: ds.mean(c), _ALL),
    _row("sum", K.MOMENTS, 2, _sum, False, lambda ds, c: ds.sum(c), ("min_positive",)),
    _row("min", K.MIN, 1, _first, True, lambda ds, c: ds.min(c), _ALL),
    _row("max", K.MAX, 1, _first, True, lambda ds, c: ds.max(c), _ALL),
    _row("absmax", K.ABSMAX, 1, _first, True, _absmax_agg, _ALL),
    _row("std", K.MOMENTS2, 3, _std, False, lambda ds, c: ds.std(c)),
    _row("count", K.COUNT, 1, _count, False, lambda ds, c: ds.count(c)),
    _row("nearest", None, 0, None, True, None),
)}


def reduction(name) -> Reduction:
    """The :class:`Reduction` called ``name``, or an error listing the choices."""
    try:
        return REDUCTIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"reduce={name!r} is not a reduction; choose one of "
                         + ", ".join(map(repr, REDUCTIONS))) from None
