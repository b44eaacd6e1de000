"""Sparse inputs (issue 14): a scipy CSR vs matplotlib ``spy`` and datashader
``Canvas.points``, and a cooler contact map vs reading its pixel table once.

    python benchmarks/bench_sparse.py                 # default sizes, a few minutes
    python benchmarks/bench_sparse.py --quick         # smoke run
    python benchmarks/bench_sparse.py --full          # issue 14's sizes: CSR 10^6 x 10^6
                                                      # with 10^8 nonzeros, cooler 3*10^6 bins
                                                      # and 3*10^8 pixels (hours, ~10 GB disk)
    python benchmarks/bench_sparse.py --full --only csr   # one of the two cases

The CSR is random and built from raw arrays: rows unsorted, 0.5% of them storing
a column twice (``has_canonical_format`` False), so fastheat searches every row
for duplicates; it is rendered again as scipy's ``sum_duplicates()`` leaves it
(canonical: what scipy's own constructors give), where no search is needed.

fastheat renders with ``robust=True`` (see CHILD); datashader's time is
``Canvas.points`` + ``shade(how="log")`` + the PNG as its ``export_image`` writes
it (PIL's default level), also given with the PNG at fastheat's level 1 and
for ``Canvas.points`` alone.

Each fastheat render runs in a child process that samples its anonymous
memory (``RssAnon``) every 5 ms: the peak is reported. Times are medians of 5
(fastheat after one small warm-up render, datashader after one compile). The
cooler file is written by cooler into a temporary directory and removed
afterwards.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = textwrap.dedent("""
    import json, sys, threading, time
    peak = [0]
    def anon():
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
        return 0
    def sample():
        while True:
            peak[0] = max(peak[0], anon())
            time.sleep(0.005)
    threading.Thread(target=sample, daemon=True).start()
    import numpy as np, fastheat
    base = anon()
    spec = json.loads(sys.argv[1])
    kind, path, out = spec["kind"], spec["path"], spec["out"]
    if kind == "csr":
        import scipy.sparse as sp
        data = sp.load_npz(path)
        # robust: limits from the pixels' percentiles. The default ones (the
        # stored values', as matplotlib's) lie far above these pixel means (of
        # 10^6 cells holding ~100 entries), which would give one flat colour
        opts = dict(width=1000, height=1000, norm="log", robust=True)
    else:
        data = path
        opts = dict(width=1000, height=1000, norm="log", balance=None)
    # compile / load the kernels the render uses (the same options, a smaller raster)
    fastheat.save(data, out + ".warm.png", **dict(opts, width=50, height=50))
    times = []
    for _ in range(spec["rounds"]):
        t0 = time.perf_counter()
        fastheat.save(data, out, **opts)
        times.append(time.perf_counter() - t0)
    peak[0] = max(peak[0], anon())
    print(json.dumps({"seconds": sorted(times)[len(times) // 2], "first": times[0],
                      "peak_anon": peak[0], "base_anon": base,
                      "png_bytes": __import__("os").path.getsize(out)}))
""")


def child(spec, rounds=5):
    """The child's render: the median of ``rounds`` (after one small warm-up
    render), the first one, and the peak anonymous memory. Files written
    just before are synced first, so no write-back runs under the render."""
    os.sync()
    spec = dict(spec, rounds=rounds)
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def random_csr(n, nnz, seed=0):
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    rows = np.sort(rng.integers(0, n, nnz))
    cols = rng.integers(0, n, nnz).astype(np.int32)
    indptr = np.searchsorted(rows, np.arange(n + 1)).astype(np.int64)
    data = rng.random(nnz).astype(np.float32) + 0.01
    return sp.csr_matrix((data, cols, indptr), shape=(n, n))


def bench_csr(n, nnz, tmp, skip_mpl):
    import scipy.sparse as sp

    m = random_csr(n, nnz)
    path = os.path.join(tmp, "m.npz")
    sp.save_npz(path, m, compressed=False)
    fh = child({"kind": "csr", "path": path, "out": os.path.join(tmp, "fh.png")})
    res = {"n": n, "nnz": nnz, "fastheat_s": fh["seconds"], "fastheat_first_s": fh["first"],
           "fastheat_peak_anon_MB": fh["peak_anon"] / 2**20}
    # the same entries as scipy's constructors leave them: rows sorted, duplicates summed
    # (no search for rows that store a column twice)
    canonical = m.copy()
    canonical.sum_duplicates()
    sp.save_npz(path, canonical, compressed=False)
    fc = child({"kind": "csr", "path": path, "out": os.path.join(tmp, "fc.png")})
    res.update(canonical_nnz=canonical.nnz, fastheat_canonical_s=fc["seconds"])
    del canonical
    t0 = time.perf_counter()
    m.indices.max(), m.data.max()
    res["read_floor_s"] = time.perf_counter() - t0  # one read of the stored arrays, numpy
    coo = m.tocoo()
    import datashader as ds
    import pandas as pd

    df = pd.DataFrame({"x": coo.col.astype(np.float64), "y": coo.row.astype(np.float64)})
    canvas = ds.Canvas(plot_width=1000, plot_height=1000, x_range=(0, n), y_range=(0, n))
    canvas.points(df.iloc[:1000], "x", "y")  # compile
    parts = []  # Canvas.points, shade, PNG as export_image writes it, PNG at level 1
    for _ in range(5):
        t0 = time.perf_counter()
        agg = canvas.points(df, "x", "y")
        t1 = time.perf_counter()
        img = ds.transfer_functions.shade(agg, how="log").to_pil()
        t2 = time.perf_counter()
        img.save(os.path.join(tmp, "ds.png"))  # (PIL's default level, as export_image)
        t3 = time.perf_counter()
        img.save(os.path.join(tmp, "ds1.png"), compress_level=1)  # (fastheat's level)
        parts.append((t1 - t0, t2 - t1, t3 - t2, time.perf_counter() - t3))
    points, shade, png, png1 = np.median(parts, axis=0)
    res.update(datashader_s=points + shade + png, datashader_level1_s=points + shade + png1,
               datashader_points_s=points, datashader_png_bytes=os.path.getsize(
                   os.path.join(tmp, "ds.png")), fastheat_png_bytes=fh["png_bytes"])
    del df
    if not skip_mpl:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        t0 = time.perf_counter()
        fig, ax = plt.subplots(figsize=(10, 10), dpi=100)
        ax.spy(m, markersize=0.1)
        fig.savefig(os.path.join(tmp, "spy.png"))
        plt.close(fig)
        res["matplotlib_spy_s"] = time.perf_counter() - t0
    return res


def write_cool(path, n_bins, n_pixels, seed=0, binsize=1000):
    """A synthetic contact map with a distance decay (contacts ~ d^-1), written by cooler."""
    import cooler
    import pandas as pd

    n_chroms = 20
    sizes = np.full(n_chroms, n_bins // n_chroms * binsize)
    chroms = pd.Series(sizes, index=[f"chr{i + 1}" for i in range(n_chroms)])
    bins = cooler.binnify(chroms, binsize)
    rng = np.random.default_rng(seed)
    n = len(bins)
    # distances repeat (most often the short ones) and repeats are merged: draw
    # a fifth more per row, so that about n_pixels are stored
    per_row = max(1, round(n_pixels / n * 1.2))

    def chunks(step=2_000_000 // per_row + 1):
        for r0 in range(0, n, step):
            r1 = min(n, r0 + step)
            rows = np.repeat(np.arange(r0, r1), per_row)
            d = np.floor(np.exp(rng.random(len(rows)) * np.log(n))).astype(np.int64) - 1
            cols = np.minimum(rows + d, n - 1)
            key = np.unique(rows * n + cols)
            b1, b2 = key // n, key % n
            count = np.maximum(1, (200 / (1 + b2 - b1)) * rng.random(len(b1)) * 5).astype(
                np.int32)
            yield pd.DataFrame({"bin1_id": b1, "bin2_id": b2, "count": count})

    cooler.create_cooler(path, bins, chunks(), ordered=True)
    with cooler.Cooler(path).open("r") as g:
        return len(g["pixels/count"])


def read_pixels_once(path):
    """The floor: every chunk of the pixel table read once (bin2_id and count),
    in the chunks fastheat reads (``fastheat.sources.cooler.CHUNK_PIXELS``)."""
    import h5py

    from fastheat.sources.cooler import CHUNK_PIXELS

    t0 = time.perf_counter()
    with h5py.File(path, "r") as f:
        b2, c = f["pixels/bin2_id"], f["pixels/count"]
        step = CHUNK_PIXELS
        for p in range(0, len(c), step):
            b2[p:p + step]
            c[p:p + step]
    return time.perf_counter() - t0


def bench_cool(n_bins, n_pixels, tmp):
    path = os.path.join(tmp, "map.cool")
    t0 = time.perf_counter()
    stored = write_cool(path, n_bins, n_pixels)
    written = time.perf_counter() - t0
    floor = read_pixels_once(path)
    floor = min(floor, read_pixels_once(path))
    fh = child({"kind": "cool", "path": path, "out": os.path.join(tmp, "cool.png")})
    os.remove(path)
    return {"bins": n_bins, "pixels": stored, "write_s": written, "read_once_s": floor,
            "fastheat_s": fh["seconds"], "fastheat_first_s": fh["first"],
            "speed_vs_read": floor / fh["seconds"],
            "fastheat_peak_anon_MB": fh["peak_anon"] / 2**20}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--full", action="store_true", help="issue 14's sizes (on request only)")
    p.add_argument("--skip-mpl", action="store_true", help="leave matplotlib spy out")
    p.add_argument("--only", choices=("csr", "cool"), help="run one case")
    args = p.parse_args()
    if args.full:
        csr, cool = (10**6, 10**8), (3 * 10**6, 3 * 10**8)
    elif args.quick:
        csr, cool = (10**4, 10**5), (2 * 10**4, 2 * 10**5)
    else:
        csr, cool = (10**5, 10**7), (3 * 10**5, 10**7)
    with tempfile.TemporaryDirectory() as tmp:
        r1 = r2 = None
        if args.only != "cool":
            r1 = bench_csr(*csr, tmp, args.skip_mpl)
            print(json.dumps(r1), flush=True)
        if args.only != "csr":
            r2 = bench_cool(*cool, tmp)
            print(json.dumps(r2), flush=True)
    print("\n| case | fastheat | baseline | ratio | peak anon MB |\n|---|---|---|---|---|")
    if r1 and "matplotlib_spy_s" in r1:
        print(f"| CSR {r1['n']:.0e}^2, {r1['nnz']:.0e} nnz vs spy+savefig | "
              f"{r1['fastheat_s']:.2f} s | {r1['matplotlib_spy_s']:.2f} s | "
              f"{r1['matplotlib_spy_s'] / r1['fastheat_s']:.1f}x | "
              f"{r1['fastheat_peak_anon_MB']:.0f} |")
    if r1:
        for case, key in (("CSR", "fastheat_s"), ("canonical CSR (sorted, summed)",
                                                 "fastheat_canonical_s")):
            for peer, what in (("datashader_s", "points + shade + PNG (export_image)"),
                               ("datashader_level1_s", "the same, PNG at level 1"),
                               ("datashader_points_s", "Canvas.points alone")):
                print(f"| {case} vs datashader {what} | {r1[key]:.3f} s | {r1[peer]:.3f} s | "
                      f"{r1[peer] / r1[key]:.1f}x | |")
        print(f"| CSR: one read of indices and data (`.max()`, numpy) | "
              f"{r1['read_floor_s']:.2f} s | | | |")
    if r2:
        print(f"| cooler {r2['bins']:.0e} bins, {r2['pixels']:.1e} px vs reading pixels once | "
              f"{r2['fastheat_s']:.2f} s | {r2['read_once_s']:.2f} s | "
              f"{r2['speed_vs_read']:.0%} of read speed | {r2['fastheat_peak_anon_MB']:.0f} |")


if __name__ == "__main__":
    main()
