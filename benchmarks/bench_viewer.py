"""Viewer benchmark (issue 13): first paint, exact whole view, tiles, coarse levels,
static pyramid; plotly ``px.imshow`` and datashader on the same matrices.

    python benchmarks/bench_viewer.py                 # 8,000 x 8,000 float32 .npy (256 MB)
    python benchmarks/bench_viewer.py --big           # also 30,000 x 30,000 (3.6 GB file)
    python benchmarks/bench_viewer.py --huge          # also 100,000 x 100,000 (40 GB file)
    python benchmarks/bench_viewer.py --compare       # plotly and datashader at 4000^2, 20,000^2
    python benchmarks/bench_viewer.py --tiles         # also `write_tiles` of each matrix

Files are created under ``tempfile.gettempdir()`` and removed afterwards. "Cold"
runs drop the file's pages from the page cache first (``posix_fadvise
DONTNEED`` on that file only: other processes' cache is left alone); "warm"
runs follow a full read. Times are medians (and p95 for tiles) in one process.

- first paint: the preview PNG (``core.preview_png``: a few hundred whole
  rows read with pread), what the page shows before the exact view;
- exact whole view: the norm fitted on the default-size aggregate
  (``View.fit`` alone, one pass over the file), against ``a.max()`` over the
  memmap;
- one pass: what ``fastheat serve`` does first (``build_coarse(view=True)``):
  the whole view, the norm and every coarse level from one read of the file,
  against ``a.max()``; its peak anonymous memory (RssAnon above the start);
- coarse levels: every tile of the levels at >= 16 cells per pixel, built
  in that one pass into the disk cache (GB/s of the file, against one
  sequential read); ``reopen_norm_s``: a second open fits the norm from the
  disk cache;
- tiles: random ``(level, x, y)`` over every level, LRU emptied before each
  (coarse levels from the disk cache), aggregated, coloured and PNG-encoded;
- ``--tiles``: ``write_tiles`` of the matrix (no hover values), its time against
  one sequential read, then every tile it wrote checked against a direct
  render of its window (``pyramid_mismatches`` must be 0).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from fastheat.frontends.viewer.core import Pyramid, View, preview_png  # noqa: E402
from fastheat.frontends.viewer.tiles import sequential_read_seconds, write_tiles  # noqa: E402

RESULTS = os.path.join(os.path.dirname(__file__), "results", "viewer.md")


def make_npy(path, n, seed=0):
    """An ``n x n`` float32 .npy written in row bands (smooth + noise)."""
    rng = np.random.default_rng(seed)
    m = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, n))
    band = max(1, (64 << 20) // (4 * n))
    col = np.sin(np.arange(n, dtype=np.float32) / (n / 40))
    for lo in range(0, n, band):
        hi = min(lo + band, n)
        rows = np.cos(np.arange(lo, hi, dtype=np.float32) / (n / 30))[:, None]
        m[lo:hi] = rows * col + rng.standard_normal((hi - lo, n), dtype=np.float32) * 0.1
    m.flush()
    del m


class AnonPeak:
    """Peak anonymous resident memory (``RssAnon``) above its value at entry,
    sampled every 20 ms on a thread (Linux; None elsewhere)."""

    def __enter__(self):
        import threading

        self.base = self.peak = _rss_anon()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        while not self._stop.wait(0.02):
            now = _rss_anon()
            if now is not None and now > self.peak:
                self.peak = now

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        now = _rss_anon()
        if now is not None and now > self.peak:
            self.peak = now
        self.peak_mb = None if self.base is None else (self.peak - self.base) / 1024

    peak_mb = None


def _rss_anon():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])  # kB
    except OSError:
        return None
    return None


def drop_cache(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def warm(path):
    sequential_read_seconds(path)


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def p95(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def bench_matrix(n, tmp, repeat=3, n_tiles=60, tiles=False):
    path = os.path.join(tmp, f"m{n}.npy")
    t_make, _ = timed(lambda: make_npy(path, n))
    gb = os.path.getsize(path) / 1e9
    out = {"n": n, "GB": round(gb, 2), "make_s": round(t_make, 1)}
    drop_cache(path)
    out["seq_read_cold_s"] = sequential_read_seconds(path)
    out["seq_read_warm_s"] = sequential_read_seconds(path)

    def load():
        return np.load(path, mmap_mode="r")

    def one_pass():
        """The server's first pass: the whole view (the norm) and every
        coarse level, one read; its peak anonymous memory above the start."""
        p = Pyramid(load())
        with AnonPeak() as mem:
            p.build_coarse(view=True)
            View(p).fit().wait()
        return mem.peak_mb

    for state in ("cold", "warm"):
        paint, fit, amax, passes, anon = [], [], [], [], []
        for _ in range(repeat):
            if state == "cold":
                drop_cache(path)
            paint.append(timed(lambda: preview_png(load(), (n, n)))[0])
            if state == "cold":
                drop_cache(path)
            fit.append(timed(lambda: View(Pyramid(load())).fit())[0])
            if state == "cold":
                drop_cache(path)
            amax.append(timed(lambda: load().max())[0])
            if state == "cold":
                drop_cache(path)
            t, mb = timed(one_pass)
            passes.append(t)
            anon.append(mb)
        out[f"first_paint_{state}_s"] = statistics.median(paint)
        out[f"whole_view_{state}_s"] = statistics.median(fit)
        out[f"max_{state}_s"] = statistics.median(amax)
        out[f"whole_view_over_max_{state}"] = statistics.median(fit) / statistics.median(amax)
        out[f"one_pass_{state}_s"] = statistics.median(passes)
        out[f"one_pass_over_max_{state}"] = statistics.median(passes) / statistics.median(amax)
        out[f"one_pass_anon_MB_{state}"] = max(anon)

    cache = os.path.join(tmp, "cache")
    pyramid = Pyramid(load(), cache_dir=cache, identity=[path, n])
    drop_cache(path)
    t_coarse, _ = timed(lambda: pyramid.build_coarse(view=True))
    view = View(pyramid).fit()
    levels = pyramid.coarse_levels()
    out["coarse_levels"] = levels
    out["coarse_build_cold_s"] = t_coarse
    out["coarse_GBps"] = gb / t_coarse if levels else None  # one pass for all levels
    out["seq_read_GBps"] = gb / out["seq_read_cold_s"]
    out["coarse_over_seq_read"] = out["coarse_GBps"] / out["seq_read_GBps"] if levels else None
    reopened = Pyramid(load(), cache_dir=cache, identity=[path, n])
    out["reopen_norm_s"], _ = timed(lambda: (reopened.load_whole(),
                                             View(reopened).fit().wait()))
    warm(path)
    rng = random.Random(0)
    jobs = []
    for _ in range(n_tiles):
        z = rng.randint(pyramid.min_level, pyramid.max_level)
        x, y = rng.choice(pyramid.tiles_of(z))
        jobs.append((z, x, y))
    times, fine = [], []
    for z, x, y in jobs:
        pyramid._lru.clear()
        pyramid._bytes = 0
        t, _ = timed(lambda: view.tile_png(z, x, y))
        times.append(t)
        if not pyramid.is_coarse(z):
            fine.append(t)
    out["tile_warm_median_ms"] = 1e3 * statistics.median(times)
    out["tile_warm_p95_ms"] = 1e3 * p95(times)
    out["tile_fine_p95_ms"] = 1e3 * p95(fine) if fine else None
    if tiles:
        target = os.path.join(tmp, "pyramid")
        warm(path)
        t_tiles, summary = timed(lambda: write_tiles(load(), target, values=False))
        out["pyramid_s"] = t_tiles
        out["pyramid_tiles"] = summary["tiles"]
        out["pyramid_MB"] = summary["bytes"] / 1e6
        out["pyramid_over_read"] = t_tiles / out["seq_read_cold_s"]
        t_check, (checked, wrong) = timed(lambda: check_pyramid(load(), target))
        out["pyramid_checked"], out["pyramid_mismatches"] = checked, wrong
        out["pyramid_check_s"] = t_check
        shutil.rmtree(target, ignore_errors=True)
    os.remove(path)
    shutil.rmtree(cache, ignore_errors=True)
    return out


def check_pyramid(a, target):
    """``(tiles checked, tiles that differ)``: every tile PNG of the pyramid in
    ``target`` against a direct render of its window (``fastheat.aggregate``
    of the window, coloured by one norm fitted on the whole matrix, as
    ``write_tiles`` fits it)."""
    from PIL import Image

    import fastheat
    from fastheat.frontends.viewer.core import tile_window

    with open(os.path.join(target, "manifest.json")) as f:
        assert json.load(f)["complete"]
    view = View(Pyramid(a)).fit()
    checked = wrong = 0
    for z in range(view.pyramid.min_level, view.pyramid.max_level + 1):
        for x, y in view.pyramid.tiles_of(z):
            (r0, r1, c0, c1), (h, w) = tile_window(a.shape, z, x, y)
            cells = fastheat.aggregate(a[r0:r1, c0:c1], height=h, width=w)
            with Image.open(os.path.join(target, "tiles", str(z), f"{x}_{y}.png")) as im:
                png = np.asarray(im.convert("RGBA"))
            checked += 1
            wrong += not np.array_equal(png, view.raster(cells).rgba())
    return checked, wrong


def bench_compare(n, tmp, chromium="/usr/bin/chromium"):
    """plotly px.imshow (HTML size, time to write, does Chromium render it in
    30 s) and datashader re-aggregating a zoomed viewport, on ``n x n``."""
    out = {"n": n}
    path = os.path.join(tmp, f"c{n}.npy")
    make_npy(path, n, seed=1)
    a = np.load(path, mmap_mode="r")
    # datashader: each zoom re-aggregates the viewport from the whole array
    try:
        import datashader as ds
        import xarray as xr

        da = xr.DataArray(a, dims=("y", "x"), coords={"y": np.arange(n), "x": np.arange(n)})
        canvas = ds.Canvas(plot_width=800, plot_height=800, x_range=(n * 0.4, n * 0.5),
                           y_range=(n * 0.4, n * 0.5))
        canvas.raster(da)  # compile
        ts = [timed(lambda: canvas.raster(da))[0] for _ in range(3)]
        out["datashader_zoom_s"] = statistics.median(ts)
        whole = ds.Canvas(plot_width=800, plot_height=800)
        out["datashader_whole_s"] = statistics.median(timed(lambda: whole.raster(da))[0]
                                                      for _ in range(2))
    except Exception as e:  # noqa: BLE001  (report where it stops working)
        out["datashader_error"] = f"{type(e).__name__}: {e}"[:200]
    pyramid = Pyramid(a)
    view = View(pyramid).fit()
    z = pyramid.max_level - 2
    span = 256 * 4
    x = y = int(n * 0.45) // span
    out["fastheat_tile_s"] = statistics.median(
        timed(lambda: (pyramid._lru.clear(), view.tile_png(z, x, y)))[0] for _ in range(3))
    # plotly: the whole matrix goes into the page as JSON
    est_gb = n * n * 6.7 / 1e9  # bytes per cell of the 4000^2 page (base64 in plotly 6+)
    if est_gb > 1:
        out["plotly"] = (f"not attempted: the page would be ~{est_gb:.1f} GB (6.7 bytes per "
                         f"cell, as measured at 4000^2, whose 107 MB page Chromium already "
                         f"fails to draw in 30 s)")
    else:
        try:
            import plotly.express as px

            html = os.path.join(tmp, f"plotly{n}.html")
            t, fig = timed(lambda: px.imshow(np.asarray(a)))
            tw, _ = timed(lambda: fig.write_html(html, include_plotlyjs=True))
            out["plotly_figure_s"] = t
            out["plotly_write_s"] = tw
            out["plotly_html_MB"] = os.path.getsize(html) / 1e6
            out["plotly_renders_30s"] = _chromium_renders(html, chromium, 30)
            os.remove(html)
        except Exception as e:  # noqa: BLE001
            out["plotly_error"] = f"{type(e).__name__}: {e}"[:200]
    a = None  # the memmap closed before its file is removed
    os.remove(path)
    return out


def _chromium_renders(html, chromium, timeout):
    """Whether headless Chromium draws the plotly heatmap within ``timeout`` s."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return "selenium missing"
    profile = tempfile.mkdtemp(prefix="bench-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--no-first-run",
                 f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        driver.set_page_load_timeout(timeout)
        t0 = time.perf_counter()
        try:
            driver.get("file://" + html)
        except Exception as e:  # noqa: BLE001
            return f"no (page load: {type(e).__name__} after {time.perf_counter() - t0:.0f} s)"
        while time.perf_counter() - t0 < timeout:
            try:
                if driver.execute_script("return document.querySelectorAll("
                                         "'.heatmaplayer image, .hm image').length > 0"):
                    return f"yes, {time.perf_counter() - t0:.1f} s"
            except Exception as e:  # noqa: BLE001  (the tab crashed)
                return f"no ({type(e).__name__})"
            time.sleep(0.2)
        return f"no (nothing drawn in {timeout} s)"
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def table(rows, keys):
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        cells = []
        for k in keys:
            v = r.get(k, "")
            cells.append(f"{v:.3g}" if isinstance(v, float) else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, nargs="*", default=[8000])
    p.add_argument("--big", action="store_true", help="also 30,000 x 30,000 (3.6 GB)")
    p.add_argument("--huge", action="store_true", help="also 100,000 x 100,000 (40 GB)")
    p.add_argument("--compare", action="store_true", help="plotly and datashader")
    p.add_argument("--tiles", action="store_true", help="also write_tiles")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    sizes = list(args.size) + ([30_000] if args.big else []) + ([100_000] if args.huge else [])
    tmp = tempfile.mkdtemp(prefix="bench-viewer-")
    rows, compare = [], []
    small = np.ones((300, 300), np.float32)  # compile (numba's cache) before timing
    View(Pyramid(small)).fit().tile_png(8, 0, 0)
    medium = np.ones((5000, 5000), np.float32)  # the kernels the preview and the pass use
    preview_png(medium, medium.shape)
    warm_up = Pyramid(medium)
    warm_up.build_coarse(view=True)
    View(warm_up).fit()
    try:
        for n in sizes:
            rows.append(bench_matrix(n, tmp, repeat=args.repeat, tiles=args.tiles))
            print(json.dumps(rows[-1]), flush=True)
        if args.compare:
            for n in (4000, 20_000):
                compare.append(bench_compare(n, tmp))
                print(json.dumps(compare[-1]), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    keys = ["n", "GB", "first_paint_cold_s", "first_paint_warm_s", "whole_view_cold_s",
            "max_cold_s", "whole_view_over_max_cold", "whole_view_warm_s", "max_warm_s",
            "whole_view_over_max_warm", "one_pass_cold_s", "one_pass_over_max_cold",
            "one_pass_warm_s", "one_pass_over_max_warm", "one_pass_anon_MB_cold",
            "tile_warm_median_ms", "tile_warm_p95_ms", "tile_fine_p95_ms", "coarse_levels",
            "coarse_build_cold_s", "coarse_GBps", "seq_read_GBps", "coarse_over_seq_read",
            "reopen_norm_s"]
    if args.tiles:
        keys += ["pyramid_tiles", "pyramid_MB", "pyramid_s", "pyramid_over_read",
                 "pyramid_checked", "pyramid_mismatches", "pyramid_check_s"]
    text = "# Viewer benchmark (benchmarks/bench_viewer.py)\n\n" + table(rows, keys) + "\n"
    if compare:
        ckeys = sorted({k for r in compare for k in r}, key=lambda k: (k != "n", k))
        text += "\n## plotly and datashader on the same matrices\n\n" + table(compare, ckeys) + "\n"
    print(text)
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
