"""Old code against new on the paths a change may slow: each checkout in its own
child process, the children taking turns, medians over the rounds.

    python benchmarks/bench_versions.py OLD_CHECKOUT NEW_CHECKOUT [--rounds 3] [--repeat 7]

Cases (10,000 x 10,000 float32 -> 1000 x 1000 unless said): ``aggregate``;
``save`` PNG linear and log; a decorated ``save`` (colorbar, grid, title);
a 100 x 100 annotated matrix at 800 px; a 60-label DataFrame; a bare 10 x 10
``heatmap``. The matrix is written once to the temp folder and memory-mapped by
the children (then read into memory), so both read the same bytes.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np

CHILD = r"""
import io, json, sys, warnings
import numpy as np
sys.path.insert(0, {bench!r})
from _timing import median_times
import fastheat

warnings.simplefilter("ignore")
big = np.array(np.load({path!r}, mmap_mode="r"))
rng = np.random.default_rng(0)
small = rng.random((100, 100))
labelled = rng.random((60, 60))
names = [f"gene_{{i:03d}}" for i in range(60)]

def png(data, **kw):
    fastheat.save(data, io.BytesIO(), format="png", **kw)

cases = {{
    "aggregate": lambda: fastheat.aggregate(big, width=1000, height=1000),
    "save linear": lambda: png(big, width=1000, height=1000),
    "save log": lambda: png(big, width=1000, height=1000, norm="log"),
    "save decorated": lambda: png(big, width=1000, height=1000, colorbar=True, grid=True,
                                  title="t"),
    "annotated 100x100 at 800 px": lambda: png(small, width=800, height=800, annot=True),
    "60 labels at 800 px": lambda: png(labelled, width=800, height=800, xticklabels=names,
                                       yticklabels=names, colorbar=True),
    "bare 10x10 heatmap": lambda: fastheat.heatmap(small[:10, :10]),
}}
print(json.dumps(median_times(cases, {repeat}, warmup=2)))
"""


def run(checkout, path, repeat):
    code = CHILD.format(bench=os.path.dirname(os.path.abspath(__file__)), path=path,
                        repeat=repeat)
    env = dict(os.environ, PYTHONPATH=os.path.abspath(checkout))
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tempfile.gettempdir(),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.npy")
        rng = np.random.default_rng(1)
        np.save(path, (rng.random((10_000, 10_000), dtype=np.float32) * 100))
        results = {"old": [], "new": []}
        for _ in range(args.rounds):
            for who in ("old", "new"):
                results[who].append(run(getattr(args, who), path, args.repeat))
    print(f"| case | old ({args.old}) | new ({args.new}) | new / old |")
    print("|---|---|---|---|")
    for case in results["old"][0]:
        old = statistics.median(r[case] for r in results["old"]) * 1e3
        new = statistics.median(r[case] for r in results["new"]) * 1e3
        print(f"| {case} | {old:.1f} ms | {new:.1f} ms | {new / old:.2f} |")


if __name__ == "__main__":
    main()
