"""The fuzz campaign outside pytest: ``python -m tests.fuzz [--long]``.

    python -m tests.fuzz                 # the CI profile's sizes (as tests/fuzz/test_fuzz.py)
    nice python -m tests.fuzz --long     # >= 100,000 API examples + 2,000 mutated files
    python -m tests.fuzz --examples 5000 --files 300 --jobs 2 --report /tmp/fuzz.md

Prints the counts by outcome (every ``--every`` examples too, so a run that
cannot finish still says how many ran and the rate) and writes every failing
example's reproducer to the report file (per lane with ``--jobs``; the
combined counts go to ``--report``).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time

from .campaign import Campaign
from .runner import run_api, run_files
from .test_fuzz import CI_API_EXAMPLES, CI_FILE_EXAMPLES
from .worker import OUTCOMES


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--long", action="store_true", help="100,000 API examples and 2,000 files")
    p.add_argument("--examples", type=int, help="API examples (all lanes together)")
    p.add_argument("--files", type=int, help="mutated-file examples (all lanes together)")
    p.add_argument("--jobs", type=int, default=1, help="parallel lanes (each its own worker)")
    p.add_argument("--seed", type=int, default=None, help="hypothesis seed (lane k: seed + k)")
    p.add_argument("--report", default="fuzz-report.md", help="report file")
    p.add_argument("--every", type=int, default=1000, help="progress line every N examples")
    p.add_argument("--lane", type=int, default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    n_api = a.examples if a.examples is not None else (100_000 if a.long else CI_API_EXAMPLES)
    n_files = a.files if a.files is not None else (2_000 if a.long else CI_FILE_EXAMPLES)
    seed = a.seed if a.seed is not None else int(time.time())
    if a.jobs > 1 and a.lane is None:
        return _lanes(a, n_api, n_files, seed)
    lane = a.lane or 0
    c = Campaign()
    report = a.report

    def progress():
        print(f"[lane {lane}] " + c.summary().replace("\n", " |"), flush=True)
        c.report(report, f"fuzz report (partial), seed {seed + lane}")

    try:
        run_api(c, n_api, seed=seed + lane, every=a.every, on_progress=progress)
        run_files(c, n_files, seed=seed + lane, every=max(1, a.every // 10), on_progress=progress)
    finally:
        c.close()
        c.report(report, f"fuzz report: {n_api} API examples and {n_files} files asked, "
                         f"seed {seed + lane}")
    print(c.summary(), flush=True)
    print(f"report: {report}")
    return 0


def _lanes(a, n_api, n_files, seed):
    """Run ``a.jobs`` lanes as child processes, then add up their counts."""
    procs = []
    for k in range(a.jobs):
        share_api = n_api // a.jobs + (k < n_api % a.jobs)
        share_files = n_files // a.jobs + (k < n_files % a.jobs)
        cmd = [sys.executable, "-m", "tests.fuzz", "--examples", str(share_api), "--files",
               str(share_files), "--seed", str(seed), "--lane", str(k), "--every", str(a.every),
               "--report", f"{a.report}.lane{k}"]
        procs.append(subprocess.Popen(cmd))
    codes = [p.wait() for p in procs]
    counts, sigs = collections.Counter(), collections.Counter()
    for k in range(a.jobs):
        with open(f"{a.report}.lane{k}.json") as f:
            d = json.load(f)
        counts.update(d["counts"])
        sigs.update(d["signatures"])
    with open(a.report, "w") as f:
        f.write(f"# fuzz report: {a.jobs} lanes, seed {seed}\n\n```\n")
        f.write(f"{sum(counts.values())} examples\n")
        for o in OUTCOMES + ("slow",):
            f.write(f"  {o:18s} {counts[o]}\n")
        f.write("```\n\n## Distinct failures\n\n")
        for s, n in sigs.most_common():
            f.write(f"- {n} x {s}\n")
        f.write("\nReproducers: " + ", ".join(f"{os.path.basename(a.report)}.lane{k}"
                                             for k in range(a.jobs)) + "\n")
    print(open(a.report).read())
    return max(codes)


if __name__ == "__main__":
    sys.exit(main())
