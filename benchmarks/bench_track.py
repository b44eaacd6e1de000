"""Cost of tracking the input's range (norm="log"/"symlog" with a default
bound): 10000^2 -> 1000^2 mean aggregation untracked vs tracked
(``aggregate`` vs ``aggregate_range``) and ``save(norm="linear")`` vs
``save(norm="log")``, float32/int32/float64, medians of runs interleaved in
one process (ratios hold better on a shared machine). Imports the checkout
in the current directory, so the same script times another worktree:

    python benchmarks/bench_track.py                 # REPEAT=7 by default
    cd ../main && python ../wt/benchmarks/bench_track.py   # no tracking there

Environment: REPEAT, N (matrix side), DTYPES, WHICH (agg,save).
"""
import os, sys, tempfile
sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.join(os.getcwd(), "benchmarks"))
import numpy as np
import fastheat
from fastheat.sources import open_source
from _timing import median_times

repeat = int(os.environ.get("REPEAT", 7))
which = os.environ.get("WHICH", "agg,save").split(",")
dtypes = os.environ.get("DTYPES", "float32,int32,float64").split(",")
N = int(os.environ.get("N", 10000))
print("code:", fastheat.__file__, "repeat", repeat)
out = os.path.join(tempfile.mkdtemp(), "o.png")
rng = np.random.default_rng(0)
for dt in dtypes:
    if dt == "int32":
        a = rng.integers(0, 1000, (N, N), dtype=np.int32)
    else:
        a = rng.random((N, N), dtype=np.float32).astype(dt, copy=False) + np.asarray(0.001, dt)
    src = open_source(a)
    fns = {"sum floor": lambda: a.sum()}
    if "agg" in which:
        fns["agg plain"] = lambda: src.aggregate(1000, 1000, "mean")
        if hasattr(src, "aggregate_range"):
            fns["agg tracked"] = lambda: src.aggregate_range(1000, 1000, "mean")
    if "save" in which:
        fns["save linear"] = lambda: fastheat.save(a, out, width=1000, height=1000, norm="linear")
        fns["save log"] = lambda: fastheat.save(a, out, width=1000, height=1000, norm="log")
    t = median_times(fns, repeat)
    line = "  ".join(f"{k} {v*1e3:.0f}ms" for k, v in t.items())
    ratios = []
    if "agg tracked" in t:
        ratios.append(f"agg tracked/plain {t['agg tracked']/t['agg plain']:.2f}")
    if "save log" in t:
        ratios.append(f"save log/linear {t['save log']/t['save linear']:.2f}")
    print(f"{dt}: {line}  | {'  '.join(ratios)}", flush=True)
    del a, src
