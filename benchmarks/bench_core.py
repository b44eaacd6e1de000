"""Core renderer benchmark (issue 2): fastheat vs matplotlib, datashader and
the memory-read floor, all in one process, medians after warm-up.

    python benchmarks/bench_core.py            # full run, ~3 minutes
    python benchmarks/bench_core.py --quick    # smoke run on small inputs

Prints a markdown table and writes benchmarks/results/core.md and
benchmarks/results/core.png (the chart in the README).
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from _timing import median_time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")


def fastheat_png(a, path):
    import fastheat

    fastheat.save(a, path, width=1000, height=1000)


def matplotlib_png(a, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(10, 10), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(a, cmap="viridis")
    ax.set_axis_off()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def datashader_png(da, path):
    import datashader as ds
    import datashader.transfer_functions as tf
    from matplotlib import colormaps

    canvas = ds.Canvas(plot_width=1000, plot_height=1000)
    agg = canvas.raster(da)
    img = tf.shade(agg, cmap=colormaps["viridis"], how="linear")
    img.to_pil().save(path)


_PEAK_CODE = """
import sys, tracemalloc, numpy as np, fastheat
def status(key):
    with open('/proc/self/status') as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith(key))
n, path = int(sys.argv[1]), sys.argv[2]
a = np.random.default_rng(0).random((n, n), dtype=np.float32)
fastheat.save(a[:500, :500], path, width=100, height=100)  # load the JIT; other buffer sizes
before = status('VmRSS:')
tracemalloc.start()
fastheat.save(a, path, width=1000, height=1000)
traced = tracemalloc.get_traced_memory()[1]
print(traced, status('VmHWM:') - before)
"""


def peak_memory(n, path):
    """Peak memory of rendering an in-memory ``n x n`` matrix, in a fresh
    process: numpy/Python allocations (tracemalloc) and the growth of the peak
    resident set (VmHWM) over the resident set before rendering, which also
    sees numba's and Pillow's allocations."""
    out = subprocess.run([sys.executable, "-c", _PEAK_CODE, str(n), path], check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[0]), int(out[1])


def cli_start(npy, out, cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    exe = [sys.executable, "-m", "fastheat", "render", npy, "-o", out, "-q"]
    t = time.perf_counter()
    subprocess.run(exe, check=True, env=env)
    return time.perf_counter() - t


def import_time():
    code = "import time; t = time.perf_counter(); import fastheat; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout) for _ in range(5)]
    return statistics.median(runs)


def scaling(tmp, sizes, repeat):
    """Render time from 10^6 to 10^9 cells; the largest on a memory-mapped file."""
    import fastheat

    rows = []
    for n, on_disk in sizes:
        if on_disk:
            path = os.path.join(tmp, f"scale{n}.npy")
            mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, n))
            rng = np.random.default_rng(1)
            for lo in range(0, n, 2048):
                mm[lo: lo + 2048] = rng.random((min(2048, n - lo), n), dtype=np.float32)
            mm.flush()
            del mm
            a = np.load(path, mmap_mode="r")
        else:
            a = np.random.default_rng(1).random((n, n), dtype=np.float32)
        out = os.path.join(tmp, "scale.png")
        t_sum = median_time(lambda: a.sum(), repeat)
        t_fh = median_time(lambda: fastheat.save(a, out, width=1000, height=1000), repeat)
        rows.append((n * n, "memmap" if on_disk else "memory", t_fh, a.nbytes / t_fh / 1e9, t_sum))
        del a
    return rows


def chart(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    secs = [results[k] for k in names]
    fig, ax = plt.subplots(figsize=(7, 2.8), dpi=110)
    colors = ["#d1495b" if n.startswith("fastheat") else "#8d99ae" for n in names]
    ax.barh(names, secs, color=colors)
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("seconds (median, log scale) - lower is better")
    ax.set_title("10,000 x 10,000 float32 -> 1000 x 1000 PNG")
    for y, s in enumerate(secs):
        ax.text(s * 1.08, y, f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s", va="center", fontsize=8)
    ax.set_xlim(min(secs) / 2, max(secs) * 6)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small inputs, few repeats (smoke test)")
    p.add_argument("--no-billion", action="store_true", help="skip the 10^9-cell memmap case")
    args = p.parse_args(argv)
    import numba

    import fastheat

    n = 2000 if args.quick else 10_000
    repeat = 3 if args.quick else 7
    tmp = tempfile.mkdtemp(prefix="fastheat-bench-")
    try:
        a = np.random.default_rng(0).random((n, n), dtype=np.float32)
        png = os.path.join(tmp, "out.png")
        import xarray as xr

        da = xr.DataArray(a, dims=("y", "x"), coords={"y": np.arange(n), "x": np.arange(n)})
        t = {}
        t["numpy a.sum() (memory-read floor)"] = median_time(lambda: a.sum(), repeat)
        t["fastheat.aggregate"] = median_time(
            lambda: fastheat.aggregate(a, width=1000, height=1000), repeat)
        t["fastheat.save (PNG)"] = median_time(lambda: fastheat_png(a, png), repeat)
        t["datashader raster+shade+PNG"] = median_time(lambda: datashader_png(da, png), max(3, repeat // 2))
        t["matplotlib imshow+savefig"] = median_time(lambda: matplotlib_png(a, png), 3)
        floor, fh = t["numpy a.sum() (memory-read floor)"], t["fastheat.save (PNG)"]
        ratios = {
            "matplotlib / fastheat (goal >= 80)": t["matplotlib imshow+savefig"] / fh,
            "datashader / fastheat (goal >= 10)": t["datashader raster+shade+PNG"] / fh,
            "fastheat render / numpy sum (goal <= 3)": fh / floor,
            "fastheat.aggregate / numpy sum (goal <= 2)": t["fastheat.aggregate"] / floor,
        }
        traced, rss_extra = peak_memory(n, png)

        threads = {}
        for k in (1, 2):
            if k <= numba.config.NUMBA_NUM_THREADS:
                numba.set_num_threads(k)
                threads[k] = median_time(lambda: fastheat_png(a, png), repeat)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        del a, da

        small = os.path.join(tmp, "small.npy")
        np.save(small, np.random.default_rng(2).random((1000, 1000), dtype=np.float32))
        cache = os.path.join(tmp, "numba-cache")
        first = cli_start(small, png, cache)
        later = statistics.median(cli_start(small, png, cache) for _ in range(5))
        imp = import_time()

        sizes = [(1000, False), (3163, False), (10_000, False)] if args.quick else \
            [(1000, False), (3163, False), (10_000, False), (31_623, False)]
        if not args.quick and not args.no_billion:
            sizes[-1] = (31_623, True)
        if args.quick:
            sizes = sizes[:2]
        scale = scaling(tmp, sizes, 3)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    lines = [f"# Core renderer benchmark{' (quick run)' if args.quick else ''}", "",
             f"{n:,} x {n:,} float32 -> 1000 x 1000 PNG, automatic range, viridis. "
             f"Medians of {repeat} runs after warm-up, one process. Machine: "
             f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
             f"numba threads {numba.config.NUMBA_NUM_THREADS}; "
             f"`python benchmarks/bench_core.py`.", "",
             "| what | median |", "|---|---|"]
    lines += [f"| {k} | {v * 1000:.1f} ms |" for k, v in t.items()]
    lines += ["", "| ratio | value |", "|---|---|"]
    lines += [f"| {k} | {v:.1f} |" for k, v in ratios.items()]
    lines += ["", "| memory while rendering the in-memory matrix | MB |", "|---|---|",
              f"| peak numpy/Python allocations (tracemalloc) | {traced / 1e6:.1f} |"]
    lines += [f"| peak resident set above the level before rendering (VmHWM, fresh process) | {rss_extra / 1e6:.1f} |"]
    lines += ["", "| start-up: `python -m fastheat render` of a 1000 x 1000 .npy | wall |", "|---|---|",
              f"| first run ever (empty numba cache: compiles) | {first:.2f} s |",
              f"| later runs (cache loaded), median of 5 | {later:.2f} s |",
              f"| `import fastheat` alone, median of 5 | {imp * 1000:.0f} ms |"]
    lines += ["", "| threads | render median |", "|---|---|"]
    lines += [f"| {k} | {v * 1000:.1f} ms |" for k, v in threads.items()]
    if len(threads) == 2:
        lines += [f"| speed-up 2 vs 1 | {threads[1] / threads[2]:.2f}x |"]
    lines += ["", "| cells | input | render median | input read rate | numpy sum |", "|---|---|---|---|---|"]
    lines += [f"| {cells:.1e} | {kind} | {tt * 1000:.0f} ms | {gbs:.1f} GB/s | {ts * 1000:.0f} ms |"
              for cells, kind, tt, gbs, ts in scale]
    report = "\n".join(lines) + "\n"
    print(report)
    os.makedirs(RESULTS, exist_ok=True)
    name = "core-quick" if args.quick else "core"
    with open(os.path.join(RESULTS, name + ".md"), "w") as f:
        f.write(report)
    chart({k: v for k, v in t.items() if k != "fastheat.aggregate"}, os.path.join(RESULTS, name + ".png"))


if __name__ == "__main__":
    main()
