"""Core kernel benchmark (issue 11): fastheat against the read floor (``a.max()``)
and OpenCV ``INTER_AREA`` (and pyvips where installed), all in one process.

    python benchmarks/bench_core.py              # the full table, ~5-10 minutes
    python benchmarks/bench_core.py --quick      # smoke run: 2000^2 inputs, few repeats
    python benchmarks/bench_core.py --repeat 41  # more rounds on a noisy machine
    python benchmarks/bench_core.py --peers      # issue 2: matplotlib, datashader, start-up

Every case is timed in interleaved rounds (floor, fastheat, OpenCV, ... one
after another, round after round) so that a slow spell on a shared machine
hits all of them alike; the table gives medians, their ratios, and the noise
(the spread of the floor's own rounds). One PASS/FAIL line per must-hold of
issue 11 (and issue 10's memory bound) is printed at the end and the table is
written to ``benchmarks/results/core.md`` (``core-quick.md`` for ``--quick``).
Memory is measured in a child process: the peak anonymous memory (RssAnon,
sampled every millisecond) of rendering a (1, 10^9) float32 ``.npy`` memmap,
created sparse in the temp directory and removed afterwards.
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
from _timing import interleaved
from _timing import median_time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")


def spread(ts):
    """Relative spread of a list of times: (75th - 25th percentile) / median."""
    q = statistics.quantiles(ts, n=4)
    return (q[2] - q[0]) / statistics.median(ts)


def peers():
    """The comparison libraries present: name -> resize(a, h, w)."""
    out = {}
    try:
        import cv2

        out["OpenCV INTER_AREA"] = lambda a, h, w: cv2.resize(a, (w, h), interpolation=cv2.INTER_AREA)
    except ImportError:
        pass
    try:
        import pyvips

        def vips(a, h, w):
            img = pyvips.Image.new_from_memory(np.ascontiguousarray(a).data, a.shape[1], a.shape[0],
                                               1, {np.dtype("float32"): "float", np.dtype("float64"): "double",
                                                   np.dtype("uint8"): "uchar", np.dtype("uint16"): "ushort",
                                                   np.dtype("int32"): "int"}[a.dtype])
            return img.resize(w / a.shape[1], vscale=h / a.shape[0], kernel="linear").numpy()

        out["pyvips resize"] = vips
    except (ImportError, OSError):
        pass
    return out


_MEMORY_CODE = r"""
import os, sys, threading, time, numpy as np, fastheat
def anon():
    with open('/proc/self/status') as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith('RssAnon:'))
n, path, png = int(sys.argv[1]), sys.argv[2], sys.argv[3]
m = np.lib.format.open_memmap(path, mode='w+', dtype=np.float32, shape=(1, n))
m[0, ::max(1, n // 97)] = 1.0  # a sparse file: a few pages of data, holes elsewhere
m.flush(); del m
a = np.load(path, mmap_mode='r')
fastheat.save(np.zeros((1, 5000), np.float32), png)  # load the JIT first
base = anon(); peak = [base]; done = [False]
def watch():
    while not done[0]:
        peak[0] = max(peak[0], anon()); time.sleep(0.001)
th = threading.Thread(target=watch, daemon=True); th.start()
t = time.perf_counter()
fastheat.save(a, png)
dt = time.perf_counter() - t
done[0] = True; th.join()
print(base, peak[0], dt)
"""


def anon_memory(n, tmp):
    """``(RssAnon before, peak RssAnon, seconds)`` of rendering a (1, n) float32
    memmap at the default size, in a fresh process."""
    path = os.path.join(tmp, f"long-{n}.npy")
    try:
        out = subprocess.run([sys.executable, "-c", _MEMORY_CODE, str(n), path,
                              os.path.join(tmp, "long.png")], check=True, capture_output=True,
                             text=True).stdout.split()
    finally:
        if os.path.exists(path):
            os.remove(path)
    return int(out[0]), int(out[1]), float(out[2])


def cli_time(npy, out):
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "fastheat", "render", npy, "-o", out, "-q"], check=True)
    return time.perf_counter() - t


# --- the issue-2 comparison with matplotlib and datashader (--peers) ---------------

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


def peers_main(args):
    """The issue-2 comparison (matplotlib, datashader, start-up, threads,
    scaling): ``--peers``; writes results/core-peers.md and results/core.png."""
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
    name = "core-peers-quick" if args.quick else "core-peers"
    with open(os.path.join(RESULTS, name + ".md"), "w") as f:
        f.write(report)
    chart({k: v for k, v in t.items() if k != "fastheat.aggregate"}, os.path.join(RESULTS, ("core-quick" if args.quick else "core") + ".png"))



def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="2000^2 inputs, few repeats (smoke test)")
    p.add_argument("--repeat", type=int, default=None, help="interleaved rounds per case "
                   "(default 21, quick 5)")
    p.add_argument("--no-memory", action="store_true", help="skip the (1, 10^9) memmap memory case")
    p.add_argument("--peers", action="store_true", help="instead: issue 2's comparison with "
                   "matplotlib and datashader (results/core-peers.md, results/core.png)")
    p.add_argument("--no-billion", action="store_true", help="--peers: skip the 10^9-cell case")
    args = p.parse_args(argv)
    if args.peers:
        return peers_main(args)
    import numba

    import fastheat

    big = 2000 if args.quick else 10_000
    repeat = args.repeat or (5 if args.quick else 21)
    scale = big / 10_000
    others = peers()
    rng = np.random.default_rng(0)
    a32 = rng.random((big, big), dtype=np.float32)
    tmp = tempfile.mkdtemp(prefix="fastheat-bench-")
    png = os.path.join(tmp, "out.png")

    def side(n):
        return max(1, round(n * scale))

    # (label, input, height, width, with PNG save)
    cases = [
        (f"{big:,}² float32 → {side(1000)}²", a32, side(1000), side(1000), True),
        (f"{big:,}² float32 → {side(999)}² (non-integer)", a32, side(999), side(999), False),
        (f"{side(7777):,} × {big:,} float32 → {side(1013)} × {side(999)} (non-integer)",
         a32[:side(7777)], side(1013), side(999), False),
        (f"{big:,}² float32 → {side(2000)}²", a32, side(2000), side(2000), False),
        (f"{big:,}² float32 → {side(4096)}²", a32, side(4096), side(4096), False),
    ]
    for dt in ("uint8", "uint16", "int32", "float64"):
        x = (a32 * 250).astype(dt) if dt != "float64" else a32.astype(dt)
        cases.append((f"{big:,}² {dt} → {side(1000)}²", x, side(1000), side(1000), False))
    rows = {}
    noise = []
    try:
        for label, x, h, w, with_save in cases:
            fns = {"floor": x.max, "fastheat": lambda: fastheat.aggregate(x, width=w, height=h)}
            if with_save:
                fns["fastheat.save"] = lambda: fastheat.save(x, png, width=w, height=h)
            for name, fn in others.items():
                try:
                    fn(x[:64, :64], 8, 8)
                except Exception:  # e.g. OpenCV has no int32 resize: no column for it
                    continue
                fns[name] = (lambda f: lambda: f(x, h, w))(fn)
            times = interleaved(fns, repeat)
            rows[label] = {k: statistics.median(v) for k, v in times.items()}
            noise.append(spread(times["floor"]))
            print(label, {k: f"{v * 1e3:.1f} ms" for k, v in rows[label].items()}, flush=True)
        cases.clear()
        del x
        # 1000^2 float64 at its own size (the output-bound path)
        s64 = rng.random((side(1000), side(1000)))
        small = {"to_rgba": lambda: fastheat.to_rgba(s64), "save": lambda: fastheat.save(s64, png)}
        small_t = {k: statistics.median(v) for k, v in interleaved(small, repeat).items()}
        npy = os.path.join(tmp, "small.npy")
        np.save(npy, s64.astype(np.float32))
        cli_time(npy, png)  # fill the numba cache
        cli = statistics.median(cli_time(npy, png) for _ in range(5))
        mem = None if args.no_memory else anon_memory(10**7 if args.quick else 10**9, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    labels = list(rows)
    r = {k: rows[k] for k in labels}
    main_row = r[labels[0]]
    cv = "OpenCV INTER_AREA"

    def ratio(row, k="fastheat"):
        return row[k] / row["floor"]

    checks = []

    def check(name, ok, detail):
        checks.append((name, ok, detail))

    check("1a aggregate ≤ 1.15× a.max() (10k² → 1000²)", ratio(main_row) <= 1.15,
          f"{ratio(main_row):.2f}×")
    if cv in main_row:
        check("1b aggregate not slower than OpenCV INTER_AREA (10k² → 1000²)",
              main_row["fastheat"] <= main_row[cv], f"{main_row['fastheat'] / main_row[cv]:.2f}× OpenCV")
    check("1c save to PNG ≤ 1.5× a.max() (10k² → 1000²)", ratio(main_row, "fastheat.save") <= 1.5,
          f"{ratio(main_row, 'fastheat.save'):.2f}×")
    worst = max(ratio(r[labels[1]]), ratio(r[labels[2]]))
    check("2 non-integer ratios ≤ 1.3× a.max()", worst <= 1.3,
          f"{ratio(r[labels[1]]):.2f}×, {ratio(r[labels[2]]):.2f}×")
    if cv in main_row:
        q = [r[k]["fastheat"] / r[k][cv] for k in labels[3:5]]
        check("3 → 2000² and → 4096² at least as fast as OpenCV INTER_AREA", max(q) <= 1.0,
              ", ".join(f"{v:.2f}× OpenCV" for v in q))
    q = [ratio(r[k]) for k in labels[5:9]]
    check("4 uint8/uint16/int32/float64 ≤ 1.5× their own a.max()", max(q) <= 1.5,
          ", ".join(f"{v:.2f}×" for v in q))
    check("5 1000² float64 at its own size: to_rgba ≤ 3 ms, save ≤ 4 ms",
          small_t["to_rgba"] <= 3e-3 and small_t["save"] <= 4e-3,
          f"to_rgba {small_t['to_rgba'] * 1e3:.1f} ms, save {small_t['save'] * 1e3:.1f} ms")
    check("6 whole-process `fastheat render` of a 1000² .npy ≤ 0.35 s", cli <= 0.35, f"{cli:.2f} s")
    if mem is not None:
        base, peak, secs = mem
        n = "10^7" if args.quick else "10^9"
        check(f"issue 10.3 RssAnon < 256 MB rendering a (1, {n}) float32 memmap", peak < 256 << 20,
              f"peak {peak / 2**20:.0f} MiB ({(peak - base) / 2**20:+.0f} MiB over the "
              f"{base / 2**20:.0f} MiB before), {secs:.1f} s")

    names = ["floor", "fastheat", "fastheat.save"] + list(others)
    lines = [f"# Core kernel benchmark (issue 11){' - quick run' if args.quick else ''}", "",
             f"`python benchmarks/bench_core.py{' --quick' if args.quick else ''}` on "
             f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, numba "
             f"threads {numba.config.NUMBA_NUM_THREADS}, numpy {np.__version__}, numba "
             f"{numba.__version__}, Python {platform.python_version()}. Medians of {repeat} "
             f"interleaved rounds after one warm-up round, one process; floor = `a.max()` "
             f"(one read of the input, numpy, one thread). Noise: the floor's interquartile "
             f"spread was {min(noise):.0%}-{max(noise):.0%} of its median (median "
             f"{statistics.median(noise):.0%}) across the cases; load average at the end "
             f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.", "",
             "| case | " + " | ".join(n for n in names) + " | fastheat / floor |"
             + (" fastheat / OpenCV |" if cv in main_row else ""),
             "|---|" + "---:|" * (len(names) + 1 + (cv in main_row))]
    for k in labels:
        cells = [f"{r[k][n] * 1e3:.1f} ms" if n in r[k] else "" for n in names]
        tail = f" {ratio(r[k]):.2f}× |" + (f" {r[k]['fastheat'] / r[k][cv]:.2f}× |" if cv in r[k]
                                           else " |" if cv in main_row else "")
        lines.append(f"| {k} | " + " | ".join(cells) + " |" + tail)
    lines += ["", "| output-bound and whole-process | median |", "|---|---:|",
              f"| {side(1000)}² float64 at its own size: `to_rgba` | {small_t['to_rgba'] * 1e3:.1f} ms |",
              f"| {side(1000)}² float64 at its own size: `save` (PNG) | {small_t['save'] * 1e3:.1f} ms |",
              f"| `python -m fastheat render` of a {side(1000)}² float32 .npy (cache warm), median of 5 "
              f"| {cli:.2f} s |"]
    if mem is not None:
        lines += ["", "| memory: render a (1, n) float32 .npy memmap at the default size, fresh "
                  "process | RssAnon before | peak RssAnon | time |", "|---|---:|---:|---:|",
                  f"| n = {'10^7' if args.quick else '10^9'} (sparse file) | {mem[0] / 2**20:.0f} MiB | "
                  f"{mem[1] / 2**20:.0f} MiB | {mem[2]:.1f} s |"]
    lines += ["", "| must-hold | result | measured |", "|---|---|---|"]
    lines += [f"| {name} | {'PASS' if ok else 'FAIL'} | {detail} |" for name, ok, detail in checks]
    report = "\n".join(lines) + "\n"
    print(report)
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {name}: {detail}")
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "core-quick.md" if args.quick else "core.md"), "w") as f:
        f.write(report)


if __name__ == "__main__":
    main()
