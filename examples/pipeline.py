"""A big matrix from a pipeline-style call: a data step writes a 20,000 x
5,000 float32 matrix to a .npy file, the render step memory-maps it and
renders it without loading it into memory.

    python examples/pipeline.py   ->  examples/images/pipeline.png

The matrix is a synthetic spectrogram: 20,000 time steps x 5,000 frequency
bins, with drifting tones, a chirp and noise (400 MB on disk, in a temp dir).
"""
import os
import tempfile
import time

import numpy as np

import fastheat

HERE = os.path.dirname(os.path.abspath(__file__))


def make_spectrogram(path, n_time=20_000, n_freq=5_000, seed=0):
    """The 'data step': write the matrix band by band, as a pipeline would."""
    rng = np.random.default_rng(seed)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n_time, n_freq))
    f = np.arange(n_freq, dtype=np.float32)
    for lo in range(0, n_time, 1000):
        t = np.arange(lo, lo + 1000, dtype=np.float32)[:, None]
        tones = sum(np.exp(-0.5 * ((f - c - 200 * np.sin(t / (900 + 300 * k))) / 6) ** 2)
                    for k, c in enumerate((800, 1900, 3100)))
        chirp = np.exp(-0.5 * ((f - (t * 0.22) % n_freq) / 10) ** 2)
        noise = rng.gamma(2.0, 0.05, size=(1000, n_freq)).astype(np.float32)
        out[lo: lo + 1000] = 20 * np.log10(1e-3 + tones + 0.8 * chirp + noise)
    out.flush()


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "spectrogram.npy")
    make_spectrogram(path)
    matrix = np.load(path, mmap_mode="r")  # nothing is read yet
    t = time.perf_counter()
    # time runs down the rows; put frequency on the vertical axis
    png = os.path.join(HERE, "images", "pipeline.png")
    fastheat.save(matrix.T, png, width=1000, height=400, cmap="inferno", robust=True,
                  origin="lower")
    print(f"rendered {matrix.shape[0]:,} x {matrix.shape[1]:,} in "
          f"{time.perf_counter() - t:.2f} s -> {png}")
    del matrix
