"""Encode stage: a Pillow image or an RGB(A) canvas array -> PNG/JPEG/WebP/TIFF
bytes or file (PNGs by fastheat's own writer, :mod:`fastheat.encode.png`; the
rest, and PNGs with encoder options, by Pillow).

File writes are atomic: the image goes to a temporary file beside the target
(``.fastheat-<random>.part``), is flushed to disk (``fsync``), takes the
permission bits of the file it replaces (a new file gets ``0o666 & ~umask``),
and only then replaces the target by a rename, whose folder is synced too. A
failure, an exception or a signal (SIGINT; SIGTERM and SIGHUP while they have
their default action: the process still dies of them, after the cleanup)
leaves the old target as it was and no temporary file behind. A target that
exists and is not a regular file (``/dev/null``, a FIFO, ``/dev/stdout``) is
written in place, as ``cp`` would.
"""
from __future__ import annotations

import atexit
import errno
import functools
import math
import os
import re
import signal
import stat
import threading
import time
import zlib

FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP",
           ".tif": "TIFF", ".tiff": "TIFF", ".svg": "SVG", ".pdf": "PDF"}
#: Formats written from the composition's scene (:mod:`fastheat.encode.vector`).
VECTOR = frozenset({"SVG", "PDF"})
#: Pillow save options per format: fast PNG compression (the raster's palette
#: already makes it small), good-quality lossy formats.
DEFAULTS = {"PNG": {"compress_level": 1}, "JPEG": {"quality": 90}, "WEBP": {"quality": 90},
            "TIFF": {"compression": "tiff_deflate"}}
#: The largest side each format's encoder writes: libjpeg's JPEG_MAX_DIMENSION
#: (65,500, below fastheat's 65,535-pixel raster limit) and libwebp's 16,383.
#: PNG and TIFF take any size fastheat makes.
LIMITS = {"JPEG": 65_500, "WEBP": 16_383}
_LIMITS = LIMITS  # the old private name
#: TIFF compressions Pillow writes.
TIFF_COMPRESSIONS = ("group3", "group4", "jpeg", "lzma", "packbits", "raw",
                     "tiff_adobe_deflate", "tiff_ccitt", "tiff_deflate", "tiff_jpeg",
                     "tiff_lzw", "tiff_raw_16", "tiff_sgilog", "tiff_sgilog24",
                     "tiff_thunderscan", "webp", "zstd")
#: Errors from the file system: the message says the disk, not the encoder.
_IO_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO, errno.EROFS,
              errno.EACCES, errno.EPERM}


class Indexed:
    """A palette image without Pillow: ``index`` ``(h, w)`` uint8 into
    ``colors`` ``(k <= 256, 3 or 4)`` uint8 (a bare raster,
    :meth:`fastheat.color.raster.Raster.indexed`). :func:`write` encodes it as a
    palette PNG itself (no Pillow import: 15-25 ms of a command line's start-up)
    and hands other formats Pillow's image of it (:meth:`to_image`)."""

    mode = "P"

    def __init__(self, index, colors):
        self.index, self.colors = index, colors

    @property
    def size(self):
        return (self.index.shape[1], self.index.shape[0])

    @property
    def opaque(self):
        """Whether every colour is opaque (an RGB palette)."""
        return self.colors.shape[1] == 3 or bool((self.colors[:, 3] == 255).all())

    def to_image(self):
        """The Pillow ``"P"`` image (RGB palette when every colour is opaque, else RGBA)."""
        import numpy as np
        from PIL import Image

        h, w = self.index.shape
        img = Image.frombuffer("P", (w, h), np.ascontiguousarray(self.index), "raw", "P", 0, 1)
        if self.opaque:
            img.putpalette(np.ascontiguousarray(self.colors[:, :3]).tobytes(), "RGB")
        else:
            img.putpalette(np.ascontiguousarray(self.colors).tobytes(), "RGBA")
        return img


def _int_in(name, value, lo, hi):
    if isinstance(value, bool) or not isinstance(value, int) and not (
            hasattr(value, "__index__") and not isinstance(value, float)):
        raise TypeError(f"{name}={value!r} must be an integer from {lo} to {hi}")
    if not lo <= int(value) <= hi:
        raise ValueError(f"{name}={value!r} is out of range: use an integer from {lo} to {hi}")
    return int(value)


def _bool(name, value):
    if not isinstance(value, (bool, int)) or value not in (0, 1):
        raise TypeError(f"{name}={value!r} must be True or False")
    return bool(value)


def check_params(fmt, params):
    """The encoder options ``params`` for format ``fmt``, validated: a value out
    of range is a ``ValueError`` (a wrong type a ``TypeError``) naming the
    option, instead of an encoder error from deep inside Pillow.

    >>> check_params("JPEG", {"quality": 80})
    {'quality': 80}
    >>> check_params("JPEG", {"quality": 101})
    Traceback (most recent call last):
    ...
    ValueError: quality=101 is out of range: use an integer from 0 to 100
    """
    out = dict(params)
    for name, value in params.items():
        if name == "quality":
            out[name] = _int_in(name, value, 0, 100)
        elif name == "compress_level":
            out[name] = _int_in(name, value, 0, 9)
        elif name == "method":
            out[name] = _int_in(name, value, 0, 6)
        elif name in ("optimize", "progressive", "lossless"):
            out[name] = _bool(name, value)
        elif name == "subsampling":
            allowed = (0, 1, 2, "4:4:4", "4:2:2", "4:2:0", "keep")
            if isinstance(value, bool) or value not in allowed:
                raise ValueError(f"subsampling={value!r} is not one of "
                                 + ", ".join(map(repr, allowed)))
        elif name == "compression":
            if value not in TIFF_COMPRESSIONS:
                raise ValueError(f"compression={value!r} is not a TIFF compression; use one of "
                                 + ", ".join(TIFF_COMPRESSIONS))
        elif name == "dpi":
            try:
                x, y = (float(v) for v in value)
            except (TypeError, ValueError):
                raise TypeError(f"dpi={value!r} must be two numbers, (x, y) dots per "
                                f"inch") from None
            if not (0 < x < 1e6 and 0 < y < 1e6 and math.isfinite(x + y)):
                raise ValueError(f"dpi={value!r} is out of range: give two numbers "
                                 f"above 0 and below 1,000,000")
            out[name] = (x, y)
    return out


def image_format(path=None, format=None) -> str:
    """The Pillow format name for ``format=`` or the suffix of ``path``.

    >>> image_format("out/map.JPG"), image_format(format="webp")
    ('JPEG', 'WEBP')
    """
    if format is not None:
        key = "." + str(format).lower().lstrip(".")
        what = f"format={format!r}"
    else:
        key = os.path.splitext(os.fspath(path))[1].lower()
        what = f"file suffix {key!r} of {os.fspath(path)!r}" if key else \
            f"path {os.fspath(path)!r} has no suffix, and no format= was given;"
    if key not in FORMATS:
        raise ValueError(f"{what} is not a supported image format; use one of "
                         + ", ".join(sorted(FORMATS)) + " (or pass format=)")
    return FORMATS[key]


def _size_of(image):
    if hasattr(image, "size") and not hasattr(image, "shape"):
        return tuple(image.size)
    return (image.shape[1], image.shape[0])


def _check_size(fmt, size):
    limit = LIMITS.get(fmt)
    if limit and max(size) > limit:
        raise ValueError(f"{fmt} images are at most {limit:,} pixels on a side, this one is "
                         f"{size[0]:,} x {size[1]:,}; use PNG or TIFF, or a smaller "
                         f"width/height")


def _prepare(image, fmt, background):
    _check_size(fmt, image.size)
    if fmt == "JPEG":  # no alpha in JPEG: flatten onto the background
        from PIL import Image

        rgba = image.convert("RGBA")
        flat = Image.new("RGB", image.size, background)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if fmt in ("WEBP", "TIFF") and image.mode == "P":
        return image.convert("RGBA")
    return image


def write(image, target, *, format=None, background="white", **params):
    """Encode ``image`` (a Pillow image, or an ``(h, w, 3 or 4)`` uint8 array:
    a composed canvas) to ``target`` (a path or a binary file object).

    Parameters are passed to Pillow's ``Image.save`` on top of :data:`DEFAULTS`
    (for example ``compress_level=9`` or ``quality=95``), checked first
    (:func:`check_params`). An image larger than its format allows
    (:data:`LIMITS`) is refused before encoding; an encoder or disk error is an
    ``OSError`` (disk: ``"cannot write PATH: No space left on device ..."``)
    or ``ValueError`` in one line, and the old file at ``target`` stays as it
    was.
    """
    is_path = isinstance(target, (str, os.PathLike))
    fmt = image_format(target if is_path else None, format) if is_path or format else "PNG"
    params = check_params(fmt, params)
    _check_size(fmt, _size_of(image))
    options = {**DEFAULTS[fmt], **params}
    if isinstance(image, Indexed) and (fmt != "PNG" or params):
        image = image.to_image()  # Pillow encodes it
    mode = getattr(image, "mode", "RGB")  # arrays: 3 or 4 channels
    ours = mode in ("RGB", "RGBA") or (mode == "P" and "transparency" not in
                                           getattr(image, "info", {}))
    from . import png  # loaded with the first image written, not with fastheat

    if isinstance(image, Indexed):
        save = functools.partial(png.write_indexed_png, image.index, image.colors,
                                 opaque=image.opaque)
    elif fmt == "PNG" and not params and ours:
        save = functools.partial(png.write_png, image)
    else:
        if not hasattr(image, "mode"):
            from PIL import Image

            image = Image.fromarray(image)
        image = _prepare(image, fmt, background)
        if fmt == "PNG" and params.keys().isdisjoint({"compress_level", "compress_type"}):
            options.update(png.pillow_strategy(image))
        save = functools.partial(image.save, format=fmt, **options)
    size = _size_of(image)
    if not is_path:
        _encode(save, target, fmt, size, "the file object")
        return
    path = os.path.abspath(os.fspath(target))
    shown = os.fspath(target)
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {shown!r}: folder {folder!r} does not exist")
    try:
        old = os.stat(path)
    except FileNotFoundError:
        old = None
    except OSError as e:
        raise OSError(f"cannot write {shown!r}: {e.strerror}") from None
    if old is not None and stat.S_ISDIR(old.st_mode):
        raise IsADirectoryError(f"cannot write {shown!r}: it is a folder; give a file name")
    if old is not None and not stat.S_ISREG(old.st_mode):  # /dev/null, a FIFO: in place
        try:
            with open(path, "wb") as f:
                _encode(save, f, fmt, size, repr(shown))
        except OSError as e:
            raise _io_error(e, shown) from None
        return
    remove_stale(folder)
    with _Cleanup() as job:
        try:
            job.tmp = os.path.join(folder, _temp_name())
            f = open(job.tmp, "xb")  # O_EXCL, mode 0o666 & ~umask
        except OSError as e:
            job.tmp = None
            raise _io_error(e, shown) from None
        _LIVE.add(job.tmp)
        with f:
            _encode(save, f, fmt, size, repr(shown))
            try:
                f.flush()
                os.fsync(f.fileno())  # the bytes on disk before the rename points at them
                if old is not None:  # a replaced file keeps its permissions (and owner)
                    os.fchmod(f.fileno(), stat.S_IMODE(old.st_mode))
                    if (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
                        try:
                            os.fchown(f.fileno(), old.st_uid, old.st_gid)
                        except PermissionError:
                            pass
            except OSError as e:
                raise _io_error(e, shown) from None
        try:
            os.replace(job.tmp, path)
        except OSError as e:
            raise _io_error(e, shown) from None
        _LIVE.discard(job.tmp)
        job.tmp = None
    _fsync_folder(folder)


def check_not_source(target, data):
    """Refuse to write over the file ``data`` is memory-mapped from (the
    same inode: a symlink or hard link too): it would destroy the input."""
    filename = getattr(data, "filename", None)
    if not isinstance(target, (str, os.PathLike)) or not isinstance(filename, (str, os.PathLike)):
        return
    try:
        same = os.path.samefile(filename, target)
    except OSError:
        return
    if same:
        raise ValueError(f"path={os.fspath(target)!r} is the file the data is memory-mapped "
                         f"from; writing it would destroy the data: give another path")


def _encode(save, f, fmt, size, where):
    """Run the encoder; its errors in one line: disk errors as such, the rest
    as an encoder failure naming the format and size."""
    try:
        save(f)
    except OSError as e:
        if e.errno in _IO_ERRNOS:
            raise _io_error(e, where.strip("'")) from None
        raise OSError(f"the {fmt} encoder failed on a {size[0]:,} x {size[1]:,} image "
                      f"({_one_line(e)}); try PNG or TIFF, or other encoder "
                      f"options") from None
    except (SystemError, OverflowError, MemoryError) as e:
        raise OSError(f"the {fmt} encoder failed on a {size[0]:,} x {size[1]:,} image "
                      f"({type(e).__name__}: {_one_line(e)})") from None


def _io_error(e, shown):
    if e.errno is None:  # already one of ours
        return e
    return type(e)(e.errno, f"cannot write {shown!r}: {e.strerror or _one_line(e)} "
                   f"(any old file there is unchanged)")


def _one_line(e):
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def _fsync_folder(folder):
    """Sync the rename itself (some file systems do not support it: skipped)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- temporary files
#
# A signal can kill the process while another thread than the main one writes
# (a web server's worker thread): Python runs signal handlers only in the main
# thread, a library cannot install one from elsewhere, and SIGTERM or SIGHUP
# at their default action (or SIGKILL, the OOM killer, a power cut) end the
# process with no Python code run, so its temporary file stays. What is done:
# the temporary files being written are known (:data:`_LIVE`) and removed at
# interpreter exit (a program whose own handler exits while a daemon thread
# writes), and each name says which host and process wrote it, so that a later
# save into the same folder removes those whose writer is gone.

#: Temporary files being written by this process (removed at exit).
_LIVE = set()
#: A temporary file whose writer (on this host) is no longer running is stale
#: once it is this old (s): its mtime moves while it is written.
STALE_GRACE = 60.0
#: Any temporary file (another host's, an older fastheat's) untouched this long
#: (s) is stale: no write waits an hour between two bytes.
STALE_AGE = 3600.0
#: How often (s) one process looks for stale files in a folder it writes to.
RESCAN = 600.0
_scanned = {}  # folder -> time.monotonic() of its last scan
_scan_lock = threading.Lock()


def _host_tag():
    return format(zlib.crc32(os.uname().nodename.encode()) if hasattr(os, "uname") else 0,
                  "08x")


def _temp_name():
    """``.fastheat-<host>-<pid>-<random>.part``: who writes it, for
    :func:`remove_stale`."""
    return f".fastheat-{_host_tag()}-{os.getpid()}-{os.urandom(6).hex()}.part"


_TEMP = re.compile(r"\.fastheat-(?:([0-9a-f]{8})-(\d+)-)?[0-9a-f]+\.part\Z")


def _running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):  # another user's: alive
        return True
    return True


def remove_stale(folder, *, now=None):
    """Remove the temporary files of fastheat writes into ``folder`` that were
    interrupted for good (their process was killed): those of this host whose
    process is not running, older than :data:`STALE_GRACE`, and any untouched
    for :data:`STALE_AGE` (another host's, a reused process id's, an older
    fastheat's ``.fastheat-<random>.part``). Looked for at the first write into
    a folder and then at most every :data:`RESCAN` seconds; errors are ignored
    (a folder that cannot be listed, a file another process removed first).
    Returns the names removed."""
    key = os.path.realpath(folder)
    with _scan_lock:
        last = _scanned.get(key)
        if last is not None and time.monotonic() - last < RESCAN:
            return []
        _scanned[key] = time.monotonic()
    now = time.time() if now is None else now
    host, me, removed = _host_tag(), os.getpid(), []
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(".fastheat-")]
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP.match(entry.name)
        if m is None or entry.path in _LIVE:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
            if not entry.is_file(follow_symlinks=False):
                continue
        except OSError:
            continue
        tag, pid = m.group(1), m.group(2)
        gone = tag == host and pid is not None and int(pid) != me and not _running(int(pid))
        if (gone and age > STALE_GRACE) or age > STALE_AGE:
            try:
                os.unlink(entry.path)
                removed.append(entry.name)
            except OSError:
                pass
    return removed


@atexit.register
def _remove_live():
    """At interpreter exit: the temporary files still being written (by daemon
    threads, which exit does not wait for)."""
    for path in list(_LIVE):
        try:
            os.unlink(path)
        except OSError:
            pass
    _LIVE.clear()


if hasattr(os, "register_at_fork"):  # a forked child does not own its parent's files
    os.register_at_fork(after_in_child=lambda: (_LIVE.clear(), _scanned.clear()))


#: Signals whose default action kills the process without cleanup.
_FATAL = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


class Signalled(BaseException):
    """Raised in the main thread while a file is written, for a SIGTERM or
    SIGHUP that would have killed the process there and then; after the
    temporary file is removed the signal is delivered again with its default
    action (the process dies of it, as it would have)."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


class _Cleanup:
    """Removes ``self.tmp`` (if set) on any exception; while active in the
    main thread, SIGTERM and SIGHUP left at their default action raise
    :class:`Signalled` instead, and are re-delivered after the cleanup."""

    tmp = None

    def __enter__(self):
        self.saved = {}
        if threading.current_thread() is threading.main_thread():
            for sig in _FATAL:
                try:
                    if signal.getsignal(sig) == signal.SIG_DFL:
                        self.saved[sig] = signal.signal(sig, _raise_signalled)
                except (ValueError, OSError):
                    pass
        return self

    def __exit__(self, kind, value, tb):
        try:
            if self.tmp is not None:
                _LIVE.discard(self.tmp)
                try:
                    os.unlink(self.tmp)
                except FileNotFoundError:
                    pass
        finally:
            for sig, handler in self.saved.items():
                signal.signal(sig, handler)
        if isinstance(value, Signalled) and value.signum in self.saved:
            signal.raise_signal(value.signum)  # default action: the process ends here
        return False


def _raise_signalled(signum, frame):
    raise Signalled(signum)
