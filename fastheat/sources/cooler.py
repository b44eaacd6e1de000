"""cooler files (``.cool``, ``.mcool``) and ``cooler.Cooler`` objects: Hi-C contact maps, never made dense.

The pixel table is read straight from HDF5 in chunks of rows (its
``bin1_offset`` index is the CSR row pointer), the next chunk read on a helper
thread while the current one is folded, so memory stays bounded whatever the
file size. Symmetric-upper storage is expanded as cooler's ``matrix()`` does
(each off-diagonal pixel also feeds its mirror cell). ``balance=True``
multiplies by the bins' weights as ``matrix(balance=True)`` (bins with NaN
weight are missing whole); ``region=`` selects as ``fetch``. Chromosome
boundaries become lines and chromosome names tick labels at their centres.
"""
from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._extras import require
from .._progress import Progress
from ..aggregation.sparse import (BOTH, DIRECT, MIRROR, check_implicit, fold_sparse,
                                  pick_sparse, sparse_values)
from .base import Labels, MatrixSource, module_of
from .registry import _register_builtin

SUFFIXES = (".cool", ".mcool")
#: Pixels read per chunk (bin2_id int64 + count: about 12 bytes each): small enough
#: that reading the next chunk on the helper thread overlaps folding this one.
CHUNK_PIXELS = 1 << 20
#: Weight columns cooler reads as divisive (the 4DN portal's and hic2cool's).
DIVISIVE = {"KR", "VC", "VC_SQRT"}


def _cooler():
    return require("cooler", "reading cooler files", extra="cooler")


def open_cooler(path, resolution=None):
    """A ``cooler.Cooler`` for ``path`` (``file.cool``, ``file.mcool::resolutions/N``
    or ``file.mcool`` with ``resolution``), or an error naming the resolutions."""
    cooler = _cooler()
    path = os.fspath(path)
    file, _, group = path.partition("::")
    if not os.path.exists(file):
        raise FileNotFoundError(f"cooler file {file!r} does not exist")
    multires = cooler.fileops.is_multires_file(file)
    if multires:
        import h5py

        with h5py.File(file, "r") as f:
            available = sorted(int(r) for r in f["resolutions"])
        if resolution is not None:
            if group:
                raise ValueError(f"{path!r} names a resolution and resolution={resolution!r} "
                                 f"another; give one of them")
            if int(resolution) not in available:
                raise ValueError(f"resolution={resolution!r} is not in {file!r}; its "
                                 f"resolutions are {', '.join(map(str, available))}")
            group = f"resolutions/{int(resolution)}"
        elif not group:
            raise ValueError(f"{file!r} is a multi-resolution cooler: choose a resolution with "
                             f"resolution=N (--resolution N) or "
                             f"'{file}::resolutions/N'; its resolutions are "
                             f"{', '.join(map(str, available))}")
    clr = cooler.Cooler(f"{file}::{group.lstrip('/')}" if group else file)
    if resolution is not None and not multires and clr.binsize != int(resolution):
        raise ValueError(f"resolution={resolution!r} but {file!r} has one resolution, "
                         f"{clr.binsize}; leave resolution out")
    return clr


_SCALE = {"": 1, "k": 10 ** 3, "m": 10 ** 6, "g": 10 ** 9}


def _position(text, region):
    m = re.fullmatch(r"\s*([0-9][0-9,_]*(?:\.[0-9]+)?)\s*([kKmMgG]?)(?:[bB][pP]?)?\s*", text)
    if not m:
        raise ValueError(f"region={region!r} has position {text!r}; write e.g. 10M, 10,000,000 "
                         f"or 1.5k")
    return int(round(float(m.group(1).replace(",", "").replace("_", "")) *
                     _SCALE[m.group(2).lower()]))


def parse_region(region, chromsizes):
    """``(chrom, start, end)`` of ``"chr2"`` or ``"chr2:10M-20M"``, checked
    against ``chromsizes`` (a dict); unknown names list the chromosomes."""
    if not isinstance(region, str):
        raise TypeError(f"region={region!r} must be a string such as 'chr2' or "
                        f"'chr2:10M-20M', or a pair of them")
    chrom, _, span = region.partition(":") if region not in chromsizes else (region, "", "")
    if chrom not in chromsizes:
        names = list(chromsizes)
        shown = ", ".join(names[:30]) + (", ..." if len(names) > 30 else "")
        raise ValueError(f"region={region!r}: no chromosome {chrom!r}; the chromosomes are "
                         f"{shown}")
    size = int(chromsizes[chrom])
    if not span:
        return chrom, 0, size
    lo, sep, hi = span.partition("-")
    start = _position(lo, region)
    end = _position(hi, region) if sep and hi.strip() else size
    if not 0 <= start < end <= size:
        raise ValueError(f"region={region!r} is outside {chrom} (0-{size:,}) or empty; "
                         f"start must be < end")
    return chrom, start, end


class CoolerSource(MatrixSource):
    """A cooler (see the module docstring): the contact map of ``region``
    (whole genome by default), raw counts or balanced."""

    def __init__(self, clr, *, balance=None, region=None, implicit=None, progress=False):
        self.clr, self.progress = clr, progress
        self.implicit = check_implicit(implicit or "zero")
        chromsizes = {str(k): int(v) for k, v in clr.chromsizes.items()}
        self.chromnames = list(chromsizes)
        if region is None:
            spans = [(0, clr.info["nbins"], None)] * 2
        else:
            pair = (region, region) if isinstance(region, str) else tuple(region)
            if len(pair) != 2:
                raise ValueError(f"region={region!r} must be one region or a (rows, columns) "
                                 f"pair of them")
            spans = []
            for r in pair:
                chrom, start, end = parse_region(r, chromsizes)
                lo, hi = clr.extent((chrom, start, end))
                spans.append((lo, hi, (chrom, start, end)))
        (self.r0, self.r1, self.rregion), (self.c0, self.c1, self.cregion) = spans
        self.shape = (self.r1 - self.r0, self.c1 - self.c0)
        self.symmetric = clr.storage_mode == "symmetric-upper"
        with clr.open("r") as g:
            self.dtype = np.dtype(g["pixels/count"].dtype)
            self.chrom_offset = np.asarray(g["indexes/chrom_offset"][:], np.int64)
            self.scales = (None, None)
            if balance not in (None, False):
                name = "weight" if balance is True else balance
                if not isinstance(name, str):
                    raise TypeError(f"balance={balance!r} must be True, False or the name of a "
                                    f"weight column")
                if name not in g["bins"]:
                    cols = [k for k in g["bins"] if k not in ("chrom", "start", "end")]
                    raise ValueError(f"balance={balance!r}: the cooler has no bins/{name} "
                                     f"column (its weight columns: {', '.join(cols) or 'none'}); "
                                     f"run 'cooler balance' or leave balance out")
                w = np.asarray(g["bins"][name][:], np.float64)
                if name in DIVISIVE or g["bins"][name].attrs.get("divisive_weights", False):
                    w = 1 / w
                self.scales = (w[self.r0:self.r1], w[self.c0:self.c1])
                self.dtype = np.dtype(np.float64)
        self.labels = Labels(name="balanced contacts" if balance not in (None, False)
                             else "contacts")

    # ------------------------------------------------------------------ reading

    def _passes(self):
        """``(rows read, columns kept, mode, r_shift, c_shift)`` per pass (see
        :meth:`fastheat.aggregation.sparse.SparseFold.add`)."""
        (a, b), (c, d) = (self.r0, self.r1), (self.c0, self.c1)
        if not self.symmetric:
            return [((a, b), (c, d), DIRECT)]
        if (a, b) == (c, d):
            return [((a, b), (c, d), BOTH)]
        return [((a, b), (c, d), DIRECT), ((c, d), (a, b), MIRROR)]

    def _feed(self, fold):
        passes = self._passes()
        nbins = int(self.clr.info["nbins"])
        with self.clr.open("r") as g:
            offsets = g["indexes/bin1_offset"]
            bin2, count = g["pixels/bin2_id"], g["pixels/count"]
            jobs = []
            for (lo, hi), cols, mode in passes:
                off = np.asarray(offsets[lo:hi + 1], np.int64)
                rows = _chunks(off, CHUNK_PIXELS)
                jobs += [(off, lo, s, e, cols, mode) for s, e in rows]
            total = sum(int(off[e] - off[s]) for off, _, s, e, _, _ in jobs)
            with Progress(total, "reading pixels", enabled=self.progress,
                          unit=" px") as bar, ThreadPoolExecutor(1) as pool:

                def read(job):
                    off, _, s, e, _, _ = job
                    p0, p1 = int(off[s]), int(off[e])
                    return bin2[p0:p1], count[p0:p1]

                ahead = pool.submit(read, jobs[0]) if jobs else None
                for k, job in enumerate(jobs):
                    cols_, vals = ahead.result()
                    if k + 1 < len(jobs):
                        ahead = pool.submit(read, jobs[k + 1])
                    off, lo, s, e, (c_lo, c_hi), mode = job
                    # in a MIRROR pass the rows read are the view's columns: the
                    # kernel swaps the entry's roles, the view's origin is the same
                    every = c_lo == 0 and c_hi >= nbins  # no column window to check
                    fold.add(off[s:e + 1] - off[s], cols_, vals, row_base=lo + s,
                             col_lo=c_lo, col_hi=None if every else c_hi, r_shift=self.r0,
                             c_shift=self.c0, mode=mode)
                    bar.update(len(vals))
                    del cols_, vals

    def fold(self, plan):
        return fold_sparse(plan, self._feed, implicit=self.implicit, scales=self.scales,
                           track=plan.track)

    def fold_values(self, plan):
        return sparse_values(plan, self._feed, implicit=self.implicit, scales=self.scales,
                             track=plan.track)

    def pick(self, plan):
        return pick_sparse(plan, self._feed, implicit=self.implicit, scales=self.scales)

    # ------------------------------------------------------------------ decorations

    def chromosomes(self, lo, hi):
        """``(boundaries, centres, names)`` of the chromosomes in bins ``lo:hi``,
        in the view's cell units."""
        off = self.chrom_offset
        names, centres, bounds = [], [], []
        for k, name in enumerate(self.chromnames):
            a, b = max(off[k], lo), min(off[k + 1], hi)
            if a >= b:
                continue
            names.append(name)
            centres.append((a + b) / 2 - lo)
            if a > lo:
                bounds.append(float(a - lo))
        return bounds, centres, names

    def default_decor(self):
        """Decorations the view shows unless told otherwise: chromosome lines
        and names over several chromosomes, genomic coordinates (extent) on one."""
        rows = self.chromosomes(self.r0, self.r1)
        cols = self.chromosomes(self.c0, self.c1)
        if len(rows[2]) == 1 and len(cols[2]) == 1:
            bins = self.clr.bins()
            start = lambda i: int(bins[i:i + 1]["start"].iloc[0])  # noqa: E731
            end = lambda i: int(bins[i - 1:i]["end"].iloc[0])  # noqa: E731
            return dict(extent=(start(self.c0), end(self.c1), end(self.r1), start(self.r0)),
                        xlabel=f"{cols[2][0]} (bp)", ylabel=f"{rows[2][0]} (bp)")
        out = {}
        if cols[0]:
            out["vlines"] = tuple(cols[0])
        if rows[0]:
            out["hlines"] = tuple(rows[0])
        out.update(xticks=tuple(cols[1]), xticklabels=cols[2], yticks=tuple(rows[1]),
                   yticklabels=rows[2])
        return out


    def default_coloring(self, given, cells):
        """Hi-C colours where none were given (:data:`HIC_DEFAULTS`): cooltools'
        ``fall`` colormap without ``cmap=``; without ``norm``, ``vmin``,
        ``vmax``, ``robust``, ``levels`` or ``center``, ``norm="log"`` from the
        :data:`HIC_VMIN_PERCENTILE` th percentile of the positive pixel values
        to the largest (of the aggregated ``cells``)."""
        return hic_coloring(given, cells)


#: The options whose absence turns on the Hi-C norm default.
HIC_NORM_OPTIONS = ("norm", "vmin", "vmax", "robust", "levels", "center")
#: Percentile of the positive pixel values that the default log norm starts at.
HIC_VMIN_PERCENTILE = 1.0
#: cooltools' ``fall`` colormap (``cooltools.lib.plotting.PALETTES["fall"]``,
#: interpolated to 256 colours as its ``list_to_colormap``: matplotlib's bytes).
FALL = ((255, 255, 255), (255, 255, 204), (255, 237, 160), (254, 217, 118), (254, 178, 76),
        (253, 141, 60), (252, 78, 42), (227, 26, 28), (189, 0, 38), (128, 0, 38), (0, 0, 0))


def fall():
    """cooltools' ``fall`` as a ``cmap.Colormap`` (the catalogue's ``"fall"`` is
    cmasher's, another map)."""
    import cmap

    return cmap.Colormap([tuple(v / 255 for v in rgb) for rgb in FALL], name="fall")


def hic_coloring(given, cells):
    """The Hi-C defaults (see :meth:`CoolerSource.default_coloring`) for the
    options not in ``given``: a dict of :class:`fastheat.options.Coloring` fields."""
    out = {}
    if "cmap" not in given:
        out["cmap"] = fall()
    if not any(name in given for name in HIC_NORM_OPTIONS):
        values = np.asarray(cells, np.float64)
        positive = values[np.isfinite(values) & (values > 0)]
        if positive.size:
            lo, hi = np.percentile(positive, HIC_VMIN_PERCENTILE), positive.max()
            out.update(norm="log", vmin=float(lo), vmax=float(max(hi, lo)))
    return out


def _chunks(off, per):
    """Row ranges ``(s, e)`` of local rows with about ``per`` pixels each."""
    n = len(off) - 1
    if n <= 0:
        return []
    targets = np.arange(off[0] + per, off[-1], per)
    cuts = np.unique(np.concatenate([[0], np.searchsorted(off, targets, "right") - 1, [n]]))
    cuts = cuts[(cuts >= 0) & (cuts <= n)]
    return [(int(s), int(e)) for s, e in zip(cuts[:-1], cuts[1:]) if e > s]


def is_cooler_path(data):
    """A path (str or os.PathLike) to a cooler file (by suffix, or a ``::`` URI)."""
    if not isinstance(data, (str, os.PathLike)):
        return False
    path = os.fspath(data)
    if not isinstance(path, str):
        return False
    return path.partition("::")[0].lower().endswith(SUFFIXES)


def _open(data, *, progress=False, balance=None, region=None, resolution=None, implicit=None):
    if module_of(data) != "cooler":
        data = open_cooler(data, resolution)
    elif resolution is not None:
        raise ValueError(f"resolution={resolution!r} is for .mcool paths; a cooler.Cooler "
                         f"object has one resolution ({data.binsize})")
    return CoolerSource(data, balance=balance, region=region, implicit=implicit,
                        progress=progress)


_register_builtin(lambda data: is_cooler_path(data) or (
    module_of(data) == "cooler" and type(data).__name__ == "Cooler"), _open,
    options=("balance", "region", "resolution", "implicit"))
