"""Out-of-core benchmark (issue 4): memory-mapped matrices and point tables,
fastheat vs datashader, in one process, medians after warm-up.

    python benchmarks/bench_outofcore.py            # 20,000 x 20,000 .npy, 20 M points
    python benchmarks/bench_outofcore.py --quick    # 5,000 x 5,000, 2 M points
    python benchmarks/bench_outofcore.py --huge     # also a float32 file larger than RAM

Prints a markdown table and writes benchmarks/results/outofcore.md. Files are
created under ``tempfile.gettempdir()`` and removed afterwards.

- Matrix: a float32 ``.npy`` memory-mapped (``np.load(path, mmap_mode="r")``,
  opened afresh for every run), rendered to a 1000 x 1000 PNG with viridis
  and automatic range: fastheat straight from the memmap and over a dask array
  of it, against datashader ``Canvas.raster`` + ``tf.shade`` over the same dask
  array (built with ``fastheat.outofcore.dask_from_npy``: each block memory-maps
  its own slice; ``dask.array.from_array`` would copy the memmap into memory).
  The page cache is warm (the warm-up run reads the file).
- Points: a pandas DataFrame of normal x, y and a uniform value, binned to
  1000 x 1000 over a fixed window (count, then mean of the value) and written
  as PNG: fastheat's point path against datashader's own ``Canvas.points`` +
  ``tf.shade`` on the same table, with the same norm.
- ``--huge``: a float32 file larger than this machine's RAM (and over 24 GiB),
  read once by a plain sequential read (the disk's speed) and rendered by
  ``fastheat render`` in a child process that reports its peak RssAnon.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np
from _timing import median_time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
GIB = 1 << 30


def viridis_hex():
    from cmap import Colormap

    lut = (Colormap("viridis").lut(256)[:, :3] * 255).round().astype(int)
    return ["#%02x%02x%02x" % tuple(c) for c in lut]


def write_npy(path, n, seed=0):
    """A smooth field plus noise, written band by band (no full-size array)."""
    m = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, n))
    rng = np.random.default_rng(seed)
    cols = np.sin(np.linspace(0, 12, n, dtype=np.float32))
    step = max(1, (64 << 20) // (4 * n))
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        rows = np.cos(np.linspace(lo / n * 9, hi / n * 9, hi - lo, dtype=np.float32))
        m[lo:hi] = rows[:, None] * cols[None, :] + rng.standard_normal((hi - lo, n),
                                                                       dtype=np.float32)
    m.flush()
    del m


# --------------------------------------------------------------------------- matrix

def bench_matrix(tmp, n, repeat):
    import dask.array  # noqa: F401  (fail early if the bench extras are missing)
    import datashader as ds
    import datashader.transfer_functions as tf
    import xarray as xr

    import fastheat
    from fastheat.outofcore import dask_from_npy

    path = os.path.join(tmp, f"fastheat-bench-{os.getpid()}.npy")
    png = os.path.join(tmp, f"fastheat-bench-{os.getpid()}.png")
    t = time.perf_counter()
    write_npy(path, n)
    print(f"  wrote {n:,} x {n:,} float32 ({os.path.getsize(path) / 1e9:.2f} GB) in "
          f"{time.perf_counter() - t:.1f} s", file=sys.stderr)
    cmap = viridis_hex()
    chunks = dask_from_npy(path).chunks
    rows = {}
    try:
        def fh_memmap():
            fastheat.save(np.load(path, mmap_mode="r"), png, width=1000, height=1000)

        x = dask_from_npy(path)

        def fh_dask():
            fastheat.save(x, png, width=1000, height=1000)

        xa = xr.DataArray(x, dims=("y", "x"), coords={"y": np.arange(n), "x": np.arange(n)})

        def ds_dask():
            agg = ds.Canvas(plot_width=1000, plot_height=1000).raster(xa, agg="mean")
            tf.shade(agg, cmap=cmap, how="linear").to_pil().save(png)

        def numpy_sum():
            np.load(path, mmap_mode="r").sum(dtype=np.float64)

        label = f"{n:,}² float32 .npy → 1000² PNG"
        rows[f"fastheat, memmap ({label})"] = median_time(fh_memmap, repeat)
        rows[f"fastheat, dask array {chunks[0][0]}² chunks"] = median_time(fh_dask, repeat)
        rows["datashader raster + shade, same dask array"] = median_time(ds_dask, max(1, repeat - 2))
        rows["numpy sum of the memmap (memory-read floor)"] = median_time(numpy_sum, repeat)
    finally:
        for p in (path, png):
            if os.path.exists(p):
                os.remove(p)
    return rows


# --------------------------------------------------------------------------- points

def bench_points(tmp, n, repeat):
    import datashader as ds
    import datashader.transfer_functions as tf
    import pandas as pd

    import fastheat

    rng = np.random.default_rng(1)
    df = pd.DataFrame({"x": rng.standard_normal(n), "y": rng.standard_normal(n),
                       "v": rng.random(n)})
    window = dict(x_range=(-4.0, 4.0), y_range=(-4.0, 4.0))
    png = os.path.join(tmp, f"fastheat-bench-points-{os.getpid()}.png")
    cmap = viridis_hex()
    canvas = ds.Canvas(plot_width=1000, plot_height=1000, **window)
    rows = {}
    try:
        for what, value, agg in (("count", None, ds.count()), ("mean", "v", ds.mean("v"))):
            for norm, how in (("linear", "linear"), ("eq_hist", "eq_hist")):
                def fh():
                    fastheat.save(df, png, x="x", y="y", value=value, width=1000, height=1000,
                                  norm=norm, **window)

                def dsh():
                    grid = canvas.points(df, "x", "y", agg=agg)
                    tf.shade(grid, cmap=cmap, how=how).to_pil().save(png)

                def dsh_no_png():
                    tf.shade(canvas.points(df, "x", "y", agg=agg), cmap=cmap, how=how)

                key = f"{n / 1e6:g} M points, {what}, {norm}"
                rows[f"fastheat, {key}"] = median_time(fh, repeat)
                rows[f"datashader points + shade, {key}"] = median_time(dsh, repeat)
                rows[f"datashader no PNG, {key}"] = median_time(dsh_no_png, repeat)
    finally:
        if os.path.exists(png):
            os.remove(png)
    return rows


# --------------------------------------------------------------------------- huge

_HUGE_CHILD = textwrap.dedent("""
    import sys, threading, time
    from fastheat.cli import main

    def rss_anon():
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) << 10

    peak, done = [rss_anon()], threading.Event()

    def watch():
        while not done.wait(0.005):
            peak[0] = max(peak[0], rss_anon())

    threading.Thread(target=watch, daemon=True).start()
    t = time.perf_counter()
    code = main(["render", sys.argv[1], "-o", sys.argv[2], "--width", "1000", "-q"])
    seconds = time.perf_counter() - t
    done.set()
    print(code, seconds, max(peak[0], rss_anon()))
""")


def huge_bytes():
    """Over 24 GiB and over this machine's RAM, so the page cache cannot hold it."""
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return max(24 * GIB, ram) * 1.05


def bench_huge(tmp, repeat, nbytes=None):
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    n = math.ceil(math.sqrt((nbytes or huge_bytes()) / 4))
    size = n * n * 4 + 128
    free = shutil.disk_usage(tmp).free
    if free < size + 2 * GIB:
        raise SystemExit(f"--huge needs {(size + 2 * GIB) / GIB:.1f} GiB free in {tmp} for a "
                         f"{size / GIB:.1f} GiB file (RAM is {ram / GIB:.1f} GiB), but only "
                         f"{free / GIB:.1f} GiB is free; set TMPDIR to a bigger disk")
    path = os.path.join(tmp, f"fastheat-huge-{os.getpid()}.npy")
    png = os.path.join(tmp, f"fastheat-huge-{os.getpid()}.png")
    rows = {}
    try:
        t = time.perf_counter()
        m = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, n))
        band = np.random.default_rng(2).standard_normal((max(1, (256 << 20) // (4 * n)), n),
                                                         dtype=np.float32)
        for k, lo in enumerate(range(0, n, len(band))):
            hi = min(n, lo + len(band))
            m[lo:hi] = band[: hi - lo] + np.float32(math.sin(k / 10))
            m.flush()
        del m
        print(f"  wrote {n:,} x {n:,} float32 ({size / GIB:.1f} GiB) in "
              f"{time.perf_counter() - t:.0f} s", file=sys.stderr)

        def sequential_read():
            buf = bytearray(64 << 20)
            with open(path, "rb", buffering=0) as f:
                while f.readinto(buf):
                    pass

        read_s = median_time(sequential_read, 1, warmup=0)
        rows[f"plain sequential read, {size / GIB:.1f} GiB"] = (read_s, size / read_s / 1e9, None)
        for _ in range(max(1, min(repeat, 2))):
            out = subprocess.run([sys.executable, "-c", _HUGE_CHILD, path, png], check=True,
                                 capture_output=True, text=True)
            code, seconds, peak = out.stdout.split()
            if code != "0":
                raise SystemExit(f"fastheat render failed: {out.stderr.strip()}")
            rows.setdefault("fastheat render (memmap, 1000 px PNG)", [])
            rows["fastheat render (memmap, 1000 px PNG)"].append(
                (float(seconds), size / float(seconds) / 1e9, int(peak)))
        runs = rows["fastheat render (memmap, 1000 px PNG)"]
        rows["fastheat render (memmap, 1000 px PNG)"] = (
            statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
            max(r[2] for r in runs))
    finally:
        for p in (path, png):
            if os.path.exists(p):
                os.remove(p)
    return rows, n


# --------------------------------------------------------------------------- report

def machine():
    import dask
    import datashader
    import numba

    import fastheat

    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"{ram:.0f} GiB RAM, Python {platform.python_version()}, numpy {np.__version__}, "
            f"numba {numba.__version__}, fastheat {fastheat.__version__}, "
            f"datashader {datashader.__version__}, dask {dask.__version__}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    p.add_argument("--huge", action="store_true",
                   help="also render a float32 file larger than RAM (over 24 GiB; slow)")
    p.add_argument("--repeat", type=int, help="timed runs per case (default 5, --quick 3)")
    args = p.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 5)
    n_matrix = 5000 if args.quick else 20_000
    n_points = 2_000_000 if args.quick else 20_000_000
    tmp = tempfile.gettempdir()
    if args.huge and shutil.disk_usage(tmp).free < huge_bytes() + 2 * GIB:
        bench_huge(tmp, repeat)  # refuses with the explanation, before the long runs

    lines = ["# Out-of-core benchmark", "",
             f"`python benchmarks/bench_outofcore.py{' --quick' if args.quick else ''}"
             f"{' --huge' if args.huge else ''}` on {machine()}; medians of {repeat} runs "
             f"after one warm-up, in one process.", ""]
    print("matrix ...", file=sys.stderr)
    m = bench_matrix(tmp, n_matrix, repeat)
    fh = next(iter(m.values()))
    lines += ["## Memory-mapped matrix", "", "| case | seconds | vs fastheat memmap |",
              "|---|---:|---:|"]
    lines += [f"| {k} | {v:.3f} | {v / fh:.2f}× |" for k, v in m.items()]
    ds_key = "datashader raster + shade, same dask array"
    lines += ["", f"fastheat is **{m[ds_key] / fh:.1f}×** faster than datashader "
                  f"(target ≥ 4×).", ""]

    print("points ...", file=sys.stderr)
    pts = bench_points(tmp, n_points, repeat)
    lines += ["## Point tables", "",
              "| case | fastheat s | datashader s | fastheat / datashader "
              "| datashader without PNG s |", "|---|---:|---:|---:|---:|"]
    for k, v in pts.items():
        if k.startswith("fastheat, "):
            case = k.removeprefix("fastheat, ")
            d = pts[f"datashader points + shade, {case}"]
            d0 = pts[f"datashader no PNG, {case}"]
            lines.append(f"| {case} | {v:.3f} | {d:.3f} | {v / d:.2f} | {d0:.3f} |")
    lines += ["", "Target: fastheat / datashader ≤ 1.2. Both bin with datashader's "
              "`Canvas.points`; datashader's image is RGBA written by Pillow's default PNG "
              "settings, fastheat's a palette PNG (see the last column for datashader "
              "without the PNG).", ""]

    if args.huge:
        print("huge ...", file=sys.stderr)
        huge, n = bench_huge(tmp, repeat)
        lines += [f"## Larger than RAM: {n:,} × {n:,} float32", "",
                  "| case | seconds | GB/s | peak RssAnon |", "|---|---:|---:|---:|"]
        for k, (s, gbs, peak) in huge.items():
            lines.append(f"| {k} | {s:.1f} | {gbs:.2f} | "
                         f"{'' if peak is None else f'{peak / 2**20:.0f} MiB'} |")
        lines.append("")
    text = "\n".join(lines)
    print(text)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "outofcore-quick.md" if args.quick else "outofcore.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
