"""``fastheat tiles``: the whole pyramid written out as static files.

The folder holds ``index.html`` (the same viewer as ``fastheat serve``, in
static mode), ``static/`` (its scripts and OpenSeadragon's licence),
``manifest.json`` and ``manifest.js`` (the geometry, the fitted colour scale),
``colorbar.png``, ``tiles/{level}/{x}_{y}.png`` and, for the hover readout,
``values/{level}/{x}_{y}.js`` (each tile's values, base64 float32 or float64,
as scripts: a page opened from ``file://`` may load scripts but not fetch
files). It opens from disk or any static web host; no Python needed.

Written atomically: everything goes to a hidden sibling folder, the manifest
last, which is then renamed into place; an interrupted run leaves no folder
named ``OUTDIR`` that claims to be complete.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import time

import numpy as np

from .core import Pyramid, View, palette_names, png_bytes

STATIC = os.path.join(os.path.dirname(__file__), "static")
STATIC_FILES = ("openseadragon.min.js", "viewer.js", "viewer.css", "LICENSE-openseadragon.txt")
#: Values of inputs whose cells float32 holds exactly are stored as float32.
_FLOAT32_EXACT = ("float32", "float16", "bool", "int8", "uint8", "int16", "uint16")
MAX_LABELS = 100_000


def _value_dtype(dtype):
    return np.float32 if np.dtype(dtype).name in _FLOAT32_EXACT else np.float64


def write_tiles(data, outdir, *, reduce="mean", values=True, progress=None,
                **coloring) -> dict:
    """Write the viewer's pyramid of ``data`` into the new folder ``outdir``.

    Every tile is exactly :func:`fastheat.aggregate` of its window
    (:func:`fastheat.frontends.viewer.core.tile_window`), coloured with one
    norm fitted on the whole matrix. ``coloring``: ``cmap``, ``norm``,
    ``vmin``, ``vmax``. ``values=False`` leaves out the hover values (a
    quarter of the size of float32 input per level). ``progress(done,
    total)`` is called after each tile. An existing ``outdir`` is replaced
    only when it is a pyramid written here (it holds ``manifest.json``).

    Returns a summary: ``tiles``, ``bytes``, ``seconds``, ``levels``.
    """
    t0 = time.perf_counter()
    outdir = os.path.abspath(os.fspath(outdir))
    if os.path.exists(outdir) and (not os.path.isdir(outdir) or (
            os.listdir(outdir) and not os.path.exists(os.path.join(outdir, "manifest.json")))):
        raise ValueError(f"outdir {outdir!r} exists and is not a pyramid fastheat wrote; "
                         f"give a new folder (or remove it)")
    pyramid = Pyramid(data, reduce=reduce, cache_bytes=64 << 20)
    view = View(pyramid, **coloring).fit()
    view.wait()
    parent, name = os.path.split(outdir)
    os.makedirs(parent, exist_ok=True)
    tmp = os.path.join(parent, f".{name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, "static"))
    try:
        for f in STATIC_FILES:
            shutil.copyfile(os.path.join(STATIC, f), os.path.join(tmp, "static", f))
        vdtype = _value_dtype(pyramid.source.dtype)
        jobs = [(z, x, y) for z in range(pyramid.min_level, pyramid.max_level + 1)
                for x, y in pyramid.tiles_of(z)]
        total_bytes = 0
        made = set()
        for k, (z, x, y) in enumerate(jobs):
            for sub in ("tiles", "values") if values else ("tiles",):
                if (sub, z) not in made:
                    os.makedirs(os.path.join(tmp, sub, str(z)), exist_ok=True)
                    made.add((sub, z))
            cells = pyramid.tile_values(z, x, y)
            body = png_bytes(view.raster(cells).image())
            total_bytes += _write(os.path.join(tmp, "tiles", str(z), f"{x}_{y}.png"), body)
            if values:
                packed = base64.b64encode(np.ascontiguousarray(cells, vdtype).tobytes())
                script = (f'fastheatValues("{z}/{x}_{y}","'.encode() + packed +
                          f'","{np.dtype(vdtype).name}",{cells.shape[0]},'
                          f'{cells.shape[1]});\n'.encode())
                total_bytes += _write(os.path.join(tmp, "values", str(z), f"{x}_{y}.js"),
                                      script)
            if progress is not None:
                progress(k + 1, len(jobs))
        total_bytes += _write(os.path.join(tmp, "colorbar.png"), view.colorbar_png())
        info = view.info()
        labels = pyramid.labels
        for key, axis in (("row_labels", labels.rows), ("col_labels", labels.cols)):
            if axis is not None and len(axis) <= MAX_LABELS:
                info[key] = [str(v) for v in axis]
        config = {"mode": "static", "info": info, "cmaps": palette_names(),
                  "values": bool(values), "complete": True}
        with open(os.path.join(STATIC, "index.html"), encoding="utf-8") as f:
            page = f.read().replace("<!--MANIFEST-->", '<script src="manifest.js"></script>')
        _write(os.path.join(tmp, "index.html"), page.encode())
        _write(os.path.join(tmp, "manifest.js"),
               f"window.FASTHEAT_CONFIG = {json.dumps(config)};\n".encode())
        # the manifest last: a folder holding it is complete
        _write(os.path.join(tmp, "manifest.json"), json.dumps(config, indent=1).encode())
        old = None
        if os.path.exists(outdir):
            old = os.path.join(parent, f".{name}.old-{os.getpid()}")
            os.rename(outdir, old)
        os.rename(tmp, outdir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"tiles": len(jobs), "bytes": total_bytes, "seconds": time.perf_counter() - t0,
            "levels": (pyramid.min_level, pyramid.max_level)}


def _write(path, body):
    with open(path, "wb") as f:
        f.write(body)
    return len(body)


def sequential_read_seconds(path, block=16 << 20):
    """Seconds to read the file at ``path`` once, start to end (what the
    pyramid's time is reported against)."""
    t0 = time.perf_counter()
    with open(path, "rb", buffering=0) as f:
        buf = bytearray(block)
        while f.readinto(buf):
            pass
    return time.perf_counter() - t0
