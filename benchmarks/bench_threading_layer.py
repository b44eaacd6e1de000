"""numba threading layers compared on one aggregate (issue 10: fork safety).

    NUMBA_THREADING_LAYER=omp python benchmarks/bench_threading_layer.py
    NUMBA_THREADING_LAYER=workqueue python benchmarks/bench_threading_layer.py
    python benchmarks/bench_threading_layer.py      # fastheat's choice ("forksafe")

Prints the layer and the median of 7 renders after a warm-up.
"""
import statistics
import time

import numba
import numpy as np

import fastheat

a = np.random.default_rng(0).random((8000, 8000), dtype=np.float32)
b = np.random.default_rng(0).random((3000, 3000), dtype=np.float32)


def median(f, n=7):
    f()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


r1 = median(lambda: fastheat.heatmap(a, width=1000, height=1000))
r2 = median(lambda: fastheat.heatmap(b, width=700, height=700))
print(f"{numba.threading_layer()}: 8000^2->1000^2 {r1 * 1e3:.1f} ms, "
      f"3000^2->700^2 {r2 * 1e3:.1f} ms")
