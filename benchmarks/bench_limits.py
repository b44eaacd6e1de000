"""Memory of the largest raster fastheat renders (issue 10, README "Limits"):
a mean of a float32 memmap downsampled to 65,535 x 8,192 px (2^29 pixels, the
documented maximum), saved as PNG, with the peak anonymous memory (RssAnon,
sampled every 20 ms; the memmap's pages are file-backed and not counted).

    python benchmarks/bench_limits.py [--rows 9000] [--cols 70000] [--reduce R]
        [--norm N] [--height H]
    python benchmarks/bench_limits.py --scaled   # a decorated canvas near its limit

The state has one float64 plane per output pixel for each of the reduction's
planes (mean, sum: 2; std: 3; min, max: 1), and 3 more where the input's range
is tracked (a log or symlog norm with a default bound). The default run needs
about 12 GB of memory and 2.5 GB of disk for the input (created under
``tempfile.gettempdir()`` and removed afterwards), and writes
a row into benchmarks/results/limits.md.
"""
import argparse
import os
import platform
import struct
import tempfile
import threading
import time

import numpy as np

import fastheat

WIDTH, HEIGHT = 65_535, 8_192


def rss_anon():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("RssAnon:"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=9_000)
    p.add_argument("--cols", type=int, default=70_000)
    p.add_argument("--reduce", default="mean")
    p.add_argument("--norm", default="linear")
    p.add_argument("--height", type=int, default=HEIGHT)
    p.add_argument("--scaled", action="store_true", help="instead: a decorated canvas near its "
                   "limit, a 12 x 1 matrix with a colorbar at scale=64 (12,914 x 28,229 px)")
    args = p.parse_args()
    opts = dict(width=WIDTH, height=args.height, reduce=args.reduce, norm=args.norm)
    if args.scaled:
        args.rows, args.cols = 12, 1
        opts = dict(colorbar=True, scale=64)
    folder = tempfile.mkdtemp()
    path, png = os.path.join(folder, "in.f32"), os.path.join(folder, "out.png")
    try:
        mm = np.memmap(path, np.float32, "w+", shape=(args.rows, args.cols))
        for i in range(0, args.rows, 1024):
            mm[i:i + 1024] = np.random.default_rng(i).random(mm[i:i + 1024].shape, np.float32)
        mm.flush()
        del mm
        a = np.memmap(path, np.float32, "r", shape=(args.rows, args.cols))
        fastheat.save(a[:100, :100], png)  # the JIT loaded first
        base, peak, done = rss_anon(), [0], threading.Event()

        def watch():
            while not done.wait(0.02):
                peak[0] = max(peak[0], rss_anon())

        threading.Thread(target=watch, daemon=True).start()
        t = time.perf_counter()
        fastheat.save(a, png, **opts)
        seconds = time.perf_counter() - t
        done.set()
        size = os.path.getsize(png)
        with open(png, "rb") as f:  # the PNG's IHDR (Pillow refuses > 179 Mpx to open)
            width, height = struct.unpack(">II", f.read(24)[16:24])
        pixels = width * height
    finally:
        for f in (path, png):
            if os.path.exists(f):
                os.remove(f)
        os.rmdir(folder)
    per_pixel = (peak[0] - base) / pixels
    results = os.path.join(os.path.dirname(__file__), "results", "limits.md")
    if not os.path.exists(results):
        with open(results, "w") as f:
            f.write(f"# Largest rasters (issue 10): `python benchmarks/bench_limits.py`\n\n"
                    f"{platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}; "
                    f"float32 memmap inputs, saved as PNG; RssAnon sampled every 20 ms.\n\n"
                    f"| input | options | RssAnon before | peak RssAnon | per output pixel "
                    f"| time | PNG |\n|---|---|---:|---:|---:|---:|---:|\n")
    row = (f"| {args.rows:,} x {args.cols:,} -> {width:,} x {height:,} px | "
           + ", ".join(f"{k}={v}" for k, v in opts.items())
           + f" | {base / 2**20:.0f} MiB | {peak[0] / 2**30:.2f} GiB | {per_pixel:.1f} B | "
           f"{seconds:.1f} s | {size / 1e6:.0f} MB |\n")
    print(row, end="")
    with open(results, "a") as f:
        f.write(row)


if __name__ == "__main__":
    main()
