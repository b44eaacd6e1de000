"""The JIT options, set once for every kernel (datashader's ``ngjit``).

``cache=True``: a second process loads the machine code instead of
recompiling. No fastmath: NaN must stay NaN. Kernels are pure functions on
arrays their callers allocated and validated: numba does not check bounds.

Importing this module does not import numba: ``jit`` and ``pjit`` are made
(and numba configured) when a kernel module first asks for them (PEP 562),
and kernel modules are imported when a kernel is first called
(:mod:`fastheat._lazy`), so that a process that runs none never pays for
numba (0.2-0.4 s).
"""
from __future__ import annotations

import os
import sys
import threading

# After each parallel kernel numba's OpenMP workers spin for milliseconds
# before sleeping, taking a core from what runs next (the PNG encoder's
# threads: 6% slower decorated saves on 2 cores). Passive waiting costs the
# kernels nothing measurable. Read once, when OpenMP starts; a user's own
# setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# A parallel kernel entered from several threads at once aborts the process
# under numba's "workqueue" threading layer, and oversubscribes the cores under
# the others: callers hold this lock around every `pjit` call (threads take
# turns, each call using every core).
KERNEL_LOCK = threading.Lock()

#: Work (array items) from which a kernel with a numpy twin always runs jitted.
JIT_ITEMS = 1 << 23
_cold_calls = [0]


def use_jit(items: int) -> bool:
    """Whether a kernel that has a numpy twin should run jitted on ``items``.

    The first call of any cached kernel in a process costs 0.2-0.4 s: numba
    imports and registers its implementations (``load_additional_registries``)
    before it can load the machine code. A process that renders one
    megapixel-sized raster (the command line) is faster with numpy's few
    milliseconds; a process that renders again, or renders big inputs, or has
    already paid the cost (another kernel ran), is faster jitted. So: jitted
    for ``items >= JIT_ITEMS``, once numba's registries are loaded, or from
    the third call on; numpy before that.
    """
    if items >= JIT_ITEMS or "numba.np.arraymath" in sys.modules:
        return True
    _cold_calls[0] += 1
    return _cold_calls[0] > 2


def _decorators():
    """numba, configured, and the two decorators every kernel is compiled with."""
    import numba as nb

    # Fork safety: GNU OpenMP (numba's default layer on Linux when TBB is absent)
    # kills a child forked after a parallel kernel ran ("fork() called from a
    # process already using GNU OpenMP"), so a multiprocessing.Pool with Linux's
    # fork start method waited forever. "forksafe" picks TBB when installed, else
    # numba's own "workqueue" pool (fork safe; not safe to enter from several
    # threads at once, which KERNEL_LOCK above already prevents). Measured on 2
    # cores: no slower than OpenMP (README, Limits). A user's own
    # NUMBA_THREADING_LAYER wins; it must be set before the first parallel kernel
    # (every kernel module gets its decorators here, before any kernel exists).
    if "NUMBA_THREADING_LAYER" not in os.environ:
        _preload_tbb()
        nb.config.THREADING_LAYER = "forksafe"
    return {"nb": nb, "jit": nb.njit(cache=True, nogil=True),
            "pjit": nb.njit(cache=True, nogil=True, parallel=True)}


def _preload_tbb():
    """Make the ``tbb`` wheel's library visible to numba, which opens
    ``libtbb.so.12`` by name: pip puts it in ``<prefix>/lib``, off the
    loader's path, so numba fell back to ``workqueue``. That layer aborts the
    process when two threads enter it at once, which other libraries' parallel
    kernels do: datashader's ``Canvas.raster`` of a dask array after a fastheat
    render ("Concurrent access has been detected"). TBB is fork safe and
    thread safe, and no slower here (10k^2 -> 1000^2: 12.2-12.4 against
    12.6-13.1 ms). Linux only: elsewhere the wheel's layout differs."""
    path = os.path.join(sys.prefix, "lib", "libtbb.so.12")
    if sys.platform.startswith("linux") and os.path.exists(path):
        import ctypes

        try:
            ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
        except OSError:  # another architecture's or a broken file: numba falls back
            pass


def __getattr__(name):
    # jit, pjit, nb: made on first use, importing numba (see the module docstring)
    if name in ("nb", "jit", "pjit"):
        made = _decorators()
        globals().update(made)
        return made[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
