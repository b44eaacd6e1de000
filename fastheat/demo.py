"""A built-in synthetic matrix that looks like real data: a genome contact
(Hi-C) map, the kind of matrix heatmaps are made of every day.

Contacts fall off with distance from the diagonal, are enriched inside nested
domains and checkered by two compartments, and are noisy like counts.
"""
from __future__ import annotations

import numpy as np


def contact_map(n: int = 10_000, *, seed: int = 0, dtype=np.float32) -> np.ndarray:
    """An ``n x n`` symmetric contact matrix (about 1 s for the default size).

    >>> m = contact_map(200)
    >>> m.shape, m.dtype, bool((m == m.T).all())
    ((200, 200), dtype('float32'), True)
    """
    rng = np.random.default_rng(seed)
    # domain boundaries (two levels) and compartment of each bin
    edges = np.sort(rng.choice(np.arange(1, max(n, 2)), size=min(max(2, n // 250), max(n - 1, 1)),
                               replace=False))
    domain = np.searchsorted(edges, np.arange(n), side="right")
    big = domain // 4
    phase = np.cumsum(rng.normal(0, 0.01, n)) + np.arange(n) * (2 * np.pi * 7 / n)
    comp = np.sign(np.sin(phase)).astype(np.float32)
    out = np.empty((n, n), dtype)
    j = np.arange(n)
    band = 256
    for lo in range(0, n, band):
        i = np.arange(lo, min(lo + band, n))[:, None]
        d = np.abs(i - j).astype(np.float32)
        m = 40.0 * (d + 1.0) ** -0.85
        m *= 1.0 + 1.5 * (domain[i] == domain[j]) + 0.6 * (big[i] == big[j])
        m *= 1.0 + 0.35 * comp[i] * comp[j]
        out[lo: lo + len(i)] = m
    # count-like noise, symmetric: each bin's coverage scales its row and column
    noise = rng.gamma(8.0, 1 / 8.0, size=n).astype(np.float32)
    out *= np.sqrt(np.outer(noise, noise))
    return out
