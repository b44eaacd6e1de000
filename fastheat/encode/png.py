"""fastheat's PNG writer (filtered and deflated in threads), and the deflate
strategy handed to Pillow when Pillow writes the PNG."""
from __future__ import annotations

import os
import queue
import struct
import threading
import zlib

IDAT_MAX = 1 << 30


def write_png(image, f, threads=2):
    """Write an image as PNG: an RGB or RGBA one (a decorated heatmap: a Pillow
    image or an ``(h, w, 3 or 4)`` uint8 array) or a palette one (a bare
    raster, RGB or RGBA palette), several times faster than Pillow's encoder:

    - RGB(A) rows get the "Up" filter (heatmap rows mostly equal the row
      above and filter to zeros) instead of Pillow's per-row adaptive choice,
      palette rows none;
    - ISA-L deflates at level 1 (python-isal: 2-2.5x faster than zlib-ng's
      best level-1 strategy on the benchmark's RGB images, files 1-6% smaller,
      though very smooth images compress less well); where it is not
      installed, zlib-ng at level 1, with run-length matching only when a
      sample of rows compresses smaller that way (noisy rasters, where it is
      also faster), decided per band;
    - ``threads`` bands of rows are filtered and deflated at once, joined like
      pigz does: a sync flush ends each band on a byte boundary, and the
      bands' Adler-32 checksums are combined.
    """
    import numpy as np

    if getattr(image, "mode", None) == "P":
        rgba = image.palette.mode == "RGBA"
        palette = np.frombuffer(bytes(image.getpalette("RGBA" if rgba else "RGB")),
                                np.uint8).reshape(-1, 4 if rgba else 3)
        _write(np.asarray(image)[..., None], 3, _palette_chunks(palette, rgba), f, threads)
        return
    pixels = np.asarray(image)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise ValueError(f"a PNG needs an (h, w, 3 or 4) uint8 array, got {pixels.shape} "
                         f"{pixels.dtype}")
    _write(pixels, 2 if pixels.shape[2] == 3 else 6, [], f, threads)


def write_indexed_png(index, colors, f, *, opaque=False, threads=2):
    """Write a palette PNG of ``index`` (``(h, w)`` uint8) into ``colors``
    (``(k <= 256, 3 or 4)`` uint8) without Pillow: the bytes :func:`write_png`
    writes for Pillow's ``"P"`` image of them (RGB palette when ``opaque``)."""
    _write(index[..., None], 3, _palette_chunks(colors, not opaque and colors.shape[1] == 4), f,
           threads)


def _palette_chunks(palette, rgba):
    """PLTE, and tRNS with the alphas up to the last one below 255 (``rgba``)."""
    import numpy as np

    extra = [(b"PLTE", np.ascontiguousarray(palette[:, :3]).tobytes())]
    if rgba and (palette[:, 3] < 255).any():
        last_alpha = np.flatnonzero(palette[:, 3] < 255)[-1]
        extra.append((b"tRNS", palette[: last_alpha + 1, 3].tobytes()))
    return extra


def _write(pixels, color_type, extra, f, threads):
    """The PNG of ``(h, w, channels)`` uint8 ``pixels`` of ``color_type``, with
    the chunks ``extra`` between IHDR and IDAT (see :func:`write_png`)."""
    try:
        _write_with(_deflater(), pixels, color_type, extra, f, threads)
    finally:
        _clean_vector_state()


def _clean_vector_state():
    """Leave the calling thread's vector registers clean after ISA-L.

    ISA-L's AVX-512 assembly returns without ``vzeroupper``: the thread that
    called it then runs legacy-SSE code slowly until something clears the
    upper register state (measured: OpenCV's ``INTER_AREA`` resize of a
    10,000^2 float32 array on the same thread 13.4 -> 20.5 ms after a 1000-byte
    ``isal_zlib.compress``, still 20.5 ms after a 50 ms sleep; 13.3 ms after
    this). Any numpy SIMD loop ends with ``vzeroupper``: a reduction over a
    few floats (a microsecond) clears it."""
    import numpy as np

    np.zeros(64, np.float32).max()


def _write_with(z, pixels, color_type, extra, f, threads):
    """:func:`_write`'s work, deflating with the module ``z``."""
    import numpy as np

    h, w = pixels.shape[:2]
    rows = pixels.reshape(h, -1)
    bounds = np.linspace(0, h, max(1, min(threads, h)) + 1).astype(int).tolist()
    last = len(bounds) - 2

    # Palette rows are not filtered (as the PNG specification advises for
    # indexed colour): a difference of two palette indices means nothing, and
    # deflate finds a repeated row itself while it fits in its 32 KiB window.
    # On a noisy 1000 x 1000 raster: 20% faster and 7% smaller than "Up".
    up = color_type != 3 or rows.shape[1] + 1 > 1 << 15

    def band(k):
        a, b = bounds[k], bounds[k + 1]
        data = np.empty((b - a, rows.shape[1] + 1), np.uint8)
        if not up:
            data[:, 0] = 0  # None
            data[:, 1:] = rows[a:b]
        else:
            data[:, 0] = 2  # Up
            if a == 0:
                data[0, 1:] = rows[0]
            np.subtract(rows[max(a, 1): b], rows[max(a, 1) - 1: b - 1],
                        out=data[1 if a == 0 else 0:, 1:])
        strategy = _rgb_strategy(data, z) if z.__name__.startswith("zlib_ng") else \
            z.Z_DEFAULT_STRATEGY
        co = z.compressobj(1, z.DEFLATED, 15 if k == 0 else -15, 8, strategy)
        body = co.compress(data) + co.flush(z.Z_FINISH if k == last else z.Z_SYNC_FLUSH)
        return body, z.adler32(data), data.size

    parts = _in_threads(band, last + 1)  # filtering and deflating release the GIL
    body = [p[0] for p in parts]
    if last > 0:  # raw deflate after the first band: add the whole stream's checksum
        adler = parts[0][1]
        for _, a2, n2 in parts[1:]:
            adler = _adler32_combine(adler, a2, n2)
        body.append(struct.pack(">I", adler))

    def chunk(tag, *payload):  # written piece by piece: no joined copy
        f.write(struct.pack(">I", sum(map(len, payload))) + tag)
        crc = z.crc32(tag)
        for piece in payload:
            f.write(piece)
            crc = z.crc32(piece, crc)
        f.write(struct.pack(">I", crc))

    f.write(b"\x89PNG\r\n\x1a\n")
    chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0))
    for tag, payload in extra:
        chunk(tag, payload)
    for pieces in _split(body, IDAT_MAX):  # the format's limit is 2 GiB a chunk
        chunk(b"IDAT", *pieces)
    chunk(b"IEND")


def _split(pieces, limit):
    """Lists of slices of ``pieces`` (bytes), each list ``limit`` bytes at most."""
    out, room, sent = [], limit, False
    for piece in pieces:
        view = memoryview(piece)
        while len(view):
            out.append(view[:room])
            view, room = view[room:], room - len(out[-1])
            if room == 0:
                yield out
                out, room, sent = [], limit, True
    if out or not sent:
        yield out


def _deflater():
    """The fastest deflate at hand with zlib's API: python-isal (ISA-L, on
    x86-64 and ARM64) or else zlib-ng."""
    try:
        from isal import isal_zlib

        return isal_zlib
    except ImportError:
        from zlib_ng import zlib_ng

        return zlib_ng


def _adler32_combine(adler1, adler2, n2):
    """Adler-32 of A + B from those of A and of B (``n2`` bytes), as zlib's
    ``adler32_combine``: B's running sums each gain A's sum."""
    base = 65521
    lo1, hi1, lo2, hi2 = adler1 & 0xFFFF, adler1 >> 16, adler2 & 0xFFFF, adler2 >> 16
    return ((hi1 + hi2 + n2 * (lo1 - 1)) % base) << 16 | (lo1 + lo2 - 1) % base


def _rgb_strategy(filtered, zmod, n_sample=6):
    """Plain level-1 deflate, or run-length matching only (``Z_RLE``) when a
    sample of the filtered rows compresses smaller that way: on noisy rasters
    it is both smaller and faster, on smooth ones plain deflate wins."""
    import numpy as np

    h = filtered.shape[0]
    if h < 2 * n_sample or filtered.size < 1 << 16:
        return zmod.Z_DEFAULT_STRATEGY
    sample = filtered[np.linspace(0, h - 1, n_sample).astype(int)].tobytes()
    size = {}
    for strategy in (zmod.Z_DEFAULT_STRATEGY, zmod.Z_RLE):
        co = zmod.compressobj(1, zmod.DEFLATED, -15, 8, strategy)
        size[strategy] = len(co.compress(sample) + co.flush())
    return min(size, key=size.get)


def _in_threads(fn, n):
    """``[fn(0), ..., fn(n - 1)]``, ``fn(0)`` in this thread and the others on
    fastheat's PNG worker threads.

    The workers are daemon threads, started once (more when a call needs
    more) and fed through a queue: not a ``ThreadPoolExecutor``, whose workers
    are not daemons (a Ctrl-C arriving while it started one left a thread that
    blocked interpreter exit forever), and not new threads per call (each
    start and collection of a ``Thread`` runs Python code where a Ctrl-C can
    land and be swallowed as "Exception ignored", losing the interrupt).
    """
    results, errors = [None] * n, [None] * n
    done = queue.SimpleQueue()

    def run(k):
        try:
            results[k] = fn(k)
        except BaseException as e:  # re-raised in the calling thread
            errors[k] = e
        finally:
            done.put(k)

    _workers(n - 1)
    for k in range(1, n):
        _TASKS.put((run, k))
    run(0)
    for _ in range(n):
        done.get()
    for e in errors:
        if e is not None:
            raise e
    return results


_TASKS = queue.SimpleQueue()
_WORKERS = []
_WORKERS_LOCK = threading.Lock()


def _work():
    while True:
        task, k = _TASKS.get()
        task(k)


def _workers(n):
    """At least ``n`` worker threads running."""
    if len(_WORKERS) >= n:
        return
    with _WORKERS_LOCK:
        while len(_WORKERS) < n:
            t = threading.Thread(target=_work, daemon=True,
                                 name=f"fastheat-png-{len(_WORKERS)}")
            t.start()
            _WORKERS.append(t)


def _after_fork():  # a forked child has the list but not the threads
    global _TASKS, _WORKERS_LOCK
    _TASKS, _WORKERS_LOCK = queue.SimpleQueue(), threading.Lock()
    _WORKERS.clear()


os.register_at_fork(after_in_child=_after_fork)


def pillow_strategy(image):
    """Skip LZ77 matching for noise-like rasters (random or very detailed data)
    where it finds nothing: Huffman coding alone is about 2.5x faster there and
    the file no larger. Decided on a 32 kB sample of the image, compressed
    both ways."""
    if image.mode not in ("P", "L"):
        return {}
    data = image.tobytes()
    stride = max(1024, len(data) // 32)
    sample = b"".join(data[k: k + 1024] for k in range(0, len(data), stride))
    huffman = zlib.compressobj(1, zlib.DEFLATED, 15, 8, zlib.Z_HUFFMAN_ONLY)
    n_huffman = len(huffman.compress(sample) + huffman.flush())
    if len(zlib.compress(sample, 1)) > 0.95 * n_huffman:
        return {"compress_type": zlib.Z_HUFFMAN_ONLY}
    return {}
