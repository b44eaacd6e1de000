"""Real-looking cases, each drawn by fastheat and by seaborn with the same call.

    python examples/gallery.py              ->  examples/images/gallery/<case>-{fastheat,seaborn}.png
    python examples/gallery.py --only fastheat OUTDIR

The data are synthetic but shaped like the real thing:

- ``expression``: a labelled, non-square gene-expression table (17 genes x 60
  samples, log-normal counts, z-scored per gene, ``center=0``);
- ``calendar``: a year of daily values as 7 weekdays x 53 weeks;
- ``contacts``: a Hi-C-like contact map of 1383 x 1383 counts (power-law decay
  from the diagonal, domains), downsampled, on a log scale;
- ``correlation``: the correlation matrix of 12 named variables, annotated,
  ``center=0``.

Each case is one dict of options given unchanged to ``fastheat.save`` and to
``seaborn.heatmap`` (seaborn gets a default 6.4 x 4.8 inch figure, as a user's
first try would).
"""
from __future__ import annotations

import argparse
import os

import numpy as np

import fastheat

HERE = os.path.dirname(os.path.abspath(__file__))
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def expression():
    import pandas as pd

    rng = np.random.default_rng(1)
    genes = ["ACTB", "GAPDH", "MYC", "TP53", "EGFR", "KRAS", "CD19", "CD3E", "MS4A1", "NKG7",
             "LYZ", "CST3", "PPBP", "FCGR3A", "IL7R", "CCR7", "HBB"]
    samples = [f"S{i:02d}" for i in range(1, 61)]
    groups = np.repeat(np.arange(4), 15)
    effect = rng.normal(0, 1.2, (len(genes), 4))[:, groups]
    counts = rng.lognormal(mean=3 + effect, sigma=0.4)
    z = np.log1p(counts)
    z = (z - z.mean(axis=1, keepdims=True)) / z.std(axis=1, keepdims=True)
    frame = pd.DataFrame(z, index=pd.Index(genes, name="gene"),
                         columns=pd.Index(samples, name="sample"))
    return frame, dict(cmap="vlag", center=0)


def calendar():
    import pandas as pd

    rng = np.random.default_rng(2)
    days = pd.date_range("2025-01-01", "2025-12-31", freq="D")
    activity = rng.gamma(2.0, 2.0, len(days)) * (1 + 0.8 * np.sin(np.arange(len(days)) / 58))
    activity[days.day_of_week >= 5] *= 0.3
    week = (np.arange(len(days)) + days[0].day_of_week) // 7
    grid = np.full((7, week.max() + 1), np.nan)
    grid[days.day_of_week, week] = activity
    frame = pd.DataFrame(grid, index=pd.Index(WEEKDAYS, name="weekday"),
                         columns=pd.Index([f"W{w + 1}" for w in range(grid.shape[1])],
                                          name="week"))
    return frame, dict(cmap="YlGn", linewidths=1)


def contacts():
    rng = np.random.default_rng(3)
    n = 1383
    i = np.arange(n)
    distance = np.abs(i[:, None] - i[None, :]) + 1
    expected = 4e4 * distance ** -1.1
    domains = np.repeat(rng.integers(0, 9, size=n // 60 + 1), 60)[:n]
    expected *= np.where(domains[:, None] == domains[None, :], 3.0, 1.0)
    m = rng.poisson(expected).astype(np.float64)
    return m, dict(cmap="Reds", norm="log")


def correlation():
    import pandas as pd

    rng = np.random.default_rng(4)
    names = ["age", "height", "weight", "bmi", "glucose", "insulin", "hdl", "ldl",
             "systolic", "diastolic", "steps", "sleep"]
    latent = rng.normal(size=(500, 3))
    loadings = rng.normal(size=(3, len(names)))
    x = latent @ loadings + rng.normal(scale=1.0, size=(500, len(names)))
    corr = pd.DataFrame(np.corrcoef(x, rowvar=False), index=names, columns=names)
    return corr, dict(cmap="coolwarm", center=0, annot=True, fmt=".2f")


CASES = {"expression": expression, "calendar": calendar, "contacts": contacts,
         "correlation": correlation}


def render_fastheat(data, options, path):
    fastheat.save(data, path, colorbar=True, **options)


def render_seaborn(data, options, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    options = dict(options)
    if options.pop("norm", None) == "log":
        from matplotlib.colors import LogNorm

        options["norm"] = LogNorm()
    fig, ax = plt.subplots()
    sns.heatmap(data, ax=ax, **options)
    fig.savefig(path)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", nargs="?", default=os.path.join(HERE, "images", "gallery"))
    parser.add_argument("--only", choices=("fastheat", "seaborn"))
    args = parser.parse_args(argv)
    os.makedirs(args.outdir, exist_ok=True)
    for name, make in CASES.items():
        data, options = make()
        for who, render in (("fastheat", render_fastheat), ("seaborn", render_seaborn)):
            if args.only in (None, who):
                path = os.path.join(args.outdir, f"{name}-{who}.png")
                render(data, options, path)
                print("wrote", path)


if __name__ == "__main__":
    main()
