"""Issue 14's README images: a whole-genome contact map (cooler) and a
spectrogram on a log axis, each beside matplotlib drawing the same data."""
from __future__ import annotations

import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import fastheat  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "images", "sparse")
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "..", "..", "benchmarks"))
from bench_sparse import write_cool  # noqa: E402


def genome():
    import cooler

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "map.cool")
        write_cool(path, 4000, 400_000, binsize=50_000)
        kw = dict(norm="log", cmap="fall", width=500, height=500)
        fastheat.save(path, os.path.join(HERE, "genome-fastheat.png"), colorbar=True, **kw)
        clr = cooler.Cooler(path)
        dense = clr.matrix(balance=False)[:].astype(float)
        fig, ax = plt.subplots(figsize=(6, 5.5), dpi=100)
        im = ax.matshow(np.where(dense > 0, dense, np.nan), cmap="afmhot_r",
                        norm=matplotlib.colors.LogNorm())
        off = clr._load_dset("indexes/chrom_offset")
        for o in off[1:-1]:
            ax.axhline(o - 0.5, color="k", lw=0.8)
            ax.axvline(o - 0.5, color="k", lw=0.8)
        ax.set_xticks((off[:-1] + off[1:]) / 2 - 0.5, clr.chromnames, rotation=90)
        ax.set_yticks((off[:-1] + off[1:]) / 2 - 0.5, clr.chromnames)
        fig.colorbar(im)
        fig.savefig(os.path.join(HERE, "genome-matplotlib.png"))
        plt.close(fig)


def spectrogram():
    rng = np.random.default_rng(0)
    f = np.geomspace(20, 20_000, 120)  # log-spaced frequency centres
    t = np.linspace(0, 10, 300)
    chirp = 200 * 2 ** (t / 2)  # a tone rising one octave every 2 s
    s = np.exp(-((np.log2(f)[:, None] - np.log2(chirp)[None]) ** 2) / 0.02)
    s += 0.3 * np.exp(-((np.log2(f)[:, None] - np.log2(3 * chirp)[None]) ** 2) / 0.02)
    s += rng.random(s.shape) * 0.02
    fastheat.save(s, os.path.join(HERE, "spectrogram-fastheat.png"), xcoords=t, ycoords=f,
                  yscale="log", origin="lower", width=500, height=300, cmap="magma",
                  colorbar=True, xlabel="time (s)", ylabel="frequency (Hz)")
    fig, ax = plt.subplots(figsize=(6.5, 3.6), dpi=100)
    m = ax.pcolormesh(t, f, s, shading="nearest", cmap="magma")
    ax.set_yscale("log")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("frequency (Hz)")
    fig.colorbar(m)
    fig.savefig(os.path.join(HERE, "spectrogram-matplotlib.png"))
    plt.close(fig)


if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    genome()
    spectrogram()
