"""The viewer's engine: a deep-zoom pyramid over any source, one norm for all tiles.

Level ``z`` of the pyramid (``min_level <= z <= max_level``, numbered as
OpenSeadragon numbers them) shows ``f = 2 ** (max_level - z)`` cells per pixel
along each axis; ``max_level`` shows one pixel per cell. Tile ``(x, y)`` of
level ``z`` covers the cell window rows ``y * 256 * f .. (y + 1) * 256 * f``,
columns likewise (clipped to the matrix), and its values are exactly
``fastheat.aggregate(window, height=ceil(rows / f), width=ceil(cols / f))``:
exact area weights, so edge tiles stretch their last pixels as OpenSeadragon
draws them. The colours come from one norm fitted once, on the exact whole
view (the default render), so tiles agree with each other.
"""
from __future__ import annotations

import collections
import hashlib
import io
import json
import math
import os
import threading

import numpy as np

from ... import api, options
from ...aggregation.reductions import REDUCTIONS, reduction
from ...color import colormaps
from ...color.norms import NORMS
from ...color.raster import Raster
from ...sources import open_source
from ...sources.array import ArraySource
from ...sources.base import Labels
from . import stream
from .stream import TILE

#: Levels whose tiles cover windows of at least this many cells a side are
#: "coarse": built once, up front, and cached on disk.
COARSE_FACTOR = 16
#: Most bytes the disk cache keeps for all inputs together: when a viewer first
#: writes there, the least recently used inputs' entries beyond it are removed
#: (never the input being viewed).
DISK_CACHE_MAX = 4 << 30
#: Options a view may change from the page (the rest are fixed at start).
VIEW_OPTIONS = ("cmap", "norm", "vmin", "vmax")
#: Largest side of the preview (first paint): that many rows are read.
PREVIEW_SIDE = 384


def levels(shape):
    """``(min_level, max_level)`` of the pyramid of a matrix of ``shape``:
    ``max_level`` is one pixel per cell (OpenSeadragon's numbering: level
    ``z`` is ``2 ** (max_level - z)`` cells per pixel), ``min_level`` the first
    whose image fits in one tile.

    >>> levels((30_000, 30_000))
    (8, 15)
    >>> levels((1000, 700)), levels((10, 3))
    ((8, 10), (4, 4))
    """
    top = max(0, math.ceil(math.log2(max(shape))))
    return max(0, top - max(0, math.ceil(math.log2(max(shape) / TILE)))), top


def tile_window(shape, level, x, y):
    """The cell window ``(r0, r1, c0, c1)`` and pixel size ``(h, w)`` of tile
    ``(x, y)`` at ``level``, or a ValueError naming what is out of range.

    >>> tile_window((1000, 600), 10, 1, 3)
    ((768, 1000, 256, 512), (232, 256))
    >>> tile_window((1000, 600), 9, 0, 0)
    ((0, 512, 0, 512), (256, 256))
    """
    lo, top = levels(shape)
    for name, v in (("level", level), ("x", x), ("y", y)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"tile {name} must be an integer, got {v!r}")
    if not lo <= level <= top:
        raise ValueError(f"tile level {level} is out of range; levels are {lo}..{top}")
    f = 1 << (top - level)
    span = TILE * f
    n_y, n_x = -(-shape[0] // span), -(-shape[1] // span)
    if not (0 <= x < n_x and 0 <= y < n_y):
        raise ValueError(f"tile ({x}, {y}) is outside level {level}, which has "
                         f"{n_x} x {n_y} tiles")
    r0, c0 = y * span, x * span
    r1, c1 = min(r0 + span, shape[0]), min(c0 + span, shape[1])
    return (r0, r1, c0, c1), (-(-(r1 - r0) // f), -(-(c1 - c0) // f))


def pixel_cells(lo, hi, n, i):
    """Cells ``[a, b)`` that pixel ``i`` of ``n`` pixels over cells ``lo..hi``
    reads (exact area weights: the end cells may count partly)."""
    span = hi - lo
    return lo + (i * span) // n, lo + -(-((i + 1) * span) // n)


class Pyramid:
    """A matrix as a deep-zoom pyramid: tiles of values (float64) computed on
    demand and kept in an LRU cache bounded in bytes, coarse levels also in a
    disk cache. Thread-safe."""

    def __init__(self, data, *, reduce="mean", cache_bytes=256 << 20, cache_dir=None,
                 identity=None, disk_cache_max=None):
        self.data = data
        self.source = open_source(data)
        if self.source.shape is None:
            raise TypeError("the viewer shows matrices; aggregate a point table first "
                            "(fastheat.aggregate(table, x=..., y=..., width=..., height=...))")
        self.shape = tuple(int(n) for n in self.source.shape)
        self.labels = self.source.labels or Labels()
        self.reduce = reduction(reduce).name
        self.min_level, self.max_level = levels(self.shape)
        self.cache_bytes = int(cache_bytes)
        self._lru = collections.OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._computing = {}  # key -> Event: one render per tile at a time
        self.cache_dir = cache_dir
        self.identity = identity
        self.disk_cache_max = DISK_CACHE_MAX if disk_cache_max is None else int(disk_cache_max)
        self._pruned = False
        #: ``(cells, DataRange or None)``: the overview level as one grid, once
        #: a streaming pass (or the disk cache) has made it: every view's norm
        #: is fitted on it without reading the matrix again (None: the range
        #: was not gathered).
        self.whole = None

    # ------------------------------------------------------------- windows
    def window(self, r0, r1, c0, c1):
        """The cells ``r0:r1, c0:c1`` of the data, as something
        :func:`fastheat.aggregate` reads (a view where the input allows)."""
        src = self.source
        if isinstance(src, ArraySource):
            a = src.array[r0:r1, c0:c1]
            if src.mask is not None:
                return np.ma.masked_array(a, src.mask[r0:r1, c0:c1])
            return a
        data = self.data
        if hasattr(data, "iloc"):
            return data.iloc[r0:r1, c0:c1]
        return data[r0:r1, c0:c1]

    def cell(self, row, col):
        """The value of one cell, in the data's own dtype (a Python scalar)."""
        v = np.asarray(self.window(row, row + 1, col, col + 1))
        if isinstance(v, np.ma.MaskedArray) and v.mask.any():
            return float("nan")
        return np.asarray(v).reshape(-1)[0].item()

    # ------------------------------------------------------------- tiles
    def factor(self, level):
        return 1 << (self.max_level - level)

    def is_coarse(self, level):
        return self.factor(level) >= COARSE_FACTOR

    def tile_values(self, level, x, y):
        """The float64 values of tile ``(x, y)`` at ``level``: exactly
        ``fastheat.aggregate`` of its window (see :func:`tile_window`)."""
        key = (level, x, y)
        window, size = tile_window(self.shape, level, x, y)  # checked before anything
        while True:
            with self._lock:
                hit = self._lru.get(key)
                if hit is not None:
                    self._lru.move_to_end(key)
                    return hit
                pending = self._computing.get(key)
                if pending is None:
                    pending = self._computing[key] = threading.Event()
                    break
            pending.wait()
        try:
            values = self._load_disk(key)
            if values is None:
                (r0, r1, c0, c1), (h, w) = window, size
                values = api.aggregate(self.window(r0, r1, c0, c1), height=h, width=w,
                                       reduce=self.reduce)
                values.flags.writeable = False
                if self.is_coarse(level):
                    self._save_disk(key, values)
            self._remember(key, values)
            return values
        finally:
            with self._lock:
                self._computing.pop(key).set()

    def _remember(self, key, values):
        with self._lock:
            if key in self._lru:
                return
            self._lru[key] = values
            self._bytes += values.nbytes
            while self._bytes > self.cache_bytes and len(self._lru) > 1:
                _, old = self._lru.popitem(last=False)
                self._bytes -= old.nbytes

    def tiles_of(self, level):
        """Every ``(x, y)`` of ``level``, in row order."""
        span = TILE * self.factor(level)
        return [(x, y) for y in range(-(-self.shape[0] // span))
                for x in range(-(-self.shape[1] // span))]

    def coarse_levels(self):
        return [z for z in range(self.min_level, self.max_level + 1) if self.is_coarse(z)]

    def overview_level(self):
        """The coarse level nearest ``AUTO_SIDE`` (1000) pixels on its long
        side: the tiles that show the whole matrix on a screen, and the grid
        a streaming pass fits the norm on (None: no coarse levels)."""
        from ...aggregation.geometry import AUTO_SIDE

        coarse = self.coarse_levels()
        if not coarse:
            return None
        return min(coarse, key=lambda z: abs(math.log(max(self.shape) / self.factor(z) /
                                                      AUTO_SIDE)))

    def build_coarse(self, progress=None, *, view=False, track=False):
        """Compute (or load from the disk cache) every tile of the coarse
        levels; ``progress(done, total)`` in tiles.

        In-memory and memory-mapped matrices are read once for all levels
        (:func:`.stream.build`); with ``view`` that pass also puts the
        overview level (:meth:`overview_level`) together into the grid every
        view's norm is fitted on (kept in :attr:`whole`, and on disk with
        the tiles; with ``track``, with the input's range, which some norms
        start from). Other inputs are read tile by tile, finest level first."""
        jobs = [(z, x, y) for z in reversed(self.coarse_levels()) for x, y in self.tiles_of(z)]
        overview = self.overview_level() if view and stream.supported(self) else None
        if self.whole is not None and (self.whole[1] is not None or not track):
            overview = None  # already there
        missing = [job for job in jobs if not self._on_disk(job)]
        if stream.supported(self) and (missing or overview is not None):
            done = [len(jobs) - len(missing)]

            def on_tiles(tiles):
                for z, x, y, values in tiles:
                    if (z, x, y) in wanted:
                        self._save_disk((z, x, y), values)
                        self._remember((z, x, y), values)
                        done[0] += 1
                        if progress is not None:
                            progress(min(done[0], len(jobs)), len(jobs))

            wanted = set(missing)
            cells, data_range = stream.build(self, levels={z for z, _, _ in missing},
                                             overview=overview, track=track,
                                             on_tiles=on_tiles)
            if cells is not None:
                cells.flags.writeable = False
                self.whole = (cells, data_range)
                self._save_whole(cells, data_range)
            if progress is not None:
                progress(len(jobs), len(jobs))
            return
        for k, job in enumerate(jobs):
            self.tile_values(*job)
            if progress is not None:
                progress(k + 1, len(jobs))

    # ------------------------------------------------------------- the norm's grid
    def _whole_path(self):
        z = self.overview_level()
        base = self._disk_path((0, 0, 0))
        if base is None or z is None:
            return None
        h, w = stream.level_shape(self, z)
        return os.path.join(os.path.dirname(base), f"whole_{z}_{h}x{w}.npz")

    def load_whole(self):
        """The overview grid and the input's range from the disk cache (what
        every view's norm is fitted on), into :attr:`whole`; False if absent."""
        from ...aggregation.reductions import DataRange
        if self.whole is not None:
            return True
        path = self._whole_path()
        if path is None or not os.path.exists(path):
            return False
        try:
            with np.load(path, allow_pickle=False) as f:
                cells = f["cells"]
                found = [float(v) for v in f["range"]] if "range" in f else None
        except (OSError, ValueError, KeyError):
            return False  # a damaged entry: computed again
        if cells.shape != stream.level_shape(self, self.overview_level()) or \
                (found is not None and len(found) != 3):
            return False
        cells.flags.writeable = False
        data_range = None if found is None else DataRange(*(None if v != v else v
                                                            for v in found))
        self.whole = (cells, data_range)
        try:
            os.utime(os.path.dirname(path))  # used now: the last to be pruned
        except OSError:
            pass
        return True

    def _save_whole(self, cells, data_range):
        path = self._whole_path()
        if path is None:
            return
        self._make_folder(os.path.dirname(path))
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "wb") as f:
            extra = {} if data_range is None else {"range": np.array(
                [np.nan if v is None else v for v in data_range], float)}
            np.savez(f, cells=cells, **extra)
        os.replace(tmp, path)

    # ------------------------------------------------------------- disk cache
    def _disk_path(self, key):
        if self.cache_dir is None or self.identity is None:
            return None
        digest = hashlib.sha256(json.dumps([self.identity, self.reduce, TILE],
                                           sort_keys=True).encode()).hexdigest()[:24]
        return os.path.join(self.cache_dir, digest, "%d_%d_%d.npy" % key)

    def _on_disk(self, key):
        path = self._disk_path(key)
        return path is not None and os.path.exists(path)

    def _load_disk(self, key):
        path = self._disk_path(key) if self.is_coarse(key[0]) else None
        if path is None or not os.path.exists(path):
            return None
        try:
            values = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None
        values.flags.writeable = False
        return values

    def _save_disk(self, key, values):
        path = self._disk_path(key)
        if path is None:
            return
        self._make_folder(os.path.dirname(path))
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "wb") as f:
            np.save(f, values)
        os.replace(tmp, path)  # atomic: a reader sees the whole tile or none

    def _make_folder(self, folder):
        """This input's cache folder, made (and marked as used now); at the
        first write, the cache pruned to :attr:`disk_cache_max` bytes."""
        os.makedirs(folder, exist_ok=True)
        if not self._pruned:
            self._pruned = True
            os.utime(folder)
            prune_disk_cache(self.cache_dir, self.disk_cache_max, keep=folder)


def prune_disk_cache(cache_dir, max_bytes, keep=None):
    """Remove the least recently used inputs' folders of the viewer's disk
    cache ``cache_dir`` (one folder per input and reduction, its modification
    time the last use) until the rest hold at most ``max_bytes``; ``keep`` is
    never removed. Returns the folders removed. Errors (a folder another
    process is removing) are skipped: pruning is best effort."""
    import shutil

    try:
        entries = [e for e in os.scandir(cache_dir) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []
    sizes, used = {}, {}
    for e in entries:
        try:
            used[e.path] = e.stat(follow_symlinks=False).st_mtime
            sizes[e.path] = sum(f.stat(follow_symlinks=False).st_size for f in os.scandir(e.path)
                                if f.is_file(follow_symlinks=False))
        except OSError:
            continue
    total, removed = sum(sizes.values()), []
    for path in sorted(sizes, key=used.get):  # oldest use first
        if total <= max_bytes:
            break
        if keep is not None and os.path.abspath(path) == os.path.abspath(keep):
            continue
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.exists(path):
            total -= sizes[path]
            removed.append(path)
    return removed


def file_identity(path):
    """What keys a file's disk cache: its real path, size and modification
    time (a rewritten file gets new tiles)."""
    real = os.path.realpath(path.split(".h5:")[0] if ".h5:" in path else path)
    st = os.stat(real)
    return [real, path, st.st_size, st.st_mtime_ns]


class View:
    """One colouring of a pyramid: palette and a norm fitted once, on the
    exact whole view (:func:`fastheat.api.rasterize` at its default size)."""

    def __init__(self, pyramid: Pyramid, **coloring):
        self.pyramid = pyramid
        self.options = {k: v for k, v in coloring.items() if v is not None}
        unknown = set(self.options) - set(VIEW_OPTIONS)
        if unknown:
            raise TypeError(f"view options are {', '.join(VIEW_OPTIONS)}; got "
                            f"{', '.join(sorted(unknown))}")
        # checked here, cheaply, before any data is read
        options.split("rasterize", dict(self.options, reduce=pyramid.reduce))
        norm = self.options.get("norm")
        if isinstance(norm, str) and norm not in NORMS:
            raise ValueError(f"norm={norm!r} is not a norm; choose one of "
                             + ", ".join(map(repr, NORMS)))
        if "cmap" in self.options:
            colormaps.resolve(self.options["cmap"])
        self.key = hashlib.sha256(json.dumps(dict(self.options, reduce=pyramid.reduce),
                                             sort_keys=True, default=str)
                                  .encode()).hexdigest()[:12]
        self.palette = None
        self.norm = None
        self.error = None
        self.ready = threading.Event()

    def fit(self):
        """Fit the norm on the exact whole matrix (once; later calls wait):
        the pyramid's overview grid when a streaming pass made it (exactly
        the overview level's tiles), else the default render
        (:func:`fastheat.api.rasterize`)."""
        try:
            whole = self.pyramid.whole
            if whole is not None and (whole[1] is not None or not self.needs_range()):
                self.palette, self.norm = self._fit_cells(*whole)
            else:
                raster = api.rasterize(self.pyramid.data, reduce=self.pyramid.reduce,
                                       **self.options)
                self.palette, self.norm = raster.palette, raster.norm
        except (ValueError, TypeError) as e:
            self.error = str(e)
        finally:
            self.ready.set()
        return self

    def needs_range(self):
        """Whether this view's norm starts from the input's range (as
        :func:`fastheat.api.rasterize` decides whether to gather it)."""
        from ...color import norms

        c = options.split("rasterize", dict(self.options, reduce=self.pyramid.reduce)).coloring
        return bool(reduction(self.pyramid.reduce).input_range) and norms.takes_input_range(
            c.norm, vmin=c.vmin, vmax=c.vmax, robust=c.robust)

    def _fit_cells(self, cells, data_range):
        """``(palette, norm)`` fitted on the overview grid ``cells`` as
        :func:`fastheat.api.rasterize` fits its cells (its norm stage, on
        cells made by the streaming pass)."""
        from ...color import norms

        c = options.split("rasterize", dict(self.options, reduce=self.pyramid.reduce)).coloring
        palette = colormaps.resolve(c.cmap, under=c.under, over=c.over, bad=c.bad)
        red = reduction(self.pyramid.reduce)
        use_range = bool(red.input_range) and norms.takes_input_range(
            c.norm, vmin=c.vmin, vmax=c.vmax, robust=c.robust)
        value_dtype = self.pyramid.source.dtype if red.keeps_dtype else np.float64
        fitted = norms.fit(cells, norm=c.norm, vmin=c.vmin, vmax=c.vmax, center=c.center,
                           robust=c.robust, linthresh=c.linthresh, linscale=c.linscale,
                           base=c.base, gamma=c.gamma, levels=c.levels,
                           dtype=norms.work_dtype(value_dtype),
                           data_range=data_range if use_range else None)
        return fitted.recentred(palette, c.center), fitted

    def wait(self, timeout=None):
        if not self.ready.wait(timeout):
            raise TimeoutError("the colour scale is still being computed")
        if self.error is not None:
            raise ValueError(self.error)

    def raster(self, values):
        codes = self.norm.encode(values, self.palette.N)
        return Raster(values, codes, self.palette, self.norm, Labels(), values.shape)

    def tile_png(self, level, x, y):
        self.wait()
        return png_bytes(self.raster(self.pyramid.tile_values(level, x, y)).image())

    def colorbar_png(self, height=256, width=16):
        """A vertical strip of the palette, top = vmax."""
        self.wait()
        n = self.palette.N
        codes = ((np.arange(height)[::-1] + 0.5) * n / height).astype(np.uint16)
        rgba = self.palette.table[np.repeat(codes[:, None], width, axis=1)]
        from PIL import Image

        return png_bytes(Image.fromarray(rgba, "RGBA"))

    def ticks(self, n=5):
        """Colorbar ticks, top first: ``[{"value", "label", "pos"}]`` with
        ``pos`` the fraction of the bar from its top. Nice values of the norm
        labelled by fastheat's own tick formatter (as the static colorbar's:
        :func:`fastheat.compose.ticks.colorbar_candidates` and
        :func:`~fastheat.compose.ticks.format_ticks`)."""
        from ...compose.ticks import CANDIDATES, colorbar_candidates, format_ticks

        self.wait()
        norm = self.norm
        values, step = colorbar_candidates(norm, n)
        for more in range(n + 1, 12) if len(values) < 3 and norm.kind not in CANDIDATES else ():
            values, step = colorbar_candidates(norm, more)  # a denser nice step, as
            if len(values) >= 3:  # the drawn colorbar takes (compose.ticks.colorbar_ticks)
                break
        vals = np.asarray(values, float)
        with np.errstate(all="ignore"):
            t = np.asarray(norm.forward(vals), float)
        if norm.vmin == norm.vmax:
            t = np.where(vals == norm.vmin, 0.0, np.nan)
        ok = np.isfinite(t) & (t >= -1e-9) & (t <= 1 + 1e-9)
        vals, t = vals[ok], np.clip(t[ok], 0, 1)
        labels = format_ticks(vals.tolist(), step)
        out = [{"value": _json_number(float(v)), "label": text, "pos": float(1 - f)}
               for v, f, text in zip(vals, t, labels)]
        return sorted(out, key=lambda d: d["pos"])

    def value(self, level, row, col):
        """What the pixel of ``level`` over cell ``(row, col)`` shows: its
        value, the cells it covers, the reduction; at one pixel per cell the
        cell's own value."""
        p = self.pyramid
        if isinstance(row, bool) or isinstance(col, bool) or not (
                0 <= row < p.shape[0] and 0 <= col < p.shape[1]):
            raise ValueError(f"cell ({row}, {col}) is outside the {p.shape[0]} x "
                             f"{p.shape[1]} matrix")
        f = p.factor(level) if p.min_level <= level <= p.max_level else None
        if f is None:
            raise ValueError(f"level {level} is out of range; levels are "
                             f"{p.min_level}..{p.max_level}")
        out = {"level": level, "reduce": p.reduce}
        if f == 1:
            v = p.cell(row, col)
            out.update(rows=[row, row + 1], cols=[col, col + 1], cells=1, exact=True,
                       value=_json_number(v))
        else:
            span = TILE * f
            x, y = col // span, row // span
            (r0, r1, c0, c1), (h, w) = tile_window(p.shape, level, x, y)
            values = p.tile_values(level, x, y)
            i = ((row - r0) * h) // (r1 - r0)
            j = ((col - c0) * w) // (c1 - c0)
            ra, rb = pixel_cells(r0, r1, h, i)
            ca, cb = pixel_cells(c0, c1, w, j)
            out.update(rows=[ra, rb], cols=[ca, cb], cells=(rb - ra) * (cb - ca),
                       exact=False, value=_json_number(values[i, j]))
        labels = p.labels
        if labels.rows is not None:
            out["row_label"] = str(labels.rows[row])
        if labels.cols is not None:
            out["col_label"] = str(labels.cols[col])
        return out

    def info(self):
        p = self.pyramid
        out = {"view": self.key, "rows": p.shape[0], "cols": p.shape[1], "tile": TILE,
               "min_level": p.min_level, "max_level": p.max_level, "reduce": p.reduce,
               "options": {k: (v if isinstance(v, (int, float, str)) else str(v))
                           for k, v in self.options.items()},
               "dtype": str(p.source.dtype), "name": p.labels.name,
               "choices": {"norm": list(NORMS), "reduce": list(REDUCTIONS)}}
        if self.ready.is_set() and self.error is None:
            out.update(vmin=_json_number(self.norm.vmin), vmax=_json_number(self.norm.vmax),
                       norm=self.norm.kind, ticks=self.ticks())
        return out

    def render_png(self, r0, r1, c0, c1, width=None, height=None):
        """The window ``r0:r1, c0:c1`` rendered by fastheat with this view's
        colours (the norm's fitted limits), at full resolution by default
        (one pixel per cell up to 4000 px a side)."""
        self.wait()
        p = self.pyramid
        if not (0 <= r0 < r1 <= p.shape[0] and 0 <= c0 < c1 <= p.shape[1]):
            raise ValueError(f"window rows {r0}:{r1}, columns {c0}:{c1} is not inside the "
                             f"{p.shape[0]} x {p.shape[1]} matrix")
        if width is None and height is None:
            scale = min(1.0, 4000 / max(r1 - r0, c1 - c0))
            height, width = max(1, round((r1 - r0) * scale)), max(1, round((c1 - c0) * scale))
        values = api.aggregate(p.window(r0, r1, c0, c1), height=height, width=width,
                               reduce=p.reduce)
        return png_bytes(self.raster(values).image())


def preview_shape(shape, side=PREVIEW_SIDE):
    """The preview's ``(height, width)``: the matrix's proportions, at most
    ``side`` pixels a side (never more than its cells)."""
    n, m = shape
    if n >= m:
        h = min(n, side)
        return h, max(1, min(m, round(m * h / n)))
    w = min(m, side)
    return max(1, min(n, round(n * w / m))), w


def sample_rows(data, shape, side=PREVIEW_SIDE):
    """The rows the preview reads (one under each preview pixel row's centre)
    as a ``(rows, n_cols)`` array, and the preview's size.

    A file-backed memory map is read with ``os.pread``, one whole row per
    call (contiguous bytes, several reads in flight), on a descriptor
    advised ``POSIX_FADV_RANDOM``: a cold page cache costs a few hundred
    short reads, not the read-ahead of pages all over the file that a strided
    sample through the mapping triggers. Other inputs are indexed."""
    h, w = preview_shape(shape, side)
    rows = np.unique(((2 * np.arange(h) + 1) * shape[0]) // (2 * h))
    src = open_source(data)
    if isinstance(src, ArraySource):
        got = _pread_rows(src.array, rows)
        if got is None:
            got = np.asarray(src.array[rows])
        if src.mask is not None:
            got = np.ma.masked_array(got, np.asarray(src.mask[rows]))
        return got, (h, w)
    if hasattr(data, "iloc"):
        return np.asarray(data.iloc[rows]), (h, w)
    try:
        return np.asarray(data[rows]), (h, w)
    except (TypeError, IndexError, ValueError):  # no fancy indexing (h5py wants sorted lists)
        return np.stack([np.asarray(data[int(r)]) for r in rows]), (h, w)


def _file_layout(a):
    """``(path, byte offset of a[0, 0], row stride)`` of a file-backed memmap
    whose rows are contiguous in the file, or None."""
    mm = getattr(a, "_mmap", None)
    path = getattr(a, "filename", None)
    if mm is None or not path or a.ndim != 2 or a.strides[1] != a.itemsize or a.strides[0] < 0:
        return None
    import mmap

    try:
        base = np.frombuffer(mm, np.uint8).ctypes.data  # the mapping's first byte
    except (TypeError, ValueError):
        return None
    offset = int(getattr(a, "offset", 0) or 0)
    start = offset - offset % mmap.ALLOCATIONGRANULARITY  # where numpy mapped from
    return path, start + (a.ctypes.data - base), a.strides[0]


def _pread_rows(a, rows):
    """Rows ``rows`` of the file-backed memmap ``a`` read with ``os.pread``
    (see :func:`sample_rows`), or None when ``a`` is not such a map."""
    layout = _file_layout(a) if hasattr(os, "pread") else None
    if layout is None:
        return None
    path, at, stride = layout
    out = np.empty((len(rows), a.shape[1]), a.dtype)
    row_bytes = a.shape[1] * a.itemsize
    fd = os.open(path, os.O_RDONLY)
    try:
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)  # this descriptor only

        def read(k):
            view = memoryview(out[k]).cast("B")
            got, pos = 0, at + int(rows[k]) * stride
            while got < row_bytes:
                n = os.preadv(fd, [view[got:]], pos + got)
                if n <= 0:
                    raise OSError(f"{path}: short read")
                got += n

        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(8) as pool:  # several reads in flight: the disk's queue
            list(pool.map(read, range(len(rows))))
    finally:
        os.close(fd)
    return out


def preview(data, shape, side=PREVIEW_SIDE):
    """The first paint's values: a few hundred whole rows (see
    :func:`sample_rows`), each averaged into the preview's width (plain
    means of the finite cells among every ``k``-th column of
    ``floor``-bounded column runs, about 8 a run), and the rows' stride. numpy only: a fresh process paints it before the
    aggregation kernel has even loaded."""
    got, (h, w) = sample_rows(data, shape, side)
    k = max(1, shape[1] // (8 * w))  # about 8 columns of each run: enough for a preview
    if isinstance(got, np.ma.MaskedArray):
        got = got[:, ::k].astype(np.float64).filled(np.nan)
    x = np.asarray(got)[:, ::k]
    x = x.astype(np.float32 if x.dtype.itemsize <= 4 and x.dtype.kind != "i" else np.float64)
    ok = np.isfinite(x)
    x[~ok] = 0
    edges = (np.arange(w) * x.shape[1]) // w
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.add.reduceat(x, edges, axis=1) / np.add.reduceat(ok, edges, axis=1)
    return values, max(1, shape[0] // h)


def preview_png(data, shape, cmap="viridis"):
    """The first paint: the sampled rows, coloured on their own range
    (matplotlib's ``floor(x * N)`` rule; missing: the bad colour), encoded
    by Pillow."""
    from PIL import Image

    a, s = preview(data, shape)
    palette = colormaps.resolve(cmap)
    finite = np.isfinite(a)
    lo, hi = (float(a[finite].min()), float(a[finite].max())) if finite.any() else (0.0, 1.0)
    n = palette.N
    with np.errstate(invalid="ignore"):
        t = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    codes = np.where(finite, np.clip(np.floor(np.nan_to_num(t) * n), 0, n - 1), n + 2)
    buffer = io.BytesIO()
    Image.fromarray(palette.table[codes.astype(np.intp)], "RGBA").save(buffer, format="png",
                                                                        compress_level=1)
    return buffer.getvalue(), s


def png_bytes(image):
    from ...encode import write

    buffer = io.BytesIO()
    write(image, buffer, format="png")
    return buffer.getvalue()


def _json_number(v):
    if isinstance(v, (np.generic,)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def palette_names():
    """A few common colormap names for the page's menu."""
    return ["viridis", "magma", "inferno", "plasma", "cividis", "gray", "hot", "coolwarm",
            "RdBu_r", "fire"]


def check_cmap(name):
    colormaps.resolve(name)
    return name
