"""The front-ends against their baselines (issue 12):

1. zoom/pan re-render of the matplotlib artist over a 20,000 x 20,000 float32
   memmap versus ``fastheat.save`` of the same window at the same pixel size;
2. ``fastheat.heatmap(data, ax=ax)`` versus ``sns.heatmap(data, ax=ax)`` on the
   annotated 100 x 100 case and a 5000 x 5000 matrix (call plus the figure's
   first draw: what a user waits for before seeing it);
3. the size of ``fastheat.to_plotly`` of the 20,000 x 20,000 memmap.

    python benchmarks/bench_mpl.py [--side 20000] [--repeat 3] [--skip-5000]

Timings are medians, the functions timed in turn round after round
(``_timing.median_times``), so a slow spell on a shared machine hits both alike.
"""
import argparse
import io
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _timing import median_times  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import fastheat  # noqa: E402


def memmap(side, folder):
    path = os.path.join(folder, f"bench-mpl-{side}.f32")
    if not os.path.exists(path) or os.path.getsize(path) != side * side * 4:
        mm = np.memmap(path, np.float32, "w+", shape=(side, side))
        rng = np.random.default_rng(0)
        band = max(1, (64 << 20) // (side * 4))
        yy = np.arange(side, dtype=np.float32)
        for r in range(0, side, band):
            rows = slice(r, min(side, r + band))
            mm[rows] = np.sin(yy[rows, None] / 900) * np.cos(yy[None, :] / 700) + \
                rng.random((rows.stop - rows.start, side), np.float32) * 0.3
        mm.flush()
        del mm
    return np.memmap(path, np.float32, "r", shape=(side, side))


def bench_zoom(mm, repeat):
    side = mm.shape[0]
    fig = plt.figure(figsize=(8, 8), dpi=100)
    ax = fig.add_axes([0.1, 0.1, 0.8, 0.8])  # 640 x 640 px
    art = fastheat.imshow(ax, mm, cmap="viridis")
    fig.canvas.draw()
    half = side // 2
    views = [(0, half), (half // 2, half // 2 + half)]  # two windows of half the side
    state = {"i": 0}

    def pan():  # every draw a new window: a real re-render, no cache hit
        a, b = views[state["i"] % 2]
        state["i"] += 1
        ax.set_xlim(a - 0.5, b - 0.5)
        ax.set_ylim(b - 0.5, a - 0.5)
        fig.canvas.draw()

    pan()
    r0, r1, c0, c1 = art.window
    h, w = art.rendered.shape[:2]
    vmin, vmax = art.fitted.norm.vmin, art.fitted.norm.vmax

    def save():
        a, b = views[state["i"] % 2]
        fastheat.save(mm[a:b, a:b], io.BytesIO(), width=w, height=h, vmin=vmin, vmax=vmax)

    t = median_times({"artist re-render (pan to a new window + draw)": pan,
                      "fastheat.save of the window, same px": save}, repeat)
    plt.close(fig)
    return t, (r1 - r0, c1 - c0, w, h)


def bench_seaborn(n, annot, repeat, figsize=None):
    import seaborn as sns

    m = np.random.default_rng(0).random((n, n))

    def run(fn):
        def go():
            fig, ax = plt.subplots(figsize=figsize)
            fn(m, ax=ax, annot=annot)
            fig.canvas.draw()
            plt.close(fig)
        return go

    return median_times({"fastheat.heatmap(ax=)": run(fastheat.heatmap),
                         "sns.heatmap(ax=)": run(sns.heatmap)}, repeat)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--side", type=int, default=20_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--folder", default=tempfile.gettempdir())
    p.add_argument("--skip-5000", action="store_true")
    args = p.parse_args()
    t0 = time.perf_counter()
    mm = memmap(args.side, args.folder)
    print(f"memmap {args.side} x {args.side} float32 ready ({time.perf_counter() - t0:.1f} s)")
    t, (rows, cols, w, h) = bench_zoom(mm, args.repeat)
    names = list(t)
    print(f"\n## Zoom: a {rows} x {cols} window of the memmap at {w} x {h} px")
    for k in names:
        print(f"- {k}: {t[k]:.3f} s")
    print(f"- ratio: {t[names[0]] / t[names[1]]:.2f}x (goal <= 2x)")
    fig = fastheat.to_plotly(mm)
    size = len(fig.to_json())
    print(f"\n## to_plotly of the {args.side}^2 memmap: {size / 1e6:.2f} MB of JSON (goal < 5 MB)")
    t = bench_seaborn(100, True, args.repeat)
    print("\n## 100 x 100 annotated, default figure, call + first draw")
    for k, v in t.items():
        print(f"- {k}: {v:.3f} s")
    print(f"- speed-up: {t['sns.heatmap(ax=)'] / t['fastheat.heatmap(ax=)']:.1f}x (goal >= 20x)")
    if not args.skip_5000:
        t = bench_seaborn(5000, False, 1)
        print("\n## 5000 x 5000, default figure, call + first draw (one run)")
        for k, v in t.items():
            print(f"- {k}: {v:.3f} s")
        print(f"- speed-up: {t['sns.heatmap(ax=)'] / t['fastheat.heatmap(ax=)']:.1f}x")


if __name__ == "__main__":
    main()
