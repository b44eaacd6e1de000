"""fastheat.sources.memmap: memory-mapped matrices read in bands in place, bit-identical
to the in-memory path, in bounded memory."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fastheat
import reference as ref
from fastheat.sources import ArraySource, Labels, open_source
from fastheat.sources.memmap import MemmapSource

from .helpers import (assert_same, converted_test, matrix, progress_bar_only_when_asked,
                      same_answer_test, same_range_test)

KINDS = ["memmap", "memmap-fortran"]

test_same_answer_everywhere = same_answer_test(KINDS)
test_same_range_everywhere = same_range_test(KINDS)
test_dtypes_converted_block_by_block = converted_test(["memmap"])


def test_memmap_views_and_copy_on_write(tmp_path):
    x = matrix(seed=6)
    np.save(tmp_path / "m.npy", x)
    m = np.load(tmp_path / "m.npy", mmap_mode="r")
    for view in (m[10:150, 5:], m[::2, ::3], m.T):
        assert_same(fastheat.aggregate(view, width=19, height=23),
                    fastheat.aggregate(np.array(view), width=19, height=23), "mean", exact=True)
    # Edits held in a private (copy-on-write) mapping must survive reading.
    c = np.load(tmp_path / "m.npy", mmap_mode="c")
    c[:] = 1.0
    assert np.nanmin(fastheat.aggregate(c, width=19, height=23, reduce="min")) == 1.0
    assert (c == 1.0).all()
    # A memmap's copy lives in anonymous memory: read as an array, never advised away.
    copy = m.copy()
    assert type(copy) is np.memmap and type(open_source(copy)) is ArraySource
    fastheat.aggregate(copy, width=19, height=23)
    np.testing.assert_array_equal(copy, x)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise advice is Linux-only")
def test_a_column_window_asks_for_every_row_span_at_once(tmp_path, monkeypatch):
    """A viewer tile's window (rows apart in the file) is read ahead as its
    rows' spans, each inside one advised range, page-aligned, nothing far
    outside the window (full rows: their bands); the values are unchanged."""
    import mmap

    from fastheat.sources import memmap as M

    x = np.random.default_rng(3).random((300, 5000), np.float32)
    np.save(tmp_path / "m.npy", x)
    m = np.load(tmp_path / "m.npy", mmap_mode="r")
    calls = []
    real = M._madvise
    monkeypatch.setattr(M, "_madvise", lambda lo, n, adv: calls.append((lo, n, adv)) or
                        real(lo, n, adv))
    page = mmap.PAGESIZE
    for r0, r1, c0, c1 in [(7, 260, 1000, 1300), (0, 300, 4990, 5000), (5, 9, 0, 5000),
                           (0, 300, 0, 1)]:
        win = m[r0:r1, c0:c1]
        calls.clear()
        got = fastheat.aggregate(win, width=max(1, (c1 - c0) // 3), height=(r1 - r0) // 2)
        np.testing.assert_array_equal(got, fastheat.aggregate(
            np.array(x[r0:r1, c0:c1]), width=max(1, (c1 - c0) // 3), height=(r1 - r0) // 2))
        ahead = (M._MADV_WILLNEED, M._MADV_POPULATE_READ)
        ranges = [(lo, lo + n) for lo, n, adv in calls if adv in ahead]
        assert ranges and all(lo % page == 0 for lo, _ in ranges)
        for r in range(r1 - r0):
            start = win[r].ctypes.data
            assert any(lo <= start and start + win[r].nbytes <= hi for lo, hi in ranges), r
        advised = sum(hi - lo for lo, hi in ranges)
        assert advised <= (r1 - r0) * (win.shape[1] * 4 + 2 * page), "read far outside"
    calls.clear()
    M._prefetch_spans(np.arange(12.0).reshape(3, 4)[:, ::2])  # strided columns: no-op
    M._prefetch_spans(m[:, ::2])
    assert calls == []


@pytest.mark.parametrize("dtype, order", [("float32", "C"), ("float32", "F"), (">f4", "C"),
                                          ("float16", "C"), ("int8", "F"), ("float64", "C")])
def test_memory_mapped_without_copy(tmp_path, dtype, order):
    x = ref.big_matrix(dtype)
    if order == "F":
        x = np.asfortranarray(x)
    path = tmp_path / "m.npy"
    np.save(path, x)
    mm = np.load(path, mmap_mode="r")
    assert isinstance(mm, np.memmap) and mm.dtype == np.dtype(dtype)
    assert mm.flags.f_contiguous == (order == "F")
    fastheat.aggregate(mm[:50, :50], width=7, height=5)  # compile outside the measurement
    for reduce in ("mean", "max", "std"):
        got, peak = ref.peak_memory(lambda: fastheat.aggregate(mm, width=123, height=77, reduce=reduce))
        assert peak < mm.nbytes / 4, f"{reduce}: peak {peak} bytes for a {mm.nbytes} byte file"
        np.testing.assert_array_equal(got, fastheat.aggregate(np.array(x), width=123, height=77,
                                                              reduce=reduce))
        rng = np.random.default_rng(0)
        for i, j in zip(rng.integers(0, 77, 10), rng.integers(0, 123, 10)):
            want = ref.pixel(mm, 77, 123, i, j, reduce)
            assert got[i, j] == pytest.approx(want, rel=1e-9, abs=1e-7, nan_ok=True)


def test_progress_bar_only_when_asked(stores, capsys):
    progress_bar_only_when_asked(stores, "memmap", capsys)


def test_masked_is_an_in_memory_masked_array_with_the_labels(tmp_path):
    x = matrix((20, 30), seed=9)
    np.save(tmp_path / "m.npy", x)
    labels = Labels(name="v")
    src = MemmapSource(np.load(tmp_path / "m.npy", mmap_mode="r"), labels=labels)
    mask = np.zeros(x.shape, bool)
    mask[2:5, 7:9] = True
    masked = src.masked(mask)
    assert type(masked) is ArraySource and masked.labels is labels
    np.testing.assert_array_equal(masked.aggregate(10, 15, "mean"),
                                  fastheat.aggregate(np.ma.masked_array(x, mask), width=15,
                                                     height=10))


def test_progress_is_set_once_by_the_factory(stores):
    _, out = stores
    assert open_source(out["memmap"], progress=True).progress is True
    assert open_source(out["memmap"]).progress is False


# --- bounded memory -----------------------------------------------------------------

# The child may hold at most 512 MiB of data segment (RLIMIT_DATA: anonymous
# and private mappings, not the read-only file mapping), less than the 768 MiB
# file, and its anonymous resident memory (RssAnon, sampled every millisecond
# and at the end) must stay under 256 MiB: a third of the file.
_MEMORY_CHILD = textwrap.dedent("""
    import resource, sys, threading
    limit = 512 << 20
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    import numpy as np, fastheat

    def rss_anon():
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) << 10

    peak, done = [rss_anon()], threading.Event()

    def watch():
        while not done.wait(0.001):
            peak[0] = max(peak[0], rss_anon())

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    path = sys.argv[1]
    grid = fastheat.aggregate(np.load(path, mmap_mode="r"), width=700, height=500,
                              reduce="sum")
    fastheat.save(np.load(path, mmap_mode="r"), path + ".png", width=1000, height=1000)
    done.set()
    t.join()
    print(max(peak[0], rss_anon()), repr(float(np.nansum(grid))))
""")



def _sparse_npy(path, dtype, rows, cols):
    """A .npy file that is mostly holes (no disk used), with known values in
    16 rows of every 4096: row pattern ``col % 7``."""
    dtype = np.dtype(dtype)
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False,
                "shape": (rows, cols)})
        offset = f.tell()
        f.truncate(offset + rows * cols * dtype.itemsize)
    m = np.memmap(path, dtype=dtype, mode="r+", offset=offset, shape=(rows, cols))
    pattern = np.arange(cols) % 7
    for lo in range(0, rows, 4096):
        m[lo:lo + 16] = pattern
    m.flush()
    del m
    return (rows // 4096) * 16 * pattern.sum()


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="reads RssAnon from /proc/self/status and uses RLIMIT_DATA (Linux)")
@pytest.mark.parametrize("dtype", ["float32", ">f4"])
def test_bounded_memory_for_a_file_larger_than_allowed(tmp_path, dtype):
    rows, cols = 49_152, 4096  # 768 MiB
    total = _sparse_npy(tmp_path / "big.npy", dtype, rows, cols)
    # compile (or load the cache) in this process, so the child only loads machine code
    small = np.zeros((64, 64), dtype)
    fastheat.aggregate(small, width=7, height=5, reduce="sum")
    fastheat.to_rgba(small, width=7, height=5)
    env = {**os.environ, "NUMBA_NUM_THREADS": "2", "MALLOC_ARENA_MAX": "2"}
    result = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(tmp_path / "big.npy")],
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    peak, got = result.stdout.split()
    assert int(peak) < 256 << 20, f"peak RssAnon {int(peak) >> 20} MiB"
    assert float(got) == pytest.approx(total, rel=1e-9)
    assert (tmp_path / "big.npy.png").stat().st_size > 0
