"""Issue 14's README images: a whole-genome contact map (cooler), the triangle
view of one chromosome and a spectrogram on a log axis, each beside matplotlib
drawing the same data (cooltools-style for the Hi-C maps)."""
from __future__ import annotations

import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import fastheat  # noqa: E402
from fastheat.sources.cooler import FALL as FALL_RGB  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "images", "sparse")


CHROMS = {"chr1": 30_000_000, "chr2": 24_000_000, "chr3": 20_000_000, "chr4": 16_000_000,
          "chrX": 10_000_000}
BINSIZE = 50_000
#: cooltools' ``fall`` (cooltools.lib.plotting), for the matplotlib side
FALL = matplotlib.colors.LinearSegmentedColormap.from_list(
    "fall", np.array(FALL_RGB) / 255, 256)


def hic_cool(path, seed=0):
    """A synthetic Hi-C map written by cooler: contacts ~ 1/distance within
    chromosomes (out to 20 Mb), TADs of 0.5-2.5 Mb that hold 2.5x more, a
    sparse inter-chromosomal background; Poisson counts."""
    import cooler
    import pandas as pd

    rng = np.random.default_rng(seed)
    bins = cooler.binnify(pd.Series(CHROMS), BINSIZE)
    n = len(bins)
    chrom = bins["chrom"].to_numpy()
    edges = np.r_[0, np.flatnonzero(chrom[1:] != chrom[:-1]) + 1, n]
    tad = np.zeros(n, np.int64)  # TAD id of each bin
    k, pos = 0, 0
    while pos < n:
        size = int(rng.integers(10, 50))
        tad[pos:pos + size] = k
        k, pos = k + 1, pos + size
    frames = []
    for a, b in zip(edges[:-1], edges[1:]):
        i, d = np.meshgrid(np.arange(a, b), np.arange(0, min(400, b - a)), indexing="ij")
        i, d = i.ravel(), d.ravel()
        j = i + d
        keep = j < b
        i, j, d = i[keep], j[keep], d[keep]
        lam = 60.0 / (1 + d) * np.where(tad[i] == tad[j], 2.5, 1.0)
        frames.append(pd.DataFrame({"bin1_id": i, "bin2_id": j, "count": rng.poisson(lam)}))
    m = 400_000  # inter-chromosomal: uniform, sparse
    r, c = rng.integers(0, n, m), rng.integers(0, n, m)
    frames.append(pd.DataFrame({"bin1_id": np.minimum(r, c), "bin2_id": np.maximum(r, c),
                                "count": np.ones(m, np.int64)}))
    px = pd.concat(frames)
    px = px[px["count"] > 0].groupby(["bin1_id", "bin2_id"], as_index=False)["count"].sum()
    cooler.create_cooler(path, bins, px)
    return path


def genome(path):
    """Whole genome, fastheat's Hi-C defaults (no norm or cmap given) beside
    matplotlib's matshow of cooler's dense matrix, cooltools-style (fall, LogNorm)."""
    import cooler

    fastheat.save(path, os.path.join(HERE, "genome-fastheat.png"), colorbar=True, width=300,
                  height=300, optimize=True)  # noise is costly to compress: keep it small
    clr = cooler.Cooler(path)
    dense = clr.matrix(balance=False)[:].astype(float)
    fig, ax = plt.subplots(figsize=(6, 5.5), dpi=100)
    im = ax.matshow(np.where(dense > 0, dense, np.nan), cmap=FALL,
                    norm=matplotlib.colors.LogNorm())
    off = clr._load_dset("indexes/chrom_offset")
    for o in off[1:-1]:
        ax.axhline(o - 0.5, color="k", lw=0.8)
        ax.axvline(o - 0.5, color="k", lw=0.8)
    ax.set_xticks((off[:-1] + off[1:]) / 2 - 0.5, clr.chromnames)
    ax.set_yticks((off[:-1] + off[1:]) / 2 - 0.5, clr.chromnames)
    fig.colorbar(im)
    fig.savefig(os.path.join(HERE, "genome-matplotlib.png"))
    plt.close(fig)


def triangle(path, region="chr2", depth=200):
    """The 45-degree band of one chromosome, ``depth`` bins (10 Mb) high:
    fastheat's ``view="triangle"`` beside cooltools' recipe, ``pcolormesh`` of
    the matrix on rotated corners."""
    import cooler

    fastheat.save(path, os.path.join(HERE, "triangle-fastheat.png"), region=region,
                  view="triangle", depth=depth, width=600, colorbar=True)
    clr = cooler.Cooler(path)
    m = clr.matrix(balance=False).fetch(region).astype(float)
    n = len(m)
    r, c = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    x, y = (r + c) / 2 * BINSIZE, (c - r) * BINSIZE  # along the diagonal; separation
    i, j = np.indices(m.shape)
    shown = np.ma.masked_where((j < i) | (m <= 0), m)
    fig, ax = plt.subplots(figsize=(7.5, 2.6), dpi=100)
    im = ax.pcolormesh(x, y, shown, cmap=FALL, norm=matplotlib.colors.LogNorm(),
                       rasterized=True)
    ax.set_ylim(0, depth * BINSIZE)
    ax.set_xlim(0, n * BINSIZE)
    ax.set_xlabel(f"{region} (bp)")
    ax.set_ylabel("distance from the\ndiagonal (bp)")
    fig.colorbar(im)
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, "triangle-matplotlib.png"))
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


def only(*names):
    """Run only some of the images: ``python examples/sparse.py triangle``."""
    return not sys.argv[1:] or any(n in sys.argv[1:] for n in names)


if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cool = hic_cool(os.path.join(tmp, "hic.cool"))
        if only("genome"):
            genome(cool)
        if only("triangle"):
            triangle(cool)
    if only("spectrogram"):
        spectrogram()
