"""The one progress bar (stderr; tqdm is not a dependency), for sources read slowly."""
from __future__ import annotations

import sys
import threading
import time


class Progress:
    """A minimal progress bar on stderr.

    ``label |#########           |  45% 0.72/1.60 GB 1.3 s``, redrawn at most
    ten times a second; nothing at all when ``enabled`` is false.

    >>> with Progress(3, "demo", enabled=False) as bar:
    ...     bar.update(3)
    """

    def __init__(self, total, label, *, enabled=False, unit="", scale=1.0, stream=None):
        self.total, self.label, self.enabled = max(float(total), 1e-300), label, bool(enabled)
        self.unit, self.scale = unit, scale
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0.0
        self.t0 = time.perf_counter()
        self._last = -1.0
        self._shown = None
        self._lock = threading.Lock()
        if self.enabled:
            self._draw(force=True)

    def update(self, n=1.0):
        with self._lock:
            self.done = min(self.total, self.done + n)
            if self.enabled:
                self._draw()

    def _draw(self, force=False):
        now = time.perf_counter()
        if not force and now - self._last < 0.1:
            return
        self._last, self._shown = now, (self.done, self.total)
        frac = min(1.0, self.done / self.total) if self.total >= 1e-9 else 0.0
        bar = "#" * int(frac * 24)
        digits = 2 if self.scale != 1.0 else 0
        amount = (f"{self.done * self.scale:.{digits}f}/{self.total * self.scale:.{digits}f}"
                  f"{self.unit}")
        self.stream.write(f"\r{self.label} |{bar:<24}| {100 * frac:3.0f}% {amount} "
                          f"{now - self.t0:.1f} s")
        self.stream.flush()

    def close(self):
        if self.enabled:
            if self._shown != (self.done, self.total):
                self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
            self.enabled = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def byte_bar(total_bytes, label, enabled):
    """A :class:`Progress` counting bytes, shown in GB from 1 GiB up, else in MB."""
    if total_bytes >= 1 << 30:
        return Progress(total_bytes, label, enabled=enabled, unit=" GB", scale=1e-9)
    return Progress(total_bytes, label, enabled=enabled, unit=" MB", scale=1e-6)
