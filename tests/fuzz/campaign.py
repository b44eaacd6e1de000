"""A fuzz campaign: examples run in the worker, outcomes counted, every bad one
kept with its reproducer (see :mod:`.worker` for the outcomes)."""
from __future__ import annotations

import collections
import json
import time

from .worker import BAD, OUTCOMES, Worker


class Campaign:
    """Counts of outcomes and the failing examples of one run."""

    def __init__(self, timeout=None, keep=2000):
        self.worker = Worker() if timeout is None else Worker(timeout)
        self.counts = collections.Counter()
        self.failures = []  # (outcome, detail, reproducer), at most ``keep`` of them
        self.signatures = collections.Counter()  # first line of a failure's detail
        self.keep = keep
        self.t0 = time.monotonic()
        self.times = []
        self.pending = None

    def run(self, request: dict, reproducer: str) -> dict:
        """Run one example and count its outcome."""
        self.flush()
        self.worker.send(request)
        self.pending = (request, reproducer, time.monotonic())
        return self.flush()

    def submit(self, request: dict, reproducer: str):
        """Start one example and count the previous one's outcome: the worker
        runs an example while the next is being generated."""
        self.flush()
        self.worker.send(request)
        self.pending = (request, reproducer, time.monotonic())

    def flush(self):
        """Wait for the pending example, count its outcome and return its answer."""
        if self.pending is None:
            return None
        request, reproducer, t = self.pending
        self.pending = None
        answer = self.worker.receive()
        if answer["outcome"] == "hang":
            # Once more on a fresh worker, first with 4x the time (imports and
            # JIT compilation of a new path, e.g. dask + datashader for a point
            # table, take 20-30 s cold on a loaded machine), then timed again,
            # warm: an example that answers then is slow once, not a hang.
            limit = self.worker.timeout
            self.worker.timeout = 4 * limit
            try:
                cold = self.worker.run(request)
            finally:
                self.worker.timeout = limit
            again = self.worker.run(request) if cold["outcome"] != "hang" else cold
            if again["outcome"] != "hang":
                answer = {"outcome": "slow", "detail": f"over {self.worker.timeout:.0f} s once, "
                          f"then {again['outcome']} on a fresh worker: {again['detail']}"}
        answer["seconds"] = time.monotonic() - t
        self.times.append((answer["seconds"], answer["outcome"], reproducer))
        outcome = answer["outcome"]
        self.counts[outcome] += 1
        if outcome in BAD or outcome in ("setup error", "slow"):
            sig = outcome + ": " + _signature(answer["detail"])
            self.signatures[sig] += 1
            # every failure counted; the reproducers of the first few of each kind kept
            if self.signatures[sig] <= 5 and len(self.failures) < self.keep:
                self.failures.append((outcome, answer["detail"], reproducer))
        return answer

    @property
    def total(self):
        return sum(self.counts.values())

    def summary(self) -> str:
        dt = time.monotonic() - self.t0
        lines = [f"{self.total} examples in {dt:.0f} s ({self.total / max(dt, 1e-9):.1f}/s), "
                 f"{self.worker.restarts} worker restarts"]
        lines += [f"  {o:18s} {self.counts[o]}" for o in OUTCOMES + ("slow",)]
        return "\n".join(lines)

    def report(self, path, title="fuzz report"):
        """Write the counts and every kept failing example (its reproducer) to ``path``."""
        with open(path, "w") as f:
            f.write(f"# {title}\n\n```\n{self.summary()}\n```\n\n")
            f.write("## Distinct failures (count, outcome: first line of detail)\n\n")
            for sig, n in self.signatures.most_common():
                f.write(f"- {n} x {sig}\n")
            f.write("\n## Reproducers\n\n")
            for i, (outcome, detail, repro) in enumerate(self.failures, 1):
                f.write(f"### {i}. {outcome}\n\n```\n{detail.strip()[:3000]}\n```\n\n"
                        f"```python\n{repro.strip()}\n```\n\n")
        with open(str(path) + ".json", "w") as f:
            json.dump({"counts": dict(self.counts), "signatures": dict(self.signatures)}, f,
                      indent=1)

    def close(self):
        self.flush()
        self.worker.close()


def _signature(detail: str) -> str:
    """A failure's kind: the first line of its detail, numbers blurred."""
    import re

    first = detail.strip().splitlines()[0] if detail.strip() else ""
    first = re.sub(r"0x[0-9a-f]+", "0x…", first)
    first = re.sub(r"\d+(\.\d+)?(e[+-]?\d+)?", "N", first)
    return first[:160]


def api_request(source: str) -> dict:
    return {"kind": "api", "source": source}


def reproducer(source: str) -> str:
    """The example as a script that shows its outcome."""
    return source.replace("out = None  # run: out = getattr(fastheat, fn)(*args, **kw)",
                          "out = getattr(fastheat, fn)(*args, **kw)")
